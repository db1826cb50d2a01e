"""SpectrogramOptions: every field declared once, with a flag of ``audeep preprocess``, a check and a default."""

import argparse
import dataclasses

import pytest

from audeep.cli.preprocess import Preprocess
from audeep.errors import ParameterError
from audeep.preprocessing.audio import ChannelMode
from audeep.preprocessing.options import SpectrogramOptions
from audeep.preprocessing.spectrogram import FrameGeometry

FIELDS = [f.name for f in dataclasses.fields(SpectrogramOptions)]

#: One unacceptable value per field.
BAD = {
    "window_width": 0,
    "window_overlap": "much",
    "mel_bands": 0,
    "clip_below": "low",
    "clip_above": float("nan"),
    "channels": "middle",
    "resample": -8000,
    "fixed_length": -1.0,
    "center_fixed": "maybe",
    "chunk_length": 0.0,
    "chunk_count": 1.5,
    "precision": "half",
}


@pytest.fixture(scope="module")
def actions():
    parser = Preprocess(None, None).get_parser("audeep preprocess")
    return {a.dest: a for a in parser._actions}


def test_every_field_has_a_flag_with_its_default(actions):
    defaults = SpectrogramOptions()
    for name in FIELDS:
        assert name in actions, f"{name} has no flag"
        assert actions[name].default == getattr(defaults, name), name
    assert actions["mel_bands"].option_strings == ["--mel-spectrum"]
    assert actions["window_overlap"].option_strings == ["--window-overlap"]


def test_parsed_flags_build_the_options(actions):
    parser = Preprocess(None, None).get_parser("audeep preprocess")
    args = parser.parse_args(["--basedir", "x", "--mel-spectrum", "16", "--channels", "left", "--precision", "float64",
                              "--chunk-length", "0.5", "--chunk-count", "2", "--center-fixed"])
    from audeep.cli.options import params_from_args

    opts = SpectrogramOptions(**params_from_args(SpectrogramOptions, args))
    assert (opts.mel_bands, opts.channels, opts.precision) == (16, ChannelMode.LEFT, "float64")
    assert opts.chunked and opts.center_fixed and not opts.variable_length
    assert SpectrogramOptions(**params_from_args(SpectrogramOptions, parser.parse_args(["--basedir", "x"]))) \
        == SpectrogramOptions()


def test_bad_flag_values_are_argparse_errors(actions):
    parser = Preprocess(None, None).get_parser("audeep preprocess")
    for flag, value in [("--precision", "float16"), ("--channels", "middle"), ("--mel-spectrum", "0")]:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["--basedir", "x", flag, value])
        assert exc.value.code == 2


@pytest.mark.parametrize("name", FIELDS)
def test_each_check_names_its_field(name):
    with pytest.raises(ParameterError) as exc:
        SpectrogramOptions(**{name: BAD[name]})
    assert exc.value.parameters == (name,)
    assert str(exc.value).startswith(f"{name} ")
    assert "--" not in str(exc.value)


@pytest.mark.parametrize("kwargs,names", [
    ({"window_width": 0.02, "window_overlap": 0.02}, ("window_overlap", "window_width")),
    ({"window_overlap": -0.01}, ("window_overlap", "window_width")),
    ({"chunk_length": 0.5}, ("chunk_length", "chunk_count")),
    ({"chunk_count": 2}, ("chunk_length", "chunk_count")),
    ({"clip_below": -10, "clip_above": -20}, ("clip_below", "clip_above")),
])
def test_combinations_name_both_fields(kwargs, names):
    with pytest.raises(ParameterError) as exc:
        SpectrogramOptions(**kwargs)
    assert exc.value.parameters == names
    assert all(name in str(exc.value) for name in names) and "--" not in str(exc.value)


def test_values_are_normalised_and_recorded():
    opts = SpectrogramOptions.from_kwargs(channels="diff", mel_bands=16.0, precision="FLOAT64", window_width=None)
    assert opts.channels is ChannelMode.DIFF and opts.mel_bands == 16 and isinstance(opts.mel_bands, int)
    assert opts.precision == "float64" and opts.window_width == 0.04  # None: the default
    values = opts.parameters()
    assert list(values) == FIELDS and values["channels"] == "DIFF"
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.mel_bands = 8


def test_unknown_options_are_named():
    with pytest.raises(ParameterError, match="unknown spectrogram options mel_spectrum") as exc:
        SpectrogramOptions.from_kwargs(mel_spectrum=16)
    assert exc.value.parameters == ("mel_spectrum",)


def test_geometry_of_the_options():
    geometry = SpectrogramOptions(window_width=0.08, window_overlap=0.04).geometry(44100)
    assert geometry == FrameGeometry(44100, 0.08, 0.04)
    assert (geometry.nperseg, geometry.noverlap, geometry.step, geometry.bins) == (3528, 1764, 1764, 1765)
    assert geometry.frames_in(1.0) == 44100 // 1764


@pytest.mark.parametrize("width,overlap,name", [(0.0001, 0.0, "window_width"), (0.015, 0.011, "window_overlap")])
def test_geometry_rejects_windows_of_no_samples(width, overlap, name):
    with pytest.raises(ParameterError, match=name) as exc:
        FrameGeometry(100, width, overlap)
    assert name in exc.value.parameters


def test_help_shows_defaults_as_before():
    parser = Preprocess(None, None).get_parser("audeep preprocess")
    text = parser.format_help()
    assert isinstance(parser, argparse.ArgumentParser)
    for fragment in ["--window-width S", "(default: 0.04)", "--mel-spectrum N", "(default: a linear power spectrogram)",
                     "--precision {float32,float64}", "--channels MODE", "(default: MEAN)", "--center-fixed"]:
        assert fragment in " ".join(text.split()), fragment
