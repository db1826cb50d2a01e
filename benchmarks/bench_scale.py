"""Benchmark: ``audeep preprocess`` on the Dask engine against local worker processes (ESC-10).

Whole commands, each a child process timed from start to exit (the ``LocalCluster`` start and
stop included), in the paper's setting (as ``bench_preprocess.py``):

- ``--jobs 2`` against ``--scheduler local:2``: the overhead of the Dask engine (target: the
  ratio local:2 / jobs 2 at most 1.15);
- ``--scheduler local:1`` against ``--scheduler local:2``: the speed-up of a second worker
  (target: at least 1.7x).

Runs are interleaved ``--repeat`` times; medians are printed and the ratios computed from them.
Besides, the same extraction in this process with the clusters already running (started once,
warmed by one run): the engine's steady state without the cluster's start and stop, and the
per-file cost of one worker, for docs/scaling.md.

Usage: python benchmarks/bench_scale.py [--data DIR] [--repeat 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import describe_machine

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "esc-10"
OPTIONS = ["--window-width", "0.08", "--window-overlap", "0.04", "--mel-spectrum", "128", "--fixed-length", "5",
           "--center-fixed", "--clip-below", "-60"]
OVERHEAD_TARGET = 1.15
SPEEDUP_TARGET = 1.7
RUNS = {"jobs 2": ["--jobs", "2"], "local:2": ["--scheduler", "local:2"], "local:1": ["--scheduler", "local:1"]}


def preprocess(basedir: Path, output: Path, extra: list) -> float:
    """Seconds of one whole ``audeep preprocess`` command."""
    output.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audeep", "-q", "preprocess", "--basedir", str(basedir), "--output",
                    str(output), *OPTIONS, *extra], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the ESC-10 folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (medians)")
    args = parser.parse_args()
    print(describe_machine())
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    files = sum(1 for p in args.data.rglob("*") if p.suffix.lower() in (".ogg", ".wav"))
    times = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "spectrograms.nc"
        for _ in range(args.repeat):
            for name, extra in RUNS.items():
                times[name].append(preprocess(args.data, output, extra))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\nESC-10 preprocess, {files} files, whole commands, median of {args.repeat}:")
    for name, values in times.items():
        shown = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {name:8s} {median[name]:6.2f} s  ({shown}); {median[name] / files * 1000:.1f} ms per file")
    overhead = median["local:2"] / median["jobs 2"]
    speedup = median["local:1"] / median["local:2"]
    print(f"\noverhead local:2 / jobs 2: {overhead:.3f} (target <= {OVERHEAD_TARGET}: "
          f"{'met' if overhead <= OVERHEAD_TARGET else 'NOT met'})")
    print(f"speed-up local:1 / local:2: {speedup:.3f}x (target >= {SPEEDUP_TARGET}: "
          f"{'met' if speedup >= SPEEDUP_TARGET else 'NOT met'})")
    warm = warm_runs(args.data, args.repeat)
    print(f"\nin this process, clusters already running, median of {args.repeat}:")
    for name, seconds in warm.items():
        print(f"  {name:8s} {seconds:6.2f} s; {seconds / files * 1000:.1f} ms per file")
    print(f"overhead local:2 / jobs 2: {warm['local:2'] / warm['jobs 2']:.3f}; "
          f"speed-up local:1 / local:2: {warm['local:1'] / warm['local:2']:.3f}x; "
          f"one worker: {warm['local:1'] / files * 1000:.1f} ms per file")


def warm_runs(basedir: Path, repeat: int) -> dict:
    """Median seconds of ``run_extraction`` here: 2 local processes, and running Dask clusters of 2 and 1."""
    from distributed import LocalCluster

    from audeep.preprocessing.extract import run_extraction

    options = dict(window_width=0.08, window_overlap=0.04, mel_bands=128, fixed_length=5.0, center_fixed=True,
                   clip_below=-60.0)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as two, \
            LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as one, \
            tempfile.TemporaryDirectory() as tmp:
        runs = {"jobs 2": {"jobs": 2}, "local:2": {"scheduler": two.scheduler_address},
                "local:1": {"scheduler": one.scheduler_address}}
        times = {name: [] for name in runs}
        for attempt in range(repeat + 1):  # the first round warms the workers (imports)
            for name, how in runs.items():
                output = Path(tmp) / f"{name}.nc".replace(" ", "").replace(":", "")
                output.unlink(missing_ok=True)
                start = time.perf_counter()
                run_extraction(basedir, output=output, progress=False, **how, **options)
                if attempt:
                    times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


if __name__ == "__main__":
    main()
