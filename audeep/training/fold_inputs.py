"""The training rows of a run: all instances, or the TRAIN rows of one cross-validation fold.

``train --fold K`` (``fold=K``) trains on the instances that fold ``K`` marks TRAIN (the
inductive protocol: the autoencoder never sees that fold's VALID rows).  The fold is recorded
in the run's ``config.json``; a continued run reads it from there, so ``--continue`` trains on
the same rows.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from audeep.dataset.subsets import fold_training_set
from audeep.errors import ParameterError

__all__ = ["fold_inputs"]


def fold_inputs(datasets: list, *, training, run_dir, resume: bool) -> tuple:
    """The training configuration and data sets of a run, restricted to its fold.

    Parameters
    ----------
    datasets : list of DataSet
        The training inputs, each of shape (n_instances, time, freq).
    training : TrainingConfig
        Its ``fold`` (1-based, or None for all instances) selects the rows.
    run_dir : path-like
    resume : bool
        A continued run: the fold recorded in ``run_dir`` is used (``fold`` None), or must
        equal ``fold``.

    Returns
    -------
    (TrainingConfig, list of DataSet)
        The configuration (with the run's fold when resuming) and the selected rows, each
        of shape (n_train, time, freq).

    Raises
    ------
    ParameterError, DataSetError
        For a fold out of range, data without folds, or a fold that differs from the run's.
    """
    if resume:
        from audeep.training.runs import read_run_config

        recorded = read_run_config(Path(run_dir)).get("training", {}).get("fold")
        if training.fold is None:
            training = dataclasses.replace(training, fold=recorded)
        elif training.fold != recorded:
            trained_on = "all instances" if recorded is None else f"fold {recorded}"
            raise ParameterError(f"fold {training.fold}: the run in {run_dir} was trained on {trained_on}; "
                                 "continue it without fold, or with the same fold", parameter="fold")
    if training.fold is None:
        return training, datasets
    return training, [fold_training_set(ds, fold=training.fold) for ds in datasets]
