"""Benchmark: ``audeep preprocess`` vs a librosa peer on ESC-10 (the paper's setting), fairly.

Setting: 80 ms window, 40 ms overlap, 128 mel bands, fixed length 5 s centred, clip below -60 dB.
Fairness rule: whole process against whole process, in-process against in-process.

- whole process: ``audeep preprocess --jobs N`` (the real command) and the librosa peer
  (``_librosa_peer.py``: imports librosa, loads every file at its native rate, melspectrogram +
  power_to_db, saves the stacked result), each a child process timed from start to exit, with
  the peak RSS of its largest process (``wait4``);
- in-process: audeep's ``run_extraction`` after its imports, and the peer's loop after its
  imports and its first file (JIT and caches), both on every file;
- besides: the peer over a 2-process ``multiprocessing.Pool`` (librosa has no parallel mode of
  its own: an extra line, not the reference), the command's steady state (files beyond the
  first 100 per extra second), and the ceiling that decoding alone sets (N processes that only
  read the files with soundfile).

Runs are interleaved (audeep, peer, ...) ``--repeat`` times; medians are printed, and the ratio
is computed from the medians.

Usage: python benchmarks/bench_preprocess.py [--data DIR] [--jobs 2] [--repeat 3] [--no-pool-peer]
"""

import argparse
import glob
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
TARGET = 4.0  # whole command / whole librosa process (issue 21)


def whole_process(argv):
    """Run ``argv`` as a child process; returns (seconds from start to exit, peak RSS in MiB, its stdout)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    with child.stdout:
        out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        sys.exit(f"{argv[:4]} failed with exit status {child.returncode}")
    return seconds, usage.ru_maxrss / 1024, out


def audeep_command(basedir, output, jobs):
    output.unlink(missing_ok=True)
    return whole_process([sys.executable, "-m", "audeep", "-q", "preprocess", "--basedir", str(basedir),
                          "--output", str(output), "--jobs", str(jobs), *OPTIONS])


def librosa_peer(files, output, jobs=1):
    """(seconds, MiB, in-process loop seconds per file or None) of the librosa peer's whole process."""
    seconds, rss, out = whole_process([sys.executable, str(HERE / "_librosa_peer.py"), str(output),
                                       *(["--jobs", str(jobs)] if jobs > 1 else []), *files])
    loop = [line.split() for line in out.splitlines() if line.startswith("loop ")]
    return seconds, rss, (float(loop[0][2]) / int(loop[0][1]) if loop else None)


IN_PROCESS = """
import sys, time
import netCDF4, soundfile  # imports outside the timing, as for the peer
from audeep.preprocessing.extract import run_extraction
from audeep.preprocessing.fft import load_fft
load_fft()
start = time.perf_counter()
run_extraction(sys.argv[1], output=sys.argv[2], jobs=int(sys.argv[3]), progress=False, window_width=0.08,
               window_overlap=0.04, mel_bands=128, fixed_length=5, center_fixed=True, clip_below=-60)
print(time.perf_counter() - start)
"""


def audeep_in_process(basedir, output, jobs):
    """Seconds of run_extraction in a fresh process, its imports done first."""
    output.unlink(missing_ok=True)
    _, _, out = whole_process([sys.executable, "-c", IN_PROCESS, str(basedir), str(output), str(jobs)])
    return float(out.strip().splitlines()[-1])


def _decode(path):
    import soundfile

    return soundfile.read(path, dtype="float32")[0].shape[0]


def decode_floor(files, jobs):
    """Seconds for ``jobs`` processes to only decode every file (the part no implementation avoids)."""
    import multiprocessing

    import soundfile  # noqa: F401  (loaded before the fork)

    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_decode, files[:jobs])  # workers started
        start = time.perf_counter()
        pool.map(_decode, files, chunksize=8)
        return time.perf_counter() - start


def subset(data, per_class, tmp):
    """A symlinked ESC tree with the first ``per_class`` files of every class."""
    root = Path(tmp) / f"esc-{per_class}"
    for folder in sorted(p for p in Path(data).iterdir() if p.is_dir()):
        (root / folder.name).mkdir(parents=True)
        for f in sorted(folder.iterdir())[:per_class]:
            os.symlink(f, root / folder.name / f.name)
    return root


def measure(args, files, tmp):
    """Interleaved runs of every variant, ``args.repeat`` times; returns {name: [result, ...]}."""
    small = subset(args.data, 10, tmp)
    runs = {"small": [], "all": [], "peer": [], "pool": [], "inproc": []}
    for _ in range(args.repeat):
        runs["small"].append(audeep_command(small, Path(tmp) / "small.nc", args.jobs))
        runs["all"].append(audeep_command(args.data, Path(tmp) / "all.nc", args.jobs))
        runs["peer"].append(librosa_peer(files, Path(tmp) / "peer.npy"))
        if args.pool_peer:
            runs["pool"].append(librosa_peer(files, Path(tmp) / "pool.npy", args.jobs))
        runs["inproc"].append(audeep_in_process(args.data, Path(tmp) / "inproc.nc", args.jobs))
    runs["size"] = (Path(tmp) / "all.nc").stat().st_size / 2**20
    runs["n_small"] = sum(1 for _ in small.glob("*/*.ogg"))
    return runs


def report(args, files, runs, t_decode):
    n, med = len(files), statistics.median
    t_all, t_small = med(r[0] for r in runs["all"]), med(r[0] for r in runs["small"])
    t_peer, t_inproc = med(r[0] for r in runs["peer"]), med(runs["inproc"])
    peer_loop = med(r[2] for r in runs["peer"]) * n
    rss_all, rss_small = med(r[1] for r in runs["all"]), med(r[1] for r in runs["small"])
    print(f"files: {n} ESC-10 clips, jobs: {args.jobs}, medians of {args.repeat} interleaved runs")
    print("whole process vs whole process (start to exit, imports and writing the output included):")
    print(f"  librosa peer, one process: {t_peer:.2f} s, {n / t_peer:.1f} files/s, "
          f"peak RSS {med(r[1] for r in runs['peer']):.0f} MiB")
    print(f"  audeep preprocess --jobs {args.jobs}: {t_all:.2f} s, {n / t_all:.1f} files/s, peak RSS {rss_all:.0f} MiB "
          f"(output {runs['size']:.1f} MiB)")
    print(f"  ratio: {t_peer / t_all:.2f}x (target >= {TARGET:g}x: {'met' if t_peer / t_all >= TARGET else 'NOT met'})")
    if runs["pool"]:
        t_pool = med(r[0] for r in runs["pool"])
        print(f"  extra: librosa over a {args.jobs}-process Pool (not librosa's own mode): {t_pool:.2f} s, "
              f"peak RSS {med(r[1] for r in runs['pool']):.0f} MiB per process; audeep {t_pool / t_all:.2f}x")
    print("in-process vs in-process (after imports; the peer also after its first file):")
    print(f"  librosa peer loop, one process: {peer_loop:.2f} s for {n} files, {n / peer_loop:.1f} files/s")
    print(f"  audeep run_extraction, jobs {args.jobs}: {t_inproc:.2f} s, {n / t_inproc:.1f} files/s")
    print(f"  ratio: {peer_loop / t_inproc:.2f}x")
    steady = (n - runs["n_small"]) / (t_all - t_small)
    print(f"audeep steady state (files beyond the first {runs['n_small']} / extra seconds): {steady:.1f} files/s, "
          f"{steady * t_peer / n:.2f}x the peer's whole-process rate")
    print(f"decoding alone ({args.jobs} processes, soundfile, after start-up): {t_decode:.2f} s, "
          f"{n / t_decode:.1f} files/s, {t_peer / t_decode:.2f}x the peer's whole process (the ceiling)")
    print(f"peak RSS of the command: {rss_small:.0f} MiB for {runs['n_small']} files, {rss_all:.0f} MiB for {n} "
          f"(ratio {rss_all / rss_small:.2f}; flat = ~1)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs of every variant (median; default 3)")
    parser.add_argument("--no-pool-peer", dest="pool_peer", action="store_false",
                        help="skip the extra line: librosa over a multiprocessing.Pool of --jobs processes")
    args = parser.parse_args()
    print(describe_machine(), flush=True)
    files = sorted(glob.glob(str(args.data / "*" / "*.ogg")))
    if not files:
        sys.exit(f"no ESC-10 files under {args.data}")
    with tempfile.TemporaryDirectory() as tmp:
        runs = measure(args, files, tmp)
    report(args, files, runs, decode_floor(files, args.jobs))


if __name__ == "__main__":
    main()
