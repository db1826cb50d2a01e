"""``audeep <kind> train`` / ``audeep <kind> generate`` for the recurrent autoencoders.

One train command class and one generate command class, parameterised by the model kind.
The architecture and training flags are generated from the declarations in
:mod:`audeep.models.config` (:func:`audeep.cli.options.add_params`), so a parameter added
there is a flag here without any edit.  TensorFlow is imported only inside ``take_action``.
"""

import argparse
import logging
from pathlib import Path

from audeep.cli.options import Lister, add_batch_size, add_features, add_input, add_params, add_scheduler, \
    add_shard_size, params_from_args, positive_int
from audeep.models.config import FEATURE_CHOICES, TrainingConfig, config_class
from audeep.models.corruption import CorruptionConfig
from audeep.models.recipes import RECIPES
from audeep.models.readouts import canonical_readouts

LOG = logging.getLogger(__name__)

#: the original's run directory (``--run-name`` default ``./test-run``)
DEFAULT_RUN = "test-run"

#: options of the original that audeep accepts and ignores: flag -> why it is no longer needed
RETIRED_OPTIONS = {
    "--tempdir": "training reads the data set directly through tf.data; no temporary TFRecords are written",
    "--mask-silence": "the original's mask was a no-op (issue #28); variable-length spectrograms are masked "
                      "without it",
}


def add_retired(parser, flag: str, **kwargs) -> None:
    """Accept ``flag`` of the original (hidden from the help); :func:`warn_retired` says why it is ignored."""
    parser.add_argument(flag, dest="retired_" + flag.strip("-").replace("-", "_"), help=argparse.SUPPRESS,
                        **kwargs)


def warn_retired(args) -> None:
    """Log one warning per retired option given on the command line."""
    for flag, why in RETIRED_OPTIONS.items():
        value = getattr(args, "retired_" + flag.strip("-").replace("-", "_"), None)
        if value not in (None, False):
            LOG.warning("%s is no longer needed and is ignored: %s", flag, why)


def resolve_model_dir(path) -> Path:
    """The run directory for ``--model-dir``: ``RUN`` itself, or ``RUN/logs`` (the original's checkpoint folder)."""
    from audeep.training.runs import CONFIG_NAME

    path = Path(path)
    if path.name == "logs" and not (path / CONFIG_NAME).exists() and (path.parent / CONFIG_NAME).exists():
        LOG.info("--model-dir %s: using the run directory %s (checkpoints are no longer in logs/)",
                 path, path.parent)
        return path.parent
    return path


class TrainBase(Lister):
    """Train an autoencoder; subclasses set ``kind``."""

    kind = ""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser, multiple=True, help="training data sets (netCDF spectrograms, same feature shape)")
        parser.add_argument("--run-name", dest="run_dir", default=DEFAULT_RUN, metavar="DIR",
                            help="run directory: config, checkpoints, history, TensorBoard logs "
                                 f"(default: {DEFAULT_RUN})")
        recipes = [r for r in RECIPES.values() if self.kind in r.kinds]
        if recipes:
            parser.add_argument("--recipe", type=str.lower, metavar="NAME", choices=[r.name for r in recipes],
                                help="fill in every option not given from a named recipe: " + "; ".join(
                                    f"{r.name}: {r.summary} (generate with --features {r.features})"
                                    for r in recipes))
        add_params(parser, TrainingConfig, exclude={"seed", "threads"}, unset=True)
        parser.add_argument("--continue", dest="resume", action="store_true",
                            help="resume the run in --run-name from its last checkpoint (architecture options and "
                                 "the learning rate are then taken from the run)")
        add_params(parser, TrainingConfig, only={"seed", "threads"}, unset=True)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        add_params(parser.add_argument_group(f"{self.kind} architecture"), config_class(self.kind), unset=True)
        add_params(parser.add_argument_group("input corruption and mixing (training only: the encoder reads the "
                                             "damaged clip, the target stays clean)"), CorruptionConfig, unset=True)
        add_retired(parser, "--tempdir", metavar="DIR")
        if self.kind == "t-rae":
            add_retired(parser, "--mask-silence", action="store_true")
        return parser

    def take_action(self, args):
        from audeep.training import train_autoencoder

        warn_retired(args)
        result = train_autoencoder(kind=self.kind, inputs=args.input, run_dir=args.run_dir,
                                   architecture=params_from_args(config_class(self.kind), args),
                                   corruption=params_from_args(CorruptionConfig, args),
                                   recipe=getattr(args, "recipe", None), resume=args.resume,
                                   progress=not args.no_progress,
                                   **params_from_args(TrainingConfig, args))
        rows = [(r["epoch"], round(r["loss"], 6), round(r["seconds"], 2)) for r in result.history]
        return ("epoch", "loss", "seconds"), rows


class GenerateBase(Lister):
    """Write learned features from checkpoints of a run; subclasses set ``kind``."""

    kind = ""
    default_batch_size = 500
    #: the one-word read-outs of ``--features`` (the option is offered when there is more than one)
    feature_choices = ("bottleneck",)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--model-dir", dest="run_dir", required=True, metavar="DIR", type=resolve_model_dir,
                            help="the run directory of a training run (RUN/logs, the original's checkpoint "
                                 "folder, also works)")
        add_input(parser, help="spectrograms (netCDF) of the shape the model was trained on")
        parser.add_argument("--output", dest="outputs", nargs="+", required=True, metavar="FILE",
                            help="output data set(s), one per --steps entry")
        parser.add_argument("--steps", dest="epochs", nargs="+", type=positive_int, default=None, metavar="E",
                            help="checkpoints (epoch numbers) to use (default: the newest)")
        add_batch_size(parser, default=self.default_batch_size)
        if len(self.feature_choices) > 1:
            add_features(parser)
        add_params(parser, TrainingConfig, only={"threads"}, default_help={"threads": "all cores"})
        add_scheduler(parser)
        add_shard_size(parser, unit="instances (a file's chunks stay together)")
        return parser

    def take_action(self, args):
        from audeep.training import generate_features

        features = canonical_readouts(getattr(args, "features", "bottleneck"))
        written = generate_features(
            run_dir=args.run_dir, input=args.input, outputs=args.outputs, epochs=args.epochs,
            batch_size=args.batch_size, features=features, kind=self.kind, threads=args.threads,
            scheduler=args.scheduler, shard_size=args.shard_size, provenance={"command": f"{self.kind} generate",
                        "parameters": {"model_dir": args.run_dir, "input": args.input, "steps": args.epochs,
                                       "features": features}})
        return ("step", "output"), [(epoch, str(path)) for epoch, path in written]


class TRaeTrain(TrainBase):
    """Train a time-recurrent autoencoder (t-RAE) on spectrograms."""

    kind = "t-rae"


class TRaeGenerate(GenerateBase):
    """Generate t-RAE features (the representation, or statistics over time of encoder layers) from a trained run."""

    kind = "t-rae"
    feature_choices = FEATURE_CHOICES


class FRaeTrain(TrainBase):
    """Train a frequency-recurrent autoencoder (f-RAE) on the frames of spectrograms."""

    kind = "f-rae"


class FRaeGenerate(GenerateBase):
    """Generate f-RAE features (one representation per frame: [instance, time, generated])."""

    kind = "f-rae"
    default_batch_size = 64


class FtRaeTrain(TrainBase):
    """Train a frequency-time-recurrent autoencoder (ft-RAE) on spectrograms."""

    kind = "ft-rae"


class FtRaeGenerate(GenerateBase):
    """Generate ft-RAE features (the time encoder's representation: [instance, generated])."""

    kind = "ft-rae"
