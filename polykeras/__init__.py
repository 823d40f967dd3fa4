"""polykeras: one Keras-style API that runs unchanged on NumPy, PyTorch, JAX or TensorFlow.

Select the backend with ``POLYKERAS_BACKEND`` (numpy, torch, jax, tensorflow); NumPy is
the default and trains with no deep-learning framework installed.

Example:
    >>> import polykeras
    >>> model = polykeras.Sequential([polykeras.layers.Dense(10, input_shape=(784,),
    ...                                                     activation="softmax")])
    >>> model.compile(optimizer="sgd", loss="categorical_crossentropy")
"""

__version__ = "0.1.0"

from polykeras import (  # noqa: F401  (public submodules)
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from polykeras.layers import Input, Layer
from polykeras.models import Model, Sequential
from polykeras.variables import Variable

__all__ = [
    "Input", "Layer", "Model", "Sequential", "Variable", "activations", "backend",
    "callbacks", "config", "constraints", "datasets", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "random", "regularizers", "saving", "utils",
]
