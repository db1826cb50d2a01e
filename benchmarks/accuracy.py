"""Issue 17's accuracy table on ESC-10 and spoken commands: controls, the paper recipe and the predictive recipe,
transductive and inductive, mean and standard deviation over autoencoder seeds.

Everything runs through whole ``audeep`` commands (and ``benchmarks/control_features.py``):

1. ``audeep preprocess`` per data set and clipping threshold (settings in :data:`DATASETS`);
2. controls: per-band mean+std and MFCC mean+std (librosa), through the same MLP;
3. per setup (:data:`SETUPS`) and seed, ``t-rae train --recipe ...``:

   - transductive: one autoencoder on all clips (as the paper did), scored with
     ``mlp evaluate --cross-validate``;
   - inductive: one autoencoder per fold, trained with ``--fold K`` on that fold's training
     clips only; fold K is scored on its own model's features
     (``mlp evaluate --cross-validate --input F1 ... Fk``);

4. ``t-rae generate --features ...`` for every read-out of the setup, then the MLP (2 x 150,
   400 epochs, keep-prob 0.6, ``--repeat`` repeats, seeded with the autoencoder's seed);
   ``--fused`` also fuses ESC-10's four thresholds (transductive).

Resumable: a run, a features file or a result row that exists is not redone.  Results go to
``OUT/results.csv`` (one row per data set, protocol, setup, read-out, threshold and seed) and
``OUT/summary.csv`` (mean and standard deviation over seeds), which is also printed.

Usage: python benchmarks/accuracy.py [--data esc10 speech]
       [--setups control paper predictive predictive128 bidirectional augmented shifted untrained]
       [--protocols transductive inductive]
       [--seeds 1 2 3] [--fused] [--jobs 2] [--checkpoints-to-keep N] [--quick] [--out DIR]
"""

import argparse
import contextlib
import csv
import heapq
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA_ROOT = HERE.parent.parent / "shared" / "data"

#: data set -> where it is, how it is read, its spectrogram options, thresholds, folds and training overrides
DATASETS = {
    "esc10": {"dir": DATA_ROOT / "esc-10", "parser": "esc", "folds": 5, "clip": "-60", "fused": ["-30", "-45", "-75"],
              "options": ["--window-width", "0.08", "--window-overlap", "0.04", "--mel-spectrum", "128",
                          "--fixed-length", "5", "--center-fixed"],
              "train": []},
    "speech": {"dir": DATA_ROOT / "spoken-commands", "parser": "cross_validated", "folds": 6, "clip": "-60",
               "fused": [],
               "options": ["--window-width", "0.04", "--window-overlap", "0.02", "--mel-spectrum", "40",
                           "--fixed-length", "1", "--center-fixed"],
               # the issue's speech settings, 2 x 128 GRU, at the recipes' own epochs: the issue's 20 epochs are
               # 380 optimizer steps on 1,200 clips, which leave the predictive recipe 3 points short (benchmarks.md)
               "train": ["--num-units", "128"]},
}

#: setup -> the training flags, the read-outs generated from each model and, where not all, the data sets it fits
SETUPS = {
    "paper": {"train": ["--recipe", "paper"], "features": ["bottleneck", "pooled", "layers"]},
    "predictive": {"train": ["--recipe", "predictive"], "features": ["layers"]},
    # the recipe before its learning rate was doubled: 0.001 and 128 epochs (2.0-2.1x the paper's training)
    "predictive128": {"train": ["--recipe", "predictive", "--learning-rate", "0.001", "--num-epochs", "128"],
                      "features": ["layers"]},
    # the first predictive recipe: a bidirectional decoder (1.16-1.26x the time of a paper epoch), 0.001, 64 epochs
    "bidirectional": {"train": ["--recipe", "predictive", "--bidirectional-decoder", "--learning-rate", "0.001",
                                "--num-epochs", "64"], "features": ["layers"]},
    # the recipe trained on rotated and mixed clips (each clip rolled by up to half of ESC-10's 124 steps, 3 in 10 of
    # them mixed with another clip): does augmentation narrow the inductive gap? (benchmarks.md, issue 17)
    "augmented": {"train": ["--recipe", "predictive", "--time-shift", "62", "--mix-prob", "0.3"],
                  "features": ["layers"], "data": ["esc10"]},
    # the augmented setup's rolls alone, without the mixing: which of the two lowers the transductive score?
    "shifted": {"train": ["--recipe", "predictive", "--time-shift", "62"], "features": ["layers"], "data": ["esc10"]},
    # a control: the recipe's network at its initial weights (one epoch at a learning rate of 1e-9 moves no weight
    # measurably), read out like the recipe; what the training adds is the recipe's score minus this one
    "untrained": {"train": ["--recipe", "predictive", "--learning-rate", "1e-9", "--num-epochs", "1"],
                  "features": ["layers"]},
}
CONTROLS = ("bands", "mfcc")
MLP = ["--num-layers", "2", "--num-units", "150", "--learning-rate", "0.001", "--keep-prob", "0.6"]
FIELDS = ["dataset", "protocol", "setup", "features", "clip", "seed", "accuracy", "uar", "train_seconds"]


class Slots:
    """``--jobs`` commands at once; a free slot goes to the first waiting command of the lowest priority.

    Runs (a training and its features, in one slot) wait behind everything else, so a setup is
    scored as soon as its runs are done instead of after every training already waiting.  A
    thread that holds a slot runs its commands in it.
    """

    def __init__(self, jobs: int):
        self.free, self.waiting, self.tickets = jobs, [], itertools.count()
        self.changed, self.held = threading.Condition(), threading.local()

    @contextlib.contextmanager
    def take(self, priority: int):
        if getattr(self.held, "slot", False):  # this thread's slot already
            yield
            return
        with self.changed:
            ticket = (priority, next(self.tickets))
            heapq.heappush(self.waiting, ticket)
            self.changed.wait_for(lambda: self.free and self.waiting[0] == ticket)
            heapq.heappop(self.waiting)
            self.free -= 1
            self.changed.notify_all()  # the next in line may take another free slot
        self.held.slot = True
        try:
            yield
        finally:
            self.held.slot = False
            with self.changed:
                self.free += 1
                self.changed.notify_all()


#: commands at once (``--jobs``): every command takes a slot, so the folds of one inductive setup train side by side
SLOTS = Slots(2)


def say(*parts) -> None:
    print(f"[{time.strftime('%H:%M:%S')}]", *parts, file=sys.stderr, flush=True)


def run(args: list, *, log: Path = None, start: str = None) -> str:
    """Run a command in a ``--jobs`` slot (ahead of waiting runs; in its thread's slot if it holds one), saying
    ``start`` when it begins; its stdout, or exit naming the command and its log."""
    with SLOTS.take(0), open(log, "a") if log else open("/dev/null", "w") as err:
        if start:
            say(start)
        done = subprocess.run([str(a) for a in args], stdout=subprocess.PIPE, stderr=err, text=True)
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, args))}" + (f"; see {log}" if log else ""))
    return done.stdout


class Table:
    """results.csv: the rows done so far, appended one at a time."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = list(csv.DictReader(open(path))) if path.exists() else []

    def key(self, row: dict) -> tuple:
        return tuple(str(row[f]) for f in FIELDS[:6])

    def has(self, **key) -> bool:
        return any(self.key(r) == self.key(key) for r in self.rows)

    def add(self, row: dict) -> None:
        new = not self.path.exists()
        with open(self.path, "a", newline="") as out:
            writer = csv.DictWriter(out, FIELDS)
            if new:
                writer.writeheader()
            writer.writerow(row)
        self.rows.append({k: str(v) for k, v in row.items()})
        say(" ".join(f"{k}={row[k]}" for k in FIELDS))


def spectrograms(out: Path, name: str, clip: str) -> Path:
    spec = DATASETS[name]
    path = out / name / f"spectrograms{clip}.nc"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        run(["audeep", "preprocess", "--basedir", spec["dir"], "--parser", spec["parser"], "--output", path,
             *spec["options"], "--clip-below", clip, "-f", "value"], start=f"preprocess {name} {clip} dB")
    return path


def mlp(inputs: list, *, repeat: int, epochs: int, seed) -> tuple:
    """(accuracy, uar): the mean row of ``mlp evaluate --cross-validate``."""
    out = run(["audeep", "mlp", "evaluate", "--input", *inputs, "--cross-validate", "--repeat", repeat,
               "--num-epochs", epochs, "--seed", seed, *MLP, "-f", "csv", "--quote", "none",
               "-c", "accuracy", "-c", "uar"])
    accuracy, uar = out.strip().splitlines()[-1].split(",")
    return float(accuracy), float(uar)


def budget(flags: list) -> "int | None":
    """The number of epochs the training flags give (the last ``--num-epochs`` counts), or None."""
    given = [int(flags[i + 1]) for i, flag in enumerate(flags) if flag == "--num-epochs"]
    return given[-1] if given else None


def train(run_dir: Path, data: Path, flags: list) -> float:
    """Train (or finish, or continue to a longer budget) a run; the mean seconds per epoch."""
    history, config = run_dir / "history.csv", run_dir / "config.json"
    epochs = budget(flags)
    if epochs is None:  # the recipe's, as the run recorded it
        epochs = json.loads(config.read_text())["training"]["num_epochs"] if config.exists() else None
    rows = list(csv.DictReader(open(history))) if history.exists() else []
    if not rows or (epochs and len(rows) < epochs):
        run_dir.parent.mkdir(parents=True, exist_ok=True)
        resume = ["--continue"] if rows else []
        run(["audeep", "t-rae", "train", "--input", data, "--run-name", run_dir, "--no-progress", "--threads", "1",
             *flags, *resume, "-f", "value"], log=run_dir.parent / f"{run_dir.name}.log",
            start=f"{'continue' if rows else 'train'} {run_dir}")
        rows = list(csv.DictReader(open(history)))[:epochs]
    return round(statistics.mean(float(r["seconds"]) for r in rows), 2)


def generate(run_dir: Path, data: Path, features: str, *, epoch: "int | None" = None) -> Path:
    """The features of a run's newest checkpoint, or of checkpoint ``epoch``."""
    name = features.replace("+", "_").replace(":", "_").replace(",", "_") + (f"-e{epoch}" if epoch else "")
    path = run_dir.parent / f"{run_dir.name}-{name}.nc"
    if not path.exists():
        steps = ["--steps", epoch] if epoch else []
        run(["audeep", "t-rae", "generate", "--model-dir", run_dir, "--input", data, "--output", path,
             "--features", features, "--threads", "1", *steps, "-f", "value"])
    return path


def controls(table: Table, out: Path, name: str, protocols: list, args) -> None:
    data = spectrograms(out, name, DATASETS[name]["clip"])
    for kind in CONTROLS:
        path = out / name / f"control-{kind}.nc"
        if not path.exists():
            run([sys.executable, HERE / "control_features.py", "--kind", kind, "--input", data, "--output", path],
                start=f"control {kind} {name}")
        keys = [dict(dataset=name, protocol=protocol, setup="control", features=kind, clip=DATASETS[name]["clip"],
                     seed="-") for protocol in protocols]
        missing = [key for key in keys if not table.has(**key)]
        if missing:  # no autoencoder: the same features and scores in both protocols
            accuracy, uar = mlp([path], repeat=args.repeat, epochs=args.mlp_epochs, seed=42)
            for key in missing:
                table.add(dict(key, accuracy=accuracy, uar=uar, train_seconds=""))


def autoencoder(table: Table, out: Path, name: str, setup: str, protocol: str, seed: int, args) -> None:
    spec, recipe = DATASETS[name], SETUPS[setup]
    flags = [*recipe["train"], *spec["train"], "--seed", seed, *(args.quick_train or [])]
    if args.checkpoints_to_keep:  # disk: a 128-epoch ESC-10 run keeps 3.9 GB of checkpoints otherwise
        flags += ["--checkpoints-to-keep", args.checkpoints_to_keep]
    if args.num_epochs:  # another budget: the checkpoint of that epoch (a longer run's too)
        flags += ["--num-epochs", args.num_epochs]
        setup = f"{setup}-e{args.num_epochs}"
    epoch = budget(flags)  # features of this epoch's checkpoint, also when the run was continued further
    clips = [spec["clip"]] + (spec["fused"] if args.fused and protocol == "transductive" else [])
    folds = [None] if protocol == "transductive" else list(range(1, spec["folds"] + 1))
    runs = [(clip, fold, out / name / setup.split("-e")[0] / f"{protocol}{clip}-seed{seed}"
             / (f"fold{fold}" if fold else "all")) for clip in clips for fold in folds]

    def one_run(clip, fold, run_dir) -> tuple:  # (seconds per epoch, {features: file})
        data = spectrograms(out, name, clip)
        with SLOTS.take(1):  # the features right after the training, in its slot
            seconds = train(run_dir, data, flags + (["--fold", fold] if fold else []))
            return seconds, {features: generate(run_dir, data, features, epoch=epoch)
                             for features in recipe["features"]}

    with ThreadPoolExecutor(len(runs)) as pool:  # the slots bound how many commands run at once
        done = list(pool.map(lambda r: one_run(*r), runs))
    seconds = [s for s, _ in done]
    outputs = {}  # (clip, features) -> [features file per fold]
    for (clip, _, _), (_, files) in zip(runs, done):
        for features, path in files.items():
            outputs.setdefault((clip, features), []).append(path)
    for (clip, features), paths in outputs.items():
        key = dict(dataset=name, protocol=protocol, setup=setup, features=features, clip=clip, seed=seed)
        if not table.has(**key):
            accuracy, uar = mlp(paths, repeat=args.repeat, epochs=args.mlp_epochs, seed=seed)
            table.add(dict(key, accuracy=accuracy, uar=uar, train_seconds=statistics.mean(seconds)))
    if len(clips) > 1:
        for features in recipe["features"]:
            fused = out / name / setup.split("-e")[0] / (f"fused-seed{seed}-{features.replace('+', '_')}"
                                                          + (f"-e{epoch}" if epoch else "") + ".nc")
            if not fused.exists():
                run(["audeep", "fuse", "--input", *[outputs[(c, features)][0] for c in clips], "--output", fused,
                     "-f", "value"])
            key = dict(dataset=name, protocol=protocol, setup=setup, features=features, clip="fused", seed=seed)
            if not table.has(**key):
                accuracy, uar = mlp([fused], repeat=args.repeat, epochs=args.mlp_epochs, seed=seed)
                table.add(dict(key, accuracy=accuracy, uar=uar, train_seconds=""))


def plan(data: list, setups: list, protocols: list, seeds: list) -> list:
    """The autoencoder jobs ``(data set, setup, protocol, seed)``; a setup runs only on the data sets it fits."""
    return [(name, setup, protocol, seed) for name in data for setup in setups
            if setup != "control" and name in SETUPS[setup].get("data", DATASETS)
            for protocol in protocols for seed in seeds]


def summarise(out: Path) -> None:
    """summary.csv from every row of results.csv as it is on disk (other drivers' rows included), then printed."""
    groups = {}
    for row in Table(out / "results.csv").rows:
        groups.setdefault(tuple(row[f] for f in FIELDS[:5]), []).append(row)
    path, part = out / "summary.csv", out / f".summary.csv.{os.getpid()}"
    with open(part, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS[:5] + ["seeds", "accuracy_mean", "accuracy_std", "uar_mean", "uar_std",
                                      "train_seconds"])
        for key, rows in sorted(groups.items()):
            acc = [float(r["accuracy"]) for r in rows]
            uar = [float(r["uar"]) for r in rows]
            secs = [float(r["train_seconds"]) for r in rows if r["train_seconds"]]
            writer.writerow(list(key) + [len(rows), f"{statistics.mean(acc):.4f}",
                                         f"{statistics.stdev(acc) if len(acc) > 1 else 0:.4f}",
                                         f"{statistics.mean(uar):.4f}",
                                         f"{statistics.stdev(uar) if len(uar) > 1 else 0:.4f}",
                                         f"{statistics.mean(secs):.2f}" if secs else ""])
    os.replace(part, path)  # complete or not at all, also while another driver summarises
    print(open(path).read())
    print(markdown(path))


def markdown(path: Path) -> str:
    """summary.csv as a Markdown table: accuracy in % as mean ± std over seeds (n seeds)."""
    lines = ["| data | protocol | setup | features | clip | accuracy % (mean ± std, seeds) | s / epoch |",
             "|---|---|---|---|---|---|---|"]
    for row in csv.DictReader(open(path)):
        acc = f"{100 * float(row['accuracy_mean']):.1f} ± {100 * float(row['accuracy_std']):.1f} ({row['seeds']})"
        lines.append(f"| {row['dataset']} | {row['protocol']} | {row['setup']} | `{row['features']}` | {row['clip']} "
                     f"| {acc} | {row['train_seconds']} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    parser.add_argument("--setups", nargs="+", choices=["control", *SETUPS], default=["control", *SETUPS])
    parser.add_argument("--protocols", nargs="+", choices=["transductive", "inductive"],
                        default=["transductive", "inductive"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    parser.add_argument("--fused", action="store_true", help="also fuse ESC-10's four thresholds (transductive)")
    parser.add_argument("--jobs", type=int, default=2,
                        help="commands at once (each trains on one thread; the folds of an inductive setup too)")
    parser.add_argument("--repeat", type=int, default=3, help="MLP repeats per evaluation")
    parser.add_argument("--mlp-epochs", type=int, default=400)
    parser.add_argument("--num-epochs", type=int, default=None,
                        help="train this many epochs (continuing shorter runs) and use that epoch's checkpoint, "
                             "also of longer runs; rows are named SETUP-eN")
    parser.add_argument("--checkpoints-to-keep", type=int, default=None, metavar="N",
                        help="keep each run's newest N checkpoints (default: all; --num-epochs needs the one of "
                             "its epoch)")
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 MLP repeat of 50 epochs: a smoke run")
    parser.add_argument("--out", type=Path, default=Path("bench-output/accuracy"))
    args = parser.parse_args()
    global SLOTS
    SLOTS = Slots(max(1, args.jobs))
    args.quick_train = ["--num-epochs", "2"] if args.quick else None
    if args.quick:
        args.repeat, args.mlp_epochs = 1, 50
        args.out = args.out.with_name(args.out.name + "-quick")
    args.out.mkdir(parents=True, exist_ok=True)
    table = Table(args.out / "results.csv")
    for name in args.data:
        if not DATASETS[name]["dir"].is_dir():
            raise SystemExit(f"no {name} data at {DATASETS[name]['dir']}")
        for clip in [DATASETS[name]["clip"]] + (DATASETS[name]["fused"] if args.fused else []):
            spectrograms(args.out, name, clip)  # once, before the workers start
        if "control" in args.setups:
            controls(table, args.out, name, args.protocols, args)
    jobs = plan(args.data, args.setups, args.protocols, args.seeds)
    with ThreadPoolExecutor(max(1, len(jobs))) as pool:  # waiting threads; the slots bound the commands
        for done in [pool.submit(autoencoder, table, args.out, *job, args) for job in jobs]:
            done.result()
    summarise(args.out)


if __name__ == "__main__":
    main()
