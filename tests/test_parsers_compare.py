"""Issue 20's parsers: ComParE (generic and per task), dcase18_task4, every audio format, the original's class names."""

import textwrap

import pytest
import soundfile
from test_parsers import _wav, make_esc

from audeep.dataset import DataSet, Partition
from audeep.errors import DataSetError, ParameterError
from audeep.preprocessing.parsers import (
    ORIGINAL_NAMES,
    PARSERS,
    ComParEParser,
    DCASE18Task4Parser,
    DCASEParser,
    ESCParser,
    MetaParser,
    get_parser,
    load_parser_class,
    parse_collection,
)
from audeep.preprocessing.parsers.compare import COMPARE_PARSERS

CLIPS = ("train_0001.wav", "train_0002.wav", "devel_0001.wav", "test_0001.wav")


def make_compare(root, label_files, *, clips=CLIPS):
    """wav/ with ``clips`` (distinct tones) and lab/ with ``label_files``: name -> (header, rows) or text."""
    for i, name in enumerate(clips):
        _wav(root / "wav" / name, seed=i)
    (root / "lab").mkdir(parents=True, exist_ok=True)
    for name, content in label_files.items():
        if not isinstance(content, str):
            sep = "\t" if name.endswith(".tsv") else ","
            header, rows = content
            content = "\n".join(sep.join(map(str, line)) for line in [header, *rows]) + "\n"
        (root / "lab" / name).write_text(content)
    return root


# ---------------------------------------------------------------- the generic ComParE parser
def make_compare21(root):
    return make_compare(root, {
        "train.csv": (["filename", "label"], [["train_0001.wav", "positive"], ["train_0002.wav", "negative"]]),
        "devel.csv": (["filename", "label"], [["devel_0001.wav", "negative"]]),
        "test.csv": (["filename", "label"], [["test_0001.wav", "?"]]),
    })


def test_generic_compare_2021_layout_is_auto_detected(tmp_path):
    root = make_compare21(tmp_path / "c21")
    parser, items, name = parse_collection(root)
    assert name == "compare" and isinstance(parser.chosen, ComParEParser)
    assert [i.filename for i in items] == sorted(CLIPS)
    by_name = {i.filename: i for i in items}
    assert [by_name[c].partition for c in CLIPS] == [Partition.TRAIN, Partition.TRAIN, Partition.DEVEL,
                                                      Partition.TEST]
    assert [by_name[c].label for c in CLIPS] == ["positive", "negative", "negative", None]
    assert all(i.cv_folds == () and i.path == root / "wav" / i.filename for i in items)
    assert parser.label_map == {"negative": 0, "positive": 1} and parser.num_folds == 0
    for spec in ("compare21", "audeep.backend.parsers.compare21.Compare21Parser"):
        assert type(get_parser(spec, root)) is ComParEParser


def test_generic_compare_label_key_by_subclass(tmp_path):
    # the original's Compare21Parser is abstract in its label column: subclass and set label_key
    root = make_compare(tmp_path / "c", {"labels.csv": (["file_name", "label", "arousal"], [
        ["train_0001.wav", "x", "low"], ["train_0002.wav", "x", "high"], ["devel_0001.wav", "y", "high"]])})
    code = tmp_path / "arousal.py"
    code.write_text(textwrap.dedent("""
        from audeep.preprocessing.parsers.compare import ComParEParser

        class Arousal(ComParEParser):
            name = "arousal"
            label_key = "arousal"
    """))
    parser = get_parser(f"{code}:Arousal", root)
    assert [i.label for i in parser.parse()] == ["high", None, "low", "high"]  # devel, test, train, train
    assert parser.label_map == {"high": 0, "low": 1}
    with pytest.raises(DataSetError, match=r"labels.csv: no column emotion \(columns: file_name, label, arousal\)"):
        type("Emotion", (ComParEParser,), {"label_key": "emotion"})(root).parse()


def test_confidential_label_file_is_preferred(tmp_path):
    public = (["file_name", "label"], [["train_0001.wav", "orca"], ["train_0002.wav", "noise"],
                                       ["devel_0001.wav", "orca"], ["test_0001.wav", "?"]])
    confidential = (public[0], public[1][:3] + [["test_0001.wav", "noise"]])
    root = make_compare(tmp_path / "oa", {"labels.csv": public})
    assert {i.filename: i.label for i in get_parser("compare19_oa", root).parse()}["test_0001.wav"] is None
    make_compare(root, {"labels_confidential.csv": confidential})
    for spec in ("compare19_oa", "compare"):
        items = {i.filename: i.label for i in get_parser(spec, root).parse()}
        assert items["test_0001.wav"] == "noise" and items["train_0001.wav"] == "orca"


# ---------------------------------------------------------------- every task of the original
#: name -> (label file, file-name column, label column, the original's label map); facts from ORIGINAL.md / auDeep
TASKS = {
    "compare18_atypical_affect": ("ComParE2018_AtypicalAffect.tsv", "file_name", "emotion",
                                  {"happy": 0, "sad": 1, "neutral": 2, "angry": 3}),
    "compare18_crying": ("ComParE2018_Crying.tsv", "file_name", "label", {"0": 0, "1": 1, "2": 2}),
    "compare18_heartbeat": ("ComParE2018_Heartbeat.tsv", "file_name", "label", {"0": 0, "1": 1, "2": 2}),
    "compare18_sas": ("ComParE2018_SelfAssessedAffect.tsv", "file_name", "Valence", {"l": 0, "m": 1, "h": 2}),
    "compare19_bs": ("labels.csv", "file_name", "label",
                     {"Canonical": 0, "Crying": 1, "Junk": 2, "Laughing": 3, "Non-canonical": 4}),
    "compare19_cs": ("labels.csv", "file_name", "label", {str(k): k for k in range(1, 10)}),
    "compare19_oa": ("labels.csv", "file_name", "label", {"noise": 0, "orca": 1}),
    "compare19_sd": ("labels.csv", "file_name", "label", {"EasternS": 0, "NorthernS": 1, "UrbanS": 2}),
    "compare20_elderly": ("labels.csv", "filename_audio", "V_cat", {"L": 0, "M": 1, "H": 2}),
    "compare20_mask": ("labels.csv", "file_name", "label", {"clear": 0, "mask": 1}),
}


def test_every_task_parser_is_registered():
    assert set(TASKS) == {cls.name for cls in COMPARE_PARSERS} and all(PARSERS[n].name == n for n in TASKS)


@pytest.mark.parametrize("task", sorted(TASKS))
def test_task_parser(tmp_path, task):
    label_file, file_key, label_key, label_map = TASKS[task]
    labels = list(label_map)
    # train/devel labelled (the last label of the map written as a float, as pandas does), test without a row
    rows = [["train_0001.wav", labels[0]], ["train_0002.wav", labels[-1]], ["devel_0001.wav", labels[1]]]
    if labels[-1].isdigit():
        rows[1][1] = f"{labels[-1]}.0"
    root = make_compare(tmp_path / task, {label_file: ([file_key, label_key], rows)})
    cls = load_parser_class(task)
    assert load_parser_class(f"audeep.backend.parsers.{task}.{cls.__name__}") is cls
    parser = cls(root)
    assert parser.can_parse() and parser.label_map == label_map and parser.num_folds == 0
    items = {i.filename: i for i in parser.parse()}
    assert [items[c].label for c in CLIPS] == [labels[0], labels[-1], labels[1], None]
    assert [items[c].partition for c in CLIPS] == [Partition.TRAIN, Partition.TRAIN, Partition.DEVEL,
                                                    Partition.TEST]
    other = next(t for t in TASKS if TASKS[t][0] != label_file)
    assert not load_parser_class(other)(root).can_parse()  # another task's label file is needed there


def test_task_parser_refuses_unknown_labels_and_prefixes(tmp_path):
    root = make_compare(tmp_path / "sd", {"labels.csv": (["file_name", "label"], [["train_0001.wav", "WesternS"]])})
    with pytest.raises(DataSetError, match=r"labels.csv, train_0001.wav: label 'WesternS' is not one of .*EasternS"):
        get_parser("compare19_sd", root).parse()
    root = make_compare(tmp_path / "bad", {"labels.csv": (["file_name", "label"], [])}, clips=("x_01.wav",))
    with pytest.raises(DataSetError, match="x_01.wav: ComParE audio file names start with train, devel or test"):
        get_parser("compare19_sd", root).parse()
    with pytest.raises(DataSetError, match="does not have its layout.*wav/ with the audio files and lab/ with"):
        get_parser("compare18_crying", root).require()


def test_compare_preprocess_with_the_original_class_name(cli, tmp_path):
    root = make_compare(tmp_path / "mask", {"labels.csv": (["file_name", "label"], [
        ["train_0001.wav", "mask"], ["train_0002.wav", "clear"], ["devel_0001.wav", "mask"]])})
    out = tmp_path / "mask.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "audeep.backend.parsers.compare20_mask.Compare20MaskParser",
              "--output", out, "--window-width", 0.02, "--window-overlap", 0.01, "--jobs", 1)
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.label_map == {"clear": 0, "mask": 1}
        assert list(ds.filenames) == sorted(CLIPS)  # devel, test, train, train
        assert ds.partitions.tolist() == [Partition.DEVEL, Partition.TEST, Partition.TRAIN, Partition.TRAIN]
        assert ds.labels_numeric.tolist() == [1, -1, 1, 0]


# ---------------------------------------------------------------- dcase18_task4
def test_dcase18_task4(tmp_path):
    root = tmp_path / "dcase18"
    labels = ["absence", "cooking", "other", "watching_tv"]
    names = [f"audio/DevNode1_ex{i}.wav" for i in range(4)]
    for n in names:
        _wav(root / n)
    (root / "meta.txt").write_text("".join(f"{n}\t{lbl}\tDevNode1\n" for n, lbl in zip(names, labels)))
    (root / "evaluation_setup").mkdir()
    for k in range(1, 5):
        (root / "evaluation_setup" / f"fold{k}_train.txt").write_text(
            "".join(f"{n}\t{lbl}\n" for i, (n, lbl) in enumerate(zip(names, labels)) if i != k - 1))
    parser = get_parser("audeep.backend.parsers.dcase18_task4.DCASEParser", root)
    assert type(parser) is DCASE18Task4Parser and parser.num_folds == 4
    assert parser.label_map == {"other": 0, "social_activity": 1, "eating": 2, "working": 3, "absence": 4,
                                "vacuum_cleaner": 5, "dishwashing": 6, "watching_tv": 7, "cooking": 8}
    items = parser.parse()
    assert [i.label for i in items] == labels and items[2].cv_folds == (0, 0, 1, 0)
    assert type(MetaParser(root).chosen) is DCASEParser  # the same layout: never chosen automatically
    (root / "meta.txt").write_text(f"{names[0]}\tbeach\n")
    with pytest.raises(DataSetError, match=r"meta.txt, audio/DevNode1_ex0.wav: label 'beach' is not one of"):
        parser.parse()


# ---------------------------------------------------------------- formats and the original's names
def test_esc_reads_every_audio_format(cli, tmp_path):
    root = make_esc(tmp_path / "esc")  # 3 classes x 5 folds of .ogg
    for ogg in sorted(root.glob("*/[12]-*.ogg")):
        data, rate = soundfile.read(ogg)
        soundfile.write(ogg.with_suffix(".flac" if ogg.name[0] == "1" else ".mp3"), data, rate)
        ogg.unlink()
    items = ESCParser(root).parse()
    assert sorted({i.path.suffix for i in items}) == [".flac", ".mp3", ".ogg"] and len(items) == 15
    out = tmp_path / "esc.nc"
    res = cli("preprocess", "--basedir", root, "--parser", "audeep.backend.parsers.esc.ESCParser", "--output", out,
              "--window-width", 0.02, "--window-overlap", 0.01, "--fixed-length", 0.1, "--jobs", 1)
    assert res.status == 0, res
    assert "ignoring" not in res.stderr
    with DataSet.open(out) as ds:
        assert ds.num_instances == 15 and ds.num_folds == 5
        assert {f.rsplit(".", 1)[1] for f in ds.filenames} == {"flac", "mp3", "ogg"}


def test_every_original_name_maps_to_a_parser():
    originals = {"meta.MetaParser", "no_metadata.NoMetadataParser", "dcase.DCASEParser", "dcase17_task1.DCASEParser",
                 "dcase18_task4.DCASEParser", "esc.ESCParser", "urban_sound_8k.UrbanSound8KParser",
                 "partitioned.PartitionedParser", "cross_validated.CrossValidatedParser", "compare21.Compare21Parser"}
    originals |= {f"{task}.{PARSERS[task].__name__}" for task in TASKS}
    assert set(ORIGINAL_NAMES) == {f"audeep.backend.parsers.{o}" for o in originals}
    for original, cls in ORIGINAL_NAMES.items():
        assert load_parser_class(original) is cls
    with pytest.raises(ParameterError, match="not a parser of the original auDeep; its parsers are .*esc.ESCParser"):
        load_parser_class("audeep.backend.parsers.esc.ESC50Parser")
    assert load_parser_class("audeep.preprocessing.parsers.compare.ComParEParser") is ComParEParser  # importable


def test_preprocess_reports_an_unknown_original_name(cli, tmp_path):
    root = make_compare21(tmp_path / "c21")
    res = cli("preprocess", "--basedir", root, "--parser", "audeep.backend.parsers.bogus.BogusParser",
              "--output", tmp_path / "x.nc")
    assert res.status != 0 and "not a parser of the original auDeep" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x.nc").exists()
