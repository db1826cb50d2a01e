"""Named recipes: tested sets of architecture, training and corruption options (no TensorFlow here).

A recipe fills in every option it names; options given explicitly win over it.  ``paper``
is the configuration of the auDeep paper's ESC-10 results; ``predictive`` is the combination
that gave the best label-free features on ESC-10 and spoken commands (see
``docs/benchmarks.md``: the table, its commands and the cost).  Generate a recipe's
features with its read-out (:attr:`Recipe.features`), e.g.::

    audeep t-rae train --input spectrograms.nc --run-name run --recipe predictive
    audeep t-rae generate --model-dir run --input spectrograms.nc --output features.nc --features layers

Examples
--------
>>> recipe("paper").architecture["num_units"]
256
>>> merged = merge_recipe("paper", kind="t-rae", architecture={"num_units": 64}, corruption={}, training={})
>>> merged["architecture"]["num_units"], merged["training"]["num_epochs"]
(64, 64)
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from audeep.errors import ParameterError

__all__ = ["RECIPES", "Recipe", "merge_recipe", "recipe"]


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A named set of options.

    Attributes
    ----------
    name : str
    summary : str
        One line for the help.
    kinds : tuple of str
        The model kinds it applies to.
    architecture, training, corruption : mapping
        Values of :class:`~audeep.models.config.TimeAutoencoderConfig` (or the kind's
        configuration), :class:`~audeep.models.config.TrainingConfig` and
        :class:`~audeep.models.corruption.CorruptionConfig`.
    features : str
        The read-out to generate with (``--features`` of ``generate`` and ``extract``).
    """

    name: str
    summary: str
    kinds: tuple
    architecture: MappingProxyType
    training: MappingProxyType
    corruption: MappingProxyType
    features: str


def _recipe(name, summary, *, architecture, training, corruption=None, features="bottleneck", kinds=("t-rae",)):
    return Recipe(name, summary, tuple(kinds), MappingProxyType(dict(architecture)),
                  MappingProxyType(dict(training)), MappingProxyType(dict(corruption or {})), features)


_PAPER_ARCHITECTURE = {"num_layers": 2, "num_units": 256, "cell": "GRU", "bidirectional_encoder": False,
                       "bidirectional_decoder": True, "keep_prob": 0.8, "decoder": "paper"}
_PAPER_TRAINING = {"num_epochs": 64, "batch_size": 64, "learning_rate": 1e-3}

#: Recipe name -> :class:`Recipe`.
RECIPES = MappingProxyType({r.name: r for r in (
    _recipe("paper", "the auDeep paper's t-RAE: 2 x 256 GRU, bidirectional decoder, 64 epochs",
            architecture=_PAPER_ARCHITECTURE, training=_PAPER_TRAINING),
    _recipe("predictive", "the paper's t-RAE with a bidirectional encoder whose top layer also predicts the input 3 "
                          "steps ahead (autoregressive predictive coding), a one-way decoder, learning rate 0.002 "
                          "and 96 epochs (as many recurrent stacks as the paper's: about 1.5 times its training "
                          "time)",
            architecture={**_PAPER_ARCHITECTURE, "bidirectional_encoder": True, "bidirectional_decoder": False,
                          "predict_ahead": 3, "predict_weight": 1.0},
            training={**_PAPER_TRAINING, "num_epochs": 96, "learning_rate": 2e-3}, features="layers"),
)})


def recipe(name: str) -> Recipe:
    """The recipe called ``name``.

    Raises
    ------
    ParameterError
        For an unknown name (the message lists the recipes).
    """
    try:
        return RECIPES[str(name).strip().lower()]
    except KeyError:
        raise ParameterError(f"recipe {name!r}: expected one of {', '.join(RECIPES)}", parameter="recipe") from None


def merge_recipe(name: str, *, kind: str, architecture: dict, corruption: dict, training: dict) -> dict:
    """The options of recipe ``name`` overridden by the explicitly given ones.

    Parameters
    ----------
    name : str
    kind : str
        The model kind being trained (the recipe must apply to it).
    architecture, corruption, training : dict
        Explicitly given values (they win).

    Returns
    -------
    dict
        ``{"architecture": ..., "corruption": ..., "training": ...}``.
    """
    chosen = recipe(name)
    if kind not in chosen.kinds:
        raise ParameterError(f"recipe {chosen.name!r}: made for {', '.join(chosen.kinds)}, not {kind}",
                             parameter="recipe")
    return {"architecture": {**chosen.architecture, **architecture},
            "corruption": {**chosen.corruption, **corruption},
            "training": {**chosen.training, **training}}
