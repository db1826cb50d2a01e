"""Peak memory of train / generate / export on a data set larger than a memory budget.

Builds a synthetic spectrogram data set of about ``--gigabytes`` GB of features (random
[time, freq] float32, written with the streaming writer), then runs, each in its own
process through the real CLI, ``t-rae train`` (one epoch, a small model: memory, not
speed, is measured), ``t-rae generate`` and ``export`` on it, and prints each command's
peak RSS next to the data size.  Peak RSS should stay flat (well under the data size,
≤ 2 GB) whatever the file size.

    python benchmarks/bench_memory.py --gigabytes 8 --workdir /tmp/audeep-mem
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def build(path: Path, gigabytes: float, shape) -> int:
    from audeep.dataset import DataSetWriter

    per_instance = int(np.prod(shape)) * 4
    n = int(gigabytes * 1e9 // per_instance)
    rng = np.random.default_rng(0)
    block = rng.uniform(-1, 1, size=(512,) + tuple(shape)).astype(np.float32)
    with DataSetWriter(path, feature_dims={"time": shape[0], "freq": shape[1]}, num_folds=2,
                       label_map={"a": 0, "b": 1}, with_nominal=True, with_numeric=True) as writer:
        for first in range(0, n, 512):
            k = min(512, n - first)
            ids = np.arange(first, first + k)
            writer.append(features=block[:k], filenames=[f"clip_{i:07d}.wav" for i in ids],
                          labels_nominal=["ab"[i % 2] for i in ids], labels_numeric=ids % 2,
                          cv_folds=np.eye(2, dtype=np.int8)[ids % 2])
    return n


def peak_rss_of(argv) -> "tuple[float, float]":
    """Run a command; return (seconds, peak RSS in MiB) of that child alone."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "r = subprocess.run(sys.argv[1:]); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)")
    out = subprocess.run([sys.executable, "-c", code] + list(argv), capture_output=True, text=True)
    last = out.stdout.strip().splitlines()[-1].split()
    if last[2] != "0":
        sys.stderr.write(out.stderr[-3000:])
        raise SystemExit(f"command failed ({last[2]}): {' '.join(argv)}")
    return float(last[0]), int(last[1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gigabytes", type=float, default=8.0, help="feature bytes of the synthetic set")
    parser.add_argument("--shape", type=int, nargs=2, default=(124, 128))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/audeep-mem"))
    parser.add_argument("--num-units", type=int, default=16, help="units of the (small) t-RAE")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    data = args.workdir / "big.nc"
    if not data.exists():
        t = time.perf_counter()
        n = build(data, args.gigabytes, args.shape)
        print(f"built {n} instances ({args.gigabytes:.1f} GB of features, {data.stat().st_size / 1e9:.2f} GB on disk) "
              f"in {time.perf_counter() - t:.0f} s", flush=True)
    audeep = [sys.executable, "-m", "audeep"]
    run = args.workdir / "run"
    shutil.rmtree(run, ignore_errors=True)
    steps = [
        ("t-rae train (1 epoch)", audeep + ["t-rae", "train", "--input", str(data), "--run-name", str(run),
                                            "--num-epochs", "1", "--num-units", str(args.num_units),
                                            "--batch-size", "256"]),
        ("t-rae generate", audeep + ["t-rae", "generate", "--model-dir", str(run), "--input", str(data),
                                     "--output", str(args.workdir / "features.nc")]),
        ("export CSV (spectrograms)", audeep + ["export", "--input", str(data), "--format", "csv",
                                                "--output", str(args.workdir / "export")]),
    ]
    size_mb = os.path.getsize(data) / 2**20
    print(f"data set file: {size_mb:.0f} MiB")
    print(f"{'command':28s} {'seconds':>8s} {'peak RSS MiB':>13s} {'RSS / file':>10s}")
    for name, argv in steps:
        shutil.rmtree(args.workdir / "export", ignore_errors=True)
        seconds, peak = peak_rss_of(argv)
        print(f"{name:28s} {seconds:8.1f} {peak:13.0f} {peak / size_mb:10.3f}", flush=True)
    if not args.keep:
        shutil.rmtree(args.workdir)


if __name__ == "__main__":
    main()
