"""Every API function that takes a data set accepts the path of its file as well."""

import numpy as np
import pytest
from conftest import make_dataset

import audeep
from audeep.dataset import DataSet


@pytest.fixture
def path(tmp_path):
    return make_dataset(num_files=8, num_chunks=2, shape=(3,), seed=1).save(tmp_path / "features.nc")


def test_evaluate_and_predict_accept_paths(path):
    learner = audeep.LinearSVM(complexity=1.0)
    from_path = audeep.evaluate(str(path), learner=learner, cross_validate=True)
    with DataSet.open(path) as dataset:
        from_dataset = audeep.evaluate(dataset, learner=learner, cross_validate=True)
    assert from_path.accuracy == from_dataset.accuracy
    assert np.array_equal(from_path.confusion_matrix, from_dataset.confusion_matrix)
    table = audeep.predict(path, path, learner=learner, majority_vote=True)
    assert len(table) == 8


def test_transforms_and_export_accept_paths(path, tmp_path):
    assert audeep.add_cv_setup(path, num_folds=4).num_folds == 4
    assert audeep.remove_cv_setup(path).num_folds == 0
    assert audeep.remove_partitioning(path).partitions is None
    assert audeep.add_partitioning(path, partitions=["train", "test"]).partitions is not None
    assert audeep.fuse_chunks(path).feature_shape == (6,)
    assert audeep.fuse([path, str(path)], dimension="generated").feature_shape == (6,)
    assert audeep.upsample(path).num_instances == 16
    out = audeep.export(path, tmp_path / "csv", format="csv")
    assert sorted(p.name for p in out.rglob("*.csv")) == ["features.csv"] * 6


def test_a_value_that_is_neither_is_a_parameter_error(path):
    with pytest.raises(audeep.ParameterError, match=r"^dataset: expected a DataSet or the path of a data set "
                                                    r"file, got int$") as info:
        audeep.evaluate(3, learner=audeep.LinearSVM(complexity=1.0), cross_validate=True)
    assert info.value.parameters == ("dataset",) or list(info.value.parameters) == ["dataset"]
    with pytest.raises(audeep.DataSetError, match="nosuch.nc"):
        audeep.fuse_chunks(path.parent / "nosuch.nc")
