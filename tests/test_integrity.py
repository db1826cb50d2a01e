"""audeep.dataset.integrity: validate, describe and the one finite-features check."""

import numpy as np
import pytest
from conftest import make_dataset

from audeep.dataset import CONSTRAINTS, DataSet, check_finite, describe, validate
from audeep.errors import DataSetError, ParameterError


def test_validate_is_the_method():
    ds = make_dataset(num_files=4, num_chunks=2)
    assert validate(ds) == ds.validate() == []
    broken = ds.data.copy(deep=True)
    broken["chunk_nr"].values[1] = 5
    violations = validate(DataSet(broken))
    assert [v.constraint for v in violations] == ["chunk-numbers"]
    assert violations[0].filenames == ("file_000.wav",)
    assert {v.constraint for v in violations} <= set(CONSTRAINTS)


def test_check_finite_names_the_file_and_at_most_five_files(tmp_path):
    feats = np.zeros((8, 3), np.float32)
    names = [f"f{i}.wav" for i in range(8)]
    path = DataSet.create(features=feats, filenames=names).save(tmp_path / "bad.nc")
    import netCDF4  # the writer refuses infinity: damage the file as another tool would

    with netCDF4.Dataset(path, "a") as nc:
        nc["features"][1:, 0] = np.inf
    with DataSet.open(path) as ds:
        with pytest.raises(DataSetError) as err:
            check_finite(ds.load_features(), dataset=ds)
        message = str(err.value)
        assert message.startswith(f"{path}: instance 1 ('f1.wav', chunk 0) has NaN or infinite features")
        assert "7 of 8 instances" in message
        assert "'f5.wav', ..." in message and "'f6.wav'" not in message
        with pytest.raises(DataSetError, match="instance 6 \\('f6.wav'"):  # rows map block rows to instances
            check_finite(ds.load_features([0, 6]), dataset=ds, rows=[0, 6])
        with pytest.raises(DataSetError, match="'f1.wav'"):
            ds.check_finite(batch_size=3)
    check_finite(np.zeros((2, 2)))
    check_finite(np.zeros((0, 2)))
    with pytest.raises(DataSetError, match="^data set: instance 1 has NaN"):
        check_finite(np.array([[0.0], [np.nan]]))


def test_describe_is_what_inspect_prints():
    ds = make_dataset(num_files=6, num_chunks=2, num_folds=2)
    info = describe(ds)
    assert info["instances"] == 12 and info["files"] == 6 and info["chunks per file"] == "2"
    assert info["feature dims"] == "time=6, freq=4" and info["folds"] == 2
    assert info["partitions"] == "train=4, devel=4, test=4" and info["labels"] == "complete"
    assert info["classes"] == "a, b" and info["variable length"] is False
    detailed = ds.describe(detailed_folds=True, instance=3)
    assert list(detailed)[: len(info)] == list(info)
    assert detailed["fold 1 valid"] == "6 (a: 6)" and detailed["instance"] == 3
    assert detailed["filename"] == "file_001.wav" and detailed["chunk nr"] == 1
    with pytest.raises(ParameterError, match="^instance 12: the data set has 12 instances") as err:
        describe(ds, instance=12)
    assert err.value.parameters == ("instance",)
