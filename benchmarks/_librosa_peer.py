"""The librosa peer of ``bench_preprocess.py``, run as a whole process like ``audeep preprocess``.

What a librosa user writes for the paper's ESC-10 setting: load every file at its native rate,
take the centred 5 s, melspectrogram (80 ms window, 40 ms hop, 128 bands) and power_to_db clipped
at -60 dB, stacked and saved to one ``.npy`` file.  The first file is the one that pays for the
JIT and caches; the rest of the loop, timed inside the process after its imports, is printed as
``loop <files> <seconds>`` (the in-process figure).  ``--jobs N`` maps the files over a
``multiprocessing.Pool`` of N forked processes instead (librosa has no parallel mode of its own).

Usage: python benchmarks/_librosa_peer.py OUTPUT.npy [--jobs N] FILE...
"""

import sys
import time

import librosa
import numpy as np


def spectrogram(path):
    """The clipped dB mel spectrogram of one file, shape (128, frames)."""
    y, sr = librosa.load(path, sr=None)
    y = librosa.util.fix_length(y[max(0, (y.size - 5 * sr) // 2):], size=5 * sr)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=int(0.08 * sr), hop_length=int(0.04 * sr),
                                         n_mels=128, center=False, htk=True, norm=None)
    return np.maximum(librosa.power_to_db(mel, ref=np.max), -60).astype(np.float32)


def main(argv):
    output, rest = argv[0], argv[1:]
    jobs = 1
    if rest[:1] == ["--jobs"]:
        jobs, rest = int(rest[1]), rest[2:]
    if jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(spectrogram, rest, chunksize=8)
    else:
        results = [spectrogram(rest[0])]  # the first file: JIT and caches warm up here
        start = time.perf_counter()
        results.extend(spectrogram(path) for path in rest[1:])
        print(f"loop {len(rest) - 1} {time.perf_counter() - start:.6f}")
    np.save(output, np.stack(results))


if __name__ == "__main__":
    main(sys.argv[1:])
