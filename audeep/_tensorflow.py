"""The TensorFlow runtime in one place: thread pools, the XLA choice, devices.

Training (recurrent autoencoders), feature generation and the MLP learner all import
TensorFlow through here, so thread settings are chosen by one rule and set once per
process.  Importing this module does not import TensorFlow; each function does.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import logging
import os
import sys

__all__ = ["configure_threads", "cpu_cores", "default_threads", "import_tensorflow", "quiet_tensorflow_import",
           "use_xla"]

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null (C++ libraries write there directly)."""
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder):
    """Silence TensorFlow's start-up messages, which since TF 2.18 ignore TF_CPP_MIN_LOG_LEVEL.

    A one-shot import hook: the first import of ``keras`` or ``tensorflow`` (whichever comes
    first) runs with stderr silenced; code that never uses TensorFlow never imports it.
    """

    NAMES = ("tensorflow", "keras")

    def find_spec(self, name, path=None, target=None):
        if name not in self.NAMES:
            return None
        quiet_tensorflow_import(False)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            with _stderr_silenced():
                run(module)

        spec.loader.exec_module = exec_module
        return spec


def quiet_tensorflow_import(quiet: "bool | None" = None) -> None:
    """Silence (or not) TensorFlow's start-up messages on stderr when TensorFlow is first imported.

    ``import audeep`` calls this with the default: quiet unless the environment sets
    ``TF_CPP_MIN_LOG_LEVEL=0`` (all of TensorFlow's messages wanted); the command line passes
    False with ``-v -v``. Nothing happens once TensorFlow has been imported.
    """
    if quiet is None:
        quiet = os.environ.get("TF_CPP_MIN_LOG_LEVEL") != "0"
        if quiet:  # and its C++ messages when devices start (read when TensorFlow is imported)
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    hooks = [h for h in sys.meta_path if isinstance(h, _QuietTensorFlowImport)]
    if not quiet:
        for hook in hooks:
            sys.meta_path.remove(hook)
    elif not hooks and not any(name in sys.modules for name in _QuietTensorFlowImport.NAMES):
        sys.meta_path.insert(0, _QuietTensorFlowImport())


def cpu_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_threads() -> tuple[int, int]:
    """(intra-op, inter-op) threads for training the recurrent autoencoders on this machine.

    On up to 2 cores, intra-op 1 / inter-op 2 trained the GRU autoencoder 1.18x faster
    than TensorFlow's default on an AMD EPYC, and an ESC-10 epoch 1.27x faster than intra-op 2
    on an Intel Xeon with AVX-512 / AMX (docs/benchmarks.md); on more cores TensorFlow's own
    choice (0, 0) is kept.
    """
    return (1, 2) if cpu_cores() <= 2 else (0, 0)


def configure_threads(threads: int | None = None) -> tuple[int, int]:
    """Set TensorFlow's thread pools (before TensorFlow runs its first operation).

    Parameters
    ----------
    threads : int, optional
        Intra-op threads (inter-op then 2); default :func:`default_threads`.

    Returns
    -------
    (int, int)
        The intra-op and inter-op settings in effect (those already set when TensorFlow
        has run before in this process).
    """
    import tensorflow as tf

    intra, inter = default_threads() if threads is None else (int(threads), 2)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(intra)
        tf.config.threading.set_inter_op_parallelism_threads(inter)
    except RuntimeError:  # already initialised in this process (tests, notebooks)
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        inter = tf.config.threading.get_inter_op_parallelism_threads()
        log.debug("TensorFlow already initialised; keeping %d intra-op / %d inter-op threads", intra, inter)
    return intra, inter


_CONFIGURED = False


def import_tensorflow(*, threads: int | None = None):
    """TensorFlow and Keras, the thread pools set on the first call of the process.

    Parameters
    ----------
    threads : int, optional
        Intra-op threads for the first call; default ``os.cpu_count()`` (dense models use
        every core, unlike the recurrent autoencoders, see :func:`default_threads`).

    Returns
    -------
    (module, module)
        ``tensorflow`` and ``keras``.
    """
    global _CONFIGURED
    import tensorflow as tf

    if not _CONFIGURED:
        _CONFIGURED = True
        configure_threads(threads if threads is not None else (os.cpu_count() or 1))
    import keras

    return tf, keras


#: XLA compiles the encoder for each batch shape, 1-3 s each on 2 cores (ESC-10's 2 x 256 GRU);
#: its faster encoding (1.4-1.6x) pays that back from about 1,000-2,000 instances
#: (benchmarks/bench_generate.py --cold)
XLA_MIN_INSTANCES = 2_000


def use_xla(num_instances: int) -> bool:
    """Whether to XLA-compile the encoder for ``num_instances`` spectrograms: on CPU from
    :data:`XLA_MIN_INSTANCES` on (smaller sets encode faster than XLA compiles), never on GPU
    (cuDNN kernels cannot be XLA-compiled)."""
    import tensorflow as tf

    return num_instances >= XLA_MIN_INSTANCES and not tf.config.list_logical_devices("GPU")
