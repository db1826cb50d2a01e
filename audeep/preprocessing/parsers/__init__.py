"""Data set parsers: one module per folder layout, all yielding :class:`InstanceMetadata`.

:func:`get_parser` resolves ``--parser`` values: a registered name (:data:`PARSERS`: ``meta``,
``esc``, ``dcase``, ``urbansound8k``, ``partitioned``, ``cross_validated``, ``no_metadata``, ``csv``,
``compare``, the ComParE tasks, ``dcase18_task4``), a dotted class name of the original auDeep
(:data:`ORIGINAL_NAMES`, e.g. ``audeep.backend.parsers.esc.ESCParser``), a file and class
``path/to/file.py:ClassName``, or a dotted ``package.module.ClassName``.
"""

from __future__ import annotations

import collections
import importlib
import importlib.util
import logging
import os
import sys
from pathlib import Path

from audeep.errors import DataSetError, ParameterError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, checked_parse
from audeep.preprocessing.parsers.compare import COMPARE_PARSERS, ComParEParser
from audeep.preprocessing.parsers.cross_validated import CrossValidatedParser
from audeep.preprocessing.parsers.csv import CSVParser
from audeep.preprocessing.parsers.dcase import DCASE18Task4Parser, DCASEParser
from audeep.preprocessing.parsers.esc import ESCParser
from audeep.preprocessing.parsers.meta import MetaParser
from audeep.preprocessing.parsers.no_metadata import NoMetadataParser
from audeep.preprocessing.parsers.partitioned import PartitionedParser
from audeep.preprocessing.parsers.urbansound8k import UrbanSound8KParser

__all__ = [
    "AUTO_PARSERS",
    "ORIGINAL_NAMES",
    "PARSERS",
    "CSVParser",
    "ComParEParser",
    "CrossValidatedParser",
    "DCASE18Task4Parser",
    "DCASEParser",
    "ESCParser",
    "InstanceMetadata",
    "MetaParser",
    "NoMetadataParser",
    "Parser",
    "PartitionedParser",
    "UrbanSound8KParser",
    "get_parser",
    "load_parser_class",
    "parse_collection",
]

log = logging.getLogger(__name__)

#: Parsers tried by :class:`MetaParser`, in order.
AUTO_PARSERS = (DCASEParser, UrbanSound8KParser, ESCParser, PartitionedParser, CrossValidatedParser, CSVParser,
                ComParEParser)

#: Name -> parser class, for ``--parser NAME`` (``compare21`` is the original's name of the generic ComParE parser).
PARSERS = {cls.name: cls for cls in (MetaParser,) + AUTO_PARSERS + (NoMetadataParser, DCASE18Task4Parser)
           + COMPARE_PARSERS} | {"compare21": ComParEParser}

#: The original auDeep's dotted parser class names -> our classes (``--parser audeep.backend.parsers.esc.ESCParser``).
ORIGINAL_NAMES = {original: cls for cls in PARSERS.values() for original in getattr(cls, "original_names", ())}


def load_parser_class(spec: str) -> type:
    """The parser class named by ``spec``.

    Parameters
    ----------
    spec : str
        A registered name, an original auDeep class name, ``path/to/file.py:ClassName`` or
        ``package.module.ClassName``.

    Raises
    ------
    ParameterError
        If the name, file or class does not exist or is not a parser.
    """
    key = spec.strip().lower().replace("-", "_")
    if key in PARSERS:
        return PARSERS[key]
    if spec.strip() in ORIGINAL_NAMES:
        return ORIGINAL_NAMES[spec.strip()]
    if spec.strip().startswith("audeep.backend."):
        raise ParameterError(f"parser {spec}: not a parser of the original auDeep; its parsers are "
                             f"{', '.join(sorted(ORIGINAL_NAMES))}", parameter="parser")
    if ":" in spec:
        file, _, cls_name = spec.rpartition(":")
        path = Path(file)
        if not path.is_file():
            raise ParameterError(f"parser {spec}: no such file {path}", parameter="parser")
        module_name = f"audeep_custom_parser_{abs(hash((os.fspath(path.resolve()), path.stat().st_mtime_ns)))}"
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module_spec = importlib.util.spec_from_file_location(module_name, path)
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
            except Exception as exc:
                raise ParameterError(f"parser {spec}: cannot load {path}: {type(exc).__name__}: {exc}",
                                     parameter="parser") from exc
            sys.modules[module_name] = module
    elif "." in spec:
        module_name, _, cls_name = spec.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ParameterError(f"parser {spec}: cannot import {module_name} ({exc})", parameter="parser") from exc
    else:
        raise ParameterError(f"parser {spec!r}: expected one of {', '.join(PARSERS)}, "
                             "path/to/file.py:ClassName or package.module.ClassName", parameter="parser")
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ParameterError(f"parser {spec}: {cls_name!r} is not defined there", parameter="parser")
    if not (isinstance(cls, type) and all(callable(getattr(cls, m, None)) for m in ("can_parse", "parse"))):
        raise ParameterError(f"parser {spec}: {cls_name} is no Parser class (expected a subclass of audeep.Parser)",
                             parameter="parser")
    return cls


def get_parser(spec: str | Parser | type | None, basedir: str | os.PathLike) -> Parser:
    """A parser instance for ``basedir``: ``spec`` is a name/path string, a class or an instance (default meta)."""
    if spec is None:
        spec = "meta"
    if isinstance(spec, str):
        spec = load_parser_class(spec)
    if isinstance(spec, type):
        return spec(basedir)
    return spec


def parse_collection(basedir, *, parser=None) -> tuple:
    """The parser of a collection and the audio files it lists.

    Parameters
    ----------
    basedir : path-like
        The collection's root folder.
    parser : str, Parser class or instance, optional
        As for :func:`get_parser` (default auto-detection).

    Returns
    -------
    (Parser, list of InstanceMetadata, str)
        The parser, its records (at least one; unique instance names) and the name of the
        parser that read them (the one auto-detection chose).

    Raises
    ------
    DataSetError
        If the folder is missing, has no known layout, no audio files, or repeated instance names.
    """
    basedir = Path(basedir)
    if not basedir.is_dir():
        raise DataSetError(f"basedir {basedir}: no such folder", parameter="basedir")
    p = get_parser(parser, basedir)
    p.require()
    instances = checked_parse(p)
    if not instances:
        raise DataSetError(f"{basedir}: the {p.name} parser found no audio files")
    seen = collections.Counter(i.filename for i in instances)
    dupes = [name for name, c in seen.items() if c > 1]
    if dupes:
        raise DataSetError(f"{basedir}: instance names must be unique, but {dupes[:3]} occur several times")
    missing = [str(i.path) for i in instances if not Path(i.path).exists()]
    if missing:
        log.warning("%d files named by the metadata do not exist (%s)", len(missing), ", ".join(missing[:3]))
    name = getattr(getattr(p, "chosen", p), "name", type(p).__name__)
    return p, instances, name
