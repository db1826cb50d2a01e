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
``tables``         CSV / ARFF export (:func:`export`) and its layout
``tables_import``  :func:`import_dataset`: CSV / ARFF back into a data set
=================  ===============================================================

The names below are re-exported here (``from audeep.dataset import DataSet``).  None of
these modules imports xarray, netCDF4, pandas or scikit-learn at import time.
"""

from audeep.dataset.core import DataSet
from audeep.dataset.integrity import (
    CONSTRAINTS,
    Violation,
    check_finite,
    describe,
    validate,
)
from audeep.dataset.schema import (
    FOLD_DIM,
    INSTANCE_DIM,
    MISSING,
    Partition,
    Split,
    default_feature_dims,
    file_groups,
    provenance_attrs,
)
from audeep.dataset.tables import ExportFormat, export, export_layout
from audeep.dataset.tables_import import import_dataset
from audeep.dataset.transforms import (
    add_cv_setup,
    add_partitioning,
    fuse,
    fuse_chunks,
    remove_cv_setup,
    remove_partitioning,
    tsne_embedding,
    upsample,
    upsample_indices,
)
from audeep.dataset.writer import DataSetWriter

__all__ = [
    "CONSTRAINTS",
    "FOLD_DIM",
    "INSTANCE_DIM",
    "MISSING",
    "DataSet",
    "DataSetWriter",
    "ExportFormat",
    "Partition",
    "Split",
    "Violation",
    "add_cv_setup",
    "add_partitioning",
    "check_finite",
    "default_feature_dims",
    "describe",
    "export",
    "export_layout",
    "file_groups",
    "fuse",
    "fuse_chunks",
    "import_dataset",
    "provenance_attrs",
    "remove_cv_setup",
    "remove_partitioning",
    "tsne_embedding",
    "upsample",
    "upsample_indices",
    "validate",
]
