"""Preprocessing layers: image preprocessing and augmentation, feature normalization
and encoding, integer and string lookups, and text vectorization.

Example:
    >>> from polykeras.layers import preprocessing
    >>> preprocessing.Rescaling(1 / 255).scale
    0.00392156862745098
"""

from polykeras.layers.preprocessing.image_layers import (
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from polykeras.layers.preprocessing.lookup import Hashing, IntegerLookup, StringLookup
from polykeras.layers.preprocessing.numeric_layers import (
    CategoryEncoding,
    Discretization,
    Normalization,
)
from polykeras.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "StringLookup", "TextVectorization",
    "CenterCrop", "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip",
    "RandomRotation", "RandomTranslation", "RandomZoom", "Rescaling", "Resizing",
]
