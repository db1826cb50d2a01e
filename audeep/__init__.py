"""audeep: unsupervised representation learning from audio with recurrent autoencoders.

A re-implementation of auDeep (Freitag et al., JMLR 2018) on TensorFlow 2 / Keras 3.
The public API is re-exported here; heavy modules (TensorFlow) are imported only when
one of their names is first used, so ``import audeep`` stays fast.
"""

from importlib import import_module

from audeep._tensorflow import quiet_tensorflow_import as _quiet_tensorflow_import

__version__ = "1.0.0"

_quiet_tensorflow_import()  # TensorFlow's start-up messages stay off stderr (audeep._tensorflow)

# public name -> module that defines it (imported on first use)
_EXPORTS = {
    "AudeepError": "audeep.errors",
    "ParameterError": "audeep.errors",
    "DataSetError": "audeep.errors",
    "AudioError": "audeep.errors",
    "ModelError": "audeep.errors",
    "DataSet": "audeep.dataset.core",
    "DataSetWriter": "audeep.dataset.writer",
    "Partition": "audeep.dataset.schema",
    "Split": "audeep.dataset.schema",
    "Violation": "audeep.dataset.integrity",
    "extract_spectrograms": "audeep.preprocessing.extract",
    "spectrogram_from_file": "audeep.preprocessing.extract",
    "SpectrogramOptions": "audeep.preprocessing.options",
    "ChannelMode": "audeep.preprocessing.audio",
    "Parser": "audeep.preprocessing.parsers.base",
    "InstanceMetadata": "audeep.preprocessing.parsers.base",
    "export": "audeep.dataset.tables",
    "import_dataset": "audeep.dataset.tables_import",
    "ExportFormat": "audeep.dataset.tables",
    "add_cv_setup": "audeep.dataset.api",
    "remove_cv_setup": "audeep.dataset.api",
    "add_partitioning": "audeep.dataset.api",
    "remove_partitioning": "audeep.dataset.api",
    "fuse": "audeep.dataset.api",
    "fuse_chunks": "audeep.dataset.api",
    "upsample": "audeep.dataset.api",
    "tsne_embedding": "audeep.dataset.transforms",
    "plot_tsne": "audeep.plotting",
    "evaluate": "audeep.evaluation",
    "predict": "audeep.evaluation",
    "MLPClassifier": "audeep.evaluation",
    "LinearSVM": "audeep.evaluation",
    "EvaluationResults": "audeep.evaluation",
    "TimeAutoencoder": "audeep.estimators",
    "FrequencyAutoencoder": "audeep.estimators",
    "FrequencyTimeAutoencoder": "audeep.estimators",
    "TimeAutoencoderConfig": "audeep.models.config",
    "FrequencyAutoencoderConfig": "audeep.models.config",
    "FrequencyTimeAutoencoderConfig": "audeep.models.config",
    "TrainingConfig": "audeep.models.config",
    "train_autoencoder": "audeep.training",
    "generate_features": "audeep.training",
    "encode_dataset": "audeep.training",
    "Extractor": "audeep.training.extraction",
    "load_extractor": "audeep.training.extraction",
    "extract_features": "audeep.training.extraction",
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
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + list(_EXPORTS))


__all__ = ["__version__"] + sorted(_EXPORTS)
