"""Every parser on a small folder tree built here (synthetic audio), meta auto-detection and custom parsers."""

import logging
import textwrap

import pytest
from conftest import tone, write_wav

from audeep.dataset import Partition
from audeep.errors import DataSetError, ParameterError
from audeep.preprocessing.parsers import (
    CrossValidatedParser,
    CSVParser,
    DCASEParser,
    ESCParser,
    MetaParser,
    NoMetadataParser,
    PartitionedParser,
    UrbanSound8KParser,
    get_parser,
    load_parser_class,
)

SR = 8000


def _wav(path, seconds=0.1, seed=0):
    return write_wav(path, tone(seconds, sample_rate=SR, seed=seed), SR)


def make_esc(root, ext="ogg", classes=("Dog bark", "Rain", "Sea waves"), folds=(1, 2, 3, 4, 5)):
    """Class folders 'NNN - Name' with files 'F-id-A.ext', plus top-level README files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "README.md").write_text("# readme")
    (root / "README.txt").write_text("readme")
    for c, name in enumerate(classes):
        for fold in folds:
            path = root / f"{c + 1:03d} - {name}" / f"{fold}-{100 + c}{fold}-A.{ext}"
            path.parent.mkdir(parents=True, exist_ok=True)
            import soundfile
            soundfile.write(path, tone(0.1, sample_rate=SR, seed=c * 10 + fold), SR)
    return root


def make_esc50(root):
    (root / "meta").mkdir(parents=True)
    rows = ["filename,fold,target,category,esc10,src_file,take"]
    for i, (cat, target) in enumerate([("dog", 0), ("rooster", 1), ("rain", 10)] * 2):
        name = f"{i % 5 + 1}-{1000 + i}-A-{target}.wav"
        _wav(root / "audio" / name, seed=i)
        rows.append(f"{name},{i % 5 + 1},{target},{cat},False,{1000 + i},A")
    (root / "meta" / "esc50.csv").write_text("\n".join(rows) + "\n")
    return root


def test_esc_ogg_tree_ignores_readme_files(tmp_path):
    root = make_esc(tmp_path / "esc")
    parser = ESCParser(root)
    assert parser.can_parse()
    items = parser.parse()
    assert len(items) == 15 and parser.num_folds == 5
    assert parser.label_map == {"Dog bark": 0, "Rain": 1, "Sea waves": 2}
    first = items[0]
    assert first.filename == "1-1001-A.ogg" and first.label == "Dog bark" and first.cv_folds == (1, 0, 0, 0, 0)
    assert {i.cv_folds.index(1) + 1 for i in items} == {1, 2, 3, 4, 5}
    assert all(i.filename[0] == str(i.cv_folds.index(1) + 1) for i in items)


def test_esc_wav_tree(tmp_path):
    root = make_esc(tmp_path / "escwav", ext="wav")
    assert ESCParser(root).can_parse()
    assert all(i.path.suffix == ".wav" for i in ESCParser(root).parse())


def test_esc_rejects_files_without_fold_digit(tmp_path):
    root = make_esc(tmp_path / "esc")
    _wav(root / "001 - Dog bark" / "x-123.wav")
    assert not ESCParser(root).can_parse()


def test_esc50_flat_layout(tmp_path):
    root = make_esc50(tmp_path / "esc50")
    parser = ESCParser(root)
    assert parser.can_parse()
    items = parser.parse()
    assert len(items) == 6 and parser.label_map == {"dog": 0, "rooster": 1, "rain": 10}
    assert items[2].label == "rain" and items[2].cv_folds == (0, 0, 1, 0, 0)
    assert items[2].path == root / "audio" / items[2].filename
    assert isinstance(get_parser(None, root).chosen, ESCParser)


def test_dcase(tmp_path):
    root = tmp_path / "dcase"
    names = [f"audio/a{i}.wav" for i in range(6)]
    labels = ["beach", "bus", "tram", "beach", "bus", "tram"]
    for n in names:
        _wav(root / n)
    (root / "meta.txt").write_text("".join(f"{n}\t{lbl}\ta\n" for n, lbl in zip(names, labels)))
    (root / "evaluation_setup").mkdir()
    for k in range(1, 5):
        train = [n for i, n in enumerate(names) if i % 4 != k - 1]
        (root / "evaluation_setup" / f"fold{k}_train.txt").write_text(
            "".join(f"{n}\t{labels[names.index(n)]}\n" for n in train))
    parser = DCASEParser(root)
    assert parser.can_parse() and parser.num_folds == 4
    items = parser.parse()
    assert [i.filename for i in items] == [f"a{i}.wav" for i in range(6)]
    assert items[0].cv_folds == (1, 0, 0, 0) and items[5].cv_folds == (0, 1, 0, 0)
    assert parser.label_map == {"beach": 0, "bus": 1, "tram": 2}


def test_urbansound8k(tmp_path):
    root = tmp_path / "us8k"
    (root / "metadata").mkdir(parents=True)
    rows = ["slice_file_name,fsID,start,end,salience,fold,classID,class"]
    for i in range(4):
        fold, cid, cls = i % 2 * 9 + 1, (3, 7)[i % 2], ("dog_bark", "gun_shot")[i % 2]
        _wav(root / "audio" / f"fold{fold}" / f"{i}-x.wav")
        rows.append(f"{i}-x.wav,1,0,1,1,{fold},{cid},{cls}")
    (root / "metadata" / "UrbanSound8K.csv").write_text("\n".join(rows))
    parser = UrbanSound8KParser(root)
    assert parser.can_parse() and parser.num_folds == 10
    items = parser.parse()
    assert parser.label_map == {"dog_bark": 3, "gun_shot": 7}
    assert items[1].path == root / "audio" / "fold10" / "1-x.wav" and items[1].cv_folds[9] == 1


def make_partitioned(root):
    for part in ("train", "devel", "test"):
        for cls in ("cat", "dog"):
            _wav(root / part / cls / f"{part}_{cls}.wav")
    return root


def test_partitioned(tmp_path):
    root = make_partitioned(tmp_path / "p")
    parser = PartitionedParser(root)
    assert parser.can_parse()
    items = parser.parse()
    assert [i.partition for i in items] == [Partition.TRAIN] * 2 + [Partition.DEVEL] * 2 + [Partition.TEST] * 2
    assert items[0].filename == "train/cat/train_cat.wav" and items[0].label == "cat"
    assert parser.label_map == {"cat": 0, "dog": 1} and parser.num_folds == 0


def test_cross_validated(tmp_path):
    root = tmp_path / "cv"
    for k in (1, 2, 3):
        for cls in ("b", "a"):
            _wav(root / f"fold_{k}" / cls / f"{k}{cls}.wav")
    parser = CrossValidatedParser(root)
    assert parser.can_parse() and parser.num_folds == 3
    items = parser.parse()
    assert items[0].filename == "fold_1/a/1a.wav" and items[0].cv_folds == (1, 0, 0)
    assert items[-1].cv_folds == (0, 0, 1)
    assert parser.label_map == {"a": 0, "b": 1}  # a property, not a method (original issue #14)
    (root / "fold_5").mkdir()
    assert not CrossValidatedParser(root).can_parse()  # folds must be 1..N


def test_no_metadata_recursive(tmp_path):
    root = tmp_path / "raw"
    _wav(root / "x.wav")
    _wav(root / "sub" / "deeper" / "y.wav")
    (root / "notes.txt").write_text("not audio")
    parser = get_parser("no_metadata", root)
    assert isinstance(parser, NoMetadataParser) and parser.can_parse()
    assert [i.filename for i in parser.parse()] == ["sub/deeper/y.wav", "x.wav"]
    assert all(i.label is None and i.cv_folds == () for i in parser.parse())
    with pytest.raises(DataSetError, match="no parser recognises"):
        MetaParser(root).chosen  # never chosen automatically


def test_csv_parser(tmp_path):
    root = tmp_path / "csvset"
    for i in range(4):
        _wav(root / "clips" / f"c{i}.wav")
    (root / "labels.csv").write_text(
        "Filename,Label,Fold,Partition\nclips/c0.wav,yes,1,train\nclips/c1.wav,no,2,devel\n"
        "clips/c2.wav,yes,2,test\nclips/c3.wav,,1,train\n")
    parser = CSVParser(root)
    assert parser.can_parse() and parser.num_folds == 2
    items = parser.parse()
    assert [i.label for i in items] == ["yes", "no", "yes", None]
    assert items[1].cv_folds == (0, 1) and items[1].partition == Partition.DEVEL
    assert parser.label_map == {"no": 0, "yes": 1}
    assert isinstance(MetaParser(root).chosen, CSVParser)
    (root / "other.csv").write_text("filename,label\nclips/c0.wav,x\n")
    assert not CSVParser(root).can_parse()  # two candidate CSV files


def test_meta_ambiguous_lists_candidates(tmp_path):
    root = make_partitioned(tmp_path / "p")
    (root / "labels.csv").write_text("filename,label\ntrain/cat/train_cat.wav,cat\n")
    with pytest.raises(DataSetError, match="ambiguous.*partitioned, csv"):
        MetaParser(root).parse()


def test_meta_none_and_missing_basedir(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataSetError, match="no parser recognises.*tried: dcase, urbansound8k, esc"):
        MetaParser(tmp_path / "empty").parse()
    with pytest.raises(DataSetError, match="nowhere: no such folder"):
        MetaParser(tmp_path / "nowhere").parse()


def test_meta_logs_its_choice(tmp_path, caplog):
    root = make_esc(tmp_path / "esc", ext="wav")
    with caplog.at_level(logging.INFO, logger="audeep.preprocessing.parsers.meta"):
        assert len(get_parser("meta", root).parse()) == 15
    assert "using the esc parser" in caplog.text


def test_custom_parser_file(tmp_path):
    root = tmp_path / "custom"
    for i in range(3):
        _wav(root / f"spk{i}_{'ab'[i % 2]}.wav")
    code = tmp_path / "my_parser.py"
    code.write_text(textwrap.dedent("""
        from audeep.preprocessing.parsers.base import InstanceMetadata, Parser, audio_files

        class SpeakerParser(Parser):
            name = "speakers"

            def can_parse(self):
                return bool(audio_files(self.basedir))

            def parse(self):
                return [InstanceMetadata(path=p, filename=p.name, label=p.stem.split("_")[1])
                        for p in audio_files(self.basedir)]
    """))
    cls = load_parser_class(f"{code}:SpeakerParser")
    parser = get_parser(f"{code}:SpeakerParser", root)
    assert isinstance(parser, cls) and parser.can_parse()
    assert [i.label for i in parser.parse()] == ["a", "b", "a"] and parser.label_map == {"a": 0, "b": 1}
    with pytest.raises(ParameterError, match="'Missing' is not defined"):
        load_parser_class(f"{code}:Missing")
    with pytest.raises(ParameterError, match="no such file"):
        load_parser_class(f"{tmp_path}/nope.py:X")
    with pytest.raises(ParameterError, match="expected one of meta, dcase"):
        load_parser_class("bogus")
    assert load_parser_class("audeep.preprocessing.parsers.esc.ESCParser") is ESCParser
