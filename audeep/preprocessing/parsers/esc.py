"""ESC-10 / ESC-50 (Piczak 2015): class folders ``NNN - Name`` or the flat ESC-50 layout."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from audeep.errors import DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files, one_hot_fold, subfolders

__all__ = ["ESCParser"]

_CLASS_FOLDER = re.compile(r"^(\d{3}) - (.+)$")
_FOLD_PREFIX = re.compile(r"^([1-5])-")
_ESC50_COLUMNS = {"filename", "fold", "target", "category"}
NUM_FOLDS = 5


class ESCParser(Parser):
    """ESC: class folders 'NNN - Name' with audio files named 'F-...' (F = fold 1-5), or audio/ + meta/esc50.csv.

    In the class-folder layout, labels are the names after ``NNN - `` numbered in
    folder order, the files are those of every audio format read (``.ogg``, ``.wav``,
    ``.flac``, ``.mp3``, ...: :data:`audeep.preprocessing.audio.AUDIO_EXTENSIONS`), and
    files at the top level (README files) are ignored.  In the
    flat ESC-50 layout, ``meta/esc50.csv`` gives the file names, folds, numeric
    targets and category names.  Five folds; a file is VALID in its own fold.
    """

    name = "esc"
    original_names = ("audeep.backend.parsers.esc.ESCParser",)

    # ------------------------------------------------------------------ layout
    def _csv_path(self) -> Path:
        return self.basedir / "meta" / "esc50.csv"

    def _is_flat(self) -> bool:
        path = self._csv_path()
        if not (path.is_file() and (self.basedir / "audio").is_dir()):
            return False
        with open(path, newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle), [])
        return _ESC50_COLUMNS <= {h.strip() for h in header}

    def _class_folders(self) -> list[Path] | None:
        folders = subfolders(self.basedir)
        if not folders or not all(_CLASS_FOLDER.match(f.name) for f in folders):
            return None
        return folders

    def can_parse(self) -> bool:
        if not self.basedir.is_dir():
            return False
        if self._is_flat():
            return True
        folders = self._class_folders()
        if folders is None:
            return False
        files = [f for folder in folders for f in audio_files(folder)]
        return bool(files) and all(_FOLD_PREFIX.match(f.name) for f in files)

    # ------------------------------------------------------------------ content
    @property
    def num_folds(self) -> int:
        return NUM_FOLDS

    @property
    def label_map(self) -> dict[str, int]:
        if self._is_flat():
            return {row["category"]: int(row["target"]) for row in self._rows()}
        folders = self._class_folders() or []
        return {_CLASS_FOLDER.match(f.name).group(2): i for i, f in enumerate(folders)}

    def _rows(self) -> list[dict]:
        with open(self._csv_path(), newline="", encoding="utf-8") as handle:
            return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]

    def parse(self) -> list[InstanceMetadata]:
        if self._is_flat():
            out = []
            for row in self._rows():
                try:
                    fold = int(row["fold"])
                except ValueError:
                    raise DataSetError(f"{self._csv_path()}: fold {row['fold']!r} of {row['filename']} "
                                       "is not a number 1-5") from None
                if not 1 <= fold <= NUM_FOLDS:
                    raise DataSetError(f"{self._csv_path()}: fold {fold} of {row['filename']}: expected 1-5")
                out.append(InstanceMetadata(path=self.basedir / "audio" / row["filename"], filename=row["filename"],
                                            label=row["category"], cv_folds=one_hot_fold(fold - 1, NUM_FOLDS)))
            return out
        out = []
        for folder in self._class_folders() or []:
            label = _CLASS_FOLDER.match(folder.name).group(2)
            for path in audio_files(folder):
                match = _FOLD_PREFIX.match(path.name)
                if match is None:
                    raise DataSetError(f"{path}: ESC file names start with the fold digit 1-5 and '-'")
                out.append(InstanceMetadata(path=path, filename=path.name, label=label,
                                            cv_folds=one_hot_fold(int(match.group(1)) - 1, NUM_FOLDS)))
        return out
