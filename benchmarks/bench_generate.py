"""Feature generation speed of the t-RAE (spectrograms/s), with and without XLA.

Random weights and data shaped like ESC-10 (default: 124 x 128, 2 x 256 GRU, bidirectional
decoder -> 1024 features), batch 500 as ``t-rae generate``, against the same encoder in torch
(benchmarks/_torch_peer.py, inference) at torch's default thread count and at 1 thread,
reported separately.  audeep's two paths are timed warm (compiled before the clock starts):
XLA with two halves per batch (what data sets of ``XLA_MIN_INSTANCES`` or more get on CPU) and
the plain ``tf.function`` (smaller sets).  Targets: >= 1000 spectrograms/s on 2 cores, audeep /
torch (default threads) >= 1.5.  The machine is printed first.

``--cold N ...`` instead times whole ``encode_dataset`` calls of N instances on a fresh model in
a fresh process, compilation included, on both paths (rounds interleaved, medians): where XLA's
compilation is paid back, which sets ``XLA_MIN_INSTANCES``.

    python benchmarks/bench_generate.py [--instances 1000] [--rounds 3] [--torch-bf16] [--units 64 ...]
    python benchmarks/bench_generate.py --cold 400 2000 10000 [--rounds 2]
"""

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


AUDEEP_XLA = "audeep encode_dataset, XLA halves"


class xla_path:
    """Within: every data set takes the XLA path (``xla``) or the plain one, whatever its size."""

    def __init__(self, xla: bool):
        self.threshold = 0 if xla else float("inf")

    def __enter__(self):
        import audeep._tensorflow as runtime

        self.saved, runtime.XLA_MIN_INSTANCES = runtime.XLA_MIN_INSTANCES, self.threshold

    def __exit__(self, *exc):
        import audeep._tensorflow as runtime

        runtime.XLA_MIN_INSTANCES = self.saved


def _model_and_data(args, instances):
    from audeep.dataset import DataSet
    from audeep.models.autoencoders import TimeAutoencoderModel

    model = TimeAutoencoderModel(num_features=args.freq, num_layers=args.layers, num_units=args.units,
                                 bidirectional_decoder=True)
    model.build((None, args.time, args.freq))
    data = np.random.default_rng(0).uniform(-1, 1, (instances, args.time, args.freq)).astype(np.float32)
    return model, DataSet.create(features=data, filenames=[f"f{i}" for i in range(instances)]), data


def _cold_one(args, instances, xla):
    """Seconds of one whole encode_dataset call of a fresh model (compilation included), in this process."""
    from audeep._tensorflow import configure_threads
    from audeep.training import encode_dataset

    configure_threads(args.threads or os.cpu_count() or 1)
    model, ds, _ = _model_and_data(args, instances)
    with xla_path(xla):
        start = time.perf_counter()
        encode_dataset(model, ds, batch_size=args.batch_size)
        return time.perf_counter() - start


def _cold(args):
    """Whole encode_dataset calls, each in a fresh process, both paths, rounds interleaved; medians printed."""
    from audeep._tensorflow import XLA_MIN_INSTANCES

    seconds = {}
    for _ in range(args.rounds):
        for n in args.cold:
            for xla in (True, False):
                out = subprocess.run([sys.executable, __file__, "--cold-one", str(n), str(int(xla)),
                                      *args.passed], check=True, capture_output=True, text=True).stdout
                seconds.setdefault((n, xla), []).append(float(out.split()[-1]))
    print(f"whole encode_dataset, compilation included (median of {args.rounds}); XLA_MIN_INSTANCES = "
          f"{XLA_MIN_INSTANCES}")
    for n in args.cold:
        xla, plain = (float(np.median(seconds[(n, x)])) for x in (True, False))
        print(f"{n:7d} instances: XLA halves {xla:7.2f} s, plain {plain:7.2f} s, XLA / plain {xla / plain:.2f}")


def _loops(args, model, ds, data):
    """name -> function returning spectrograms/s: audeep's path, bare tf.functions, the torch peers."""
    import tensorflow as tf

    import _torch_peer as peer
    from audeep.training import encode_dataset

    def audeep_rate(xla):
        with xla_path(xla):
            encode_dataset(model, ds.select(np.arange(min(args.batch_size, args.instances))),
                           batch_size=args.batch_size)
            start = time.perf_counter()
            encode_dataset(model, ds, batch_size=args.batch_size)
            return args.instances / (time.perf_counter() - start)

    def bare_rate(fn):
        fn(data[:args.batch_size])
        start = time.perf_counter()
        for i in range(0, args.instances, args.batch_size):
            fn(data[i:i + args.batch_size]).numpy()
        return args.instances / (time.perf_counter() - start)

    loops = {AUDEEP_XLA: lambda: audeep_rate(True), "audeep encode_dataset, plain": lambda: audeep_rate(False)}
    for jit in (False, True):
        fn = tf.function(lambda x: model.encode(x), jit_compile=jit)
        loops[f"bare tf.function jit={jit}"] = lambda fn=fn: bare_rate(fn)
    torch = peer.torch_or_none()
    if torch is not None:
        torch.manual_seed(0)
        net = peer.make_model(freq=args.freq, units=args.units, layers=args.layers, keep_prob=1.0)
        for label, threads, bf16 in peer.peer_runs(bf16=args.torch_bf16):
            loops[label] = (lambda t=threads, b=bf16: peer.encode_per_second(
                net, data, batch_size=args.batch_size, threads=t, bf16=b))
    return loops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--time", type=int, default=124)
    parser.add_argument("--freq", type=int, default=128)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=1, help="repeats, interleaved; medians (default: 1)")
    parser.add_argument("--torch-bf16", action="store_true", help="also the torch peer under bf16 autocast")
    parser.add_argument("--cold", type=int, nargs="+", metavar="N",
                        help="time whole calls on N instances in fresh processes, compilation included")
    parser.add_argument("--cold-one", nargs=2, type=int, help=argparse.SUPPRESS)  # N, XLA (0/1): one such call
    args = parser.parse_args(argv)
    args.passed = [f"--{name.replace('_', '-')}={getattr(args, name)}"  # the model and batches of a --cold call
                   for name in ("batch_size", "time", "freq", "units", "layers", "threads") if getattr(args, name)]
    if args.cold_one:
        print(f"{_cold_one(args, args.cold_one[0], bool(args.cold_one[1])):.3f}")
        return 0

    from _machine import describe_machine

    print(describe_machine())
    if args.cold:
        return _cold(args)

    from audeep._tensorflow import configure_threads

    # as `t-rae generate`: all cores unless --threads
    intra, inter = configure_threads(args.threads or os.cpu_count() or 1)
    model, ds, data = _model_and_data(args, args.instances)
    print(f"t-RAE generate: {args.instances} x {args.time}x{args.freq}, {args.layers}x{args.units} GRU, "
          f"batch {args.batch_size}; threads intra {intra} / inter {inter}")
    import _torch_peer as peer

    loops = _loops(args, model, ds, data)
    medians = peer.interleaved_medians(loops, args.rounds)
    for name, rate in medians.items():
        print(f"{name:34s} {rate:8.1f} spectrograms/s")
    audeep = medians[AUDEEP_XLA]
    print(f"{AUDEEP_XLA}: {audeep:.1f} spectrograms/s (target >= 1000)")
    peer.print_ratios(audeep, medians, target=1.5, better="higher")
    return 0


if __name__ == "__main__":
    sys.exit(main())
