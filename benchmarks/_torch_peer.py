"""The torch peer of the t-RAE benchmarks: the same model in ``torch.nn``, at torch's own thread settings.

Fairness rule: the peer runs at torch's default intra-op thread count (``torch.get_num_threads()``
read before anything sets it, remembered here at import) and again at 1 thread, reported
separately; audeep's ratio target is against the default-thread peer.  ``None`` from
:func:`torch_or_none` when torch is not installed (it is no dependency of audeep).
"""

import time

import numpy as np

try:
    import torch
except ImportError:  # the peer is optional
    torch = None

#: torch's own intra-op thread count in this process, before any benchmark changes it
DEFAULT_THREADS = torch.get_num_threads() if torch is not None else None


def torch_or_none():
    """The torch module, or None (with a message) when torch is not installed."""
    if torch is None:
        print("torch not installed: no torch peer (pip install torch to compare)")
    return torch


def peer_threads():
    """(label, threads) of the peers to run: torch's default count, then 1 thread."""
    return [(f"torch default ({DEFAULT_THREADS} threads)", DEFAULT_THREADS), ("torch 1 thread", 1)]


def make_model(*, freq, units, layers, keep_prob):
    """The t-RAE of the benchmarks in torch: uni GRU encoder, bidirectional paper decoder, dropout as audeep.

    One single-layer ``nn.GRU`` per layer so that dropout acts on every layer's input and
    output sequence (audeep's ``RNNStack``), not only between layers as ``nn.GRU(dropout=)``.
    """
    nn = torch.nn

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.grus = nn.ModuleList(nn.GRU(freq if k == 0 else units, units, batch_first=True)
                                      for k in range(layers))
            self.drop = nn.Dropout(1 - keep_prob)

        def forward(self, x, init=None):
            finals = []
            for k, gru in enumerate(self.grus):
                x, h = gru(self.drop(x), None if init is None else init[k:k + 1].contiguous())
                x = self.drop(x)
                finals.append(h[0])
            return x, finals

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = Stack()
            self.rep = nn.Linear(units * layers, units * layers * 2)
            self.dec = nn.ModuleList(Stack() for _ in range(2))
            self.proj = nn.ModuleList(nn.Linear(units, freq) for _ in range(2))
            self.out = nn.Linear(2 * freq, freq)

        def encode(self, x):
            _, finals = self.enc(x)
            return torch.tanh(self.rep(torch.cat(finals, -1)))

        def forward(self, x):
            rep = self.encode(x)
            target = x.flip(1)
            dec_in = nn.functional.pad(target[:, :-1], (0, 0, 1, 0))
            outs = []
            for d in range(2):
                seq = dec_in if d == 0 else dec_in.flip(1)
                seq = nn.functional.pad(seq[:, :-1], (0, 0, 1, 0))
                init = rep[:, d * units * layers:(d + 1) * units * layers]
                init = init.reshape(-1, layers, units).transpose(0, 1)
                h, _ = self.dec[d](seq, init)
                outs.append(torch.tanh(self.proj[d](h)))
            return torch.tanh(self.out(torch.cat(outs, -1))), target

    return Model()


def train_step_seconds(model, data, *, batch_size, steps, warmup, threads, bf16=False):
    """Median seconds of an Adam step (RMSE loss, gradients clipped to [-2, 2]) at ``threads`` intra-op threads."""
    torch.set_num_threads(threads)
    model.train()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    times = []
    for i in range(warmup + steps):
        batch = torch.from_numpy(data[(i * batch_size) % len(data):][:batch_size])
        start = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            recon, target = model(batch)
        loss = torch.sqrt(torch.mean((recon.float() - target) ** 2))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 2.0)
        opt.step()
        times.append(time.perf_counter() - start)
    return float(np.median(times[warmup:]))


def encode_per_second(model, data, *, batch_size, threads, bf16=False):
    """Spectrograms / s of the representation (inference, batches of ``batch_size``) at ``threads`` threads."""
    torch.set_num_threads(threads)
    model.eval()
    x = torch.from_numpy(data)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        model.encode(x[:batch_size])  # warm-up
        start = time.perf_counter()
        for i in range(0, len(x), batch_size):
            model.encode(x[i:i + batch_size]).float().numpy()
    return len(x) / (time.perf_counter() - start)


def peer_runs(*, bf16: bool):
    """(label, threads, bf16) of the torch peers: default threads, 1 thread, and bf16 autocast if ``bf16``."""
    runs = [(label, threads, False) for label, threads in peer_threads()]
    if bf16:
        runs.append((f"torch bf16 autocast ({DEFAULT_THREADS} thr)", DEFAULT_THREADS, True))
    return runs


def interleaved_medians(loops, rounds):
    """name -> median of ``rounds`` calls of each function in ``loops``, the loops taking turns."""
    values = {name: [] for name in loops}
    for _ in range(rounds):
        for name, run in loops.items():
            values[name].append(run())
    return {name: float(np.median(found)) for name, found in values.items()}


def print_ratios(value, medians, *, target, better="lower"):
    """Print ``value`` / each torch peer's median; ``target`` is shown for the default-thread peer."""
    for name, peer_value in medians.items():
        if name.startswith("torch"):
            shown = f" (target {'<=' if better == 'lower' else '>='} {target})" if name.startswith("torch default") \
                else ""
            print(f"ratio audeep / {name}: {value / peer_value:.3f}{shown}")
