"""TUT Acoustic Scenes 2017 development set (DCASE 2017 task 1) and the DCASE 2018 domestic-activity set."""

from __future__ import annotations

import re
from pathlib import Path

from audeep.errors import DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, known_label

__all__ = ["DCASE18Task4Parser", "DCASEParser"]

_FOLD_FILE = re.compile(r"^fold(\d+)_train\.txt$")


def _read_list(path: Path) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append([cell.strip() for cell in line.split("\t")])
    return rows


class DCASEParser(Parser):
    """DCASE: meta.txt (tab-separated path, label) and evaluation_setup/foldN_train.txt.

    Labels are numbered alphabetically (beach=0 ... tram=14 on TUT AS 2017); a file is
    VALID in fold k when it is not in ``foldk_train.txt``.  The instance key is the
    file's base name.
    """

    name = "dcase"
    original_names = ("audeep.backend.parsers.dcase.DCASEParser", "audeep.backend.parsers.dcase17_task1.DCASEParser")

    def _fold_files(self) -> list[Path]:
        setup = self.basedir / "evaluation_setup"
        if not setup.is_dir():
            return []
        found = {int(m.group(1)): p for p in setup.iterdir() if (m := _FOLD_FILE.match(p.name))}
        return [found[k] for k in sorted(found)]

    def can_parse(self) -> bool:
        return (self.basedir / "meta.txt").is_file() and bool(self._fold_files())

    @property
    def num_folds(self) -> int:
        return len(self._fold_files())

    def parse(self) -> list[InstanceMetadata]:
        meta = self.basedir / "meta.txt"
        rows = _read_list(meta)
        bad = [r for r in rows if len(r) < 2]
        if bad:
            raise DataSetError(f"{meta}: line {bad[0]!r} has no label: expected 'path<TAB>label'")
        train_sets = [{Path(r[0]).name for r in _read_list(p)} for p in self._fold_files()]
        out = []
        for row in rows:
            if self.fixed_label_map is not None:
                known_label(row[1], self.fixed_label_map, f"{meta}, {row[0]}")
            name = Path(row[0]).name
            folds = tuple(int(name not in train) for train in train_sets)
            out.append(InstanceMetadata(path=self.basedir / row[0], filename=name, label=row[1], cv_folds=folds))
        return out


class DCASE18Task4Parser(DCASEParser):
    """DCASE 2018 domestic activities: the DCASE layout (meta.txt, evaluation_setup/) with a fixed 9-class map.

    The map of the original auDeep, in its order: other=0, social_activity=1, eating=2,
    working=3, absence=4, vacuum_cleaner=5, dishwashing=6, watching_tv=7, cooking=8;
    other labels are an error.  Never chosen automatically (the folder looks like ``dcase``).
    """

    name = "dcase18_task4"
    original_names = ("audeep.backend.parsers.dcase18_task4.DCASEParser",)
    fixed_label_map = {label: number for number, label in enumerate((
        "other", "social_activity", "eating", "working", "absence", "vacuum_cleaner", "dishwashing", "watching_tv",
        "cooking"))}
