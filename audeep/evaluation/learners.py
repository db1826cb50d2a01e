"""The two learners of the evaluation: a Keras MLP and a linear SVM, as scikit-learn classifiers.

Both share one scikit-learn interface (``fit(X, y)`` returns the estimator,
``predict(X)``, ``get_params``/``set_params``), so either can be used on its own or in a
:class:`sklearn.pipeline.Pipeline`:

* :class:`MLPClassifier` -- a Keras multilayer perceptron: hidden layers of
  dense -> ReLU -> dropout, a softmax output (no ReLU on the logits: that was a bug of
  the original auDeep), Adam.  By default every step sees the whole training split
  (full batch) and ``num_epochs`` is the number of Adam steps; the whole training loop
  runs as one TensorFlow graph, without a Python round trip per step.
* :class:`LinearSVM` -- scikit-learn's ``LinearSVC(C=complexity)``.

:func:`resolve_learner` turns ``None``, ``"mlp"`` or ``"svm"`` into a learner.

TensorFlow is imported (through :func:`audeep._tensorflow.import_tensorflow`, which sets
the thread pools to all cores once per process) only when an :class:`MLPClassifier` is
fitted; the SVM path does not import it.
"""

from __future__ import annotations

import logging
import math
import threading

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from audeep._tensorflow import import_tensorflow
from audeep.errors import ParameterError

__all__ = ["LinearSVM", "MLPClassifier", "resolve_learner"]

LOG = logging.getLogger(__name__)


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
                 learning_rate: float = 1e-3, num_epochs: int = 400, batch_size: int | None = None,
                 shuffle: bool = False, random_state: int | None = None):
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
                raise ParameterError(f"{name}={value!r}: expected {what}", parameter=name)

    def fit(self, X, y) -> MLPClassifier:
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
        tf, keras = import_tensorflow()
        if self.random_state is not None:
            keras.utils.set_random_seed(int(self.random_state))
        model = self._build(keras, X.shape[1], self.classes_.size)
        optimizer = keras.optimizers.Adam(learning_rate=float(self.learning_rate))
        optimizer.build(model.trainable_variables)
        seeds = keras.random.SeedGenerator(None if self.random_state is None else int(self.random_state) + 1)
        train = _reusable_training(tf, keras, (model, optimizer, seeds), self._build, num_samples=X.shape[0],
                                   num_epochs=int(self.num_epochs), batch_size=self.batch_size,
                                   shuffle=bool(self.shuffle))
        tf_log = logging.getLogger("tensorflow")
        level = tf_log.level
        tf_log.setLevel(logging.ERROR)  # a new shape of model is traced anew on purpose: no retracing warning
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
        tf, _ = import_tensorflow()
        if X.shape[0] == 0:
            return np.zeros((0, self.classes_.size))
        logits = self.model_(tf.constant(X), training=False)
        return np.asarray(tf.nn.softmax(logits, axis=-1), dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        """Predicted labels, shape (n_samples,)."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


#: the last training workspace: (key, (model, optimizer, seeds), traced training loop), and its lock
_WORKSPACE: list = []
_WORKSPACE_LOCK = threading.Lock()


def _reusable_training(tf, keras, state, build, *, num_samples: int, num_epochs: int, batch_size: int | None,
                       shuffle: bool):
    """Train ``state`` = (model, optimizer, seed generator) in a workspace whose training loop is traced once.

    Cross-validation fits one MLP of the same shape per fold; tracing its ``tf.function``
    anew for every fold cost about as much as running it.  The workspace keeps one traced
    loop per shape: each fit copies its fresh initial state (weights, optimizer slots, seed
    states) in, trains, and copies the trained weights back out, so the results are those of
    a fresh loop and every estimator keeps its own model.

    Returns
    -------
    callable
        ``train(x, y)`` -> the loss per epoch; trains ``state``'s model.
    """
    model, optimizer, seeds = state
    full_batch = batch_size is None or batch_size >= num_samples
    shapes = tuple(tuple(int(d) for d in v.shape) for v in model.variables)
    key = (shapes, float(keras.ops.convert_to_numpy(optimizer.learning_rate)), num_epochs, shuffle,
           None if full_batch else (batch_size, num_samples), tuple(type(layer).__name__ for layer in model.layers),
           tuple(float(getattr(layer, "rate", 0.0)) for layer in model.layers))
    if not _WORKSPACE or _WORKSPACE[0][0] != key:
        twin = build(keras, model.inputs[0].shape[-1], model.outputs[0].shape[-1])
        twin_optimizer = optimizer.__class__.from_config(optimizer.get_config())
        twin_optimizer.build(twin.trainable_variables)
        twin_seeds = keras.random.SeedGenerator(0)
        loop = _training_loop(tf, keras, twin, twin_optimizer, twin_seeds, num_samples=num_samples,
                              num_epochs=num_epochs, batch_size=batch_size, shuffle=shuffle)
        _WORKSPACE[:] = [(key, (twin, twin_optimizer, twin_seeds), loop)]
    _, (twin, twin_optimizer, twin_seeds), loop = _WORKSPACE[0]

    def train(x, y):
        with _WORKSPACE_LOCK:  # fits in several threads take turns in the one workspace
            pairs = ((twin.variables, model.variables), (twin_optimizer.variables, optimizer.variables),
                     ([twin_seeds.state], [seeds.state]))
            for target, source in pairs:
                for a, b in zip(target, source, strict=True):
                    a.assign(b)
            losses = loop(x, y)
            for a, b in zip(model.variables, twin.variables, strict=True):
                a.assign(b)
            return losses

    return train


def _training_loop(tf, keras, model, optimizer, seeds, *, num_samples: int, num_epochs: int,
                   batch_size: int | None, shuffle: bool):
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

    @tf.function(input_signature=[tf.TensorSpec([None, model.inputs[0].shape[-1]], tf.float32),
                                  tf.TensorSpec([None], tf.int32)])  # one trace for every split size
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

    def __init__(self, *, complexity: float = 1.0, max_iter: int = 1000, random_state: int | None = None):
        self.complexity = complexity
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X, y) -> LinearSVM:
        """Train on ``X`` (n_samples, n_features) and ``y`` (n_samples,); returns ``self``."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC
        from sklearn.utils.validation import validate_data

        if not float(self.complexity) > 0:
            raise ParameterError(f"complexity={self.complexity!r}: expected a positive number",
                                 parameter="complexity")
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




def resolve_learner(learner) -> BaseEstimator:
    """The learner an evaluation uses: ``None`` or ``"mlp"`` -> :class:`MLPClassifier`,
    ``"svm"`` -> :class:`LinearSVM`, a scikit-learn classifier -> itself.

    Raises
    ------
    ParameterError
        If ``learner`` is none of these.
    """
    if learner is None or (isinstance(learner, str) and learner.lower() == "mlp"):
        return MLPClassifier()
    if isinstance(learner, str) and learner.lower() == "svm":
        return LinearSVM()
    if not (hasattr(learner, "fit") and hasattr(learner, "predict") and hasattr(learner, "get_params")):
        raise ParameterError(f"learner {learner!r}: expected 'mlp', 'svm' or a scikit-learn classifier",
                             parameter="learner")
    return learner
