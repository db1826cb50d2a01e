"""The fit loop: train an autoencoder of any registered kind into a run directory, or resume it.

Checkpoints are written atomically at the end of every epoch (see
:mod:`audeep.training.runs`), so an interrupted run loses at most the epoch in progress;
``resume=True`` (``--continue``) rebuilds the model from the newest checkpoint and trains on
up to ``num_epochs`` epochs in total.  TensorFlow is imported only when training starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from audeep._params import config_from
from audeep.dataset.coerce import as_dataset
from audeep.errors import DataSetError, ModelError, ParameterError
from audeep.models.config import ModelConfig, TrainingConfig, config_class
from audeep.models.corruption import check_corruption_shape, corruption_config
from audeep.models.recipes import merge_recipe
from audeep.training.fold_inputs import fold_inputs
from audeep.training.inputs import check_inputs, make_input
from audeep.training.runs import (
    check_new_run,
    claim_run,
    latest_checkpoint,
    list_checkpoints,
    load_checkpoint,
    read_history,
    read_run_config,
)

__all__ = ["TrainingResult", "train_autoencoder"]

log = logging.getLogger(__name__)


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


def _training_config(options: dict) -> TrainingConfig:
    return config_from(TrainingConfig, options, what="training options")


def _options(kind, *, architecture, corruption, recipe, options: dict, resume: bool) -> tuple:
    """(TrainingConfig, architecture or None when resuming, CorruptionConfig), a recipe filled in."""
    if recipe is not None:
        merged = merge_recipe(recipe, kind=kind, architecture=_values(architecture),
                              corruption=_values(corruption), training=options)
        architecture, corruption, options = merged["architecture"], merged["corruption"], merged["training"]
    return (_training_config(options), None if resume else _architecture(kind, architecture),
            corruption_config(corruption))


def _values(config) -> dict:
    """A configuration's values, or a dict of them (None: empty)."""
    return config.values() if hasattr(config, "values") and not isinstance(config, dict) else dict(config or {})


def _architecture(kind: str, architecture) -> ModelConfig:
    cls = config_class(kind)
    if isinstance(architecture, ModelConfig):
        if not isinstance(architecture, cls):
            raise ParameterError(f"architecture {type(architecture).__name__}: a {kind} model takes a "
                                 f"{cls.__name__}", parameter="architecture")
        return architecture
    values = dict(architecture or {})
    values.pop("num_features", None)  # taken from the data
    try:
        return cls(**values)
    except TypeError as exc:
        raise ParameterError(f"architecture {sorted(values)}: not the parameters of a {kind} model ({exc})",
                             parameter="architecture") from None


def _new_run(kind, run_dir: Path, architecture: ModelConfig, training: TrainingConfig, shape, datasets, **recorded):
    """(model, config, history, start epoch) of a new run; nothing is written yet."""
    import keras

    from audeep import __version__
    from audeep.models.autoencoders import model_class

    check_new_run(run_dir)
    keras.utils.set_random_seed(training.seed)
    model = model_class(kind)(num_features=int(shape[-1]), config=architecture)
    model.check_input_shape(shape)
    config = {
        "kind": kind,
        "architecture": model.architecture(),
        "training": dict(training.values(), feature_shape=list(shape),
                         num_instances=sum(ds.num_instances for ds in datasets),
                         inputs=[str(ds.path) if ds.path else None for ds in datasets]),
        "preprocessing": _recorded_preprocessing(datasets),
        **recorded,  # the corruption options and the recipe
        "audeep_version": __version__,
    }
    return model, config, [], 0


def _recorded_preprocessing(datasets) -> "dict | None":
    """The spectrogram options of the training data (for ``extract``), or None if unknown or not shared.

    Inputs preprocessed with different options (or not by ``preprocess``) give no record, with
    a warning where they disagree: ``extract`` then needs the options given explicitly.
    """
    from audeep.preprocessing.windows import stored_options

    found = [stored_options(ds.attrs) for ds in datasets]
    if all(f is not None and f == found[0] for f in found):
        return found[0]
    if any(f is not None for f in found):
        log.warning("the inputs were not all preprocessed with the same spectrogram options: the run records no "
                    "preprocessing, and extracting features with it needs the options given explicitly")
    return None


def _resumed_run(kind, run_dir: Path, training: TrainingConfig, shape, *, given: dict):
    """(model, config, history, start epoch) of a run continued from its newest checkpoint.

    ``given`` holds the training options named by the caller: a learning rate other than the
    run's own is refused, since the restored optimizer keeps the run's.
    """
    import keras

    config = read_run_config(run_dir)
    if config["kind"] != kind:
        raise ModelError(f"run_dir {run_dir}: holds a {config['kind']} run, not {kind}", parameter="run_dir")
    recorded = config.get("training", {})
    own_rate = recorded.get("learning_rate")
    if given.get("learning_rate") is not None and own_rate is not None and training.learning_rate != own_rate:
        raise ParameterError(f"learning_rate {training.learning_rate:g}: the run in {run_dir} was trained at "
                             f"{own_rate:g}, and a continued run keeps its own rate", parameter="learning_rate")
    saved_shape = tuple(recorded.get("feature_shape", shape))
    start_epoch, checkpoint = latest_checkpoint(run_dir)  # a run without checkpoints cannot be continued
    keras.utils.set_random_seed(training.seed + 1000 * start_epoch)
    model = load_checkpoint(checkpoint)
    model.check_input_shape(shape)
    if saved_shape[1:] != shape[1:]:
        raise DataSetError(f"inputs have feature shape {shape}; the run in {run_dir} was trained on {saved_shape}")
    history = [r for r in read_history(run_dir) if r["epoch"] <= start_epoch]
    return model, config, history, start_epoch


def _fit(model, data, *, run_dir: Path, history: list, training: TrainingConfig, start_epoch: int, steps: int,
         progress: bool, preview, shape) -> list:
    """Run Keras' fit loop from ``start_epoch``; return the seconds of each epoch trained."""
    import keras

    from audeep.training.callbacks import make_run_callback

    if start_epoch:  # logged under the run's lock: a refused second training says only why it was refused
        log.info("resuming %s from epoch %d", run_dir, start_epoch)
    if not model.built:
        model.build((None,) + tuple(shape))
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
        model.compile(optimizer=keras.optimizers.Adam(training.learning_rate, clipvalue=2.0), jit_compile=False)
    model.jit_compile = False  # XLA measured 2.5x slower for training on CPU
    callback = make_run_callback(run_dir=run_dir, history=history, keep=training.checkpoints_to_keep, steps=steps,
                                 progress=progress, preview=preview)
    try:
        model.fit(data, epochs=training.num_epochs, initial_epoch=start_epoch, verbose=0, callbacks=[callback],
                  shuffle=False)
    except KeyboardInterrupt:
        done = max(list_checkpoints(run_dir), default=0)
        if not done:  # a new run (a resumed one has a checkpoint): removed by claim_run
            raise ModelError(f"training interrupted before its first epoch ended; run_dir {run_dir} holds no run",
                             parameter="run_dir") from None
        raise ModelError(f"training interrupted; run_dir {run_dir} holds {done} complete epochs: continue "
                         "it with resume", parameter=("run_dir", "resume")) from None
    return callback.seconds


def train_autoencoder(*, kind: str, inputs: Sequence, run_dir, architecture=None, resume: bool = False,
                      in_memory: "bool | None" = None, progress: bool = True, corruption=None,
                      recipe: "str | None" = None, **options) -> TrainingResult:
    """Train an autoencoder of a registered kind into a run directory.

    Parameters
    ----------
    kind : str
        A key of :data:`audeep.models.config.MODEL_CONFIGS`, e.g. ``"t-rae"``.
    inputs : sequence of DataSet or path-like
        Training data sets, same feature shape [time, freq].
    run_dir : path-like
        The run directory (created; must not hold a run unless ``resume``).
    architecture : ModelConfig or dict, optional
        The kind's configuration (:mod:`audeep.models.config`) or its parameters
        (``num_features`` is taken from the data); ignored when resuming (the saved
        architecture is used).  Default: the configuration's defaults.
    corruption : CorruptionConfig or dict, optional
        Input corruption and mixing (:mod:`audeep.models.corruption`; default none); a resumed run keeps its own.
    recipe : str, optional
        A named recipe (:data:`audeep.models.recipes.RECIPES`) filling in the options not given.
    resume : bool
        Continue the run in ``run_dir`` from its newest checkpoint, at its own learning rate.
    in_memory : bool, optional
        Load the data into memory (True) or stream it (False); default by size.
    progress : bool
        Show a progress bar per epoch on stderr.
    **options
        The fields of :class:`audeep.models.config.TrainingConfig`: ``num_epochs`` (total
        epochs of the run, resumed ones included), ``batch_size``, ``learning_rate`` (Adam;
        gradients are clipped by value to [-2, 2]), ``checkpoints_to_keep``, ``seed`` (seeds
        weights, shuffling, dropout and noise), ``threads`` (TensorFlow intra-op threads),
        ``devices`` (a count or ``"all"``: train on several devices of this host, each batch
        split across them; see :mod:`audeep.training.devices`), ``fold`` (train only on the
        TRAIN rows of this 1-based cross-validation fold; see :mod:`audeep.training.fold_inputs`).

    Returns
    -------
    TrainingResult

    Raises
    ------
    ParameterError, DataSetError, ModelError
        On bad options, bad inputs, an existing run without ``resume``, a run that another
        training is writing into, or a run that does not match the inputs or its learning rate.
    """
    from audeep._tensorflow import configure_threads
    from audeep.models.prediction import check_prediction_devices
    from audeep.training.devices import configure_cpu_devices, device_scope

    training, arch, damage = _options(kind, architecture=architecture, corruption=corruption, recipe=recipe,
                                      options=options, resume=resume)
    run_dir = Path(run_dir)
    datasets = [as_dataset(ds, parameter="inputs") for ds in inputs]
    training, datasets = fold_inputs(datasets, training=training, run_dir=run_dir, resume=resume)
    shape = check_inputs(datasets)
    check_corruption_shape(damage, shape)
    configure_cpu_devices()  # AUDEEP_CPU_DEVICES, before TensorFlow starts its devices
    configure_threads(training.threads)
    with device_scope(training.devices):  # the model is made, loaded and fitted on the devices
        if resume:
            model, config, history, start_epoch = _resumed_run(kind, run_dir, training, shape, given=options)
        else:
            model, config, history, start_epoch = _new_run(kind, run_dir, arch, training, shape, datasets,
                                                           corruption=damage.values(), recipe=recipe)
        model.set_corruption(corruption_config(config.get("corruption")), seed=training.seed)  # the run's own
        check_prediction_devices(model.config)  # under the devices' strategy
        if start_epoch >= training.num_epochs:
            log.warning("%s already has %d epochs (num_epochs %d): nothing to train", run_dir, start_epoch,
                        training.num_epochs)
            return TrainingResult(run_dir, model, history, list_checkpoints(run_dir))
        # the input is checked (shapes, finite values) before anything is written
        data, steps = make_input(datasets, batch_size=training.batch_size, seed=training.seed + start_epoch,
                                 in_memory=in_memory)
        with claim_run(run_dir, config=config, new=not resume):  # new: checked again under the lock
            preview = datasets[0].load_features(np.arange(min(3, datasets[0].num_instances)))
            seconds = _fit(model, data, run_dir=run_dir, history=history, training=training,
                           start_epoch=start_epoch, steps=steps, progress=progress, preview=preview, shape=shape)
    mean = float(np.mean(seconds)) if seconds else float("nan")
    return TrainingResult(run_dir, model, history, list_checkpoints(run_dir), mean)
