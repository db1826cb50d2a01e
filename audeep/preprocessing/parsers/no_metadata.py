"""No metadata: every audio file below the base folder, without labels or folds."""

from __future__ import annotations

from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files

__all__ = ["NoMetadataParser"]


class NoMetadataParser(Parser):
    """No metadata: every audio file below the folder (recursively), unlabelled.

    The instance key is the path relative to the base folder.  Never chosen
    automatically: pass ``--parser no_metadata``.
    """

    name = "no_metadata"
    original_names = ("audeep.backend.parsers.no_metadata.NoMetadataParser",)

    def can_parse(self) -> bool:
        return bool(audio_files(self.basedir, recursive=True))

    @property
    def label_map(self) -> None:
        return None

    def parse(self) -> list[InstanceMetadata]:
        return [InstanceMetadata(path=p, filename=p.relative_to(self.basedir).as_posix())
                for p in audio_files(self.basedir, recursive=True)]
