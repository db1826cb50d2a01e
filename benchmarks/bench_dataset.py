"""Lazy opening of a large data set: peak RSS while reading metadata vs the file size.

Builds (once) a data set of N instances of [time, freq] float32 features with the
streaming writer, then, in a fresh process, opens it, reads all metadata and one
instance, and reports the resident memory growth against the feature bytes.

    python benchmarks/bench_dataset.py --instances 50000 --shape 125 128 --path /tmp/big.nc
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from _machine import describe_machine


def build(path, instances, shape):
    from audeep.dataset import DataSetWriter

    rng = np.random.default_rng(0)
    block = rng.uniform(-1, 1, size=(256,) + tuple(shape)).astype(np.float32)
    start = time.perf_counter()
    with DataSetWriter(path, feature_dims={"time": shape[0], "freq": shape[1]}, num_folds=5,
                       label_map={f"c{i}": i for i in range(10)}, with_nominal=True, with_numeric=True) as writer:
        for first in range(0, instances, 256):
            k = min(256, instances - first)
            ids = np.arange(first, first + k)
            writer.append(features=block[:k], filenames=[f"clip_{i:06d}.wav" for i in ids],
                          labels_nominal=[f"c{i % 10}" for i in ids], labels_numeric=ids % 10,
                          cv_folds=np.eye(5, dtype=np.int8)[ids % 5])
    return time.perf_counter() - start


def measure(path):
    """Run in a child process: RSS before/after opening and reading metadata."""
    code = f"""
import json, resource, time
from audeep.dataset import DataSet
def rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096
before = rss()
t = time.perf_counter()
ds = DataSet.open({str(path)!r})
meta = (ds.filenames, ds.labels_nominal, ds.cv_folds, ds.chunk_nrs, ds.validate.__name__)
one = ds.load_features([ds.num_instances // 2])
elapsed = time.perf_counter() - t
print(json.dumps(dict(before=before, after=rss(), peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      seconds=elapsed, instances=ds.num_instances, nbytes=ds.nbytes_features)))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=50000)
    parser.add_argument("--shape", type=int, nargs=2, default=(125, 128))
    parser.add_argument("--path", default="/tmp/audeep-bench-big.nc")
    parser.add_argument("--keep", action="store_true", help="keep the file afterwards")
    args = parser.parse_args()
    print(describe_machine(), flush=True)
    if not os.path.exists(args.path):
        seconds = build(args.path, args.instances, args.shape)
        print(f"built {args.path}: {os.path.getsize(args.path) / 1e9:.2f} GB on disk in {seconds:.1f} s")
    r = measure(args.path)
    mb = 1024 * 1024
    print(f"instances: {r['instances']}, features in memory would be {r['nbytes'] / 1e9:.2f} GB")
    print(f"open + all metadata + one instance: {r['seconds']:.2f} s")
    print(f"RSS growth: {(r['after'] - r['before']) / mb:.1f} MiB; peak RSS {r['peak'] / mb:.1f} MiB")
    print(f"ratio peak RSS / feature bytes: {r['peak'] / r['nbytes']:.4f}")
    if not args.keep:
        os.remove(args.path)


if __name__ == "__main__":
    main()
