"""Autoencoder models (TensorFlow / Keras): building blocks in :mod:`audeep.models.layers`,
the models and their kind registry in :mod:`audeep.models.autoencoders`.

Importing this package imports TensorFlow.
"""
