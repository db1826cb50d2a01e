"""An embedded synthetic audio data set and the whole pipeline on it, for ``audeep demo``.

- :mod:`~audeep.demo.synthetic`: :func:`make_demo_dataset` (a labelled WAV collection of
  synthetic sound events in 5 folds), :func:`synthesize_clip`, :data:`DEMO_CLASSES`;
- :mod:`~audeep.demo.pipeline`: :func:`run_demo` (preprocess, t-RAE train, generate, MLP
  evaluate, ARFF export on that collection), :func:`demo_settings`, :class:`DemoResult`.
"""

from audeep.demo.pipeline import DemoResult, DemoSettings, demo_settings, run_demo
from audeep.demo.synthetic import (
    DEMO_CLASSES,
    SyntheticCollection,
    make_demo_dataset,
    synthesize_clip,
)

__all__ = [
    "DEMO_CLASSES",
    "DemoResult",
    "DemoSettings",
    "SyntheticCollection",
    "demo_settings",
    "make_demo_dataset",
    "run_demo",
    "synthesize_clip",
]
