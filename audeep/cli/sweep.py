"""``audeep sweep``: several trainings (a sweep file) one after another, or as tasks on a Dask cluster."""

from pathlib import Path

from audeep.cli.options import Lister, add_scheduler


class Sweep(Lister):
    """Train the autoencoders of a sweep file, each into its own run directory; complete runs are skipped.

    The sweep file (JSON) lists trainings: {"defaults": {...}, "runs": [{"kind": "t-rae", "inputs": [...],
    "run_dir": "...", "architecture": {...}, "num_epochs": 10, "grid": {"seed": [1, 2]}}, ...]}
    (docs/scaling.md). Exits with status 1 when a training failed.
    """

    parameter_flags = {"sweep": "--file"}

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--file", dest="sweep", type=Path, required=True, metavar="SWEEP.json",
                            help="the sweep file: trainings, their inputs, run directories and options")
        add_scheduler(parser, default_help="one after another in this process")
        return parser

    def take_action(self, parsed_args):
        from audeep.cluster.sweeps import run_sweep

        rows = run_sweep(parsed_args.sweep, scheduler=parsed_args.scheduler)
        self.failed = [r for r in rows if r["status"] == "failed"]
        for row in self.failed:
            self.log.error("%s: %s", row["run_dir"], row["error"])
        return ("run", "kind", "status", "epochs", "loss"), \
            [(r["run_dir"], r["kind"], r["status"], r["epochs"], None if r["loss"] is None else round(r["loss"], 6))
             for r in rows]

    def run(self, parsed_args):
        self.failed = []
        status = super().run(parsed_args)
        return 1 if self.failed and not status else status
