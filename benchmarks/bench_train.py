"""Training speed of the t-RAE: audeep's training loop vs a bare Keras model of the same shape.

Random data shaped like ESC-10 spectrograms (default: batch 64, 124 x 128, 2 x 256 GRU,
unidirectional encoder, bidirectional paper decoder).  Prints per-step times,
spectrograms/s, the ratio audeep / bare Keras (target <= 1.10) and the achieved GFLOP/s
(GRU matrix products only, forward + backward = 3x forward).  With torch installed, also
an equivalent torch.nn.GRU model (benchmarks/_torch_peer.py: same layers and dropout) at
torch's default thread count and at 1 thread, reported separately; the target, audeep /
torch <= 0.65, is against the default-thread peer.  The machine is printed first.

    python benchmarks/bench_train.py [--steps 6] [--rounds 3] [--torch-bf16] [--units 64 --time 32 ...]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402


def gru_flops_per_example(time_steps, freq, units, layers, stacks):
    """Multiply-adds x 2 of the GRU matrix products of one forward pass."""
    per_step = 0
    size = freq
    for _ in range(layers):
        per_step += 2 * 3 * units * (size + units)
        size = units
    return per_step * time_steps * stacks


def bare_keras_model(args):
    """A functional Keras model with the same layers as the t-RAE (paper decoder, fused)."""
    import keras
    from keras import layers, ops

    x = keras.Input((args.time, args.freq))
    drop = 1 - args.keep_prob
    h = x
    finals = []
    for _ in range(args.layers):
        h, state = layers.GRU(args.units, return_sequences=True, return_state=True)(layers.Dropout(drop)(h))
        h = layers.Dropout(drop)(h)
        finals.append(state)
    rep = layers.Dense(args.units * args.layers * 2, activation="tanh")(layers.Concatenate()(finals))
    target = ops.flip(x, axis=1)
    dec_in = ops.pad(target[:, :-1], [[0, 0], [1, 0], [0, 0]])
    outs = []
    for d in range(2):
        seq = dec_in if d == 0 else ops.flip(dec_in, axis=1)
        h = ops.pad(seq[:, :-1], [[0, 0], [1, 0], [0, 0]])
        for k in range(args.layers):
            init = rep[:, (2 * k + d) * args.units:(2 * k + d + 1) * args.units]
            h = layers.GRU(args.units, return_sequences=True)(layers.Dropout(drop)(h), initial_state=init)
            h = layers.Dropout(drop)(h)
        outs.append(layers.Dense(args.freq, activation="tanh")(h))
    recon = layers.Dense(args.freq, activation="tanh")(layers.Concatenate()(outs))
    model = keras.Model(x, recon)

    def rmse(y_true, y_pred):
        return ops.sqrt(ops.mean(ops.square(y_true - y_pred)))

    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipvalue=2.0), loss=rmse, jit_compile=False)
    return model


def time_bare(args, data):
    model = bare_keras_model(args)
    times = []
    for i in range(args.warmup + args.steps):
        batch = data[(i * args.batch_size) % len(data):][:args.batch_size]
        start = time.perf_counter()
        model.train_on_batch(batch, batch[:, ::-1])
        times.append(time.perf_counter() - start)
    return float(np.median(times[args.warmup:]))


def time_audeep(args, data, lengths=None):
    """Seconds per training step of audeep's loop (``lengths``: valid steps of padded ``data``)."""
    from audeep.dataset import DataSet
    from audeep.training import train_autoencoder

    n = args.steps * args.batch_size
    ds = DataSet.create(features=data[:n], filenames=[f"f{i}" for i in range(n)],
                        lengths=None if lengths is None else lengths[:n])
    folder = tempfile.mkdtemp(prefix="bench-train-")
    try:
        result = train_autoencoder(
            kind="t-rae", inputs=[ds], run_dir=os.path.join(folder, "run"), num_epochs=2,
            batch_size=args.batch_size, progress=False, threads=args.threads,
            architecture={"num_layers": args.layers, "num_units": args.units, "bidirectional_decoder": True,
                          "keep_prob": args.keep_prob})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result.history[-1]["seconds"] / args.steps  # epoch 2: no tracing


def make_parser(description=__doc__):
    """The command-line options of the training benchmarks (shape, model, steps, threads)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--time", type=int, default=124)
    parser.add_argument("--freq", type=int, default=128)
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--keep-prob", type=float, default=0.8)
    parser.add_argument("--steps", type=int, default=6, help="timed steps (default: 6)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps of the bare model (default: 2)")
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (default: audeep's choice)")
    return parser


def main(argv=None):
    parser = make_parser()
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeats of all loops, interleaved; medians reported (default: 1)")
    parser.add_argument("--torch-bf16", action="store_true", help="also the torch peer under bf16 autocast")
    args = parser.parse_args(argv)

    from _machine import describe_machine
    import _torch_peer as peer

    from audeep._tensorflow import configure_threads

    print(describe_machine())
    intra, inter = configure_threads(args.threads)
    rng = np.random.default_rng(0)
    data = rng.uniform(-1, 1, size=(max(args.steps, 4) * args.batch_size, args.time, args.freq)).astype(np.float32)
    flops = 3 * args.batch_size * gru_flops_per_example(args.time, args.freq, args.units, args.layers, stacks=3)
    print(f"t-RAE training: batch {args.batch_size}, {args.time}x{args.freq}, {args.layers}x{args.units} GRU, "
          f"uni encoder, bi paper decoder, keep-prob {args.keep_prob}; audeep threads intra {intra} / inter "
          f"{inter}; {args.rounds} round(s), medians")
    loops = {"audeep train loop": lambda: time_audeep(args, data),
             "bare keras train_on_batch": lambda: time_bare(args, data)}
    torch = peer.torch_or_none()
    if torch is not None:
        torch.manual_seed(0)
        model = peer.make_model(freq=args.freq, units=args.units, layers=args.layers, keep_prob=args.keep_prob)
        for label, threads, bf16 in peer.peer_runs(bf16=args.torch_bf16):
            loops[label] = (lambda t=threads, b=bf16: peer.train_step_seconds(
                model, data, batch_size=args.batch_size, steps=args.steps, warmup=args.warmup, threads=t, bf16=b))
    medians = peer.interleaved_medians(loops, args.rounds)
    for name, seconds in medians.items():
        print(f"{name:34s} {seconds * 1000:9.1f} ms/step  {args.batch_size / seconds:8.1f} spectrograms/s  "
              f"{flops / seconds / 1e9:7.1f} GFLOP/s")
    audeep_s = medians["audeep train loop"]
    print(f"ratio audeep / bare keras: {audeep_s / medians['bare keras train_on_batch']:.3f} (target <= 1.10)")
    peer.print_ratios(audeep_s, medians, target=0.65)
    return 0


if __name__ == "__main__":
    sys.exit(main())
