"""``audeep preprocess`` (spectrograms from an audio collection) and ``audeep inspect raw``.

Heavy modules (numpy, soundfile, the extraction driver) are imported inside
``take_action``; TensorFlow is never imported here.
"""

import logging
from pathlib import Path

from audeep.cli.options import ShowOne, add_jobs, add_output, enum_type, non_negative_int, positive_float, \
    positive_int

log = logging.getLogger(__name__)


def _add_collection(parser) -> None:
    parser.add_argument("--basedir", type=Path, required=True, metavar="DIR",
                        help="the audio collection's root folder")
    parser.add_argument("--parser", default="meta", metavar="PARSER",
                        help="data set layout: meta (auto-detect, default), esc, dcase, urbansound8k, partitioned, "
                             "cross_validated, no_metadata, csv, or path/to/file.py:ClassName")


class Preprocess(ShowOne):
    """Compute spectrograms of every audio file of a collection and write them as a data set."""

    def get_parser(self, prog_name):
        from audeep.audio import ChannelMode

        parser = super().get_parser(prog_name)
        _add_collection(parser)
        add_output(parser, required=False, default=Path("spectrograms.nc"),
                   help="the data set file to write (netCDF; default: spectrograms.nc)")
        group = parser.add_argument_group("spectrogram")
        group.add_argument("--window-width", type=positive_float, default=0.04, metavar="S",
                           help="FFT window width in seconds (default: 0.04)")
        group.add_argument("--window-overlap", type=float, default=0.02, metavar="S",
                           help="window overlap in seconds (default: 0.02)")
        group.add_argument("--mel-spectrum", type=positive_int, metavar="N",
                           help="N mel bands (default: a linear power spectrogram)")
        group.add_argument("--clip-below", type=float, metavar="DB",
                           help="clip values below DB (relative to the clip's maximum, 0 dB)")
        group.add_argument("--clip-above", type=float, metavar="DB",
                           help="clip values above DB (relative to the clip's maximum, 0 dB)")
        group.add_argument("--precision", choices=("float32", "float64"), default="float32",
                           help="arithmetic of the spectrogram up to the mel bank: float32 (default; spectrograms "
                                "2.5x faster) or float64 as the original (stored features differ by about 1e-5 at most)")
        audio = parser.add_argument_group("audio")
        audio.add_argument("--channels", type=enum_type(ChannelMode), default=ChannelMode.MEAN,
                           metavar="MODE", help="channel fusion: MEAN, LEFT, RIGHT or DIFF (default: MEAN)")
        audio.add_argument("--resample", type=positive_int, metavar="HZ",
                           help="resample every file to HZ (default: keep; mixed rates are an error)")
        audio.add_argument("--fixed-length", type=positive_float, metavar="S",
                           help="cut or zero-pad every clip to S seconds (default: variable length, padded "
                                "to the longest clip with -1 and a 'length' variable)")
        audio.add_argument("--center-fixed", action="store_true",
                           help="cut or pad symmetrically instead of at the end")
        audio.add_argument("--chunk-length", type=positive_float, metavar="S",
                           help="split spectrograms into chunks of S seconds (with --chunk-count)")
        audio.add_argument("--chunk-count", type=positive_int, metavar="N",
                           help="keep the first N chunks of every file (fewer is an error)")
        run = parser.add_argument_group("run")
        add_jobs(run)
        run.add_argument("--skip-bad-files", action="store_true",
                         help="skip files that cannot be processed (and list them) instead of failing")
        run.add_argument("--pretend", type=non_negative_int, metavar="INDEX",
                         help="only compute file INDEX's dB spectrogram and plot it to --plot; no data set")
        run.add_argument("--plot", type=Path, default=Path("spectrogram.png"), metavar="PNG",
                         help="where --pretend writes its plot (default: spectrogram.png)")
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        options = dict(window_width=a.window_width, window_overlap=a.window_overlap, mel_bands=a.mel_spectrum,
                       clip_below=a.clip_below, clip_above=a.clip_above, channels=a.channels,
                       resample=a.resample, fixed_length=a.fixed_length, center_fixed=a.center_fixed,
                       chunk_length=a.chunk_length, chunk_count=a.chunk_count, precision=a.precision)
        if a.pretend is not None:
            return self._pretend(a, options)
        from audeep.extract import run_extraction

        result = run_extraction(a.basedir, parser=a.parser, output=a.output, jobs=a.jobs,
                                skip_bad_files=a.skip_bad_files,
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
        from audeep.extract import pretend_spectrogram
        from audeep.plotting import plot_spectrogram

        inst, spec = pretend_spectrogram(a.basedir, a.pretend, parser=a.parser, **options)
        step = a.window_width - a.window_overlap
        plot_spectrogram(spec, a.plot, title=inst.filename, frame_step=step,
                         freq_label="mel band" if a.mel_spectrum else "FFT bin")
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
        from audeep.extract import describe_raw

        info = describe_raw(parsed_args.basedir, parser=parsed_args.parser)
        return tuple(info), tuple(info.values())
