"""Data-set transforms: CV setup and partitions, fusion, chunk fusion, upsampling, t-SNE.

Functions take and return :class:`~audeep.dataset.DataSet` objects (or index arrays); each
is also a method of the data set (``dataset.add_cv_setup(num_folds=5)``, ...), and the
commands ``modify``, ``fuse``, ``fuse chunks``, ``upsample``, ``visualize tsne`` call them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from audeep.dataset.integrity import check_finite
from audeep.dataset.schema import (
    CHUNK_NR,
    CV_FOLDS,
    FILENAME,
    FOLD_DIM,
    INSTANCE_DIM,
    MISSING,
    PARTITION,
    Partition,
    Split,
    file_groups,
)
from audeep.errors import DataSetError, ParameterError

if TYPE_CHECKING:
    from audeep.dataset import DataSet

__all__ = [
    "add_cv_setup",
    "add_partitioning",
    "fuse",
    "fuse_chunks",
    "remove_cv_setup",
    "remove_partitioning",
    "tsne_embedding",
    "upsample",
    "upsample_indices",
]


def upsample_indices(*, labels, groups=None) -> np.ndarray:
    """Indices that balance classes by repeating the instances of smaller classes.

    Every class is repeated ``k = n_max // n_c`` times, where ``n_c`` counts the
    *groups* (files) of the class and ``n_max`` that of the largest class, so class
    counts afterwards differ from the largest by less than one copy of the class.
    The chunks of one group are always repeated together.

    Parameters
    ----------
    labels : array-like of int, shape (n_instances,)
        Numeric labels; -1 (missing) is an error.
    groups : array-like, shape (n_instances,), optional
        Group key per instance (e.g. the filename); default: every instance alone.

    Returns
    -------
    numpy.ndarray of int64, shape (n_upsampled,)
        Instance indices: first every instance once in the original order, then the
        extra copies (copy 1 of every repeated instance, then copy 2, ...).

    Raises
    ------
    DataSetError
        If an instance has no label.
    """
    labels = np.asarray(labels)
    if labels.size and (labels == MISSING).any():
        raise DataSetError(f"{int((labels == MISSING).sum())} instances have no label: upsampling needs labels")
    if groups is None:
        groups = np.arange(labels.size)
    group_ids = file_groups(groups)
    classes = np.unique(labels)
    counts = {c: np.unique(group_ids[labels == c]).size for c in classes}
    if not counts:
        return np.zeros(0, np.int64)
    largest = max(counts.values())
    factors = np.zeros(labels.size, np.int64)
    for c, n in counts.items():
        factors[labels == c] = largest // n
    parts = [np.arange(labels.size)]
    for copy in range(1, int(factors.max(initial=1))):
        parts.append(np.flatnonzero(factors > copy))
    return np.concatenate(parts).astype(np.int64)


# ---------------------------------------------------------------- modify: cross-validation setup and partitions

def _grouped_splits(dataset: DataSet, *, num_splits: int, seed: int, what: str) -> list:
    """Split the instances into ``num_splits`` disjoint parts with scikit-learn.

    Chunks of one file always land in the same part; with labels the parts are
    stratified (StratifiedGroupKFold, shuffled with ``seed``), without labels the files
    are dealt to parts by KFold over the shuffled files.

    Returns
    -------
    list of numpy.ndarray of int
        The instance indices of every part, in instance order.
    """
    from sklearn.model_selection import KFold, StratifiedGroupKFold

    groups = file_groups(dataset.filenames)
    num_groups = int(groups.max()) + 1 if groups.size else 0
    if num_groups < num_splits:
        raise DataSetError(
            f"cannot make {num_splits} {what}: the data set has only {num_groups} files "
            f"(chunks of one file stay together)")
    labels = dataset.labels_numeric
    if labels is not None and (labels != MISSING).any():
        splitter = StratifiedGroupKFold(n_splits=num_splits, shuffle=True, random_state=seed)
        try:
            parts = [valid for _, valid in splitter.split(np.zeros(labels.size), labels, groups)]
        except ValueError as exc:  # every class has fewer files than splits
            raise DataSetError(f"cannot make {num_splits} stratified {what}: {exc}") from exc
    else:
        splitter = KFold(n_splits=num_splits, shuffle=True, random_state=seed)
        parts = [np.flatnonzero(np.isin(groups, valid_groups))
                 for _, valid_groups in splitter.split(np.arange(num_groups))]
    return [np.sort(p) for p in parts]


def add_cv_setup(dataset: DataSet, *, num_folds: int, seed: int = 42) -> DataSet:
    """A copy of ``dataset`` with a new cross-validation setup of ``num_folds`` folds.

    Every file is VALID in exactly one fold and TRAIN in the others; chunks of one file
    share their folds; folds are stratified by label when the data set has labels.
    Deterministic given ``seed``.  Features stay lazy.

    Parameters
    ----------
    dataset : DataSet
    num_folds : int
        At least 2.
    seed : int

    Returns
    -------
    DataSet
        With ``cv_folds`` of shape (n_instances, num_folds); any old setup is replaced.
    """
    if num_folds < 2:
        raise ParameterError(f"num_folds {num_folds}: expected at least 2 folds", parameter="num_folds")
    parts = _grouped_splits(dataset, num_splits=num_folds, seed=seed, what="folds")
    folds = np.zeros((dataset.num_instances, num_folds), np.int8)
    for k, valid in enumerate(parts):
        folds[valid, k] = Split.VALID
    return _replace_variable(dataset, CV_FOLDS, ((INSTANCE_DIM, FOLD_DIM), folds))


def remove_cv_setup(dataset: DataSet) -> DataSet:
    """A copy of ``dataset`` without cross-validation folds (``cv_folds`` of width 0)."""
    return _replace_variable(dataset, CV_FOLDS, ((INSTANCE_DIM, FOLD_DIM),
                                                 np.zeros((dataset.num_instances, 0), np.int8)))


def add_partitioning(dataset: DataSet, *, partitions, seed: int = 42) -> DataSet:
    """A copy of ``dataset`` with every file assigned to one of ``partitions``.

    The files are split into ``len(partitions)`` parts of (nearly) equal size,
    stratified by label when the data set has labels; chunks of one file stay together.
    Deterministic given ``seed``.

    Parameters
    ----------
    dataset : DataSet
    partitions : sequence of str or Partition
        Distinct partition names, e.g. ``["train", "devel", "test"]``.
    seed : int

    Returns
    -------
    DataSet
    """
    parsed = [Partition.parse(p) for p in partitions]
    if not parsed:
        raise ParameterError("partitions: name at least one partition", parameter="partitions")
    if len(set(parsed)) != len(parsed):
        raise ParameterError(f"partitions {' '.join(p.name.lower() for p in parsed)}: expected distinct names",
                             parameter="partitions")
    values = np.full(dataset.num_instances, int(parsed[0]), np.int8)
    if len(parsed) > 1:
        parts = _grouped_splits(dataset, num_splits=len(parsed), seed=seed, what="partitions")
        for part, idx in zip(parsed, parts):
            values[idx] = int(part)
    return _replace_variable(dataset, PARTITION, ((INSTANCE_DIM,), values))


def remove_partitioning(dataset: DataSet) -> DataSet:
    """A copy of ``dataset`` without partition information."""
    return _replace_variable(dataset, PARTITION, None)


def _replace_variable(dataset: DataSet, name: str, variable) -> DataSet:
    data = dataset.data
    if name in data.variables:
        data = data.drop_vars(name)
    if name == CV_FOLDS and FOLD_DIM in data.dims:
        data = data.drop_dims(FOLD_DIM)
    if variable is not None:
        data = data.assign({name: variable})
    return type(dataset)(data, path=dataset.path)


# ---------------------------------------------------------------- fuse, fuse chunks

def _describe(dataset: DataSet, index: int) -> str:
    return f"instance {index} ({str(dataset.filenames[index])!r}, chunk {int(dataset.chunk_nrs[index])})"


def _name(dataset: DataSet, position: int) -> str:
    return str(dataset.path) if dataset.path is not None else f"data set {position + 1}"


def _concat_axis(datasets, dimension: str) -> int:
    """Position of ``dimension`` among the feature dims; the other dims must agree."""
    first = datasets[0]
    if dimension not in first.feature_dims:
        raise ParameterError(f"dimension {dimension!r}: {_name(first, 0)} has feature dims "
                             f"{list(first.feature_dims)}", parameter="dimension")
    axis = first.feature_dims.index(dimension)
    for pos, ds in enumerate(datasets):
        if ds.lengths is not None:
            raise DataSetError(f"{_name(ds, pos)}: variable-length features cannot be fused")
        if pos == 0:
            continue
        if ds.feature_dims != first.feature_dims:
            raise DataSetError(f"{_name(ds, pos)} has feature dims {list(ds.feature_dims)}, "
                               f"{_name(first, 0)} has {list(first.feature_dims)}: they must be the same")
        other = [s for i, s in enumerate(ds.feature_shape) if i != axis]
        expected = [s for i, s in enumerate(first.feature_shape) if i != axis]
        if other != expected:
            raise DataSetError(
                f"{_name(ds, pos)} has feature shape {dict(zip(ds.feature_dims, ds.feature_shape))}, "
                f"{_name(first, 0)} has {dict(zip(first.feature_dims, first.feature_shape))}: "
                f"only {dimension!r} may differ")
    return axis


def fuse(datasets, *, dimension: str = "generated") -> DataSet:
    """Concatenate the features of data sets that hold the same instances.

    Instances are aligned by (filename, chunk_nr), so the inputs may list them in any
    order; the result has the order of the first.  Labels, label map, folds and
    partitions must be identical.

    Parameters
    ----------
    datasets : sequence of DataSet
        At least two; features of shape (n_instances, ..., d_i, ...) where only the
        size of ``dimension`` may differ.
    dimension : str
        The feature dimension to concatenate along.

    Returns
    -------
    DataSet
        Features of shape (n_instances, ..., sum(d_i), ...), in memory.

    Raises
    ------
    DataSetError
        Naming the first instance missing from an input or whose metadata differs.
    """
    datasets = list(datasets)
    if len(datasets) < 2:
        raise ParameterError(f"datasets: fuse needs at least two data sets, got {len(datasets)}",
                             parameter="datasets")
    axis = _concat_axis(datasets, dimension)
    first = datasets[0]
    keys = _instance_keys(first, 0)
    blocks = [first.load_features()]
    for pos, ds in enumerate(datasets[1:], start=1):
        where = _instance_keys(ds, pos)
        order = np.empty(first.num_instances, np.int64)
        for i, key in enumerate(keys):
            j = where.get(key)
            if j is None:
                raise DataSetError(f"{_name(ds, pos)} lacks {_describe(first, i)} of {_name(first, 0)}")
            order[i] = j
        if ds.num_instances != first.num_instances:
            extra = min(set(where) - set(keys))
            raise DataSetError(f"{_name(ds, pos)} has instance ({str(extra[0])!r}, chunk {extra[1]}) "
                               f"that {_name(first, 0)} lacks")
        _check_same_metadata(first, ds.select(order), _name(first, 0), _name(ds, pos))
        blocks.append(ds.load_features(order))
    feats = np.concatenate(blocks, axis=axis + 1)
    return first.with_features(feats, feature_dims=first.feature_dims)


def _instance_keys(dataset: DataSet, position: int) -> dict:
    keys = {}
    for i, key in enumerate(zip(dataset.filenames.tolist(), dataset.chunk_nrs.tolist())):
        if key in keys:
            raise DataSetError(f"{_name(dataset, position)}: {_describe(dataset, i)} occurs twice "
                               f"(also instance {keys[key]})")
        keys[key] = i
    return keys


def _check_same_metadata(a: DataSet, b: DataSet, name_a: str, name_b: str) -> None:
    """Raise naming the first instance whose metadata differs; ``b`` is aligned to ``a``."""
    if a.label_map != b.label_map:
        raise DataSetError(f"{name_b} has label map {b.label_map}, {name_a} has {a.label_map}")
    checks = [("nominal label", a.labels_nominal, b.labels_nominal),
              ("numeric label", a.labels_numeric, b.labels_numeric),
              ("partition", a.partitions, b.partitions)]
    for what, va, vb in checks:
        if (va is None) != (vb is None):
            raise DataSetError(f"{name_a if va is None else name_b} has no {what}s, the other data set has")
        if va is None:
            continue
        differ = np.flatnonzero(np.asarray([_value(x) != _value(y) for x, y in zip(va.tolist(), vb.tolist())],
                                           bool).reshape(-1))
        if differ.size:
            i = int(differ[0])
            raise DataSetError(f"{what} of {_describe(a, i)} differs: {_value(va[i])!r} in {name_a}, "
                               f"{_value(vb[i])!r} in {name_b}")
    if a.num_folds != b.num_folds:
        raise DataSetError(f"{name_a} has {a.num_folds} folds, {name_b} has {b.num_folds}")
    differ = np.flatnonzero((a.cv_folds != b.cv_folds).any(axis=1))
    if differ.size:
        i = int(differ[0])
        raise DataSetError(f"cross-validation folds of {_describe(a, i)} differ between {name_a} and {name_b}")


def _value(v):
    """A metadata value for comparison: missing nominal labels (None or NaN) compare equal."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, str):
        return str(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def fuse_chunks(dataset: DataSet, *, dimension: str = "generated") -> DataSet:
    """Concatenate the chunks of every file, in chunk order, into one instance.

    Parameters
    ----------
    dataset : DataSet
        Every file must have the same number of chunks ``c``, numbered 0..c-1, with the
        same labels, folds and partition; features of shape (n_files * c, ..., d, ...).
    dimension : str
        The feature dimension to concatenate along.

    Returns
    -------
    DataSet
        One instance per file (order of first appearance), chunk_nr 0, features of
        shape (n_files, ..., c * d, ...), in memory.
    """
    axis = _concat_axis([dataset], dimension)
    names = dataset.filenames
    inverse = file_groups(names)
    if inverse.size == 0:
        raise DataSetError("the data set has no instances")
    _, first_index, counts = np.unique(inverse, return_index=True, return_counts=True)
    file_order = np.argsort(first_index, kind="stable")
    expected = int(counts[file_order[0]])
    odd = np.flatnonzero(counts != expected)
    if odd.size:
        f = int(odd[np.argmin(first_index[odd])])
        first_file = names[first_index[file_order[0]]]
        raise DataSetError(f"file {str(names[first_index[f]])!r} has {int(counts[f])} chunks, {str(first_file)!r} has "
                           f"{expected}: fuse chunks needs the same chunk count for every file")
    # rows[f, c] = instance index of chunk c of file f (files in order of appearance)
    rank = np.empty(file_order.size, np.int64)
    rank[file_order] = np.arange(file_order.size)
    file_of = rank[inverse.reshape(-1)]
    sort = np.lexsort((dataset.chunk_nrs, file_of))
    rows = sort.reshape(file_order.size, expected)
    chunk_nrs = dataset.chunk_nrs[rows]
    bad = np.flatnonzero((chunk_nrs != np.arange(expected)).any(axis=1))
    if bad.size:
        name, found = str(names[rows[bad[0], 0]]), sorted(chunk_nrs[bad[0]].tolist())
        raise DataSetError(f"file {name!r} has chunk numbers {found}: expected 0..{expected - 1}")
    head = rows[:, 0]
    merged = dataset.select(head)
    for c in range(1, expected):
        _check_same_metadata(merged, dataset.select(rows[:, c]), "chunk 0", f"chunk {c}")
    feats = dataset.load_features(rows.reshape(-1))
    feats = feats.reshape((file_order.size, expected) + dataset.feature_shape)
    # move the chunk axis next to the concatenation axis, then merge the two
    feats = np.moveaxis(feats, 1, axis + 1)
    shape = list(dataset.feature_shape)
    shape[axis] *= expected
    feats = feats.reshape((file_order.size,) + tuple(shape))
    data = merged.data.assign({CHUNK_NR: ((INSTANCE_DIM,), np.zeros(file_order.size, np.int64))})
    return type(dataset)(data).with_features(feats, feature_dims=dataset.feature_dims)


# ---------------------------------------------------------------- upsample

UPSAMPLED_SUFFIX = ".upsampled."


def upsample(dataset: DataSet, *, partitions=None) -> DataSet:
    """Balance classes by repeating the files of smaller classes.

    Within the named partitions taken together (or the whole set), every class is
    repeated ``n_max // n_c`` times (counted in files; chunks are copied together);
    the copies keep their metadata and get the filename suffix ``.upsampled.K``
    (K = 1, 2, ...).  Instances of partitions not named are kept once.

    Parameters
    ----------
    dataset : DataSet
    partitions : sequence of str, optional
        Partition names; default the whole set.

    Returns
    -------
    DataSet
        The original instances in their order, followed by the copies; features lazy.

    Raises
    ------
    DataSetError
        If the data set (or an instance to upsample) has no label, or partitions are
        named but the data set has none.
    """
    if dataset.labels_numeric is None:
        src = f"{dataset.path}: " if dataset.path is not None else ""
        raise DataSetError(f"{src}the data set has no labels: upsampling needs labelled instances")
    if partitions:
        selected = dataset.partition_indices(partitions)
    else:
        selected = np.arange(dataset.num_instances)
    labels = dataset.labels_numeric[selected]
    unlabelled = np.flatnonzero(labels == MISSING)
    if unlabelled.size:
        raise DataSetError(f"{_describe(dataset, int(selected[unlabelled[0]]))} has no label "
                           f"({unlabelled.size} unlabelled instances): upsampling needs labels")
    order = selected[upsample_indices(labels=labels, groups=dataset.filenames[selected])]
    extra = order[selected.size:]
    copy_nr = np.zeros(extra.size, np.int64)
    seen: dict = {}
    for k, i in enumerate(extra.tolist()):
        seen[i] = seen.get(i, 0) + 1
        copy_nr[k] = seen[i]
    indices = np.concatenate([np.arange(dataset.num_instances), extra]).astype(np.int64)
    result = dataset.select(indices)
    names = dataset.filenames
    new_names = np.concatenate([names, np.array(
        [f"{names[i]}{UPSAMPLED_SUFFIX}{c}" for i, c in zip(extra.tolist(), copy_nr.tolist())], dtype=object)])
    data = result.data.assign({FILENAME: ((INSTANCE_DIM,), new_names.astype(object))})
    return type(dataset)(data, path=dataset.path)


# ---------------------------------------------------------------- t-SNE

def tsne_embedding(features, *, perplexity: float = 30.0, seed: int = 42,
                   learning_rate="auto", pca_dims: int = 50, dataset=None) -> np.ndarray:
    """Two-dimensional t-SNE embedding of (flattened) features.

    Features wider than ``pca_dims`` are first reduced with PCA to ``pca_dims``
    components.

    Parameters
    ----------
    features : array-like, shape (n_instances, ...)
    perplexity : float
        Must be smaller than n_instances.
    seed : int
    learning_rate : float or "auto"
    pca_dims : int
    dataset : DataSet, optional
        The data set ``features`` come from: non-finite features are then reported by file.

    Returns
    -------
    numpy.ndarray, shape (n_instances, 2)
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    x = np.asarray(features, np.float64)
    x = x.reshape(x.shape[0], -1)
    if x.shape[0] < 2:
        raise DataSetError(f"t-SNE needs at least 2 instances, the data set has {x.shape[0]}")
    if not perplexity < x.shape[0]:
        raise ParameterError(f"perplexity {perplexity}: must be smaller than the number of instances "
                             f"({x.shape[0]})", parameter="perplexity")
    check_finite(x, dataset=dataset)
    if x.shape[1] > pca_dims:
        x = PCA(n_components=min(pca_dims, x.shape[0]), random_state=seed).fit_transform(x)
    tsne = TSNE(n_components=2, perplexity=perplexity, learning_rate=learning_rate, init="pca",
                random_state=seed)
    return tsne.fit_transform(x).astype(np.float64)
