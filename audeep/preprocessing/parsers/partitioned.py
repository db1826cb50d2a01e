"""Partitioned data sets: train/ devel/ test/ folders, each with class sub-folders."""

from __future__ import annotations

from audeep.dataset import Partition
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files, subfolders

__all__ = ["PartitionedParser"]


class PartitionedParser(Parser):
    """Partitioned: train/, devel/, test/ folders (at least one), each with class sub-folders of audio files.

    Labels are the class folder names, numbered alphabetically over all partitions;
    the instance key is ``partition/class/file``.
    """

    name = "partitioned"
    original_names = ("audeep.backend.parsers.partitioned.PartitionedParser",)

    def _partitions(self):
        names = {p.name.lower(): p for p in subfolders(self.basedir)}
        return names

    def can_parse(self) -> bool:
        names = self._partitions()
        if not names or not set(names) <= {"train", "devel", "test"}:
            return False
        return any(audio_files(c) for p in names.values() for c in subfolders(p))

    def parse(self) -> list[InstanceMetadata]:
        out = []
        for part in Partition:
            folder = self._partitions().get(part.name.lower())
            if folder is None:
                continue
            for cls in subfolders(folder):
                for path in audio_files(cls):
                    out.append(InstanceMetadata(path=path, filename=f"{folder.name}/{cls.name}/{path.name}",
                                                label=cls.name, partition=part))
        return out
