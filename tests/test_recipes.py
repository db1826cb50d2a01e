"""Named recipes: explicit options win, the run records the recipe, bad names are listed."""

import json

import pytest

from audeep.errors import ParameterError
from audeep.models.config import TimeAutoencoderConfig, TrainingConfig
from audeep.models.corruption import CorruptionConfig
from audeep.models.recipes import RECIPES, merge_recipe, recipe


def test_every_recipe_holds_valid_options():
    for chosen in RECIPES.values():
        TimeAutoencoderConfig(**chosen.architecture)
        TrainingConfig(**chosen.training)
        CorruptionConfig(**chosen.corruption)
    assert recipe(" Paper ").name == "paper"


def test_explicit_options_win_and_bad_names_are_listed():
    merged = merge_recipe("paper", kind="t-rae", architecture={"num_units": 16}, corruption={"mix_prob": 0.5},
                          training={"seed": 3})
    assert merged["architecture"]["num_units"] == 16 and merged["architecture"]["num_layers"] == 2
    assert merged["corruption"] == {"mix_prob": 0.5}
    assert merged["training"] == {**RECIPES["paper"].training, "seed": 3}
    with pytest.raises(ParameterError, match="recipe 'fast': expected one of paper"):
        recipe("fast")
    with pytest.raises(ParameterError, match="not f-rae"):
        merge_recipe("paper", kind="f-rae", architecture={}, corruption={}, training={})


def test_switches_override_a_recipe_both_ways():
    from audeep.cli.autoencoders import TRaeTrain
    from audeep.cli.options import params_from_args

    parser = TRaeTrain(None, None).get_parser("audeep t-rae train")
    argv = ["--input", "x.nc", "--run-name", "r", "--recipe", "predictive"]
    args = parser.parse_args(argv + ["--bidirectional-decoder", "--no-bidirectional-encoder"])
    given = params_from_args(TimeAutoencoderConfig, args)
    assert given == {"bidirectional_decoder": True, "bidirectional_encoder": False}
    assert RECIPES["predictive"].architecture["bidirectional_encoder"] is True
    assert RECIPES["predictive"].architecture["bidirectional_decoder"] is False
    merged = merge_recipe("predictive", kind="t-rae", architecture=given, corruption={}, training={})
    assert merged["architecture"]["bidirectional_decoder"] is True  # the recipe says False
    assert merged["architecture"]["bidirectional_encoder"] is False  # the recipe says True
    assert params_from_args(TimeAutoencoderConfig, parser.parse_args(argv)) == {}  # not given: the recipe's


def test_cli_recipe_fills_in_what_is_not_given(cli, tmp_path):
    pytest.importorskip("tensorflow")
    from conftest import make_dataset

    data = tmp_path / "spectra.nc"
    make_dataset(num_files=4, num_chunks=1, shape=(5, 3)).save(data)
    # a flag given at its default value still wins over the recipe
    result = cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "run", "--recipe", "paper",
                 "--num-units", "16", "--num-layers", "1", "--num-epochs", "1", "--no-progress")
    assert result.status == 0, result
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["recipe"] == "paper"
    assert config["architecture"]["num_units"] == 16 and config["architecture"]["num_layers"] == 1
    assert config["architecture"]["bidirectional_decoder"] is True  # from the recipe
    assert config["training"]["num_epochs"] == 1 and config["training"]["batch_size"] == 64
    result = cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "plain", "--num-epochs", "1",
                 "--no-progress")
    assert result.status == 0, result
    config = json.loads((tmp_path / "plain" / "config.json").read_text())
    assert config["recipe"] is None and config["architecture"]["num_units"] == 16
    assert config["architecture"]["bidirectional_decoder"] is False
    result = cli("t-rae", "train", "--input", data, "--run-name", tmp_path / "bad", "--recipe", "fast")
    assert result.status == 2 and not (tmp_path / "bad").exists()  # argparse lists the recipes
