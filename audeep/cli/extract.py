"""``audeep extract``: features of new recordings from a trained run, with the run's own preprocessing.

The spectrogram flags are those of ``preprocess`` (generated from
:class:`~audeep.preprocessing.options.SpectrogramOptions`), with no default: a flag given
overrides what the run recorded.  TensorFlow is imported only inside ``take_action``.
"""

from pathlib import Path
from typing import ClassVar

from audeep.cli.options import ShowOne, add_batch_size, add_features, add_jobs, add_output, add_params, \
    add_scheduler, add_shard_size, params_from_args, positive_float, positive_int
from audeep.models.config import TrainingConfig


class Extract(ShowOne):
    """Write features of audio files (files, folders, globs) with a trained run, using its preprocessing."""

    parameter_flags: ClassVar[dict] = {"inputs": "PATH", "run_dir": "--model-dir", "epoch": "--step",
                                     "format": "--output-format"}

    def get_parser(self, prog_name):
        from dataclasses import fields

        from audeep.preprocessing.options import SpectrogramOptions

        parser = super().get_parser(prog_name)
        parser.add_argument("--model-dir", dest="run_dir", required=True, metavar="DIR",
                            help="the run directory of a training run (any kind)")
        parser.add_argument("inputs", nargs="*", metavar="PATH",
                            help="audio files, folders (searched recursively for audio files) and globs")
        parser.add_argument("--input-list", type=Path, metavar="FILE",
                            help="a text file naming more inputs, one per line (relative to its folder)")
        add_output(parser, help="the output: .nc (netCDF data set), .csv or .parquet, written atomically")
        # --format is cliff's (how the summary is printed)
        parser.add_argument("--output-format", dest="format", choices=("netcdf", "csv", "parquet"), default=None,
                            help="the output file's format (default: from the output's suffix)")
        add_features(parser, note="; other kinds than t-RAE give bottleneck only")
        parser.add_argument("--hop", type=positive_float, default=None, metavar="S",
                            help="seconds between windows of a run trained on fixed-length clips or chunks "
                                 "(default: the training length)")
        parser.add_argument("--step", dest="epoch", type=positive_int, default=None, metavar="E",
                            help="the checkpoint (epoch number) to use (default: the newest)")
        run = parser.add_argument_group("run")
        add_jobs(run)
        add_scheduler(run)
        add_shard_size(run, unit="recordings (netCDF output)")
        add_batch_size(run, default=256)
        add_params(run, TrainingConfig, only={"threads"},
                   default_help={"threads": "half the cores with --jobs > 1, else all"})
        run.add_argument("--skip-bad-files", action="store_true",
                         help="skip recordings that cannot be processed (and list them) instead of failing")
        names = [f.name for f in fields(SpectrogramOptions)]
        overrides = parser.add_argument_group("preprocessing overrides (default: the run's own)")
        add_params(overrides, SpectrogramOptions, default_help=dict.fromkeys(names, "the run's"))
        overrides.set_defaults(**dict.fromkeys(names))
        return parser

    def take_action(self, parsed_args):
        from audeep.preprocessing.options import SpectrogramOptions
        from audeep.training.extraction import extract_features

        a = parsed_args
        summary = extract_features(
            run_dir=a.run_dir, inputs=a.inputs, input_list=a.input_list, output=a.output, format=a.format,
            features=a.features, hop=a.hop, epoch=a.epoch, jobs=a.jobs, batch_size=a.batch_size,
            threads=a.threads, skip_bad_files=a.skip_bad_files, scheduler=a.scheduler, shard_size=a.shard_size,
            progress=None if self.app.options.verbose_level > 0 else False,
            **params_from_args(SpectrogramOptions, a))
        info = {
            "output": str(summary.output),
            "format": summary.format,
            "files": summary.files,
            "rows": summary.rows,
            "feature shape": "x".join(str(s) for s in summary.feature_shape),
            "skipped files": len(summary.skipped),
            "skipped": ", ".join(path for path, _ in summary.skipped),
        }
        return tuple(info), tuple(info.values())
