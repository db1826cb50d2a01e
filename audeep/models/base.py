"""The autoencoders' common protocol and shared blocks (Keras; importing this imports TensorFlow).

Every autoencoder kind (:mod:`audeep.models.autoencoders`) derives from
:class:`AutoencoderBase` and follows one small protocol, so the training loop
(:mod:`audeep.training.train`) and feature generation (:mod:`audeep.training.features`)
work with any of them:

* ``kind`` and ``config_class`` (class attributes): the registry key, e.g. ``"t-rae"``, and
  the TensorFlow-free dataclass that declares the architecture parameters
  (:mod:`audeep.models.config`);
* ``architecture()``: ``num_features`` and the configuration's values (a run's ``config.json``);
* ``call(x, training, lengths=None)``: the reconstruction, same shape as ``x``;
* ``encode(x, training, lengths=None)``: the representation (the learned features);
* ``loss_fn(x, reconstruction, lengths=None)``: the scalar training loss;
* ``train_step`` / ``test_step`` for ``keras.Model.fit`` (data ``x`` or ``(x, lengths)``).

``lengths`` [batch] holds the valid time steps of variable-length input (padding = the
last ``time - length`` steps): padded steps are then invisible to the encoders, the
decoders, the loss and every read-out; without it nothing is masked.

The constructor takes ``num_features`` (from the data), the configuration's parameters as
keywords (or ``config=``), and Keras' own ``name`` / ``dtype`` / ``trainable``;
``get_config`` returns all of them, so a saved model reloads with every argument.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

import keras
import numpy as np
import tensorflow as tf

from audeep._params import params_of, positive_int
from audeep.errors import ParameterError
from audeep.models.augment import training_pair
from audeep.models.config import ModelConfig
from audeep.models.layers import (
    drop_time_steps,
    encoder_final_states,
    make_stacks,
    paper_decoder,
    reverse_time,
    shift_right,
    split_states,
    take_windows,
    time_mask,
    window_indices,
)
from audeep.models.replicas import build_without_data, distributed_train_step, replica_context

__all__ = ["MODEL_KINDS", "AutoencoderBase", "register_kind", "rmse", "saved_model_loading"]

log = logging.getLogger(__name__)

#: Registry: kind name -> autoencoder class.
MODEL_KINDS: dict = {}


def register_kind(cls):
    """Class decorator: register an autoencoder class under its ``kind``."""
    MODEL_KINDS[cls.kind] = cls
    return cls


def rmse(target, reconstruction, lengths=None):
    """Root mean squared error over all elements, padded time steps excluded.

    Parameters
    ----------
    target, reconstruction : tensor [batch, time, features]
        The model's target (e.g. the input with its valid steps reversed in time) and its
        reconstruction.
    lengths : tensor [batch] of int, optional
        Valid time steps of each target: steps ``s >= length`` (the padding, which stays
        at the end of a target) are left out of the mean.

    Returns
    -------
    scalar tensor
    """
    err = tf.square(target - reconstruction)
    if lengths is None:
        return tf.sqrt(tf.reduce_mean(err))
    weight = tf.cast(time_mask(lengths, tf.shape(target)[1]), err.dtype)[:, :, None] * tf.ones_like(err)
    return tf.sqrt(tf.reduce_sum(err * weight) / tf.maximum(tf.reduce_sum(weight), 1.0))


class AutoencoderBase(keras.Model):
    """Common training protocol of the autoencoders (subclasses implement the model).

    Parameters
    ----------
    num_features : int
        Frequency bins of the input (its last dimension).
    config : ModelConfig, optional
        The architecture: an instance of the kind's :attr:`config_class`; or give its
        parameters as keywords instead (not both).
    **kwargs
        The configuration's parameters, and Keras' ``name``, ``dtype``, ``trainable``.
    """

    kind = None
    #: the :class:`audeep.models.config.ModelConfig` subclass of the kind
    config_class = ModelConfig

    def __init__(self, *, num_features: int, config: ModelConfig | None = None, **kwargs):
        names = {f.name for f in params_of(self.config_class)}
        values = {name: kwargs.pop(name) for name in list(kwargs) if name in names}
        super().__init__(**kwargs)  # name, dtype, trainable
        if config is not None and values:
            raise ParameterError(f"config and {', '.join(values)}: give the architecture either as a config or as "
                                 "parameters", parameter=("config", *values))
        #: the architecture (validated, normalised)
        self.config = config if config is not None else self.config_class(**values)
        if not isinstance(self.config, self.config_class):
            raise ParameterError(f"config {type(self.config).__name__}: a {self.kind} model expects a "
                                 f"{self.config_class.__name__}", parameter="config")
        self.num_features = positive_int("num_features", num_features)
        for name, value in self.config.values().items():
            setattr(self, name, value)
        #: running mean of the loss over the batches of an epoch
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def architecture(self) -> dict:
        """The constructor arguments: ``num_features`` and the configuration's values (JSON-serialisable)."""
        return {"num_features": self.num_features, **self.config.values()}

    def get_config(self):
        """Keras' own arguments (name, dtype, trainable) and :meth:`architecture`."""
        return {**super().get_config(), **self.architecture()}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _representation(self, stacks, x, *, noise: float, training=False, lengths=None, sequences=False):
        """``tanh(dense(final states))`` of encoder ``stacks`` over ``x`` [batch, steps, features].

        In training, whole steps of ``x`` are zeroed with probability ``noise`` first.  The
        final states are in the original's layout: per layer, per direction, LSTM as [c, h];
        with ``lengths`` [batch], the padded steps are masked.  With ``sequences``, also every
        layer's output sequences of the same pass (see :func:`encoder_final_states`).
        """
        if training:
            x = drop_time_steps(x, noise)
        finals = encoder_final_states(stacks, x, training=training, lengths=lengths, sequences=sequences)
        if sequences:
            return self.representation_dense(finals[0]), finals[1]
        return self.representation_dense(finals)

    @staticmethod
    def _unpack(data):
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras' build under a strategy reads a batch of the data (see audeep.models.replicas)
        if not build_without_data(self):
            super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def set_corruption(self, config=None, *, seed: int = 0) -> None:
        """Corrupt or mix the training input (:mod:`audeep.models.corruption`); None turns it off.

        Not part of the architecture: the saved model is the same either way.  ``seed`` keys
        the draws (with the optimizer step).
        """
        self._corruption = (config, int(seed)) if config is not None and config.active else None

    def training_pair(self, x, lengths=None):
        """``(clip, encoder_input)`` of a training batch: the clip to reconstruct and what the encoder reads.

        Both are ``x`` (and ``encoder_input`` None) unless :meth:`set_corruption` was given options.
        """
        corruption = getattr(self, "_corruption", None)
        if corruption is None:
            return x, None
        config, seed = corruption
        key = tf.stack([tf.constant(seed, tf.int64), tf.cast(self.optimizer.iterations, tf.int64)])
        context = tf.distribute.get_replica_context()
        if context is not None and context.num_replicas_in_sync > 1:
            key = tf.random.experimental.stateless_fold_in(key, context.replica_id_in_sync_group)
        clip, source = training_pair(x, lengths, config, key=key)
        return clip, (source if config.masks_input else None)

    def train_step(self, data):
        x, lengths = self._unpack(data)
        x, source = self.training_pair(x, lengths)
        context = replica_context()
        if context is not None:  # several devices: the loss of the global batch
            return distributed_train_step(self, context, x, lengths, encoder_input=source)
        with tf.GradientTape() as tape:
            recon, extra = self.reconstruct(x, training=True, lengths=lengths, encoder_input=source)
            loss = self.loss_fn(x, recon, lengths)
            if extra is not None:  # a second task (audeep.models.prediction)
                loss = loss + self.predict_weight * extra
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def reconstruct(self, x, *, training=False, lengths=None, encoder_input=None):
        """``(reconstruction, None)``: :meth:`call`; a kind with a second training task returns its loss instead
        of None (see :mod:`audeep.models.prediction`)."""
        return self(x, training=training, lengths=lengths, encoder_input=encoder_input), None

    def test_step(self, data):
        x, lengths = self._unpack(data)
        self.loss_tracker.update_state(self.loss_fn(x, self(x, training=False, lengths=lengths), lengths))
        return {"loss": self.loss_tracker.result()}

    def predict_step(self, data):
        x, lengths = self._unpack(data)
        return self.encode(x, lengths=lengths)

    def target(self, x, lengths=None):
        """What the model reconstructs from ``x`` [batch, time, freq]: ``x`` reversed in time.

        With ``lengths`` [batch], only the valid steps are reversed; the padding stays at the end.
        """
        return reverse_time(x, lengths)

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between :meth:`target` and the reconstruction (padded steps left out)."""
        return rmse(self.target(x, lengths), reconstruction, lengths)

    def check_input_shape(self, shape) -> None:
        """Raise ParameterError unless ``shape`` (one instance) is ``(time, num_features)``."""
        shape = tuple(shape)
        if len(shape) != 2 or shape[1] != self.num_features:
            raise ParameterError(f"features of shape {shape}: this {self.kind} model expects "
                                 f"(time, {self.num_features})")

    def feature_dims(self) -> tuple:
        """Names of the generated feature dimensions."""
        return ("generated",)

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        """Shape of the features of one instance whose spectrogram has ``input_shape``."""
        self._check_features(features)
        return (self.representation_size,)

    #: The kinds of features :meth:`features` can give (see :data:`audeep.models.config.FEATURE_CHOICES`).
    feature_choices = ("bottleneck",)

    def _check_features(self, features: str) -> None:
        if features not in self.feature_choices:
            raise ParameterError(f"features {features!r}: a {self.kind} model gives "
                                 f"{' or '.join(self.feature_choices)}")

    def features(self, x, *, features: str = "bottleneck", lengths=None):
        """The features of ``x`` for generation (no dropout, no noise).

        Parameters
        ----------
        x : tensor [batch, time, freq]
        features : str
            One of :attr:`feature_choices`; ``"bottleneck"`` is the representation.
        lengths : tensor [batch] of int, optional
            Valid time steps (variable-length input): padded steps are masked.  Known
            lengths (not symbolic) that all cover the whole time axis mask nothing.

        Returns
        -------
        tensor [batch, *generated_shape]
        """
        self._check_features(features)
        known = None if lengths is None else tf.get_static_value(lengths)
        if known is not None and x.shape[1] is not None and np.all(np.asarray(known) >= x.shape[1]):
            lengths = None
        return self._features(x, features, lengths)

    def _features(self, x, features: str, lengths):
        """:meth:`features` of a checked choice; ``lengths`` None means no padding."""
        return self.encode(x, training=False, lengths=lengths)


class _EncoderDecoder:
    """Options and layers shared by the t-RAE and f-RAE: one encoder and one decoder shape.

    Sets ``encoders`` / ``decoders`` (one :class:`RNNStack` per direction) and
    ``representation_dense`` from the validated options.
    """

    def _init_recurrent(self) -> None:
        def stacks(prefix, bidirectional):
            return make_stacks(prefix, bidirectional=bidirectional, cell=self.cell, num_units=self.num_units,
                               num_layers=self.num_layers, keep_prob=self.keep_prob)

        self.encoders = stacks("encoder", self.bidirectional_encoder)
        self.decoders = stacks("decoder", self.bidirectional_decoder)
        self.representation_dense = keras.layers.Dense(self.representation_size, activation="tanh",
                                                       name="representation")

    @property
    def representation_size(self) -> int:
        """Size of the representation = total state size of the decoder."""
        return self.decoders[0].state_size * len(self.decoders) if hasattr(self, "decoders") else \
            self.num_units * self.num_layers * (2 if self.cell == "LSTM" else 1) * (
                2 if self.bidirectional_decoder else 1)


def _feed_prob(own: float, override, training) -> float:
    """The feed-previous probability in effect: an override, else the model's in training only."""
    if override is not None:
        return float(override)
    return own if training else 0.0




#: Off while a saved model is loaded: its leftover bins were reported when it was trained.
_WARN_LEFTOVER_BINS = contextvars.ContextVar("warn_leftover_bins", default=True)


@contextlib.contextmanager
def saved_model_loading():
    """Context in which rebuilt models skip warnings already given when they were trained."""
    token = _WARN_LEFTOVER_BINS.set(False)
    try:
        yield
    finally:
        _WARN_LEFTOVER_BINS.reset(token)


class _FrequencyWindows:
    """Frequency windows of spectrogram frames (mixin of the f-RAE and ft-RAE).

    The encoder reads the windows of each frame; the decoder is taught the windows of the
    frequency-reversed frame over the *same* bins (each encoder window reversed, in
    reversed order), while the reconstruction covers all bins.
    """

    def _init_windows(self) -> None:
        num_features, width, overlap = self.num_features, self.freq_window_width, self.freq_window_overlap
        self._window_index, self.leftover_bins = window_indices(num_bins=num_features, width=width,
                                                                overlap=overlap)
        if self.leftover_bins and _WARN_LEFTOVER_BINS.get():
            log.warning("frequency windows of %d bins every %d bins: the last %d of %d frequency bins fill no "
                        "window and are dropped from the windows", width, width - overlap, self.leftover_bins,
                        num_features)

    @property
    def num_windows(self) -> int:
        """Windows per frame."""
        return int(self._window_index.shape[0])

    def frame_windows(self, frames):
        """Encoder windows: frames [n, freq] -> [n, num_windows, width]."""
        return take_windows(frames, self._window_index)

    def target_windows(self, reversed_frames):
        """Decoder windows of frequency-reversed frames [n, freq] -> [n, num_windows, width]."""
        return take_windows(reversed_frames, self._window_index + self.leftover_bins)

    def _window_states(self, stacks, frames, *, noise: float, training=False):
        """Final states (original layout) of an encoder over the windows of frames [n, freq]."""
        windows = self.frame_windows(frames)
        if training:
            windows = drop_time_steps(windows, noise)
        return encoder_final_states(stacks, windows, training=training)

    def _decode_windows(self, stacks, projections, states, target_frames, *, feed_prob: float, training=False):
        """Paper decoder over the windows of frequency-reversed frames -> reconstructed frames.

        ``states`` [n, decoder state size] are split into the initial states of ``stacks``;
        the teacher input is the target's windows shifted one window later; the outputs of
        all windows and directions, flattened, pass through ``output_dense`` -> [n, freq].
        """
        initial = split_states(states, num_directions=len(stacks), num_layers=stacks[0].num_layers,
                               states_per_layer=stacks[0].states_per_layer)
        teacher = shift_right(self.target_windows(target_frames))
        out = paper_decoder(stacks, projections, teacher, initial, feed_prob=feed_prob, training=training)
        return self.output_dense(tf.reshape(out, [-1, self.num_windows * out.shape[-1]]))

