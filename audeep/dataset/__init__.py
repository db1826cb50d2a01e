"""The data set: the on-disk contract of audeep (one netCDF-4 file per data set).

=================  ===============================================================
module             holds
=================  ===============================================================
``schema``         variable and dimension names, :class:`Partition`, :class:`Split`,
                   encodings, on-open normalisation, :func:`file_groups`,
                   :func:`provenance_attrs`
``core``           :class:`DataSet`: the lazy view (open, select, folds, features,
                   save) with the transforms and checks as methods
``writer``         :class:`DataSetWriter`: the streaming, atomic netCDF-4 writer
``integrity``      :func:`validate`, :class:`Violation`, :func:`check_finite`,
                   :func:`describe`
``transforms``     cv setup, partitions, fuse, fuse chunks, upsample, t-SNE
``api``            the transforms as public functions that also accept paths
``tables``         CSV / ARFF export (:func:`export`) and its layout
``tables_import``  :func:`import_dataset`: CSV / ARFF back into a data set
``coerce``         :func:`as_dataset`, :func:`accepts_paths`: a DataSet or the path of
                   its file, for every API function that takes a data set
``subsets``        :func:`fold_training_set` (``train --fold``), :func:`check_same_instances`
                   (one features file per fold)
``shards``         a folder of shard files (or a glob) read as one data set: the
                   manifest, :func:`~audeep.dataset.shards.open_shards` (``DataSet.open``
                   calls it), the checks across shards; ``shard_array`` its lazy features
``shard_writer``   ``ShardPlan`` and ``ShardedWriter`` (``--shard-size``); ``shard_output``
                   a producer's sharded output: reused shards, work left, the writer
=================  ===============================================================

The names below are re-exported here (``from audeep.dataset import DataSet``), each module
imported when one of its names is first used (importing a submodule runs this file first, so
it imports nothing itself).  None of these modules imports xarray, netCDF4, pandas or
scikit-learn at import time.
"""

from importlib import import_module

# public name -> submodule that defines it
_EXPORTS = {
    **dict.fromkeys(["DataSet"], "core"),
    **dict.fromkeys(["CONSTRAINTS", "Violation", "check_finite", "describe", "validate"], "integrity"),
    **dict.fromkeys(["FOLD_DIM", "INSTANCE_DIM", "MISSING", "Partition", "Split", "default_feature_dims",
                     "file_groups", "provenance_attrs"], "schema"),
    **dict.fromkeys(["ExportFormat", "export", "export_layout"], "tables"),
    **dict.fromkeys(["import_dataset"], "tables_import"),
    **dict.fromkeys(["add_cv_setup", "add_partitioning", "fuse", "fuse_chunks", "remove_cv_setup",
                     "remove_partitioning", "upsample"], "api"),
    **dict.fromkeys(["tsne_embedding", "upsample_indices"], "transforms"),
    **dict.fromkeys(["DataSetWriter"], "writer"),
    **dict.fromkeys(["accepts_paths", "as_dataset"], "coerce"),
    **dict.fromkeys(["check_same_instances", "fold_training_set"], "subsets"),
}


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = sorted(_EXPORTS)
