"""Training loop, input pipeline, run directories, resuming, generation and the estimator API."""

import json

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from conftest import make_dataset  # noqa: E402

from audeep.dataset import DataSet  # noqa: E402
from audeep.errors import DataSetError, ModelError  # noqa: E402
from audeep.estimators import TimeAutoencoder  # noqa: E402
from audeep.training import (  # noqa: E402
    generate_features,
    list_checkpoints,
    load_autoencoder,
    read_history,
    train_autoencoder,
)
from audeep.training.inputs import make_input  # noqa: E402

ARCH = {"num_units": 4, "num_layers": 1, "bidirectional_decoder": True}


@pytest.fixture
def spectra(tmp_path):
    ds = make_dataset(num_files=12, num_chunks=1, shape=(6, 4), seed=3)
    path = tmp_path / "spectra.nc"
    ds.save(path)
    return path


def _batches(data):
    return [tuple(np.asarray(t) for t in (b if isinstance(b, tuple) else (b,))) for b in data]


@pytest.mark.parametrize("in_memory", [True, False])
def test_input_is_one_shuffled_pass_per_epoch(in_memory):
    a = make_dataset(num_files=7, num_chunks=1, shape=(3, 2), seed=1)
    b = make_dataset(num_files=5, num_chunks=1, shape=(3, 2), seed=2)
    data, steps = make_input([a, b], batch_size=4, seed=0, in_memory=in_memory)
    assert steps == 3
    expected = np.concatenate([a.load_features(), b.load_features()]).reshape(12, -1)
    orders = []
    for _ in range(2):
        batches = _batches(data)
        assert [len(x[0]) for x in batches] == [4, 4, 4]
        seen = np.concatenate([x[0] for x in batches]).reshape(12, -1)
        order = [int(np.flatnonzero((expected == row).all(axis=1))[0]) for row in seen]
        assert sorted(order) == list(range(12))
        orders.append(order)
    assert orders[0] != orders[1]  # a new order every epoch


def test_input_with_lengths_yields_lengths():
    ds = make_dataset(num_files=4, num_chunks=1, shape=(5, 2))
    ds = ds.with_features(ds.load_features(), feature_dims=("time", "freq"), lengths=[5, 4, 3, 2])
    (x, lengths), = _batches(make_input([ds], batch_size=8, seed=0)[0])
    assert sorted(lengths.tolist()) == [2, 3, 4, 5]


def test_bad_inputs_are_rejected(tmp_path):
    flat = make_dataset(num_files=4, num_chunks=1, shape=(6,))
    with pytest.raises(DataSetError, match="not spectrograms"):
        train_autoencoder(kind="t-rae", inputs=[flat], run_dir=tmp_path / "r1")
    a = make_dataset(num_files=4, num_chunks=1, shape=(6, 4))
    b = make_dataset(num_files=4, num_chunks=1, shape=(6, 5))
    with pytest.raises(DataSetError, match="differs from the first input"):
        train_autoencoder(kind="t-rae", inputs=[a, b], run_dir=tmp_path / "r2")
    feats = a.load_features()
    feats[1, 2, 3] = np.nan
    with pytest.raises(DataSetError, match="NaN or infinite"):
        train_autoencoder(kind="t-rae", inputs=[a.with_features(feats, feature_dims=("time", "freq"))],
                          run_dir=tmp_path / "r3")
    assert not (tmp_path / "r3").exists()  # nothing written


def test_train_writes_run_and_resumes_after_interruption(tmp_path, spectra):
    run = tmp_path / "run"
    result = train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, architecture=ARCH, num_epochs=3,
                               batch_size=5, seed=1, progress=False)
    config = json.loads((run / "config.json").read_text())
    assert config["kind"] == "t-rae"
    assert config["architecture"]["num_units"] == 4 and config["architecture"]["num_features"] == 4
    assert list(list_checkpoints(run)) == [1, 2, 3]
    assert [r["epoch"] for r in read_history(run)] == [1, 2, 3]
    assert (run / "loss.png").stat().st_size > 0
    assert any((run / "logs").iterdir())
    assert all(np.isfinite(r["loss"]) for r in result.history)
    assert int(result.model.optimizer.iterations) == 3 * 3

    with pytest.raises(ModelError, match="already holds a training run"):
        train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, architecture=ARCH, progress=False)

    # what a run killed during epoch 3 leaves: checkpoints 1, 2 and history rows up to 3 at most
    list_checkpoints(run)[3].unlink()
    before = read_history(run)
    resumed = train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, num_epochs=4, batch_size=5,
                                resume=True, progress=False, architecture={"num_units": 99})
    assert resumed.model.num_units == 4  # saved architecture wins
    assert list(list_checkpoints(run)) == [1, 2, 3, 4]
    history = read_history(run)
    assert [r["epoch"] for r in history] == [1, 2, 3, 4]
    assert history[:2] == before[:2]
    assert int(resumed.model.optimizer.iterations) == 4 * 3  # optimizer state restored from epoch 2


def test_a_refused_continuation_says_only_why(tmp_path, spectra, caplog):
    from audeep._atomic import file_lock
    from audeep.training.runs import LOCK_NAME

    run = tmp_path / "run"
    train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, architecture=ARCH, num_epochs=1, batch_size=6,
                      progress=False)
    with caplog.at_level("INFO", logger="audeep"), file_lock(run / LOCK_NAME, wait=False), \
            pytest.raises(ModelError, match="another training"):
        train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, num_epochs=2, resume=True, progress=False)
    assert "resuming" not in caplog.text and list(list_checkpoints(run)) == [1]
    with caplog.at_level("INFO", logger="audeep"):
        train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, num_epochs=2, resume=True, progress=False)
    assert f"resuming {run} from epoch 1" in caplog.text


def test_checkpoints_to_keep(tmp_path, spectra):
    run = tmp_path / "run"
    train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, architecture=ARCH, num_epochs=3,
                      batch_size=6, checkpoints_to_keep=2, progress=False)
    assert list(list_checkpoints(run)) == [2, 3]


def test_generate_per_step_matches_checkpoints(tmp_path, spectra):
    run = tmp_path / "run"
    train_autoencoder(kind="t-rae", inputs=[spectra], run_dir=run, architecture=ARCH, num_epochs=2,
                      batch_size=6, progress=False)
    outs = [tmp_path / "f1.nc", tmp_path / "f2.nc"]
    written = generate_features(run_dir=run, input=spectra, outputs=outs, epochs=[1, 2], batch_size=5)
    assert [s for s, _ in written] == [1, 2]
    source = DataSet.open(spectra)
    for step, out in zip([1, 2], outs):
        with DataSet.open(out) as ds:
            assert ds.feature_dims == ("generated",) and ds.feature_shape == (8,)
            np.testing.assert_array_equal(ds.filenames, source.filenames)
            np.testing.assert_array_equal(ds.labels_numeric, source.labels_numeric)
            np.testing.assert_array_equal(ds.cv_folds, source.cv_folds)
            np.testing.assert_array_equal(ds.partitions, source.partitions)
            expected = np.asarray(load_autoencoder(run, epoch=step).encode(source.load_features()))
            np.testing.assert_allclose(ds.load_features(), expected, atol=1e-5)
    with pytest.raises(ModelError, match="available: 1, 2"):
        generate_features(run_dir=run, input=spectra, outputs=[tmp_path / "x.nc"], epochs=[5])
    wrong = make_dataset(num_files=3, num_chunks=1, shape=(6, 7))
    with pytest.raises(Exception, match=r"do not fit the model"):
        generate_features(run_dir=run, input=wrong, outputs=[tmp_path / "y.nc"])
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps(dict(config, kind="f-rae")))
    with pytest.raises(ModelError, match="holds a f-rae model"):
        generate_features(run_dir=run, input=spectra, outputs=[tmp_path / "z.nc"], kind="t-rae")
    assert not any((tmp_path / n).exists() for n in ("x.nc", "y.nc", "z.nc"))


def test_estimator_fit_transform(spectra):
    est = TimeAutoencoder(num_units=4, num_epochs=2, batch_size=6, cell="lstm")
    assert est.get_params()["num_units"] == 4
    assert not hasattr(est, "model_")
    out = est.fit(DataSet.open(spectra)).transform(spectra)
    assert est.model_.cell == "LSTM" and len(est.history_) == 2
    assert out.feature_shape == (8,) and out.num_instances == 12
    np.testing.assert_array_equal(out.filenames, DataSet.open(spectra).filenames)
