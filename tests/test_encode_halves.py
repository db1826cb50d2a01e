"""The encoder of ``generate``: plain, or XLA-compiled with each batch split into two halves run at once
(on CPU, for large data sets): the same features as the model itself."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from audeep._tensorflow import XLA_MIN_INSTANCES, use_xla  # noqa: E402
from audeep.models.autoencoders import TimeAutoencoderModel  # noqa: E402
from audeep.training.features import encode_block  # noqa: E402


@pytest.mark.parametrize("xla", [False, True])
@pytest.mark.parametrize("batch", [1, 2, 5])
@pytest.mark.parametrize("padded", [False, True])
def test_encode_block_matches_model_features_for_any_batch(batch, padded, xla):
    keras.utils.set_random_seed(4)
    model = TimeAutoencoderModel(num_features=6, num_units=4, num_layers=2, bidirectional_decoder=True)
    model.build((None, 7, 6))
    rng = np.random.default_rng(batch)
    x = rng.uniform(-1, 1, (batch, 7, 6)).astype(np.float32)
    lengths = np.full(batch, 7, np.int32)
    if padded:
        lengths[0] = 3
    got = encode_block(model, x, lengths, features="both", xla=xla)
    ref = model.features(x, features="both", lengths=lengths if padded else None).numpy()
    assert got.shape == (batch, model.representation_size + model.pooled_size())
    np.testing.assert_allclose(got, ref, atol=1e-5)
    (encoder,) = model.__dict__["_audeep_encoders"].values()
    assert uses_xla(encoder) == xla


def uses_xla(function) -> bool:
    """Whether a compiled encoder is, or calls (the halves), an XLA-compiled ``tf.function``."""
    called = [cell.cell_contents for cell in function.python_function.__closure__ or ()]
    return any(bool(getattr(f, "_jit_compile", False)) for f in [function, *called])


def test_xla_only_for_data_sets_large_enough_to_pay_for_its_compilation():
    assert not use_xla(1) and not use_xla(XLA_MIN_INSTANCES - 1)
    assert use_xla(XLA_MIN_INSTANCES) == (not tf.config.list_logical_devices("GPU"))
