"""The per-epoch work of a training run: checkpoint, history, TensorBoard, progress bar, loss plot.

TensorBoard summaries are written with TensorFlow alone (no ``tensorboard`` package needed).
"""

from __future__ import annotations

import logging
import math
import time

from audeep._atomic import atomic_path
from audeep.errors import ModelError
from audeep.training.runs import LOSS_PLOT_NAME, checkpoint_path, finite_weights, prune_checkpoints, write_history

__all__ = ["make_run_callback"]

log = logging.getLogger(__name__)


def _summary_metadata(plugin: str, data_class: int):
    from tensorflow.core.framework import summary_pb2

    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    meta.data_class = data_class
    return meta.SerializeToString()


def _summary_scalar(tag: str, value: float, step: int) -> None:
    """A TensorBoard scalar."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    tf.summary.write(tag, tf.constant(value, tf.float32), step=step,
                     metadata=_summary_metadata("scalars", summary_pb2.DATA_CLASS_SCALAR))


def _summary_image(tag: str, images, step: int) -> None:
    """TensorBoard images from floats in [0, 1], shape [k, height, width, 1]."""
    import tensorflow as tf
    from tensorflow.core.framework import summary_pb2

    pixels = tf.cast(tf.round(images * 255.0), tf.uint8)
    pngs = [tf.io.encode_png(pixels[i]) for i in range(pixels.shape[0])]
    shape = tf.shape(pixels)
    tensor = tf.stack([tf.strings.as_string(shape[2]), tf.strings.as_string(shape[1])] + pngs)
    tf.summary.write(tag, tensor, step=step, metadata=_summary_metadata("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE))


def _preview_image(model, preview):
    """Target (left) and reconstruction (right) of a few spectrograms, low frequencies at the bottom."""
    import tensorflow as tf

    recon = model(preview, training=False)
    pair = tf.concat([model.target(preview), recon], axis=1)  # [k, 2 time, freq]
    image = tf.transpose((pair + 1.0) / 2.0, [0, 2, 1])[:, ::-1, :, None]
    return tf.clip_by_value(image, 0.0, 1.0)


def check_diverged(model, *, epoch: int, loss: float) -> None:
    """Raise if the training diverged: a non-finite loss or weights after ``epoch`` (1-based).

    Raises
    ------
    ModelError
        Naming the epoch; its checkpoint must not be written.
    """
    if math.isfinite(loss) and finite_weights(model):
        return
    what = f"the loss is {loss}" if not math.isfinite(loss) else "the weights are NaN or infinite"
    raise ModelError(f"epoch {epoch}: {what}: the training diverged and stopped without a checkpoint of this "
                     "epoch; try a smaller learning_rate, or check the range of the input values",
                     parameter="learning_rate")


def make_run_callback(*, run_dir, history: list, keep: "int | None", steps: int, progress: bool, preview):
    """A Keras callback that records every epoch of a run in ``run_dir``.

    Parameters
    ----------
    run_dir : pathlib.Path
    history : list of dict
        The run's history so far; a row is appended per epoch.
    keep : int, optional
        Keep only the newest checkpoints.
    steps : int
        Batches per epoch (for the progress bar).
    progress : bool
        Show a progress bar per epoch on stderr.
    preview : array [k, time, freq], optional
        Spectrograms whose reconstructions are logged as TensorBoard images.

    Returns
    -------
    keras.callbacks.Callback
        With ``seconds``: the wall time of each epoch trained.  It raises
        :class:`~audeep.errors.ModelError` at the end of an epoch whose loss or weights are
        not finite (:func:`check_diverged`), before that epoch's checkpoint is written.
    """
    import keras
    import tensorflow as tf

    from audeep.plotting import plot_loss_curve

    class _RunCallback(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.writer = tf.summary.create_file_writer(str(run_dir / "logs"))
            self.bar = None
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()
            if progress:
                from audeep._progress import Progress  # a bar on a terminal, log records otherwise

                self.bar = Progress(steps, desc=f"epoch {epoch + 1}", unit="batch")

        def on_train_batch_end(self, batch, logs=None):
            if self.bar is not None:
                self.bar.update(1)
                if batch % 5 == 0 and logs and "loss" in logs:
                    self.bar.set_postfix(loss=f"{float(logs['loss']):.4f}")

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.start
            self.seconds.append(seconds)
            loss = float(logs["loss"])
            lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
            if self.bar is not None:
                self.bar.set_postfix(loss=f"{loss:.4f}")
                self.bar.close()
            number = epoch + 1
            check_diverged(self.model, epoch=number, loss=loss)
            with atomic_path(checkpoint_path(run_dir, number), suffix=".keras") as tmp:
                self.model.save(tmp)
            prune_checkpoints(run_dir, keep=keep)
            history.append({"epoch": number, "loss": loss, "learning_rate": lr, "seconds": seconds})
            write_history(run_dir, history)
            with self.writer.as_default(step=number):
                _summary_scalar("loss", loss, number)
                _summary_scalar("learning_rate", lr, number)
                if preview is not None:
                    _summary_image("target_and_reconstruction", _preview_image(self.model, preview), number)
            self.writer.flush()
            log.info("epoch %d: loss %.5f (%.1f s)", number, loss, seconds)

        def on_train_end(self, logs=None):
            # drawn once (matplotlib costs a noticeable part of a short epoch); history.csv has every epoch
            if history:
                plot_loss_curve([r["epoch"] for r in history], [r["loss"] for r in history],
                                run_dir / LOSS_PLOT_NAME)

    return _RunCallback()
