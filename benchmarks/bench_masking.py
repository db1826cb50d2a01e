"""Training-step cost of masking padded time steps (variable-length data), t-RAE.

Random data shaped like ESC-10 spectrograms (default: batch 64, 124 x 128, 2 x 256 GRU,
unidirectional encoder, bidirectional paper decoder, as ``bench_train.py``), every clip
padded with -1 after a length drawn from ``--min-time``..``--time``.  Times audeep's
training loop on the same padded data without lengths (nothing masked: the model reads
the padding, as fixed-length data) and with lengths (masked; batches drawn by length and
cut after their longest clip, ``--bucket-pool 1``: no grouping by length), alternating
``--repeats`` times; prints the median per-step times and the ratio masked / unmasked
(target <= 1.25).  Then the pure cost of the masks: ``train_on_batch`` of one model on one
padded batch of the whole time axis, without and with lengths, interleaved ``--steps``
times (minimum: the least disturbed by other load).

    python benchmarks/bench_masking.py [--steps 6 --repeats 2 --bucket-pool 16] [--units 64 --time 32 ...]
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from bench_train import make_parser, time_audeep  # noqa: E402
from _machine import describe_machine  # noqa: E402


def padded_data(args, rng):
    """Spectrograms [n, time, freq] in [-1, 1] padded with -1 after their lengths [n]."""
    n = args.steps * args.batch_size
    data = rng.uniform(-1, 1, size=(n, args.time, args.freq)).astype(np.float32)
    lengths = rng.integers(args.min_time, args.time + 1, size=n).astype(np.int32)
    data[np.arange(args.time)[None, :] >= lengths[:, None]] = -1.0
    return data, lengths


def time_step(args, data, lengths):
    """Least seconds of one training step on one padded batch: (without lengths, with lengths)."""
    import time

    import keras

    from audeep.models.autoencoders import TimeAutoencoderModel

    keras.utils.set_random_seed(0)
    model = TimeAutoencoderModel(num_features=args.freq, num_units=args.units, num_layers=args.layers,
                                 bidirectional_decoder=True, keep_prob=args.keep_prob)
    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipvalue=2.0), jit_compile=False)
    x, lens = data[:args.batch_size], lengths[:args.batch_size]
    variants = ((), (lens,))
    times = [[], []]
    for i in range(args.steps + 1):  # the first step of each variant traces
        for k, extra in enumerate(variants):
            start = time.perf_counter()
            model.train_on_batch(x, *extra)  # (x, lengths): train_step unpacks the lengths
            times[k].append(time.perf_counter() - start)
    return min(times[0][1:]), min(times[1][1:])


def main(argv=None):
    parser = make_parser(__doc__)
    parser.add_argument("--min-time", type=int, default=40, help="shortest clip (default: 40 steps)")
    parser.add_argument("--repeats", type=int, default=2, help="timings per variant (default: 2)")
    parser.add_argument("--bucket-pool", type=int, default=None,
                        help="batches per pool sorted by length (default: audeep.training.inputs.BUCKET_POOL)")
    args = parser.parse_args(argv)
    print(describe_machine(), flush=True)

    from audeep._tensorflow import configure_threads
    from audeep.training import inputs

    if args.bucket_pool is not None:
        inputs.BUCKET_POOL = args.bucket_pool

    intra, inter = configure_threads(args.threads)
    data, lengths = padded_data(args, np.random.default_rng(0))
    print(f"t-RAE training: batch {args.batch_size}, {args.time}x{args.freq} (lengths {args.min_time}..{args.time}, "
          f"mean {lengths.mean():.1f}; bucket pool {inputs.BUCKET_POOL}), {args.layers}x{args.units} GRU, "
          f"uni encoder, bi paper decoder; "
          f"threads intra {intra} / inter {inter}; {os.cpu_count()} cores")
    times = {"unmasked": [], "masked": []}
    for _ in range(args.repeats):
        times["unmasked"].append(time_audeep(args, data))
        times["masked"].append(time_audeep(args, data, lengths=lengths))
    medians = {name: float(np.median(t)) for name, t in times.items()}
    for name, seconds in medians.items():
        runs = ", ".join(f"{t * 1000:.0f}" for t in times[name])
        print(f"{name:10s} {seconds * 1000:9.1f} ms/step  {args.batch_size / seconds:8.1f} spectrograms/s  "
              f"(runs: {runs} ms)")
    print(f"ratio masked / unmasked: {medians['masked'] / medians['unmasked']:.3f} (target <= 1.25)")
    plain, masked = time_step(args, data, lengths)
    print(f"one step, batch of {args.time} steps: unmasked {plain * 1000:.1f} ms, masked {masked * 1000:.1f} ms, "
          f"ratio {masked / plain:.3f} (the masks alone)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
