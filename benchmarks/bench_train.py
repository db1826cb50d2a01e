"""Training speed of the t-RAE: audeep's training loop vs a bare Keras model of the same shape.

Random data shaped like ESC-10 spectrograms (default: batch 64, 124 x 128, 2 x 256 GRU,
unidirectional encoder, bidirectional paper decoder).  Prints per-step times,
spectrograms/s, the ratio audeep / bare Keras (target <= 1.10) and the achieved GFLOP/s
(GRU matrix products only, forward + backward = 3x forward).  With torch installed, also
an equivalent torch.nn.GRU model.

    python benchmarks/bench_train.py [--steps 6] [--units 64 --time 32 ...]
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


def time_torch(args, data):
    import torch

    torch.set_num_threads(max(1, args.threads or 1))

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = torch.nn.GRU(args.freq, args.units, args.layers, batch_first=True)
            self.rep = torch.nn.Linear(args.units * args.layers, args.units * args.layers * 2)
            self.dec = torch.nn.ModuleList(torch.nn.GRU(args.freq, args.units, args.layers, batch_first=True)
                                           for _ in range(2))
            self.proj = torch.nn.ModuleList(torch.nn.Linear(args.units, args.freq) for _ in range(2))
            self.out = torch.nn.Linear(2 * args.freq, args.freq)

        def forward(self, x):
            _, h = self.enc(x)
            rep = torch.tanh(self.rep(h.transpose(0, 1).reshape(x.shape[0], -1)))
            target = x.flip(1)
            dec_in = torch.nn.functional.pad(target[:, :-1], (0, 0, 1, 0))
            outs = []
            for d in range(2):
                seq = dec_in if d == 0 else dec_in.flip(1)
                seq = torch.nn.functional.pad(seq[:, :-1], (0, 0, 1, 0))
                init = rep[:, d * args.units * args.layers:(d + 1) * args.units * args.layers]
                init = init.reshape(-1, args.layers, args.units).transpose(0, 1).contiguous()
                h, _ = self.dec[d](seq, init)
                outs.append(torch.tanh(self.proj[d](h)))
            return torch.tanh(self.out(torch.cat(outs, -1))), target

    model = Model()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    times = []
    for i in range(args.warmup + args.steps):
        batch = torch.from_numpy(data[(i * args.batch_size) % len(data):][:args.batch_size])
        start = time.perf_counter()
        recon, target = model(batch)
        loss = torch.sqrt(torch.mean((recon - target) ** 2))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 2.0)
        opt.step()
        times.append(time.perf_counter() - start)
    return float(np.median(times[args.warmup:]))


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
    args = make_parser().parse_args(argv)

    from audeep._tensorflow import configure_threads

    intra, inter = configure_threads(args.threads)
    rng = np.random.default_rng(0)
    data = rng.uniform(-1, 1, size=(max(args.steps, 4) * args.batch_size, args.time, args.freq)).astype(np.float32)
    flops = 3 * args.batch_size * gru_flops_per_example(args.time, args.freq, args.units, args.layers, stacks=3)
    print(f"t-RAE training: batch {args.batch_size}, {args.time}x{args.freq}, {args.layers}x{args.units} GRU, "
          f"uni encoder, bi paper decoder; threads intra {intra} / inter {inter}; {os.cpu_count()} cores")
    audeep_s = time_audeep(args, data)
    bare_s = time_bare(args, data)
    rows = [("audeep train loop", audeep_s), ("bare keras train_on_batch", bare_s)]
    try:
        import torch  # noqa: F401

        rows.append(("torch nn.GRU", time_torch(args, data)))
    except ImportError:
        pass
    for name, seconds in rows:
        print(f"{name:28s} {seconds * 1000:9.1f} ms/step  {args.batch_size / seconds:8.1f} spectrograms/s  "
              f"{flops / seconds / 1e9:7.1f} GFLOP/s")
    print(f"ratio audeep / bare keras: {audeep_s / bare_s:.3f} (target <= 1.10)")
    if len(rows) > 2:
        print(f"ratio audeep / torch: {audeep_s / rows[2][1]:.3f} (target <= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
