"""``audeep mlp|svm evaluate`` and ``audeep mlp|svm predict``: the built-in classifiers.

The commands parse options and call :mod:`audeep.evaluation` (imported inside
``take_action``, so ``audeep --help`` does not load TensorFlow or scikit-learn).
"""

import logging
from pathlib import Path
from typing import ClassVar

from audeep.cli.options import (
    Lister,
    ShowOne,
    add_input,
    add_output,
    add_partitions,
    add_seed,
    non_negative_int,
    positive_float,
    positive_int,
    probability,
    record,
)

LOG = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------
# option groups
# ----------------------------------------------------------------------------------

def add_mlp_options(parser) -> None:
    """The options of the MLP learner."""
    group = parser.add_argument_group("MLP")
    group.add_argument("--num-layers", type=non_negative_int, default=2, metavar="N", help="hidden layers (default: 2)")
    group.add_argument("--num-units", type=positive_int, default=150, metavar="N",
                       help="units per hidden layer (default: 150)")
    group.add_argument("--keep-prob", type=probability, default=0.6, metavar="P",
                       help="probability of keeping a hidden unit (dropout 1 - P; default: 0.6)")
    group.add_argument("--learning-rate", type=positive_float, default=1e-3, metavar="LR",
                       help="Adam learning rate (default: 0.001)")
    group.add_argument("--num-epochs", type=positive_int, default=400, metavar="N",
                       help="passes over the training split; Adam steps with full batches (default: 400)")
    group.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                       help="instances per step (default: the whole training split)")
    group.add_argument("--shuffle", action="store_true",
                       help="shuffle the training split every epoch (matters only with --batch-size)")


def add_svm_options(parser) -> None:
    """The options of the linear SVM learner."""
    group = parser.add_argument_group("SVM")
    group.add_argument("--complexity", type=positive_float, required=True, metavar="C",
                       help="penalty C of the linear SVM (required)")


def add_training_options(parser, *, train_flag: str = "--train-partitions",
                         eval_flag: str = "--eval-partitions") -> None:
    """Partitions, upsampling, majority vote and seed: shared by evaluate and predict."""
    add_partitions(parser, train_flag, help="train on these partitions (train, devel, test)")
    add_partitions(parser, eval_flag, help="evaluate on these partitions (train, devel, test)")
    parser.add_argument("--upsample", action="store_true",
                        help="balance the classes of the training split by repeating files of smaller classes")
    parser.add_argument("--majority-vote", action="store_true",
                        help="one prediction per file: the most frequent over its chunks (ties: the smallest "
                             "label id); otherwise every chunk counts")
    add_seed(parser)


class _MLP:
    """Mixin: the MLP learner."""

    learner_name = "mlp"

    def add_learner_options(self, parser) -> None:
        add_mlp_options(parser)

    def make_learner(self, args):
        from audeep.evaluation import MLPClassifier

        return MLPClassifier(num_layers=args.num_layers, num_units=args.num_units, keep_prob=args.keep_prob,
                             learning_rate=args.learning_rate, num_epochs=args.num_epochs,
                             batch_size=args.batch_size, shuffle=args.shuffle)


class _SVM:
    """Mixin: the linear SVM learner."""

    learner_name = "svm"

    def add_learner_options(self, parser) -> None:
        add_svm_options(parser)

    def make_learner(self, args):
        from audeep.evaluation import LinearSVM

        return LinearSVM(complexity=args.complexity)


# ----------------------------------------------------------------------------------
# evaluate
# ----------------------------------------------------------------------------------

class _Evaluate(Lister):
    """Score the learner on a data set: accuracy and UAR per fold and repeat, then the mean ±2·std.

    With -q only ``accuracy,uar`` (the means, 4 decimals) is printed.
    """

    #: ``append_results_row(path, ...)`` writes the ``--results`` file; ``evaluate(dataset)`` reads ``--input``
    parameter_flags: ClassVar[dict] = {"path": "--results", "dataset": "--input"}

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser, multiple=True,
                  help="the data set of 1-D features (netCDF); with --cross-validate also one per fold, holding "
                       "the same instances (the inductive protocol: fold k is trained and scored on file k)")
        parser.add_argument("--cross-validate", action="store_true",
                            help="evaluate on every cross-validation fold (train on TRAIN, test on VALID rows)")
        add_training_options(parser)
        parser.add_argument("--repeat", type=positive_int, default=1, metavar="N",
                            help="repeat the evaluation N times and average (default: 1)")
        parser.add_argument("--confusion-matrix", type=Path, metavar="PNG",
                            help="write the normalised confusion matrix (summed over folds and repeats) as PNG")
        parser.add_argument("--results", type=Path, metavar="CSV",
                            help="append a row with the parameters, mean scores and confusion matrix to this CSV "
                                 "file")
        parser.add_argument("--show-confusion-matrix", action="store_true",
                            help="print the confusion matrix (rows: true class, columns: predicted; summed over "
                                 "folds and repeats) instead of the scores per fold")
        self.add_learner_options(parser)
        return parser

    def _evaluate(self, args):
        from contextlib import ExitStack

        from audeep.dataset import DataSet
        from audeep.evaluation import evaluate

        with ExitStack() as stack:
            datasets = [stack.enter_context(DataSet.open(path)) for path in args.input]
            results = evaluate(datasets[0] if len(datasets) == 1 else datasets, learner=self.make_learner(args),
                               cross_validate=args.cross_validate, train_partitions=args.train_partitions,
                               eval_partitions=args.eval_partitions, repeat=args.repeat, upsample=args.upsample,
                               majority_vote=args.majority_vote, seed=args.seed)
        if args.confusion_matrix is not None:
            from audeep.plotting import plot_confusion_matrix

            plot_confusion_matrix(results.confusion_matrix, class_names=results.class_names,
                                  path=args.confusion_matrix,
                                  title=f"{self.learner_name.upper()}: {args.input[0].name}")
            LOG.info("wrote the confusion matrix to %s", args.confusion_matrix)
        if args.results is not None:
            from audeep.evaluation import append_results_row, results_row

            append_results_row(args.results, results_row(results, input=" ".join(map(str, args.input)),
                                                         learner=self.learner_name))
        return results

    def run(self, parsed_args):
        if self.app.options.verbose_level == 0:  # -q: just "accuracy,uar", as the original
            self.configure_progress()
            with self.naming_flags():
                results = self._evaluate(parsed_args)
            self.app.stdout.write(f"{results.accuracy:.4f},{results.uar:.4f}\n")
            return 0
        return super().run(parsed_args)

    def take_action(self, parsed_args):
        results = self._evaluate(parsed_args)
        if parsed_args.show_confusion_matrix:
            return confusion_table(results)
        columns = ("repeat", "fold", "accuracy", "accuracy_2std", "uar", "uar_2std", "train", "eval")
        rows = [(f.repeat, f.fold, round(f.accuracy, 4), "", round(f.uar, 4), "", f.num_train, f.num_eval)
                for f in results.folds]
        rows.append(("mean", "all", round(results.accuracy, 4), round(results.accuracy_2std, 4),
                     round(results.uar, 4), round(results.uar_2std, 4), "", ""))
        return columns, rows


def confusion_table(results) -> tuple:
    """The summed confusion matrix as a table: a ``true`` column, then one column per predicted class."""
    names = [str(n) for n in results.class_names]
    rows = [(name, *(int(c) for c in counts)) for name, counts in zip(names, results.confusion_matrix)]
    return ("true", *names), rows


class MLPEvaluate(_MLP, _Evaluate):
    """Score an MLP on a data set of learned features: accuracy and UAR per fold, mean ±2·std."""


class SVMEvaluate(_SVM, _Evaluate):
    """Score a linear SVM on a data set of learned features: accuracy and UAR per fold, mean ±2·std."""


# ----------------------------------------------------------------------------------
# predict
# ----------------------------------------------------------------------------------

class _Predict(ShowOne):
    """Train on a labelled data set and write the predicted label of every file of another as CSV."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("--train-input", type=Path, required=True, metavar="FILE",
                            help="the labelled training data set (netCDF)")
        parser.add_argument("--eval-input", type=Path, required=True, metavar="FILE",
                            help="the data set to label (netCDF; its labels are ignored)")
        add_output(parser, help="the CSV file to write: filename,prediction (with a chunk_nr column when "
                                "files have several chunks and --majority-vote is not given)")
        add_training_options(parser)
        self.add_learner_options(parser)
        return parser

    def take_action(self, parsed_args):
        from audeep.dataset import DataSet
        from audeep.evaluation import predict, write_predictions

        with DataSet.open(parsed_args.train_input) as train, DataSet.open(parsed_args.eval_input) as other:
            table = predict(train, other, learner=self.make_learner(parsed_args),
                            train_partitions=parsed_args.train_partitions,
                            eval_partitions=parsed_args.eval_partitions, upsample=parsed_args.upsample,
                            majority_vote=parsed_args.majority_vote, seed=parsed_args.seed)
        write_predictions(table, parsed_args.output)
        LOG.info("wrote %d predictions to %s", len(table), parsed_args.output)
        return record(output=parsed_args.output, predictions=len(table),
                      files=len(set(table["filename"].tolist())), learner=self.learner_name)


class MLPPredict(_MLP, _Predict):
    """Train an MLP on a labelled data set and write predicted labels for another as CSV."""


class SVMPredict(_SVM, _Predict):
    """Train a linear SVM on a labelled data set and write predicted labels for another as CSV."""
