"""Export data sets to CSV or ARFF files (for Weka and friends); the layout of an export.

Layout of an export folder ``DIR`` for a data set exported under the name ``N``:

=====================================  =============================================
the data set has                       files
=====================================  =============================================
neither folds nor partitions           ``DIR/N.csv``
folds                                  ``DIR/fold_K/N.csv``: the VALID split of fold K
partitions                             ``DIR/train/N.csv``, ``DIR/devel/N.csv``, ...
both                                   ``DIR/train/fold_K/N.csv``: the instances of the
                                       partition that are VALID in fold K
=====================================  =============================================

(``.arff`` for ARFF; folds are numbered from 1.)  Each file has the columns
``filename, chunk_nr, label_nominal, label_numeric, feature_0, feature_1, ...``
(features flattened in C order), or the two label columns last with
``labels_last=True``.  Missing values are empty in CSV and ``?`` in ARFF.

Features are written slab by slab, so memory stays flat for data sets larger than
memory.  The export is written to a temporary folder next to ``DIR`` and moved in
place only when every file is complete.  :mod:`audeep.dataset.tables_import` reads
such folders back.
"""

from __future__ import annotations

import csv
import enum
import io
import logging
import os
import re
from pathlib import Path

import numpy as np

from audeep._atomic import make_folder, temporary_folder
from audeep.dataset.coerce import accepts_paths
from audeep.dataset.core import DataSet
from audeep.dataset.integrity import check_finite
from audeep.dataset.schema import MISSING, Partition, Split, rows_per_chunk
from audeep.errors import DataSetError, ParameterError

__all__ = [
    "CHUNK_NR_COLUMN",
    "FILENAME_COLUMN",
    "LABEL_NOMINAL_COLUMN",
    "LABEL_NUMERIC_COLUMN",
    "ExportFormat",
    "export",
    "export_layout",
    "find_files",
    "neutralise_cell",
    "restore_cell",
]

LOG = logging.getLogger(__name__)

FILENAME_COLUMN = "filename"
CHUNK_NR_COLUMN = "chunk_nr"
LABEL_NOMINAL_COLUMN = "label_nominal"
LABEL_NUMERIC_COLUMN = "label_numeric"

FOLD_DIR = re.compile(r"^fold_(\d+)$")
PARTITION_DIRS = tuple(p.name.lower() for p in Partition)

#: Text cells a spreadsheet would run as a formula (OWASP "CSV injection"), after any quotes already added.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise_cell(value: str) -> str:
    """A CSV text cell a spreadsheet shows as text: ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR.

    Values that already start with quotes before such a character get one more, so
    :func:`restore_cell` gives back every value exactly.  Numeric cells are not text
    cells: negative numbers stay as they are.
    """
    return "'" + value if _FORMULA.match(value) else value


def restore_cell(value: str) -> str:
    """The inverse of :func:`neutralise_cell`."""
    return value[1:] if value[:1] == "'" and _FORMULA.match(value[1:]) else value


class ExportFormat(enum.Enum):
    """File format of an export."""

    CSV = "csv"
    ARFF = "arff"

    @classmethod
    def parse(cls, value) -> ExportFormat:
        """The format named ``value`` (case-insensitive); ParameterError naming ``format`` otherwise."""
        if isinstance(value, ExportFormat):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ParameterError(f"format {value!r}: expected CSV or ARFF", parameter="format") from None

    @property
    def suffix(self) -> str:
        """The file name suffix, ``.csv`` or ``.arff``."""
        return "." + self.value


# ----------------------------------------------------------------------------------
# export
# ----------------------------------------------------------------------------------

def export_layout(dataset: DataSet) -> list:
    """The files an export writes and the instances each holds.

    Returns
    -------
    list of (tuple of str, numpy.ndarray of int)
        Relative folder parts (e.g. ``("train", "fold_1")``) and instance indices.
    """
    parts = dataset.partitions
    if parts is not None and not dataset.has_partition_info:
        i = int(np.flatnonzero(parts == MISSING)[0])
        raise DataSetError(
            f"instance {i} ({str(dataset.filenames[i])!r}, chunk {int(dataset.chunk_nrs[i])}) has no partition: "
            "export needs a partition for every instance (or none; see remove_partitioning)")
    if parts is not None:
        groups = [((p.name.lower(),), np.flatnonzero(parts == p)) for p in Partition if (parts == p).any()]
    else:
        groups = [((), np.arange(dataset.num_instances))]
    if not dataset.num_folds:
        return groups
    layout = []
    folds = dataset.cv_folds
    for folder, idx in groups:
        for k in range(dataset.num_folds):
            layout.append((folder + (f"fold_{k + 1}",), idx[folds[idx, k] == Split.VALID]))
    lost = np.flatnonzero(~(folds == Split.VALID).any(axis=1))
    if lost.size:
        LOG.warning("%d instances (e.g. %r) are VALID in no fold and are not exported",
                    lost.size, str(dataset.filenames[lost[0]]))
    return layout


@accepts_paths("dataset")
def export(dataset: DataSet, path, *, format="csv", name: str | None = None,
           labels_last: bool = False, batch_size: int | None = None) -> Path:
    """Export a data set to CSV or ARFF files in the folder ``path``.

    Parameters
    ----------
    dataset : DataSet
        Features of shape (n_instances, ...), all finite.
    path : path-like
        The export folder (created; existing files of other names are kept).
    format : {"csv", "arff"} or ExportFormat
    name : str, optional
        File name stem; default the data set file's stem (``features`` in memory).
    labels_last : bool
        Put ``label_nominal, label_numeric`` after the features.
    batch_size : int, optional
        Instances read at a time (default: one HDF5 chunk, about 1 MiB of features).

    Returns
    -------
    pathlib.Path
        The export folder.

    Raises
    ------
    DataSetError
        If an instance has NaN or infinite features (named), or partitions are partial.
    """
    fmt = ExportFormat.parse(format)
    out = Path(path)
    if name is None:
        name = dataset.path.stem if dataset.path is not None else "features"
    if not name or "/" in name or os.sep in name:
        raise ParameterError(f"name {name!r}: expected a file stem without folders", parameter="name")
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out}: exists and is not a folder")
    layout = export_layout(dataset)
    rows = batch_size or rows_per_chunk(dataset.feature_shape)
    make_folder(out.parent)
    with temporary_folder(out) as tmp:  # removed however the block ends; stale ones of killed runs too
        written = []
        for folder, idx in layout:
            rel = Path(*folder, name + fmt.suffix)
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(tmp / rel, "w", encoding="utf-8", newline="") as handle:
                _write_table(handle, dataset, idx, fmt=fmt, name=name, labels_last=labels_last, rows=rows)
            written.append(rel)
            LOG.info("wrote %d instances to %s", idx.size, out / rel)
        _move_into(tmp, out, written, name=name, suffix=fmt.suffix)
    return out


def _move_into(tmp: Path, out: Path, written: list, *, name: str, suffix: str) -> None:
    """Move the finished export from ``tmp`` into ``out`` (replacing an older export of ``name``)."""
    if not out.exists():
        os.replace(tmp, out)
        return
    stale = set(find_files(out, name, suffix)) - set(written)
    for rel in written:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / rel, out / rel)
    for rel in stale:
        LOG.info("removing %s from an older export", out / rel)
        (out / rel).unlink()


def _column_names(dataset: DataSet, labels_last: bool) -> list:
    width = int(np.prod(dataset.feature_shape, dtype=np.int64))
    features = [f"feature_{i}" for i in range(width)]
    meta = [FILENAME_COLUMN, CHUNK_NR_COLUMN]
    labels = [LABEL_NOMINAL_COLUMN, LABEL_NUMERIC_COLUMN]
    return meta + features + labels if labels_last else meta + labels + features


def _arff_header(dataset: DataSet, *, name: str, labels_last: bool) -> str:
    import arff

    classes = dataset.class_names
    types = {FILENAME_COLUMN: "STRING", CHUNK_NR_COLUMN: "NUMERIC",
             LABEL_NOMINAL_COLUMN: list(classes) if classes else "STRING", LABEL_NUMERIC_COLUMN: "NUMERIC"}
    attributes = [(col, types.get(col, "NUMERIC")) for col in _column_names(dataset, labels_last)]
    lines = list(arff.ArffEncoder().iter_encode({"relation": name, "attributes": attributes}))
    return "\n".join(lines[:-1]) + "\n"  # the encoder ends with an empty line after @DATA


def _write_table(handle, dataset: DataSet, indices, *, fmt: ExportFormat, name: str,
                 labels_last: bool, rows: int) -> None:
    """Write the header and the rows of ``indices``, ``rows`` instances at a time."""
    if fmt is ExportFormat.ARFF:
        from arff import encode_string

        handle.write(_arff_header(dataset, name=name, labels_last=labels_last))
        missing = "?"
        quote = encode_string
    else:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(_column_names(dataset, labels_last))
        missing = ""
        buffer = io.StringIO()
        quoter = csv.writer(buffer, lineterminator="\r\n")  # quotes cells with a CR or LF in them

        def quote(value: str) -> str:
            buffer.seek(0)
            buffer.truncate()
            quoter.writerow([neutralise_cell(value)])
            return buffer.getvalue()[:-2]

    nominal = dataset.labels_nominal
    numeric = dataset.labels_numeric
    filenames = dataset.filenames
    chunks = dataset.chunk_nrs
    for idx, block in dataset.iter_batches(batch_size=rows, indices=indices):
        check_finite(block, dataset=dataset, rows=idx)
        flat = block.reshape(block.shape[0], -1)
        text = flat.astype(str)  # shortest representation that reads back as the same float32
        lines = []
        for row, i in enumerate(idx.tolist()):
            label = nominal[i] if nominal is not None else None
            if not isinstance(label, str):  # None, or NaN from an in-memory object array
                label = None
            number = int(numeric[i]) if numeric is not None else MISSING
            labels = (missing if label is None else quote(label),
                      missing if number == MISSING else str(number))
            features = ",".join(text[row].tolist())
            head = f"{quote(filenames[i])},{int(chunks[i])}"
            if labels_last:
                lines.append(f"{head},{features},{labels[0]},{labels[1]}\n" if features
                             else f"{head},{labels[0]},{labels[1]}\n")
            else:
                lines.append(f"{head},{labels[0]},{labels[1]},{features}\n" if features
                             else f"{head},{labels[0]},{labels[1]}\n")
        handle.write("".join(lines))


# ----------------------------------------------------------------------------------
# the files of an export (for replacing an older export, and for import)
# ----------------------------------------------------------------------------------

def find_files(basedir: Path, name: str, suffix: str) -> list:
    """Relative paths of ``name + suffix`` in every layout folder under ``basedir``."""
    found = []
    file = name + suffix
    if (basedir / file).is_file():
        found.append(Path(file))
    for sub in sorted(basedir.iterdir()) if basedir.is_dir() else []:
        if not sub.is_dir():
            continue
        if (sub.name in PARTITION_DIRS or FOLD_DIR.match(sub.name)) and (sub / file).is_file():
            found.append(Path(sub.name, file))
        if sub.name in PARTITION_DIRS:
            for inner in sorted(sub.iterdir()):
                if inner.is_dir() and FOLD_DIR.match(inner.name) and (inner / file).is_file():
                    found.append(Path(sub.name, inner.name, file))
    return found
