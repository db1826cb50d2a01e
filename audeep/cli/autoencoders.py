"""``audeep <kind> train`` / ``audeep <kind> generate`` for the recurrent autoencoders.

One train command class and one generate command class, parameterised by the model kind;
each kind adds its architecture options through :meth:`TrainBase.add_architecture_options`
and maps them to constructor arguments in :meth:`TrainBase.architecture`.
TensorFlow is imported only inside ``take_action``.
"""

import logging

from audeep.cli.options import (
    Lister,
    add_batch_size,
    add_input,
    add_seed,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
)

log = logging.getLogger(__name__)


def _cell(value: str) -> str:
    import argparse

    name = value.strip().upper()
    if name not in ("GRU", "LSTM"):
        raise argparse.ArgumentTypeError(f"{value!r} is not one of GRU, LSTM (case-insensitive)")
    return name


def _keep_prob(value: str) -> float:
    import argparse

    number = probability(value)
    if number == 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a keep probability in (0, 1]")
    return number


def _add_threads(parser, *, default_help="1 on up to 2 cores, else TensorFlow's choice"):
    parser.add_argument("--threads", type=positive_int, default=None, metavar="N",
                        help=f"TensorFlow intra-op threads (default: {default_help})")


class TrainBase(Lister):
    """Train an autoencoder; subclasses set ``kind`` and add the architecture options."""

    kind = ""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser, multiple=True, help="training data sets (netCDF spectrograms, same feature shape)")
        parser.add_argument("--run-name", required=True, metavar="DIR",
                            help="run directory: config, checkpoints, history, TensorBoard logs")
        parser.add_argument("--num-epochs", type=positive_int, default=10, metavar="N",
                            help="total epochs of the run, including resumed ones (default: 10)")
        add_batch_size(parser, default=64)
        parser.add_argument("--learning-rate", type=positive_float, default=1e-3, metavar="LR",
                            help="Adam learning rate (default: 0.001)")
        parser.add_argument("--checkpoints-to-keep", type=positive_int, default=None, metavar="N",
                            help="keep only the newest N checkpoints (default: all)")
        parser.add_argument("--continue", dest="resume", action="store_true",
                            help="resume the run in --run-name from its last checkpoint (architecture options "
                                 "are then taken from the run)")
        add_seed(parser)
        _add_threads(parser)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        group = parser.add_argument_group(f"{self.kind} architecture")
        self.add_architecture_options(group)
        return parser

    def add_architecture_options(self, group) -> None:
        """Add the kind's architecture options to ``group``."""
        raise NotImplementedError

    def architecture(self, args) -> dict:
        """Constructor arguments of the model from the parsed options."""
        raise NotImplementedError

    def take_action(self, args):
        from audeep.training import train_autoencoder

        result = train_autoencoder(
            kind=self.kind, inputs=args.input, run_dir=args.run_name, architecture=self.architecture(args),
            num_epochs=args.num_epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
            checkpoints_to_keep=args.checkpoints_to_keep, seed=args.seed, resume=args.resume,
            threads=args.threads, progress=not args.no_progress)
        rows = [(r["epoch"], round(r["loss"], 6), round(r["seconds"], 2)) for r in result.history]
        return ("epoch", "loss", "seconds"), rows


def _add_freq_windows(group):
    group.add_argument("--freq-window-width", type=positive_int, default=32, metavar="N",
                       help="frequency bins per window of a frame (default: 32)")
    group.add_argument("--freq-window-overlap", type=non_negative_int, default=24, metavar="N",
                       help="bins shared by consecutive frequency windows, less than the width (default: 24)")


def _freq_windows(args) -> dict:
    return {"freq_window_width": args.freq_window_width, "freq_window_overlap": args.freq_window_overlap}


class RecurrentTrainBase(TrainBase):
    """Architecture options shared by the t-RAE and f-RAE."""

    #: what encoder noise zeroes
    noise_step = "time step"

    def add_architecture_options(self, group):
        group.add_argument("--num-layers", type=positive_int, default=1, metavar="N",
                           help="stacked RNN layers in encoder and decoder (default: 1)")
        group.add_argument("--num-units", type=positive_int, default=16, metavar="N",
                           help="units per RNN layer (default: 16)")
        group.add_argument("--cell", type=_cell, default="GRU", metavar="GRU|LSTM",
                           help="RNN cell, case-insensitive (default: GRU)")
        group.add_argument("--bidirectional-encoder", action="store_true", help="bidirectional encoder")
        group.add_argument("--bidirectional-decoder", action="store_true", help="bidirectional decoder")
        group.add_argument("--keep-prob", type=_keep_prob, default=0.8, metavar="P",
                           help="dropout keep probability on RNN inputs and outputs (default: 0.8)")
        group.add_argument("--encoder-noise", type=probability, default=0.0, metavar="P",
                           help=f"probability of zeroing a whole encoder input {self.noise_step} (default: 0)")
        group.add_argument("--feed-previous-prob", type=probability, default=0.0, metavar="P",
                           help="probability of feeding the decoder its own previous output (default: 0)")

    def architecture(self, args):
        return {"num_layers": args.num_layers, "num_units": args.num_units, "cell": args.cell,
                "bidirectional_encoder": args.bidirectional_encoder,
                "bidirectional_decoder": args.bidirectional_decoder, "keep_prob": args.keep_prob,
                "encoder_noise": args.encoder_noise, "feed_previous_prob": args.feed_previous_prob}


class GenerateBase(Lister):
    """Write learned features from checkpoints of a run; subclasses set ``kind``."""

    kind = ""
    default_batch_size = 500
    #: the choices of ``--features`` (the option is offered when there is more than one)
    feature_choices = ("bottleneck",)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--model-dir", required=True, metavar="DIR", help="the run directory of a training run")
        add_input(parser, help="spectrograms (netCDF) of the shape the model was trained on")
        parser.add_argument("--output", nargs="+", required=True, metavar="FILE",
                            help="output data set(s), one per --steps entry")
        parser.add_argument("--steps", nargs="+", type=positive_int, default=None, metavar="E",
                            help="checkpoints (epoch numbers) to use (default: the newest)")
        add_batch_size(parser, default=self.default_batch_size)
        if len(self.feature_choices) > 1:
            parser.add_argument("--features", choices=self.feature_choices, default=self.feature_choices[0],
                                help="bottleneck: the representation (the paper's feature); pooled: mean and "
                                     "standard deviation over time of the encoder's top-layer outputs; both: "
                                     "the two concatenated (default: bottleneck)")
        _add_threads(parser, default_help="all cores")
        return parser

    def take_action(self, args):
        from audeep.generate import generate_features

        features = getattr(args, "features", "bottleneck")
        written = generate_features(
            model_dir=args.model_dir, input=args.input, outputs=args.output, steps=args.steps,
            batch_size=args.batch_size, features=features, kind=self.kind, threads=args.threads,
            provenance={"command": f"{self.kind} generate",
                        "parameters": {"model_dir": args.model_dir, "input": args.input, "steps": args.steps,
                                       "features": features}})
        return ("step", "output"), [(step, str(path)) for step, path in written]


class TRaeTrain(RecurrentTrainBase):
    """Train a time-recurrent autoencoder (t-RAE) on spectrograms."""

    kind = "t-rae"

    def add_architecture_options(self, group):
        super().add_architecture_options(group)
        group.add_argument("--decoder", choices=("paper", "standard"), default="paper",
                           help="paper: the first release's decoder that produced the papers' results; "
                                "standard: a teacher-forced standard (bidirectional) RNN (default: paper)")

    def architecture(self, args):
        return dict(super().architecture(args), decoder=args.decoder)


class TRaeGenerate(GenerateBase):
    """Generate t-RAE features (the representation, or pooled encoder outputs) from a trained run."""

    kind = "t-rae"
    feature_choices = ("bottleneck", "pooled", "both")


class FRaeTrain(RecurrentTrainBase):
    """Train a frequency-recurrent autoencoder (f-RAE) on the frames of spectrograms."""

    kind = "f-rae"
    noise_step = "frequency window"

    def add_architecture_options(self, group):
        super().add_architecture_options(group)
        _add_freq_windows(group)

    def architecture(self, args):
        return dict(super().architecture(args), **_freq_windows(args))


class FRaeGenerate(GenerateBase):
    """Generate f-RAE features (one representation per frame: [instance, time, generated])."""

    kind = "f-rae"
    default_batch_size = 64


class FtRaeTrain(TrainBase):
    """Train a frequency-time-recurrent autoencoder (ft-RAE) on spectrograms."""

    kind = "ft-rae"

    def add_architecture_options(self, group):
        for axis, name, layers, units in (("f", "frequency", 1, 64), ("t", "time", 2, 128)):
            group.add_argument(f"--num-{axis}-layers", type=positive_int, default=layers, metavar="N",
                               help=f"stacked RNN layers in the {name} encoder and decoder (default: {layers})")
            group.add_argument(f"--num-{axis}-units", type=positive_int, default=units, metavar="N",
                               help=f"units per {name} RNN layer (default: {units})")
        group.add_argument("--cell", type=_cell, default="GRU", metavar="GRU|LSTM",
                           help="RNN cell, case-insensitive (default: GRU)")
        for axis, name in (("f", "frequency"), ("t", "time")):
            for part in ("encoder", "decoder"):
                group.add_argument(f"--bidirectional-{axis}-{part}", action="store_true",
                                   help=f"bidirectional {name} {part}")
        group.add_argument("--keep-prob", type=_keep_prob, default=0.8, metavar="P",
                           help="dropout keep probability on RNN inputs and outputs (default: 0.8)")
        group.add_argument("--f-encoder-noise", type=probability, default=0.0, metavar="P",
                           help="probability of zeroing a whole frequency window of the input (default: 0)")
        group.add_argument("--t-encoder-noise", type=probability, default=0.0, metavar="P",
                           help="probability of zeroing a whole time step of the time encoder's input (default: 0)")
        for axis, name in (("f", "frequency"), ("t", "time")):
            group.add_argument(f"--{axis}-feed-previous-prob", type=probability, default=0.0, metavar="P",
                               help=f"probability of feeding the {name} decoder its own previous output "
                                    "(default: 0)")
        _add_freq_windows(group)

    def architecture(self, args):
        names = ("num_f_layers", "num_f_units", "num_t_layers", "num_t_units", "cell", "bidirectional_f_encoder",
                 "bidirectional_f_decoder", "bidirectional_t_encoder", "bidirectional_t_decoder", "keep_prob",
                 "f_encoder_noise", "t_encoder_noise", "f_feed_previous_prob", "t_feed_previous_prob")
        return dict({name: getattr(args, name) for name in names}, **_freq_windows(args))


class FtRaeGenerate(GenerateBase):
    """Generate ft-RAE features (the time encoder's representation: [instance, generated])."""

    kind = "ft-rae"
