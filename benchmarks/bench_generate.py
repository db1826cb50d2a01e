"""Feature generation speed of the t-RAE (spectrograms/s), with and without XLA.

Random weights and data shaped like ESC-10 (default: 124 x 128, 2 x 256 GRU, bidirectional
decoder -> 1024 features), batch 500 as ``t-rae generate``.  Target >= 1000 spectrograms/s
on 2 cores.

    python benchmarks/bench_generate.py [--instances 1000] [--units 64 ...]
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--time", type=int, default=124)
    parser.add_argument("--freq", type=int, default=128)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    from audeep._tensorflow import configure_threads

    # as `t-rae generate`: all cores unless --threads
    intra, inter = configure_threads(args.threads or os.cpu_count() or 1)
    import tensorflow as tf

    from audeep.dataset import DataSet
    from audeep.training import encode_dataset
    from audeep.models.autoencoders import TimeAutoencoderModel

    model = TimeAutoencoderModel(num_features=args.freq, num_layers=args.layers, num_units=args.units,
                            bidirectional_decoder=True)
    model.build((None, args.time, args.freq))
    data = np.random.default_rng(0).uniform(-1, 1, (args.instances, args.time, args.freq)).astype(np.float32)
    ds = DataSet.create(features=data, filenames=[f"f{i}" for i in range(args.instances)])
    print(f"t-RAE generate: {args.instances} x {args.time}x{args.freq}, {args.layers}x{args.units} GRU, "
          f"batch {args.batch_size}; threads intra {intra} / inter {inter}")
    encode_dataset(model, ds.select(np.arange(min(args.batch_size, args.instances))), batch_size=args.batch_size)
    start = time.perf_counter()
    encode_dataset(model, ds, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    print(f"audeep encode_dataset      {args.instances / seconds:8.1f} spectrograms/s")
    for jit in (False, True):
        fn = tf.function(lambda x: model.encode(x), jit_compile=jit)
        fn(data[:args.batch_size])
        start = time.perf_counter()
        for i in range(0, args.instances, args.batch_size):
            fn(data[i:i + args.batch_size]).numpy()
        seconds = time.perf_counter() - start
        print(f"bare tf.function jit={jit!s:5s}  {args.instances / seconds:8.1f} spectrograms/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
