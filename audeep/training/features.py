"""Learned features from trained autoencoder checkpoints (``generate``).

The representation of every instance becomes its features: ``[instance, generated]``, or
``[instance, time, generated]`` for the f-RAE (one representation per frame); all
metadata (filenames, chunks, labels, folds, partitions, attributes) is copied unchanged.
Works for any kind registered in :data:`audeep.models.base.MODEL_KINDS`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from audeep._atomic import refuse_overwriting_inputs
from audeep._params import positive_int
from audeep._progress import Progress
from audeep._tensorflow import use_xla
from audeep.dataset import DataSet, DataSetWriter, check_finite, provenance_attrs
from audeep.dataset.coerce import accepts_paths, as_dataset
from audeep.dataset.shard_output import ShardedOutput
from audeep.errors import ParameterError
from audeep.models.readouts import canonical_readouts
from audeep.training.runs import check_generated, load_autoencoder, resolve_epochs

__all__ = ["encode_block", "encode_dataset", "write_features", "generate_features"]

log = logging.getLogger(__name__)


def _encoder(model, shape, features, padded=True, xla=False):
    """A compiled ``model.features`` for inputs of ``shape`` (cached on the model)."""
    cache = model.__dict__.setdefault("_audeep_encoders", {})
    key = (tuple(shape), features, padded, xla)
    if key not in cache:
        cache[key] = _compile_encoder(model, shape, features, padded, xla)
    return cache[key]


def _compile_encoder(model, shape, features, padded, xla):
    import tensorflow as tf

    from audeep._tensorflow import cpu_cores

    signature = [tf.TensorSpec((None,) + tuple(shape), tf.float32)]
    if padded:
        signature.append(tf.TensorSpec((None,), tf.int32))

    def encode(x, lengths=None):  # unpadded: (x) only, fixed-length data pays nothing for masking
        return model.features(x, features=features, lengths=lengths)

    if not xla or cpu_cores() < 2:
        return tf.function(encode, input_signature=signature, jit_compile=xla)
    # XLA on CPU: two halves of the batch, compiled separately, run at once on the inter-op
    # threads (2 cores: 1.16-1.21x the whole batch in one XLA call, same values)
    compiled = tf.function(encode, jit_compile=True)

    def halves(*args):
        middle = tf.shape(args[0])[0] // 2
        return tf.concat([compiled(*[a[:middle] for a in args]), compiled(*[a[middle:] for a in args])], 0)

    return tf.function(halves, input_signature=signature, jit_compile=False)


def encode_block(model, block, lengths, *, features: str = "bottleneck", shape=None, xla: bool = False) -> np.ndarray:
    """Features of one batch of spectrograms: the one path from spectrograms to features.

    Parameters
    ----------
    model : keras.Model
        A trained autoencoder.
    block : ndarray, shape (batch, time, freq), float32
    lengths : ndarray, shape (batch,), int32
        Valid time steps of each spectrogram.
    features : str
        A read-out specification (:mod:`audeep.models.readouts`).
    shape : tuple, optional
        The instance shape the encoder is compiled for (``time`` may be None: any
        length); default ``block``'s.
    xla : bool
        XLA-compile the encoder (CPU only): faster per batch, but each batch shape compiles
        for seconds; :func:`audeep._tensorflow.use_xla` says when it pays.

    Returns
    -------
    ndarray, shape (batch, *generated_shape), float32
    """
    padded = bool(np.any(np.asarray(lengths) < block.shape[1]))
    encode = _encoder(model, tuple(block.shape[1:]) if shape is None else tuple(shape), features, padded, xla)
    values = np.asarray(encode(block, lengths) if padded else encode(block))
    check_generated(values, model=model)  # NaN or infinite features are never written
    return values


def encode_rows(model, dataset: DataSet, rows, block, *, features: str = "bottleneck",
                xla: "bool | None" = None) -> np.ndarray:
    """Features [len(rows), *generated_shape] of the spectrograms ``block`` of ``dataset``'s ``rows``
    (``xla`` None: XLA-compiled when ``dataset`` is large enough to pay for it)."""
    check_finite(block, dataset=dataset, rows=rows)
    all_lengths = dataset.lengths
    lengths = (np.full(len(rows), block.shape[1], np.int32) if all_lengths is None
               else all_lengths[rows].astype(np.int32))
    return encode_block(model, block, lengths, features=features, shape=dataset.feature_shape,
                        xla=use_xla(dataset.num_instances) if xla is None else xla)


def _batches(model, dataset: DataSet, batch_size: int, features: str = "bottleneck", encoded=None, xla=None):
    batch_size = positive_int("batch_size", batch_size)
    model.check_input_shape(dataset.feature_shape)
    model.generated_shape(dataset.feature_shape, features)  # an unsupported choice fails before any work
    if encoded is not None:  # (rows, features) of the same batches, encoded elsewhere (Dask workers)
        yield from encoded
        return
    xla = use_xla(dataset.num_instances) if xla is None else xla  # once, not per batch
    for rows, block in dataset.iter_batches(batch_size=batch_size):
        yield rows, encode_rows(model, dataset, rows, block, features=features, xla=xla)


@accepts_paths("dataset")
def encode_dataset(model, dataset: DataSet, *, batch_size: int = 500, features: str = "bottleneck") -> DataSet:
    """Features of all instances in memory.

    Parameters
    ----------
    model : keras.Model
        A trained autoencoder (``encode`` method).
    dataset : DataSet
        Spectrograms [instance, time, freq] of the model's shape.
    batch_size : int
    features : str
        What to generate: a read-out specification (:mod:`audeep.models.readouts`, e.g.
        ``"bottleneck+layers"``); terms other than ``"bottleneck"`` are offered by the t-RAE.

    Returns
    -------
    DataSet
        Same metadata, features [instance, generated] (f-RAE: [instance, time, generated]),
        float32.
    """
    parts = [block for _, block in _batches(model, dataset, batch_size, features)]
    if parts:
        values = np.concatenate(parts)
    else:
        values = np.zeros((0,) + tuple(model.generated_shape(dataset.feature_shape, features)), np.float32)
    return dataset.with_features(values, feature_dims=model.feature_dims(), lengths=_kept_lengths(model, dataset))


def _kept_lengths(model, dataset: DataSet):
    """The input's valid time steps when the features keep its time axis (f-RAE), else None."""
    return dataset.lengths if "time" in model.feature_dims() else None


def write_features(model, dataset: DataSet, output, *, batch_size: int = 500, features: str = "bottleneck",
                   provenance: "dict | None" = None, encoded=None, shard_size: "int | None" = None) -> Path:
    """Stream the features of all instances into a new data set file (atomic).

    Parameters
    ----------
    model : keras.Model
    dataset : DataSet
    output : path-like
    batch_size : int
    provenance : dict, optional
        ``command`` and ``parameters`` attributes for the output.
    encoded : callable, optional
        ``encoded(indices)``: ``(rows, features)`` of every batch of ``batch_size`` of the
        instances ``indices`` (None: all), in order, encoded elsewhere
        (:func:`audeep.cluster.generation.encoded_batches`); default: encoded here.
    shard_size : int, optional
        Write ``output`` as a folder of shards of about this many instances (a file's chunks
        stay in one shard; :mod:`audeep.dataset.shards`); a re-run keeps the complete shards.

    Returns
    -------
    pathlib.Path
    """
    output = Path(output)
    shards = ShardedOutput.for_instances(output, dataset, shard_size=shard_size, parameter="outputs",
                                         key=dict(provenance or {}, input=str(dataset.path), features=features))
    todo = shards.todo_rows(dataset.filenames) if shards is not None else None
    xla = use_xla(dataset.num_instances)  # the whole input's choice, also when resuming
    if todo is not None:  # only the instances of the shards not complete yet
        dataset = dataset.select(todo)
    attrs = provenance_attrs(command=provenance.get("command", ""),
                             parameters=provenance.get("parameters", {})) if provenance else None
    dims = dict(zip(model.feature_dims(), model.generated_shape(dataset.feature_shape, features)))
    lengths = _kept_lengths(model, dataset)
    with (shards.like if shards else DataSetWriter.like)(dataset, output, feature_dims=dims, attrs=attrs,
                                                         with_length=lengths is not None) as writer:
        with Progress(-(-dataset.num_instances // batch_size), desc=output.name, unit="batch") as bar:
            for rows, block in _batches(model, dataset, batch_size, features, encoded and encoded(todo), xla):
                writer.append_rows(dataset, rows, features=block, lengths=None if lengths is None else lengths[rows])
                bar.update(1)
    return output


def generate_features(*, run_dir, input, outputs: Sequence, epochs: "Sequence[int] | None" = None,
                      batch_size: int = 500, features: str = "bottleneck", kind: "str | None" = None,
                      threads: "int | None" = None, provenance: "dict | None" = None,
                      scheduler: "str | None" = None, shard_size: "int | None" = None) -> list:
    """Write the features of ``input`` for one or more checkpoints of a run.

    Parameters
    ----------
    run_dir : path-like
        The run directory.
    input : DataSet or path-like
        Spectrograms of the shape the model was trained on.
    outputs : sequence of path-like
        One output file per epoch.
    epochs : sequence of int, optional
        Checkpoints (epoch numbers); default the newest only.
    batch_size : int
    features : str
        What to generate (recorded in its canonical spelling); see :func:`encode_dataset`.
    kind : str, optional
        Required model kind.
    threads : int, optional
        TensorFlow intra-op threads (default: all cores).
    provenance : dict, optional
        ``command`` and ``parameters`` attributes for the outputs.
    scheduler : str, optional
        Encode on Dask workers (``"local:N"`` or a scheduler's address), batches of rows of
        the input file; the output is the same.
    shard_size : int, optional
        Write every output as a folder of shards (see :func:`write_features`).

    Returns
    -------
    list of (int, pathlib.Path)
        The epoch and the written file for each output.

    Raises
    ------
    ParameterError, ModelError, DataSetError
        Before any output is written: outputs not matching the epochs, missing epochs, a
        model of another kind, or an input shape the model does not take.
    """
    from audeep._tensorflow import configure_threads

    features = canonical_readouts(features)  # a bad specification fails before any work
    outputs = [Path(o) for o in outputs]
    config, _, epochs = resolve_epochs(run_dir, epochs, kind)
    if len(outputs) != len(epochs):
        raise ParameterError(f"{len(outputs)} output files for {len(epochs)} checkpoints: give one outputs per step "
                             "(checkpoint) in epochs", parameter=("outputs", "epochs"))
    if len(set(outputs)) != len(outputs):
        raise ParameterError("outputs: the output files must differ", parameter="outputs")
    dataset = as_dataset(input, parameter="input")
    for output in outputs:
        refuse_overwriting_inputs(output=output, inputs=[dataset.path], parameter="outputs",
                                  folder=shard_size is not None)
    shape = tuple(config.get("training", {}).get("feature_shape", dataset.feature_shape))
    if len(dataset.feature_shape) != len(shape) or dataset.feature_shape[1:] != tuple(shape[1:]):
        raise ParameterError(f"{dataset.path or 'input'}: features of shape {dataset.feature_shape} do not fit "
                             f"the model trained on {tuple(shape)}")
    # one big batch per call: intra-op parallelism over all cores pays here (2 cores, XLA: 1266
    # vs 815 spectrograms/s with the training loop's single intra-op thread)
    configure_threads(threads if threads is not None else (os.cpu_count() or 1))
    from audeep.cluster.generation import encoded_batches, generation_executor

    written = []
    with generation_executor(input, dataset, scheduler=scheduler, batch_size=batch_size) as executor:
        for epoch, output in zip(epochs, outputs):
            model = load_autoencoder(run_dir, epoch=epoch, kind=kind)
            encoded = encoded_batches(executor, dataset, run_dir=run_dir, epoch=epoch, kind=kind,
                                      batch_size=batch_size, features=features, threads=threads,
                                      encode=encode_rows)
            written.append((epoch, write_features(model, dataset, output, batch_size=batch_size, features=features,
                                                  provenance=provenance, encoded=encoded, shard_size=shard_size)))
            log.info("epoch %d: wrote %s", epoch, output)
    return written
