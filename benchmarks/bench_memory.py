"""Peak memory of train / generate / export on a data set larger than a memory budget.

Builds a synthetic spectrogram data set of about ``--gigabytes`` GB of features (random
[time, freq] float32, written with the streaming writer), then runs, each in its own
process through the real CLI, ``t-rae train`` (one epoch, a small model: memory, not
speed, is measured), ``t-rae generate`` and ``export`` on it, and prints each command's
peak RSS next to the data size, for several sizes.  Peak RSS should stay flat (the same
for every size, ≤ 2 GB) whatever the file size.

    python benchmarks/bench_memory.py --gigabytes 1 8 --export-gigabytes 0.1 0.4
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from _machine import describe_machine


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
    parser.add_argument("--gigabytes", type=float, nargs="+", default=[1.0, 8.0],
                        help="feature sizes (GB) of the synthetic sets for train and generate")
    parser.add_argument("--export-gigabytes", type=float, nargs="+", default=[0.1, 0.4],
                        help="feature sizes (GB) for export (text formatting runs at ~5 MB/s)")
    parser.add_argument("--shape", type=int, nargs=2, default=(124, 128))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/audeep-mem"))
    parser.add_argument("--num-units", type=int, default=16, help="units of the (small) t-RAE")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    print(describe_machine(), flush=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    audeep = [sys.executable, "-m", "audeep"]
    print(f"{'command':24s} {'features GB':>11s} {'file MiB':>9s} {'seconds':>8s} {'peak RSS MiB':>13s}")

    def dataset(gigabytes):
        path = args.workdir / f"set-{gigabytes:g}GB.nc"
        if not path.exists():
            build(path, gigabytes, args.shape)
        return path

    def report(name, gigabytes, path, argv):
        seconds, peak = peak_rss_of(argv)
        print(f"{name:24s} {gigabytes:11.2f} {path.stat().st_size / 2**20:9.0f} {seconds:8.1f} {peak:13.0f}",
              flush=True)

    for gigabytes in args.gigabytes:
        data = dataset(gigabytes)
        run = args.workdir / "run"
        shutil.rmtree(run, ignore_errors=True)
        report("t-rae train (1 epoch)", gigabytes, data,
               audeep + ["t-rae", "train", "--input", str(data), "--run-name", str(run), "--num-epochs", "1",
                         "--num-units", str(args.num_units), "--batch-size", "256", "--no-progress"])
        report("t-rae generate", gigabytes, data,
               audeep + ["t-rae", "generate", "--model-dir", str(run), "--input", str(data),
                         "--output", str(args.workdir / "features.nc")])
        if not args.keep:
            data.unlink()
    for gigabytes in args.export_gigabytes:
        data = dataset(gigabytes)
        shutil.rmtree(args.workdir / "export", ignore_errors=True)
        report("export CSV", gigabytes, data,
               audeep + ["export", "--input", str(data), "--format", "csv", "--output", str(args.workdir / "export")])
    if not args.keep:
        shutil.rmtree(args.workdir)


if __name__ == "__main__":
    main()
