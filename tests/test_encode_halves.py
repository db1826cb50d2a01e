"""Generation splits each batch into two halves run at once (XLA on CPU): same features as the model itself."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from audeep.models.autoencoders import TimeAutoencoderModel  # noqa: E402
from audeep.training.features import encode_block  # noqa: E402


@pytest.mark.parametrize("batch", [1, 2, 5])
@pytest.mark.parametrize("padded", [False, True])
def test_encode_block_matches_model_features_for_any_batch(batch, padded):
    keras.utils.set_random_seed(4)
    model = TimeAutoencoderModel(num_features=6, num_units=4, num_layers=2, bidirectional_decoder=True)
    model.build((None, 7, 6))
    rng = np.random.default_rng(batch)
    x = rng.uniform(-1, 1, (batch, 7, 6)).astype(np.float32)
    lengths = np.full(batch, 7, np.int32)
    if padded:
        lengths[0] = 3
    got = encode_block(model, x, lengths, features="both")
    ref = model.features(x, features="both", lengths=lengths if padded else None).numpy()
    assert got.shape == (batch, model.representation_size + model.pooled_size())
    np.testing.assert_allclose(got, ref, atol=1e-5)
