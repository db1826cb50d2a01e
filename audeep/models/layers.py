"""Recurrent building blocks shared by the autoencoders.

* :class:`RNNStack` -- one direction of a stack of fused Keras GRU/LSTM layers (cuDNN
  eligible settings), with dropout on every layer's input and output sequence (a fresh
  mask per element and step, like TF1's ``DropoutWrapper``).
* :func:`feed_previous_loop` -- the step-by-step decoder that may feed a direction's own
  previous (projected) output back instead of the teacher input; it runs the *same* cells
  as the fused stack, so both paths share weights.
* :func:`drop_time_steps` -- encoder noise: zero whole time steps.
* :func:`make_stacks`, :func:`encoder_final_states`, :func:`split_states`,
  :func:`paper_decoder` -- the encoder / decoder mechanics every autoencoder shares
  (one :class:`RNNStack` per direction, the original's flat state layout, the first
  release's decoder).
* :func:`window_indices`, :func:`take_windows`, :func:`reverse_freq` -- frequency windows
  of spectrogram frames for the f-RAE and ft-RAE.
* state helpers: the flat state layout of the original (per layer, per direction, LSTM
  as ``[c, h]``) and the conversion to/from Keras' ``[h, c]`` order.

All sequences are batch-major: ``[batch, time, features]``.  TensorFlow backend.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from audeep.errors import ParameterError
from audeep.models.config import CELL_CHECK

__all__ = [
    "RNNStack",
    "drop_time_steps",
    "encoder_final_states",
    "feed_previous_loop",
    "make_stacks",
    "paper_decoder",
    "parse_cell",
    "reverse_freq",
    "reverse_time",
    "shift_right",
    "split_states",
    "take_windows",
    "time_mask",
    "window_indices",
]


def parse_cell(cell: str) -> str:
    """Normalise a cell name (case-insensitive) to ``"GRU"`` or ``"LSTM"``.

    Raises
    ------
    ParameterError
        If ``cell`` names no supported cell.
    """
    return CELL_CHECK("cell", cell)


def reverse_time(x, lengths=None):
    """Reverse a ``[batch, time, ...]`` tensor along time.

    With ``lengths`` [batch] (valid steps; padding = the last ``time - length`` steps), only
    each sequence's valid steps are reversed and its padding stays at the end.
    """
    if lengths is None:
        return tf.reverse(x, axis=[1])
    return tf.reverse_sequence(x, tf.cast(lengths, tf.int32), seq_axis=1, batch_axis=0)


def time_mask(lengths, steps):
    """``None`` for ``lengths`` None, else bool [batch, steps]: True at the valid steps ``s < length``."""
    return None if lengths is None else tf.sequence_mask(tf.cast(lengths, tf.int32), steps)


def reverse_freq(x):
    """Reverse a ``[..., freq]`` tensor along its last axis."""
    return tf.reverse(x, axis=[-1])


def shift_right(x):
    """Shift ``[batch, time, features]`` one step later along time; zeros at t = 0."""
    return tf.concat([tf.zeros_like(x[:, :1]), x[:, :-1]], axis=1)


def drop_time_steps(x, rate: float):
    """Zero whole time steps of ``x`` [batch, time, features] with probability ``rate``.

    Kept steps are not rescaled (as in the original's encoder noise).
    """
    if rate <= 0.0:
        return x
    shape = tf.shape(x)
    keep = tf.random.uniform(tf.stack([shape[0], shape[1], 1])) >= rate
    return x * tf.cast(keep, x.dtype)


@keras.saving.register_keras_serializable(package="audeep")
class RNNStack(keras.layers.Layer):
    """One direction of a stack of recurrent layers with dropout on inputs and outputs.

    Each layer is a fused ``keras.layers.GRU`` / ``keras.layers.LSTM`` with the settings
    that keep cuDNN eligible on a GPU (tanh / sigmoid, no recurrent dropout, not unrolled,
    biases, ``reset_after=True``).  Layer ``k`` sees only layer ``k - 1`` of this stack.

    Parameters
    ----------
    cell : {"GRU", "LSTM"}
    num_units : int
        Units per layer.
    num_layers : int
    keep_prob : float
        Probability of keeping an element in the dropout before and after every layer
        (training only).
    """

    def __init__(self, *, cell: str = "GRU", num_units: int = 16, num_layers: int = 1,
                 keep_prob: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.cell_type = parse_cell(cell)
        self.num_units = int(num_units)
        self.num_layers = int(num_layers)
        self.keep_prob = float(keep_prob)
        layer_cls = keras.layers.GRU if self.cell_type == "GRU" else keras.layers.LSTM
        extra = {"reset_after": True} if self.cell_type == "GRU" else {}
        self.rnns = [
            layer_cls(self.num_units, activation="tanh", recurrent_activation="sigmoid",
                      use_bias=True, recurrent_dropout=0.0, unroll=False, return_sequences=True,
                      return_state=True, name=f"{self.cell_type.lower()}_{k}", **extra)
            for k in range(self.num_layers)
        ]
        self.dropout = keras.layers.Dropout(1.0 - self.keep_prob) if self.keep_prob < 1.0 else None
        self.supports_masking = True  # call() takes a time mask; its outputs carry none

    # ---------------------------------------------------------------- shapes
    @property
    def states_per_layer(self) -> int:
        """State tensors per layer: 1 for GRU, 2 for LSTM."""
        return 2 if self.cell_type == "LSTM" else 1

    @property
    def state_size(self) -> int:
        """Total state size of the stack (all layers, LSTM c and h)."""
        return self.num_units * self.num_layers * self.states_per_layer

    def build(self, input_shape):
        size = input_shape[-1]
        for rnn in self.rnns:
            rnn.build((None, None, size))
            size = self.num_units
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_units,)

    def get_config(self):
        config = super().get_config()
        config.update(cell=self.cell_type, num_units=self.num_units, num_layers=self.num_layers,
                      keep_prob=self.keep_prob)
        return config

    # ---------------------------------------------------------------- running
    def _drop(self, x, training):
        return self.dropout(x, training=training) if self.dropout is not None else x

    def call(self, inputs, initial_states=None, training=False, mask=None, all_layers=False):
        """Run the stack over a sequence.

        Parameters
        ----------
        inputs : tensor [batch, time, in_features]
        initial_states : list, optional
            Per layer, a list of state tensors [batch, num_units] in the original's order
            (GRU ``[h]``, LSTM ``[c, h]``); default zeros.
        training : bool
        mask : bool tensor [batch, time], optional
            Valid steps, right-padded (:func:`time_mask`): every layer keeps its state over
            masked steps, so the final states are those after each sequence's last valid step.
        all_layers : bool
            Return the output sequence of every layer (bottom to top), not only the top one's.

        Returns
        -------
        (tensor [batch, time, num_units], list)
            The top layer's output sequence (after output dropout; with ``all_layers``, a list
            of every layer's) and the final states per layer in the original's order.
        """
        x = inputs
        finals, sequences = [], []
        for k, rnn in enumerate(self.rnns):
            init = None
            if initial_states is not None:
                init = _to_keras_order(initial_states[k], self.cell_type)
            out = rnn(self._drop(x, training), initial_state=init, mask=mask, training=training)
            seq, states = out[0], list(out[1:])
            finals.append(_from_keras_order(states, self.cell_type))
            x = self._drop(seq, training)
            sequences.append(x)
        return (sequences if all_layers else x), finals

    def step(self, inputs, states, training=False):
        """One time step through all layers with the same weights as :meth:`call`.

        Parameters
        ----------
        inputs : tensor [batch, in_features]
        states : list
            Per layer, a list of state tensors in Keras order (GRU ``[h]``, LSTM ``[h, c]``).

        Returns
        -------
        (tensor [batch, num_units], list)
            The top output (after output dropout) and the new states (Keras order).
        """
        x = inputs
        new_states = []
        rate = 1.0 - self.keep_prob
        for k, rnn in enumerate(self.rnns):
            if training and rate > 0:
                x = tf.nn.dropout(x, rate)
            x, state = rnn.cell(x, states[k], training=False)
            new_states.append(list(state) if isinstance(state, (list, tuple)) else [state])
            if training and rate > 0:
                x = tf.nn.dropout(x, rate)
        return x, new_states


def _to_keras_order(states, cell_type):
    """Original order (LSTM [c, h]) -> Keras order (LSTM [h, c])."""
    return [states[1], states[0]] if cell_type == "LSTM" else list(states)


def _from_keras_order(states, cell_type):
    """Keras order (LSTM [h, c]) -> original order (LSTM [c, h])."""
    return [states[1], states[0]] if cell_type == "LSTM" else list(states)


def feed_previous_loop(stack: RNNStack, projection, teacher, initial_states, *, feed_prob: float,
                       training: bool = False):
    """Step-by-step decoder of one direction that may feed back its own previous output.

    At step ``s`` the cell receives ``teacher[:, s]`` or -- with probability ``feed_prob``,
    drawn per example and step -- the direction's own previous output
    ``tanh(projection(h[s-1]))`` (zeros at ``s = 0``).

    Parameters
    ----------
    stack : RNNStack
        The (built) stack whose cells run the steps.
    projection : keras.layers.Dense
        ``num_units -> features`` projection, tanh applied here.
    teacher : tensor [batch, time, features]
        Inputs at every step (already shifted: step 0 gets zeros).
    initial_states : list
        Per layer, states in the original's order.
    feed_prob : float
    training : bool

    Returns
    -------
    tensor [batch, time, features]
        ``tanh(projection(output))`` per step, in processing order.
    """
    teacher_tm = tf.transpose(teacher, [1, 0, 2])
    shape = tf.shape(teacher_tm)
    if feed_prob > 0:
        coins = tf.cast(tf.random.uniform(tf.stack([shape[0], shape[1], 1])) < feed_prob, teacher.dtype)
    else:
        coins = tf.zeros(tf.stack([shape[0], shape[1], 1]), teacher.dtype)
    states0 = [_to_keras_order(s, stack.cell_type) for s in initial_states]
    prev0 = tf.zeros_like(teacher_tm[0])

    def body(carry, elems):
        states, prev, _ = carry
        x_t, coin = elems
        x = coin * prev + (1.0 - coin) * x_t
        h, new_states = stack.step(x, states, training=training)
        out = tf.tanh(projection(h))
        return new_states, out, out

    init_out = tf.zeros_like(prev0)
    _, _, outputs = tf.scan(body, (teacher_tm, coins), initializer=(states0, prev0, init_out))
    return tf.transpose(outputs, [1, 0, 2])



# --------------------------------------------------------------------------------------
# encoder / decoder mechanics shared by the autoencoders
# --------------------------------------------------------------------------------------

def make_stacks(prefix: str, *, bidirectional: bool, cell: str, num_units: int, num_layers: int,
                keep_prob: float) -> list:
    """One :class:`RNNStack` per direction, named ``{prefix}_fw`` (and ``{prefix}_bw``)."""
    return [RNNStack(cell=cell, num_units=num_units, num_layers=num_layers, keep_prob=keep_prob,
                     name=f"{prefix}_{d}")
            for d in (("fw", "bw") if bidirectional else ("fw",))]


def encoder_final_states(stacks, x, *, training=False, lengths=None, sequences=False):
    """Final states of an encoder (one stack per direction) in the original's flat layout.

    The backward stack reads ``x`` reversed in time.  The layout is per layer, per
    direction, LSTM as ``[c, h]``.  With ``lengths``, padded steps are masked: the forward
    stack stops at a sequence's last valid step and the backward one starts there.

    Parameters
    ----------
    stacks : list of RNNStack
        Forward (and backward) stack of equal shape.
    x : tensor [batch, time, features]
    training : bool
    lengths : tensor [batch] of int, optional
        Valid time steps (padding = the last ``time - length`` steps).
    sequences : bool
        Also return every layer's output sequences, ``[direction][layer]`` tensors [batch,
        time, units] (each direction's valid steps first: the backward one in its processing order).

    Returns
    -------
    tensor [batch, sum of the stacks' state sizes] (with ``sequences``: and the list of sequences)
    """
    mask = time_mask(lengths, tf.shape(x)[1])
    per_direction, outputs = [], []
    for d, stack in enumerate(stacks):
        seqs, finals = stack(x if d == 0 else reverse_time(x, lengths), training=training, mask=mask,
                             all_layers=sequences)
        per_direction.append(finals)
        outputs.append(seqs)
    num_layers = stacks[0].num_layers
    flat = tf.concat([state for layer in range(num_layers) for finals in per_direction for state in finals[layer]],
                     axis=-1)
    return (flat, outputs) if sequences else flat


def split_states(states, *, num_directions: int, num_layers: int, states_per_layer: int) -> list:
    """Split a flat state vector (original layout) into per-direction, per-layer states.

    Parameters
    ----------
    states : tensor [batch, num_directions * num_layers * states_per_layer * units]
    num_directions, num_layers, states_per_layer : int

    Returns
    -------
    list
        ``out[direction][layer]`` = list of ``states_per_layer`` tensors [batch, units]
        (LSTM ``[c, h]``), ready as ``initial_states`` of :class:`RNNStack`.
    """
    pieces = tf.split(states, num_layers * num_directions * states_per_layer, axis=-1)
    out = [[None] * num_layers for _ in range(num_directions)]
    i = 0
    for layer in range(num_layers):
        for d in range(num_directions):
            out[d][layer] = pieces[i:i + states_per_layer]
            i += states_per_layer
    return out


def paper_decoder(stacks, projections, decoder_input, initial_states, *, feed_prob: float = 0.0,
                  training: bool = False, lengths=None):
    """The first release's decoder, for one or two directions.

    Each direction is its own stack; the backward one reads ``decoder_input`` reversed in
    time.  At step ``s`` a direction's cell receives its input at ``s - 1`` (zeros at
    ``s = 0``) or, with probability ``feed_prob``, its own previous output; its output is
    ``tanh(projection(h))``.  Outputs are concatenated in processing order (the backward
    direction's are not flipped back).  ``feed_prob == 0`` runs the fused stacks, else
    :func:`feed_previous_loop`.  With ``lengths``, the backward direction reverses only the
    valid steps: in both directions the valid steps come first, so the outputs at valid
    steps never depend on padding (the outputs at padded steps are meaningless).

    Parameters
    ----------
    stacks : list of RNNStack
    projections : list of keras.layers.Dense
        Per direction, ``num_units -> features``.
    decoder_input : tensor [batch, steps, features]
        The target shifted one step later.
    initial_states : list
        ``initial_states[direction][layer]`` as from :func:`split_states`.
    feed_prob : float
    training : bool
    lengths : tensor [batch] of int, optional
        Valid steps of ``decoder_input`` (padding at the end).

    Returns
    -------
    tensor [batch, steps, features * len(stacks)]
    """
    outputs = []
    for d, stack in enumerate(stacks):
        direction_input = decoder_input if d == 0 else reverse_time(decoder_input, lengths)
        teacher = shift_right(direction_input)  # the cell at step s reads the input at s - 1
        if feed_prob > 0:
            out = feed_previous_loop(stack, projections[d], teacher, initial_states[d], feed_prob=feed_prob,
                                     training=training)
        else:
            seq, _ = stack(teacher, initial_states=initial_states[d], training=training)
            out = tf.tanh(projections[d](seq))
        outputs.append(out)
    return outputs[0] if len(outputs) == 1 else tf.concat(outputs, axis=-1)


# --------------------------------------------------------------------------------------
# frequency windows
# --------------------------------------------------------------------------------------

def window_indices(*, num_bins: int, width: int, overlap: int):
    """Bin indices of the frequency windows of a frame.

    Windows of ``width`` bins start every ``width - overlap`` bins from bin 0; the last
    ``leftover`` bins that fill no whole window belong to no window.

    Parameters
    ----------
    num_bins : int
        Frequency bins of a frame.
    width : int
        Bins per window.
    overlap : int
        Bins shared by consecutive windows, ``0 <= overlap < width``.

    Returns
    -------
    (numpy.ndarray [num_windows, width] of int32, int)
        The indices and the number of leftover bins.

    Raises
    ------
    ParameterError
        For a width that is not positive or wider than ``num_bins``, or an overlap outside
        ``[0, width)``.
    """
    import numpy as np

    if int(width) != width or width < 1:
        raise ParameterError(f"freq_window_width {width!r}: expected a positive integer")
    if int(overlap) != overlap or not 0 <= overlap < width:
        raise ParameterError(f"freq_window_overlap {overlap!r}: expected an integer in [0, {width}) "
                             f"(less than freq_window_width {width})")
    if width > num_bins:
        raise ParameterError(f"freq_window_width {width}: wider than the {num_bins} frequency bins of the input; "
                             f"expected at most {num_bins}")
    step = int(width) - int(overlap)
    count = (int(num_bins) - int(width)) // step + 1
    starts = np.arange(count) * step
    leftover = int(num_bins) - int(starts[-1] + width)
    return (starts[:, None] + np.arange(int(width))[None, :]).astype(np.int32), leftover


def take_windows(frames, indices):
    """Frequency windows of frames.

    Parameters
    ----------
    frames : tensor [batch, freq]
    indices : array [num_windows, width]
        From :func:`window_indices`.

    Returns
    -------
    tensor [batch, num_windows, width]
    """
    return tf.gather(frames, tf.constant(indices), axis=-1)
