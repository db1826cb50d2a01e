"""scikit-learn estimators over the autoencoders: ``fit`` learns without labels, ``transform`` gives features.

:class:`TimeAutoencoder`, :class:`FrequencyAutoencoder` and :class:`FrequencyTimeAutoencoder`
share one base, :class:`AutoencoderEstimator` (``BaseEstimator`` + ``TransformerMixin``).
Their parameters are not written out here: each class's ``__init__`` is made from the
kind's configuration (:mod:`audeep.models.config`) and :class:`TrainingConfig`, so an
architecture or training option declared there is an estimator parameter too.
``__init__`` only stores parameters; learned state ends in ``_`` (``model_``,
``history_``, ``run_dir_``).

Input may be a :class:`~audeep.dataset.DataSet`, a path, a list of those, or an array
[n, time, freq] (with optional ``lengths``), so the estimators fit into scikit-learn::

    from sklearn.pipeline import Pipeline
    pipeline = Pipeline([("rae", TimeAutoencoder(num_epochs=20)), ("svm", LinearSVM())])
    cross_val_score(pipeline, spectrograms, labels, cv=5)

Examples
--------
>>> TimeAutoencoder(num_units=256).get_params()["num_units"]
256
"""

from __future__ import annotations

import inspect
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from audeep._params import params_of
from audeep.dataset import DataSet
from audeep.dataset.coerce import as_dataset
from audeep.errors import ModelError, ParameterError
from audeep.models.config import (
    FrequencyAutoencoderConfig,
    FrequencyTimeAutoencoderConfig,
    TimeAutoencoderConfig,
    TrainingConfig,
)

__all__ = ["AutoencoderEstimator", "TimeAutoencoder", "FrequencyAutoencoder", "FrequencyTimeAutoencoder"]

#: Estimator parameters that are neither architecture nor training options.
_OWN = (("progress", False),)


def _make_init(config_class):
    """An ``__init__`` that stores every parameter of ``config_class`` and :class:`TrainingConfig`.

    Its signature (keyword-only, with the declared defaults) is what scikit-learn's
    ``get_params`` / ``clone`` read.
    """
    params = [(f.name, f.default) for cls in (config_class, TrainingConfig) for f in params_of(cls)] + list(_OWN)
    names = [name for name, _ in params]

    def __init__(self, **kwargs):
        unknown = sorted(set(kwargs) - set(names))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}")
        for name, default in params:
            setattr(self, name, kwargs.get(name, default))

    __init__.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default) for name, default in params])
    __init__.__doc__ = f"Store the parameters (see :class:`{config_class.__name__}` and :class:`TrainingConfig`)."
    return __init__


def _as_inputs(X, lengths=None) -> "tuple[list, bool]":
    """(data sets or paths, whether X was an array)."""
    if isinstance(X, (DataSet, str, os.PathLike)):
        return [X], False
    if isinstance(X, (list, tuple)) and X and all(isinstance(x, (DataSet, str, os.PathLike)) for x in X):
        return list(X), False
    values = np.asarray(X, dtype=np.float32)
    if values.ndim != 3:
        raise ParameterError(f"X of shape {values.shape}: expected spectrograms [n, time, freq], a DataSet or a "
                             "path", parameter="X")
    if lengths is not None:
        lengths = np.asarray(lengths, dtype=np.int64)
        if lengths.shape != (values.shape[0],):
            raise ParameterError(f"lengths of shape {lengths.shape}: expected one length per instance "
                                 f"({values.shape[0]})", parameter="lengths")
    names = [f"instance-{i}" for i in range(values.shape[0])]
    return [DataSet.create(features=values, filenames=names, lengths=lengths)], True


class AutoencoderEstimator(TransformerMixin, BaseEstimator):
    """Base of the autoencoder estimators; subclasses set ``kind`` and ``config_class``."""

    kind: str = ""
    config_class: type = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.config_class is not None:
            cls.__init__ = _make_init(cls.config_class)

    def _options(self, config_class) -> dict:
        return {f.name: getattr(self, f.name) for f in params_of(config_class)}

    def fit(self, X, y=None, *, lengths=None, run_dir=None) -> "AutoencoderEstimator":
        """Train on spectrograms (labels are not used).

        Parameters
        ----------
        X : DataSet, path-like, a list of them, or array [n, time, freq]
            Spectrograms.
        y : ignored
        lengths : array [n] of int, optional
            Valid time steps of each array instance (padded, variable-length input).
        run_dir : path-like, optional
            Keep the run (checkpoints, history) there; default a temporary folder that is
            removed afterwards.

        Returns
        -------
        self
        """
        from audeep.training.train import train_autoencoder

        inputs, _ = _as_inputs(X, lengths)
        tmp = None
        if run_dir is None:
            tmp = tempfile.mkdtemp(prefix="audeep-run-")
            run_dir = Path(tmp) / "run"
        try:
            result = train_autoencoder(kind=self.kind, inputs=inputs, run_dir=run_dir,
                                       architecture=self._options(self.config_class), progress=self.progress,
                                       **self._options(TrainingConfig))
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        self.model_ = result.model
        self.history_ = result.history
        self.run_dir_ = None if tmp is not None else Path(run_dir)
        return self

    def transform(self, X, *, lengths=None, batch_size: int = 500, features: str = "bottleneck"):
        """Learned features of every instance.

        Parameters
        ----------
        X : DataSet, path-like or array [n, time, freq]
            Spectrograms of the shape trained on.
        lengths : array [n] of int, optional
            Valid time steps of each array instance.
        batch_size : int
        features : str
            A read-out specification: the representation ("bottleneck", default), statistics
            over time of the encoder's layers (t-RAE: "pooled", "layers", "bottleneck+layers:mean,std"
            ...); see :mod:`audeep.models.readouts`.

        Returns
        -------
        DataSet or array
            A DataSet (metadata unchanged) for DataSet or path input: features
            [instance, generated] (f-RAE: [instance, time, generated]); the feature array
            for array input.
        """
        if not hasattr(self, "model_"):
            raise ModelError(f"this {type(self).__name__} is not fitted yet: call fit() first")
        from audeep.training.features import encode_dataset

        inputs, is_array = _as_inputs(X, lengths)
        if len(inputs) != 1:
            raise ParameterError(f"X: {len(inputs)} data sets; transform takes one", parameter="X")
        ds = as_dataset(inputs[0], parameter="X")
        encoded = encode_dataset(self.model_, ds, batch_size=batch_size, features=features)
        return encoded.load_features() if is_array else encoded

    def fit_transform(self, X, y=None, **fit_params):
        """``fit`` then ``transform`` the same input."""
        lengths = fit_params.get("lengths")
        return self.fit(X, y, **fit_params).transform(X, lengths=lengths)


class TimeAutoencoder(AutoencoderEstimator):
    """Time-recurrent autoencoder (t-RAE) with a scikit-learn interface.

    Parameters: those of :class:`audeep.models.config.TimeAutoencoderConfig` and
    :class:`audeep.models.config.TrainingConfig`, plus ``progress`` (default False).
    Example::

        features = TimeAutoencoder(num_units=256, num_layers=2, bidirectional_decoder=True,
                                   num_epochs=64).fit(spectrograms).transform(spectrograms)
    """

    kind = "t-rae"
    config_class = TimeAutoencoderConfig


class FrequencyAutoencoder(AutoencoderEstimator):
    """Frequency-recurrent autoencoder (f-RAE) with a scikit-learn interface.

    Parameters: those of :class:`audeep.models.config.FrequencyAutoencoderConfig` and
    :class:`audeep.models.config.TrainingConfig`, plus ``progress``.  ``transform`` gives
    features [instance, time, generated].
    """

    kind = "f-rae"
    config_class = FrequencyAutoencoderConfig


class FrequencyTimeAutoencoder(AutoencoderEstimator):
    """Frequency-time-recurrent autoencoder (ft-RAE) with a scikit-learn interface.

    Parameters: those of :class:`audeep.models.config.FrequencyTimeAutoencoderConfig` and
    :class:`audeep.models.config.TrainingConfig`, plus ``progress``.  ``transform`` gives
    features [instance, generated].
    """

    kind = "ft-rae"
    config_class = FrequencyTimeAutoencoderConfig
