"""Sharded data sets: ``--shard-size`` on the producers, every consumer reading a shard folder as one
data set (equal to the single file), resume skipping complete shards, and the bad inputs."""

import json
import os
import shutil

import numpy as np
import pytest
from conftest import one_error
from test_parsers import make_esc

from audeep.dataset import DataSet
from audeep.dataset.schema import FEATURES
from audeep.errors import DataSetError, ParameterError

BASE = ["--window-width", 0.02, "--window-overlap", 0.01, "--mel-spectrum", 8, "--jobs", 1]
ARCH = ["--num-units", "3", "--cell", "gru", "--num-epochs", "1", "--batch-size", "4", "--no-progress"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """An ESC tree of 15 clips, preprocessed into one file and into shards of 4 files (4 shards)."""
    from conftest import run_cli

    root = tmp_path_factory.mktemp("shards")
    esc = make_esc(root / "esc", ext="wav")
    for name, extra in (("one.nc", []), ("sharded", ["--shard-size", 4])):
        res = run_cli("preprocess", "--basedir", esc, "--output", root / name, *BASE, *extra)
        assert res.status == 0, res
    return root, esc


@pytest.fixture(scope="module")
def runs(made):
    """1-epoch t-RAE runs (same seed) trained on the single file and on the shard folder."""
    pytest.importorskip("tensorflow")
    from conftest import run_cli

    root, _ = made
    for name, src in (("one", root / "one.nc"), ("sharded", root / "sharded")):
        res = run_cli("t-rae", "train", "--input", src, "--run-name", root / f"run-{name}", *ARCH)
        assert res.status == 0, res
    return {"one": root / "run-one", "sharded": root / "run-sharded"}


def _same(a: DataSet, b: DataSet, *, resumed: bool = False) -> None:
    """Equal instances, metadata and features (``resumed``: the features to float rounding: the missing shards'
    rows were encoded in smaller batches, and TensorFlow's CPU kernels may round the last bit by batch size)."""
    assert a.num_instances == b.num_instances and a.feature_dims == b.feature_dims
    for name in ("filenames", "chunk_nrs", "labels_nominal", "labels_numeric", "cv_folds", "partitions", "lengths"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert np.array_equal(x, y), name
    assert a.label_map == b.label_map and a.num_folds == b.num_folds
    if resumed:
        np.testing.assert_allclose(a.load_features(), b.load_features(), rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(a.load_features(), b.load_features())


def test_preprocess_shards_read_as_one_data_set(made):
    root, _ = made
    folder = root / "sharded"
    assert sorted(os.listdir(folder)) == ["manifest.json"] + [f"shard-{k:05d}.nc" for k in range(4)]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format"] == "audeep-shards" and manifest["unit"] == "files" and manifest["shard_size"] == 4
    assert [s["instances"] for s in manifest["shards"]] == [4, 4, 4, 3] and manifest["instances"] == 15
    assert manifest["num_folds"] == 5 and manifest["label_map"] == {"Dog bark": 0, "Rain": 1, "Sea waves": 2}
    with DataSet.open(root / "one.nc") as one, DataSet.open(folder) as sharded:
        _same(one, sharded)
        assert sharded.validate() == []
        # lazy: the features stay on disk; reads in any order, across shard boundaries
        assert not isinstance(sharded.data[FEATURES].variable._data, np.ndarray)
        rows = [14, 0, 5, 3, 3, 11]
        np.testing.assert_array_equal(sharded.load_features(rows), one.load_features(rows))
        np.testing.assert_array_equal(sharded.features[2:9, 1:3, ::2].values, one.features[2:9, 1:3, ::2].values)
        _same(one.select([13, 2, 7]), sharded.select([13, 2, 7]))
        assert [r.tolist() for r, _ in sharded.iter_batches(batch_size=6)] == [list(range(6)), list(range(6, 12)),
                                                                              list(range(12, 15))]
        train, valid = sharded.fold_indices(2)
        np.testing.assert_array_equal(train, one.fold_indices(2)[0])
    # a quoted glob pattern is one data set too, in sorted order
    with DataSet.open(root / "one.nc") as one, DataSet.open(str(folder / "shard-*.nc")) as pattern:
        _same(one, pattern)


def test_validate_and_inspect_describe_the_whole_set(made, cli):
    root, _ = made
    res = cli("validate", "--input", root / "sharded", "-f", "json")
    assert res.status == 0, res
    rows = json.loads(res.stdout)
    assert len(rows) == 10 and {r["status"] for r in rows} == {"PASS"}
    info = json.loads(cli("inspect", "netcdf", "--input", root / "sharded", "-f", "json").stdout)
    single = json.loads(cli("inspect", "netcdf", "--input", root / "one.nc", "-f", "json").stdout)
    assert info["sharded"] == "yes, 4 shards" and "sharded" not in single
    for key in ("instances", "files", "feature dims", "folds", "classes", "variable length", "parameters"):
        assert info[key] == single[key], key


def test_train_generate_evaluate_export_fuse_equal_single_file(made, runs, cli, tmp_path):
    from audeep.training.runs import load_autoencoder

    root, _ = made
    assert (runs["one"] / "history.csv").read_text().split("\n")[1].split(",")[:2] == \
        (runs["sharded"] / "history.csv").read_text().split("\n")[1].split(",")[:2]
    for a, b in zip(load_autoencoder(runs["one"], epoch=1).get_weights(),
                    load_autoencoder(runs["sharded"], epoch=1).get_weights()):
        np.testing.assert_array_equal(a, b)

    run = runs["one"]
    outputs = {"one.nc": ["--input", root / "one.nc"], "from-shards.nc": ["--input", root / "sharded"],
               "gen-shards": ["--input", root / "sharded", "--shard-size", 5]}
    for out, args in outputs.items():
        res = cli("t-rae", "generate", "--model-dir", run, "--output", tmp_path / out, *args)
        assert res.status == 0, res
    manifest = json.loads((tmp_path / "gen-shards" / "manifest.json").read_text())
    assert manifest["unit"] == "instances" and [s["instances"] for s in manifest["shards"]] == [5, 5, 5]
    resumed = shutil.copytree(tmp_path / "gen-shards", tmp_path / "resumed")
    (resumed / "shard-00001.nc").unlink()  # resume: only the missing shard is encoded again
    before = {k: (resumed / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 2)}
    res = cli("t-rae", "generate", "--model-dir", run, "--output", resumed, *outputs["gen-shards"])
    assert res.status == 0, res
    assert {k: (resumed / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 2)} == before
    with DataSet.open(tmp_path / "one.nc") as one:
        for other in ("from-shards.nc", "gen-shards", "resumed"):
            with DataSet.open(tmp_path / other) as ds:
                _same(one, ds, resumed=other == "resumed")

    def stdout(*argv):
        res = cli(*argv)
        assert res.status == 0, res
        return res.stdout

    for learner in ("svm",):
        runs = [stdout(learner, "evaluate", "--input", tmp_path / f, "--cross-validate", "--complexity", "1",
                       "-f", "json") for f in ("one.nc", "gen-shards")]
        assert runs[0] == runs[1]
    for f in ("one.nc", "gen-shards"):
        stdout("export", "--input", tmp_path / f, "--output", tmp_path / f"export-{f}", "--format", "csv")
        stdout("fuse", "--input", tmp_path / f, tmp_path / f, "--output", tmp_path / f"fused-{f}.nc")
    tables = [sorted((tmp_path / f"export-{f}").rglob("*.csv")) for f in ("one.nc", "gen-shards")]
    assert len(tables[0]) == 5 and [p.parent.name for p in tables[0]] == [p.parent.name for p in tables[1]]
    for a, b in zip(*tables):  # the tables are named after the input
        assert a.read_text() == b.read_text()
    with DataSet.open(tmp_path / "fused-one.nc.nc") as a, DataSet.open(tmp_path / "fused-gen-shards.nc") as b:
        _same(a, b)


def test_resume_recomputes_only_the_missing_shard(made, cli, tmp_path, caplog):
    root, esc = made
    folder = tmp_path / "sharded"
    shutil.copytree(root / "sharded", folder)
    (folder / "shard-00002.nc").unlink()
    before = {k: (folder / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 1, 3)}
    with caplog.at_level("INFO", logger="audeep"):
        res = cli("preprocess", "--basedir", esc, "--output", folder, *BASE, "--shard-size", 4, "-f", "json")
    assert res.status == 0, res
    assert json.loads(res.stdout)["instances"] == 15
    assert "3 of 4 shards are complete and reused" in caplog.text
    assert {k: (folder / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 1, 3)} == before
    with DataSet.open(root / "one.nc") as one, DataSet.open(folder) as sharded:
        _same(one, sharded)
    # an interrupted run (no manifest yet) finishes the same way
    (folder / "manifest.json").unlink()
    res = cli("preprocess", "--basedir", esc, "--output", folder, *BASE, "--shard-size", 4)
    assert res.status == 0 and (folder / "manifest.json").is_file()
    # another shard size (or other parameters) into the same folder: one line naming a shard
    res = cli("preprocess", "--basedir", esc, "--output", folder, *BASE, "--shard-size", 3)
    one_error(res, "shard-00000.nc", "other parameters")
    res = cli("preprocess", "--basedir", esc, "--output", folder, *BASE[:-4], "--mel-spectrum", 6, "--jobs", 1,
              "--shard-size", 4)
    one_error(res, "shard-00000.nc")


def test_bad_shard_folders_fail_in_one_line_naming_the_shard(made, cli, tmp_path):
    root, esc = made

    def broken(name, change):
        folder = tmp_path / name
        shutil.copytree(root / "sharded", folder)
        change(folder)
        return folder

    missing = broken("missing", lambda f: (f / "shard-00001.nc").unlink())
    one_error(cli("inspect", "netcdf", "--input", missing), "shard-00001.nc", "missing")
    res = cli("validate", "--input", missing, "-f", "json")
    rows = json.loads(res.stdout)
    assert res.status == 1 and rows[0]["status"] == "FAIL" and "shard-00001.nc" in rows[0]["details"]

    def edit_count(folder):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["shards"][2]["instances"] = 5
        (folder / "manifest.json").write_text(json.dumps(manifest))

    one_error(cli("export", "--input", broken("count", edit_count), "--output", tmp_path / "e", "--format", "csv"),
              "shard-00002.nc", "5")
    replaced = broken("replaced", lambda f: shutil.copy(f / "shard-00000.nc", f / "shard-00003.nc"))
    one_error(cli("inspect", "netcdf", "--input", replaced), "shard-00003.nc", "bytes")
    incomplete = broken("incomplete", lambda f: (f / "manifest.json").unlink())
    one_error(cli("t-rae", "train", "--input", incomplete, "--run-name", tmp_path / "r", *ARCH),
              "manifest.json", "did not finish")
    with pytest.raises(DataSetError, match="no file matches"):
        DataSet.open(tmp_path / "nothing-*.nc")
    # the same file twice under a pattern: a (filename, chunk) key in two shards
    shutil.copy(root / "one.nc", tmp_path / "a.nc")
    shutil.copy(root / "one.nc", tmp_path / "b.nc")
    with pytest.raises(DataSetError, match=r"b\.nc: file '.*' chunk 0 is also in shard a\.nc"):
        DataSet.open(tmp_path / "[ab].nc")
    for size in ("0", "-2"):
        res = cli("preprocess", "--basedir", esc, "--output", tmp_path / "s", *BASE, "--shard-size", size)
        one_error(res, f"--shard-size {size}", "positive integer")
    with pytest.raises(ParameterError, match="shard_size"):
        from audeep.preprocessing.extract import run_extraction

        run_extraction(esc, shard_size=2, window_width=0.02, window_overlap=0.01)


def test_extract_shards_equal_single_file_and_resume(made, runs, cli, tmp_path):
    root, esc = made
    run = runs["one"]

    def extract(output, *extra):
        res = cli("extract", "--model-dir", run, esc, "--output", output, "--jobs", 1, "-f", "json", *extra)
        assert res.status == 0, res
        return json.loads(res.stdout)

    extract(tmp_path / "one.nc")
    assert extract(tmp_path / "sharded", "--shard-size", 4)["files"] == 15
    manifest = json.loads((tmp_path / "sharded" / "manifest.json").read_text())
    assert [s["instances"] for s in manifest["shards"]] == [4, 4, 4, 3]
    with DataSet.open(tmp_path / "one.nc") as one, DataSet.open(tmp_path / "sharded") as sharded:
        _same(one, sharded)
    (tmp_path / "sharded" / "shard-00001.nc").unlink()
    before = {k: (tmp_path / "sharded" / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 2, 3)}
    assert extract(tmp_path / "sharded", "--shard-size", 4)["files"] == 4  # only the missing shard's recordings
    assert {k: (tmp_path / "sharded" / f"shard-{k:05d}.nc").stat().st_mtime_ns for k in (0, 2, 3)} == before
    with DataSet.open(tmp_path / "one.nc") as one, DataSet.open(tmp_path / "sharded") as sharded:
        _same(one, sharded, resumed=True)
    res = cli("extract", "--model-dir", run, esc, "--output", tmp_path / "t", "--output-format", "csv",
              "--shard-size", 4)
    one_error(res, "--shard-size", "netCDF")


def test_shards_must_agree_on_label_map_folds_and_dims(tmp_path):
    from conftest import make_dataset

    base = make_dataset(num_files=4, num_chunks=2, shape=(3, 2))
    base.select(range(4)).save(tmp_path / "a-0.nc")
    base.select(range(4, 8)).save(tmp_path / "a-1.nc")
    with DataSet.open(tmp_path / "a-?.nc") as both:
        _same(base, both)
    other = make_dataset(num_files=4, num_chunks=2, shape=(3, 2), classes=("a", "c"))
    other.select(range(4, 8)).save(tmp_path / "a-1.nc")
    with pytest.raises(DataSetError, match=r"a-1\.nc: label map .* differ from a-0\.nc's"):
        DataSet.open(tmp_path / "a-?.nc")
    base.select(range(4, 8)).remove_cv_setup().save(tmp_path / "a-1.nc")
    with pytest.raises(DataSetError, match=r"a-1\.nc: folds 0 differ from a-0\.nc's 2"):
        DataSet.open(tmp_path / "a-?.nc")
    make_dataset(num_files=4, num_chunks=2, shape=(4, 2)).select(range(4, 8)).save(tmp_path / "a-1.nc")
    with pytest.raises(DataSetError, match=r"a-1\.nc: feature dims \{'time': 4, 'freq': 2\} differ"):
        DataSet.open(tmp_path / "a-?.nc")


@pytest.mark.parametrize("in_memory", [True, False])
def test_training_input_from_shards_equals_single_file(tmp_path, in_memory):
    """Both training inputs (in memory, and streamed in blocks from disk) give the same batches."""
    pytest.importorskip("tensorflow")
    from conftest import make_dataset

    from audeep.training.inputs import make_input

    base = make_dataset(num_files=30, num_chunks=2, shape=(5, 4))
    base.save(tmp_path / "one.nc")
    for k in range(3):
        base.select(range(20 * k, 20 * k + 20)).save(tmp_path / f"part-{k}.nc")
    with DataSet.open(tmp_path / "one.nc") as one, DataSet.open(tmp_path / "part-*.nc") as sharded:
        a = [np.asarray(x) for x in make_input([one], batch_size=7, seed=3, in_memory=in_memory)[0]]
        b = [np.asarray(x) for x in make_input([sharded], batch_size=7, seed=3, in_memory=in_memory)[0]]
    assert len(a) == 9 and all(np.array_equal(x, y) for x, y in zip(a, b))
