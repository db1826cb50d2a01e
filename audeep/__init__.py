"""audeep: unsupervised representation learning from audio with recurrent autoencoders.

A re-implementation of auDeep (Freitag et al., JMLR 2018) on TensorFlow 2 / Keras 3.
The public API is re-exported here; heavy modules (TensorFlow) are imported only when
one of their names is first used, so ``import audeep`` stays fast.
"""

from importlib import import_module

__version__ = "1.0.0"

# public name -> module that defines it (imported on first use)
_EXPORTS = {
    "AudeepError": "audeep.errors",
    "ParameterError": "audeep.errors",
    "DataSetError": "audeep.errors",
    "AudioError": "audeep.errors",
    "ModelError": "audeep.errors",
    "DataSet": "audeep.dataset",
    "DataSetWriter": "audeep.dataset",
    "Partition": "audeep.dataset",
    "Split": "audeep.dataset",
    "Violation": "audeep.dataset",
    "extract_spectrograms": "audeep.extract",
    "spectrogram_from_file": "audeep.extract",
    "SpectrogramOptions": "audeep.extract",
    "ChannelMode": "audeep.audio",
    "Parser": "audeep.parsers.base",
    "InstanceMetadata": "audeep.parsers.base",
    "export": "audeep.export",
    "import_dataset": "audeep.export",
    "ExportFormat": "audeep.export",
    "add_cv_setup": "audeep.transforms",
    "remove_cv_setup": "audeep.transforms",
    "add_partitioning": "audeep.transforms",
    "remove_partitioning": "audeep.transforms",
    "fuse": "audeep.transforms",
    "fuse_chunks": "audeep.transforms",
    "upsample": "audeep.transforms",
    "tsne_embedding": "audeep.transforms",
    "plot_tsne": "audeep.plotting",
    "evaluate": "audeep.evaluation",
    "predict": "audeep.evaluation",
    "MLPClassifier": "audeep.evaluation",
    "LinearSVM": "audeep.evaluation",
    "EvaluationResults": "audeep.evaluation",
    "TimeAutoencoder": "audeep.training",
    "FrequencyAutoencoder": "audeep.training",
    "FrequencyTimeAutoencoder": "audeep.training",
    "train_autoencoder": "audeep.training",
    "generate_features": "audeep.generate",
    "plot_loss_curve": "audeep.plotting",
    "plot_confusion_matrix": "audeep.plotting",
    "plot_spectrogram": "audeep.plotting",
    "make_demo_dataset": "audeep.demo",
    "run_demo": "audeep.demo",
}


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'audeep' has no attribute {name!r}")
    imported = import_module(module)
    # ``audeep.export`` is a callable module (see audeep/export.py): the module itself
    value = imported if module == f"{__name__}.{name}" else getattr(imported, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = ["__version__"] + sorted(_EXPORTS)
