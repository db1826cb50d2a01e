"""Training input: a shuffled, batched ``tf.data`` pipeline over one or more data sets.

Small data is held in memory; data larger than :data:`MAX_IN_MEMORY` bytes is streamed
from disk in blocks.  Variable-length (padded) data comes with its lengths, which the
models mask; each batch is cut after its longest clip, and in memory the batches are
drawn by length (:data:`BUCKET_POOL`) so that little padding is left.  TensorFlow is
imported only by :func:`make_input`.
"""

from __future__ import annotations

import logging
import math
from typing import Sequence

import numpy as np

from audeep.dataset import DataSet, check_finite
from audeep.errors import DataSetError, ParameterError

__all__ = ["BUCKET_POOL", "MAX_IN_MEMORY", "check_inputs", "make_input"]

log = logging.getLogger(__name__)

#: Features up to this size are trained from memory, larger ones streamed from disk.  The
#: in-memory path holds about 3.6 copies (the array, its tensor, the tensor captured by the
#: input pipeline): measured 3.7 GB peak RSS for 1 GB of features, so keep this small.
MAX_IN_MEMORY = 256 * 1024 * 1024

#: Bytes of features read at once by the streamed input.
_BLOCK_BYTES = 64 * 1024 * 1024

#: Variable-length data in memory: each epoch's shuffled order is cut into pools of this many
#: batches; a pool is sorted by length, cut into batches and those are drawn in random order.
BUCKET_POOL = 16


def check_inputs(datasets: Sequence[DataSet], *, ndim: int = 2) -> tuple:
    """Check that all data sets have one feature shape of ``ndim`` dimensions.

    Returns
    -------
    tuple
        The common feature shape.

    Raises
    ------
    ParameterError
        For no data set at all.
    DataSetError
        For an empty data set, a wrong number of feature dimensions or different shapes.
    """
    if not datasets:
        raise ParameterError("inputs: no data set given", parameter="inputs")
    shape = None
    for ds in datasets:
        name = ds.path or "data set"
        if ds.num_instances == 0:
            raise DataSetError(f"{name}: has no instances")
        dims = ", ".join(f"{d}={s}" for d, s in zip(ds.feature_dims, ds.feature_shape))
        if len(ds.feature_shape) != ndim:
            raise DataSetError(f"{name}: features [{dims}] are not spectrograms: expected {ndim} feature "
                               f"dimensions (time, freq)")
        if 0 in ds.feature_shape:
            raise DataSetError(f"{name}: features [{dims}] have an empty dimension: expected at least one time "
                               "step and one frequency")
        if shape is None:
            shape = ds.feature_shape
        elif ds.feature_shape != shape:
            raise DataSetError(f"{name}: feature shape {ds.feature_shape} differs from the first input's {shape}; "
                               "all inputs must have the same feature shape")
    return tuple(shape)


def _lengths(datasets, shape) -> "np.ndarray | None":
    """Valid time steps of all instances; None without padding (the model then masks nothing)."""
    if all(ds.lengths is None for ds in datasets):
        return None
    lengths = np.concatenate([ds.lengths if ds.lengths is not None else np.full(ds.num_instances, shape[0])
                              for ds in datasets]).astype(np.int32)
    return None if np.all(lengths >= shape[0]) else lengths


def make_input(datasets: Sequence[DataSet], *, batch_size: int, seed: int = 42, in_memory: "bool | None" = None):
    """A shuffled, batched, prefetched ``tf.data.Dataset`` over one or more data sets.

    Every iteration is one epoch: one pass over all instances in a new random order
    (``seed`` fixes the sequence of orders).  Small data is held in memory; data larger
    than :data:`MAX_IN_MEMORY` bytes (or with ``in_memory=False``) is streamed from disk
    in blocks: block order and the order within each block are shuffled.  Every value is
    checked to be finite first.  Padded (variable-length) instances are grouped by length
    in memory (:data:`BUCKET_POOL`), and every batch of them is cut after its longest clip.

    Parameters
    ----------
    datasets : sequence of DataSet
        Same feature shape [time, freq].
    batch_size : int
    seed : int
    in_memory : bool, optional
        Force (True) or forbid (False) loading everything; default by size.

    Returns
    -------
    (tf.data.Dataset, int)
        Batches ``x`` [batch, time, freq] float32 -- or ``(x, lengths)`` [batch, steps, freq],
        [batch] with ``steps = max(lengths)``, if an input has a ``length`` variable with
        padded instances (the model masks their padding) -- and the number of steps per epoch.
    """
    shape = check_inputs(datasets)
    n = sum(ds.num_instances for ds in datasets)
    if batch_size > n:
        log.info("batch size %d is larger than the %d instances: one batch per epoch", batch_size, n)
    lengths = _lengths(datasets, shape)
    if in_memory is None:
        in_memory = sum(ds.nbytes_features for ds in datasets) <= MAX_IN_MEMORY
    make = _in_memory_input if in_memory else _streamed_input
    return make(datasets, shape=shape, lengths=lengths, batch_size=batch_size, seed=seed), math.ceil(n / batch_size)


def _in_memory_input(datasets, *, shape, lengths, batch_size: int, seed: int):
    import tensorflow as tf

    parts = []
    for ds in datasets:
        feats = ds.load_features()
        check_finite(feats, dataset=ds)
        parts.append(feats)
    features = tf.constant(np.concatenate(parts) if len(parts) > 1 else parts[0])
    n = int(features.shape[0])
    index = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    if lengths is None:
        data = index.batch(batch_size).map(lambda i: tf.gather(features, i), num_parallel_calls=1)
    else:
        lens = tf.constant(lengths)
        data = _by_length(index, lens, batch_size=batch_size, seed=seed).map(
            lambda i: _trimmed(tf.gather(features, i), tf.gather(lens, i)), num_parallel_calls=1)
    return data.prefetch(2)


def _by_length(index, lens, *, batch_size: int, seed: int):
    """Batches of shuffled indices of similar lengths (pools of :data:`BUCKET_POOL` batches sorted by length)."""
    import tensorflow as tf

    def sort(pool):
        return tf.gather(pool, tf.argsort(tf.gather(lens, pool), stable=True))

    batches = -(-int(lens.shape[0]) // batch_size)  # pools hold whole batches: no more than unsorted
    return (index.batch(batch_size * BUCKET_POOL).map(sort).unbatch().batch(batch_size)
            .shuffle(BUCKET_POOL, seed=seed, reshuffle_each_iteration=True)
            .apply(tf.data.experimental.assert_cardinality(batches)))  # known to Keras: no "ran out of data"


def _trimmed(x, lengths):
    """A padded batch cut after its longest clip: (x [batch, max(lengths), freq], lengths)."""
    import tensorflow as tf

    return x[:, :tf.reduce_max(lengths)], lengths


def _shuffled_blocks(datasets, *, shape, lengths, batch_size: int, seed: int):
    """A generator function: each call yields one epoch of batches from shuffled blocks."""
    row_bytes = int(np.prod(shape)) * 4
    block_rows = max(batch_size, (_BLOCK_BYTES // row_bytes) // batch_size * batch_size)
    blocks = [(d, start, min(start + block_rows, ds.num_instances))
              for d, ds in enumerate(datasets) for start in range(0, ds.num_instances, block_rows)]
    offsets = np.cumsum([0] + [ds.num_instances for ds in datasets])
    epoch = [0]

    def generate():
        rng = np.random.default_rng([seed, epoch[0]])
        epoch[0] += 1
        pending_x, pending_l = [], []
        for b in rng.permutation(len(blocks)):
            d, start, stop = blocks[b]
            feats = np.asarray(datasets[d].data["features"][start:stop].values, np.float32)
            order = rng.permutation(stop - start)
            pending_x.append(feats[order])
            if lengths is not None:
                pending_l.append(lengths[offsets[d] + start:offsets[d] + stop][order])
            x = np.concatenate(pending_x)
            lens = np.concatenate(pending_l) if lengths is not None else None
            full = x.shape[0] // batch_size * batch_size
            for i in range(0, full, batch_size):
                yield (x[i:i + batch_size],) if lens is None else (x[i:i + batch_size], lens[i:i + batch_size])
            pending_x = [x[full:]]
            pending_l = [lens[full:]] if lens is not None else []
        if pending_x and pending_x[0].shape[0]:
            yield (pending_x[0],) if lengths is None else (pending_x[0], pending_l[0])

    return generate


def _streamed_input(datasets, *, shape, lengths, batch_size: int, seed: int):
    import tensorflow as tf

    for ds in datasets:  # check values once, then read shuffled blocks per epoch
        for rows, block in ds.iter_batches(batch_size=max(batch_size, 256)):
            check_finite(block, dataset=ds, rows=rows)
    generate = _shuffled_blocks(datasets, shape=shape, lengths=lengths, batch_size=batch_size, seed=seed)
    spec = (tf.TensorSpec((None,) + shape, tf.float32),)
    if lengths is not None:
        spec = spec + (tf.TensorSpec((None,), tf.int32),)
    data = tf.data.Dataset.from_generator(generate, output_signature=spec)
    data = data.map(lambda *t: t[0] if len(t) == 1 else _trimmed(*t))
    return data.prefetch(2)
