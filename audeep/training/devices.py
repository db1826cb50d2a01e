"""Training on several devices of one host with ``tf.distribute.MirroredStrategy``.

``devices`` (:class:`audeep.models.config.TrainingConfig`) names how many devices a
training uses: ``1`` (the default) trains as without this module, with no strategy at all;
``N`` or ``"all"`` takes the first N (or all) GPUs of the host, or, on a host without GPUs,
its CPU devices.  The model is created (or loaded) and compiled in the strategy's scope,
and Keras' ``fit`` splits every batch of ``batch_size`` instances across the devices (the
global batch); the loss and its gradient are those of the whole batch
(:mod:`audeep.models.replicas`).

A CPU is one device unless it is split into logical devices before TensorFlow starts its
devices: set the environment variable ``AUDEEP_CPU_DEVICES=N`` (read when a training starts)
or call :func:`configure_cpu_devices` first.  That is how the tests run several replicas
without a GPU; on a CPU it spreads the work over the same cores and does not speed training.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os

from audeep.errors import ParameterError

__all__ = ["CPU_DEVICES_VARIABLE", "available_devices", "configure_cpu_devices", "device_scope", "select_devices"]

log = logging.getLogger(__name__)

#: Environment variable: split the CPU into this many logical devices when a training starts.
CPU_DEVICES_VARIABLE = "AUDEEP_CPU_DEVICES"


def configure_cpu_devices(count: "int | None" = None) -> "int | None":
    """Split the host's CPU into ``count`` logical devices (before TensorFlow starts its devices).

    Parameters
    ----------
    count : int, optional
        Logical CPU devices; default the environment variable ``AUDEEP_CPU_DEVICES``, and
        nothing is changed when that is not set.

    Returns
    -------
    int or None
        The number of CPU devices in effect; None when nothing was asked (TensorFlow's
        devices are then left alone, not even listed, so its threads can still be set).

    Raises
    ------
    ParameterError
        For a count (or variable) that is not a positive integer.
    """
    import tensorflow as tf

    from audeep._params import positive_int

    if count is None:
        text = os.environ.get(CPU_DEVICES_VARIABLE, "").strip()
        if not text:
            return None
        count = positive_int(CPU_DEVICES_VARIABLE, text)
    else:
        count = positive_int("count", count)
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:  # TensorFlow has started its devices in this process
        found = len(tf.config.list_logical_devices("CPU"))
        if found != count:
            log.warning("TensorFlow has already started %d CPU device(s) in this process: %d logical CPU devices "
                        "can only be set before", found, count)
        return found
    return count


def available_devices() -> list:
    """The names of the devices a training can use: the host's GPUs, or its CPU devices if it has none."""
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]


def select_devices(devices) -> list:
    """The names of the devices that ``devices`` (a count or ``"all"``) asks for.

    Raises
    ------
    ParameterError
        When the host has fewer devices than asked for (the message lists those it has).
    """
    from audeep.models.config import DEVICES_CHECK

    devices = DEVICES_CHECK("devices", devices)
    found = available_devices()
    if devices == "all":
        return found
    if devices > len(found):
        raise ParameterError(f"devices {devices}: this host has {len(found)} device{'s' if len(found) != 1 else ''}: "
                             f"{', '.join(found)}", parameter="devices")
    return found[:devices]


def device_scope(devices) -> contextlib.AbstractContextManager:
    """The context in which a training creates, loads, compiles and fits its model.

    One device (``devices`` 1, or ``"all"`` on a host with one device) gives an empty
    context: no strategy object, exactly a training without this module.  Several give
    the scope of a ``tf.distribute.MirroredStrategy`` over them; the check that the host
    has enough devices happens here, before anything is written.

    Raises
    ------
    ParameterError
        When the host has fewer devices than asked for.
    """
    if devices == 1:
        return contextlib.nullcontext()
    names = select_devices(devices)
    if len(names) == 1:
        return contextlib.nullcontext()
    log.info("training on %d devices: %s", len(names), ", ".join(names))
    return _strategy(tuple(names)).scope()


@functools.lru_cache(maxsize=None)
def _strategy(names: tuple):
    """One strategy per set of devices and process: the collective operations of two strategies
    over the same devices would share keys and mix up their values (seen on CPU devices)."""
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(devices=list(names))
