"""Tests of audeep.evaluation.protocol: splits, evaluate (cross-validation, partitions, upsampling,
majority vote), predict."""

import logging

import numpy as np
import pytest

from audeep.dataset import DataSet
from audeep.errors import DataSetError, ParameterError
from audeep.evaluation import (
    LinearSVM,
    MLPClassifier,
    evaluate,
    evaluation_splits,
    majority_vote,
    predict,
)

CLASSES = ("a", "b", "c")


def blobs(*, num_files=30, num_chunks=1, classes=CLASSES, dims=6, num_folds=3, spread=0.3, seed=0,
          shuffle_labels=False, partitions=None):
    """Files whose features sit around one well separated centre per class."""
    rng = np.random.default_rng(seed)
    file_class = np.arange(num_files) % len(classes)
    if shuffle_labels:
        file_class = rng.permutation(file_class)
    centres = 6.0 * np.eye(len(classes), dims)
    n = num_files * num_chunks
    file_idx = np.repeat(np.arange(num_files), num_chunks)
    feats = centres[file_class[file_idx]] + spread * rng.normal(size=(n, dims))
    if shuffle_labels:
        feats = rng.normal(size=(n, dims))
    folds = np.stack([(file_idx // len(classes)) % num_folds == k for k in range(num_folds)], axis=1).astype(np.int8)
    return DataSet.create(
        features=feats, filenames=[f"f{i:03d}.wav" for i in file_idx],
        chunk_nrs=np.tile(np.arange(num_chunks), num_files),
        labels_nominal=[classes[c] for c in file_class[file_idx]], cv_folds=folds,
        partitions=None if partitions is None else [partitions[i] for i in file_idx],
    )


# ------------------------------------------------------------------ majority vote

def test_majority_vote_by_hand_ties_go_to_smallest_label():
    groups = ["z", "z", "z", "b", "b", "c", "b"]
    preds = [2, 1, 1, 3, 0, 4, 0]
    keys, voted = majority_vote(predictions=preds, groups=groups)
    assert keys.tolist() == ["z", "b", "c"]  # order of first appearance
    assert voted.tolist() == [1, 0, 4]       # z: 1 twice; b: 0 twice; c alone
    _, tied = majority_vote(predictions=[5, 2, 7, 3], groups=["x", "x", "y", "y"])
    assert tied.tolist() == [2, 3]



# ------------------------------------------------------------------ evaluate

def test_separable_features_give_accuracy_one_with_svm_and_mlp():
    ds = blobs(num_files=30, num_folds=3)
    res = evaluate(ds, learner=LinearSVM(complexity=1.0), cross_validate=True, repeat=2)
    assert [(f.repeat, f.fold) for f in res.folds] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert res.accuracy == 1.0 and res.uar == 1.0 and res.accuracy_2std == 0.0
    assert res.class_names == list(CLASSES)
    assert np.array_equal(res.confusion_matrix, np.diag([20, 20, 20]))  # 10 files per class, 2 repeats
    mlp = MLPClassifier(num_layers=1, num_units=16, num_epochs=40, learning_rate=0.01)
    res = evaluate(ds, learner=mlp, cross_validate=True)
    assert res.accuracy == 1.0 and res.uar == 1.0


def test_shuffled_labels_score_near_chance():
    ds = blobs(num_files=300, num_folds=3, shuffle_labels=True, seed=4)
    res = evaluate(ds, learner=LinearSVM(complexity=1.0), cross_validate=True)
    assert 0.2 < res.accuracy < 0.47
    assert 0.2 < res.uar < 0.47


def test_partitioned_evaluation_and_confusion_matrix_in_label_map_order():
    parts = ["train", "devel", "test"]
    ds = blobs(num_files=30, classes=("x", "b", "m"), partitions=[parts[(i // 3) % 3] for i in range(30)])
    res = evaluate(ds, learner="svm", train_partitions=["train", "devel"], eval_partitions=["test"])
    assert res.mode == "partitions" and len(res.folds) == 1
    assert res.folds[0].num_train == 21 and res.folds[0].num_eval == 9
    assert res.class_names == ["b", "m", "x"]  # label map: alphabetical numbers
    assert np.array_equal(res.confusion_matrix, np.diag([3, 3, 3]))


def vote_dataset():
    """Two-chunk files of classes a (0) and b (1): train files are clean; in the devel partition the
    b files have one chunk in a's cluster, so chunk-wise half of them is wrong and their vote ties."""
    feats, names, chunks, labels, parts = [], [], [], [], []
    rng = np.random.default_rng(1)
    centre = {"a": np.array([-5.0, 0.0]), "b": np.array([5.0, 0.0])}
    for i in range(16):
        label = "ab"[i % 2]
        part = "train" if i < 12 else "devel"
        for c in range(2):
            where = "a" if (part == "devel" and label == "b" and c == 0) else label
            feats.append(centre[where] + 0.1 * rng.normal(size=2))
            names.append(f"f{i:02d}.wav"), chunks.append(c), labels.append(label), parts.append(part)
    return DataSet.create(features=np.array(feats), filenames=names, chunk_nrs=chunks, labels_nominal=labels,
                          partitions=parts)


def test_majority_vote_and_chunk_scoring_by_hand():
    ds = vote_dataset()
    kwargs = {"learner": LinearSVM(), "train_partitions": ["train"], "eval_partitions": ["devel"]}
    chunks = evaluate(ds, **kwargs)
    # 4 devel files, 8 chunks: a files 4/4 right, b files 2/4 right
    assert chunks.folds[0].num_eval == 8
    assert chunks.accuracy == pytest.approx(6 / 8)
    assert chunks.uar == pytest.approx((1.0 + 0.5) / 2)
    assert chunks.confusion_matrix.tolist() == [[4, 0], [2, 2]]
    voted = evaluate(ds, majority_vote=True, **kwargs)
    # the b files tie 1:1 and go to the smallest label id, a
    assert voted.folds[0].num_eval == 4
    assert voted.accuracy == pytest.approx(0.5)
    assert voted.uar == pytest.approx((1.0 + 0.0) / 2)
    assert voted.confusion_matrix.tolist() == [[2, 0], [2, 0]]


def test_upsampling_balances_the_training_split_by_hand():
    # 8 files of a, 2 of b, each two chunks: b's files are repeated 8 // 2 = 4 times
    labels = ["a"] * 8 + ["b"] * 2
    names = [f"f{i}" for i in range(10) for _ in range(2)]
    rng = np.random.default_rng(0)
    feats = np.array([[-4.0 if lab == "a" else 4.0, 0.0] for lab in labels for _ in range(2)])
    ds = DataSet.create(features=feats + 0.1 * rng.normal(size=feats.shape), filenames=names,
                        chunk_nrs=[0, 1] * 10, labels_nominal=[lab for lab in labels for _ in range(2)],
                        partitions=["train"] * 20)
    res = evaluate(ds, learner="svm", train_partitions=["train"], eval_partitions=["train"], upsample=True)
    assert res.folds[0].num_train == 16 + 4 * 4
    plain = evaluate(ds, learner="svm", train_partitions=["train"], eval_partitions=["train"])
    assert plain.folds[0].num_train == 20


def test_class_absent_from_training_warns_and_still_scores(caplog):
    ds = blobs(num_files=9, classes=("a", "b", "c"), partitions=["train", "train", "devel"] * 3)
    # train partition holds files 0, 1, 3, 4, 6, 7 -> classes a, b; devel holds class c only
    with caplog.at_level(logging.WARNING, logger="audeep.evaluation"):
        res = evaluate(ds, learner="svm", train_partitions=["train"], eval_partitions=["devel"])
    assert "absent from training (c)" in caplog.text
    assert res.accuracy == 0.0 and res.confusion_matrix[2].sum() == 3


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, ParameterError, "no evaluation mode"),
    ({"cross_validate": True, "train_partitions": ["train"], "eval_partitions": ["devel"]}, ParameterError, "exclude"),
    ({"train_partitions": ["train"]}, ParameterError, "eval_partitions is missing"),
    ({"train_partitions": ["train"], "eval_partitions": ["test"]}, DataSetError, "'test' has no instances"),
    ({"cross_validate": True, "repeat": 0}, ParameterError, "repeat=0"),
])
def test_evaluate_rejects_bad_modes(kwargs, error, message):
    ds = blobs(num_files=6, partitions=["train", "devel"] * 3)
    with pytest.raises(error, match=message):
        evaluate(ds, learner="svm", **kwargs)


def test_evaluate_rejects_bad_data():
    ds = blobs(num_files=6)
    with pytest.raises(DataSetError, match="fuse chunks"):
        evaluate(ds.with_features(np.zeros((6, 3, 2))), learner="svm", cross_validate=True)
    unlabelled = DataSet.create(features=np.zeros((4, 2)), filenames=list("abcd"), cv_folds=np.eye(4, 2))
    with pytest.raises(DataSetError, match="no labels"):
        evaluate(unlabelled, learner="svm", cross_validate=True)
    no_folds = DataSet.create(features=np.zeros((4, 2)), filenames=list("abcd"), labels_nominal=list("xyxy"))
    with pytest.raises(DataSetError, match="no cross-validation folds"):
        evaluate(no_folds, learner="svm", cross_validate=True)
    with pytest.raises(DataSetError, match="no partition information"):
        evaluate(no_folds, learner="svm", train_partitions=["train"], eval_partitions=["devel"])
    all_valid = DataSet.create(features=np.zeros((4, 2)), filenames=list("abcd"), labels_nominal=list("xyxy"),
                               cv_folds=np.ones((4, 1)))
    with pytest.raises(DataSetError, match="fold 1: the training split is empty"):
        evaluation_splits(all_valid, cross_validate=True)



# ------------------------------------------------------------------ predict

def test_predict_labels_files_of_another_set_ignoring_its_labels():
    train = blobs(num_files=30, num_chunks=2)
    test = blobs(num_files=6, num_chunks=2, seed=9)
    unlabelled = DataSet.create(features=test.load_features(), filenames=test.filenames,
                                chunk_nrs=test.chunk_nrs)
    table = predict(train, unlabelled, learner="svm", majority_vote=True)
    assert list(table.columns) == ["filename", "prediction"]
    assert table["filename"].tolist() == [f"f{i:03d}.wav" for i in range(6)]
    assert table["prediction"].tolist() == list(CLASSES) * 2
    per_chunk = predict(train, test, learner="svm")
    assert list(per_chunk.columns) == ["filename", "chunk_nr", "prediction"] and len(per_chunk) == 12
    single = predict(blobs(num_files=30), blobs(num_files=3, seed=2), learner="svm")
    assert list(single.columns) == ["filename", "prediction"] and single["prediction"].tolist() == list(CLASSES)


def test_predict_rejects_different_widths_and_unlabelled_training():
    with pytest.raises(DataSetError, match="6 features per instance, the evaluation data 4"):
        predict(blobs(num_files=6), blobs(num_files=6, dims=4), learner="svm")
    unlabelled = DataSet.create(features=np.zeros((4, 2)), filenames=list("abcd"))
    with pytest.raises(DataSetError, match="training data set has no labels"):
        predict(unlabelled, unlabelled, learner="svm")


def test_mode_errors_name_parameters_not_flags():
    ds = blobs(num_files=6, partitions=["train", "devel"] * 3)
    with pytest.raises(ParameterError) as missing:
        evaluate(ds, learner="svm", train_partitions=["train"])
    assert missing.value.parameters == ("train_partitions", "eval_partitions")
    assert "--" not in str(missing.value)
    with pytest.raises(DataSetError) as absent:
        evaluate(ds, learner="svm", train_partitions=["train"], eval_partitions=["test"])
    assert absent.value.parameters == ("eval_partitions",) and str(absent.value).startswith("eval_partitions:")
