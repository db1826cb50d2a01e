"""Recurrent sequence-to-sequence autoencoders as serialisable ``keras.Model`` subclasses.

Every autoencoder in :data:`MODEL_KINDS` follows one small protocol, so the training loop
(:mod:`audeep.training`) and feature generation (:mod:`audeep.generate`) work with any of
them:

* ``kind`` (class attribute): the registry key, e.g. ``"t-rae"``;
* ``architecture()``: the constructor arguments (stored in a run's ``config.json``);
* ``call(x, training)``: the reconstruction, same shape as ``x``;
* ``encode(x)``: the representation (the learned features), ``[batch, representation_size]``;
* ``loss_fn(x, reconstruction, lengths=None)``: the scalar training loss;
* ``train_step`` / ``test_step`` for ``keras.Model.fit`` (data ``x`` or ``(x, lengths)``).
"""

from __future__ import annotations

import logging

import keras
import tensorflow as tf

from audeep.errors import ParameterError
from audeep.models.layers import (
    RNNStack,
    drop_time_steps,
    feed_previous_loop,
    parse_cell,
    reverse_time,
    shift_right,
)

__all__ = ["MODEL_KINDS", "AutoencoderBase", "TimeAutoencoder", "rmse", "register_kind", "model_class"]

log = logging.getLogger(__name__)

#: Decoder variants: the paper's (first release) and the later release's standard one.
DECODERS = ("paper", "standard")

#: Registry: kind name -> autoencoder class.
MODEL_KINDS: dict = {}


def register_kind(cls):
    """Class decorator: register an autoencoder class under its ``kind``."""
    MODEL_KINDS[cls.kind] = cls
    return cls


def model_class(kind: str):
    """The autoencoder class registered as ``kind``.

    Raises
    ------
    ParameterError
        For an unknown kind.
    """
    try:
        return MODEL_KINDS[kind]
    except KeyError:
        raise ParameterError(f"unknown autoencoder kind {kind!r}: expected one of {', '.join(sorted(MODEL_KINDS))}")


def rmse(target, reconstruction, lengths=None):
    """Root mean squared error over all elements, padded time steps excluded.

    Parameters
    ----------
    target, reconstruction : tensor [batch, time, features]
        The *time-reversed* input and its reconstruction.
    lengths : tensor [batch] of int, optional
        Valid time steps of each input.  The input's padding (its last
        ``time - length`` steps) sits at the *start* of the reversed target, so steps
        ``s < time - length`` are left out of the mean.

    Returns
    -------
    scalar tensor
    """
    err = tf.square(target - reconstruction)
    if lengths is None:
        return tf.sqrt(tf.reduce_mean(err))
    steps = tf.shape(target)[1]
    valid = tf.range(steps)[None, :] >= (steps - tf.cast(lengths, tf.int32))[:, None]
    weight = tf.cast(valid, err.dtype)[:, :, None] * tf.ones_like(err)
    return tf.sqrt(tf.reduce_sum(err * weight) / tf.maximum(tf.reduce_sum(weight), 1.0))


class AutoencoderBase(keras.Model):
    """Common training protocol of the autoencoders (subclasses implement the model)."""

    kind = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: running mean of the loss over the batches of an epoch
        self.loss_tracker = keras.metrics.Mean(name="loss")

    @property
    def metrics(self):
        return [self.loss_tracker]

    def architecture(self) -> dict:
        """The constructor arguments (JSON-serialisable)."""
        raise NotImplementedError

    def get_config(self):
        config = super().get_config()
        config.update(self.architecture())
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        base = {k: config.pop(k) for k in ("name", "trainable", "dtype") if k in config}
        return cls(**config, **{k: v for k, v in base.items() if k == "name"})

    @staticmethod
    def _unpack(data):
        if isinstance(data, (tuple, list)):
            return data[0], (data[1] if len(data) > 1 else None)
        return data, None

    def train_step(self, data):
        x, lengths = self._unpack(data)
        with tf.GradientTape() as tape:
            recon = self(x, training=True)
            loss = self.loss_fn(x, recon, lengths)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        x, lengths = self._unpack(data)
        self.loss_tracker.update_state(self.loss_fn(x, self(x, training=False), lengths))
        return {"loss": self.loss_tracker.result()}

    def predict_step(self, data):
        x, _ = self._unpack(data)
        return self.encode(x)


@keras.saving.register_keras_serializable(package="audeep")
@register_kind
class TimeAutoencoder(AutoencoderBase):
    """The time-recurrent autoencoder (t-RAE) of auDeep.

    Input ``x`` [batch, time, freq]; target = ``x`` reversed in time; decoder input =
    target shifted one step later.  Encoder: ``num_layers`` stacked cells per direction;
    representation = ``tanh(dense(final states of all encoder layers and directions))`` of
    the decoder's total state size, split into the decoder's initial states.

    ``decoder="paper"`` (default) is the first release's decoder: each direction its own
    stack that receives the decoder input one more step late (or, with probability
    ``feed_previous_prob``, its own previous output), a per-direction ``tanh(W h + b)``
    projection to ``freq``, the backward direction reading the decoder input reversed with
    its outputs kept in processing order; reconstruction = ``tanh(dense(concat))``.
    ``decoder="standard"`` is a teacher-forced (bidirectional) RNN over the decoder input
    whose backward outputs are flipped back; ``feed_previous_prob`` is ignored there.

    Parameters
    ----------
    num_features : int
        Frequency bands (last input dimension).
    num_layers : int, default 1
    num_units : int, default 16
    cell : {"GRU", "LSTM"}, default "GRU" (case-insensitive)
    bidirectional_encoder, bidirectional_decoder : bool, default False
    keep_prob : float, default 0.8
        Dropout keep probability on every RNN layer's input and output.
    encoder_noise : float, default 0.0
        Probability of zeroing a whole encoder input time step (training only).
    feed_previous_prob : float, default 0.0
        Probability of feeding a decoder direction its own previous output (training only;
        > 0 runs the step-by-step decoder).
    decoder : {"paper", "standard"}, default "paper"
    """

    kind = "t-rae"

    def __init__(self, *, num_features: int, num_layers: int = 1, num_units: int = 16, cell: str = "GRU",
                 bidirectional_encoder: bool = False, bidirectional_decoder: bool = False,
                 keep_prob: float = 0.8, encoder_noise: float = 0.0, feed_previous_prob: float = 0.0,
                 decoder: str = "paper", **kwargs):
        super().__init__(**kwargs)
        _check_positive("num_features", num_features)
        _check_positive("num_layers", num_layers)
        _check_positive("num_units", num_units)
        for name, value, low_open in (("keep_prob", keep_prob, True), ("encoder_noise", encoder_noise, False),
                                      ("feed_previous_prob", feed_previous_prob, False)):
            if not (0.0 < value <= 1.0 if low_open else 0.0 <= value <= 1.0):
                raise ParameterError(f"{name} {value!r}: expected a probability in "
                                     f"{'(0, 1]' if low_open else '[0, 1]'}")
        if decoder not in DECODERS:
            raise ParameterError(f"decoder {decoder!r}: expected one of {', '.join(DECODERS)}")
        self.num_features = int(num_features)
        self.num_layers = int(num_layers)
        self.num_units = int(num_units)
        self.cell = parse_cell(cell)
        self.bidirectional_encoder = bool(bidirectional_encoder)
        self.bidirectional_decoder = bool(bidirectional_decoder)
        self.keep_prob = float(keep_prob)
        self.encoder_noise = float(encoder_noise)
        self.feed_previous_prob = float(feed_previous_prob)
        self.decoder_type = decoder
        if decoder == "standard" and self.feed_previous_prob > 0:
            log.warning("feed_previous_prob %.3g is ignored by the standard decoder", self.feed_previous_prob)

        def stacks(prefix, bidirectional):
            return [RNNStack(cell=self.cell, num_units=self.num_units, num_layers=self.num_layers,
                             keep_prob=self.keep_prob, name=f"{prefix}_{d}")
                    for d in (("fw", "bw") if bidirectional else ("fw",))]

        self.encoders = stacks("encoder", self.bidirectional_encoder)
        self.decoders = stacks("decoder", self.bidirectional_decoder)
        self.representation_dense = keras.layers.Dense(self.representation_size, activation="tanh",
                                                       name="representation")
        if decoder == "paper":
            self.projections = [keras.layers.Dense(self.num_features, name=f"projection_{s.name[-2:]}")
                                for s in self.decoders]
        else:
            self.projections = []
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")

    # ---------------------------------------------------------------- protocol
    def architecture(self) -> dict:
        return {
            "num_features": self.num_features,
            "num_layers": self.num_layers,
            "num_units": self.num_units,
            "cell": self.cell,
            "bidirectional_encoder": self.bidirectional_encoder,
            "bidirectional_decoder": self.bidirectional_decoder,
            "keep_prob": self.keep_prob,
            "encoder_noise": self.encoder_noise,
            "feed_previous_prob": self.feed_previous_prob,
            "decoder": self.decoder_type,
        }

    @property
    def representation_size(self) -> int:
        """Size of the representation = total state size of the decoder."""
        return self.decoders[0].state_size * len(self.decoders) if hasattr(self, "decoders") else \
            self.num_units * self.num_layers * (2 if self.cell == "LSTM" else 1) * (
                2 if self.bidirectional_decoder else 1)

    def feature_dims(self) -> tuple:
        """Names of the generated feature dimensions."""
        return ("generated",)

    def check_input_shape(self, shape) -> None:
        """Raise ParameterError unless ``shape`` (one instance) is ``(time, num_features)``."""
        shape = tuple(shape)
        if len(shape) != 2 or shape[1] != self.num_features:
            raise ParameterError(f"features of shape {shape}: this t-rae model expects (time, {self.num_features})")

    def build(self, input_shape):
        freq = input_shape[-1]
        for stack in self.encoders:
            stack.build((None, None, freq))
        enc_size = sum(s.state_size for s in self.encoders)
        self.representation_dense.build((None, enc_size))
        for stack in self.decoders:
            stack.build((None, None, freq))
        for proj in self.projections:
            proj.build((None, self.num_units))
        concat = freq * len(self.decoders) if self.decoder_type == "paper" else self.num_units * len(self.decoders)
        self.output_dense.build((None, None, concat))
        self.built = True

    # ---------------------------------------------------------------- model
    def encode(self, x, training=False):
        """The representation of ``x``.

        Parameters
        ----------
        x : tensor [batch, time, freq]

        Returns
        -------
        tensor [batch, representation_size]
        """
        if training:
            x = drop_time_steps(x, self.encoder_noise)
        per_direction = []
        for d, stack in enumerate(self.encoders):
            _, finals = stack(x if d == 0 else reverse_time(x), training=training)
            per_direction.append(finals)
        # original layout: per layer, per direction, LSTM as [c, h]
        flat = [state for layer in range(self.num_layers) for finals in per_direction for state in finals[layer]]
        return self.representation_dense(tf.concat(flat, axis=-1))

    def _split_states(self, representation):
        """Representation -> per decoder direction, per layer, list of states (original order)."""
        per_layer = self.decoders[0].states_per_layer
        pieces = tf.split(representation, self.num_layers * len(self.decoders) * per_layer, axis=-1)
        out = [[None] * self.num_layers for _ in self.decoders]
        i = 0
        for layer in range(self.num_layers):
            for d in range(len(self.decoders)):
                out[d][layer] = pieces[i:i + per_layer]
                i += per_layer
        return out

    def decode(self, representation, decoder_input, training=False, feed_previous_prob=None):
        """Reconstruction from a representation and the (teacher) decoder input.

        Parameters
        ----------
        representation : tensor [batch, representation_size]
        decoder_input : tensor [batch, time, freq]
            The target shifted one step later.
        feed_previous_prob : float, optional
            Override (e.g. 0 to force the fused path); default the model's, training only.

        Returns
        -------
        tensor [batch, time, freq]
        """
        states = self._split_states(representation)
        outputs = []
        if self.decoder_type == "standard":
            for d, stack in enumerate(self.decoders):
                seq_in = decoder_input if d == 0 else reverse_time(decoder_input)
                seq, _ = stack(seq_in, initial_states=states[d], training=training)
                outputs.append(seq if d == 0 else reverse_time(seq))
            return self.output_dense(tf.concat(outputs, axis=-1))
        p = self.feed_previous_prob if feed_previous_prob is None else feed_previous_prob
        if not training and feed_previous_prob is None:
            p = 0.0
        for d, stack in enumerate(self.decoders):
            direction_input = decoder_input if d == 0 else reverse_time(decoder_input)
            # the cell at step s reads the direction's input at s - 1 (zeros at s = 0)
            teacher = shift_right(direction_input)
            if p > 0:
                out = feed_previous_loop(stack, self.projections[d], teacher, states[d], feed_prob=p,
                                         training=training)
            else:
                seq, _ = stack(teacher, initial_states=states[d], training=training)
                out = tf.tanh(self.projections[d](seq))
            outputs.append(out)  # backward outputs stay in processing order
        return self.output_dense(tf.concat(outputs, axis=-1))

    def call(self, x, training=False):
        """Reconstruction of the time-reversed input, [batch, time, freq]."""
        target = reverse_time(x)
        return self.decode(self.encode(x, training=training), shift_right(target), training=training)

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between the time-reversed input and the reconstruction (padding masked)."""
        return rmse(reverse_time(x), reconstruction, lengths)


def _check_positive(name, value):
    if int(value) != value or value < 1:
        raise ParameterError(f"{name} {value!r}: expected a positive integer")
