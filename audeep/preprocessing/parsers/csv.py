"""A CSV file at the top of the base folder with columns filename, label and optional fold / partition."""

from __future__ import annotations

import csv as _csv
from pathlib import Path

from audeep.dataset import Partition
from audeep.errors import AudeepError, DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, one_hot_fold

__all__ = ["CSVParser"]

_REQUIRED = {"filename", "label"}


def _header(path: Path) -> set[str]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return {h.strip().lower() for h in next(_csv.reader(handle), [])}
    except (OSError, UnicodeDecodeError):
        return set()


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
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                    for row in _csv.DictReader(handle)]
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
        out = []
        for row in rows:
            if not row.get("filename"):
                raise DataSetError(f"{path}: a row has an empty filename")
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
            out.append(InstanceMetadata(path=self.basedir / row["filename"], filename=row["filename"],
                                        label=row["label"] or None, cv_folds=folds, partition=partition))
        return out
