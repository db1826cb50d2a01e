"""modify (cv setup, partitions), fuse, fuse chunks, upsample, t-SNE embedding: library level."""

import numpy as np
import pytest
from conftest import make_dataset

from audeep.dataset import DataSet, Split, transforms
from audeep.errors import DataSetError, ParameterError


def _file_rows(ds):
    """filename -> instance indices."""
    rows = {}
    for i, name in enumerate(ds.filenames):
        rows.setdefault(name, []).append(i)
    return rows


# ------------------------------------------------------------------ cv setup / partitions

def test_add_cv_setup_is_stratified_grouped_and_reproducible():
    ds = make_dataset(num_files=30, num_chunks=3, classes=("a", "b", "c"), num_folds=0)
    out = transforms.add_cv_setup(ds, num_folds=5, seed=7)
    folds = out.cv_folds
    assert folds.shape == (90, 5)
    # every instance VALID in exactly one fold
    assert (folds.sum(axis=1) == 1).all()
    # chunks of one file share their folds
    for rows in _file_rows(out).values():
        assert (folds[rows] == folds[rows[0]]).all()
    # stratified: 10 files per class, 5 folds -> 2 files (6 instances) of each class per fold
    labels = out.labels_nominal
    for k in range(5):
        valid = folds[:, k] == Split.VALID
        for c in "abc":
            assert int((valid & (labels == c)).sum()) == 6
    assert out.validate() == []
    again = transforms.add_cv_setup(ds, num_folds=5, seed=7)
    assert np.array_equal(again.cv_folds, folds)
    other = transforms.add_cv_setup(ds, num_folds=5, seed=8)
    assert not np.array_equal(other.cv_folds, folds)


def test_add_cv_setup_unlabelled_groups_files():
    ds = make_dataset(num_files=9, num_chunks=2)
    unlabelled = DataSet.create(features=ds.load_features(), filenames=ds.filenames, chunk_nrs=ds.chunk_nrs)
    out = transforms.add_cv_setup(unlabelled, num_folds=3, seed=0)
    assert (out.cv_folds.sum(axis=1) == 1).all()
    assert out.cv_folds.sum(axis=0).tolist() == [6, 6, 6]
    for rows in _file_rows(out).values():
        assert (out.cv_folds[rows] == out.cv_folds[rows[0]]).all()


def test_add_cv_setup_errors():
    ds = make_dataset(num_files=3)
    with pytest.raises(DataSetError, match="only 3 files"):
        transforms.add_cv_setup(ds, num_folds=4)
    with pytest.raises(ParameterError, match="at least 2"):
        transforms.add_cv_setup(ds, num_folds=1)
    six = make_dataset(num_files=6, num_chunks=1, classes=("a", "b"))  # 3 files per class
    with pytest.raises(DataSetError, match="cannot make 4 stratified folds"):
        transforms.add_cv_setup(six, num_folds=4)


def test_remove_cv_setup_and_partitioning():
    ds = make_dataset()
    assert transforms.remove_cv_setup(ds).num_folds == 0
    assert transforms.remove_partitioning(ds).partitions is None
    # the other information is untouched
    assert np.array_equal(transforms.remove_cv_setup(ds).partitions, ds.partitions)
    assert np.array_equal(transforms.remove_partitioning(ds).cv_folds, ds.cv_folds)


def test_add_partitioning_stratified_and_grouped():
    ds = make_dataset(num_files=24, num_chunks=2, classes=("a", "b"), partitions=False)
    out = transforms.add_partitioning(ds, partitions=["train", "devel", "test"], seed=3)
    parts = out.partitions
    labels = out.labels_nominal
    for p in (0, 1, 2):  # 24 files / 3 partitions = 8 files = 4 per class, 2 chunks each
        assert int(((parts == p) & (labels == "a")).sum()) == 8
        assert int(((parts == p) & (labels == "b")).sum()) == 8
    for rows in _file_rows(out).values():
        assert len(set(parts[rows].tolist())) == 1
    assert np.array_equal(transforms.add_partitioning(ds, partitions=["train", "devel", "test"], seed=3).partitions,
                          parts)
    single = transforms.add_partitioning(ds, partitions=["test"])
    assert (single.partitions == 2).all()
    with pytest.raises(ParameterError, match="distinct"):
        transforms.add_partitioning(ds, partitions=["train", "train"])


# ------------------------------------------------------------------ fuse

def test_fuse_aligns_shuffled_instances():
    a = make_dataset(num_files=5, num_chunks=2, shape=(3,), seed=1)
    b = make_dataset(num_files=5, num_chunks=2, shape=(4,), seed=2)
    perm = np.random.default_rng(0).permutation(10)
    fused = transforms.fuse([a, b.select(perm)])
    feats = fused.load_features()
    assert feats.shape == (10, 7)
    assert fused.feature_dims == ("generated",)
    # hand alignment: instance i of a matches instance i of b (same filename, chunk)
    assert np.array_equal(feats[:, :3], a.load_features())
    assert np.array_equal(feats[:, 3:], b.load_features())
    assert list(fused.filenames) == list(a.filenames)
    assert np.array_equal(fused.cv_folds, a.cv_folds)


def test_fuse_along_other_dims():
    # f-RAE-like features [time x generated]: concatenate generated, time must agree
    a = make_dataset(num_files=3, num_chunks=1, shape=(4, 2))
    b = make_dataset(num_files=3, num_chunks=1, shape=(4, 5), seed=3)
    a = a.with_features(a.load_features(), feature_dims=("time", "generated"))
    b = b.with_features(b.load_features(), feature_dims=("time", "generated"))
    fused = transforms.fuse([a, b])
    assert fused.feature_shape == (4, 7)
    assert np.array_equal(fused.load_features()[:, :, 2:], b.load_features())
    with pytest.raises(ParameterError, match="dimension 'freq'"):
        transforms.fuse([a, b], dimension="freq")
    c = make_dataset(num_files=3, num_chunks=1, shape=(3, 5))
    c = c.with_features(c.load_features(), feature_dims=("time", "generated"))
    with pytest.raises(DataSetError, match="only 'generated' may differ"):
        transforms.fuse([a, c])


def test_fuse_refuses_mismatches():
    a = make_dataset(num_files=4, num_chunks=1, shape=(2,))
    fewer = a.select([0, 1, 2])
    with pytest.raises(DataSetError, match="lacks instance 3 \\('file_003.wav', chunk 0\\)"):
        transforms.fuse([a, fewer])
    with pytest.raises(DataSetError, match="has instance \\('file_003.wav', chunk 0\\)"):
        transforms.fuse([fewer, a])
    relabelled = DataSet.create(features=a.load_features(), filenames=a.filenames,
                                labels_nominal=["a", "b", "b", "b"], cv_folds=a.cv_folds, partitions=a.partitions)
    with pytest.raises(DataSetError, match="nominal label of instance 2 \\('file_002.wav', chunk 0\\) differs"):
        transforms.fuse([a, relabelled])
    refolded = DataSet.create(features=a.load_features(), filenames=a.filenames, labels_nominal=a.labels_nominal,
                              cv_folds=1 - a.cv_folds, partitions=a.partitions)
    with pytest.raises(DataSetError, match="folds of instance 0"):
        transforms.fuse([a, refolded])
    with pytest.raises(ParameterError, match="at least two"):
        transforms.fuse([a])


# ------------------------------------------------------------------ fuse chunks

def test_fuse_chunks_concatenates_in_chunk_order():
    ds = make_dataset(num_files=4, num_chunks=3, shape=(2,))
    perm = np.random.default_rng(1).permutation(12)
    shuffled = ds.select(perm)
    out = transforms.fuse_chunks(shuffled)
    feats = ds.load_features()
    assert out.num_instances == 4
    assert (out.chunk_nrs == 0).all()
    assert out.feature_shape == (6,)
    for f in range(4):
        name = out.filenames[f]
        rows = [i for i in range(12) if ds.filenames[i] == name]
        rows.sort(key=lambda i: ds.chunk_nrs[i])
        assert np.array_equal(out.load_features()[f], np.concatenate([feats[i] for i in rows]))
        assert out.labels_nominal[f] == ds.labels_nominal[rows[0]]
    assert out.validate() == []


def test_fuse_chunks_2d_along_time():
    ds = make_dataset(num_files=2, num_chunks=2, shape=(3, 2))
    out = transforms.fuse_chunks(ds, dimension="time")
    assert out.feature_shape == (6, 2)
    feats = ds.load_features()
    assert np.array_equal(out.load_features()[1], np.concatenate([feats[2], feats[3]], axis=0))


def test_fuse_chunks_uneven_counts():
    ds = make_dataset(num_files=3, num_chunks=2, shape=(2,))
    uneven = ds.select([0, 1, 2, 4, 5])
    with pytest.raises(DataSetError, match="file 'file_001.wav' has 1 chunks"):
        transforms.fuse_chunks(uneven)


# ------------------------------------------------------------------ upsample

def test_upsample_balances_and_suffixes():
    # 6 files of class a, 2 of class b, 1 chunk each -> b is repeated 3 times
    ds = make_dataset(num_files=8, num_chunks=1, classes=("a", "a", "a", "b"), shape=(2,), partitions=False)
    out = transforms.upsample(ds)
    labels = out.labels_nominal
    assert int((labels == "a").sum()) == 6 and int((labels == "b").sum()) == 6
    names = list(out.filenames)
    assert names[:8] == list(ds.filenames)
    assert sorted(names[8:]) == ["file_003.wav.upsampled.1", "file_003.wav.upsampled.2",
                                 "file_007.wav.upsampled.1", "file_007.wav.upsampled.2"]
    i = names.index("file_007.wav.upsampled.2")
    assert np.array_equal(out.load_features([i])[0], ds.load_features([7])[0])
    assert out.validate() == []


def test_upsample_within_partitions():
    # train: 4 x a, 1 x b; devel: 1 x a, 3 x b (1 chunk each)
    labels = ["a", "a", "a", "a", "b", "a", "b", "b", "b"]
    parts = ["train"] * 5 + ["devel"] * 4
    ds = DataSet.create(features=np.arange(18, dtype=np.float32).reshape(9, 2),
                        filenames=[f"f{i}.wav" for i in range(9)], labels_nominal=labels, partitions=parts)
    out = transforms.upsample(ds, partitions=["devel"])
    devel = out.partition_indices(["devel"])
    assert sorted(out.labels_nominal[devel].tolist()) == ["a"] * 3 + ["b"] * 3
    assert len(out.partition_indices(["train"])) == 5  # not named: kept once
    both = transforms.upsample(ds, partitions=["train", "devel"])  # together: 5 a, 4 b -> b once each
    assert sorted(both.labels_nominal.tolist()) == ["a"] * 5 + ["b"] * 4
    with pytest.raises(DataSetError, match="no partition information"):
        transforms.upsample(transforms.remove_partitioning(ds), partitions=["train"])


def test_upsample_unlabelled_refused():
    ds = make_dataset(num_files=2, num_chunks=1)
    unlabelled = DataSet.create(features=ds.load_features(), filenames=ds.filenames)
    with pytest.raises(DataSetError, match="no labels"):
        transforms.upsample(unlabelled)


# ------------------------------------------------------------------ t-SNE

def test_tsne_embedding_shape_and_determinism():
    rng = np.random.default_rng(0)
    feats = np.concatenate([rng.normal(0, 1, (15, 60)), rng.normal(8, 1, (15, 60))]).astype(np.float32)
    a = transforms.tsne_embedding(feats, perplexity=5, seed=1)
    b = transforms.tsne_embedding(feats, perplexity=5, seed=1)
    assert a.shape == (30, 2)
    assert np.allclose(a, b)
    # the two clusters stay apart: each point's nearest neighbour is in its own cluster
    d = np.linalg.norm(a[:, None] - a[None], axis=-1) + np.eye(30) * 1e9
    nearest = d.argmin(axis=1)
    assert ((nearest < 15) == (np.arange(30) < 15)).all()
    with pytest.raises(ParameterError, match="perplexity 30"):
        transforms.tsne_embedding(feats, perplexity=30)


# ------------------------------------------------------------------ DataSet methods
def test_transforms_are_dataset_methods():
    ds = make_dataset(num_files=12, num_chunks=2)
    assert np.array_equal(ds.add_cv_setup(num_folds=3, seed=4).cv_folds,
                          transforms.add_cv_setup(ds, num_folds=3, seed=4).cv_folds)
    assert ds.remove_cv_setup().num_folds == 0 and ds.remove_partitioning().partitions is None
    assert np.array_equal(ds.add_partitioning(partitions=["train", "test"], seed=1).partitions,
                          transforms.add_partitioning(ds, partitions=["train", "test"], seed=1).partitions)
    assert ds.fuse_chunks(dimension="time").feature_shape == (12, 4)
    assert ds.fuse(ds, dimension="freq").feature_shape == (6, 8)
    assert ds.upsample().num_instances == transforms.upsample(ds).num_instances
    with pytest.raises(ParameterError) as err:
        ds.add_cv_setup(num_folds=1)
    assert str(err.value) == "num_folds 1: expected at least 2 folds" and err.value.parameters == ("num_folds",)
