"""Benchmark: ``mlp evaluate`` and ``svm evaluate`` on random features.

5-fold cross-validation of the MLP (2 × 150 units, 400 full-batch epochs) on 400 × 4096
random features, timed through :func:`audeep.evaluation.evaluate`, against a reference in
the same run: the same Keras network trained by a plain Python loop of
``model.train_on_batch`` (one call per step), with the same standardisation and folds.
The linear SVM is timed as well.  Prints seconds and the ratio reference / audeep.

At 4096 features a step is dominated by the matrix products, so the per-step Python
overhead that audeep removes matters less than at the 1024 features of a typical t-RAE
(2 × 256 GRU, bidirectional decoder); both widths are measured by default.

Usage: ``python benchmarks/bench_evaluate.py [--instances 400] [--features 4096 1024] [--folds 5]
[--epochs 400] [--classes 10]``
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from _machine import describe_machine  # noqa: E402


def make_dataset(*, instances, features, folds, classes, seed=0):
    from audeep.dataset import DataSet

    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, instances)
    fold_of = np.arange(instances) % folds
    return DataSet.create(
        features=rng.normal(size=(instances, features)).astype(np.float32),
        filenames=[f"file_{i:04d}.wav" for i in range(instances)],
        labels_nominal=[f"class_{c:02d}" for c in labels],
        cv_folds=np.stack([fold_of == k for k in range(folds)], axis=1).astype(np.int8),
    )


def reference_mlp(dataset, *, epochs, seed):
    """The same network and folds, trained by one ``train_on_batch`` call per step."""
    import keras
    from sklearn.preprocessing import StandardScaler

    x_all, y_all = dataset.load_features(), dataset.labels_numeric
    accuracies = []
    for k in range(dataset.num_folds):
        train, valid = dataset.fold_indices(k)
        keras.utils.set_random_seed(seed + k)
        scaler = StandardScaler().fit(x_all[train])
        x_train, x_valid = scaler.transform(x_all[train]), scaler.transform(x_all[valid])
        model = keras.Sequential([
            keras.Input(shape=(x_all.shape[1],)),
            keras.layers.Dense(150, activation="relu"), keras.layers.Dropout(0.4),
            keras.layers.Dense(150, activation="relu"), keras.layers.Dropout(0.4),
            keras.layers.Dense(int(y_all.max()) + 1),
        ])
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        for _ in range(epochs):
            model.train_on_batch(x_train, y_all[train])
        predictions = np.argmax(model.predict_on_batch(x_valid), axis=1)
        accuracies.append(float(np.mean(predictions == y_all[valid])))
    return float(np.mean(accuracies))


def timed(function):
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=400)
    parser.add_argument("--features", type=int, nargs="+", default=[4096, 1024])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    print(describe_machine(), flush=True)

    from audeep._tensorflow import import_tensorflow
    from audeep.evaluation import LinearSVM, MLPClassifier, evaluate

    tf, _ = import_tensorflow()  # the thread settings audeep uses, for both contenders
    print(f"MLP 2 x 150, {args.epochs} full-batch epochs, {args.folds} folds, {args.instances} instances, "
          f"{args.classes} classes; {os.cpu_count()} CPU cores, TF intra-op "
          f"{tf.config.threading.get_intra_op_parallelism_threads()}, inter-op "
          f"{tf.config.threading.get_inter_op_parallelism_threads()}")
    # warm-up: TensorFlow start-up is paid by neither contender's timing
    evaluate(make_dataset(instances=40, features=8, folds=2, classes=2),
             learner=MLPClassifier(num_epochs=2), cross_validate=True)
    steps = args.folds * args.epochs
    for width in args.features:
        dataset = make_dataset(instances=args.instances, features=width, folds=args.folds, classes=args.classes)
        t_audeep, res = timed(lambda: evaluate(dataset, learner=MLPClassifier(num_epochs=args.epochs),
                                               cross_validate=True, seed=1))
        t_ref, ref_acc = timed(lambda: reference_mlp(dataset, epochs=args.epochs, seed=1))
        t_svm, svm = timed(lambda: evaluate(dataset, learner=LinearSVM(complexity=0.01), cross_validate=True))
        print(f"[{width} features] audeep mlp evaluate {t_audeep:7.2f} s ({1000 * t_audeep / steps:.2f} ms/step, "
              f"accuracy {res.accuracy:.3f}); reference train_on_batch {t_ref:7.2f} s "
              f"({1000 * t_ref / steps:.2f} ms/step, accuracy {ref_acc:.3f}); ratio {t_ref / t_audeep:.2f}x; "
              f"svm evaluate {t_svm:.2f} s (accuracy {svm.accuracy:.3f}, C 0.01)")

if __name__ == "__main__":
    main()
