"""The parser protocol: how a data set folder becomes a list of audio files with metadata.

A parser is constructed with the data set's base folder.  :meth:`Parser.can_parse`
says whether the folder has the parser's layout; :meth:`Parser.parse` returns one
:class:`InstanceMetadata` per audio file; :attr:`Parser.label_map` and
:attr:`Parser.num_folds` describe the labels and the cross-validation setup.
See ``docs/parsers.md`` for writing a custom parser.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from audeep.dataset import Partition
from audeep.errors import AudeepError, DataSetError
from audeep.preprocessing.audio import AUDIO_EXTENSIONS

__all__ = ["InstanceMetadata", "Parser", "audio_files", "checked_parse", "is_audio_file",
           "known_label", "one_hot_fold", "subfolders"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstanceMetadata:
    """What a parser knows about one audio file.

    Attributes
    ----------
    path : pathlib.Path
        The audio file.
    filename : str
        The instance key stored in the data set (unique within the data set).
    label : str or None
        Nominal label, ``None`` if unknown.
    cv_folds : tuple of int
        One entry per fold: 0 = TRAIN, 1 = VALID; empty without cross-validation.
    partition : Partition or None
        TRAIN, DEVEL or TEST, ``None`` if unknown.
    """

    path: Path
    filename: str
    label: str | None = None
    cv_folds: tuple = field(default=())
    partition: Partition | None = None


class Parser(ABC):
    """Base class of all data set parsers.

    Parameters
    ----------
    basedir : path-like
        The data set's root folder.

    Subclasses implement :meth:`can_parse`, :meth:`parse` and, when they have them,
    :attr:`label_map` and :attr:`num_folds`.
    """

    #: Short name used with ``--parser NAME`` and in messages.
    name = "parser"

    def __init__(self, basedir: str | os.PathLike):
        self.basedir = Path(basedir)

    @abstractmethod
    def can_parse(self) -> bool:
        """Whether the base folder has this parser's layout (cheap; no audio is read)."""

    @abstractmethod
    def parse(self) -> list[InstanceMetadata]:
        """One record per audio file, in a deterministic order."""

    #: A layout's fixed label map (name -> number); None: the labels of :meth:`parse` numbered alphabetically.
    fixed_label_map: dict | None = None

    @property
    def label_map(self) -> dict[str, int] | None:
        """Nominal -> numeric label: :attr:`fixed_label_map`, else the labels of :meth:`parse` in alphabetical order."""
        if self.fixed_label_map is not None:
            return dict(self.fixed_label_map)
        labels = sorted({i.label for i in self.parse() if i.label is not None})
        return {name: number for number, name in enumerate(labels)} if labels else None

    @property
    def num_folds(self) -> int:
        """Number of cross-validation folds (0 without cross-validation)."""
        return 0

    @property
    def num_instances(self) -> int:
        """Number of audio files."""
        return len(self.parse())

    def require(self) -> None:
        """Raise a :class:`DataSetError` naming the folder if :meth:`can_parse` is false."""
        if not self.basedir.is_dir():
            raise DataSetError(f"basedir {self.basedir}: no such folder", parameter="basedir")
        if not _call(self, "can_parse"):
            raise DataSetError(f"parser {self.name!r} cannot parse {self.basedir}: "
                               f"the folder does not have its layout ({self.layout()})")

    def layout(self) -> str:
        """One-line description of the expected layout (for messages)."""
        return (self.__doc__ or self.name).strip().splitlines()[0]


def _call(parser: Parser, method: str):
    """``parser.method()``; an exception other than an AudeepError becomes a DataSetError naming the class."""
    try:
        return getattr(parser, method)()
    except AudeepError:
        raise
    except Exception as exc:
        raise DataSetError(f"parser {type(parser).__name__}: {method}() raised {type(exc).__name__}: {exc}") from exc


def checked_parse(parser: Parser) -> list[InstanceMetadata]:
    """The records of ``parser.parse()``, checked to be a list of :class:`InstanceMetadata`.

    Raises
    ------
    DataSetError
        Naming the parser class and what was expected, if ``parse()`` raises (other than
        an :class:`~audeep.errors.AudeepError`) or returns something else.
    """
    records = _call(parser, "parse")
    name = type(parser).__name__
    if isinstance(records, (str, bytes, dict)) or not hasattr(records, "__iter__"):
        raise DataSetError(f"parser {name}: parse() returned a {type(records).__name__}: expected a list of "
                           "InstanceMetadata")
    records = list(records)
    wrong = next((k for k, r in enumerate(records) if not isinstance(r, InstanceMetadata)), None)
    if wrong is not None:
        raise DataSetError(f"parser {name}: parse() returned a {type(records[wrong]).__name__} as record {wrong}: "
                           "expected InstanceMetadata (audeep.preprocessing.parsers.InstanceMetadata)")
    return records


def is_audio_file(path: Path) -> bool:
    """A visible regular file with an audio extension."""
    return path.is_file() and not path.name.startswith(".") and path.suffix.lower() in AUDIO_EXTENSIONS


def audio_files(folder: Path, *, recursive: bool = False) -> list[Path]:
    """Audio files in ``folder`` (sorted; hidden files and folders skipped)."""
    if not folder.is_dir():
        return []
    if not recursive:
        return sorted(p for p in folder.iterdir() if is_audio_file(p))
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / f for f in files if is_audio_file(Path(root) / f))
    return sorted(found)


def subfolders(folder: Path) -> list[Path]:
    """Visible sub-folders of ``folder``, sorted by name."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def known_label(label: str, label_map: dict, where: str) -> str:
    """``label`` if ``label_map`` has it; else a :class:`DataSetError` naming ``where`` and the labels expected."""
    if label not in label_map:
        raise DataSetError(f"{where}: label {label!r} is not one of this layout's labels ({', '.join(label_map)})")
    return label


def one_hot_fold(valid_fold: int, num_folds: int) -> tuple:
    """cv_folds of a file that is VALID in fold ``valid_fold`` (0-based) and TRAIN in the others."""
    return tuple(int(k == valid_fold) for k in range(num_folds))
