"""How recognisable a fold model makes the clips it did not see (issue 17's inductive gap).

For each fold k, a logistic regression (standardised features, C 0.01) learns to tell fold k's
clips (VALID in ``cv_folds``) from the others on the features of fold model k; the printed
figure is its ROC AUC under a seeded 5-fold cross-validation. 0.5: the held-out clips look like
the training clips; the untrained network's features give the folds' own differences.

Usage: python benchmarks/heldout_separability.py --input fold1-layers.nc ... foldK-layers.nc
       [--input2 untrained-layers.nc]  # one file for all folds, printed beside
"""

import argparse
import functools

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from audeep.dataset import DataSet
from audeep.dataset.schema import Split


@functools.lru_cache(maxsize=2)  # a fold's file and --input2's: the latter is read once for all folds
def _load(path):
    """``(features [instance, -1], cv_folds [instance, fold])`` of ``path``."""
    with DataSet.open(path) as data:
        return data.load_features().reshape(data.num_instances, -1), np.asarray(data.cv_folds)


def separability(path, fold: int) -> float:
    """Cross-validated ROC AUC of telling fold ``fold``'s VALID clips from the rest in ``path``."""
    features, cv_folds = _load(str(path))
    held_out = (cv_folds[:, fold] == Split.VALID).astype(int)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    scores = cross_val_score(model, features, held_out, scoring="roc_auc",
                             cv=StratifiedKFold(5, shuffle=True, random_state=0))
    return float(scores.mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--input", nargs="+", required=True, help="fold k's model's features, k = 1, 2, ...")
    parser.add_argument("--input2", help="features of one model for every fold (e.g. the untrained network)")
    args = parser.parse_args()
    print("fold,auc" + (",auc_input2" if args.input2 else ""))
    for fold, path in enumerate(args.input):
        row = [fold + 1, f"{separability(path, fold):.3f}"]
        if args.input2:
            row.append(f"{separability(args.input2, fold):.3f}")
        print(",".join(map(str, row)))


if __name__ == "__main__":
    main()
