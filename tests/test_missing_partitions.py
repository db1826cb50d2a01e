"""Files in the original auDeep's schema without partitions: ``partition`` present but NaN for every instance.

The original always writes the ``partition`` variable and marks "no partitioning" by a
missing value for every instance.  Every command treats such a file as one without
partitions (and refuses partition-based work with a message saying so).
"""

import json

import netCDF4
import numpy as np
import pytest
import xarray as xr
from conftest import make_dataset

from audeep.dataset import DataSet, Partition

NUM_FILES, NUM_CHUNKS, NUM_FOLDS = 8, 2, 2


def write_original(path, *, feature_shape, seed=0):
    """A file as the original auDeep wrote it: float labels/partitions with NaN, int cv_folds, JSON label map.

    8 files x 2 chunks, classes a/b alternating by file, file k VALID in fold k % 2, no partitions.
    """
    n = NUM_FILES * NUM_CHUNKS
    file_idx = np.repeat(np.arange(NUM_FILES), NUM_CHUNKS)
    labels = file_idx % 2
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n,) + feature_shape).astype(np.float32)
    features += labels.reshape((n,) + (1,) * len(feature_shape)).astype(np.float32) * 3  # separable classes
    dims = ("generated",) if len(feature_shape) == 1 else ("time", "freq")
    folds = np.stack([(file_idx % NUM_FOLDS) == k for k in range(NUM_FOLDS)], axis=1).astype(np.int64)
    raw = xr.Dataset(
        {
            "filename": ("instance", np.array([f"file{i:03d}.wav" for i in file_idx], dtype=object)),
            "chunk_nr": ("instance", np.tile(np.arange(NUM_CHUNKS), NUM_FILES).astype(np.int64)),
            "label_nominal": ("instance", np.array(["ab"[k] for k in labels], dtype=object)),
            "label_numeric": ("instance", labels.astype(np.float64)),
            "cv_folds": (("instance", "fold"), folds),
            "partition": ("instance", np.full(n, np.nan)),
            "features": (("instance",) + dims, features),
        },
        attrs={"label_map": json.dumps([["a", 0], ["b", 1]]), "feature_dims": json.dumps(list(dims))},
    )
    raw.to_netcdf(path, engine="netcdf4")
    return path


@pytest.fixture
def generated(tmp_path):
    """1-D learned features in the original's schema, without partitions."""
    return write_original(tmp_path / "generated.nc", feature_shape=(6,))


def _no_partitions_on_disk(path):
    with netCDF4.Dataset(path) as nc:
        return "partition" not in nc.variables or bool(np.all(np.isnan(nc["partition"][:].filled(np.nan))))


def test_open_treats_all_missing_as_none(generated):
    with DataSet.open(generated) as ds:
        assert ds.partitions is None and not ds.has_partition_info
        assert ds.num_folds == NUM_FOLDS and ds.is_fully_labelled
    created = make_dataset(num_files=3, num_chunks=1, partitions=False)
    again = DataSet.create(features=created.load_features(), filenames=created.filenames,
                           labels_nominal=created.labels_nominal, partitions=[None, -1, float("nan")])
    assert again.partitions is None


def test_export_writes_the_fold_layout(cli, generated, tmp_path):
    res = cli("export", "--input", generated, "--output", tmp_path / "out", "--format", "csv")
    assert res.status == 0, res
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.csv"))
    assert written == [f"fold_{k}/generated.csv" for k in range(1, NUM_FOLDS + 1)]
    rows = (tmp_path / "out" / "fold_1" / "generated.csv").read_text().splitlines()
    assert len(rows) == 1 + NUM_FILES // NUM_FOLDS * NUM_CHUNKS  # header + the VALID split of fold 1


def test_validate_and_inspect(cli, generated):
    res = cli("validate", "--input", generated)
    assert res.status == 0, res
    assert "FAIL" not in res.stdout
    res = cli("inspect", "netcdf", "--input", generated, "-f", "json")
    assert res.status == 0, res
    shown = {k.lower(): v for k, v in json.loads(res.stdout).items()}
    partition_keys = [k for k in shown if "partition" in k]
    assert partition_keys and all(shown[k] in (False, "no", "none", 0, "") for k in partition_keys), shown


def test_modify_adds_and_removes_partitions(cli, generated, tmp_path):
    out = tmp_path / "parts.nc"
    res = cli("modify", "--input", generated, "--output", out, "--add-partitioning", "train", "devel")
    assert res.status == 0, res
    with DataSet.open(out) as ds:
        assert ds.has_partition_info
        assert set(ds.partitions.tolist()) == {int(Partition.TRAIN), int(Partition.DEVEL)}
    res = cli("modify", "--input", generated, "--output", tmp_path / "cv.nc", "--add-cv-setup", "4")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "cv.nc") as ds:
        assert ds.num_folds == 4 and ds.partitions is None
    res = cli("modify", "--input", generated, "--output", tmp_path / "none.nc", "--remove-partitioning")
    assert res.status == 0, res
    assert _no_partitions_on_disk(tmp_path / "none.nc")


def test_fuse_and_upsample(cli, generated, tmp_path):
    other = write_original(tmp_path / "other.nc", feature_shape=(3,), seed=1)
    res = cli("fuse", "--input", generated, other, "--output", tmp_path / "fused.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "fused.nc") as ds:
        assert ds.feature_shape == (9,) and ds.partitions is None
    res = cli("upsample", "--input", generated, "--output", tmp_path / "up.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "up.nc") as ds:
        assert ds.num_instances == NUM_FILES * NUM_CHUNKS and ds.partitions is None  # already balanced
    res = cli("upsample", "--input", generated, "--output", tmp_path / "up2.nc", "--partitions", "train")
    assert res.status == 1 and "no partition information" in res.stderr and "\n" not in res.stderr.strip()
    assert not (tmp_path / "up2.nc").exists()


def test_svm_evaluate(cli, generated):
    res = cli("svm", "evaluate", "--input", generated, "--complexity", "1", "--cross-validate", "-f", "json")
    assert res.status == 0, res
    res = cli("svm", "evaluate", "--input", generated, "--complexity", "1",
              "--train-partitions", "train", "--eval-partitions", "devel")
    assert res.status == 1 and "no partition information" in res.stderr and "\n" not in res.stderr.strip()


def test_mlp_evaluate_and_t_rae_generate(cli, generated, tmp_path):
    pytest.importorskip("tensorflow")
    res = cli("mlp", "evaluate", "--input", generated, "--cross-validate", "--num-epochs", "2",
              "--num-units", "4", "--num-layers", "1", "-f", "json")
    assert res.status == 0, res
    spectra = write_original(tmp_path / "spectra.nc", feature_shape=(5, 4))
    run = tmp_path / "run"
    res = cli("t-rae", "train", "--input", spectra, "--run-name", run, "--num-epochs", "1", "--batch-size", "8",
              "--num-units", "3", "--no-progress")
    assert res.status == 0, res
    res = cli("t-rae", "generate", "--model-dir", run, "--input", spectra, "--output", tmp_path / "features.nc")
    assert res.status == 0, res
    with DataSet.open(tmp_path / "features.nc") as ds:
        assert ds.feature_shape == (3,) and ds.partitions is None and ds.num_folds == NUM_FOLDS
    res = cli("export", "--input", tmp_path / "features.nc", "--output", tmp_path / "csv", "--format", "csv")
    assert res.status == 0, res
