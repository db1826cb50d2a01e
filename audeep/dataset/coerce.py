"""A data set given as a :class:`~audeep.dataset.DataSet` or as the path of its file: one rule for the API.

Every public function that takes a data set accepts either (``audeep.evaluate("features.nc",
...)`` as well as ``audeep.evaluate(DataSet.open("features.nc"), ...)``); they are marked with
:func:`accepts_paths`.
"""

from __future__ import annotations

import functools
import inspect
import os

from audeep.errors import ParameterError

__all__ = ["accepts_paths", "as_dataset"]


def as_dataset(value, *, parameter: str = "dataset"):
    """``value`` itself if it is a DataSet; the opened file if it is a path.

    Raises
    ------
    ParameterError
        If ``value`` is neither (naming ``parameter``).
    DataSetError
        If the file cannot be opened as a data set.
    """
    from audeep.dataset.core import DataSet

    if isinstance(value, DataSet):
        return value
    if isinstance(value, (str, os.PathLike)):
        return DataSet.open(value)
    raise ParameterError(f"{parameter}: expected a DataSet or the path of a data set file, "
                         f"got {type(value).__name__}", parameter=parameter)


def accepts_paths(*names: str):
    """Decorator: the parameters ``names`` (a data set, or a list of them) accept paths as well as DataSets."""

    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            bound = signature.bind_partial(*args, **kwargs)
            for name in names:
                if name not in bound.arguments:
                    continue
                value = bound.arguments[name]
                if isinstance(value, (list, tuple)):
                    bound.arguments[name] = type(value)(as_dataset(v, parameter=name) for v in value)
                else:
                    bound.arguments[name] = as_dataset(value, parameter=name)
            return function(*bound.args, **bound.kwargs)

        return wrapper

    return decorate
