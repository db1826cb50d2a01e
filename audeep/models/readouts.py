"""Read-out specifications: what ``generate`` / ``extract`` write for a t-RAE (no TensorFlow here).

A specification is terms joined by ``+``; the order of the terms is the order of the columns:

* ``bottleneck`` -- the representation (the paper's feature);
* ``pooled`` -- mean and standard deviation over the valid time steps of the *top* encoder
  layer's outputs, per direction;
* ``layers`` -- mean, standard deviation and maximum over the valid time steps of the outputs
  of *every* encoder layer, per direction;
* ``pooled:STATS`` / ``layers:STATS`` -- the same with the statistics ``STATS``, a comma list
  from ``mean``, ``std``, ``max`` (in the order given);
* ``both`` -- an alias of ``bottleneck+pooled``.

The columns of ``pooled`` and ``layers`` are, for each direction (forward, then backward),
for each layer (bottom to top; ``pooled``: the top one only), for each statistic, the
``num_units`` values of that layer.  The standard deviation is the population one (ddof 0).

Examples
--------
>>> str(parse_readouts("both"))
'bottleneck+pooled'
>>> str(parse_readouts("layers:mean,std,max+bottleneck"))
'layers+bottleneck'
>>> readout_width("bottleneck+layers:max", num_layers=2, num_units=4, num_directions=2, representation_size=8)
24
"""

from __future__ import annotations

import dataclasses

from audeep.errors import ParameterError

__all__ = ["ALIASES", "READOUT_STATS", "READOUT_TERMS", "Readout", "ReadoutSpec", "canonical_readouts",
           "parse_readouts", "readout_width"]

#: The terms of a specification.
READOUT_TERMS = ("bottleneck", "pooled", "layers")

#: The statistics over time a ``pooled`` or ``layers`` term can take.
READOUT_STATS = ("mean", "std", "max")

#: Whole specifications spelled as one word.
ALIASES = {"both": "bottleneck+pooled"}

#: The statistics of a term written without ``:STATS``.
_DEFAULT_STATS = {"bottleneck": (), "pooled": ("mean", "std"), "layers": READOUT_STATS}

_VALID = (f"expected terms {', '.join(READOUT_TERMS)} (or {', '.join(ALIASES)}) joined by '+', where pooled and "
          f"layers may take ':STATS', a comma list from {', '.join(READOUT_STATS)} (e.g. bottleneck+layers:mean,std)")


@dataclasses.dataclass(frozen=True)
class Readout:
    """One term of a specification.

    Attributes
    ----------
    name : {"bottleneck", "pooled", "layers"}
    stats : tuple of str
        The statistics over time, in column order (empty for ``bottleneck``).
    """

    name: str
    stats: tuple = ()

    def __str__(self) -> str:
        if self.stats == _DEFAULT_STATS[self.name]:
            return self.name
        return f"{self.name}:{','.join(self.stats)}"

    def width(self, *, num_layers: int, num_units: int, num_directions: int, representation_size: int) -> int:
        """Columns of this term for an encoder of ``num_layers`` x ``num_units`` per direction."""
        if self.name == "bottleneck":
            return int(representation_size)
        layers = int(num_layers) if self.name == "layers" else 1
        return len(self.stats) * layers * int(num_units) * int(num_directions)


@dataclasses.dataclass(frozen=True)
class ReadoutSpec:
    """A parsed specification: its terms in column order (see :func:`parse_readouts`)."""

    terms: tuple

    def __str__(self) -> str:
        return "+".join(str(term) for term in self.terms)

    @property
    def reads_sequences(self) -> bool:
        """Whether a term needs the encoder's output sequences (anything but ``bottleneck``)."""
        return any(term.name != "bottleneck" for term in self.terms)

    def width(self, *, num_layers: int, num_units: int, num_directions: int, representation_size: int) -> int:
        """Columns of the whole specification (see :meth:`Readout.width`)."""
        return sum(term.width(num_layers=num_layers, num_units=num_units, num_directions=num_directions,
                              representation_size=representation_size) for term in self.terms)


def _bad(spec, why: str) -> ParameterError:
    return ParameterError(f"features {spec!r}: {why}; {_VALID}", parameter="features")


def _term(spec, text: str) -> Readout:
    name, colon, stats_text = text.partition(":")
    name = name.strip()
    if name not in READOUT_TERMS:
        raise _bad(spec, f"unknown term {text!r}" if text else "an empty term")
    if not colon:
        return Readout(name, _DEFAULT_STATS[name])
    if name == "bottleneck":
        raise _bad(spec, f"term {text!r}: bottleneck takes no statistics")
    stats = tuple(s.strip() for s in stats_text.split(","))
    for stat in stats:
        if stat not in READOUT_STATS:
            raise _bad(spec, f"unknown statistic {stat!r} in term {text!r}" if stat else
                        f"an empty statistic in term {text!r}")
    if len(set(stats)) != len(stats):
        raise _bad(spec, f"a statistic repeated in term {text!r}")
    return Readout(name, stats)


def parse_readouts(spec) -> ReadoutSpec:
    """Parse and check a read-out specification (case-insensitive, spaces ignored).

    Parameters
    ----------
    spec : str or ReadoutSpec

    Returns
    -------
    ReadoutSpec

    Raises
    ------
    ParameterError
        For an empty specification, an unknown term or statistic, statistics on
        ``bottleneck``, or a term or statistic given twice (naming it and listing the valid
        terms and statistics).
    """
    if isinstance(spec, ReadoutSpec):
        return spec
    if not isinstance(spec, str):
        raise _bad(spec, "expected a string")
    text = "".join(spec.split()).lower()
    text = "+".join(ALIASES.get(part, part) for part in text.split("+"))
    terms = []
    for part in text.split("+"):
        term = _term(spec, part)
        if any(term.name == t.name for t in terms):
            raise _bad(spec, f"the term {term.name!r} is given twice")
        terms.append(term)
    return ReadoutSpec(tuple(terms))


def canonical_readouts(spec) -> str:
    """The canonical spelling of a specification: ``"both"`` -> ``"bottleneck+pooled"``,
    ``"layers:mean,std,max"`` -> ``"layers"``."""
    return str(parse_readouts(spec))


def readout_width(spec, *, num_layers: int, num_units: int, num_directions: int, representation_size: int) -> int:
    """Columns of ``spec`` for an encoder of ``num_directions`` stacks of ``num_layers`` x ``num_units``
    and a representation of ``representation_size``."""
    return parse_readouts(spec).width(num_layers=num_layers, num_units=num_units, num_directions=num_directions,
                                      representation_size=representation_size)
