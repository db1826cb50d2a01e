"""Future-frame prediction: a second, label-free training task for the t-RAE's encoder (TensorFlow).

The reconstruction loss trains the encoder only through its final states.  With
``predict_ahead=K`` the top layer of every encoder direction also predicts, at every step
it has read, the input frame ``K`` steps further on in its reading order (a linear layer
per direction): autoregressive predictive coding (Chung et al., "An Unsupervised
Autoregressive Model for Speech Representation Learning", Interspeech 2019).  Its outputs
then describe the local course of the sound, which is what the ``pooled`` and ``layers``
read-outs summarise.  The training objective is ``reconstruction RMSE + predict_weight *
prediction RMSE`` (the prediction targets are the clean input, also under corruption).
``predict_ahead=0`` (the default) adds nothing: no weights, the faithful model.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from audeep.errors import ParameterError
from audeep.models.layers import reverse_time, shift_right, time_mask

__all__ = ["FramePrediction", "check_prediction_devices", "prediction_error"]


def prediction_error(predictors, sequences, x, *, ahead: int, lengths=None):
    """RMSE of every direction's prediction of the frame ``ahead`` steps on, over valid pairs of steps.

    Parameters
    ----------
    predictors : list of keras.layers.Dense
        One per direction: top-layer output -> frame.
    sequences : list of tensor [batch, time, units]
        The top layer's outputs per direction, in its reading order (valid steps first).
    x : tensor [batch, time, freq]
        The clean input (the backward direction's targets are its valid steps reversed).
    ahead : int
        Steps ahead (positive).
    lengths : tensor [batch] of int, optional
        Valid steps; a pair counts when both of its steps are valid.

    Returns
    -------
    scalar tensor
        0 when no clip has more than ``ahead`` valid steps.
    """
    steps = tf.shape(x)[1]
    pairs = tf.maximum(steps - ahead, 0)
    if lengths is None:
        weight = tf.ones(tf.stack([tf.shape(x)[0], pairs]), x.dtype)
    else:
        weight = tf.cast(time_mask(tf.cast(lengths, tf.int32) - ahead, pairs), x.dtype)
    total, count = 0.0, 0.0
    for d, (dense, seq) in enumerate(zip(predictors, sequences)):
        target = x if d == 0 else reverse_time(x, lengths)
        error = tf.reduce_mean(tf.square(dense(seq[:, :pairs]) - target[:, ahead:]), axis=-1)
        total += tf.reduce_sum(error * weight)
        count += tf.reduce_sum(weight)
    return tf.sqrt(total / tf.maximum(count, 1.0))


def check_prediction_devices(architecture) -> None:
    """Raise ParameterError for future-frame prediction under a strategy of several devices (one device only)."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if getattr(architecture, "predict_ahead", 0) and replicas > 1:
        raise ParameterError(f"devices {replicas}: future-frame prediction (predict_ahead "
                             f"{architecture.predict_ahead}) trains on one device; expected devices 1",
                             parameter="devices")


class FramePrediction:
    """Mixin of the t-RAE: the predictors and the training forward pass with both losses."""

    def _init_prediction(self) -> None:
        self.predictors = [keras.layers.Dense(self.num_features, name=f"predictor_{s.name[-2:]}")
                           for s in self.encoders] if self.predict_ahead else []

    def _build_prediction(self) -> None:
        for dense in self.predictors:
            dense.build((None, None, self.num_units))

    def reconstruct(self, x, *, training=False, lengths=None, encoder_input=None):
        """``(reconstruction, prediction RMSE or None)`` of one forward pass (see the module)."""
        if not self.predict_ahead:
            return super().reconstruct(x, training=training, lengths=lengths, encoder_input=encoder_input)
        representation, sequences = self._representation(
            self.encoders, x if encoder_input is None else encoder_input, noise=self.encoder_noise,
            training=training, lengths=lengths, sequences=True)
        reconstruction = self.decode(representation, shift_right(self.target(x, lengths)), training=training,
                                     lengths=lengths)
        error = prediction_error(self.predictors, [seq[-1] for seq in sequences], x, ahead=self.predict_ahead,
                                 lengths=lengths)
        return reconstruction, error
