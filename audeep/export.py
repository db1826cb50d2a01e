"""Export data sets to CSV or ARFF files (for Weka and friends) and import them back.

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
place only when every file is complete.
"""

from __future__ import annotations

import csv
import enum
import io
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np

from audeep.dataset import MISSING, DataSet, Partition, Split, _rows_per_chunk
from audeep.errors import DataSetError, ParameterError

__all__ = ["ExportFormat", "export", "import_dataset", "FILENAME_COLUMN", "CHUNK_NR_COLUMN",
           "LABEL_NOMINAL_COLUMN", "LABEL_NUMERIC_COLUMN"]

LOG = logging.getLogger(__name__)

FILENAME_COLUMN = "filename"
CHUNK_NR_COLUMN = "chunk_nr"
LABEL_NOMINAL_COLUMN = "label_nominal"
LABEL_NUMERIC_COLUMN = "label_numeric"

_FOLD_DIR = re.compile(r"^fold_(\d+)$")
_PARTITION_DIRS = tuple(p.name.lower() for p in Partition)


class ExportFormat(enum.Enum):
    """File format of an export."""

    CSV = "csv"
    ARFF = "arff"

    @classmethod
    def parse(cls, value) -> "ExportFormat":
        if isinstance(value, ExportFormat):
            return value
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ParameterError(f"format {value!r}: expected CSV or ARFF") from None

    @property
    def suffix(self) -> str:
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
            "export needs a partition for every instance (or none; see modify --remove-partitioning)")
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


def export(dataset: DataSet, path, *, format="csv", name: "str | None" = None,
           labels_last: bool = False, batch_size: "int | None" = None) -> Path:
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
        raise ParameterError(f"--name {name!r}: expected a file name without folders")
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{out}: exists and is not a folder")
    layout = export_layout(dataset)
    rows = batch_size or _rows_per_chunk(dataset.feature_shape)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        written = []
        for folder, idx in layout:
            rel = Path(*folder, name + fmt.suffix)
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(tmp / rel, "w", encoding="utf-8", newline="") as handle:
                _write_table(handle, dataset, idx, fmt=fmt, name=name, labels_last=labels_last, rows=rows)
            written.append(rel)
            LOG.info("wrote %d instances to %s", idx.size, out / rel)
        _move_into(tmp, out, written, name=name, suffix=fmt.suffix)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _move_into(tmp: Path, out: Path, written: list, *, name: str, suffix: str) -> None:
    """Move the finished export from ``tmp`` into ``out`` (replacing an older export of ``name``)."""
    if not out.exists():
        os.replace(tmp, out)
        return
    stale = set(_find_files(out, name, suffix)) - set(written)
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
        quoter = csv.writer(buffer, lineterminator="")

        def quote(value: str) -> str:
            buffer.seek(0)
            buffer.truncate()
            quoter.writerow([value])
            return buffer.getvalue()

    nominal = dataset.labels_nominal
    numeric = dataset.labels_numeric
    filenames = dataset.filenames
    chunks = dataset.chunk_nrs
    for idx, block in dataset.iter_batches(batch_size=rows, indices=indices):
        flat = block.reshape(block.shape[0], -1)
        finite = np.isfinite(flat).all(axis=1)
        if not finite.all():
            i = int(idx[np.argmin(finite)])
            raise DataSetError(f"instance {i} ({str(filenames[i])!r}, chunk {int(chunks[i])}) has NaN or "
                               "infinite features: they cannot be exported")
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
# import
# ----------------------------------------------------------------------------------

def _find_files(basedir: Path, name: str, suffix: str) -> list:
    """Relative paths of ``name + suffix`` in every layout folder under ``basedir``."""
    found = []
    file = name + suffix
    if (basedir / file).is_file():
        found.append(Path(file))
    for sub in sorted(basedir.iterdir()) if basedir.is_dir() else []:
        if not sub.is_dir():
            continue
        if sub.name in _PARTITION_DIRS or _FOLD_DIR.match(sub.name):
            if (sub / file).is_file():
                found.append(Path(sub.name, file))
        if sub.name in _PARTITION_DIRS:
            for inner in sorted(sub.iterdir()):
                if inner.is_dir() and _FOLD_DIR.match(inner.name) and (inner / file).is_file():
                    found.append(Path(sub.name, inner.name, file))
    return found


def _classify(rel: Path):
    """(partition or None, fold number (0-based) or None) of a layout file."""
    partition, fold = None, None
    for part in rel.parts[:-1]:
        match = _FOLD_DIR.match(part)
        if match:
            fold = int(match.group(1)) - 1
        else:
            partition = int(Partition.parse(part))
    return partition, fold


def _detect_layout(basedir: Path, name: str, format=None):
    """The files of one export of ``name`` under ``basedir`` and their format."""
    if not basedir.is_dir():
        raise DataSetError(f"{basedir}: no such folder")
    candidates = {}
    for fmt in ExportFormat if format is None else [ExportFormat.parse(format)]:
        files = _find_files(basedir, name, fmt.suffix)
        if files:
            candidates[fmt] = files
    if not candidates:
        raise DataSetError(
            f"{basedir}: no {name}.csv or {name}.arff in any layout export writes "
            f"({name}.EXT, train|devel|test/{name}.EXT, fold_K/{name}.EXT, train|devel|test/fold_K/{name}.EXT)")
    if len(candidates) > 1:
        raise DataSetError(f"{basedir}: holds both CSV and ARFF files named {name}: choose one with --format")
    fmt, files = next(iter(candidates.items()))
    kinds = {tuple(x is not None for x in _classify(rel)) for rel in files}
    if len(kinds) > 1:
        raise DataSetError(f"{basedir}: files named {name}{fmt.suffix} in more than one layout "
                           f"({', '.join(str(f) for f in files[:6])}): expected exactly one")
    folds = sorted({_classify(rel)[1] for rel in files} - {None})
    if folds and folds != list(range(len(folds))):
        missing = sorted(set(range(max(folds) + 1)) - set(folds))
        raise DataSetError(f"{basedir}: fold folders are not numbered 1..{max(folds) + 1} "
                           f"(missing fold_{missing[0] + 1})")
    return fmt, files


class _Table:
    """One imported file: metadata columns and the feature matrix."""

    def __init__(self, path, columns, rows, lines, feature_types=None, classes=None):
        self.path = path
        self.columns = list(columns)
        self.rows = rows            # list of lists of str / None (missing) / float
        self.lines = lines          # line number of every row, for messages
        self.feature_types = feature_types
        self.classes = classes


def _read_csv(path: Path) -> _Table:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise DataSetError(f"{path}: empty file, expected a header row") from None
        except csv.Error as exc:
            raise DataSetError(f"{path}, line {reader.line_num}: {exc}") from exc
        rows, lines = [], []
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != len(header):
                    raise DataSetError(f"{path}, line {reader.line_num}: {len(row)} columns, "
                                       f"the header has {len(header)}")
                rows.append([None if v == "" else v for v in row])
                lines.append(reader.line_num)
        except csv.Error as exc:
            raise DataSetError(f"{path}, line {reader.line_num}: {exc}") from exc
    return _Table(path, header, rows, lines)


def _read_arff(path: Path) -> _Table:
    import arff

    try:
        with open(path, encoding="utf-8") as handle:
            obj = arff.load(handle)
    except arff.ArffException as exc:
        raise DataSetError(f"{path}: not a valid ARFF file ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise DataSetError(f"{path}: not a UTF-8 text file ({exc})") from exc
    columns = [a[0] for a in obj["attributes"]]
    types = {a[0]: a[1] for a in obj["attributes"]}
    data = obj["data"]
    # liac-arff does not report the line of each row: count from the @DATA line
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip().upper().startswith("@DATA"):
                break
        lines = [number + 1 + i for i in range(len(data))]
    return _Table(path, columns, data, lines, feature_types=types)


def _parse_int(table: _Table, row: int, value, column: str) -> int:
    if value is None:
        return MISSING
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = np.nan
    if not np.isfinite(number) or number != round(number) or number < 0:
        raise DataSetError(f"{table.path}, line {table.lines[row]}: {column} {value!r} is not a "
                           "non-negative integer")
    return int(number)


def import_dataset(basedir, *, name: str, filename_attribute: str = FILENAME_COLUMN,
                   chunk_nr_attribute: str = CHUNK_NR_COLUMN,
                   label_nominal_attribute: str = LABEL_NOMINAL_COLUMN,
                   label_numeric_attribute: str = LABEL_NUMERIC_COLUMN, format=None) -> DataSet:
    """Read a data set from the CSV or ARFF files that :func:`export` writes.

    The layout (single file, partition folders, fold folders, or partitions with fold
    folders) and the format are detected.  Every column other than the metadata
    columns is a feature, in file order.  An instance found in several fold folders
    (overlapping folds) is VALID in each of them.  The label map comes from the
    (nominal, numeric) label pairs of the rows and, for ARFF, the values of the
    nominal label attribute; a class that no CSV row uses cannot be recovered.

    Parameters
    ----------
    basedir : path-like
        The export folder.
    name : str
        The file name stem (``N`` of ``N.csv``).
    filename_attribute, chunk_nr_attribute, label_nominal_attribute, label_numeric_attribute : str
        Column names of the metadata; only the filename column is required.
    format : {"csv", "arff"}, optional
        Read only files of this format (needed when both exist); default: detect.

    Returns
    -------
    DataSet
        Features of shape (n_instances, n_feature_columns), dimension ``generated``;
        instances in the order first met (partitions train, devel, test; folds 1..K).

    Raises
    ------
    DataSetError
        If no layout matches, or a file has a bad row, column or attribute (named).
    """
    basedir = Path(basedir)
    fmt, files = _detect_layout(basedir, name, format)
    reader = _read_arff if fmt is ExportFormat.ARFF else _read_csv
    meta = (filename_attribute, chunk_nr_attribute, label_nominal_attribute, label_numeric_attribute)
    num_folds = max([(_classify(rel)[1] or 0) + 1 for rel in files if _classify(rel)[1] is not None], default=0)
    has_partitions = any(_classify(rel)[0] is not None for rel in files)

    records: dict = {}
    feature_columns = None
    classes: list = []
    pairs: dict = {}
    has_nominal = has_numeric = False
    for rel in sorted(files, key=lambda r: tuple((x if x is not None else -1) for x in _classify(r))):
        partition, fold = _classify(rel)
        table = reader(basedir / rel)
        if filename_attribute not in table.columns:
            raise DataSetError(f"{table.path}: no {filename_attribute!r} column "
                               f"(columns: {', '.join(table.columns[:8])}, ...)")
        features = [c for c in table.columns if c not in meta]
        if not features:
            raise DataSetError(f"{table.path}: no feature columns besides {', '.join(meta)}")
        if feature_columns is None:
            feature_columns = features
        elif features != feature_columns:
            raise DataSetError(f"{table.path}: feature columns differ from those of the other files "
                               f"({len(features)} vs {len(feature_columns)})")
        col = {c: i for i, c in enumerate(table.columns)}
        if table.feature_types is not None:
            for c in features:
                kind = table.feature_types[c]
                if not (isinstance(kind, str) and kind.upper() in ("NUMERIC", "REAL", "INTEGER")):
                    raise DataSetError(f"{table.path}: attribute {c!r} is {kind if isinstance(kind, str) else 'nominal'}"
                                       ": expected a NUMERIC feature attribute")
            kind = table.feature_types.get(label_nominal_attribute)
            if isinstance(kind, list):
                classes.extend(v for v in kind if v not in classes)
        has_nominal |= label_nominal_attribute in col
        has_numeric |= label_numeric_attribute in col
        feature_idx = [col[c] for c in features]
        for r, row in enumerate(table.rows):
            filename = row[col[filename_attribute]]
            if filename is None:
                raise DataSetError(f"{table.path}, line {table.lines[r]}: missing {filename_attribute}")
            filename = str(filename)
            chunk = _parse_int(table, r, row[col[chunk_nr_attribute]], chunk_nr_attribute) \
                if chunk_nr_attribute in col else 0
            if chunk == MISSING:
                raise DataSetError(f"{table.path}, line {table.lines[r]}: missing {chunk_nr_attribute}")
            nominal = row[col[label_nominal_attribute]] if label_nominal_attribute in col else None
            numeric = _parse_int(table, r, row[col[label_numeric_attribute]], label_numeric_attribute) \
                if label_numeric_attribute in col else MISSING
            try:
                values = np.array([np.nan if row[i] is None else row[i] for i in feature_idx], np.float64)
            except (TypeError, ValueError):
                bad = next(features[k] for k, i in enumerate(feature_idx) if not _is_number(row[i]))
                raise DataSetError(f"{table.path}, line {table.lines[r]}: {bad} "
                                   f"{row[col[bad]]!r} is not a number") from None
            if not np.isfinite(values).all():
                bad = features[int(np.argmin(np.isfinite(values)))]
                raise DataSetError(f"{table.path}, line {table.lines[r]}: {bad} is missing or not finite")
            if nominal is not None:
                nominal = str(nominal)
                if numeric != MISSING:
                    if pairs.setdefault(nominal, numeric) != numeric:
                        raise DataSetError(f"{table.path}, line {table.lines[r]}: label {nominal!r} has number "
                                           f"{numeric}, elsewhere {pairs[nominal]}")
            key = (filename, chunk)
            record = records.get(key)
            if record is None:
                records[key] = record = {"features": values.astype(np.float32), "nominal": nominal,
                                         "numeric": numeric, "partition": partition, "folds": set()}
            elif fold is None or fold in record["folds"]:
                raise DataSetError(f"{table.path}, line {table.lines[r]}: instance {filename!r} chunk {chunk} "
                                   "occurs twice")
            elif (record["nominal"], record["numeric"], record["partition"]) != (nominal, numeric, partition):
                raise DataSetError(f"{table.path}, line {table.lines[r]}: instance {filename!r} chunk {chunk} "
                                   "has other labels or partition than in another fold folder")
            if fold is not None:
                record["folds"].add(fold)
    return _build(records, feature_columns, num_folds=num_folds, has_partitions=has_partitions,
                  has_nominal=has_nominal, has_numeric=has_numeric, classes=classes, pairs=pairs)


def _is_number(value) -> bool:
    if value is None:
        return True
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _build(records: dict, feature_columns, *, num_folds, has_partitions, has_nominal, has_numeric,
           classes, pairs) -> DataSet:
    keys = list(records)
    width = len(feature_columns or [])
    feats = np.zeros((len(keys), width), np.float32)
    folds = np.zeros((len(keys), num_folds), np.int8)
    for i, key in enumerate(keys):
        feats[i] = records[key]["features"]
        for k in records[key]["folds"]:
            folds[i, k] = Split.VALID
    nominal = [records[k]["nominal"] for k in keys]
    numeric = [records[k]["numeric"] for k in keys]
    kwargs = {}
    if has_nominal and any(v is not None for v in nominal):
        label_map = dict(pairs)
        names = list(classes) + sorted({v for v in nominal if v is not None} - set(classes))
        taken = set(label_map.values())
        for position, label in enumerate(names):  # classes without numbers: their position, if free
            if label not in label_map:
                number = position if position not in taken else max(taken, default=-1) + 1
                label_map[label] = number
                taken.add(number)
        kwargs.update(labels_nominal=nominal, label_map=label_map)
    elif has_numeric:
        kwargs.update(labels_numeric=numeric)
    if has_partitions:
        kwargs["partitions"] = [records[k]["partition"] for k in keys]
    return DataSet.create(features=feats, filenames=[k[0] for k in keys], chunk_nrs=[k[1] for k in keys],
                          cv_folds=folds, feature_dims=("generated",), **kwargs)


class _CallableModule(type(os)):
    """``audeep.export`` is both this module and the :func:`export` function: importing
    the submodule replaces the package attribute, so the module forwards calls."""

    def __call__(self, *args, **kwargs):
        return export(*args, **kwargs)


import sys as _sys  # noqa: E402

_sys.modules[__name__].__class__ = _CallableModule
