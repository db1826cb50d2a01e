"""Parameters declared once (audeep._params): the checks, and a dataclass built from them."""

import dataclasses
import re

import numpy as np
import pytest

from audeep import _params as p
from audeep.errors import ParameterError


@pytest.mark.parametrize("check,good,bad", [
    (p.positive_int, [(1, 1), ("7", 7), (3.0, 3)], [0, -1, 2.5, True, "x", None]),
    (p.non_negative_int, [(0, 0), ("2", 2)], [-1, 0.5]),
    (p.optional_positive_int, [(None, None), (4, 4)], [0]),
    (p.positive_float, [(0.5, 0.5), ("2", 2.0)], [0, -1.0, float("inf"), float("nan"), True]),
    (p.probability, [(0, 0.0), (1, 1.0), ("0.25", 0.25)], [-0.1, 1.5, float("nan")]),
    (p.keep_probability, [(1, 1.0), (0.5, 0.5)], [0, 0.0, 2]),
    (p.boolean, [(True, True), (0, False), ("yes", True), ("off", False), (np.bool_(True), True)], [2, "maybe", None]),
    (p.one_of(("GRU", "LSTM"), case="upper"), [("gru", "GRU"), (" LSTM ", "LSTM")], ["RNN", 3]),
])
def test_checks_convert_good_values_and_name_the_parameter_for_bad_ones(check, good, bad):
    for value, expected in good:
        assert check("x", value) == expected
    for value in bad:
        with pytest.raises(ParameterError, match=re.escape(f"x {value!r}: expected {check.expected}")) as info:
            check("x", value)
        assert info.value.parameters == ("x",)


def test_a_dataclass_of_params():
    @dataclasses.dataclass(frozen=True)
    class Options:
        units: int = p.param(16, check=p.positive_int, help="units per layer")
        name: str = p.param("a", check=p.one_of(("a", "b")), help="a name", flag="--the-name", cli=False)

        def __post_init__(self):
            p.check_fields(self)

    assert Options(units="3").units == 3  # normalised in place
    assert p.values_of(Options(name="B")) == {"units": 16, "name": "b"}
    field = next(f for f in p.params_of(Options) if f.name == "name")
    assert field.metadata["flag"] == "--the-name" and field.metadata["cli"] is False
    assert p.one_of(("a", "b")).choices == ("a", "b")
    with pytest.raises(ParameterError, match="^units 0: expected a positive integer$"):
        Options(units=0)
