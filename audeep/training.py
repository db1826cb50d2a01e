"""Training the autoencoders: ``tf.data`` input, the fit loop, run directories, resuming.

A *run directory* holds everything of one training run::

    RUN/config.json                    kind, architecture (constructor arguments), training options
    RUN/checkpoints/epoch-0001.keras   model + optimizer state after every epoch
    RUN/history.csv                    epoch, loss, learning rate, seconds
    RUN/loss.png                       the loss curve (drawn when training ends)
    RUN/logs/                          TensorBoard (loss, learning rate, a reconstruction image)

Checkpoints are written atomically at the end of every epoch, so an interrupted run
loses at most the epoch in progress; ``resume=True`` (``--continue``) rebuilds the model
from ``config.json`` and the newest checkpoint and trains on up to ``num_epochs`` epochs
in total.

Any autoencoder registered in :data:`audeep.models.autoencoders.MODEL_KINDS` can be
trained here; TensorFlow is imported only when a function needs it.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import logging
import math
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from audeep.atomic import atomic_path, write_text_atomic
from audeep.dataset import DataSet
from audeep.errors import DataSetError, ModelError, ParameterError

__all__ = [
    "configure_threads",
    "train_autoencoder",
    "TrainingResult",
    "list_checkpoints",
    "read_run_config",
    "AutoencoderEstimator",
    "TimeAutoencoder",
    "FrequencyAutoencoder",
    "FrequencyTimeAutoencoder",
    "CONFIG_NAME",
]

log = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
CHECKPOINT_DIR = "checkpoints"
HISTORY_NAME = "history.csv"
LOSS_PLOT_NAME = "loss.png"
_CHECKPOINT_RE = re.compile(r"^epoch-(\d+)\.keras$")

#: Features up to this size are trained from memory, larger ones streamed from disk.  The
#: in-memory path holds about 3.6 copies (the array, its tensor, the tensor captured by the
#: input pipeline): measured 3.7 GB peak RSS for 1 GB of features, so keep this small.
_MAX_IN_MEMORY = 256 * 1024 * 1024


# --------------------------------------------------------------------------------------
# threads
# --------------------------------------------------------------------------------------

def default_threads() -> "tuple[int, int]":
    """(intra-op, inter-op) threads for this machine.

    On up to 2 cores, intra-op 1 / inter-op 2 trained the GRU autoencoder 1.18x faster
    than TensorFlow's default; on more cores TensorFlow's own choice (0, 0) is kept.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return (1, 2) if cores <= 2 else (0, 0)


def configure_threads(threads: "int | None" = None) -> "tuple[int, int]":
    """Set TensorFlow's thread pools (before TensorFlow runs its first operation).

    Parameters
    ----------
    threads : int, optional
        Intra-op threads (inter-op then 2); default :func:`default_threads`.

    Returns
    -------
    (int, int)
        The intra-op and inter-op settings in effect.
    """
    import tensorflow as tf

    intra, inter = default_threads() if threads is None else (int(threads), 2)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError:  # already initialised in this process (tests, notebooks)
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        inter = tf.config.threading.get_inter_op_parallelism_threads()
        log.debug("TensorFlow already initialised; keeping %d intra-op / %d inter-op threads", intra, inter)
    return intra, inter


# --------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------

def check_inputs(datasets: Sequence[DataSet], *, ndim: int = 2) -> tuple:
    """Check that all data sets have one feature shape of ``ndim`` dimensions.

    Returns
    -------
    tuple
        The common feature shape.

    Raises
    ------
    DataSetError
        For an empty data set, a wrong number of feature dimensions or different shapes.
    """
    if not datasets:
        raise ParameterError("no input data set given")
    shape = None
    for ds in datasets:
        name = ds.path or "data set"
        if ds.num_instances == 0:
            raise DataSetError(f"{name}: has no instances")
        if len(ds.feature_shape) != ndim:
            dims = ", ".join(f"{d}={s}" for d, s in zip(ds.feature_dims, ds.feature_shape))
            raise DataSetError(f"{name}: features [{dims}] are not spectrograms: expected {ndim} feature "
                               f"dimensions (time, freq)")
        if shape is None:
            shape = ds.feature_shape
        elif ds.feature_shape != shape:
            raise DataSetError(f"{name}: feature shape {ds.feature_shape} differs from the first input's {shape}; "
                               "all inputs must have the same feature shape")
    return tuple(shape)


def _check_finite(block, ds, rows):
    if not np.isfinite(block).all():
        bad = np.flatnonzero(~np.isfinite(block.reshape(block.shape[0], -1)).all(axis=1))
        names = sorted({str(ds.filenames[rows[i]]) for i in bad[:5]})
        raise DataSetError(f"{ds.path or 'data set'}: {bad.size} instances have NaN or infinite features "
                           f"(e.g. {', '.join(names)})")


def _lengths(datasets, shape):
    if all(ds.lengths is None for ds in datasets):
        return None
    return np.concatenate([ds.lengths if ds.lengths is not None else np.full(ds.num_instances, shape[0])
                           for ds in datasets]).astype(np.int32)


def make_input(datasets: Sequence[DataSet], *, batch_size: int, seed: int = 42, in_memory: "bool | None" = None):
    """A shuffled, batched, prefetched ``tf.data.Dataset`` over one or more data sets.

    Every iteration is one epoch: one pass over all instances in a new random order
    (``seed`` fixes the sequence of orders).  Small data is held in memory; data larger
    than :data:`_MAX_IN_MEMORY` bytes (or with ``in_memory=False``) is streamed from disk
    in blocks: block order and the order within each block are shuffled.

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
        Batches ``x`` [batch, time, freq] float32 -- or ``(x, lengths)`` if an input has a
        ``length`` variable -- and the number of steps per epoch.
    """
    import tensorflow as tf

    shape = check_inputs(datasets)
    n = sum(ds.num_instances for ds in datasets)
    steps = math.ceil(n / batch_size)
    if batch_size > n:
        log.info("batch size %d is larger than the %d instances: one batch per epoch", batch_size, n)
    lengths = _lengths(datasets, shape)
    total_bytes = sum(ds.nbytes_features for ds in datasets)
    if in_memory is None:
        in_memory = total_bytes <= _MAX_IN_MEMORY
    if in_memory:
        parts = []
        for ds in datasets:
            feats = ds.load_features()
            _check_finite(feats, ds, np.arange(ds.num_instances))
            parts.append(feats)
        features = tf.constant(np.concatenate(parts) if len(parts) > 1 else parts[0])
        lens = None if lengths is None else tf.constant(lengths)
        index = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True).batch(batch_size)
        if lens is None:
            data = index.map(lambda i: tf.gather(features, i), num_parallel_calls=1)
        else:
            data = index.map(lambda i: (tf.gather(features, i), tf.gather(lens, i)), num_parallel_calls=1)
        return data.prefetch(2), steps

    # streamed: check values once, then read shuffled blocks per epoch
    for ds in datasets:
        for rows, block in ds.iter_batches(batch_size=max(batch_size, 256)):
            _check_finite(block, ds, rows)
    row_bytes = int(np.prod(shape)) * 4
    block_rows = max(batch_size, (64 * 1024 * 1024 // row_bytes) // batch_size * batch_size)
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

    spec = (tf.TensorSpec((None,) + shape, tf.float32),)
    if lengths is not None:
        spec = spec + (tf.TensorSpec((None,), tf.int32),)
    data = tf.data.Dataset.from_generator(generate, output_signature=spec)
    data = data.map(lambda *t: t[0] if len(t) == 1 else t)
    return data.prefetch(2), steps


# --------------------------------------------------------------------------------------
# run directory
# --------------------------------------------------------------------------------------

def list_checkpoints(run_dir) -> "dict[int, Path]":
    """Checkpoints of a run directory: epoch number -> file, in epoch order."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    found = {}
    if folder.is_dir():
        for path in folder.iterdir():
            match = _CHECKPOINT_RE.match(path.name)
            if match:
                found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def read_run_config(run_dir) -> dict:
    """The ``config.json`` of a run directory.

    Raises
    ------
    ModelError
        If the folder or its config is missing or unreadable.
    """
    run_dir = Path(run_dir)
    path = run_dir / CONFIG_NAME
    if not run_dir.is_dir():
        raise ModelError(f"{run_dir}: no such run directory")
    if not path.is_file():
        raise ModelError(f"{run_dir}: not a training run directory (no {CONFIG_NAME})")
    try:
        config = json.loads(path.read_text())
        config["kind"], config["architecture"]  # noqa: B018 -- required keys
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: corrupt run configuration ({exc})") from exc
    return config


def load_checkpoint(path, *, compile: bool = True):
    """Load a checkpoint (model + optimizer state).

    Raises
    ------
    ModelError
        If the file is missing or cannot be loaded.
    """
    import keras

    import audeep.models.autoencoders  # noqa: F401 -- registers the model classes

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: checkpoint is missing")
    try:
        with audeep.models.autoencoders.saved_model_loading():
            return keras.saving.load_model(path, compile=compile)
    except Exception as exc:  # zip / h5 / config errors of all kinds
        raise ModelError(f"{path}: corrupt checkpoint ({type(exc).__name__}: {exc})") from exc


def read_history(run_dir) -> list:
    """Rows of ``history.csv`` as dicts (epoch int, loss/learning_rate/seconds float)."""
    path = Path(run_dir) / HISTORY_NAME
    if not path.is_file():
        return []
    with open(path, newline="") as fh:
        return [{"epoch": int(r["epoch"]), "loss": float(r["loss"]), "learning_rate": float(r["learning_rate"]),
                 "seconds": float(r["seconds"])} for r in csv.DictReader(fh)]


def _write_history(run_dir: Path, rows: list) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["epoch", "loss", "learning_rate", "seconds"], lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"epoch": row["epoch"], "loss": f"{row['loss']:.6f}",
                         "learning_rate": f"{row['learning_rate']:.6g}", "seconds": f"{row['seconds']:.3f}"})
    write_text_atomic(run_dir / HISTORY_NAME, buf.getvalue())


# --------------------------------------------------------------------------------------
# training
# --------------------------------------------------------------------------------------

@dataclass
class TrainingResult:
    """What a training run produced.

    Attributes
    ----------
    run_dir : Path
    model : keras.Model
        The autoencoder after the last epoch.
    history : list of dict
        One row per epoch (all epochs of the run, earlier sessions included).
    checkpoints : dict
        Epoch -> checkpoint file.
    seconds_per_epoch : float
        Mean wall time of the epochs trained in this call (NaN if none).
    """

    run_dir: Path
    model: object
    history: list = field(default_factory=list)
    checkpoints: dict = field(default_factory=dict)
    seconds_per_epoch: float = float("nan")


def _summary_metadata(plugin: str, data_class: int):
    from tensorflow.core.framework import summary_pb2

    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    meta.data_class = data_class
    return meta.SerializeToString()


def _summary_scalar(tag: str, value: float, step: int) -> None:
    """A TensorBoard scalar, written with TensorFlow alone (no ``tensorboard`` package needed)."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    tf.summary.write(tag, tf.constant(value, tf.float32), step=step,
                     metadata=_summary_metadata("scalars", summary_pb2.DATA_CLASS_SCALAR))


def _summary_image(tag: str, images, step: int) -> None:
    """TensorBoard images from floats in [0, 1], shape [k, height, width, 1]."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    pixels = tf.cast(tf.round(images * 255.0), tf.uint8)
    pngs = [tf.io.encode_png(pixels[i]) for i in range(pixels.shape[0])]
    shape = tf.shape(pixels)
    tensor = tf.stack([tf.strings.as_string(shape[2]), tf.strings.as_string(shape[1])] + pngs)
    tf.summary.write(tag, tensor, step=step, metadata=_summary_metadata("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE))


def _make_callback(*, run_dir, history, keep, steps, progress, preview):
    import keras
    import tensorflow as tf

    from audeep.plotting import plot_loss_curve

    class _RunCallback(keras.callbacks.Callback):
        """Per-epoch checkpoint, history, TensorBoard and a progress bar; the loss plot at the end."""

        def __init__(self):
            super().__init__()
            self.writer = tf.summary.create_file_writer(str(run_dir / "logs"))
            self.bar = None
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()
            self.total = 0.0
            self.count = 0
            if progress:
                from tqdm import tqdm

                self.bar = tqdm(total=steps, desc=f"epoch {epoch + 1}", unit="batch", leave=True,
                                dynamic_ncols=True)

        def on_train_batch_end(self, batch, logs=None):
            if self.bar is not None:
                self.bar.update(1)
                if batch % 5 == 0 and logs and "loss" in logs:
                    self.bar.set_postfix(loss=f"{float(logs['loss']):.4f}")

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            self.seconds.append(seconds)
            loss = float(logs["loss"])
            lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            if self.bar is not None:
                self.bar.set_postfix(loss=f"{loss:.4f}")
                self.bar.close()
            number = epoch + 1
            folder = run_dir / CHECKPOINT_DIR
            with atomic_path(folder / f"epoch-{number:04d}.keras", suffix=".keras") as tmp:
                self.model.save(tmp)
            if keep is not None:
                for old in list(list_checkpoints(run_dir))[:-keep]:
                    list_checkpoints(run_dir)[old].unlink(missing_ok=True)
            history.append({"epoch": number, "loss": loss, "learning_rate": lr, "seconds": seconds})
            _write_history(run_dir, history)
            with self.writer.as_default(step=number):
                _summary_scalar("loss", loss, number)
                _summary_scalar("learning_rate", lr, number)
                if preview is not None:
                    recon = self.model(preview, training=False)
                    target = self.model.target(preview)
                    pair = tf.concat([target, recon], axis=1)  # [k, 2 time, freq]: target left, reconstruction right
                    image = tf.transpose((pair + 1.0) / 2.0, [0, 2, 1])[:, ::-1, :, None]  # low freq at the bottom
                    _summary_image("target_and_reconstruction", tf.clip_by_value(image, 0.0, 1.0), number)
            self.writer.flush()
            log.info("epoch %d: loss %.5f (%.1f s)", number, loss, seconds)

        def on_train_end(self, logs=None):
            # drawn once (matplotlib costs a noticeable part of a short epoch); history.csv has every epoch
            if history:
                plot_loss_curve([r["epoch"] for r in history], [r["loss"] for r in history],
                                run_dir / LOSS_PLOT_NAME)

    return _RunCallback()


def train_autoencoder(*, kind: str, inputs: Sequence, run_dir, architecture: "dict | None" = None,
                      num_epochs: int = 10, batch_size: int = 64, learning_rate: float = 1e-3,
                      checkpoints_to_keep: "int | None" = None, seed: int = 42, resume: bool = False,
                      threads: "int | None" = None, in_memory: "bool | None" = None,
                      progress: bool = True) -> TrainingResult:
    """Train an autoencoder of a registered kind into a run directory.

    Parameters
    ----------
    kind : str
        A key of :data:`audeep.models.autoencoders.MODEL_KINDS`, e.g. ``"t-rae"``.
    inputs : sequence of DataSet or path-like
        Training data sets, same feature shape [time, freq].
    run_dir : path-like
        The run directory (created; must not hold a run unless ``resume``).
    architecture : dict, optional
        Constructor arguments of the model except ``num_features`` (taken from the data);
        ignored when resuming (the saved architecture is used).
    num_epochs : int
        Total epochs of the run (when resuming: including the epochs already done).
    batch_size : int
    learning_rate : float
        Adam learning rate; gradients are clipped by value to [-2, 2].
    checkpoints_to_keep : int, optional
        Keep only the newest checkpoints; default all.
    seed : int
        Seeds weights, shuffling, dropout and noise.
    resume : bool
        Continue the run in ``run_dir`` from its newest checkpoint.
    threads : int, optional
        TensorFlow intra-op threads (see :func:`configure_threads`).
    in_memory : bool, optional
        Load the data into memory (True) or stream it (False); default by size.
    progress : bool
        Show a progress bar per epoch on stderr.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ParameterError, DataSetError, ModelError
        On bad options, bad inputs, an existing run without ``resume`` or a run that does
        not match the inputs.
    """
    for name, value in (("num_epochs", num_epochs), ("batch_size", batch_size)):
        if int(value) != value or value < 1:
            raise ParameterError(f"{name} {value!r}: expected a positive integer")
    if checkpoints_to_keep is not None and checkpoints_to_keep < 1:
        raise ParameterError(f"checkpoints_to_keep {checkpoints_to_keep!r}: expected a positive integer")
    if not learning_rate > 0:
        raise ParameterError(f"learning_rate {learning_rate!r}: expected a positive number")
    run_dir = Path(run_dir)
    datasets = [ds if isinstance(ds, DataSet) else DataSet.open(ds) for ds in inputs]
    shape = check_inputs(datasets)

    configure_threads(threads)
    import keras

    from audeep.models.autoencoders import model_class

    config_path = run_dir / CONFIG_NAME
    start_epoch = 0
    history: list = []
    if resume:
        config = read_run_config(run_dir)
        if config["kind"] != kind:
            raise ModelError(f"{run_dir}: holds a {config['kind']} run, not {kind}")
        saved_shape = tuple(config.get("training", {}).get("feature_shape", shape))
        cls = model_class(kind)
        checkpoints = list_checkpoints(run_dir)
        keras.utils.set_random_seed(seed + 1000 * (max(checkpoints) if checkpoints else 0))
        if checkpoints:
            start_epoch = max(checkpoints)
            model = load_checkpoint(checkpoints[start_epoch])
        else:
            model = cls(**config["architecture"])
        model.check_input_shape(shape)
        if saved_shape[1:] != shape[1:]:
            raise DataSetError(f"inputs have feature shape {shape}; the run in {run_dir} was trained on {saved_shape}")
        history = [r for r in read_history(run_dir) if r["epoch"] <= start_epoch]
        log.info("resuming %s from epoch %d", run_dir, start_epoch)
    else:
        if config_path.exists():
            raise ModelError(f"{run_dir}: already holds a training run; pass --continue (resume=True) to resume "
                             "it or choose another --run-name")
        keras.utils.set_random_seed(seed)
        cls = model_class(kind)
        arch = dict(architecture or {})
        arch["num_features"] = int(shape[-1])
        model = cls(**arch)
        model.check_input_shape(shape)
        from audeep import __version__

        config = {
            "kind": kind,
            "architecture": model.architecture(),
            "training": {"num_epochs": int(num_epochs), "batch_size": int(batch_size),
                         "learning_rate": float(learning_rate), "seed": int(seed), "feature_shape": list(shape),
                         "inputs": [str(ds.path) if ds.path else None for ds in datasets]},
            "audeep_version": __version__,
        }

    if start_epoch >= num_epochs:
        log.warning("%s already has %d epochs (--num-epochs %d): nothing to train", run_dir, start_epoch, num_epochs)
        return TrainingResult(run_dir, model, history, list_checkpoints(run_dir))
    # the input is checked (shapes, finite values) before anything is written
    data, steps = make_input(datasets, batch_size=batch_size, seed=seed + start_epoch, in_memory=in_memory)
    if not resume:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(config_path, json.dumps(config, indent=2) + "\n")
    (run_dir / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)

    if not model.built:
        model.build((None,) + shape)
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
        model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipvalue=2.0), jit_compile=False)
    model.jit_compile = False  # XLA measured 2.5x slower for training on CPU

    preview = datasets[0].load_features(np.arange(min(3, datasets[0].num_instances)))
    callback = _make_callback(run_dir=run_dir, history=history, keep=checkpoints_to_keep, steps=steps,
                              progress=progress, preview=preview)
    try:
        model.fit(data, epochs=int(num_epochs), initial_epoch=start_epoch, verbose=0, callbacks=[callback],
                  shuffle=False)
    except KeyboardInterrupt:
        done = max(list_checkpoints(run_dir), default=0)
        raise ModelError(f"training interrupted; {run_dir} holds {done} complete epochs: resume with --continue")
    seconds = float(np.mean(callback.seconds)) if callback.seconds else float("nan")
    return TrainingResult(run_dir, model, history, list_checkpoints(run_dir), seconds)


# --------------------------------------------------------------------------------------
# scikit-learn style estimators
# --------------------------------------------------------------------------------------

class AutoencoderEstimator:
    """Base of the scikit-learn style autoencoder estimators (``fit`` / ``transform``).

    Subclasses set ``kind`` and list their architecture parameters in ``_architecture``;
    ``__init__`` only stores keyword arguments.  Learned state ends in ``_``:
    ``model_`` (the Keras autoencoder), ``history_`` (rows per epoch), ``run_dir_``.
    """

    kind: str = ""
    _architecture: tuple = ()
    _training = ("num_epochs", "batch_size", "learning_rate", "checkpoints_to_keep", "seed", "threads",
                 "progress")

    def _store_params(self, values: dict) -> None:
        """Store the ``__init__`` arguments (pass ``locals()``) as attributes of the same name."""
        for name in self._get_param_names():
            setattr(self, name, values[name])

    @classmethod
    def _get_param_names(cls):
        return [p for p in inspect.signature(cls.__init__).parameters if p != "self"]

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator (scikit-learn protocol)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> "AutoencoderEstimator":
        """Set parameters (scikit-learn protocol)."""
        valid = set(self._get_param_names())
        for name, value in params.items():
            if name not in valid:
                raise ParameterError(f"unknown parameter {name!r} for {type(self).__name__}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def fit(self, dataset, y=None, *, run_dir=None) -> "AutoencoderEstimator":
        """Train on a data set (or a list of data sets / paths).

        Parameters
        ----------
        dataset : DataSet, path-like, or a list of them
            Spectrograms [instance, time, freq].
        y : ignored
        run_dir : path-like, optional
            Keep the run (checkpoints, history) there; default a temporary folder that is
            removed afterwards.

        Returns
        -------
        self
        """
        inputs = list(dataset) if isinstance(dataset, (list, tuple)) else [dataset]
        arch = {name: getattr(self, name) for name in self._architecture}
        train = {name: getattr(self, name) for name in self._training}
        tmp = None
        if run_dir is None:
            tmp = tempfile.mkdtemp(prefix="audeep-run-")
            run_dir = Path(tmp) / "run"
        try:
            result = train_autoencoder(kind=self.kind, inputs=inputs, run_dir=run_dir, architecture=arch, **train)
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        self.model_ = result.model
        self.history_ = result.history
        self.run_dir_ = None if tmp is not None else Path(run_dir)
        return self

    def transform(self, dataset, *, batch_size: int = 500, features: str = "bottleneck") -> DataSet:
        """Learned features of every instance, metadata unchanged.

        Parameters
        ----------
        dataset : DataSet or path-like
            Spectrograms [instance, time, freq] of the shape trained on.
        batch_size : int
        features : {"bottleneck", "pooled", "both"}
            The representation (default), the pooled encoder outputs, or both (t-RAE);
            see :func:`audeep.generate.encode_dataset`.

        Returns
        -------
        DataSet
            Features [instance, generated] (f-RAE: [instance, time, generated]).
        """
        if not hasattr(self, "model_"):
            raise ModelError(f"this {type(self).__name__} is not fitted yet: call fit() first")
        from audeep.generate import encode_dataset

        ds = dataset if isinstance(dataset, DataSet) else DataSet.open(dataset)
        return encode_dataset(self.model_, ds, batch_size=batch_size, features=features)

    def fit_transform(self, dataset, y=None, **kwargs) -> DataSet:
        """``fit`` then ``transform`` the same data set."""
        return self.fit(dataset, **kwargs).transform(dataset)


class TimeAutoencoder(AutoencoderEstimator):
    """Time-recurrent autoencoder (t-RAE) with a scikit-learn style interface.

    Wraps :class:`audeep.models.autoencoders.TimeAutoencoder`; see there for the
    architecture parameters.  Example::

        features = TimeAutoencoder(num_units=256, num_layers=2, bidirectional_decoder=True,
                                   num_epochs=64).fit(spectrograms).transform(spectrograms)
    """

    kind = "t-rae"
    _architecture = ("num_layers", "num_units", "cell", "bidirectional_encoder", "bidirectional_decoder",
                     "keep_prob", "encoder_noise", "feed_previous_prob", "decoder")

    def __init__(self, *, num_layers: int = 1, num_units: int = 16, cell: str = "GRU",
                 bidirectional_encoder: bool = False, bidirectional_decoder: bool = False,
                 keep_prob: float = 0.8, encoder_noise: float = 0.0, feed_previous_prob: float = 0.0,
                 decoder: str = "paper", num_epochs: int = 10, batch_size: int = 64, learning_rate: float = 1e-3,
                 checkpoints_to_keep: "int | None" = None, seed: int = 42, threads: "int | None" = None,
                 progress: bool = False):
        self._store_params(locals())


class FrequencyAutoencoder(AutoencoderEstimator):
    """Frequency-recurrent autoencoder (f-RAE) with a scikit-learn style interface.

    Wraps :class:`audeep.models.autoencoders.FrequencyAutoencoder`; see there for the
    architecture parameters.  ``transform`` gives features [instance, time, generated].
    """

    kind = "f-rae"
    _architecture = ("num_layers", "num_units", "cell", "bidirectional_encoder", "bidirectional_decoder",
                     "keep_prob", "encoder_noise", "feed_previous_prob", "freq_window_width", "freq_window_overlap")

    def __init__(self, *, num_layers: int = 1, num_units: int = 16, cell: str = "GRU",
                 bidirectional_encoder: bool = False, bidirectional_decoder: bool = False,
                 keep_prob: float = 0.8, encoder_noise: float = 0.0, feed_previous_prob: float = 0.0,
                 freq_window_width: int = 32, freq_window_overlap: int = 24, num_epochs: int = 10,
                 batch_size: int = 64, learning_rate: float = 1e-3, checkpoints_to_keep: "int | None" = None,
                 seed: int = 42, threads: "int | None" = None, progress: bool = False):
        self._store_params(locals())


class FrequencyTimeAutoencoder(AutoencoderEstimator):
    """Frequency-time-recurrent autoencoder (ft-RAE) with a scikit-learn style interface.

    Wraps :class:`audeep.models.autoencoders.FrequencyTimeAutoencoder`; see there for the
    architecture parameters.  ``transform`` gives features [instance, generated].
    """

    kind = "ft-rae"
    _architecture = ("num_f_layers", "num_f_units", "num_t_layers", "num_t_units", "cell",
                     "bidirectional_f_encoder", "bidirectional_f_decoder", "bidirectional_t_encoder",
                     "bidirectional_t_decoder", "keep_prob", "f_encoder_noise", "t_encoder_noise",
                     "f_feed_previous_prob", "t_feed_previous_prob", "freq_window_width", "freq_window_overlap")

    def __init__(self, *, num_f_layers: int = 1, num_f_units: int = 64, num_t_layers: int = 2,
                 num_t_units: int = 128, cell: str = "GRU", bidirectional_f_encoder: bool = False,
                 bidirectional_f_decoder: bool = False, bidirectional_t_encoder: bool = False,
                 bidirectional_t_decoder: bool = False, keep_prob: float = 0.8, f_encoder_noise: float = 0.0,
                 t_encoder_noise: float = 0.0, f_feed_previous_prob: float = 0.0, t_feed_previous_prob: float = 0.0,
                 freq_window_width: int = 32, freq_window_overlap: int = 24, num_epochs: int = 10,
                 batch_size: int = 64, learning_rate: float = 1e-3, checkpoints_to_keep: "int | None" = None,
                 seed: int = 42, threads: "int | None" = None, progress: bool = False):
        self._store_params(locals())
