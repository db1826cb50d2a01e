"""The default parser: picks the single known layout that the folder has."""

from __future__ import annotations

import logging

from audeep.errors import DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser

__all__ = ["MetaParser"]

log = logging.getLogger(__name__)


class MetaParser(Parser):
    """Meta: the one parser of dcase, urbansound8k, esc, partitioned, cross_validated, csv, compare that accepts it.

    Ambiguous folders (several accept) and unknown ones (none accepts) are errors that
    list the candidates; ``no_metadata`` is never chosen automatically.
    """

    name = "meta"
    original_names = ("audeep.backend.parsers.meta.MetaParser",)

    def __init__(self, basedir):
        super().__init__(basedir)
        self._chosen = None

    @staticmethod
    def candidates() -> list[type[Parser]]:
        """The parser classes tried, in order."""
        from audeep.preprocessing.parsers import AUTO_PARSERS

        return list(AUTO_PARSERS)

    def _accepting(self) -> list[Parser]:
        parsers = [cls(self.basedir) for cls in self.candidates()]
        return [p for p in parsers if p.can_parse()]

    def can_parse(self) -> bool:
        return len(self._accepting()) == 1

    @property
    def chosen(self) -> Parser:
        """The parser that accepts the folder.

        Raises
        ------
        DataSetError
            If the folder is missing, or no parser or several accept it.
        """
        if self._chosen is None:
            if not self.basedir.is_dir():
                raise DataSetError(f"basedir {self.basedir}: no such folder", parameter="basedir")
            accepting = self._accepting()
            tried = ", ".join(cls.name for cls in self.candidates())
            if not accepting:
                raise DataSetError(
                    f"no parser recognises the layout of {self.basedir} (tried: {tried}); "
                    "choose the no_metadata parser for unlabelled audio, or a custom one (file.py:Class)")
            if len(accepting) > 1:
                raise DataSetError(
                    f"the layout of {self.basedir} is ambiguous: parsers "
                    f"{', '.join(p.name for p in accepting)} all accept it; choose one with parser",
                    parameter="parser")
            self._chosen = accepting[0]
            log.info("%s: using the %s parser", self.basedir, self._chosen.name)
        return self._chosen

    def require(self) -> None:
        self.chosen  # noqa: B018 -- raises with the candidates

    @property
    def label_map(self):
        return self.chosen.label_map

    @property
    def num_folds(self) -> int:
        return self.chosen.num_folds

    def parse(self) -> list[InstanceMetadata]:
        return self.chosen.parse()
