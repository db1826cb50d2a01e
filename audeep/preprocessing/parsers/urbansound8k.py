"""UrbanSound8K (Salamon et al. 2014): metadata/UrbanSound8K.csv and audio/foldK/."""

from __future__ import annotations

import csv

from audeep.errors import DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, one_hot_fold

__all__ = ["UrbanSound8KParser"]

_COLUMNS = {"slice_file_name", "fold", "classID", "class"}
NUM_FOLDS = 10


class UrbanSound8KParser(Parser):
    """UrbanSound8K: metadata/UrbanSound8K.csv (slice_file_name, fold, classID, class) and audio/foldK/.

    Ten folds (a file is VALID in its own); the label map comes from ``classID``.
    """

    name = "urbansound8k"
    original_names = ("audeep.backend.parsers.urban_sound_8k.UrbanSound8KParser",)

    def _csv(self):
        return self.basedir / "metadata" / "UrbanSound8K.csv"

    def _rows(self) -> list[dict]:
        with open(self._csv(), newline="", encoding="utf-8") as handle:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]

    def can_parse(self) -> bool:
        if not (self._csv().is_file() and (self.basedir / "audio").is_dir()):
            return False
        with open(self._csv(), newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        return _COLUMNS <= {h.strip() for h in header}

    @property
    def num_folds(self) -> int:
        return NUM_FOLDS

    @property
    def label_map(self) -> dict[str, int]:
        return {row["class"]: int(row["classID"]) for row in self._rows()}

    def parse(self) -> list[InstanceMetadata]:
        out = []
        for row in self._rows():
            try:
                fold = int(row["fold"])
            except ValueError:
                fold = 0
            if not 1 <= fold <= NUM_FOLDS:
                raise DataSetError(f"{self._csv()}: fold {row['fold']!r} of {row['slice_file_name']}: expected 1-10")
            out.append(InstanceMetadata(path=self.basedir / "audio" / f"fold{fold}" / row["slice_file_name"],
                                        filename=row["slice_file_name"], label=row["class"],
                                        cv_folds=one_hot_fold(fold - 1, NUM_FOLDS)))
        return out
