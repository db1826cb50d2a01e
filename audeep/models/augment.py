"""The training-time corruption and mixing ops of :class:`audeep.models.corruption.CorruptionConfig` (TensorFlow).

:func:`training_pair` turns a batch into ``(clip, encoder_input)``: the clip the model
reconstructs (shifted and mixed when those options are on) and what its encoder sees (the
clip masked and with noise).  Every draw is stateless: a key of two integers (the run's
seed and the optimizer step, folded with the replica on several devices) fixes all of
them, so the same step always draws the same corruption.
"""

from __future__ import annotations

import tensorflow as tf

from audeep.models.corruption import CorruptionConfig

__all__ = ["mask_fill", "span_mask", "training_pair"]


def _valid(lengths, batch, steps):
    """Valid steps per clip as int32 [batch]."""
    if lengths is None:
        return tf.fill(tf.reshape(batch, [1]), steps)
    return tf.minimum(tf.cast(lengths, tf.int32), steps)


def _key(key, op: int):
    return tf.random.experimental.stateless_fold_in(key, op)


def _shift(x, valid, max_shift: int, key):
    """Each clip rolled by a shift drawn from -max_shift..max_shift, circularly over its valid steps."""
    batch, steps = tf.shape(x)[0], tf.shape(x)[1]
    shift = tf.random.stateless_uniform(tf.reshape(batch, [1]), key, -max_shift, max_shift + 1, dtype=tf.int32)
    t = tf.range(steps)[None, :]
    length = tf.maximum(valid, 1)[:, None]
    index = tf.where(t < valid[:, None], tf.math.floormod(t - shift[:, None], length), t)
    return tf.gather(x, index, batch_dims=1)


def _mix(x, valid, prob: float, key):
    """With probability ``prob`` a clip becomes the bin-wise maximum of itself and the next clip of the batch."""
    batch, steps = tf.shape(x)[0], tf.shape(x)[1]
    partner = tf.roll(x, 1, axis=0)
    partner_valid = tf.roll(valid, 1, axis=0)
    chosen = tf.random.stateless_uniform(tf.reshape(batch, [1]), key) < prob
    inside = tf.range(steps)[None, :] < tf.minimum(valid, partner_valid)[:, None]
    where = tf.logical_and(chosen[:, None], inside)[:, :, None]
    return tf.where(where, tf.maximum(x, partner), x)


def mask_fill(x, valid):
    """The value masked bins get: each clip's mean over its valid steps, [batch, 1, 1]."""
    weight = tf.cast(tf.range(tf.shape(x)[1])[None, :] < valid[:, None], x.dtype)[:, :, None]
    total = tf.reduce_sum(x * weight, axis=[1, 2], keepdims=True)
    count = tf.reduce_sum(weight, axis=[1, 2], keepdims=True) * tf.cast(tf.shape(x)[2], x.dtype)
    return total / tf.maximum(count, 1.0)


def _band_masks(size, limit, count: int, max_width: int, key):
    """[batch, size] bool: ``count`` bands per row of widths 0..max_width inside the first ``limit[row]`` places."""
    batch = tf.shape(limit)[0]
    shape = tf.stack([batch, count])
    width = tf.random.stateless_uniform(shape, _key(key, 0), 0, max_width + 1, dtype=tf.int32)
    width = tf.minimum(width, limit[:, None])
    room = tf.cast(limit[:, None] - width + 1, tf.float32)
    start = tf.cast(tf.floor(tf.random.stateless_uniform(shape, _key(key, 1)) * room), tf.int32)
    place = tf.range(size)[None, None, :]
    inside = tf.logical_and(place >= start[:, :, None], place < (start + width)[:, :, None])
    return tf.reduce_any(inside, axis=1)


def span_mask(valid, steps, share: float, span: int, key):
    """[batch, steps] bool: about ``share`` of each clip's valid steps hidden in spans of ``span`` steps.

    A valid step starts a span with probability ``share / span``; a step is hidden when one
    of the ``span`` steps up to it started one.
    """
    batch = tf.shape(valid)[0]
    t = tf.range(steps)[None, :]
    start = tf.random.stateless_uniform(tf.stack([batch, steps]), key) < share / span
    start = tf.logical_and(start, t < valid[:, None])
    started = tf.cumsum(tf.cast(start, tf.int32), axis=1)
    before = tf.pad(started, [[0, 0], [span, 0]])[:, :steps]  # spans started up to `span` steps earlier
    return tf.logical_and(started - before > 0, t < valid[:, None])


def training_pair(x, lengths, config: CorruptionConfig, *, key):
    """The clip to reconstruct and the encoder's input of one training batch.

    Parameters
    ----------
    x : tensor [batch, time, freq]
        The batch (padded steps, if any, at the end of each clip).
    lengths : tensor [batch] of int, optional
        Valid steps per clip; None for all.
    config : CorruptionConfig
    key : tensor [2] of int
        The stateless random key of this step.

    Returns
    -------
    (tensor [batch, time, freq], tensor [batch, time, freq])
        ``(clip, encoder_input)``: the clip after ``time_shift`` and ``mix_prob``, and that
        clip after the masks and ``input_noise`` (padded steps untouched).
    """
    shape = tf.shape(x)
    batch, steps, freq = shape[0], shape[1], shape[2]
    valid = _valid(lengths, batch, steps)
    clip = x
    if config.time_shift:
        clip = _shift(clip, valid, config.time_shift, _key(key, 1))
    if config.mix_prob:
        clip = _mix(clip, valid, config.mix_prob, _key(key, 2))
    if not config.masks_input:
        return clip, clip
    inside = (tf.range(steps)[None, :] < valid[:, None])[:, :, None]  # padded steps stay as they are
    hidden = tf.zeros(tf.stack([batch, steps, freq]), tf.bool)
    if config.time_masks:
        hidden |= _band_masks(steps, valid, config.time_masks, config.time_mask_width, _key(key, 3))[:, :, None]
    if config.mask_frames:
        hidden |= span_mask(valid, steps, config.mask_frames, config.mask_span, _key(key, 4))[:, :, None]
    if config.freq_masks:
        bins = tf.fill(tf.reshape(batch, [1]), freq)
        hidden |= _band_masks(freq, bins, config.freq_masks, config.freq_mask_width, _key(key, 5))[:, None, :]
    encoder_input = tf.where(hidden & inside, mask_fill(clip, valid), clip)
    if config.input_noise:
        noise = tf.random.stateless_normal(shape, _key(key, 6), stddev=config.input_noise, dtype=x.dtype)
        encoder_input = encoder_input + noise * tf.cast(inside, x.dtype)
    return clip, encoder_input
