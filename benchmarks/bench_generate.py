"""Feature generation speed of the t-RAE (spectrograms/s), with and without XLA.

Random weights and data shaped like ESC-10 (default: 124 x 128, 2 x 256 GRU, bidirectional
decoder -> 1024 features), batch 500 as ``t-rae generate``, against the same encoder in torch
(benchmarks/_torch_peer.py, inference) at torch's default thread count and at 1 thread,
reported separately.  Targets: >= 1000 spectrograms/s on 2 cores, audeep / torch (default
threads) >= 1.5.  The machine is printed first.

    python benchmarks/bench_generate.py [--instances 1000] [--rounds 3] [--torch-bf16] [--units 64 ...]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def _loops(args, model, ds, data):
    """name -> function returning spectrograms/s: audeep's path, bare tf.functions, the torch peers."""
    import tensorflow as tf

    import _torch_peer as peer
    from audeep.training import encode_dataset

    def audeep_rate():
        encode_dataset(model, ds.select(np.arange(min(args.batch_size, args.instances))), batch_size=args.batch_size)
        start = time.perf_counter()
        encode_dataset(model, ds, batch_size=args.batch_size)
        return args.instances / (time.perf_counter() - start)

    def bare_rate(fn):
        fn(data[:args.batch_size])
        start = time.perf_counter()
        for i in range(0, args.instances, args.batch_size):
            fn(data[i:i + args.batch_size]).numpy()
        return args.instances / (time.perf_counter() - start)

    loops = {"audeep encode_dataset": audeep_rate}
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
    args = parser.parse_args(argv)

    from _machine import describe_machine

    print(describe_machine())

    from audeep._tensorflow import configure_threads

    # as `t-rae generate`: all cores unless --threads
    intra, inter = configure_threads(args.threads or os.cpu_count() or 1)
    from audeep.dataset import DataSet
    from audeep.models.autoencoders import TimeAutoencoderModel

    model = TimeAutoencoderModel(num_features=args.freq, num_layers=args.layers, num_units=args.units,
                            bidirectional_decoder=True)
    model.build((None, args.time, args.freq))
    data = np.random.default_rng(0).uniform(-1, 1, (args.instances, args.time, args.freq)).astype(np.float32)
    ds = DataSet.create(features=data, filenames=[f"f{i}" for i in range(args.instances)])
    print(f"t-RAE generate: {args.instances} x {args.time}x{args.freq}, {args.layers}x{args.units} GRU, "
          f"batch {args.batch_size}; threads intra {intra} / inter {inter}")
    import _torch_peer as peer

    loops = _loops(args, model, ds, data)
    medians = peer.interleaved_medians(loops, args.rounds)
    for name, rate in medians.items():
        print(f"{name:34s} {rate:8.1f} spectrograms/s")
    audeep = medians["audeep encode_dataset"]
    print(f"audeep encode_dataset: {audeep:.1f} spectrograms/s (target >= 1000)")
    peer.print_ratios(audeep, medians, target=1.5, better="higher")
    return 0


if __name__ == "__main__":
    sys.exit(main())
