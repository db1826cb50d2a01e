"""``audeep preprocess`` (spectrograms from an audio collection) and ``audeep inspect raw``.

Heavy modules (numpy, soundfile, the extraction driver) are imported inside
``take_action``; TensorFlow is never imported here.
"""

import logging
from pathlib import Path
from typing import ClassVar

from audeep.cli.options import ShowOne, add_jobs, add_output, add_params, add_scheduler, add_shard_size, \
    non_negative_int, params_from_args

log = logging.getLogger(__name__)

#: Spectrogram options shown in the "audio" group of ``preprocess --help`` (the others in "spectrogram").
_AUDIO_OPTIONS = ("channels", "resample", "fixed_length", "center_fixed", "chunk_length", "chunk_count")


def _add_collection(parser) -> None:
    parser.add_argument("--basedir", type=Path, required=True, metavar="DIR",
                        help="the audio collection's root folder")
    parser.add_argument("--parser", default="meta", metavar="PARSER",
                        help="data set layout: meta (auto-detect, default), esc, dcase, urbansound8k, partitioned, "
                             "cross_validated, no_metadata, csv, compare, a ComParE task (compare19_oa, ...), "
                             "dcase18_task4 (docs/parsers.md), an original auDeep class name "
                             "(audeep.backend.parsers.esc.ESCParser), or path/to/file.py:ClassName")


class Preprocess(ShowOne):
    """Compute spectrograms of every audio file of a collection and write them as a data set."""

    #: Library parameters whose flag is not their name (``pretend_spectrogram(index)``, ``fuse_channels(mode)``).
    parameter_flags: ClassVar[dict] = {"index": "--pretend", "mode": "--channels"}

    def get_parser(self, prog_name):
        from audeep.preprocessing.options import SpectrogramOptions

        parser = super().get_parser(prog_name)
        _add_collection(parser)
        add_output(parser, required=False, default=Path("spectrograms.nc"),
                   help="the data set file to write (netCDF; default: spectrograms.nc)")
        add_params(parser.add_argument_group("spectrogram"), SpectrogramOptions, exclude=_AUDIO_OPTIONS)
        add_params(parser.add_argument_group("audio"), SpectrogramOptions, only=_AUDIO_OPTIONS)
        run = parser.add_argument_group("run")
        add_jobs(run)
        add_scheduler(run)
        add_shard_size(run)
        run.add_argument("--skip-bad-files", action="store_true",
                         help="skip files that cannot be processed (and list them) instead of failing")
        run.add_argument("--pretend", type=non_negative_int, metavar="INDEX",
                         help="only compute file INDEX's dB spectrogram and plot it to --plot; no data set")
        run.add_argument("--plot", type=Path, default=Path("spectrogram.png"), metavar="PNG",
                         help="where --pretend writes its plot (default: spectrogram.png)")
        return parser

    def take_action(self, parsed_args):
        from audeep.preprocessing.options import SpectrogramOptions

        a = parsed_args
        options = params_from_args(SpectrogramOptions, a)
        if a.pretend is not None:
            return self._pretend(a, options)
        from audeep.preprocessing.extract import run_extraction

        result = run_extraction(a.basedir, parser=a.parser, output=a.output, jobs=a.jobs, scheduler=a.scheduler,
                                skip_bad_files=a.skip_bad_files, shard_size=a.shard_size,
                                progress=None if self.app.options.verbose_level > 0 else False, **options)
        info = {
            "output": str(a.output),
            "parser": result.parser,
            "instances": result.instances,
            "feature shape": "x".join(str(s) for s in result.feature_shape),
            "labels": result.num_labels,
            "folds": result.num_folds,
            "variable length": result.variable_length,
            "skipped files": len(result.skipped),
            "skipped": ", ".join(path for path, _ in result.skipped),
        }
        return tuple(info), tuple(info.values())

    def _pretend(self, a, options):
        from audeep.plotting import plot_spectrogram
        from audeep.preprocessing.extract import pretend_spectrogram

        inst, spec = pretend_spectrogram(a.basedir, a.pretend, parser=a.parser, **options)
        step = a.window_width - a.window_overlap
        plot_spectrogram(spec, a.plot, title=inst.filename, frame_step=step,
                         freq_label="mel band" if a.mel_bands else "FFT bin")
        info = {
            "index": a.pretend,
            "file": str(inst.path),
            "filename": inst.filename,
            "label": inst.label,
            "shape": "x".join(str(s) for s in spec.shape),
            "min (dB)": round(float(spec.min()), 3),
            "max (dB)": round(float(spec.max()), 3),
            "plot": str(a.plot),
        }
        return tuple(info), tuple(info.values())


class InspectRaw(ShowOne):
    """Summarise an audio collection: files, labels, folds, partitions, durations, sample rates, channels."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_collection(parser)
        return parser

    def take_action(self, parsed_args):
        from audeep.preprocessing.extract import describe_raw

        info = describe_raw(parsed_args.basedir, parser=parsed_args.parser)
        return tuple(info), tuple(info.values())
