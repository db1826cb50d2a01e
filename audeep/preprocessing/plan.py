"""The plan of an extraction: from the files' headers to the output shape and the bad files.

Before any audio is decoded, every file's header fixes the sample rate, the frames and bins
of every stored spectrogram, and which files cannot be processed (unreadable, too short for
one window or for the chunks asked for, or at a different sample rate without resampling).
"""

from __future__ import annotations

import collections
import logging
from dataclasses import dataclass

from audeep.errors import AudeepError
from audeep.preprocessing.audio import AudioInfo, audio_info, resampled_length
from audeep.preprocessing.options import SpectrogramOptions

__all__ = ["FilePlan", "plan_extraction", "read_header"]

log = logging.getLogger(__name__)

#: Sample rate of a plan without any readable file (nothing is computed at it).
_FALLBACK_RATE = 16000


@dataclass(frozen=True)
class FilePlan:
    """Shape of an extraction, known before any audio is decoded.

    Attributes
    ----------
    instances : list of InstanceMetadata
        The files to process, in order.
    bad : list of (str, str)
        Files that cannot be processed and why (path, message).
    sample_rate : int
    frames : int
        Time steps of every stored spectrogram (the longest clip's when variable).
    bins : int
        Frequency bins (mel bands or FFT bins).
    chunks : int
        Chunks per file (1 without chunking).
    """

    instances: list
    bad: list
    sample_rate: int
    frames: int
    bins: int
    chunks: int


def read_header(path) -> AudioInfo | str:
    """A file's header, or why it cannot be read (a picklable worker task)."""
    try:
        return audio_info(path)
    except AudeepError as exc:
        return str(exc)


def _one_rate(infos: list, bad: list) -> list:
    """The (instance, header) pairs at the collection's most common sample rate; the others go to ``bad``."""
    by_rate = collections.defaultdict(list)
    for inst, info in infos:
        by_rate[info.sample_rate].append(inst)
    if len(by_rate) < 2:
        return infos
    rate = max(by_rate, key=lambda r: len(by_rate[r]))
    for other, members in sorted(by_rate.items()):
        if other != rate:
            message = "{}: sample rate {} Hz differs from the collection's {} Hz (set resample to one rate)"
            bad.extend((str(i.path), message.format(i.path, other, rate)) for i in members)
    summary = "; ".join(f"{r} Hz: {', '.join(str(i.path) for i in m[:3])}{' ...' if len(m) > 3 else ''}"
                        for r, m in sorted(by_rate.items()))
    log.warning("mixed sample rates (%s)", summary)
    return [(i, info) for i, info in infos if info.sample_rate == rate]


def _chunk_hint(frames: int, wanted: int, available: int, geometry) -> str:
    """What would work for a clip of ``frames`` frames: fewer chunks, or shorter ones (rounded up to 0.1 ms)."""
    import math

    hints = [f"chunk_count {available}"] if available else []
    per_chunk = frames // wanted
    if per_chunk:
        seconds = math.ceil(per_chunk * geometry.step / geometry.sample_rate * 1e4) / 1e4
        hints.append(f"chunk_length {seconds:g} s")
    return f"; {' or '.join(hints)} would work" if hints else ""


def plan_extraction(instances, options: SpectrogramOptions, *, headers=None) -> FilePlan:
    """Read every file's header and work out the output shape and the bad files.

    Parameters
    ----------
    instances : list of InstanceMetadata
    options : SpectrogramOptions
    headers : iterable, optional
        The files' headers in the order of ``instances``, each an
        :class:`~audeep.preprocessing.audio.AudioInfo` or the message why it cannot be read
        (as read by worker processes); default: read here, one after another.

    Returns
    -------
    FilePlan
        The bad files in the order of ``instances``.
    """
    if headers is None:
        headers = map(read_header, [inst.path for inst in instances])
    infos, bad = [], []
    for inst, info in zip(instances, headers):
        if isinstance(info, str):
            bad.append((str(inst.path), info))
        else:
            infos.append((inst, info))
            if info.truncation:
                log.warning("%s", info.truncation)
    if options.resample is None:
        infos = _one_rate(infos, bad)
    sample_rate = int(options.resample or (infos[0][1].sample_rate if infos else _FALLBACK_RATE))
    geometry = options.geometry(sample_rate)
    good, lengths = [], []
    per_chunk = geometry.frames_in(options.chunk_length) if options.chunked else 0
    for inst, info in infos:
        samples = resampled_length(info.frames, info.sample_rate, sample_rate)
        if options.fixed_length is not None:
            samples = int(sample_rate * options.fixed_length)
        count = geometry.num_frames(samples)
        if count == 0:
            bad.append((str(inst.path), geometry.too_short(samples, name=str(inst.path))))
            continue
        if options.chunked and (per_chunk < 1 or count // per_chunk < options.chunk_count):
            chunks = count // per_chunk if per_chunk else 0
            bad.append((str(inst.path), (f"{inst.path}: {count} frames give {chunks} chunks of {per_chunk} frames, "
                                         f"expected at least {options.chunk_count}"
                                         f"{_chunk_hint(count, options.chunk_count, chunks, geometry)}")))
            continue
        good.append(inst)
        lengths.append(count)
    order = {str(i.path): k for k, i in enumerate(instances)}
    bad.sort(key=lambda b: order.get(b[0], len(order)))
    return FilePlan(instances=good, bad=bad, sample_rate=sample_rate,
                    frames=per_chunk if options.chunked else max(lengths, default=0),
                    bins=int(options.mel_bands) if options.mel_bands else geometry.bins,
                    chunks=int(options.chunk_count) if options.chunked else 1)
