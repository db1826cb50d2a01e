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

import contextlib
import contextvars
import logging

import keras
import tensorflow as tf

from audeep.errors import ParameterError
from audeep.models.layers import (
    drop_time_steps,
    encoder_final_states,
    make_stacks,
    paper_decoder,
    parse_cell,
    reverse_freq,
    reverse_time,
    shift_right,
    split_states,
    take_windows,
    window_indices,
)

__all__ = ["FEATURES", "MODEL_KINDS", "AutoencoderBase", "TimeAutoencoder", "FrequencyAutoencoder", "FrequencyTimeAutoencoder",
           "rmse", "register_kind", "model_class"]

log = logging.getLogger(__name__)

#: Decoder variants: the paper's (first release) and the later release's standard one.
DECODERS = ("paper", "standard")

#: What ``generate`` can write: the paper's representation (the bottleneck), the mean and
#: standard deviation over time of the encoder's top-layer outputs ("pooled"), or both.
FEATURES = ("bottleneck", "pooled", "both")

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

    def target(self, x):
        """What the model reconstructs from ``x`` [batch, time, freq]: ``x`` reversed in time."""
        return reverse_time(x)

    def feature_dims(self) -> tuple:
        """Names of the generated feature dimensions."""
        return ("generated",)

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        """Shape of the features of one instance whose spectrogram has ``input_shape``."""
        self._check_features(features)
        return (self.representation_size,)

    #: The kinds of features :meth:`features` can give (see :data:`FEATURES`).
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
            Valid time steps (variable-length input); used by the pooled features.

        Returns
        -------
        tensor [batch, *generated_shape]
        """
        self._check_features(features)
        return self.encode(x, training=False)


class _EncoderDecoder:
    """Options and layers shared by the t-RAE and f-RAE: one encoder and one decoder shape.

    Sets the validated options, ``encoders`` / ``decoders`` (one :class:`RNNStack` per
    direction) and ``representation_dense``.
    """

    _RECURRENT = ("num_layers", "num_units", "cell", "bidirectional_encoder", "bidirectional_decoder", "keep_prob",
                  "encoder_noise", "feed_previous_prob")

    def _init_recurrent(self, *, num_features, num_layers, num_units, cell, bidirectional_encoder,
                        bidirectional_decoder, keep_prob, encoder_noise, feed_previous_prob) -> None:
        _check_positive("num_features", num_features)
        _check_positive("num_layers", num_layers)
        _check_positive("num_units", num_units)
        _check_probabilities(keep_prob=keep_prob, encoder_noise=encoder_noise,
                             feed_previous_prob=feed_previous_prob)
        self.num_features = int(num_features)
        self.num_layers = int(num_layers)
        self.num_units = int(num_units)
        self.cell = parse_cell(cell)
        self.bidirectional_encoder = bool(bidirectional_encoder)
        self.bidirectional_decoder = bool(bidirectional_decoder)
        self.keep_prob = float(keep_prob)
        self.encoder_noise = float(encoder_noise)
        self.feed_previous_prob = float(feed_previous_prob)

        def stacks(prefix, bidirectional):
            return make_stacks(prefix, bidirectional=bidirectional, cell=self.cell, num_units=self.num_units,
                               num_layers=self.num_layers, keep_prob=self.keep_prob)

        self.encoders = stacks("encoder", self.bidirectional_encoder)
        self.decoders = stacks("decoder", self.bidirectional_decoder)
        self.representation_dense = keras.layers.Dense(self.representation_size, activation="tanh",
                                                       name="representation")

    def _recurrent_architecture(self) -> dict:
        return dict({"num_features": self.num_features}, **{name: getattr(self, name) for name in self._RECURRENT})

    @property
    def representation_size(self) -> int:
        """Size of the representation = total state size of the decoder."""
        return self.decoders[0].state_size * len(self.decoders) if hasattr(self, "decoders") else \
            self.num_units * self.num_layers * (2 if self.cell == "LSTM" else 1) * (
                2 if self.bidirectional_decoder else 1)


@keras.saving.register_keras_serializable(package="audeep")
@register_kind
class TimeAutoencoder(_EncoderDecoder, AutoencoderBase):
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
        if decoder not in DECODERS:
            raise ParameterError(f"decoder {decoder!r}: expected one of {', '.join(DECODERS)}")
        self._init_recurrent(num_features=num_features, num_layers=num_layers, num_units=num_units, cell=cell,
                             bidirectional_encoder=bidirectional_encoder, bidirectional_decoder=bidirectional_decoder,
                             keep_prob=keep_prob, encoder_noise=encoder_noise, feed_previous_prob=feed_previous_prob)
        self.decoder_type = decoder
        if decoder == "standard" and self.feed_previous_prob > 0:
            log.warning("feed_previous_prob %.3g is ignored by the standard decoder", self.feed_previous_prob)
        if decoder == "paper":
            self.projections = [keras.layers.Dense(self.num_features, name=f"projection_{s.name[-2:]}")
                                for s in self.decoders]
        else:
            self.projections = []
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")

    # ---------------------------------------------------------------- protocol
    def architecture(self) -> dict:
        return dict(self._recurrent_architecture(), decoder=self.decoder_type)

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
        # original layout: per layer, per direction, LSTM as [c, h]
        return self.representation_dense(encoder_final_states(self.encoders, x, training=training))

    feature_choices = FEATURES

    def pooled_size(self) -> int:
        """Width of the pooled encoder outputs: mean and std of the top layer, per direction."""
        return 2 * self.num_units * len(self.encoders)

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        self._check_features(features)
        return ({"bottleneck": self.representation_size, "pooled": self.pooled_size(),
                 "both": self.representation_size + self.pooled_size()}[features],)

    def pooled_encoder_outputs(self, x, lengths=None):
        """Mean and standard deviation over time of the top encoder layer's outputs.

        Parameters
        ----------
        x : tensor [batch, time, freq]
        lengths : tensor [batch] of int, optional
            Valid time steps; padded steps (the last ``time - length``) are left out.

        Returns
        -------
        tensor [batch, pooled_size()]
            ``[mean_fw, std_fw(, mean_bw, std_bw)]``, each of ``num_units``.
        """
        steps = tf.shape(x)[1]
        if lengths is None:
            valid = tf.ones(tf.stack([tf.shape(x)[0], steps]), x.dtype)
        else:
            valid = tf.cast(tf.range(steps)[None, :] < tf.cast(lengths, tf.int32)[:, None], x.dtype)
        pooled = []
        for d, stack in enumerate(self.encoders):
            seq, _ = stack(x if d == 0 else reverse_time(x), training=False)
            weight = (valid if d == 0 else reverse_time(valid))[:, :, None]
            count = tf.maximum(tf.reduce_sum(weight, axis=1), 1.0)
            mean = tf.reduce_sum(seq * weight, axis=1) / count
            var = tf.reduce_sum(tf.square(seq - mean[:, None, :]) * weight, axis=1) / count
            pooled += [mean, tf.sqrt(var)]
        return tf.concat(pooled, axis=-1)

    def features(self, x, *, features: str = "bottleneck", lengths=None):
        self._check_features(features)
        if features == "bottleneck":
            return self.encode(x, training=False)
        pooled = self.pooled_encoder_outputs(x, lengths)
        return pooled if features == "pooled" else tf.concat([self.encode(x, training=False), pooled], axis=-1)

    def _split_states(self, representation):
        """Representation -> per decoder direction, per layer, list of states (original order)."""
        return split_states(representation, num_directions=len(self.decoders), num_layers=self.num_layers,
                            states_per_layer=self.decoders[0].states_per_layer)

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
        p = _feed_prob(self.feed_previous_prob, feed_previous_prob, training)
        # backward outputs stay in processing order
        return self.output_dense(paper_decoder(self.decoders, self.projections, decoder_input, states,
                                               feed_prob=p, training=training))

    def call(self, x, training=False):
        """Reconstruction of the time-reversed input, [batch, time, freq]."""
        target = self.target(x)
        return self.decode(self.encode(x, training=training), shift_right(target), training=training)

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between the time-reversed input and the reconstruction (padding masked)."""
        return rmse(self.target(x), reconstruction, lengths)


def _feed_prob(own: float, override, training) -> float:
    """The feed-previous probability in effect: an override, else the model's in training only."""
    if override is not None:
        return float(override)
    return own if training else 0.0


def _check_probabilities(**values) -> None:
    """keep_prob-like names must lie in (0, 1], all others in [0, 1]."""
    for name, value in values.items():
        low_open = name.startswith("keep")
        if not (0.0 < value <= 1.0 if low_open else 0.0 <= value <= 1.0):
            raise ParameterError(f"{name} {value!r}: expected a probability in {'(0, 1]' if low_open else '[0, 1]'}")


def _check_positive(name, value):
    if int(value) != value or value < 1:
        raise ParameterError(f"{name} {value!r}: expected a positive integer")


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

    def _init_windows(self, num_features: int, width: int, overlap: int) -> None:
        self._window_index, self.leftover_bins = window_indices(num_bins=num_features, width=width,
                                                                overlap=overlap)
        self.freq_window_width = int(width)
        self.freq_window_overlap = int(overlap)
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

    def _check_frames(self, shape) -> None:
        shape = tuple(shape)
        if len(shape) != 2 or shape[1] != self.num_features:
            raise ParameterError(f"features of shape {shape}: this {self.kind} model expects "
                                 f"(time, {self.num_features})")

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


@keras.saving.register_keras_serializable(package="audeep")
@register_kind
class FrequencyAutoencoder(_FrequencyWindows, _EncoderDecoder, AutoencoderBase):
    """The frequency-recurrent autoencoder (f-RAE) of auDeep.

    Every frame of a spectrogram is one example.  Its frequency axis is cut into windows of
    ``freq_window_width`` bins overlapping by ``freq_window_overlap`` (bins that fill no
    window are dropped, with a warning); the encoder (``num_layers`` stacked cells per
    direction) runs over that sequence of windows; representation =
    ``tanh(dense(final states of all encoder layers and directions))`` of the decoder's
    total state size, one per frame.  The decoder is the first release's (paper) decoder
    of :class:`TimeAutoencoder`, run over the windows of the frequency-reversed frame
    (teacher forcing, optionally feeding back its own outputs); reconstruction =
    ``tanh(dense(flattened decoder outputs))`` of all ``num_features`` bins of the
    frequency-reversed frame.  Loss: RMSE.

    Inputs are spectrograms [batch, time, freq], reshaped internally to frames; the
    features keep the time axis: ``encode`` gives [batch, time, representation_size].

    Parameters
    ----------
    num_features : int
        Frequency bins of a frame.
    num_layers : int, default 1
    num_units : int, default 16
    cell : {"GRU", "LSTM"}, default "GRU" (case-insensitive)
    bidirectional_encoder, bidirectional_decoder : bool, default False
        Any combination.
    keep_prob : float, default 0.8
        Dropout keep probability on every RNN layer's input and output.
    encoder_noise : float, default 0.0
        Probability of zeroing a whole encoder input window (training only).
    feed_previous_prob : float, default 0.0
        Probability of feeding a decoder direction its own previous output (training only).
    freq_window_width : int, default 32
    freq_window_overlap : int, default 24
        ``0 <= overlap < width <= num_features``.
    """

    kind = "f-rae"

    def __init__(self, *, num_features: int, num_layers: int = 1, num_units: int = 16, cell: str = "GRU",
                 bidirectional_encoder: bool = False, bidirectional_decoder: bool = False,
                 keep_prob: float = 0.8, encoder_noise: float = 0.0, feed_previous_prob: float = 0.0,
                 freq_window_width: int = 32, freq_window_overlap: int = 24, **kwargs):
        super().__init__(**kwargs)
        self._init_recurrent(num_features=num_features, num_layers=num_layers, num_units=num_units, cell=cell,
                             bidirectional_encoder=bidirectional_encoder, bidirectional_decoder=bidirectional_decoder,
                             keep_prob=keep_prob, encoder_noise=encoder_noise, feed_previous_prob=feed_previous_prob)
        self._init_windows(self.num_features, freq_window_width, freq_window_overlap)
        self.projections = [keras.layers.Dense(self.freq_window_width, name=f"projection_{s.name[-2:]}")
                            for s in self.decoders]
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")

    # ---------------------------------------------------------------- protocol
    def architecture(self) -> dict:
        return dict(self._recurrent_architecture(), freq_window_width=self.freq_window_width,
                    freq_window_overlap=self.freq_window_overlap)

    def feature_dims(self) -> tuple:
        return ("time", "generated")

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        self._check_features(features)
        return (int(input_shape[0]), self.representation_size)

    def check_input_shape(self, shape) -> None:
        """Raise ParameterError unless ``shape`` (one instance) is ``(time, num_features)``."""
        self._check_frames(shape)

    def build(self, input_shape):
        width = self.freq_window_width
        for stack in self.encoders:
            stack.build((None, None, width))
        self.representation_dense.build((None, sum(s.state_size for s in self.encoders)))
        for stack in self.decoders:
            stack.build((None, None, width))
        for proj in self.projections:
            proj.build((None, self.num_units))
        self.output_dense.build((None, self.num_windows * width * len(self.decoders)))
        self.built = True

    # ---------------------------------------------------------------- model
    def encode_frames(self, frames, training=False):
        """Representations of frames.

        Parameters
        ----------
        frames : tensor [n, freq]

        Returns
        -------
        tensor [n, representation_size]
        """
        return self.representation_dense(self._window_states(self.encoders, frames, noise=self.encoder_noise,
                                                             training=training))

    def decode_frames(self, representation, target_frames, training=False, feed_previous_prob=None):
        """Reconstruction of frequency-reversed frames.

        Parameters
        ----------
        representation : tensor [n, representation_size]
        target_frames : tensor [n, freq]
            The frequency-reversed frames; their windows, shifted one window later, are the
            teacher input.
        feed_previous_prob : float, optional
            Override; default the model's, training only.

        Returns
        -------
        tensor [n, freq]
        """
        return self._decode_windows(self.decoders, self.projections, representation, target_frames,
                                    feed_prob=_feed_prob(self.feed_previous_prob, feed_previous_prob, training),
                                    training=training)

    def encode(self, x, training=False):
        """Per-frame representations of spectrograms.

        Parameters
        ----------
        x : tensor [batch, time, freq]

        Returns
        -------
        tensor [batch, time, representation_size]
        """
        shape = tf.shape(x)
        rep = self.encode_frames(tf.reshape(x, [-1, self.num_features]), training=training)
        return tf.reshape(rep, tf.stack([shape[0], shape[1], self.representation_size]))

    def call(self, x, training=False):
        """Reconstruction of the frequency-reversed input, [batch, time, freq]."""
        frames = tf.reshape(x, [-1, self.num_features])
        recon = self.decode_frames(self.encode_frames(frames, training=training), reverse_freq(frames),
                                   training=training)
        return tf.reshape(recon, tf.shape(x))

    def target(self, x):
        """The frequency-reversed input."""
        return reverse_freq(x)

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between the frequency-reversed input and the reconstruction (padded frames masked)."""
        # rmse() masks the head of a time-reversed sequence; the f-RAE keeps the time order
        return rmse(reverse_time(self.target(x)), reverse_time(reconstruction), lengths)


@keras.saving.register_keras_serializable(package="audeep")
@register_kind
class FrequencyTimeAutoencoder(_FrequencyWindows, AutoencoderBase):
    """The frequency-time-recurrent autoencoder (ft-RAE) of auDeep.

    A frequency encoder runs over the frequency windows of every frame (as in
    :class:`FrequencyAutoencoder`); the final states of each frame (all layers and
    directions) form the sequence that a time encoder reads.  Representation (the feature)
    = ``tanh(dense(final states of the time encoder))`` of the time decoder's total state
    size.  The time decoder (paper decoder) is teacher-forced on the time-reversed, shifted
    frequency-encoder states and projects each direction's outputs to their size; at each
    step ``tanh(dense(its outputs))`` becomes the initial states of a frequency decoder
    (paper decoder over the windows of the time- and frequency-reversed frame);
    reconstruction = ``tanh(dense(flattened frequency-decoder outputs))`` per frame.
    One RMSE loss on the time- and frequency-reversed spectrogram.

    Parameters
    ----------
    num_features : int
        Frequency bins of a frame.
    num_f_layers : int, default 1
    num_f_units : int, default 64
        Frequency encoder / decoder stacks.
    num_t_layers : int, default 2
    num_t_units : int, default 128
        Time encoder / decoder stacks.
    cell : {"GRU", "LSTM"}, default "GRU" (case-insensitive)
    bidirectional_f_encoder, bidirectional_f_decoder, bidirectional_t_encoder, bidirectional_t_decoder : bool
        Default False; any combination.
    keep_prob : float, default 0.8
        Dropout keep probability on every RNN layer's input and output.
    f_encoder_noise : float, default 0.0
        Probability of zeroing a whole frequency window of the input (training only).
    t_encoder_noise : float, default 0.0
        Probability of zeroing a whole time step of the time encoder's input (training only).
    f_feed_previous_prob, t_feed_previous_prob : float, default 0.0
        Feed-previous probability of the frequency / time decoder (training only).
    freq_window_width : int, default 32
    freq_window_overlap : int, default 24
    """

    kind = "ft-rae"

    def __init__(self, *, num_features: int, num_f_layers: int = 1, num_f_units: int = 64, num_t_layers: int = 2,
                 num_t_units: int = 128, cell: str = "GRU", bidirectional_f_encoder: bool = False,
                 bidirectional_f_decoder: bool = False, bidirectional_t_encoder: bool = False,
                 bidirectional_t_decoder: bool = False, keep_prob: float = 0.8, f_encoder_noise: float = 0.0,
                 t_encoder_noise: float = 0.0, f_feed_previous_prob: float = 0.0, t_feed_previous_prob: float = 0.0,
                 freq_window_width: int = 32, freq_window_overlap: int = 24, **kwargs):
        super().__init__(**kwargs)
        for name, value in (("num_features", num_features), ("num_f_layers", num_f_layers),
                            ("num_f_units", num_f_units), ("num_t_layers", num_t_layers),
                            ("num_t_units", num_t_units)):
            _check_positive(name, value)
        _check_probabilities(keep_prob=keep_prob, f_encoder_noise=f_encoder_noise, t_encoder_noise=t_encoder_noise,
                             f_feed_previous_prob=f_feed_previous_prob, t_feed_previous_prob=t_feed_previous_prob)
        self.num_features = int(num_features)
        self.num_f_layers = int(num_f_layers)
        self.num_f_units = int(num_f_units)
        self.num_t_layers = int(num_t_layers)
        self.num_t_units = int(num_t_units)
        self.cell = parse_cell(cell)
        self.bidirectional_f_encoder = bool(bidirectional_f_encoder)
        self.bidirectional_f_decoder = bool(bidirectional_f_decoder)
        self.bidirectional_t_encoder = bool(bidirectional_t_encoder)
        self.bidirectional_t_decoder = bool(bidirectional_t_decoder)
        self.keep_prob = float(keep_prob)
        self.f_encoder_noise = float(f_encoder_noise)
        self.t_encoder_noise = float(t_encoder_noise)
        self.f_feed_previous_prob = float(f_feed_previous_prob)
        self.t_feed_previous_prob = float(t_feed_previous_prob)
        self._init_windows(self.num_features, freq_window_width, freq_window_overlap)

        def stacks(prefix, bidirectional, units, layers):
            return make_stacks(prefix, bidirectional=bidirectional, cell=self.cell, num_units=units,
                               num_layers=layers, keep_prob=self.keep_prob)

        self.f_encoders = stacks("f_encoder", self.bidirectional_f_encoder, self.num_f_units, self.num_f_layers)
        self.t_encoders = stacks("t_encoder", self.bidirectional_t_encoder, self.num_t_units, self.num_t_layers)
        self.t_decoders = stacks("t_decoder", self.bidirectional_t_decoder, self.num_t_units, self.num_t_layers)
        self.f_decoders = stacks("f_decoder", self.bidirectional_f_decoder, self.num_f_units, self.num_f_layers)
        self.representation_dense = keras.layers.Dense(self.representation_size, activation="tanh",
                                                       name="representation")
        self.t_projections = [keras.layers.Dense(self.frequency_state_size, name=f"t_projection_{s.name[-2:]}")
                              for s in self.t_decoders]
        self.f_state_dense = keras.layers.Dense(self.f_decoders[0].state_size * len(self.f_decoders),
                                                activation="tanh", name="f_decoder_states")
        self.f_projections = [keras.layers.Dense(self.freq_window_width, name=f"f_projection_{s.name[-2:]}")
                              for s in self.f_decoders]
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")

    # ---------------------------------------------------------------- protocol
    def architecture(self) -> dict:
        return {
            "num_features": self.num_features,
            "num_f_layers": self.num_f_layers,
            "num_f_units": self.num_f_units,
            "num_t_layers": self.num_t_layers,
            "num_t_units": self.num_t_units,
            "cell": self.cell,
            "bidirectional_f_encoder": self.bidirectional_f_encoder,
            "bidirectional_f_decoder": self.bidirectional_f_decoder,
            "bidirectional_t_encoder": self.bidirectional_t_encoder,
            "bidirectional_t_decoder": self.bidirectional_t_decoder,
            "keep_prob": self.keep_prob,
            "f_encoder_noise": self.f_encoder_noise,
            "t_encoder_noise": self.t_encoder_noise,
            "f_feed_previous_prob": self.f_feed_previous_prob,
            "t_feed_previous_prob": self.t_feed_previous_prob,
            "freq_window_width": self.freq_window_width,
            "freq_window_overlap": self.freq_window_overlap,
        }

    @property
    def representation_size(self) -> int:
        """Size of the representation = total state size of the time decoder."""
        return self.t_decoders[0].state_size * len(self.t_decoders)

    @property
    def frequency_state_size(self) -> int:
        """Size of a frame's frequency-encoder states = the time encoder's input size."""
        return self.f_encoders[0].state_size * len(self.f_encoders)

    def check_input_shape(self, shape) -> None:
        """Raise ParameterError unless ``shape`` (one instance) is ``(time, num_features)``."""
        self._check_frames(shape)

    def build(self, input_shape):
        width, f_size = self.freq_window_width, self.frequency_state_size
        for stack in self.f_encoders + self.f_decoders:
            stack.build((None, None, width))
        for stack in self.t_encoders + self.t_decoders:
            stack.build((None, None, f_size))
        self.representation_dense.build((None, sum(s.state_size for s in self.t_encoders)))
        for proj in self.t_projections:
            proj.build((None, self.num_t_units))
        self.f_state_dense.build((None, None, f_size * len(self.t_decoders)))
        for proj in self.f_projections:
            proj.build((None, self.num_f_units))
        self.output_dense.build((None, self.num_windows * width * len(self.f_decoders)))
        self.built = True

    # ---------------------------------------------------------------- model
    def frequency_states(self, x, training=False):
        """Final frequency-encoder states of every frame.

        Parameters
        ----------
        x : tensor [batch, time, freq]

        Returns
        -------
        tensor [batch, time, frequency_state_size]
        """
        shape = tf.shape(x)
        states = self._window_states(self.f_encoders, tf.reshape(x, [-1, self.num_features]),
                                     noise=self.f_encoder_noise, training=training)
        return tf.reshape(states, tf.stack([shape[0], shape[1], self.frequency_state_size]))

    def _encode_states(self, states, training=False):
        if training:
            states = drop_time_steps(states, self.t_encoder_noise)
        return self.representation_dense(encoder_final_states(self.t_encoders, states, training=training))

    def encode(self, x, training=False):
        """The representation of ``x``.

        Parameters
        ----------
        x : tensor [batch, time, freq]

        Returns
        -------
        tensor [batch, representation_size]
        """
        return self._encode_states(self.frequency_states(x, training=training), training=training)

    def decode(self, representation, frequency_states, target, training=False, t_feed_previous_prob=None,
               f_feed_previous_prob=None):
        """Reconstruction from a representation and the teacher inputs.

        Parameters
        ----------
        representation : tensor [batch, representation_size]
        frequency_states : tensor [batch, time, frequency_state_size]
            The frequency-encoder states of the input (reversed in time and shifted, they
            are the time decoder's teacher input).
        target : tensor [batch, time, freq]
            The time- and frequency-reversed input (its windows, shifted, are the frequency
            decoder's teacher input).
        t_feed_previous_prob, f_feed_previous_prob : float, optional
            Overrides; default the model's, training only.

        Returns
        -------
        tensor [batch, time, freq]
        """
        t_states = split_states(representation, num_directions=len(self.t_decoders),
                                num_layers=self.num_t_layers, states_per_layer=self.t_decoders[0].states_per_layer)
        t_teacher = shift_right(reverse_time(frequency_states))
        t_out = paper_decoder(self.t_decoders, self.t_projections, t_teacher, t_states,
                              feed_prob=_feed_prob(self.t_feed_previous_prob, t_feed_previous_prob, training),
                              training=training)
        f_init = tf.reshape(self.f_state_dense(t_out), [-1, self.f_decoders[0].state_size * len(self.f_decoders)])
        frames = self._decode_windows(
            self.f_decoders, self.f_projections, f_init, tf.reshape(target, [-1, self.num_features]),
            feed_prob=_feed_prob(self.f_feed_previous_prob, f_feed_previous_prob, training), training=training)
        return tf.reshape(frames, tf.shape(target))

    def call(self, x, training=False):
        """Reconstruction of the time- and frequency-reversed input, [batch, time, freq]."""
        states = self.frequency_states(x, training=training)
        return self.decode(self._encode_states(states, training=training), states, self.target(x),
                           training=training)

    def target(self, x):
        """The input reversed in time and frequency."""
        return reverse_freq(reverse_time(x))

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between the time- and frequency-reversed input and the reconstruction (padding masked)."""
        return rmse(self.target(x), reconstruction, lengths)
