"""Cross-validated data sets: fold_1 .. fold_N folders, each with class sub-folders."""

from __future__ import annotations

import re

from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files, one_hot_fold, subfolders

__all__ = ["CrossValidatedParser"]

_FOLD = re.compile(r"^fold_(\d+)$")


class CrossValidatedParser(Parser):
    """Cross-validated: fold_1 .. fold_N folders (N >= 2) with class sub-folders of audio files.

    A file is VALID in the fold whose folder holds it; labels are the class folder
    names, numbered alphabetically; the instance key is ``fold_k/class/file``.
    """

    name = "cross_validated"
    original_names = ("audeep.backend.parsers.cross_validated.CrossValidatedParser",)

    def _folds(self):
        folders = subfolders(self.basedir)
        matches = [_FOLD.match(f.name) for f in folders]
        if not folders or not all(matches):
            return None
        numbers = sorted(int(m.group(1)) for m in matches)
        if numbers != list(range(1, len(numbers) + 1)) or len(numbers) < 2:
            return None
        return sorted(folders, key=lambda f: int(_FOLD.match(f.name).group(1)))

    def can_parse(self) -> bool:
        folds = self._folds()
        return folds is not None and any(audio_files(c) for f in folds for c in subfolders(f))

    @property
    def num_folds(self) -> int:
        return len(self._folds() or [])

    def parse(self) -> list[InstanceMetadata]:
        folds = self._folds() or []
        out = []
        for k, folder in enumerate(folds):
            for cls in subfolders(folder):
                for path in audio_files(cls):
                    out.append(InstanceMetadata(path=path, filename=f"{folder.name}/{cls.name}/{path.name}",
                                                label=cls.name, cv_folds=one_hot_fold(k, len(folds))))
        return out
