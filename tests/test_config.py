"""Parameters declared once (audeep.models.config): every field has a flag, and its value survives
CLI -> config.json -> estimator -> Keras config -> reload.  Also: library messages name no flags,
and the CLI writes flags in their place."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from audeep._params import (
    boolean,
    keep_probability,
    non_negative_int,
    one_of,
    optional_positive_int,
    params_of,
    positive_float,
    positive_int,
    probability,
    seed,
)
from audeep.cli.options import name_flags
from audeep.errors import ParameterError
from audeep.models.config import MODEL_CONFIGS, TimeAutoencoderConfig, TrainingConfig, config_class
from audeep.models.corruption import CorruptionConfig

PACKAGE = Path(__file__).resolve().parent.parent / "audeep"
KINDS = tuple(MODEL_CONFIGS)


def _train_parser(kind):
    from audeep.cli.autoencoders import FRaeTrain, FtRaeTrain, TRaeTrain

    cls = {"t-rae": TRaeTrain, "f-rae": FRaeTrain, "ft-rae": FtRaeTrain}[kind]
    return cls(None, None).get_parser(f"audeep {kind} train")


def _other_value(field):
    """A valid value different from the field's default."""
    check, default = field.metadata["check"], field.default
    if field.name == "num_epochs":
        return 1
    if field.name == "devices":
        return "all"  # one device in this process: trains as the default (tests/test_devices.py: several)
    if check is boolean:
        return not default
    if check is positive_int:  # small, to keep the models tiny
        return 2 if default != 2 else 1
    if check is non_negative_int:
        return 1 if default != 1 else 0
    if check is optional_positive_int:
        return 1 if field.name == "threads" else 3
    if check is seed:
        return default + 7
    if check is positive_float:
        return default * 2
    if check is probability:
        return 0.25
    if check is keep_probability:
        return 0.5
    choices = check.choices
    return next(c for c in choices if c != default)


def _flag_args(parser, values):
    flags = {a.dest: a for a in parser._actions if a.option_strings}
    argv = []
    for name, value in values.items():
        action = flags[name]
        if isinstance(value, bool):
            if value != action.default:
                argv.append(action.option_strings[0])
        else:
            argv += [action.option_strings[0], str(value)]
    return argv


@pytest.mark.parametrize("kind", KINDS)
def test_every_parameter_has_a_flag_with_its_default(kind):
    from audeep.cli.options import UNSET, params_from_args

    parser = _train_parser(kind)
    args = parser.parse_args(["--input", "x.nc", "--run-name", "r"])
    for cls in (config_class(kind), TrainingConfig, CorruptionConfig):
        for field in params_of(cls):
            assert hasattr(args, field.name), f"{cls.__name__}.{field.name} has no flag"
            # a flag not given is UNSET, so that --recipe can fill it in; the declaration's default applies
            assert getattr(args, field.name) is UNSET, field.name
        assert params_from_args(cls, args) == {}
        assert cls(**params_from_args(cls, args)).values() == cls().values()


@pytest.mark.parametrize("kind", KINDS)
def test_parser_reads_every_parameter(kind):
    parser = _train_parser(kind)
    values = {f.name: _other_value(f) for cls in (config_class(kind), TrainingConfig) for f in params_of(cls)}
    args = parser.parse_args(["--input", "x.nc", "--run-name", "r", *_flag_args(parser, values)])
    for name, value in values.items():
        assert getattr(args, name) == value, name


def test_building_the_parsers_imports_no_tensorflow():
    code = ("import sys\nfrom audeep.cli.autoencoders import TRaeTrain, FtRaeTrain\n"
            "for c in (TRaeTrain, FtRaeTrain):\n    c(None, None).get_parser('x').parse_args(['--input', 'a', "
            "'--run-name', 'r', '--num-units', '3'] if c is TRaeTrain else ['--input', 'a', '--run-name', 'r'])\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_checks_name_the_parameter():
    with pytest.raises(ParameterError, match=r"^num_units 0: expected a positive integer$") as info:
        TimeAutoencoderConfig(num_units=0)
    assert info.value.parameters == ("num_units",)
    with pytest.raises(ParameterError, match="keep_prob 0.0: expected a keep probability"):
        TimeAutoencoderConfig(keep_prob=0.0)
    assert TimeAutoencoderConfig(cell="lstm").cell == "LSTM"
    with pytest.raises(ParameterError, match="decoder 'fancy': expected one of paper, standard"):
        TimeAutoencoderConfig(decoder="fancy")
    with pytest.raises(ParameterError, match="freq_window_overlap 32"):
        config_class("f-rae")(freq_window_overlap=32)
    assert one_of(("a", "b"))("x", " A ") == "a"


def test_name_flags_replaces_whole_words_only():
    flags = {"run_dir": "--run-name", "resume": "--continue", "output": "--output"}
    assert name_flags("run_dir r: set resume to continue; run_dirs", ["run_dir", "resume"],
                      flags) == "--run-name r: set --continue to continue; run_dirs"
    # the first mention is the parameter; a later one is a value (a folder called "output")
    assert name_flags("output output/x.nc: the folder output does not exist", ["output"], flags) == \
        "--output output/x.nc: the folder output does not exist"
    assert name_flags("num_units 0", ["num_units"], {}) == "num_units 0"
    assert name_flags("/a/mode/b.wav: mode 3 (mode.wav)", ["mode"], {"mode": "--channels"}) == \
        "/a/mode/b.wav: --channels 3 (mode.wav)"


def _raise_messages():
    """(file, line, text) of every string in a ``raise`` statement of the library (not the CLI)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if "cli" in path.relative_to(PACKAGE).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                for sub in ast.walk(node.exc):
                    if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                        yield path.relative_to(PACKAGE.parent), node.lineno, sub.value


def test_library_messages_name_no_flags():
    found = [f"{path}:{line}: {text!r}" for path, line, text in _raise_messages() if "--" in text]
    assert not found, "library errors name parameters, not flags:\n" + "\n".join(found)


def test_the_cli_names_flags_for_library_parameters(cli, tmp_path):
    from conftest import make_dataset

    path = make_dataset(num_files=3, num_chunks=1).save(tmp_path / "d.nc")
    res = cli("t-rae", "generate", "--model-dir", tmp_path / "missing", "--input", path, "--output", tmp_path / "o.nc")
    assert res.status == 1 and "error: --model-dir " in res.stderr and "no such run directory" in res.stderr


# ---------------------------------------------------------------- the walk through every layer
@pytest.mark.parametrize("kind", KINDS)
def test_field_walk_cli_config_estimator_keras_reload(cli, tmp_path, kind):
    pytest.importorskip("tensorflow")
    import audeep
    from audeep.dataset import DataSet
    from audeep.models.autoencoders import model_class
    from audeep.training import load_autoencoder

    arch = {f.name: _other_value(f) for f in params_of(config_class(kind))}
    training = {f.name: _other_value(f) for f in params_of(TrainingConfig)}
    rng = np.random.default_rng(0)
    values = rng.uniform(-1, 1, (4, 3, 8)).astype(np.float32)
    folds = np.eye(4, 3, dtype=np.int8)  # 3 folds: ``fold`` 3 trains on the 3 rows that fold 3 marks TRAIN
    path = DataSet.create(features=values, filenames=[f"f{i}" for i in range(4)], cv_folds=folds).save(
        tmp_path / "s.nc")

    parser = _train_parser(kind)
    res = cli(kind, "train", "--input", path, "--run-name", tmp_path / "cli", "--no-progress",
              *_flag_args(parser, {**arch, **training}))
    assert res.status == 0, res
    saved = json.loads((tmp_path / "cli" / "config.json").read_text())
    assert saved["architecture"] == {"num_features": 8, **arch}
    assert {k: saved["training"][k] for k in training} == training

    estimator = {"t-rae": audeep.TimeAutoencoder, "f-rae": audeep.FrequencyAutoencoder,
                 "ft-rae": audeep.FrequencyTimeAutoencoder}[kind](**arch, **training)
    assert {k: estimator.get_params()[k] for k in {**arch, **training}} == {**arch, **training}
    # what fit() hands to train_autoencoder (fit itself: tests/test_estimators.py)
    assert estimator._options(config_class(kind)) == arch and estimator._options(TrainingConfig) == training

    model = model_class(kind)(num_features=8, **arch)
    assert {k: model.get_config()[k] for k in arch} == arch
    assert model_class(kind).from_config(model.get_config()).architecture() == model.architecture()
    assert load_autoencoder(tmp_path / "cli").architecture() == saved["architecture"]
