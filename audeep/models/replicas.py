"""One training step split across the replicas of a ``tf.distribute`` strategy.

Under ``tf.distribute.MirroredStrategy`` every replica sees a share of the global batch,
and the optimizer sums the replicas' gradients.  Every autoencoder's loss is an RMSE over
the valid elements of its reconstruction, and the mean of the replicas' RMSEs is not the
RMSE of the whole batch; so each replica reports its RMSE ``l_r`` and element count
``n_r``, and the step uses the RMSE of the global batch

    L = sqrt(sum_r n_r l_r^2 / sum_r n_r),

whose gradient is ``sum_r n_r l_r / (L sum_r n_r) * dl_r``: each replica scales its own
gradient by its weight, the replicas' gradients are summed, and the optimizer's
``clipvalue`` is applied to the sum, as on one device.  A replica with no instances (the
last, short batch of an epoch) contributes nothing.  Importing this imports TensorFlow.
"""

from __future__ import annotations

import tensorflow as tf

__all__ = ["build_without_data", "distributed_train_step", "replica_context", "valid_elements"]


def replica_context():
    """The replica context of a step run on several replicas, else None."""
    context = tf.distribute.get_replica_context()
    return context if context is not None and context.num_replicas_in_sync > 1 else None


def build_without_data(model) -> bool:
    """Under a strategy, finish building a built ``model`` for ``fit`` without reading its data.

    Keras' ``fit`` under a strategy builds the model from a first batch of the data, which
    starts one pass over it: a data set reshuffled at every pass would then train its first
    epoch on its second order, unlike one device.  A model built before ``fit`` (as
    :mod:`audeep.training.train` does) needs only its optimizer built.

    Returns
    -------
    bool
        True when done; False without a strategy or for a model not yet built (Keras' own
        build is needed).
    """
    if not tf.distribute.has_strategy() or not model.built:
        return False
    if model.optimizer is not None and not model.optimizer.built:
        with tf.distribute.get_strategy().scope():
            model.optimizer.build(model.trainable_variables)
    return True


def valid_elements(reconstruction, lengths=None):
    """The number of elements an RMSE over ``reconstruction`` averages (float32 scalar).

    Parameters
    ----------
    reconstruction : tensor [batch, time, ...]
    lengths : tensor [batch] of int, optional
        Valid time steps of each instance (the padding after them is left out).
    """
    shape = tf.shape(reconstruction)
    per_step = tf.reduce_prod(shape[2:])
    if lengths is None:
        steps = shape[0] * shape[1]
    else:
        steps = tf.reduce_sum(tf.minimum(tf.cast(lengths, shape.dtype), shape[1]))
    return tf.cast(steps * per_step, tf.float32)


def distributed_train_step(model, context, x, lengths=None, encoder_input=None) -> dict:
    """One step of ``model`` (an :class:`audeep.models.base.AutoencoderBase`) on one replica's share.

    Parameters
    ----------
    model : AutoencoderBase
    context : tf.distribute.ReplicaContext
        From :func:`replica_context`.
    x : tensor [batch, time, freq]
        This replica's instances (``batch`` may be 0).
    lengths : tensor [batch], optional
    encoder_input : tensor [batch, time, freq], optional
        What the encoder reads instead of ``x`` (the corrupted input).

    Returns
    -------
    dict
        ``{"loss": running mean of the global batches' RMSE}``.
    """
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        reconstruction = model(x, training=True, lengths=lengths, encoder_input=encoder_input)
        rmse = model.loss_fn(x, reconstruction, lengths)
    count = valid_elements(reconstruction, lengths)
    present = count > 0
    local = tf.where(present, tf.stop_gradient(rmse), 0.0)  # NaN for an empty share
    squares, total = context.all_reduce(tf.distribute.ReduceOp.SUM, [count * tf.square(local), count])
    loss = tf.sqrt(tf.math.divide_no_nan(squares, total))
    weight = tf.math.divide_no_nan(count * local, loss * total)
    grads = tape.gradient(rmse, variables)
    pairs = [(tf.where(present, tf.convert_to_tensor(g) * weight, 0.0), v) for g, v in zip(grads, variables)
             if g is not None]
    summed = context.all_reduce(tf.distribute.ReduceOp.SUM, [g for g, _ in pairs])
    clip = model.optimizer.clipvalue
    if clip is not None:
        summed = [tf.clip_by_value(g, -clip, clip) for g in summed]
    # the optimizer sums the replicas' gradients again: each hands over its share of the sum
    share = 1.0 / context.num_replicas_in_sync
    model.optimizer.apply_gradients([(g * share, v) for g, (_, v) in zip(summed, pairs)])
    model.loss_tracker.update_state(loss)
    return {"loss": model.loss_tracker.result()}
