"""A data set spread over several files (shards), read as one lazy :class:`~audeep.dataset.DataSet`.

A sharded data set is a folder ``NAME/`` of shard files ``shard-00000.nc``, ``shard-00001.nc``, ...
(each an ordinary audeep data set file with the same feature dims, label map and fold count)
and ``manifest.json``, written last::

    {"format": "audeep-shards", "version": 1, "unit": "files", "shard_size": 2,
     "instances": 10, "feature_dims": {"time": 9, "freq": 8}, "label_map": {"a": 0, "b": 1},
     "num_folds": 2, "shards": [{"file": "shard-00000.nc", "instances": 4, "bytes": 21034}, ...]}

A folder without the manifest is a sharded data set whose writing did not finish.  A glob
pattern (``"dir/*.nc"``) is read the same way, its files in sorted order, without a manifest.

:func:`open_shards` concatenates the shards' metadata in memory; the features stay on disk
behind :class:`~audeep.dataset.shard_array.ShardedFeatures` (an xarray lazy backend array) that reads each requested row
from its shard, so every consumer of a :class:`~audeep.dataset.DataSet` works unchanged.
Writing is :mod:`audeep.dataset.shard_writer`.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np

from audeep.dataset.schema import (
    CHUNK_NR,
    FEATURES,
    FILENAME,
    FOLD_DIM,
    INSTANCE_DIM,
    MISSING,
    PARTITION,
    label_map_from_attr,
    normalise,
)
from audeep.errors import DataSetError

__all__ = ["FORMAT", "MANIFEST", "SHARD_ATTRS", "describe_shards", "is_sharded",
           "open_shards", "read_manifest", "shard_name"]

#: The manifest's file name inside a shard folder.
MANIFEST = "manifest.json"
#: The manifest's ``format`` entry and the version this module reads and writes.
FORMAT, VERSION = "audeep-shards", 1
#: Attributes of a shard file that describe the shard itself (not carried into the combined data set).
SHARD_ATTRS = ("shard_index", "shard_files", "shard_key")

_PATTERN_CHARS = "*?["


def shard_name(index: int) -> str:
    """The file name of shard ``index``: ``shard-00000.nc``, ..."""
    return f"shard-{index:05d}.nc"


def is_sharded(path) -> bool:
    """True if ``path`` names a shard folder or a glob pattern (not an existing file)."""
    path = Path(path)
    return path.is_dir() or (not path.exists() and any(c in str(path) for c in _PATTERN_CHARS))


def read_manifest(folder) -> dict:
    """The manifest of the shard folder ``folder``.

    Raises
    ------
    DataSetError
        If it is missing (an incomplete sharded data set), unreadable or of another format.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise DataSetError(f"{folder}: is a folder without {MANIFEST}: not a data set file, or a sharded data set "
                           "whose writing did not finish (re-running the command that writes it finishes it)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        names = [entry["file"] for entry in manifest["shards"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataSetError(f"{path}: not a readable shard manifest ({type(exc).__name__}: {exc})") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise DataSetError(f"{path}: format {manifest.get('format')!r} version {manifest.get('version')!r}: "
                           f"expected {FORMAT!r} version {VERSION}")
    if not names:
        raise DataSetError(f"{path}: lists no shards: expected at least one")
    return manifest


def _sources(path: Path) -> tuple:
    """(shard paths in order, manifest or None) of a shard folder or glob pattern."""
    if path.is_dir():
        manifest = read_manifest(path)
        return [path / entry["file"] for entry in manifest["shards"]], manifest
    files = sorted(Path(p) for p in glob.glob(str(path)))
    if not files:
        raise DataSetError(f"{path}: no file matches the pattern")
    return files, None


def _open_shard(path: Path, entry: dict | None, folder: Path):
    """The normalised, lazy xarray data of one shard, checked against its manifest ``entry``."""
    import xarray as xr

    if not path.is_file():
        raise DataSetError(f"{folder}: shard {path.name} is missing" + (" (listed in the manifest)" if entry else ""))
    if entry is not None and "bytes" in entry and path.stat().st_size != entry["bytes"]:
        raise DataSetError(f"{folder}: shard {path.name} has {path.stat().st_size} bytes, the manifest says "
                           f"{entry['bytes']}: it was changed or replaced after the manifest was written")
    try:
        raw = xr.open_dataset(path, engine="netcdf4", mask_and_scale=True, decode_times=False, cache=False)
    except Exception as exc:  # the netCDF library raises OSError, ValueError, ...
        raise DataSetError(f"{folder}: shard {path.name} is not a readable netCDF file "
                           f"({exc.__class__.__name__}: {exc})") from exc
    try:
        data = normalise(raw)
    except DataSetError as exc:
        raw.close()
        raise DataSetError(f"{folder}: shard {path.name}: {exc}") from exc
    if entry is not None and int(data.sizes[INSTANCE_DIM]) != entry.get("instances"):
        data.close()
        raise DataSetError(f"{folder}: shard {path.name} has {int(data.sizes[INSTANCE_DIM])} instances, the "
                           f"manifest says {entry.get('instances')}")
    return data


def _layout(data) -> dict:
    """What every shard of one data set shares: feature dims and dtype, label map, folds, variables."""
    return {"feature dims": dict(zip(data[FEATURES].dims[1:], (int(s) for s in data[FEATURES].shape[1:]))),
            "feature dtype": str(data[FEATURES].dtype),
            "label map": label_map_from_attr(data.attrs.get("label_map")),
            "folds": int(data.sizes.get(FOLD_DIM, 0)),
            "variables": sorted(set(data.data_vars) - {PARTITION})}


def _check_layouts(folder: Path, paths: list, parts: list, manifest: dict | None) -> None:
    """DataSetError naming the first shard whose layout differs from the manifest's or the first shard's."""
    first = _layout(parts[0])
    if manifest is not None:
        expected = {"feature dims": manifest.get("feature_dims"), "label map": manifest.get("label_map"),
                    "folds": manifest.get("num_folds")}
        reference = "the manifest's"
    else:
        expected, reference = first, f"{paths[0].name}'s"
    for path, part in zip(paths, parts):
        layout = _layout(part)
        for key, value in expected.items():
            if layout[key] != value:
                raise DataSetError(f"{folder}: shard {path.name}: {key} {layout[key]} differ from {reference} "
                                   f"{value}")
        for key in ("feature dtype", "variables"):
            if layout[key] != first[key]:
                raise DataSetError(f"{folder}: shard {path.name}: {key} {layout[key]} differ from "
                                   f"{paths[0].name}'s {first[key]}")


def _check_unique_keys(folder: Path, paths: list, parts: list) -> None:
    """DataSetError if one (filename, chunk_nr) key is in two shards, naming both."""
    owner = {}
    for k, part in enumerate(parts):
        names = part[FILENAME].values
        for name in set(names.tolist()) & owner.keys():
            chunks = set(part[CHUNK_NR].values[names == name].tolist())
            other = owner[name]
            clash = chunks & set(parts[other][CHUNK_NR].values[parts[other][FILENAME].values == name].tolist())
            if clash:
                raise DataSetError(f"{folder}: shard {paths[k].name}: file {name!r} chunk {min(clash)} is also in "
                                   f"shard {paths[other].name}: every (filename, chunk_nr) must be unique")
        owner.update(dict.fromkeys(set(names.tolist()) - owner.keys(), k))


def _combine(parts: list, paths: list, folder: Path):
    """One xarray data set: the shards' metadata concatenated, features lazy (``ShardedFeatures``)."""
    import xarray as xr
    from xarray.core import indexing

    from audeep.dataset.shard_array import ShardedFeatures

    variables = {}
    for name in parts[0].data_vars:
        if name != FEATURES:
            variables[name] = (parts[0][name].dims, np.concatenate([p[name].values for p in parts]))
    if any(PARTITION in p for p in parts):  # a shard whose partitions are all missing has no variable
        variables[PARTITION] = ((INSTANCE_DIM,), np.concatenate(
            [p[PARTITION].values if PARTITION in p else np.full(p.sizes[INSTANCE_DIM], MISSING, np.int8)
             for p in parts]))
    features = ShardedFeatures([p[FEATURES].variable for p in parts], [p.name for p in paths], folder)
    variables[FEATURES] = (parts[0][FEATURES].dims, indexing.LazilyIndexedArray(features))
    attrs = {k: v for k, v in parts[0].attrs.items() if k not in SHARD_ATTRS}
    data = xr.Dataset(variables, attrs=attrs)

    def close():
        for part in parts:
            part.close()

    data.set_close(close)
    return data


def open_shards(path):
    """The shards of a shard folder or glob pattern as one lazy, normalised ``xarray.Dataset``.

    Parameters
    ----------
    path : path-like
        A folder with ``manifest.json``, or a glob pattern of data set files.

    Returns
    -------
    xarray.Dataset
        Metadata of all shards in memory (in shard order), features lazy, shape
        (n_instances, ...); closing it closes every shard.

    Raises
    ------
    DataSetError
        In one line naming the shard: an incomplete folder (no manifest), a missing shard,
        a shard whose size, instance count, feature dims, label map or fold count differs
        from the manifest's (or the first shard's), or a (filename, chunk_nr) key in two shards.
    """
    path = Path(path)
    paths, manifest = _sources(path)
    entries = manifest["shards"] if manifest is not None else [None] * len(paths)
    parts = []
    try:
        for shard, entry in zip(paths, entries):
            parts.append(_open_shard(shard, entry, path))
        _check_layouts(path, paths, parts, manifest)
        _check_unique_keys(path, paths, parts)
        return _combine(parts, paths, path)
    except BaseException:
        for part in parts:
            part.close()
        raise


def describe_shards(path) -> dict:
    """``{"shards": N}`` for a shard folder or pattern (what ``inspect netcdf`` adds), else ``{}``."""
    if path is None or not is_sharded(path):
        return {}
    try:
        paths, manifest = _sources(Path(path))
    except DataSetError:
        return {}
    return {"sharded": f"yes, {len(paths)} shards" + ("" if manifest else " (a file pattern, no manifest)")}
