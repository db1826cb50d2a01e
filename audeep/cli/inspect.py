"""``audeep inspect netcdf``: what a data set file holds."""

import numpy as np

from audeep.cli.options import ShowOne, add_input, non_negative_int
from audeep.dataset import MISSING, DataSet, Partition
from audeep.errors import ParameterError


def describe(dataset: DataSet) -> dict:
    """Summary of a data set as an ordered mapping of field -> value (for ``inspect netcdf``)."""
    _, per_file = np.unique(dataset.filenames, return_counts=True)
    info = {
        "file": str(dataset.path) if dataset.path else "",
        "instances": dataset.num_instances,
        "files": int(per_file.size),
        "chunks per file": ", ".join(str(c) for c in np.unique(per_file)) or "0",
        "feature dims": ", ".join(f"{d}={s}" for d, s in zip(dataset.feature_dims, dataset.feature_shape)),
        "folds": dataset.num_folds,
        "partitions": _partition_counts(dataset),
        "labels": _label_state(dataset),
        "classes": ", ".join(dataset.class_names),
        "variable length": dataset.lengths is not None,
    }
    for key in ("audeep_version", "command", "created"):
        if key in dataset.attrs:
            info[key.replace("_", " ")] = dataset.attrs[key]
    return info


def _partition_counts(dataset: DataSet) -> str:
    parts = dataset.partitions
    if parts is None:
        return "none"
    counts = [f"{p.name.lower()}={int((parts == p).sum())}" for p in Partition if (parts == p).any()]
    missing = int((parts == MISSING).sum())
    if missing:
        counts.append(f"missing={missing}")
    return ", ".join(counts)


def _label_state(dataset: DataSet) -> str:
    labels = dataset.labels_numeric
    if labels is None:
        return "none"
    missing = int((labels == MISSING).sum())
    return "complete" if missing == 0 else f"partial ({missing} missing)"


def fold_details(dataset: DataSet) -> dict:
    """Train/valid instance counts per fold and class."""
    details = {}
    nominal = dataset.labels_nominal
    for fold in range(dataset.num_folds):
        for split, idx in zip(("train", "valid"), dataset.fold_indices(fold)):
            text = str(idx.size)
            if nominal is not None:
                names, counts = np.unique([str(n) for n in nominal[idx]], return_counts=True)
                text += " (" + ", ".join(f"{n}: {c}" for n, c in zip(names, counts)) + ")"
            details[f"fold {fold + 1} {split}"] = text
    return details


def instance_details(dataset: DataSet, index: int) -> dict:
    """Metadata and feature statistics of one instance."""
    if index >= dataset.num_instances:
        raise ParameterError(f"--instance {index}: the data set has {dataset.num_instances} instances "
                             f"(0..{dataset.num_instances - 1})")
    feats = dataset.load_features([index])[0]
    parts = dataset.partitions
    info = {
        "instance": index,
        "filename": dataset.filenames[index],
        "chunk nr": int(dataset.chunk_nrs[index]),
        "label nominal": None if dataset.labels_nominal is None else dataset.labels_nominal[index],
        "label numeric": None if dataset.labels_numeric is None else int(dataset.labels_numeric[index]),
        "partition": None if parts is None or parts[index] == MISSING else Partition(int(parts[index])).name.lower(),
        "cv folds": " ".join("valid" if v else "train" for v in dataset.cv_folds[index]),
        "feature shape": "x".join(str(s) for s in feats.shape),
        "feature min": float(np.min(feats)) if feats.size else None,
        "feature max": float(np.max(feats)) if feats.size else None,
        "feature mean": float(np.mean(feats)) if feats.size else None,
    }
    if dataset.lengths is not None:
        info["length"] = int(dataset.lengths[index])
    return info


class InspectNetCDF(ShowOne):
    """Show what a data set file holds: instances, feature shape, labels, folds, partitions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_input(parser)
        parser.add_argument("--instance", type=non_negative_int, metavar="I",
                            help="also show the metadata and feature statistics of instance I")
        parser.add_argument("--detailed-folds", action="store_true",
                            help="show train/valid counts per fold and class")
        return parser

    def take_action(self, parsed_args):
        with DataSet.open(parsed_args.input) as dataset:
            info = describe(dataset)
            if parsed_args.detailed_folds:
                info.update(fold_details(dataset))
            if parsed_args.instance is not None:
                info.update(instance_details(dataset, parsed_args.instance))
        return tuple(info.keys()), tuple(info.values())
