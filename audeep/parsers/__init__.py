"""Data set parsers: one module per folder layout, all yielding :class:`InstanceMetadata`.

:func:`get_parser` resolves ``--parser`` values: a registered name (``meta``, ``esc``,
``dcase``, ``urbansound8k``, ``partitioned``, ``cross_validated``, ``no_metadata``,
``csv``), a file and class ``path/to/file.py:ClassName``, or a dotted
``package.module.ClassName``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path

from audeep.errors import ParameterError
from audeep.parsers.base import InstanceMetadata, Parser
from audeep.parsers.cross_validated import CrossValidatedParser
from audeep.parsers.csv import CSVParser
from audeep.parsers.dcase import DCASEParser
from audeep.parsers.esc import ESCParser
from audeep.parsers.meta import MetaParser
from audeep.parsers.no_metadata import NoMetadataParser
from audeep.parsers.partitioned import PartitionedParser
from audeep.parsers.urbansound8k import UrbanSound8KParser

__all__ = ["InstanceMetadata", "Parser", "PARSERS", "AUTO_PARSERS", "get_parser", "load_parser_class",
           "MetaParser", "ESCParser", "DCASEParser", "UrbanSound8KParser", "PartitionedParser",
           "CrossValidatedParser", "NoMetadataParser", "CSVParser"]

#: Parsers tried by :class:`MetaParser`, in order.
AUTO_PARSERS = (DCASEParser, UrbanSound8KParser, ESCParser, PartitionedParser, CrossValidatedParser, CSVParser)

#: Name -> parser class, for ``--parser NAME``.
PARSERS = {cls.name: cls for cls in (MetaParser,) + AUTO_PARSERS + (NoMetadataParser,)}


def load_parser_class(spec: str) -> type:
    """The parser class named by ``spec``.

    Parameters
    ----------
    spec : str
        A registered name, ``path/to/file.py:ClassName`` or ``package.module.ClassName``.

    Raises
    ------
    ParameterError
        If the name, file or class does not exist or is not a parser.
    """
    key = spec.strip().lower().replace("-", "_")
    if key in PARSERS:
        return PARSERS[key]
    if ":" in spec:
        file, _, cls_name = spec.rpartition(":")
        path = Path(file)
        if not path.is_file():
            raise ParameterError(f"--parser {spec}: no such file {path}")
        module_name = f"audeep_custom_parser_{abs(hash((os.fspath(path.resolve()), path.stat().st_mtime_ns)))}"
        module = sys.modules.get(module_name)
        if module is None:
            try:
                module_spec = importlib.util.spec_from_file_location(module_name, path)
                module = importlib.util.module_from_spec(module_spec)
                module_spec.loader.exec_module(module)
            except Exception as exc:
                raise ParameterError(f"--parser {spec}: cannot load {path}: {type(exc).__name__}: {exc}") from exc
            sys.modules[module_name] = module
    elif "." in spec:
        module_name, _, cls_name = spec.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ParameterError(f"--parser {spec}: cannot import {module_name} ({exc})") from exc
    else:
        raise ParameterError(f"--parser {spec!r}: expected one of {', '.join(PARSERS)}, "
                             "path/to/file.py:ClassName or package.module.ClassName")
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise ParameterError(f"--parser {spec}: {cls_name!r} is not defined there")
    if not (isinstance(cls, type) and all(callable(getattr(cls, m, None)) for m in ("can_parse", "parse"))):
        raise ParameterError(f"--parser {spec}: {cls_name} is not a parser class "
                             "(expected a subclass of audeep.parsers.Parser)")
    return cls


def get_parser(spec: "str | Parser | type | None", basedir: "str | os.PathLike") -> Parser:
    """A parser instance for ``basedir``: ``spec`` is a name/path string, a class or an instance (default meta)."""
    if spec is None:
        spec = "meta"
    if isinstance(spec, str):
        spec = load_parser_class(spec)
    if isinstance(spec, type):
        return spec(basedir)
    return spec
