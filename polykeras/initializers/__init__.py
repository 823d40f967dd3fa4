"""Weight initializers. They draw from NumPy (float64 math, cast once), so the same seed
gives bit-identical initial weights on every backend.

Example:
    >>> init = GlorotUniform(seed=0)
    >>> init((3, 2)).shape
    (3, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from polykeras.utils.seeding import draw_seed

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "get",
    "serialize", "deserialize", "STFT", "IdentityInitializer", "OrthogonalInitializer",
    "STFTInitializer", "constant", "glorot_normal", "glorot_uniform", "he_normal",
    "he_uniform", "identity", "lecun_normal", "lecun_uniform", "ones", "orthogonal",
    "random_normal", "random_uniform", "stft", "truncated_normal", "variance_scaling", "zeros",
]


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a NumPy array of floatx."""

    def __call__(self, shape: tuple[int, ...], dtype: Any = None) -> np.ndarray:
        from polykeras.backend.dtypes import standardize_dtype

        arr = self.sample(tuple(int(d) for d in shape))
        dtype = standardize_dtype(dtype)
        if dtype == "bfloat16":
            return arr.astype(np.float32)
        return np.asarray(arr).astype(dtype)

    def sample(self, shape: tuple[int, ...]) -> np.ndarray:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        return cls(**config)


class _Seeded(Initializer):
    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed
        self._calls = 0

    def _rng(self) -> np.random.Generator:
        # A fixed seed gives the same values each call, as Keras' stateless initializers.
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        return np.random.default_rng(draw_seed())

    def get_config(self) -> dict[str, Any]:
        return {"seed": self.seed}


class Zeros(Initializer):
    def sample(self, shape):
        return np.zeros(shape)


class Ones(Initializer):
    def sample(self, shape):
        return np.ones(shape)


class Constant(Initializer):
    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def sample(self, shape):
        return np.full(shape, self.value, dtype=np.float64)

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def sample(self, shape):
        return self._rng().normal(self.mean, self.stddev, shape)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def sample(self, shape):
        return self._rng().uniform(self.minval, self.maxval, shape)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(rng: np.random.Generator, shape, mean: float, stddev: float) -> np.ndarray:
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2.0
    return out * stddev + mean


class TruncatedNormal(_Seeded):
    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def sample(self, shape):
        return _truncated(self._rng(), shape, self.mean, self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _fans(shape: tuple[int, ...]) -> tuple[float, float]:
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = float(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_Seeded):
    """Samples with variance ``scale / n`` where n is fan_in, fan_out or their mean."""

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling expects scale > 0, received {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid mode {mode!r}; expected fan_in, fan_out or fan_avg.")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                f"Invalid distribution {distribution!r}; expected truncated_normal, "
                "untruncated_normal or uniform."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def sample(self, shape):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            return _truncated(rng, shape, 0.0, math.sqrt(scale) / 0.87962566103423978)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(scale), shape)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(-limit, limit, shape)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


def _preset(name: str, scale: float, mode: str, distribution: str) -> type:
    def __init__(self, seed: int | None = None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": f"VarianceScaling({scale}, {mode!r}, {distribution!r})."})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform")


class Orthogonal(_Seeded):
    def __init__(self, gain: float = 1.0, seed: int | None = None):
        super().__init__(seed)
        self.gain = gain

    def sample(self, shape):
        rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
        cols = shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols].reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain: float = 1.0):
        self.gain = gain

    def sample(self, shape):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape, received {shape}.")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


_WINDOWS: dict[str, Callable[[int], np.ndarray]] = {"hann": np.hanning, "hanning": np.hanning, "hamming": np.hamming,
            "blackman": np.blackman, "bartlett": np.bartlett, "boxcar": np.ones,
            "rectangular": np.ones}


def _window(name: str, length: int, periodic: bool) -> np.ndarray:
    """A symmetric window, or the periodic one (length + 1 points, the last dropped)."""
    make = _WINDOWS[name]
    return make(length + 1)[:-1] if periodic else make(length)


class STFT(Initializer):
    """Kernel of the short-time Fourier transform as a convolution: shape
    ``(frame_length, input_channels, fft_bins)``, the cosine (``side="real"``) or sine
    (``"imag"``) terms, multiplied by ``window`` and divided by its ``scaling``.

    Example:
        >>> STFT()((4, 1, 3)).shape
        (4, 1, 3)
    """

    def __init__(self, side: str = "real", window: Any = "hann", scaling: str | None = "density",
                 periodic: bool = False) -> None:
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` must be 'real' or 'imag', received {side!r}.")
        if isinstance(window, str) and window not in _WINDOWS:
            raise ValueError(f"STFT: unknown window {window!r}. Known: "
                             f"{', '.join(sorted(_WINDOWS))}, or pass the window values.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError("STFT: `scaling` must be None, 'density' or 'spectrum', "
                             f"received {scaling!r}.")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def sample(self, shape):
        if len(shape) != 3:
            raise ValueError("STFT initializer needs a shape (frame_length, input_channels, "
                             f"fft_bins), received {shape}.")
        frame_length, _, bins = shape
        time = np.arange(frame_length, dtype=np.float64).reshape(-1, 1, 1)
        freq = np.arange(bins, dtype=np.float64).reshape(1, 1, -1) / ((bins - 1) * 2)
        args = -2.0 * time * freq * np.pi
        kernel = np.cos(args) if self.side == "real" else np.sin(args)
        if self.window is not None:
            win = (_window(self.window, frame_length, self.periodic)
                   if isinstance(self.window, str) else np.asarray(self.window, np.float64))
            if win.shape != (frame_length,):
                raise ValueError(f"STFT: the window must have shape ({frame_length},), "
                                 f"received {win.shape}.")
            scale = {"density": np.sqrt(np.sum(win ** 2)), "spectrum": np.sum(np.abs(win)),
                     None: 1.0}[self.scaling]
            kernel = kernel * win.reshape(-1, 1, 1) / scale
        return np.broadcast_to(kernel, shape).copy()

    def get_config(self):
        window = self.window if isinstance(self.window, (str, type(None))) \
            else np.asarray(self.window).tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}


IdentityInitializer, OrthogonalInitializer, STFTInitializer = Identity, Orthogonal, STFT
zeros, ones, constant, identity, orthogonal, stft = Zeros, Ones, Constant, Identity, Orthogonal, STFT
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_normal, glorot_uniform = VarianceScaling, GlorotNormal, GlorotUniform
he_normal, he_uniform, lecun_normal, lecun_uniform = HeNormal, HeUniform, LecunNormal, LecunUniform

_ALIASES: dict[str, type[Initializer]] = {
    "stft": STFT,
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": HeNormal, "he_uniform": HeUniform,
    "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
    "identity": Identity,
}
_BY_CLASS: dict[str, type[Initializer]] = {cls.__name__: cls for cls in _ALIASES.values()}


def serialize(init: Initializer) -> dict[str, Any]:
    return {"module": "keras.initializers", "class_name": type(init).__name__,
            "config": init.get_config(), "registered_name": None}


def deserialize(config: dict[str, Any]) -> Initializer:
    name: Any = config.get("class_name")
    cls = _BY_CLASS.get(name) or _ALIASES.get(str(name).lower())
    if cls is None:
        raise ValueError(f"Unknown initializer {name!r}. Known: {', '.join(sorted(_BY_CLASS))}.")
    return cls.from_config(config.get("config") or {})


def get(identifier: Any) -> Initializer:
    """An initializer from a name ("glorot_uniform"), a config dict, an instance or a
    callable ``(shape, dtype) -> array``."""
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier.lower()
        cls = _ALIASES.get(key) or _BY_CLASS.get(identifier)
        if cls is not None:
            return cls()
    raise ValueError(
        f"Unknown initializer {identifier!r}. Expected one of: {', '.join(sorted(_ALIASES))}, "
        "an Initializer instance or a callable (shape, dtype) -> array."
    )
