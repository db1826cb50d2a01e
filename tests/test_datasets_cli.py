"""The data-set commands end to end: modify, fuse, fuse chunks, upsample, export, import, visualize tsne."""

import numpy as np
import pytest
from conftest import make_dataset

from audeep.dataset import DataSet


@pytest.fixture
def files(tmp_path):
    """Two data sets of the same instances (the second shuffled) and a chunked, unbalanced one."""
    a = make_dataset(num_files=8, num_chunks=2, shape=(3,), classes=("a", "a", "a", "b"), seed=1)
    b = make_dataset(num_files=8, num_chunks=2, shape=(2,), classes=("a", "a", "a", "b"), seed=2)
    a.save(tmp_path / "a.nc")
    b.select(np.random.default_rng(0).permutation(16)).save(tmp_path / "b.nc")
    return tmp_path


def test_modify_cv_setup_reproducible(cli, files):
    out1, out2 = files / "m1.nc", files / "m2.nc"
    for out in (out1, out2):
        r = cli("modify", "--input", files / "a.nc", "--output", out, "--add-cv-setup", "4", "--seed", "3")
        assert r.status == 0, r
    with DataSet.open(out1) as m1, DataSet.open(out2) as m2:
        assert m1.num_folds == 4
        assert np.array_equal(m1.cv_folds, m2.cv_folds)
        assert m1.validate() == []
        assert m1.attrs["command"] == "modify"
    r = cli("modify", "--input", out1, "--output", out1, "--remove-cv-setup")
    assert r.status == 0, r
    with DataSet.open(out1) as m1:
        assert m1.num_folds == 0
        assert m1.partitions is not None


def test_modify_partitioning(cli, files):
    out = files / "p.nc"
    r = cli("modify", "--input", files / "a.nc", "--output", out, "--remove-partitioning")
    assert r.status == 0, r
    with DataSet.open(out) as ds:
        assert ds.partitions is None
    r = cli("modify", "--input", out, "--output", out, "--add-partitioning", "TRAIN", "test")
    assert r.status == 0, r
    with DataSet.open(out) as ds:
        assert sorted(set(ds.partitions.tolist())) == [0, 2]


def test_modify_options_exclusive(cli, files):
    r = cli("modify", "--input", files / "a.nc", "--output", files / "x.nc", "--remove-cv-setup",
            "--remove-partitioning")
    assert r.status != 0
    assert not (files / "x.nc").exists()


def test_fuse_shuffled_and_mismatch(cli, files):
    r = cli("fuse", "--input", files / "a.nc", files / "b.nc", "--output", files / "f.nc")
    assert r.status == 0, r
    with DataSet.open(files / "f.nc") as f, DataSet.open(files / "a.nc") as a:
        assert f.feature_shape == (5,)
        assert np.array_equal(f.load_features()[:, :3], a.load_features())
        a.select(np.arange(15)).save(files / "short.nc")
    r = cli("fuse", "--input", files / "a.nc", files / "short.nc", "--output", files / "g.nc")
    assert r.status == 1
    assert "error:" in r.stderr and "file_007.wav" in r.stderr and "chunk 1" in r.stderr
    assert not (files / "g.nc").exists()


def test_fuse_chunks(cli, files):
    r = cli("fuse", "chunks", "--input", files / "a.nc", "--output", files / "c.nc")
    assert r.status == 0, r
    with DataSet.open(files / "c.nc") as c, DataSet.open(files / "a.nc") as a:
        assert c.num_instances == 8 and c.feature_shape == (6,)
        feats = a.load_features()
        assert np.array_equal(c.load_features()[0], np.concatenate([feats[0], feats[1]]))


def test_upsample_cli(cli, files):
    r = cli("upsample", "--input", files / "a.nc", "--output", files / "u.nc")
    assert r.status == 0, r
    with DataSet.open(files / "u.nc") as u:
        # 6 files of a, 2 of b (2 chunks each) -> b copied 3 times: 12 + 12 instances
        assert int((u.labels_nominal == "a").sum()) == 12
        assert int((u.labels_nominal == "b").sum()) == 12
        assert "file_003.wav.upsampled.2" in set(u.filenames.tolist())
    DataSet.create(features=np.zeros((2, 1)), filenames=["x.wav", "y.wav"]).save(files / "nolabels.nc")
    r = cli("upsample", "--input", files / "nolabels.nc", "--output", files / "v.nc")
    assert r.status == 1 and "no labels" in r.stderr
    assert not (files / "v.nc").exists()


def test_export_import_round_trip(cli, files):
    r = cli("export", "--input", files / "a.nc", "--output", files / "exp", "--format", "arff", "--labels-last")
    assert r.status == 0, r
    assert (files / "exp" / "train" / "fold_1" / "a.arff").is_file()
    r = cli("import", "--basedir", files / "exp", "--name", "a", "--output", files / "back.nc")
    assert r.status == 0, r
    with DataSet.open(files / "back.nc") as back, DataSet.open(files / "a.nc") as a:
        order_a = np.lexsort((a.chunk_nrs, a.filenames.astype(str)))
        order_b = np.lexsort((back.chunk_nrs, back.filenames.astype(str)))
        assert np.array_equal(a.load_features(order_a), back.load_features(order_b))
        assert np.array_equal(a.cv_folds[order_a], back.cv_folds[order_b])
        assert np.array_equal(a.partitions[order_a], back.partitions[order_b])
        assert np.array_equal(a.labels_numeric[order_a], back.labels_numeric[order_b])
        assert a.label_map == back.label_map


def test_export_name_and_nan(cli, files):
    r = cli("export", "--input", files / "a.nc", "--output", files / "e", "--format", "CSV", "--name", "feat")
    assert r.status == 0, r
    assert (files / "e" / "devel" / "fold_2" / "feat.csv").is_file()
    DataSet.create(features=np.ones((2, 2), np.float32), filenames=["x.wav", "y.wav"]).save(files / "nan.nc")
    import netCDF4  # the writer refuses NaN: damage the file as another tool would

    with netCDF4.Dataset(files / "nan.nc", "a") as nc:
        nc["features"][1, 0] = np.nan
    r = cli("export", "--input", files / "nan.nc", "--output", files / "n", "--format", "csv")
    assert r.status == 1 and "'y.wav'" in r.stderr and "NaN" in r.stderr
    assert not (files / "n").exists()


def test_import_errors(cli, files):
    (files / "bad").mkdir()
    r = cli("import", "--basedir", files / "bad", "--name", "x", "--output", files / "x.nc")
    assert r.status == 1 and "no x.csv or x.arff" in r.stderr
    (files / "bad" / "x.csv").write_text("filename,feature_0\na.wav,1,2\n")
    r = cli("import", "--basedir", files / "bad", "--name", "x", "--output", files / "x.nc")
    assert r.status == 1 and "x.csv, line 2" in r.stderr
    assert not (files / "x.nc").exists()


def test_visualize_tsne(cli, files):
    out = files / "tsne.png"
    r = cli("visualize", "tsne", "--input", files / "a.nc", "--output", out, "--perplexity", "5", "--seed", "1")
    assert r.status == 0, r
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = cli("visualize", "tsne", "--input", files / "a.nc", "--output", files / "t2.png", "--perplexity", "50")
    assert r.status == 1 and "--perplexity 50" in r.stderr
    assert not (files / "t2.png").exists()
