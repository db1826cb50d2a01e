"""Import data sets from the CSV or ARFF files that :func:`audeep.dataset.tables.export` writes.

The layout of the folder (single file, partition folders, fold folders, or partitions
with fold folders) and the format are detected; instances found in several fold
folders are merged (VALID in each of those folds).  See :mod:`audeep.dataset.tables`
for the layout and the columns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from audeep.dataset.core import DataSet
from audeep.dataset.schema import MISSING, Partition, Split
from audeep.dataset.tables import (
    CHUNK_NR_COLUMN,
    FILENAME_COLUMN,
    FOLD_DIR,
    LABEL_NOMINAL_COLUMN,
    LABEL_NUMERIC_COLUMN,
    ExportFormat,
    find_files,
    restore_cell,
)
from audeep.errors import DataSetError

__all__ = ["import_dataset"]


def _classify(rel: Path):
    """(partition or None, fold number (0-based) or None) of a layout file."""
    partition, fold = None, None
    for part in rel.parts[:-1]:
        match = FOLD_DIR.match(part)
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
        files = find_files(basedir, name, fmt.suffix)
        if files:
            candidates[fmt] = files
    if not candidates:
        raise DataSetError(
            f"{basedir}: no {name}.csv or {name}.arff in any layout export writes "
            f"({name}.EXT, train|devel|test/{name}.EXT, fold_K/{name}.EXT, train|devel|test/fold_K/{name}.EXT)")
    if len(candidates) > 1:
        raise DataSetError(f"{basedir}: holds both CSV and ARFF files named {name}: pass format to choose one",
                           parameter="format")
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
                rows.append([None if v == "" else restore_cell(v) if v[0] == "'" else v for v in row])
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
    layout = {rel: _classify(rel) for rel in files}
    num_folds = max([fold + 1 for _, fold in layout.values() if fold is not None], default=0)
    has_partitions = any(partition is not None for partition, _ in layout.values())
    collector = _Collector(filename=filename_attribute, chunk_nr=chunk_nr_attribute,
                           nominal=label_nominal_attribute, numeric=label_numeric_attribute)
    from audeep._progress import Progress

    with Progress(len(files), desc="import", unit="table") as bar:
        for rel in sorted(files, key=lambda r: tuple((x if x is not None else -1) for x in layout[r])):
            partition, fold = layout[rel]
            collector.add_table(reader(basedir / rel), partition=partition, fold=fold)
            bar.update(1)
    return _build(collector.records, collector.feature_columns, num_folds=num_folds, has_partitions=has_partitions,
                  has_nominal=collector.has_nominal, has_numeric=collector.has_numeric, classes=collector.classes,
                  pairs=collector.pairs)


@dataclass
class _Collector:
    """The instances of the imported tables, merged by (filename, chunk_nr).

    Parameters
    ----------
    filename, chunk_nr, nominal, numeric : str
        Column names of the metadata; only the filename column is required.
    """

    filename: str
    chunk_nr: str
    nominal: str
    numeric: str
    records: dict = field(default_factory=dict)
    feature_columns: list | None = None
    classes: list = field(default_factory=list)
    pairs: dict = field(default_factory=dict)
    has_nominal: bool = False
    has_numeric: bool = False

    def add_table(self, table: _Table, *, partition, fold) -> None:
        """Add the rows of one file of the layout (``fold`` 0-based, or None)."""
        features = self._feature_columns(table)
        col = {c: i for i, c in enumerate(table.columns)}
        self.has_nominal |= self.nominal in col
        self.has_numeric |= self.numeric in col
        feature_idx = [col[c] for c in features]
        for r, row in enumerate(table.rows):
            filename, chunk, nominal, numeric = self._metadata(table, r, row, col)
            values = _feature_values(table, r, row, feature_idx, features, col)
            if nominal is not None and numeric != MISSING and self.pairs.setdefault(nominal, numeric) != numeric:
                raise DataSetError(f"{table.path}, line {table.lines[r]}: label {nominal!r} has number "
                                   f"{numeric}, elsewhere {self.pairs[nominal]}")
            self._merge(table, r, (filename, chunk), values, nominal=nominal, numeric=numeric, partition=partition,
                        fold=fold)

    def _feature_columns(self, table: _Table) -> list:
        """The feature columns of ``table``, checked against the other tables (and ARFF types)."""
        meta = (self.filename, self.chunk_nr, self.nominal, self.numeric)
        if self.filename not in table.columns:
            raise DataSetError(f"{table.path}: no {self.filename!r} column "
                               f"(columns: {', '.join(table.columns[:8])}, ...)")
        features = [c for c in table.columns if c not in meta]
        if not features:
            raise DataSetError(f"{table.path}: no feature columns besides {', '.join(meta)}")
        if self.feature_columns is None:
            self.feature_columns = features
        elif features != self.feature_columns:
            raise DataSetError(f"{table.path}: feature columns differ from those of the other files "
                               f"({len(features)} vs {len(self.feature_columns)})")
        if table.feature_types is not None:
            for c in features:
                kind = table.feature_types[c]
                if not (isinstance(kind, str) and kind.upper() in ("NUMERIC", "REAL", "INTEGER")):
                    shown = kind if isinstance(kind, str) else "nominal"
                    raise DataSetError(f"{table.path}: attribute {c!r} is {shown}: expected a NUMERIC feature "
                                       "attribute")
            kind = table.feature_types.get(self.nominal)
            if isinstance(kind, list):
                self.classes.extend(v for v in kind if v not in self.classes)
        return features

    def _metadata(self, table: _Table, r: int, row, col: dict) -> tuple:
        """(filename, chunk_nr, nominal label or None, numeric label or MISSING) of row ``r``."""
        filename = row[col[self.filename]]
        if filename is None:
            raise DataSetError(f"{table.path}, line {table.lines[r]}: missing {self.filename}")
        chunk = _parse_int(table, r, row[col[self.chunk_nr]], self.chunk_nr) if self.chunk_nr in col else 0
        if chunk == MISSING:
            raise DataSetError(f"{table.path}, line {table.lines[r]}: missing {self.chunk_nr}")
        nominal = row[col[self.nominal]] if self.nominal in col else None
        numeric = _parse_int(table, r, row[col[self.numeric]], self.numeric) if self.numeric in col else MISSING
        return str(filename), chunk, None if nominal is None else str(nominal), numeric

    def _merge(self, table: _Table, r: int, key: tuple, values, *, nominal, numeric, partition, fold) -> None:
        """Add an instance, or mark an instance of another fold folder VALID in ``fold`` too."""
        record = self.records.get(key)
        if record is None:
            self.records[key] = record = {"features": values.astype(np.float32), "nominal": nominal,
                                          "numeric": numeric, "partition": partition, "folds": set()}
        elif fold is None or fold in record["folds"]:
            raise DataSetError(f"{table.path}, line {table.lines[r]}: instance {key[0]!r} chunk {key[1]} "
                               "occurs twice")
        elif (record["nominal"], record["numeric"], record["partition"]) != (nominal, numeric, partition):
            raise DataSetError(f"{table.path}, line {table.lines[r]}: instance {key[0]!r} chunk {key[1]} "
                               "has other labels or partition than in another fold folder")
        if fold is not None:
            record["folds"].add(fold)


def _feature_values(table: _Table, r: int, row, feature_idx: list, features: list, col: dict) -> np.ndarray:
    """The features of row ``r`` as float64, shape (n_features,); DataSetError naming a bad column."""
    try:
        values = np.array([np.nan if row[i] is None else row[i] for i in feature_idx], np.float64)
    except (TypeError, ValueError):
        bad = next(features[k] for k, i in enumerate(feature_idx) if not _is_number(row[i]))
        raise DataSetError(f"{table.path}, line {table.lines[r]}: {bad} "
                           f"{row[col[bad]]!r} is not a number") from None
    if not np.isfinite(values).all():
        bad = features[int(np.argmin(np.isfinite(values)))]
        raise DataSetError(f"{table.path}, line {table.lines[r]}: {bad} is missing or not finite")
    return values


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
