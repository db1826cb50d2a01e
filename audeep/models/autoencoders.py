"""The three recurrent autoencoders of auDeep as serialisable ``keras.Model`` subclasses.

:class:`TimeAutoencoderModel` (t-RAE), :class:`FrequencyAutoencoderModel` (f-RAE) and
:class:`FrequencyTimeAutoencoderModel` (ft-RAE), built from the shared blocks of
:mod:`audeep.models.base` and :mod:`audeep.models.layers`; their parameters are declared
once in :mod:`audeep.models.config`.  They are saved under the names the earlier
releases used (``audeep>TimeAutoencoder`` ...), so older checkpoints load.  Importing this
module imports TensorFlow.
"""

from __future__ import annotations

import logging

import keras
import tensorflow as tf

from audeep.errors import ParameterError
from audeep.models.base import (
    MODEL_KINDS,
    AutoencoderBase,
    _EncoderDecoder,
    _feed_prob,
    _FrequencyWindows,
    register_kind,
    rmse,
)
from audeep.models.config import (
    FEATURE_CHOICES,
    FrequencyAutoencoderConfig,
    FrequencyTimeAutoencoderConfig,
    TimeAutoencoderConfig,
)
from audeep.models.layers import (
    make_stacks,
    paper_decoder,
    reverse_freq,
    reverse_time,
    shift_right,
    split_states,
    time_mask,
)
from audeep.models.pooling import encoder_readouts, pooled_outputs
from audeep.models.prediction import FramePrediction
from audeep.models.readouts import parse_readouts

__all__ = ["FrequencyAutoencoderModel", "FrequencyTimeAutoencoderModel", "TimeAutoencoderModel"]

log = logging.getLogger(__name__)


@keras.saving.register_keras_serializable(package="audeep", name="TimeAutoencoder")  # the earlier releases' name
@register_kind
class TimeAutoencoderModel(FramePrediction, _EncoderDecoder, AutoencoderBase):
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

    Variable-length input (``lengths``): the target is each input's valid steps reversed,
    followed by its padding; the encoder masks the padding (its backward direction starts
    at the last valid step) and in every decoder direction the valid steps come first, so
    a clip's representation, reconstruction and loss do not depend on its padding.

    Constructed as :class:`~audeep.models.base.AutoencoderBase` says, with a
    :class:`~audeep.models.config.TimeAutoencoderConfig` (``feed_previous_prob`` > 0 runs the
    step-by-step decoder).
    """

    kind = "t-rae"
    config_class = TimeAutoencoderConfig

    def __init__(self, *, num_features: int, **kwargs):
        super().__init__(num_features=num_features, **kwargs)
        self._init_recurrent()
        if self.decoder == "standard" and self.feed_previous_prob > 0:
            log.warning("feed_previous_prob %.3g is ignored by the standard decoder", self.feed_previous_prob)
        if self.decoder == "paper":
            self.projections = [keras.layers.Dense(self.num_features, name=f"projection_{s.name[-2:]}")
                                for s in self.decoders]
        else:
            self.projections = []
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")
        self._init_prediction()  # predict_ahead > 0: audeep.models.prediction

    # ---------------------------------------------------------------- protocol
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
        concat = freq * len(self.decoders) if self.decoder == "paper" else self.num_units * len(self.decoders)
        self.output_dense.build((None, None, concat))
        self._build_prediction()
        self.built = True

    # ---------------------------------------------------------------- model
    def encode(self, x, training=False, lengths=None):
        """The representation of ``x``.

        Parameters
        ----------
        x : tensor [batch, time, freq]
        lengths : tensor [batch] of int, optional
            Valid time steps; the padding (the last ``time - length`` steps) is masked.

        Returns
        -------
        tensor [batch, representation_size]
        """
        return self._representation(self.encoders, x, noise=self.encoder_noise, training=training,
                                    lengths=lengths)

    feature_choices = FEATURE_CHOICES

    def pooled_size(self) -> int:
        """Width of the pooled encoder outputs: mean and std of the top layer, per direction."""
        return 2 * self.num_units * len(self.encoders)

    def _check_features(self, features) -> None:
        parse_readouts(features)  # any read-out specification (audeep.models.readouts)

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        """``(width,)`` of the read-outs ``features`` (:mod:`audeep.models.readouts`)."""
        return (parse_readouts(features).width(num_layers=self.num_layers, num_units=self.num_units,
                                               num_directions=len(self.encoders),
                                               representation_size=self.representation_size),)

    def pooled_encoder_outputs(self, x, lengths=None):
        """The ``pooled`` read-out, [batch, pooled_size()] (:func:`audeep.models.pooling.pooled_outputs`)."""
        return pooled_outputs(self.encoders, x, lengths)

    def _features(self, x, features: str, lengths):
        """The read-outs ``features`` in one pass of the encoder (the bottleneck alone: :meth:`encode`)."""
        spec = parse_readouts(features)
        if not spec.reads_sequences:
            return self.encode(x, training=False, lengths=lengths)
        return encoder_readouts(self.encoders, x, spec, represent=self.representation_dense, lengths=lengths)

    def _split_states(self, representation):
        """Representation -> per decoder direction, per layer, list of states (original order)."""
        return split_states(representation, num_directions=len(self.decoders), num_layers=self.num_layers,
                            states_per_layer=self.decoders[0].states_per_layer)

    def decode(self, representation, decoder_input, training=False, feed_previous_prob=None, lengths=None):
        """Reconstruction from a representation and the (teacher) decoder input.

        Parameters
        ----------
        representation : tensor [batch, representation_size]
        decoder_input : tensor [batch, time, freq]
            The target shifted one step later.
        feed_previous_prob : float, optional
            Override (e.g. 0 to force the fused path); default the model's, training only.
        lengths : tensor [batch] of int, optional
            Valid steps of ``decoder_input`` (padding at the end); the reconstruction at
            padded steps is meaningless.

        Returns
        -------
        tensor [batch, time, freq]
        """
        states = self._split_states(representation)
        outputs = []
        if self.decoder == "standard":
            for d, stack in enumerate(self.decoders):
                seq_in = decoder_input if d == 0 else reverse_time(decoder_input, lengths)
                seq, _ = stack(seq_in, initial_states=states[d], training=training)
                outputs.append(seq if d == 0 else reverse_time(seq, lengths))
            return self.output_dense(tf.concat(outputs, axis=-1))
        p = _feed_prob(self.feed_previous_prob, feed_previous_prob, training)
        # backward outputs stay in processing order
        return self.output_dense(paper_decoder(self.decoders, self.projections, decoder_input, states,
                                               feed_prob=p, training=training, lengths=lengths))

    def call(self, x, training=False, lengths=None, encoder_input=None):
        """Reconstruction of the time-reversed input (valid steps only, with ``lengths``), [batch, time, freq];
        ``encoder_input`` (e.g. ``x`` corrupted) replaces ``x`` as what the encoder reads."""
        source = x if encoder_input is None else encoder_input
        return self.decode(self.encode(source, training=training, lengths=lengths),
                           shift_right(self.target(x, lengths)), training=training, lengths=lengths)



@keras.saving.register_keras_serializable(package="audeep", name="FrequencyAutoencoder")  # the earlier releases' name
@register_kind
class FrequencyAutoencoderModel(_FrequencyWindows, _EncoderDecoder, AutoencoderBase):
    """The frequency-recurrent autoencoder (f-RAE) of auDeep.

    Every frame of a spectrogram is one example.  Its frequency axis is cut into windows of
    ``freq_window_width`` bins overlapping by ``freq_window_overlap`` (bins that fill no
    window are dropped, with a warning); the encoder (``num_layers`` stacked cells per
    direction) runs over that sequence of windows; representation =
    ``tanh(dense(final states of all encoder layers and directions))`` of the decoder's
    total state size, one per frame.  The decoder is the first release's (paper) decoder
    of :class:`TimeAutoencoderModel`, run over the windows of the frequency-reversed frame
    (teacher forcing, optionally feeding back its own outputs); reconstruction =
    ``tanh(dense(flattened decoder outputs))`` of all ``num_features`` bins of the
    frequency-reversed frame.  Loss: RMSE.

    Inputs are spectrograms [batch, time, freq], reshaped internally to frames; the
    features keep the time axis: ``encode`` gives [batch, time, representation_size].
    Frames are independent, so padded frames (``lengths``) affect no other frame: they are
    left out of the loss and their features are zeros.

    Constructed as :class:`~audeep.models.base.AutoencoderBase` says, with a
    :class:`~audeep.models.config.FrequencyAutoencoderConfig` (``freq_window_width <= num_features``).
    """

    kind = "f-rae"
    config_class = FrequencyAutoencoderConfig

    def __init__(self, *, num_features: int, **kwargs):
        super().__init__(num_features=num_features, **kwargs)
        self._init_recurrent()
        self._init_windows()
        self.projections = [keras.layers.Dense(self.freq_window_width, name=f"projection_{s.name[-2:]}")
                            for s in self.decoders]
        self.output_dense = keras.layers.Dense(self.num_features, activation="tanh", name="reconstruction")

    # ---------------------------------------------------------------- protocol
    def feature_dims(self) -> tuple:
        return ("time", "generated")

    def generated_shape(self, input_shape, features: str = "bottleneck") -> tuple:
        self._check_features(features)
        return (int(input_shape[0]), self.representation_size)

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

    def encode(self, x, training=False, lengths=None):
        """Per-frame representations of spectrograms.

        Parameters
        ----------
        x : tensor [batch, time, freq]
        lengths : tensor [batch] of int, optional
            Valid time steps: the representations of padded frames are zeros.

        Returns
        -------
        tensor [batch, time, representation_size]
        """
        shape = tf.shape(x)
        rep = self.encode_frames(tf.reshape(x, [-1, self.num_features]), training=training)
        rep = tf.reshape(rep, tf.stack([shape[0], shape[1], self.representation_size]))
        if lengths is None:
            return rep
        return rep * tf.cast(time_mask(lengths, shape[1]), rep.dtype)[:, :, None]

    def call(self, x, training=False, lengths=None, encoder_input=None):
        """Reconstruction of the frequency-reversed input, [batch, time, freq] (frames are independent:
        ``lengths`` changes nothing here, only the loss leaves padded frames out); the encoder reads
        ``encoder_input`` instead of ``x`` if given."""
        frames = tf.reshape(x, [-1, self.num_features])
        source = frames if encoder_input is None else tf.reshape(encoder_input, [-1, self.num_features])
        recon = self.decode_frames(self.encode_frames(source, training=training), reverse_freq(frames),
                                   training=training)
        return tf.reshape(recon, tf.shape(x))

    def target(self, x, lengths=None):
        """The frequency-reversed input (time order kept: padded frames stay at the end)."""
        return reverse_freq(x)

    def loss_fn(self, x, reconstruction, lengths=None):
        """RMSE between the frequency-reversed input and the reconstruction (padded frames left out)."""
        # summed in reversed time order, as the earlier releases did: the same loss to the last bit
        return rmse(reverse_time(self.target(x), lengths), reverse_time(reconstruction, lengths), lengths)


@keras.saving.register_keras_serializable(package="audeep", name="FrequencyTimeAutoencoder")  # earlier releases' name
@register_kind
class FrequencyTimeAutoencoderModel(_FrequencyWindows, AutoencoderBase):
    """The frequency-time-recurrent autoencoder (ft-RAE) of auDeep.

    A frequency encoder runs over the frequency windows of every frame (as in
    :class:`FrequencyAutoencoderModel`); the final states of each frame (all layers and
    directions) form the sequence that a time encoder reads.  Representation (the feature)
    = ``tanh(dense(final states of the time encoder))`` of the time decoder's total state
    size.  The time decoder (paper decoder) is teacher-forced on the time-reversed, shifted
    frequency-encoder states and projects each direction's outputs to their size; at each
    step ``tanh(dense(its outputs))`` becomes the initial states of a frequency decoder
    (paper decoder over the windows of the time- and frequency-reversed frame);
    reconstruction = ``tanh(dense(flattened frequency-decoder outputs))`` per frame.
    One RMSE loss on the time- and frequency-reversed spectrogram.  With ``lengths``, the
    time level is masked as in :class:`TimeAutoencoderModel` (frames are independent at the
    frequency level), so a clip's representation and loss do not depend on its padding.

    Constructed as :class:`~audeep.models.base.AutoencoderBase` says, with a
    :class:`~audeep.models.config.FrequencyTimeAutoencoderConfig` (``freq_window_width <= num_features``).
    """

    kind = "ft-rae"
    config_class = FrequencyTimeAutoencoderConfig

    def __init__(self, *, num_features: int, **kwargs):
        super().__init__(num_features=num_features, **kwargs)
        self._init_windows()

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
    @property
    def representation_size(self) -> int:
        """Size of the representation = total state size of the time decoder."""
        return self.t_decoders[0].state_size * len(self.t_decoders)

    @property
    def frequency_state_size(self) -> int:
        """Size of a frame's frequency-encoder states = the time encoder's input size."""
        return self.f_encoders[0].state_size * len(self.f_encoders)

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

    def _encode_states(self, states, training=False, lengths=None):
        return self._representation(self.t_encoders, states, noise=self.t_encoder_noise, training=training,
                                    lengths=lengths)

    def encode(self, x, training=False, lengths=None):
        """The representation of ``x``.

        Parameters
        ----------
        x : tensor [batch, time, freq]
        lengths : tensor [batch] of int, optional
            Valid time steps; the time encoder masks the padding.

        Returns
        -------
        tensor [batch, representation_size]
        """
        return self._encode_states(self.frequency_states(x, training=training), training=training, lengths=lengths)

    def decode(self, representation, frequency_states, target, training=False, t_feed_previous_prob=None,
               f_feed_previous_prob=None, lengths=None):
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
        lengths : tensor [batch] of int, optional
            Valid time steps (``target`` as from :meth:`target` with these lengths).

        Returns
        -------
        tensor [batch, time, freq]
        """
        t_states = split_states(representation, num_directions=len(self.t_decoders),
                                num_layers=self.num_t_layers, states_per_layer=self.t_decoders[0].states_per_layer)
        t_teacher = shift_right(reverse_time(frequency_states, lengths))
        t_out = paper_decoder(self.t_decoders, self.t_projections, t_teacher, t_states,
                              feed_prob=_feed_prob(self.t_feed_previous_prob, t_feed_previous_prob, training),
                              training=training, lengths=lengths)
        f_init = tf.reshape(self.f_state_dense(t_out), [-1, self.f_decoders[0].state_size * len(self.f_decoders)])
        frames = self._decode_windows(
            self.f_decoders, self.f_projections, f_init, tf.reshape(target, [-1, self.num_features]),
            feed_prob=_feed_prob(self.f_feed_previous_prob, f_feed_previous_prob, training), training=training)
        return tf.reshape(frames, tf.shape(target))

    def call(self, x, training=False, lengths=None, encoder_input=None):
        """Reconstruction of the time- and frequency-reversed input, [batch, time, freq]; the encoders read
        ``encoder_input`` instead of ``x`` if given (its frequency states are the time decoder's teacher input)."""
        states = self.frequency_states(x if encoder_input is None else encoder_input, training=training)
        return self.decode(self._encode_states(states, training=training, lengths=lengths), states,
                           self.target(x, lengths), training=training, lengths=lengths)

    def target(self, x, lengths=None):
        """The input reversed in frequency and in time (only its valid steps, with ``lengths``)."""
        return reverse_freq(reverse_time(x, lengths))


def model_class(kind: str):
    """The autoencoder class registered as ``kind``; ParameterError for an unknown kind."""
    try:
        return MODEL_KINDS[kind]
    except KeyError:
        raise ParameterError(f"kind {kind!r}: expected one of {', '.join(sorted(MODEL_KINDS))}",
                             parameter="kind") from None
