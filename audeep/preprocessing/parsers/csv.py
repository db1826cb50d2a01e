"""A CSV file at the top of the base folder with columns filename, label and optional fold / partition."""

from __future__ import annotations

import csv as _csv
import io
import logging
import os
from pathlib import Path, PurePosixPath

from audeep.dataset import Partition
from audeep.errors import AudeepError, DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, one_hot_fold

__all__ = ["CSVParser", "read_csv_text"]

log = logging.getLogger(__name__)

_REQUIRED = {"filename", "label"}


def read_csv_text(path: Path, *, quiet: bool = False) -> str:
    """The text of a CSV file: UTF-8 (with or without a byte-order mark, as Excel's "CSV UTF-8"), else Latin-1.

    Latin-1 decodes any bytes; choosing it is a warning (unless ``quiet``).

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not quiet:
            log.warning("%s is not UTF-8 (byte %d): reading it as Latin-1", path, exc.start)
        return data.decode("latin-1")


def _header(path: Path) -> set[str]:
    try:
        first = read_csv_text(path, quiet=True)
    except OSError:
        return set()
    return {h.strip().lower() for h in next(_csv.reader(io.StringIO(first, newline="")), [])}


def _relative_name(basedir: Path, name: str, *, where: str) -> str:
    """``name`` (a path in the CSV file) normalised relative to ``basedir``; DataSetError if outside it."""
    base = os.path.normpath(os.path.abspath(basedir))
    full = os.path.normpath(os.path.join(base, name))
    if os.path.commonpath([base, full]) != base or full == base:
        raise DataSetError(f"{where}: filename {name!r} lies outside the base folder {basedir}: expected a path "
                           "relative to it", parameter="basedir")
    return PurePosixPath(*Path(os.path.relpath(full, base)).parts).as_posix()


class CSVParser(Parser):
    """CSV: one *.csv at the top of the folder with columns filename, label and optional fold, partition.

    ``filename`` is the audio file's path relative to the base folder (also the
    instance key); an empty ``label`` is a missing label.  ``fold`` holds fold
    numbers 1..K (the file is VALID in that fold, TRAIN in the others); ``partition``
    holds train, devel or test.  Column names are case-insensitive.  Labels are
    numbered alphabetically.
    """

    name = "csv"

    def _candidates(self) -> list[Path]:
        if not self.basedir.is_dir():
            return []
        files = sorted(p for p in self.basedir.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        return [p for p in files if _REQUIRED <= _header(p)]

    def can_parse(self) -> bool:
        return len(self._candidates()) == 1

    def _rows(self) -> tuple[Path, list[dict]]:
        candidates = self._candidates()
        if len(candidates) != 1:
            raise DataSetError(f"{self.basedir}: expected exactly one CSV file with columns filename, label; "
                               f"found {len(candidates)} ({', '.join(p.name for p in candidates) or 'none'})")
        path = candidates[0]
        cached = getattr(self, "_cached", None)
        if cached is not None and cached[0] == path:
            return cached
        reader = _csv.DictReader(io.StringIO(read_csv_text(path), newline=""))
        rows = [{(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
                 for k, v in row.items()} | {"#line": str(reader.line_num)} for row in reader]
        self._cached = (path, rows)
        return path, rows

    @property
    def num_folds(self) -> int:
        path, rows = self._rows()
        folds = [self._fold(path, r) for r in rows if r.get("fold")]
        return max(folds, default=0)

    @staticmethod
    def _fold(path: Path, row: dict) -> int:
        try:
            fold = int(row["fold"])
        except ValueError:
            fold = 0
        if fold < 1:
            raise DataSetError(f"{path}: fold {row['fold']!r} of {row['filename']}: expected a number 1..K")
        return fold

    def parse(self) -> list[InstanceMetadata]:
        path, rows = self._rows()
        num_folds = self.num_folds
        out, seen = [], {}
        for row in rows:
            where = f"{path} line {row['#line']}"
            if not row.get("filename"):
                raise DataSetError(f"{where}: the row has an empty filename")
            name = _relative_name(self.basedir, row["filename"], where=where)
            if name in seen:
                first = seen[name]
                raise DataSetError(f"{path}: lines {first['#line']} ({first['filename']!r}) and {row['#line']} "
                                   f"({row['filename']!r}) name the same file {name}: expected each file once")
            seen[name] = row
            folds = ()
            if num_folds:
                if not row.get("fold"):
                    raise DataSetError(f"{path}: {row['filename']} has no fold while other files have one")
                folds = one_hot_fold(self._fold(path, row) - 1, num_folds)
            partition = None
            if row.get("partition"):
                try:
                    partition = Partition.parse(row["partition"])
                except AudeepError as exc:
                    raise DataSetError(f"{path}: {row['filename']}: {exc}") from None
            out.append(InstanceMetadata(path=self.basedir / name, filename=name,
                                        label=row["label"] or None, cv_folds=folds, partition=partition))
        return out
