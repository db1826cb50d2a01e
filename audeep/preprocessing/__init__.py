"""Preprocessing: an audio collection becomes a spectrogram data set (``audeep preprocess``).

Modules (import the one you need; this package imports nothing itself):

- :mod:`~audeep.preprocessing.parsers`: one parser per collection layout, and auto-detection;
- :mod:`~audeep.preprocessing.audio`: decoding, channel fusion, resampling, fixed length;
- :mod:`~audeep.preprocessing.spectrogram`: the spectrogram numerics (pure numpy) and the frame geometry;
- :mod:`~audeep.preprocessing.options`: :class:`SpectrogramOptions`, every spectrogram parameter declared once;
- :mod:`~audeep.preprocessing.plan`: file headers -> output shape and bad files, before any audio is decoded;
- :mod:`~audeep.preprocessing.workers`: the local worker processes that run one file per task;
- :mod:`~audeep.preprocessing.extract`: single-file spectrograms and the streaming driver.
"""
