"""Training the autoencoders and generating features from trained runs.

* :mod:`audeep.training.runs` — the run directory contract (config, checkpoints, history, lock);
* :mod:`audeep.training.inputs` — ``tf.data`` input from data sets;
* :mod:`audeep.training.train` — the fit loop, resuming;
* :mod:`audeep.training.callbacks` — per-epoch checkpoint, history, TensorBoard, plots;
* :mod:`audeep.training.features` — features from a run (``generate``).

Importing this package does not import TensorFlow.
"""

from audeep.training.features import encode_dataset, generate_features, write_features
from audeep.training.runs import (
    CONFIG_NAME,
    list_checkpoints,
    load_autoencoder,
    load_checkpoint,
    read_history,
    read_run_config,
)
from audeep.training.train import TrainingResult, train_autoencoder

__all__ = [
    "CONFIG_NAME",
    "TrainingResult",
    "encode_dataset",
    "generate_features",
    "list_checkpoints",
    "load_autoencoder",
    "load_checkpoint",
    "read_history",
    "read_run_config",
    "train_autoencoder",
    "write_features",
]
