"""polykeras: one Keras-style API on NumPy, PyTorch, JAX or TensorFlow."""
__version__ = "0.1.0"
from polykeras import backend, config  # noqa: F401
from polykeras.variables import Variable  # noqa: F401
