"""The data model: round trips, original-format files, integrity constraints, bad files."""

import json
import os
import tracemalloc

import netCDF4
import numpy as np
import pytest
import xarray as xr
from conftest import make_dataset

from audeep.dataset import MISSING, DataSet, DataSetWriter, Partition
from audeep.errors import DataSetError, ParameterError


def assert_same(a: DataSet, b: DataSet):
    assert a.num_instances == b.num_instances
    assert a.feature_dims == b.feature_dims
    np.testing.assert_array_equal(a.load_features(), b.load_features())
    assert list(a.filenames) == list(b.filenames)
    np.testing.assert_array_equal(a.chunk_nrs, b.chunk_nrs)
    assert (a.labels_nominal is None) == (b.labels_nominal is None)
    if a.labels_nominal is not None:
        assert list(a.labels_nominal) == list(b.labels_nominal)
        np.testing.assert_array_equal(a.labels_numeric, b.labels_numeric)
    assert a.label_map == b.label_map
    np.testing.assert_array_equal(a.cv_folds, b.cv_folds)
    if a.partitions is None:
        assert b.partitions is None
    else:
        np.testing.assert_array_equal(a.partitions, b.partitions)


def test_round_trip_keeps_everything(tmp_path, tiny_dataset):
    path = tiny_dataset.save(tmp_path / "set.nc")
    with DataSet.open(path) as reopened:
        assert_same(tiny_dataset, reopened)
        assert reopened.label_map == {"a": 0, "b": 1}
        assert reopened.num_folds == 2
        assert reopened.validate() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.nc"]  # no temporary left behind


def test_missing_labels_and_partitions_round_trip(tmp_path):
    ds = DataSet.create(
        features=np.arange(12, dtype=np.float32).reshape(3, 4),
        filenames=["x.wav", "y.wav", "z.wav"],
        labels_nominal=["dog", None, "cat"],
        partitions=["train", None, "TEST"],
    )
    assert ds.feature_dims == ("generated",)
    np.testing.assert_array_equal(ds.labels_numeric, [1, MISSING, 0])
    np.testing.assert_array_equal(ds.partitions, [Partition.TRAIN, MISSING, Partition.TEST])
    with DataSet.open(ds.save(tmp_path / "m.nc")) as back:
        assert_same(ds, back)
        assert not back.is_fully_labelled and not back.has_partition_info and not back.has_cv_info
        # on disk, missing numbers are NaN as in the original auDeep
    with netCDF4.Dataset(tmp_path / "m.nc") as nc:
        assert np.isnan(nc["label_numeric"][1]) and np.isnan(nc["partition"][1])


def test_file_in_the_original_layout_opens(tmp_path):
    # what xarray wrote for the original auDeep: floats with NaN for missing numbers,
    # a JSON list of [name, number] pairs, int cv_folds
    n = 4
    raw = xr.Dataset(
        {
            "filename": ("instance", np.array(["a.wav", "a.wav", "b.wav", "b.wav"], dtype=object)),
            "chunk_nr": ("instance", np.array([0, 1, 0, 1], np.int64)),
            "label_nominal": ("instance", np.array(["cat", "cat", "dog", "dog"], dtype=object)),
            "label_numeric": ("instance", np.array([0.0, 0.0, 1.0, 1.0])),
            "cv_folds": (("instance", "fold"), np.array([[0, 1], [0, 1], [1, 0], [1, 0]], np.int64)),
            "partition": ("instance", np.full(n, np.nan)),
            "features": (("instance", "time", "freq"), np.ones((n, 3, 2), np.float32)),
        },
        attrs={"label_map": json.dumps([["cat", 0], ["dog", 1]]), "feature_dims": '["time", "freq"]'},
    )
    raw.to_netcdf(tmp_path / "orig.nc", engine="netcdf4")
    with DataSet.open(tmp_path / "orig.nc") as ds:
        assert ds.label_map == {"cat": 0, "dog": 1}
        np.testing.assert_array_equal(ds.labels_numeric, [0, 0, 1, 1])
        assert ds.partitions is None  # missing for every instance: the original's "no partitioning"
        assert ds.feature_shape == (3, 2)
        assert ds.validate() == []


def _violations(ds):
    return {v.constraint: v for v in ds.validate()}


@pytest.mark.parametrize("constraint", [
    "chunk-nominal-labels", "chunk-numeric-labels", "chunk-cv-folds", "chunk-partition",
    "label-map", "chunk-count", "chunk-numbers", "finite-features"])
def test_each_violated_constraint_is_reported(tmp_path, constraint):
    ds = make_dataset(num_files=6, num_chunks=3)
    data = ds.data
    victim = 4  # file_001, chunk 1
    if constraint == "chunk-nominal-labels":
        values = data["label_nominal"].values.copy()
        values[victim] = "b" if values[victim] == "a" else "a"
        data["label_nominal"] = ("instance", values)
        data["label_numeric"] = ("instance", np.array([{"a": 0, "b": 1}[v] for v in values]))
    elif constraint == "chunk-numeric-labels":
        data["label_numeric"].values[victim] = 1 - data["label_numeric"].values[victim]
    elif constraint == "chunk-cv-folds":
        data["cv_folds"].values[victim] = 1 - data["cv_folds"].values[victim]
    elif constraint == "chunk-partition":
        data["partition"].values[victim] = (data["partition"].values[victim] + 1) % 3
    elif constraint == "label-map":
        data.attrs["label_map"] = json.dumps([["a", 1], ["b", 0]])
    elif constraint == "chunk-count":
        ds = ds.select(np.delete(np.arange(ds.num_instances), 5))  # file_001 loses its last chunk
    elif constraint == "chunk-numbers":
        data["chunk_nr"].values[victim] = 7
    # through the file, so that the check sees what a user would
    path = ds.save(tmp_path / "bad.nc")
    if constraint == "finite-features":  # the writer refuses NaN: damage the file as another tool would
        import netCDF4

        with netCDF4.Dataset(path, "a") as nc:
            nc["features"][victim, 0, 0] = np.nan
    with DataSet.open(path) as reopened:
        found = _violations(reopened)
    assert constraint in found, found
    if constraint != "label-map":
        assert found[constraint].filenames == ("file_001.wav",)
    others = set(found) - {constraint, "chunk-nominal-labels", "chunk-numeric-labels", "label-map"}
    assert not others, found


def test_create_refuses_labels_outside_the_map():
    with pytest.raises(DataSetError, match="'zebra'"):
        DataSet.create(features=np.zeros((2, 3)), filenames=["a", "b"], labels_nominal=["cat", "zebra"],
                       label_map={"cat": 0})
    with pytest.raises(ParameterError, match="either label_map or labels_numeric"):
        DataSet.create(features=np.zeros((1, 3)), filenames=["a"], labels_nominal=["cat"],
                       labels_numeric=[0], label_map={"cat": 0})
    with pytest.raises(DataSetError, match="cv_folds"):
        DataSet.create(features=np.zeros((2, 3)), filenames=["a", "b"], cv_folds=[[0, 2], [1, 0]])
    with pytest.raises(ParameterError, match="unknown partition 'dev'"):
        DataSet.create(features=np.zeros((1, 3)), filenames=["a"], partitions=["dev"])


@pytest.mark.parametrize("make_bad, problem", [
    (lambda p: p.write_text("not a netcdf file"), "not a readable netCDF file"),
    (lambda p: xr.Dataset({"features": (("instance", "x"), np.zeros((2, 2)))}).to_netcdf(p), "'filename' is missing"),
    (lambda p: xr.Dataset({"filename": ("instance", np.array(["a", "b"], dtype=object)),
                           "features": (("x", "instance"), np.zeros((3, 2)))}).to_netcdf(p),
     "expected ('instance', ...)"),
    (lambda p: xr.Dataset({"filename": ("instance", np.array(["a"], dtype=object)),
                           "features": (("instance", "x"), np.array([["a"]], dtype=object))}).to_netcdf(p),
     "expected float32"),
    (lambda p: xr.Dataset({"filename": ("instance", np.array(["a", "b"], dtype=object)),
                           "cv_folds": (("instance", "fold"), np.array([[0], [3]])),
                           "features": (("instance", "x"), np.zeros((2, 2)))}).to_netcdf(p), "cv_folds"),
])
def test_bad_files_give_one_clear_error(tmp_path, make_bad, problem):
    path = tmp_path / "bad.nc"
    make_bad(path)
    with pytest.raises(DataSetError) as info:
        DataSet.open(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_missing_path_and_folder(tmp_path):
    with pytest.raises(DataSetError, match="no such file"):
        DataSet.open(tmp_path / "absent.nc")
    with pytest.raises(DataSetError, match="is a folder"):
        DataSet.open(tmp_path)


def test_failed_write_leaves_nothing(tmp_path, tiny_dataset):
    target = tmp_path / "out.nc"
    with pytest.raises(RuntimeError), DataSetWriter(target, feature_dims={"generated": 3}) as writer:
        writer.append(features=np.zeros((2, 3)), filenames=["a", "b"])
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DataSetError, match="does not exist"):
        tiny_dataset.save(tmp_path / "missing-folder" / "x.nc")
    with DataSetWriter(target, feature_dims={"generated": 3}) as writer, \
            pytest.raises(DataSetError, match="do not fit"):
        writer.append(features=np.zeros((1, 4)), filenames=["a"])
    assert target.exists()


def test_existing_file_survives_a_failed_overwrite(tmp_path, tiny_dataset):
    path = tiny_dataset.save(tmp_path / "keep.nc")
    before = path.read_bytes()
    with pytest.raises(RuntimeError), DataSetWriter(path, feature_dims={"generated": 1}):
        raise RuntimeError("boom")
    assert path.read_bytes() == before


def test_streaming_writer_matches_create(tmp_path, tiny_dataset):
    path = tmp_path / "streamed.nc"
    with DataSetWriter(path, feature_dims=dict(zip(tiny_dataset.feature_dims, tiny_dataset.feature_shape)),
                       num_folds=2, label_map=tiny_dataset.label_map, with_nominal=True, with_numeric=True,
                       with_partition=True) as writer:
        for idx, feats in tiny_dataset.iter_batches(batch_size=7):
            writer.append(features=feats, filenames=tiny_dataset.filenames[idx],
                          chunk_nrs=tiny_dataset.chunk_nrs[idx], labels_nominal=tiny_dataset.labels_nominal[idx],
                          labels_numeric=tiny_dataset.labels_numeric[idx], cv_folds=tiny_dataset.cv_folds[idx],
                          partitions=tiny_dataset.partitions[idx])
    with DataSet.open(path) as back:
        assert_same(tiny_dataset, back)


def test_writer_chunks_and_uneven_appends(tmp_path):
    """``chunk_rows`` is the file's chunking; appends that end inside or on chunk boundaries read back exactly."""
    import netCDF4

    shape = (124, 128)  # 62 KiB rows: 16 to a chunk
    rng = np.random.default_rng(3)
    data = rng.uniform(-1, 1, (50,) + shape).astype(np.float32)
    path = tmp_path / "chunks.nc"
    with DataSetWriter(path, feature_dims={"time": shape[0], "freq": shape[1]}) as writer:
        assert writer.chunk_rows == 16
        start = 0
        for size in (5, 11, 16, 1, 17):  # ends at 5, 16, 32, 33, 50
            writer.append(features=data[start:start + size], filenames=[f"f{i}" for i in range(start, start + size)])
            start += size
    with netCDF4.Dataset(path) as nc:
        assert nc["features"].chunking() == [16, *shape]
        assert nc["features"].filters()["zlib"] and nc["features"].filters()["shuffle"]
    with DataSet.open(path) as back:
        np.testing.assert_array_equal(back.load_features(), data)
        assert list(back.filenames) == [f"f{i}" for i in range(50)]


def test_selection_helpers(tiny_dataset):
    train, valid = tiny_dataset.fold_indices(0)
    assert set(train) | set(valid) == set(range(20)) and not set(train) & set(valid)
    assert (tiny_dataset.cv_folds[valid, 0] == 1).all()
    test_rows = tiny_dataset.partition_indices(["test"])
    assert (tiny_dataset.partitions[test_rows] == Partition.TEST).all() and test_rows.size > 0
    with pytest.raises(ParameterError, match="fold 5"):
        tiny_dataset.fold_indices(5)
    order = np.array([5, 1, 5, 0])
    np.testing.assert_array_equal(tiny_dataset.load_features(order), tiny_dataset.load_features()[order])
    sub = tiny_dataset.select([3, 2])
    assert list(sub.filenames) == [tiny_dataset.filenames[3], tiny_dataset.filenames[2]]
    new = tiny_dataset.with_features(np.ones((20, 7)))
    assert new.feature_dims == ("generated",) and new.label_map == tiny_dataset.label_map
    assert json.loads(new.attrs["feature_dims"]) == ["generated"]


def test_open_is_lazy(tmp_path):
    """Opening a large file reads metadata only: Python-side allocations stay far below the file size."""
    n, shape = 3000, (125, 128)
    path = tmp_path / "big.nc"
    with DataSetWriter(path, feature_dims={"time": shape[0], "freq": shape[1]}) as writer:
        block = np.zeros((500,) + shape, np.float32)
        for start in range(0, n, 500):
            writer.append(features=block, filenames=[f"f{i}.wav" for i in range(start, start + 500)])
    feature_bytes = n * shape[0] * shape[1] * 4  # 192 MB in memory
    tracemalloc.start()
    with DataSet.open(path) as ds:
        assert ds.num_instances == n and ds.feature_shape == shape
        _ = ds.filenames, ds.cv_folds, ds.chunk_nrs
        first = ds.load_features([0, n - 1])
        assert first.shape == (2,) + shape
        _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < feature_bytes / 20, peak
    os.remove(path)
