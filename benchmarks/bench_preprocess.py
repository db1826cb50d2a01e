"""Benchmark: ``audeep preprocess`` vs a librosa reference pipeline on ESC-10 (the paper's setting).

Setting: 80 ms window, 40 ms overlap, 128 mel bands, fixed length 5 s centred, clip below -60 dB.
The reference (one process): librosa.load (native rate) + centre fix + melspectrogram + power_to_db,
timed after its imports and a warm-up file.  audeep runs as the real command in a subprocess with
``--jobs N``, timed whole (start-up included), ``--repeat`` times on 100 files and on all of them
(medians); its peak RSS (main process and workers) is compared between the two (flat memory =
streaming).  Printed besides: the steady-state rate of the command, files per second beyond its
fixed start-up and end, ``(all - 100) / (t_all - t_100)``; the same extraction timed inside one
process after the imports (as the reference is timed); and the floor that decoding alone sets
(N processes that only read the files with soundfile).

Usage: python benchmarks/bench_preprocess.py [--data DIR] [--jobs 2] [--repeat 3]
"""

import argparse
import glob
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "esc-10"
OPTIONS = ["--window-width", "0.08", "--window-overlap", "0.04", "--mel-spectrum", "128", "--fixed-length", "5",
           "--center-fixed", "--clip-below", "-60"]


def librosa_reference(files):
    import librosa
    import numpy as np

    # warm-up (numba JIT, caches) outside the timing
    y, sr = librosa.load(files[0], sr=None)
    librosa.feature.melspectrogram(y=y, sr=sr, n_fft=3528, hop_length=1764, n_mels=128)
    start = time.perf_counter()
    for path in files:
        y, sr = librosa.load(path, sr=None)
        y = librosa.util.fix_length(y[max(0, (y.size - 5 * sr) // 2):], size=5 * sr)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=int(0.08 * sr), hop_length=int(0.04 * sr),
                                             n_mels=128, center=False, htk=True, norm=None)
        np.maximum(librosa.power_to_db(mel, ref=np.max), -60)
    return time.perf_counter() - start


def audeep_run(basedir, output, jobs):
    """Run the command in a child process; returns (seconds, peak RSS in MiB of its largest process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "audeep", "-q", "preprocess", "--basedir", str(basedir),
                    "--output", str(output), "--jobs", str(jobs), *OPTIONS], check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


IN_PROCESS = """
import sys, time
import netCDF4, scipy.fft, soundfile, tqdm  # imports outside the timing, as for the reference
from audeep.preprocessing.extract import run_extraction
start = time.perf_counter()
run_extraction(sys.argv[1], output=sys.argv[2], jobs=int(sys.argv[3]), progress=False, window_width=0.08,
               window_overlap=0.04, mel_bands=128, fixed_length=5, center_fixed=True, clip_below=-60)
print(time.perf_counter() - start)
"""


def audeep_in_process(basedir, output, jobs):
    """Seconds of run_extraction in a fresh process, its imports done first."""
    out = subprocess.run([sys.executable, "-c", IN_PROCESS, str(basedir), str(output), str(jobs)], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the command per size (median; default 3)")
    parser.add_argument("--reference-files", type=int, default=400,
                        help="files timed for the librosa reference, evenly spread (default 400: all of ESC-10)")
    args = parser.parse_args()
    files = sorted(glob.glob(str(args.data / "*" / "*.ogg")))
    if not files:
        sys.exit(f"no ESC-10 files under {args.data}")
    with tempfile.TemporaryDirectory() as tmp:
        small = subset(args.data, 10, tmp)
        n_small = sum(1 for _ in small.glob("*/*.ogg"))
        runs_small, runs_all = [], []
        for _ in range(args.repeat):  # interleaved, so both sizes see the same machine
            runs_small.append(audeep_run(small, Path(tmp) / "small.nc", args.jobs))
            runs_all.append(audeep_run(args.data, Path(tmp) / "all.nc", args.jobs))
        t_small = statistics.median(t for t, _ in runs_small)
        t_all = statistics.median(t for t, _ in runs_all)
        # ru_maxrss of the children is a running maximum: only the first two runs (small, then all) tell
        rss_small, rss_all = runs_small[0][1], runs_all[0][1]
        t_inproc = audeep_in_process(args.data, Path(tmp) / "inproc.nc", args.jobs)
    t_decode = decode_floor(files, args.jobs)
    ref_files = files[:: max(1, len(files) // args.reference_files)][: args.reference_files]
    t_ref = librosa_reference(ref_files)
    audeep_fps = len(files) / t_all
    ref_fps = len(ref_files) / t_ref
    print(f"files: {len(files)} ESC-10 clips, cores: {os.cpu_count()}, jobs: {args.jobs}")
    print(f"audeep preprocess (whole command incl. start-up): {t_all:.2f} s, {audeep_fps:.1f} files/s")
    print(f"librosa reference (one process, {len(ref_files)} files): {t_ref:.2f} s, {ref_fps:.1f} files/s")
    print(f"speed ratio audeep / librosa: {audeep_fps / ref_fps:.2f}x (target >= 2.5x)")
    steady = (len(files) - n_small) / (t_all - t_small)
    print(f"audeep steady state (files beyond the first {n_small} / extra seconds, medians of {args.repeat}): "
          f"{steady:.1f} files/s, {steady / ref_fps:.2f}x")
    print(f"audeep in-process (after imports, as the reference is timed): {t_inproc:.2f} s, "
          f"{len(files) / t_inproc:.1f} files/s, {len(files) / t_inproc / ref_fps:.2f}x")
    print(f"decoding alone ({args.jobs} processes, soundfile): {t_decode:.2f} s, {len(files) / t_decode:.1f} files/s, "
          f"{len(files) / t_decode / ref_fps:.2f}x (the ceiling no spectrogram code can pass)")
    print(f"peak RSS of the command: {rss_small:.0f} MiB for {n_small} files (in {t_small:.2f} s), "
          f"{rss_all:.0f} MiB for {len(files)} files (ratio {rss_all / rss_small:.2f}; flat = ~1)")


if __name__ == "__main__":
    main()
