"""ComParE challenge data sets (INTERSPEECH 2018-2021): ``wav/`` audio and label files in ``lab/``.

One generic parser, :class:`ComParEParser`, reads every ComParE layout; each task of the
original auDeep is a subclass that names its label file, label column and label map.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

from audeep.dataset import Partition
from audeep.errors import DataSetError
from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files, known_label

__all__ = [
    "COMPARE_PARSERS",
    "ComParEParser",
    "Compare18AtypicalAffectParser",
    "Compare18CryingParser",
    "Compare18HeartbeatParser",
    "Compare18SASParser",
    "Compare19BSParser",
    "Compare19CSParser",
    "Compare19OAParser",
    "Compare19SDParser",
    "Compare20ElderlyParser",
    "Compare20MaskParser",
]

log = logging.getLogger(__name__)

_LABEL_SUFFIXES = {".csv": ",", ".tsv": "\t"}
#: Label values that mean "unknown" (the test partition's labels).
_UNKNOWN = {"", "?", "nan", "NaN"}
_PREFIXES = tuple((p.name.lower(), p) for p in Partition)


class ComParEParser(Parser):
    """ComParE: wav/ with files named train_*, devel_*, test_* and label files (*.csv, *.tsv) in lab/.

    The label files are the ``*.csv`` / ``*.tsv`` files in ``lab/`` (comma- or
    tab-separated by suffix), only the confidential ones (``*confidential*``, which
    hold the test labels) when there are any; all of them are read (ComParE 2021 has
    ``train.csv``, ``devel.csv``, ``test.csv``).  The file-name column is the first of
    :attr:`filename_keys` present, the label column is :attr:`label_key`; a file
    without a row, or with the label ``?`` or empty, is unlabelled.  The partition is
    the file-name prefix.  Labels are numbered alphabetically.  Subclass and set
    :attr:`label_key` for another label column (as the original's ``Compare21Parser``).
    """

    name = "compare"
    #: The original auDeep's dotted class names this parser stands for.
    original_names: tuple = ("audeep.backend.parsers.compare21.Compare21Parser",)
    #: The label column.
    label_key = "label"
    #: Candidate file-name columns, the first present is used.
    filename_keys: tuple = ("file_name", "filename", "filename_audio")
    #: Label files in ``lab/`` in order of preference (the first that exists is read); empty: see the class doc.
    label_files: tuple = ()

    # ------------------------------------------------------------------ layout
    def _label_paths(self) -> list[Path]:
        lab = self.basedir / "lab"
        if not lab.is_dir():
            return []
        if self.label_files:
            return [lab / n for n in self.label_files if (lab / n).is_file()][:1]
        found = sorted(p for p in lab.iterdir() if p.is_file() and p.suffix.lower() in _LABEL_SUFFIXES
                       and not p.name.startswith("."))
        confidential = [p for p in found if "confidential" in p.name.lower()]
        return confidential or found

    def can_parse(self) -> bool:
        return (self.basedir / "wav").is_dir() and bool(self._label_paths())

    def layout(self) -> str:
        wanted = " or ".join(self.label_files) if self.label_files else "*.csv / *.tsv label files"
        return f"wav/ with the audio files and lab/ with {wanted}"

    # ------------------------------------------------------------------ labels
    def _read(self, path: Path) -> dict[str, str | None]:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle, delimiter=_LABEL_SUFFIXES[path.suffix.lower()])
            columns = [c.strip() for c in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
        file_key = next((k for k in self.filename_keys if k in columns), None)
        if file_key is None or self.label_key not in columns:
            missing = self.label_key if file_key else " or ".join(self.filename_keys)
            raise DataSetError(f"{path}: no column {missing} (columns: {', '.join(columns)}); choose the parser "
                               "of the task (docs/parsers.md) or subclass ComParEParser with its label_key")
        return {row[file_key]: self._label(path, row[file_key], row[self.label_key]) for row in rows}

    def _label(self, path: Path, filename: str, value: str) -> str | None:
        if value in _UNKNOWN:
            return None
        fixed = self.fixed_label_map
        if fixed is None or value in fixed:
            return value
        try:  # numeric labels written as floats ("1.0") by some tools
            number = float(value)
            value = str(int(number)) if number.is_integer() else value
        except ValueError:
            pass
        return known_label(value, fixed, f"{path}, {filename}")

    def _labels(self) -> dict[str, str | None]:
        labels: dict[str, str | None] = {}
        for path in self._label_paths():
            for filename, label in self._read(path).items():
                if labels.get(filename, label) != label:
                    raise DataSetError(f"{path}: {filename} has label {label!r} here and {labels[filename]!r} "
                                       "in another label file")
                labels[filename] = label
        return labels

    # ------------------------------------------------------------------ content
    @staticmethod
    def partition_of(path: Path) -> Partition:
        """The partition named by the file name's prefix (train, devel or test)."""
        name = path.name.lower()
        for prefix, partition in _PREFIXES:
            if name.startswith(prefix):
                return partition
        raise DataSetError(f"{path}: ComParE audio file names start with train, devel or test")

    def parse(self) -> list[InstanceMetadata]:
        labels = self._labels()
        out = [InstanceMetadata(path=p, filename=p.name, label=labels.get(p.name), partition=self.partition_of(p))
               for p in audio_files(self.basedir / "wav")]
        unlabelled = [i.filename for i in out if i.label is None and i.partition is not Partition.TEST]
        if unlabelled:
            log.warning("%s: %d train/devel files have no label (%s)", self.basedir, len(unlabelled),
                        ", ".join(unlabelled[:3]))
        return out


def _tsv_2018(task: str) -> tuple:
    """The label files of a ComParE 2018 task: a confidential one first (both spellings), then the public one."""
    return (f"ComParE2018_{task}.confidential.tsv", f"ComParE2018_{task}_confidential.tsv", f"ComParE2018_{task}.tsv")


_CSV_2019 = ("labels_confidential.csv", "labels.csv")


def _numbered(*names: str) -> dict[str, int]:
    return {label: number for number, label in enumerate(names)}


class Compare18AtypicalAffectParser(ComParEParser):
    """ComParE 2018 Atypical Affect: lab/ComParE2018_AtypicalAffect.tsv, column emotion."""

    name = "compare18_atypical_affect"
    original_names = ("audeep.backend.parsers.compare18_atypical_affect.Compare18AtypicalAffectParser",)
    label_files, label_key = _tsv_2018("AtypicalAffect"), "emotion"
    fixed_label_map = _numbered("happy", "sad", "neutral", "angry")


class Compare18CryingParser(ComParEParser):
    """ComParE 2018 Crying: lab/ComParE2018_Crying.tsv, column label (0, 1, 2)."""

    name = "compare18_crying"
    original_names = ("audeep.backend.parsers.compare18_crying.Compare18CryingParser",)
    label_files, fixed_label_map = _tsv_2018("Crying"), _numbered("0", "1", "2")


class Compare18HeartbeatParser(ComParEParser):
    """ComParE 2018 Heart Beats: lab/ComParE2018_Heartbeat.tsv, column label (0, 1, 2)."""

    name = "compare18_heartbeat"
    original_names = ("audeep.backend.parsers.compare18_heartbeat.Compare18HeartbeatParser",)
    label_files, fixed_label_map = _tsv_2018("Heartbeat"), _numbered("0", "1", "2")


class Compare18SASParser(ComParEParser):
    """ComParE 2018 Self-Assessed Affect: lab/ComParE2018_SelfAssessedAffect.tsv, column Valence (l, m, h)."""

    name = "compare18_sas"
    original_names = ("audeep.backend.parsers.compare18_sas.Compare18SASParser",)
    label_files, label_key = _tsv_2018("SelfAssessedAffect"), "Valence"
    fixed_label_map = _numbered("l", "m", "h")


class Compare19BSParser(ComParEParser):
    """ComParE 2019 Baby Sounds: lab/labels.csv, column label."""

    name = "compare19_bs"
    original_names = ("audeep.backend.parsers.compare19_bs.Compare19BSParser",)
    label_files = _CSV_2019
    fixed_label_map = _numbered("Canonical", "Crying", "Junk", "Laughing", "Non-canonical")


class Compare19CSParser(ComParEParser):
    """ComParE 2019 Continuous Sleepiness: lab/labels.csv, column label (KSS 1-9, numbered 1-9)."""

    name = "compare19_cs"
    original_names = ("audeep.backend.parsers.compare19_cs.Compare19CSParser",)
    label_files, fixed_label_map = _CSV_2019, {str(k): k for k in range(1, 10)}


class Compare19OAParser(ComParEParser):
    """ComParE 2019 Orca Activity: lab/labels.csv, column label (noise, orca)."""

    name = "compare19_oa"
    original_names = ("audeep.backend.parsers.compare19_oa.Compare19OAParser",)
    label_files, fixed_label_map = _CSV_2019, _numbered("noise", "orca")


class Compare19SDParser(ComParEParser):
    """ComParE 2019 Styrian Dialects: lab/labels.csv, column label (EasternS, NorthernS, UrbanS)."""

    name = "compare19_sd"
    original_names = ("audeep.backend.parsers.compare19_sd.Compare19SDParser",)
    label_files, fixed_label_map = _CSV_2019, _numbered("EasternS", "NorthernS", "UrbanS")


class Compare20ElderlyParser(ComParEParser):
    """ComParE 2020 Elderly Emotion: lab/labels.csv, file column filename_audio, valence column V_cat (L, M, H)."""

    name = "compare20_elderly"
    original_names = ("audeep.backend.parsers.compare20_elderly.Compare20ElderlyParser",)
    label_files, filename_keys, label_key = _CSV_2019, ("filename_audio",), "V_cat"
    fixed_label_map = _numbered("L", "M", "H")


class Compare20MaskParser(ComParEParser):
    """ComParE 2020 Mask: lab/labels.csv, column label (clear, mask)."""

    name = "compare20_mask"
    original_names = ("audeep.backend.parsers.compare20_mask.Compare20MaskParser",)
    label_files, fixed_label_map = _CSV_2019, _numbered("clear", "mask")


#: The task parsers of the original auDeep (the generic :class:`ComParEParser` not included).
COMPARE_PARSERS = (Compare18AtypicalAffectParser, Compare18CryingParser, Compare18HeartbeatParser, Compare18SASParser,
                   Compare19BSParser, Compare19CSParser, Compare19OAParser, Compare19SDParser, Compare20ElderlyParser,
                   Compare20MaskParser)
