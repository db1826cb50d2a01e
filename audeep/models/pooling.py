"""Read-outs of a recurrent encoder: statistics over time of its layers' outputs (TensorFlow).

:func:`encoder_readouts` computes a :class:`~audeep.models.readouts.ReadoutSpec` (the
representation, ``pooled`` top-layer and ``layers`` every-layer statistics) in one pass of
the encoder stacks; :func:`pooled_outputs` is its ``pooled`` term alone.  The encoder runs
without dropout or noise; padded steps (``lengths``) are masked in the stacks and left out
of every statistic.
"""

from __future__ import annotations

import tensorflow as tf

from audeep.models.layers import encoder_final_states, time_mask
from audeep.models.readouts import parse_readouts

__all__ = ["encoder_readouts", "masked_stats", "pooled_outputs"]


def masked_stats(seq, valid, stats) -> list:
    """Statistics over the valid time steps of a sequence.

    Parameters
    ----------
    seq : tensor [batch, time, units]
    valid : tensor [batch, time] of float
        1 at the valid steps, 0 at the padded ones.
    stats : sequence of {"mean", "std", "max"}
        ``std`` is the population standard deviation (ddof 0).

    Returns
    -------
    list of tensor [batch, units]
        One per statistic, in the order of ``stats``; a sequence without valid steps gives zeros.
    """
    weight = valid[:, :, None]
    count = tf.reduce_sum(weight, axis=1)
    mean = tf.reduce_sum(seq * weight, axis=1) / tf.maximum(count, 1.0)
    out = []
    for stat in stats:
        if stat == "mean":
            out.append(mean)
        elif stat == "std":
            var = tf.reduce_sum(tf.square(seq - mean[:, None, :]) * weight, axis=1) / tf.maximum(count, 1.0)
            out.append(tf.sqrt(var))
        else:
            highest = tf.reduce_max(tf.where(weight > 0, seq, tf.fill(tf.shape(seq), seq.dtype.min)), axis=1)
            out.append(tf.where(count > 0, highest, tf.zeros_like(highest)))
    return out


def encoder_readouts(stacks, x, spec, *, represent=None, lengths=None):
    """The read-outs ``spec`` of encoder ``stacks`` over ``x``, in one pass of the stacks.

    Parameters
    ----------
    stacks : list of RNNStack
        One stack per direction (the second reads ``x`` reversed in time).
    x : tensor [batch, time, freq]
    spec : str or ReadoutSpec
        See :mod:`audeep.models.readouts`.
    represent : callable, optional
        Flat final states [batch, state size] -> the representation (``bottleneck``);
        required when ``spec`` has that term.
    lengths : tensor [batch] of int, optional
        Valid time steps; padded steps (the last ``time - length``) are masked in the stacks
        (the backward one starts at the last valid step) and left out of the statistics.

    Returns
    -------
    tensor [batch, width]
        The terms in order; ``pooled`` and ``layers``: per direction, per layer (bottom to
        top), per statistic, ``num_units`` columns.
    """
    spec = parse_readouts(spec)
    finals, sequences = encoder_final_states(stacks, x, training=False, lengths=lengths, sequences=True)
    mask = time_mask(lengths, tf.shape(x)[1])
    valid = tf.ones(tf.shape(x)[:2], x.dtype) if mask is None else tf.cast(mask, x.dtype)  # valid steps first
    parts = []
    for term in spec.terms:
        if term.name == "bottleneck":
            parts.append(represent(finals))
            continue
        for layers in sequences:  # per direction
            for seq in (layers if term.name == "layers" else layers[-1:]):
                parts += masked_stats(seq, valid, term.stats)
    return parts[0] if len(parts) == 1 else tf.concat(parts, axis=-1)


def pooled_outputs(stacks, x, lengths=None):
    """Mean and standard deviation over valid time steps of the top layer's outputs of encoder stacks.

    Parameters
    ----------
    stacks : list of RNNStack
        One stack per direction (the second reads ``x`` reversed in time).
    x : tensor [batch, time, freq]
    lengths : tensor [batch] of int, optional
        Valid time steps; padded steps are masked and left out of the pooling.

    Returns
    -------
    tensor [batch, 2 * num_units * len(stacks)]
        ``[mean_fw, std_fw(, mean_bw, std_bw)]``.
    """
    return encoder_readouts(stacks, x, "pooled", lengths=lengths)
