"""Keras-style layers, written once with :mod:`polykeras.ops`.

Example:
    >>> from polykeras import layers
    >>> layers.Dense(4, activation="relu").units
    4
"""

from polykeras.layers.convolutional import (
    AveragePooling1D,
    AveragePooling2D,
    Conv1D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from polykeras.layers.core import Activation, Dense, Dropout, Flatten, InputLayer, Reshape
from polykeras.layers.embedding import Embedding
from polykeras.layers.graph import Input, SymbolicTensor
from polykeras.layers.layer import Layer
from polykeras.layers.merging import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    concatenate,
)
from polykeras.layers.normalization import BatchNormalization, LayerNormalization

MaxPool1D, MaxPool2D = MaxPooling1D, MaxPooling2D
AvgPool1D, AvgPool2D = AveragePooling1D, AveragePooling2D
Convolution1D, Convolution2D = Conv1D, Conv2D

__all__ = [
    "Activation", "Add", "Average", "AveragePooling1D", "AveragePooling2D", "AvgPool1D",
    "AvgPool2D", "BatchNormalization", "Concatenate", "Conv1D", "Conv2D", "Convolution1D",
    "Convolution2D", "Dense", "Dropout", "Embedding", "Flatten", "GlobalAveragePooling1D",
    "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "Input",
    "InputLayer", "Layer", "LayerNormalization", "MaxPool1D", "MaxPool2D", "MaxPooling1D",
    "MaxPooling2D", "Maximum", "Minimum", "Multiply", "Reshape", "Subtract",
    "SymbolicTensor", "add", "concatenate",
]
