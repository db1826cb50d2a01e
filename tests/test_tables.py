"""CSV / ARFF export and import: golden files, layouts, round trips, bad input."""

from pathlib import Path

import arff
import numpy as np
import pytest
from conftest import make_dataset

import audeep
from audeep.dataset import DataSet, export, import_dataset, transforms
from audeep.errors import DataSetError

DATA = Path(__file__).parent / "data"


def tiny():
    """The data set of the golden files (checked by hand): quoting, a missing label, an unused class."""
    return DataSet.create(
        features=np.array([[0.5, -1.25, 3.0], [0.1, 2.0, -0.0078125], [1e-08, 100.0, -2.5], [0.0, 0.25, 7.0]],
                          np.float32),
        filenames=["dog_1.wav", "a b,c.wav", "cat's.wav", "unknown.wav"],
        labels_nominal=["dog", "cat", "cat", None],
        label_map={"bird": 0, "cat": 1, "dog": 2},
    )


def _sorted(ds):
    return ds.select(np.lexsort((ds.chunk_nrs, ds.filenames.astype(str))))


def assert_same(a, b):
    """Same instances (any order), features, labels, label map, folds, partitions."""
    a, b = _sorted(a), _sorted(b)
    assert [str(x) for x in a.filenames] == [str(x) for x in b.filenames]
    assert np.array_equal(a.chunk_nrs, b.chunk_nrs)
    assert np.array_equal(a.load_features(), b.load_features())
    assert a.label_map == b.label_map
    assert [x if isinstance(x, str) else None for x in a.labels_nominal] == \
           [x if isinstance(x, str) else None for x in b.labels_nominal]
    assert np.array_equal(a.labels_numeric, b.labels_numeric)
    assert np.array_equal(a.cv_folds, b.cv_folds)
    assert (a.partitions is None) == (b.partitions is None)
    if a.partitions is not None:
        assert np.array_equal(a.partitions, b.partitions)


def test_golden_csv(tmp_path):
    export(tiny(), tmp_path / "out", format="csv", name="tiny")
    assert (tmp_path / "out" / "tiny.csv").read_bytes() == (DATA / "export_tiny.csv").read_bytes()


def test_golden_arff_labels_last(tmp_path):
    export(tiny(), tmp_path / "out", format="ARFF", name="tiny", labels_last=True)
    assert (tmp_path / "out" / "tiny.arff").read_bytes() == (DATA / "export_tiny_labels_last.arff").read_bytes()


def test_golden_round_trip_arff(tmp_path):
    ds = tiny()
    out = audeep.export(ds, tmp_path / "out", format="arff", name="tiny")
    assert_same(ds, import_dataset(out, name="tiny"))


def test_golden_round_trip_csv_loses_only_unused_classes(tmp_path):
    # CSV has no place for a class no row uses ("bird"); everything else survives
    ds = tiny()
    out = audeep.export(ds, tmp_path / "out", format="csv", name="tiny")
    back = import_dataset(out, name="tiny")
    assert back.label_map == {"cat": 1, "dog": 2}
    expected = DataSet.create(features=ds.load_features(), filenames=ds.filenames,
                              labels_nominal=ds.labels_nominal, label_map={"cat": 1, "dog": 2})
    assert_same(expected, back)


def test_arff_400_rows_5_folds_10_classes(tmp_path):
    classes = tuple(f"class_{c}" for c in range(10))
    ds = make_dataset(num_files=400, num_chunks=1, shape=(8,), classes=classes, num_folds=0, partitions=False)
    ds = transforms.add_cv_setup(ds, num_folds=5, seed=0)
    export(ds, tmp_path, format="arff", name="esc10", labels_last=True)
    rows = 0
    for k in range(1, 6):
        with open(tmp_path / f"fold_{k}" / "esc10.arff") as handle:
            loaded = arff.load(handle)
        attributes = dict(loaded["attributes"])
        assert attributes["label_nominal"] == list(classes)
        assert attributes["feature_0"] == "NUMERIC"
        assert [a[0] for a in loaded["attributes"]][-2:] == ["label_nominal", "label_numeric"]
        assert len(loaded["data"]) == 80
        rows += len(loaded["data"])
    assert rows == 400
    assert_same(ds, import_dataset(tmp_path, name="esc10"))


@pytest.mark.parametrize("fmt", ["csv", "arff"])
@pytest.mark.parametrize("layout", ["both", "folds", "partitions", "none"])
def test_round_trip_every_layout(tmp_path, fmt, layout):
    ds = make_dataset(num_files=9, num_chunks=2, shape=(2, 3), classes=("x", "y", "z"))
    if layout in ("partitions", "none"):
        ds = transforms.remove_cv_setup(ds)
    if layout in ("folds", "none"):
        ds = transforms.remove_partitioning(ds)
    out = export(ds, tmp_path / "exp", format=fmt, name="feat")
    back = import_dataset(out, name="feat")
    assert back.feature_shape == (6,)  # flattened in C order
    flat = ds.with_features(ds.load_features().reshape(18, 6), feature_dims=("generated",))
    assert_same(flat, back)


def test_nested_layout_restricts_folds_to_partition(tmp_path):
    ds = make_dataset(num_files=12, num_chunks=1, shape=(1,), num_folds=2)
    export(ds, tmp_path, format="csv", name="n")
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.csv"))
    assert files == [f"{p}/fold_{k}/n.csv" for p in ("devel", "test", "train") for k in (1, 2)]
    for part_nr, part in enumerate(("train", "devel", "test")):
        for k in (1, 2):
            lines = (tmp_path / part / f"fold_{k}" / "n.csv").read_text().splitlines()[1:]
            expected = [f"file_{i:03d}.wav" for i in range(12) if i % 3 == part_nr and i % 2 == k - 1]
            assert [line.split(",")[0] for line in lines] == expected


def test_export_refuses_nan_and_writes_nothing(tmp_path):
    feats = np.zeros((3, 2), np.float32)
    feats[2, 1] = np.nan
    ds = DataSet.create(features=feats, filenames=["a.wav", "b.wav", "c.wav"], labels_nominal=["a", "b", "a"])
    with pytest.raises(DataSetError, match="instance 2 \\('c.wav', chunk 0\\) has NaN"):
        export(ds, tmp_path / "out", format="csv")
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_partial_partitions(tmp_path):
    ds = DataSet.create(features=np.zeros((2, 1)), filenames=["a.wav", "b.wav"], partitions=["train", None])
    with pytest.raises(DataSetError, match="instance 1 \\('b.wav', chunk 0\\) has no partition"):
        export(ds, tmp_path / "out", format="arff")


def test_export_into_existing_folder_keeps_other_names(tmp_path):
    ds = make_dataset(num_files=8, num_chunks=1, shape=(1,), partitions=False)
    export(ds, tmp_path, format="csv", name="one")
    export(ds, tmp_path, format="csv", name="two")
    three = transforms.add_cv_setup(transforms.remove_cv_setup(ds), num_folds=4, seed=0)
    export(three, tmp_path, format="csv", name="one")  # 4 folds now
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.csv")) == \
        [f"fold_{k}/{n}.csv" for k in (1, 2) for n in ("one", "two")] + ["fold_3/one.csv", "fold_4/one.csv"]
    assert import_dataset(tmp_path, name="one").num_folds == 4
    assert import_dataset(tmp_path, name="two").num_folds == 2


# ------------------------------------------------------------------ import errors

def test_import_no_layout(tmp_path):
    (tmp_path / "other.csv").write_text("filename,feature_0\na,1\n")
    with pytest.raises(DataSetError, match="no feat.csv or feat.arff"):
        import_dataset(tmp_path, name="feat")


def test_import_wrong_column_count(tmp_path):
    (tmp_path / "f.csv").write_text("filename,chunk_nr,feature_0,feature_1\na.wav,0,1.0,2.0\nb.wav,0,1.0\n")
    with pytest.raises(DataSetError, match="f.csv, line 3: 3 columns, the header has 4"):
        import_dataset(tmp_path, name="f")


def test_import_non_numeric_value(tmp_path):
    (tmp_path / "f.csv").write_text("filename,feature_0,feature_1\na.wav,1.0,2.0\nb.wav,1.0,abc\n")
    with pytest.raises(DataSetError, match="f.csv, line 3: feature_1 'abc' is not a number"):
        import_dataset(tmp_path, name="f")


def test_import_non_numeric_arff_attribute(tmp_path):
    (tmp_path / "f.arff").write_text(
        "@RELATION f\n@ATTRIBUTE filename STRING\n@ATTRIBUTE colour {red, blue}\n@ATTRIBUTE x NUMERIC\n"
        "@DATA\na.wav,red,1.0\n")
    with pytest.raises(DataSetError, match="f.arff: attribute 'colour' is nominal: expected a NUMERIC"):
        import_dataset(tmp_path, name="f")


def test_import_custom_attribute_names(tmp_path):
    (tmp_path / "f.csv").write_text("x1,name,class,x2\n0.5,a.wav,dog,1.5\n2.5,b.wav,cat,3.5\n")
    ds = import_dataset(tmp_path, name="f", filename_attribute="name", label_nominal_attribute="class")
    assert list(ds.filenames) == ["a.wav", "b.wav"]
    assert ds.label_map == {"cat": 0, "dog": 1}
    assert np.array_equal(ds.load_features(), [[0.5, 1.5], [2.5, 3.5]])


def test_export_is_a_function_of_the_package():
    import inspect

    from audeep.dataset import tables

    assert audeep.export is export is tables.export and inspect.isfunction(audeep.export)
    assert audeep.import_dataset is import_dataset
