"""Training cost of the recipes against the paper's: seconds per epoch and the whole run.

Times whole ``audeep t-rae train`` commands (one thread each, one at a time) on a spectrogram
data set, e.g. ESC-10 at -60 dB as ``benchmarks/accuracy.py`` writes it.  Every variant trains
``--epochs`` epochs per round; rounds interleave the variants (paper, variant, paper, ...) so
that a change of load hits all of them; epoch 1 (graph building) is left out.  Printed per
variant: the median seconds per epoch, that against the paper recipe's, and the cost of the
variant's whole run (its epochs x seconds per epoch) against the paper recipe's 64 epochs.
Target (issue 17): the accuracy setting costs at most 2x the paper's run.  Run it on an idle
machine: the ratios swing with the load.

    python benchmarks/bench_recipe_cost.py --input bench-output/accuracy/esc10/spectrograms-60.nc [--rounds 3]
"""

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import describe_machine

#: name -> (the training flags, the whole runs' epochs: None is the recipe's own)
VARIANTS = {
    "paper": (["--recipe", "paper"], [64]),
    "predictive": (["--recipe", "predictive"], [None]),
    "predictive --bidirectional-decoder": (["--recipe", "predictive", "--bidirectional-decoder"], [64, 150]),
}


def recipe_epochs(flags: list) -> int:
    """The number of epochs of the recipe named in ``flags``."""
    from audeep.models.recipes import recipe

    return recipe(flags[flags.index("--recipe") + 1]).training["num_epochs"]


def seconds_per_epoch(flags: list, *, data: Path, epochs: int, workdir: Path) -> list:
    """Train ``epochs`` epochs with ``flags``; the seconds of epochs 2.. (history.csv)."""
    run_dir = Path(tempfile.mkdtemp(dir=workdir)) / "run"
    done = subprocess.run(["audeep", "t-rae", "train", "--input", str(data), "--run-name", str(run_dir),
                           "--no-progress", "--threads", "1", "--seed", "1", *flags, "--num-epochs", str(epochs),
                           "-f", "value"], capture_output=True, text=True)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        sys.exit(f"error: audeep t-rae train {' '.join(flags)} failed: {last}")
    rows = list(csv.DictReader(open(run_dir / "history.csv")))
    return [float(row["seconds"]) for row in rows[1:]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, required=True, help="spectrograms (netCDF)")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per timed run (the first is left out)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    args = parser.parse_args(argv)
    if args.epochs < 2:
        sys.exit("error: --epochs must be at least 2 (epoch 1 is left out)")
    print(describe_machine(), flush=True)
    names = ["paper"] + [name for name in args.variants if name != "paper"]
    times = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as workdir:
        for round_ in range(args.rounds):
            for name in names:
                seconds = seconds_per_epoch(VARIANTS[name][0], data=args.input, epochs=args.epochs,
                                            workdir=Path(workdir))
                times[name] += seconds
                print(f"round {round_ + 1} {name}: {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    paper = statistics.median(times["paper"])
    paper_run = paper * VARIANTS["paper"][1][0]
    print("\n| variant | epochs | s / epoch (median) | per epoch / paper | whole run / paper's 64 epochs |")
    print("|---|---|---|---|---|")
    for name in names:
        flags, budgets = VARIANTS[name]
        median = statistics.median(times[name])
        for epochs in budgets:
            epochs = epochs or recipe_epochs(flags)
            print(f"| {name} | {epochs} | {median:.2f} | {median / paper:.2f} | {median * epochs / paper_run:.2f} |")


if __name__ == "__main__":
    main()
