"""benchmarks/heldout_separability.py: how recognisable a fold model makes its held-out clips."""

from pathlib import Path

import numpy as np
import pytest
from conftest import load_script, make_dataset

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def script():
    return load_script(ROOT / "benchmarks" / "heldout_separability.py", "heldout_separability")


def _saved(tmp_path, name, shift):
    from audeep.dataset import DataSet

    base = make_dataset(num_files=60, num_chunks=1, shape=(8,), num_folds=2, partitions=False, seed=3)
    features = base.load_features()
    features[np.asarray(base.cv_folds)[:, 0] == 1] += shift  # fold 1's held-out clips moved
    data = DataSet.create(features=features, filenames=base.filenames, labels_nominal=base.labels_nominal,
                          cv_folds=base.cv_folds)
    return data.save(tmp_path / name)


def test_held_out_clips_that_differ_are_told_apart_and_alike_ones_are_not(script, tmp_path):
    assert script.separability(_saved(tmp_path, "moved.nc", 3.0), 0) > 0.95
    assert script.separability(_saved(tmp_path, "alike.nc", 0.0), 0) < 0.75
