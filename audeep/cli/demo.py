"""``audeep demo``: the whole pipeline on an embedded synthetic data set."""

import logging
from pathlib import Path
from typing import ClassVar

from audeep.cli.options import Command, add_jobs, seed


class Demo(Command):
    """Run the whole pipeline on a synthetic data set: preprocess, t-rae train, generate, mlp evaluate, export.

    Writes WAV files, spectrograms, the autoencoder run, features, ARFF files and plots
    (spectrogram, loss curve, confusion matrix) to --output, printing every step and
    the accuracy per fold.
    """

    #: run_demo's parameter -> this command's flag, for error messages
    parameter_flags: ClassVar[dict] = {"output_dir": "--output"}
    #: --output is the demo's own folder
    folder_outputs: ClassVar[tuple] = ("output",)

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--output", type=Path, default=Path("audeep-demo"), metavar="DIR",
                            help="folder for everything the demo writes; a folder of an earlier demo is reused "
                                 "(default: audeep-demo)")
        parser.add_argument("--quick", action="store_true",
                            help="a smaller data set, model and training (seconds instead of about a minute)")
        parser.add_argument("--seed", type=seed, default=0, metavar="N",
                            help="random seed of the data, the autoencoder and the MLP (default: 0)")
        add_jobs(parser)
        return parser

    def take_action(self, parsed_args):
        from audeep.demo import run_demo

        out = self.app.stdout

        def echo(line):
            out.write(line + "\n")
            out.flush()

        # the demo prints its own summary of every step; the steps' INFO logs only with -v
        library = logging.getLogger("audeep")
        level = library.level
        if self.app.options.verbose_level < 2:
            library.setLevel(logging.WARNING)
        try:
            run_demo(parsed_args.output, quick=parsed_args.quick, seed=parsed_args.seed, jobs=parsed_args.jobs,
                     echo=echo)
        finally:
            library.setLevel(level)
        return 0
