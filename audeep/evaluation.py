"""Judge learned features: classifiers, cross-validated and partitioned evaluation, prediction.

Two learners share one scikit-learn interface (``fit(X, y)`` returns the estimator,
``predict(X)``, ``get_params``/``set_params``), so either can be used on its own or in a
:class:`sklearn.pipeline.Pipeline`:

* :class:`MLPClassifier` -- a Keras multilayer perceptron: hidden layers of
  dense -> ReLU -> dropout, a softmax output (no ReLU on the logits: that was a bug of
  the original auDeep), Adam.  By default every step sees the whole training split
  (full batch) and ``num_epochs`` is the number of Adam steps; the whole training loop
  runs as one TensorFlow graph, without a Python round trip per step.
* :class:`LinearSVM` -- scikit-learn's ``LinearSVC(C=complexity)``.

:func:`evaluate` runs a learner per cross-validation fold (train on the TRAIN rows,
test on the VALID rows) or once on partitions, with standardisation fitted on the
training split only, optional upsampling and majority vote over the chunks of a file.
:func:`predict` trains on one data set and labels the files of another.

Metrics, per fold: accuracy and UAR (unweighted average recall = macro recall, as
``sklearn.metrics.recall_score(average="macro")`` with its default labels: the classes
present in the truth or in the predictions; a predicted class that is absent from the
truth counts as a recall of 0, as in the original).  Reported: the mean over all folds
and repeats, and ±2·std (population std over the same fold scores).  The confusion
matrix is summed over folds and repeats, rows = true class, columns = predicted class,
classes in label-map order.

TensorFlow is imported only when an :class:`MLPClassifier` is fitted; the SVM path
does not import it.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from audeep.atomic import write_text_atomic
from audeep.dataset import MISSING, DataSet, Partition
from audeep.errors import DataSetError, ParameterError

__all__ = [
    "MLPClassifier",
    "LinearSVM",
    "FoldScore",
    "EvaluationResults",
    "evaluate",
    "predict",
    "evaluation_splits",
    "majority_vote",
    "fold_scores",
    "append_results_row",
    "results_row",
    "write_predictions",
]

LOG = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------
# learners
# ----------------------------------------------------------------------------------

def _tensorflow():
    """Import TensorFlow and Keras, with thread pools sized for the machine (once per process).

    Dense layers use every core (unlike the recurrent autoencoders, see
    :func:`audeep.training.default_threads`).
    """
    import tensorflow as tf

    global _THREADS_CONFIGURED
    if not _THREADS_CONFIGURED:
        from audeep.training import configure_threads

        _THREADS_CONFIGURED = True
        configure_threads(threads=os.cpu_count() or 1)
    import keras

    return tf, keras


_THREADS_CONFIGURED = False


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A multilayer perceptron in Keras with a scikit-learn interface.

    Parameters
    ----------
    num_layers : int, default 2
        Hidden layers, each dense -> ReLU -> dropout.
    num_units : int, default 150
        Units per hidden layer.
    keep_prob : float, default 0.6
        Probability of keeping a hidden unit during training (dropout rate 1 - keep_prob).
    learning_rate : float, default 1e-3
        Adam learning rate.
    num_epochs : int, default 400
        Passes over the training data; with full-batch training (the default) this is
        the number of Adam steps.
    batch_size : int or None, default None
        Instances per step; None (or a value >= the training size) trains on the whole
        training split at every step.
    shuffle : bool, default False
        Shuffle the training data before every epoch (only meaningful with mini-batches).
    random_state : int or None, default None
        Seed for weights, dropout and shuffling (via ``keras.utils.set_random_seed``);
        None leaves the global random state alone.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (n_classes,)
        The labels seen in training, sorted.
    n_features_in_ : int
    model_ : keras.Model
        The trained network (input (n, n_features) -> logits (n, n_classes)).
    loss_curve_ : numpy.ndarray, shape (num_epochs,)
        Training loss per epoch: the cross-entropy of its step (full batch), or the mean
        over its mini-batches (each measured before its update).
    """

    def __init__(self, *, num_layers: int = 2, num_units: int = 150, keep_prob: float = 0.6,
                 learning_rate: float = 1e-3, num_epochs: int = 400, batch_size: "int | None" = None,
                 shuffle: bool = False, random_state: "int | None" = None):
        self.num_layers = num_layers
        self.num_units = num_units
        self.keep_prob = keep_prob
        self.learning_rate = learning_rate
        self.num_epochs = num_epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.random_state = random_state

    def _check_params(self) -> None:
        checks = [
            ("num_layers", self.num_layers, isinstance(self.num_layers, (int, np.integer)) and self.num_layers >= 0,
             "a non-negative integer"),
            ("num_units", self.num_units, isinstance(self.num_units, (int, np.integer)) and self.num_units > 0,
             "a positive integer"),
            ("keep_prob", self.keep_prob, 0.0 < float(self.keep_prob) <= 1.0, "a probability in (0, 1]"),
            ("learning_rate", self.learning_rate, float(self.learning_rate) > 0, "a positive number"),
            ("num_epochs", self.num_epochs, isinstance(self.num_epochs, (int, np.integer)) and self.num_epochs > 0,
             "a positive integer"),
            ("batch_size", self.batch_size, self.batch_size is None or (
                isinstance(self.batch_size, (int, np.integer)) and self.batch_size > 0),
             "None or a positive integer"),
        ]
        for name, value, ok, what in checks:
            if not ok:
                raise ParameterError(f"{name}={value!r}: expected {what}")

    def fit(self, X, y) -> "MLPClassifier":
        """Train on features ``X`` (n_samples, n_features) and labels ``y`` (n_samples,).

        Returns
        -------
        MLPClassifier
            ``self``.
        """
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        check_classification_targets(y)
        self.classes_, targets = np.unique(y, return_inverse=True)
        tf, keras = _tensorflow()
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        model = self._build(keras, X.shape[1], self.classes_.size)
        optimizer = keras.optimizers.Adam(learning_rate=float(self.learning_rate))
        optimizer.build(model.trainable_variables)
        seeds = keras.random.SeedGenerator(None if self.random_state is None else int(self.random_state) + 1)
        train = _training_loop(tf, keras, model, optimizer, seeds, num_samples=X.shape[0],
                               num_epochs=int(self.num_epochs), batch_size=self.batch_size,
                               shuffle=bool(self.shuffle))
        tf_log = logging.getLogger("tensorflow")
        level = tf_log.level
        tf_log.setLevel(logging.ERROR)  # a new model per fit is traced anew on purpose: no retracing warning
        try:
            losses = train(tf.constant(X), tf.constant(targets.astype(np.int32)))
        finally:
            tf_log.setLevel(level)
        self.model_ = model
        self.loss_curve_ = np.asarray(losses, dtype=np.float64)
        return self

    def _build(self, keras, num_features: int, num_classes: int):
        layers = [keras.Input(shape=(num_features,))]
        for _ in range(int(self.num_layers)):
            layers.append(keras.layers.Dense(int(self.num_units), activation="relu"))
            if self.keep_prob < 1.0:
                layers.append(keras.layers.Dropout(1.0 - float(self.keep_prob)))
        layers.append(keras.layers.Dense(num_classes))  # logits; softmax in the loss / in predict_proba
        return keras.Sequential(layers)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float32, reset=False)
        tf, _ = _tensorflow()
        if X.shape[0] == 0:
            return np.zeros((0, self.classes_.size))
        logits = self.model_(tf.constant(X), training=False)
        return np.asarray(tf.nn.softmax(logits, axis=-1), dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape (n_samples,)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _training_loop(tf, keras, model, optimizer, seeds, *, num_samples: int, num_epochs: int,
                   batch_size: "int | None", shuffle: bool):
    """One ``tf.function`` that runs every epoch and step in the graph; returns the loss per epoch.

    The data are passed once as tensors; ``tf.range`` loops become graph while-loops, so no
    Python code runs between steps.
    """
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    variables = model.trainable_variables
    full_batch = batch_size is None or batch_size >= num_samples
    num_batches = 1 if full_batch else math.ceil(num_samples / batch_size)

    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        optimizer.apply(tape.gradient(loss, variables), variables)
        return loss

    @tf.function
    def train(x, y):
        losses = tf.TensorArray(tf.float32, size=num_epochs)
        for epoch in tf.range(num_epochs):
            if full_batch:
                loss = step(x, y)
            else:
                order = tf.range(num_samples)
                if shuffle:
                    order = keras.random.shuffle(order, seed=seeds)
                total = tf.constant(0.0)
                for b in tf.range(num_batches):
                    idx = order[b * batch_size:tf.minimum((b + 1) * batch_size, num_samples)]
                    total += step(tf.gather(x, idx), tf.gather(y, idx)) * tf.cast(tf.size(idx), tf.float32)
                loss = total / num_samples
            losses = losses.write(epoch, loss)
        return losses.stack()

    return train


class LinearSVM(ClassifierMixin, BaseEstimator):
    """A linear support vector machine: scikit-learn's ``LinearSVC(C=complexity)``.

    Parameters
    ----------
    complexity : float, default 1.0
        The penalty ``C`` of the error term.
    max_iter : int, default 1000
        Iterations of the solver.
    random_state : int or None, default None
        Seed of the solver's coordinate order.

    Attributes
    ----------
    classes_ : numpy.ndarray, shape (n_classes,)
    n_features_in_ : int
    svc_ : sklearn.svm.LinearSVC
        The fitted model.
    """

    def __init__(self, *, complexity: float = 1.0, max_iter: int = 1000, random_state: "int | None" = None):
        self.complexity = complexity
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y) -> "LinearSVM":
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,); returns ``self``."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC
        from sklearn.utils.validation import validate_data

        if not float(self.complexity) > 0:
            raise ParameterError(f"complexity={self.complexity!r}: expected a positive number")
        X, y = validate_data(self, X, y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            self.svc_ = None  # LinearSVC refuses one class: always predict it
            return self
        svc = LinearSVC(C=float(self.complexity), max_iter=int(self.max_iter), random_state=self.random_state)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            svc.fit(X, y)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            LOG.warning("LinearSVC(C=%g) did not converge in %d iterations", self.complexity, self.max_iter)
        self.svc_ = svc
        return self

    def decision_function(self, X) -> np.ndarray:
        """Signed distances to the separating hyperplanes, shape (n_samples,) or (n_samples, n_classes)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "classes_")
        if self.svc_ is None:
            return np.zeros(np.asarray(X).shape[0])
        return self.svc_.decision_function(X)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape (n_samples,)."""
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self, "classes_")
        X = validate_data(self, X, reset=False)
        if self.svc_ is None:
            return np.full(X.shape[0], self.classes_[0])
        return self.svc_.predict(X)


# ----------------------------------------------------------------------------------
# metrics and majority vote
# ----------------------------------------------------------------------------------

def majority_vote(*, predictions, groups) -> tuple:
    """One label per group (file) from the labels of its instances (chunks).

    The most frequent label wins; a tie goes to the smallest label.

    Parameters
    ----------
    predictions : array-like of int, shape (n_instances,)
    groups : array-like, shape (n_instances,)
        Group key per instance (e.g. the filename).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The group keys in order of first appearance, shape (n_groups,), and their
        voted labels, shape (n_groups,).
    """
    predictions = np.asarray(predictions)
    groups = np.asarray(groups, dtype=object)
    if predictions.shape != groups.shape:
        raise ParameterError(f"{predictions.shape[0]} predictions for {groups.shape[0]} group keys")
    keys, first, inverse = np.unique(groups.astype(str), return_index=True, return_inverse=True)
    values, value_ids = np.unique(predictions, return_inverse=True)
    counts = np.zeros((keys.size, values.size), np.int64)
    np.add.at(counts, (inverse, value_ids), 1)
    voted = values[np.argmax(counts, axis=1)]  # argmax takes the first maximum: the smallest label
    order = np.argsort(first, kind="stable")
    return groups[first[order]], voted[order]


_vote = majority_vote  # for functions whose ``majority_vote`` parameter hides the function


def fold_scores(*, truth, predictions) -> tuple:
    """Accuracy and UAR of one fold.

    UAR is the mean recall over the classes present in ``truth`` or ``predictions``
    (``recall_score(average="macro")``); a predicted class absent from the truth has
    recall 0.

    Parameters
    ----------
    truth, predictions : array-like of int, shape (n,)

    Returns
    -------
    (float, float)
        Accuracy and UAR.
    """
    from sklearn.metrics import accuracy_score, recall_score

    truth = np.asarray(truth)
    predictions = np.asarray(predictions)
    if truth.size == 0:
        raise DataSetError("nothing to score: the evaluation split is empty")
    labels = np.union1d(truth, predictions)
    uar = recall_score(truth, predictions, labels=labels, average="macro", zero_division=0)
    return float(accuracy_score(truth, predictions)), float(uar)


# ----------------------------------------------------------------------------------
# results
# ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FoldScore:
    """Scores of one fold of one repeat.

    Attributes
    ----------
    repeat, fold : int
        1-based repeat and fold numbers (a partitioned evaluation has one fold).
    accuracy, uar : float
    num_train, num_eval : int
        Training instances (after upsampling) and scored items (files with majority
        vote, else instances).
    """

    repeat: int
    fold: int
    accuracy: float
    uar: float
    num_train: int
    num_eval: int


@dataclass
class EvaluationResults:
    """What :func:`evaluate` found.

    Attributes
    ----------
    folds : list of FoldScore
        One entry per fold and repeat, repeats outermost.
    confusion_matrix : numpy.ndarray of int64, shape (n_classes, n_classes)
        Summed over folds and repeats; rows = true class, columns = predicted class.
    class_names : list of str
        The classes of the confusion matrix, in label-map order.
    mode : str
        ``"cross-validation"`` or ``"partitions"``.
    """

    folds: list
    confusion_matrix: np.ndarray
    class_names: list
    mode: str = "cross-validation"
    parameters: dict = field(default_factory=dict)

    def _values(self, name: str) -> np.ndarray:
        return np.array([getattr(f, name) for f in self.folds], dtype=np.float64)

    @property
    def accuracy(self) -> float:
        """Mean accuracy over folds and repeats."""
        return float(np.mean(self._values("accuracy")))

    @property
    def uar(self) -> float:
        """Mean UAR over folds and repeats."""
        return float(np.mean(self._values("uar")))

    @property
    def accuracy_2std(self) -> float:
        """2 × the (population) standard deviation of the fold accuracies."""
        return float(2 * np.std(self._values("accuracy")))

    @property
    def uar_2std(self) -> float:
        """2 × the (population) standard deviation of the fold UARs."""
        return float(2 * np.std(self._values("uar")))

    def normalised_confusion_matrix(self) -> np.ndarray:
        """The confusion matrix with every row divided by its sum (rows without instances stay 0)."""
        totals = self.confusion_matrix.sum(axis=1, keepdims=True)
        return np.divide(self.confusion_matrix, totals, out=np.zeros(self.confusion_matrix.shape),
                         where=totals > 0)

    def __repr__(self) -> str:
        return (f"<EvaluationResults {self.mode}, {len(self.folds)} folds: accuracy {self.accuracy:.4f} "
                f"± {self.accuracy_2std:.4f}, UAR {self.uar:.4f} ± {self.uar_2std:.4f}>")


# ----------------------------------------------------------------------------------
# data access and checks
# ----------------------------------------------------------------------------------

def _vectors(dataset: DataSet, *, what: str = "the data set") -> np.ndarray:
    """The features as a float32 matrix (n_instances, n_features), or a clear error."""
    _check_vectors(dataset, what=what)
    return dataset.load_features()


def _check_vectors(dataset: DataSet, *, what: str = "the data set") -> None:
    if len(dataset.feature_shape) != 1:
        shape = "x".join(str(s) for s in dataset.feature_shape)
        dims = ", ".join(dataset.feature_dims)
        raise DataSetError(
            f"{what} has {shape} features per instance ({dims}): the classifiers need 1-D feature vectors; "
            "use `audeep fuse chunks` on chunked features, or features from `generate` / an f-RAE export"
        )


def _labels(dataset: DataSet, *, what: str = "the data set") -> np.ndarray:
    labels = dataset.labels_numeric
    if labels is None or (labels == MISSING).all():
        raise DataSetError(f"{what} has no labels: training and scoring need labelled instances")
    return labels


def _require_labels(labels: np.ndarray, indices: np.ndarray, split: str) -> None:
    missing = int((labels[indices] == MISSING).sum())
    if missing:
        raise DataSetError(f"{missing} of the {indices.size} instances of the {split} have no label")


def _classes(dataset: DataSet) -> tuple:
    """Label ids and class names in label-map order."""
    label_map = dataset.label_map
    if label_map:
        pairs = sorted(label_map.items(), key=lambda kv: (kv[1], kv[0]))
        return np.array([v for _, v in pairs], np.int64), [k for k, _ in pairs]
    labels = dataset.labels_numeric
    ids = np.unique(labels[labels != MISSING])
    nominal = dataset.labels_nominal
    names = []
    for i in ids:
        name = None
        if nominal is not None:
            found = nominal[labels == i]
            name = next((n for n in found if n is not None), None)
        names.append(str(i) if name is None else str(name))
    return ids, names


def _partition_rows(dataset: DataSet, partitions: Sequence, option: str) -> np.ndarray:
    parts = dataset.partitions
    if parts is None:
        raise DataSetError(f"{option} given, but the data set has no partition information "
                           "(add one with `audeep modify --add-partitioning`)")
    present = sorted({int(p) for p in parts if p != MISSING})
    present_names = ", ".join(Partition(p).name.lower() for p in present) or "none"
    for p in partitions:
        if int(Partition.parse(p)) not in present:
            raise DataSetError(f"{option}: partition {Partition.parse(p).name.lower()!r} has no instances "
                               f"(present: {present_names})")
    return dataset.partition_indices(partitions)


def evaluation_splits(dataset: DataSet, *, cross_validate: bool = False, train_partitions=None,
                      eval_partitions=None) -> list:
    """The (training, evaluation) instance indices of every fold of an evaluation.

    Parameters
    ----------
    dataset : DataSet
    cross_validate : bool
        One split per fold of ``cv_folds``: TRAIN rows for training, VALID rows for
        evaluation.
    train_partitions, eval_partitions : sequence of str or Partition, optional
        One split: the union of the training partitions, the union of the evaluation
        partitions.  Exclusive with ``cross_validate``; both or neither.

    Returns
    -------
    list of (numpy.ndarray, numpy.ndarray)
        Instance indices (int64) of the training and evaluation split, per fold.

    Raises
    ------
    ParameterError
        On a wrong combination of modes.
    DataSetError
        Without folds or partitions, or when a split is empty.
    """
    has_partitions = bool(train_partitions) or bool(eval_partitions)
    if cross_validate and has_partitions:
        raise ParameterError("--cross-validate and --train-partitions/--eval-partitions exclude each other: "
                             "choose one evaluation mode")
    if not cross_validate and not has_partitions:
        raise ParameterError("no evaluation mode: give --cross-validate, or --train-partitions and "
                             "--eval-partitions")
    if cross_validate:
        if not dataset.has_cv_info:
            raise DataSetError("--cross-validate: the data set has no cross-validation folds "
                               "(add them with `audeep modify --add-cv-setup N`)")
        splits = [dataset.fold_indices(k) for k in range(dataset.num_folds)]
        names = [f"fold {k + 1}" for k in range(dataset.num_folds)]
    else:
        if not train_partitions or not eval_partitions:
            missing = "--eval-partitions" if train_partitions else "--train-partitions"
            raise ParameterError(f"{missing} is missing: partitioned evaluation needs both "
                                 "--train-partitions and --eval-partitions")
        splits = [(_partition_rows(dataset, train_partitions, "--train-partitions"),
                   _partition_rows(dataset, eval_partitions, "--eval-partitions"))]
        names = ["the partitions"]
    for name, (train_idx, eval_idx) in zip(names, splits):
        if train_idx.size == 0:
            raise DataSetError(f"{name}: the training split is empty")
        if eval_idx.size == 0:
            raise DataSetError(f"{name}: the evaluation split is empty")
    return [(np.asarray(t, np.int64), np.asarray(e, np.int64)) for t, e in splits]


def _learner(learner) -> BaseEstimator:
    if learner is None or (isinstance(learner, str) and learner.lower() == "mlp"):
        return MLPClassifier()
    if isinstance(learner, str) and learner.lower() == "svm":
        return LinearSVM()
    if not (hasattr(learner, "fit") and hasattr(learner, "predict") and hasattr(learner, "get_params")):
        raise ParameterError(f"learner {learner!r}: expected 'mlp', 'svm' or a scikit-learn classifier")
    return learner


def _fit_predict(learner, seed: "int | None", x_train, y_train, x_eval) -> np.ndarray:
    """Standardise with training statistics, fit a fresh copy of ``learner``, predict."""
    model = clone(learner)
    if seed is not None and "random_state" in model.get_params():
        model.set_params(random_state=seed)
    pipeline = make_pipeline(StandardScaler(), model)
    pipeline.fit(x_train, y_train)
    return pipeline.predict(x_eval)


def _training_rows(train_idx, labels, filenames, upsample: bool) -> np.ndarray:
    if not upsample:
        return train_idx
    from audeep.transforms import upsample_indices

    return train_idx[upsample_indices(labels=labels[train_idx], groups=filenames[train_idx])]


# ----------------------------------------------------------------------------------
# evaluate and predict
# ----------------------------------------------------------------------------------

def evaluate(dataset: DataSet, *, learner=None, cross_validate: bool = False, train_partitions=None,
             eval_partitions=None, repeat: int = 1, upsample: bool = False, majority_vote: bool = False,
             seed: "int | None" = 42) -> EvaluationResults:
    """Score a learner on a data set of 1-D features.

    Per fold (and repeat): optionally upsample the training split, fit a
    :class:`~sklearn.preprocessing.StandardScaler` on it, train a fresh copy of the
    learner, predict the evaluation split, optionally vote per file, and score.

    Parameters
    ----------
    dataset : DataSet
        Labelled data set with features of shape (n_instances, n_features).
    learner : estimator, "mlp" or "svm", optional
        A scikit-learn classifier (cloned per fold; its ``random_state``, if any, is set
        from ``seed``); default :class:`MLPClassifier` with default parameters.
    cross_validate : bool
        Evaluate on every cross-validation fold.
    train_partitions, eval_partitions : sequence of str, optional
        Partitioned evaluation instead (both required, exclusive with ``cross_validate``).
    repeat : int, default 1
        Run everything this many times (with seeds ``seed + i``).
    upsample : bool
        Balance the classes of every training split (:func:`audeep.transforms.upsample_indices`,
        chunks of a file together).
    majority_vote : bool
        Score one prediction per file, the most frequent over its chunks (ties: the
        smallest label id); otherwise every instance (chunk) is scored.
    seed : int or None, default 42
        Base seed of the learners.

    Returns
    -------
    EvaluationResults

    Raises
    ------
    ParameterError, DataSetError
        On bad modes, missing labels, folds or partitions, non-1-D features or empty splits.
    """
    if not isinstance(repeat, (int, np.integer)) or repeat < 1:
        raise ParameterError(f"repeat={repeat!r}: expected a positive integer")
    learner = _learner(learner)
    _check_vectors(dataset)
    splits = evaluation_splits(dataset, cross_validate=cross_validate, train_partitions=train_partitions,
                               eval_partitions=eval_partitions)
    labels = _labels(dataset)
    for k, (train_idx, eval_idx) in enumerate(splits):
        _require_labels(labels, train_idx, f"training split of fold {k + 1}")
        _require_labels(labels, eval_idx, f"evaluation split of fold {k + 1}")
    features = _vectors(dataset)
    filenames = dataset.filenames
    label_ids, class_names = _classes(dataset)
    matrix = np.zeros((label_ids.size, label_ids.size), np.int64)
    scores = []
    for k, (train_idx, eval_idx) in enumerate(splits):
        unseen = np.setdiff1d(labels[eval_idx], labels[train_idx])
        if unseen.size:
            names = [class_names[int(np.flatnonzero(label_ids == u)[0])] if u in label_ids else str(u)
                     for u in unseen]
            LOG.warning("fold %d: the evaluation split holds classes absent from training (%s); "
                        "they cannot be predicted but are still scored", k + 1, ", ".join(names))
    from sklearn.metrics import confusion_matrix

    for r in range(repeat):
        for k, (train_idx, eval_idx) in enumerate(splits):
            rows = _training_rows(train_idx, labels, filenames, upsample)
            fold_seed = None if seed is None else int(seed) + r * len(splits) + k
            pred = _fit_predict(learner, fold_seed, features[rows], labels[rows], features[eval_idx])
            truth = labels[eval_idx]
            if majority_vote:
                _, truth = _vote(predictions=truth, groups=filenames[eval_idx])
                _, pred = _vote(predictions=pred, groups=filenames[eval_idx])
            accuracy, uar = fold_scores(truth=truth, predictions=pred)
            matrix += confusion_matrix(truth, pred, labels=label_ids)
            scores.append(FoldScore(repeat=r + 1, fold=k + 1, accuracy=accuracy, uar=uar,
                                    num_train=int(rows.size), num_eval=int(truth.size)))
            LOG.info("repeat %d fold %d: accuracy %.4f, UAR %.4f", r + 1, k + 1, accuracy, uar)
    return EvaluationResults(
        folds=scores, confusion_matrix=matrix, class_names=class_names,
        mode="cross-validation" if cross_validate else "partitions",
        parameters={"learner": type(learner).__name__, **learner.get_params(deep=False), "repeat": repeat,
                    "upsample": upsample, "majority_vote": majority_vote, "seed": seed},
    )


def predict(train_dataset: DataSet, eval_dataset: DataSet, *, learner=None, train_partitions=None,
            eval_partitions=None, upsample: bool = False, majority_vote: bool = False,
            seed: "int | None" = 42):
    """Train on a labelled data set and predict the labels of another.

    Labels in ``eval_dataset`` are ignored.

    Parameters
    ----------
    train_dataset, eval_dataset : DataSet
        1-D features of the same width.
    learner : estimator, "mlp" or "svm", optional
        As in :func:`evaluate`.
    train_partitions, eval_partitions : sequence of str, optional
        Use only these partitions of the respective data set (default: all instances).
    upsample : bool
        Balance the classes of the training data.
    majority_vote : bool
        One prediction per file (the most frequent over its chunks; ties: the smallest
        label id).
    seed : int or None, default 42

    Returns
    -------
    pandas.DataFrame
        With majority vote, or when every evaluated file has one instance: one row per
        file, columns ``filename, prediction``.  Otherwise one row per instance, columns
        ``filename, chunk_nr, prediction``.  Rows in data-set order (files in order of
        first appearance); predictions are nominal labels (class names of the training
        set).

    Raises
    ------
    DataSetError
        On unlabelled training data, different feature widths, non-1-D features, or
        missing / empty partitions.
    """
    import pandas as pd

    learner = _learner(learner)
    train_rows = (np.arange(train_dataset.num_instances) if not train_partitions
                  else _partition_rows(train_dataset, train_partitions, "--train-partitions"))
    eval_rows = (np.arange(eval_dataset.num_instances) if not eval_partitions
                 else _partition_rows(eval_dataset, eval_partitions, "--eval-partitions"))
    if train_rows.size == 0:
        raise DataSetError("the training data set is empty")
    if eval_rows.size == 0:
        raise DataSetError("the evaluation data set is empty")
    labels = _labels(train_dataset, what="the training data set")
    _require_labels(labels, train_rows, "training data")
    x_train = _vectors(train_dataset, what="the training data set")
    x_eval = _vectors(eval_dataset, what="the evaluation data set")
    if x_train.shape[1] != x_eval.shape[1]:
        raise DataSetError(f"the training data has {x_train.shape[1]} features per instance, the evaluation "
                           f"data {x_eval.shape[1]}: both must come from the same feature extraction")
    rows = _training_rows(train_rows, labels, train_dataset.filenames, upsample)
    pred = _fit_predict(learner, seed, x_train[rows], labels[rows], x_eval[eval_rows])
    filenames = eval_dataset.filenames[eval_rows]
    label_ids, class_names = _classes(train_dataset)
    names = dict(zip(label_ids.tolist(), class_names))
    if majority_vote or np.unique(filenames.astype(str)).size == filenames.size:
        files, pred = _vote(predictions=pred, groups=filenames)
        return pd.DataFrame({"filename": files.astype(str), "prediction": [names[int(p)] for p in pred]})
    return pd.DataFrame({"filename": filenames.astype(str), "chunk_nr": eval_dataset.chunk_nrs[eval_rows],
                         "prediction": [names[int(p)] for p in pred]})



# ----------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------

def write_predictions(predictions, path: "str | os.PathLike") -> Path:
    """Write the table of :func:`predict` as CSV (with a header) atomically; returns the path."""
    return write_text_atomic(Path(path), predictions.to_csv(index=False, lineterminator="\n"))


def results_row(results: EvaluationResults, **context) -> dict:
    """A flat mapping for :func:`append_results_row`: ``context`` first, then the parameters and mean scores."""
    import json

    row = {k: str(v) for k, v in context.items()}
    row["mode"] = results.mode
    row["parameters"] = json.dumps(results.parameters, sort_keys=True, default=str)
    row.update(folds=len(results.folds), accuracy=f"{results.accuracy:.6f}",
               accuracy_2std=f"{results.accuracy_2std:.6f}", uar=f"{results.uar:.6f}",
               uar_2std=f"{results.uar_2std:.6f}")
    return row


def append_results_row(path: "str | os.PathLike", row: dict) -> Path:
    """Append one CSV row to ``path`` atomically, writing a header first when the file is new.

    Raises
    ------
    ParameterError
        If the existing file's header has other columns than ``row``.
    """
    path = Path(path)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    header = list(row)
    if existing.strip():
        found = next(csv.reader(io.StringIO(existing)))
        if found != header:
            raise ParameterError(f"{path}: its columns {found} differ from the results columns {header}; "
                                 "use another --results file")
        if not existing.endswith("\n"):
            existing += "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if not existing.strip():
        writer.writerow(header)
    writer.writerow([row[k] for k in header])
    return write_text_atomic(path, existing + buffer.getvalue())
