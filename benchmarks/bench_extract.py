"""``audeep extract`` against ``audeep preprocess`` + ``audeep t-rae generate`` on ESC-10, whole commands.

Each is timed ``--repeat`` times, alternating (medians reported).

Both paths run as the commands a user types, in the same run, on the same run directory:

* ``preprocess --jobs J`` (the tutorial's −60 dB settings) then ``t-rae generate``;
* ``extract --jobs J --model-dir RUN ESC10 --output features.nc`` (one process, one
  TensorFlow start-up, one pass).

Target: extract >= 1.2x faster.  It also reports the largest difference between the two
outputs' features, and extract's peak RSS for the first 100 files and for all 400 (flat:
the rows are streamed).  Without ``--run`` a 2 x 256 GRU run (bidirectional decoder) is
trained for one epoch first, only for timing (not timed).  The CPU may be shared: run it on
an idle machine for stable figures.

    python benchmarks/bench_extract.py [--data /work/shared/data/esc-10] [--run RUN] [--jobs 2]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from _machine import describe_machine

SPEC = ["--mel-spectrum", "128", "--window-width", "0.08", "--window-overlap", "0.04", "--fixed-length", "5",
        "--center-fixed", "--clip-below", "-60"]


def timed(argv) -> tuple:
    """(seconds, peak RSS in MiB of the command's own process) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(map(str, argv))} failed:\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def median(runs) -> tuple:
    """The run (seconds, RSS) with the median time."""
    return sorted(runs)[len(runs) // 2]


def features_by_file(path):
    from audeep.dataset import DataSet

    with DataSet.open(path) as ds:
        values = ds.load_features()
        return {Path(str(f)).name: values[i] for i, f in enumerate(ds.filenames)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/esc-10"))
    parser.add_argument("--run", type=Path, default=None, help="an existing run trained with the SPEC settings")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed repetitions (medians are reported)")
    args = parser.parse_args(argv)
    print(describe_machine(), flush=True)
    audeep = [sys.executable, "-m", "audeep"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        run = args.run
        if run is None:
            run = tmp / "run"
            timed([*audeep, "preprocess", "--basedir", args.data, "--output", tmp / "train.nc", "--jobs",
                   str(args.jobs), *SPEC])
            timed([*audeep, "t-rae", "train", "--input", tmp / "train.nc", "--run-name", run, "--num-layers", "2",
                   "--num-units", "256", "--bidirectional-decoder", "--num-epochs", "1", "--no-progress"])
        pre, gen, ext = [], [], []
        for _ in range(args.repeat):  # alternated, so that a busy spell of a shared machine hits both
            pre.append(timed([*audeep, "-q", "preprocess", "--basedir", args.data, "--output", tmp / "spec.nc",
                              "--jobs", str(args.jobs), *SPEC]))
            gen.append(timed([*audeep, "-q", "t-rae", "generate", "--model-dir", run, "--input", tmp / "spec.nc",
                              "--output", tmp / "generated.nc"]))
            ext.append(timed([*audeep, "-q", "extract", "--model-dir", run, args.data, "--output",
                              tmp / "extracted.nc", "--jobs", str(args.jobs)]))
        (t_pre, rss_pre), (t_gen, rss_gen), (t_ext, rss_ext) = (median(pre), median(gen), median(ext))
        both = sorted(p[0] + g[0] for p, g in zip(pre, gen))
        files = sorted(str(p) for p in args.data.rglob("*.ogg"))
        (tmp / "first100.txt").write_text("\n".join(files[:100]) + "\n")
        _, rss_100 = timed([*audeep, "-q", "extract", "--model-dir", run, "--input-list", tmp / "first100.txt",
                            "--output", tmp / "first100.nc", "--jobs", str(args.jobs)])
        generated, extracted = features_by_file(tmp / "generated.nc"), features_by_file(tmp / "extracted.nc")
        diff = max(float(abs(generated[k] - extracted[k]).max()) for k in generated)
    print(f"files: {len(extracted)} extracted, {len(generated)} generated; max |difference| {diff:.2e}")
    print(f"preprocess --jobs {args.jobs}: {t_pre:.1f} s (peak RSS {rss_pre:.0f} MiB)")
    print(f"t-rae generate: {t_gen:.1f} s (peak RSS {rss_gen:.0f} MiB)")
    print(f"preprocess + generate: median {both[len(both) // 2]:.1f} s (all: {', '.join(f'{b:.1f}' for b in both)})")
    print(f"extract --jobs {args.jobs}: median {t_ext:.1f} s (all: {', '.join(f'{e[0]:.1f}' for e in sorted(ext))}; "
          f"peak RSS {rss_ext:.0f} MiB; 100 files: {rss_100:.0f} MiB)")
    print(f"speed-up of the medians: {both[len(both) // 2] / t_ext:.2f}x (target >= 1.2x)")


if __name__ == "__main__":
    main()
