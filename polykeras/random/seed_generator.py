"""Seeds for the random ops: :class:`SeedGenerator` and the process-wide seed state.

A :class:`SeedGenerator` keeps its RNG key in a non-trainable :class:`polykeras.Variable`.
Each :meth:`SeedGenerator.next` splits the key, stores one half back and returns the
other, so inside a compiled train step (a :class:`polykeras.variables.StatelessScope`)
the key is ordinary state that travels through the step.

Example:
    >>> from polykeras import random
    >>> gen = random.SeedGenerator(42)
    >>> a = random.uniform((2,), seed=gen)
    >>> b = random.uniform((2,), seed=gen)   # a different draw
    >>> c = random.uniform((2,), seed=random.SeedGenerator(42))   # same as `a`
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polykeras.backend.selection import current as _backend
from polykeras.variables import Variable, in_stateless_scope

__all__ = ["SeedGenerator", "key_for_seed", "set_global_seed"]

#: Seed of the global SeedGenerators (None: drawn from the process-wide seed state).
_global_seed: int | None = None
#: The global SeedGenerator of each backend (by adapter name), used for ``seed=None``.
_global_generators: dict[str, SeedGenerator] = {}


def _check_seed(seed: Any, where: str) -> int:
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            f"{where}: `seed` must be an int, a SeedGenerator or None, received {seed!r} "
            f"of type {type(seed).__name__}."
        )
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"{where}: `seed` must be non-negative, received {seed}.")
    return seed


def _fresh_seed() -> int:
    """A seed from the process-wide NumPy-based seed state (``polykeras.utils``)."""
    from polykeras.utils.seeding import draw_seed

    return draw_seed()


def set_global_seed(seed: int | None) -> None:
    """Seed the global SeedGenerator behind random ops called with ``seed=None``.

    ``polykeras.utils.set_random_seed`` calls this. After ``set_global_seed(s)``, unseeded
    random ops give the same stream run to run; ``None`` draws the seed from the
    process-wide seed state instead.

    Example:
        >>> set_global_seed(1337)
    """
    global _global_seed
    _global_seed = None if seed is None else _check_seed(seed, "set_global_seed")
    _global_generators.clear()


class SeedGenerator:
    """A stateful source of RNG keys for the random ops.

    Args:
        seed: an int for a reproducible stream, or None to draw one from the global
            seed state (see :func:`set_global_seed`).
        name: name of the state variable.

    Layers create one in ``__init__`` and pass it as ``seed=`` to the random ops, so the
    key advances on every call, also inside compiled steps.

    Example:
        >>> gen = SeedGenerator(7)
        >>> key = gen.next()     # a backend RNG key for the stateless random ops
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any) -> None:
        if kwargs:
            raise TypeError(
                f"SeedGenerator: unexpected keyword arguments {sorted(kwargs)}; accepted "
                "are `seed` and `name`."
            )
        self._initial_seed = _fresh_seed() if seed is None else _check_seed(seed, "SeedGenerator")
        self.name = name or "seed_generator"
        key = _backend().rng_key(self._initial_seed)
        self.state = Variable(key, trainable=False, name=f"{self.name}_state")

    @property
    def seed(self) -> int:
        """The int seed this generator started from."""
        return self._initial_seed

    def next(self, ordered: bool = True) -> Any:
        """A new key; advances the stored state (in the enclosing stateless scope, if any)."""
        b = _backend()
        state = self.state
        key, sub = b.rng_split(state.value)
        state.assign(key)
        return sub

    def get_config(self) -> dict[str, Any]:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeedGenerator:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name} seed={self._initial_seed}>"


def _global_seed_generator() -> SeedGenerator:
    """The global SeedGenerator of the active backend (created at first use)."""
    b = _backend()
    gen = _global_generators.get(b.name)
    if gen is None:
        gen = SeedGenerator(_global_seed, name="global_seed_generator")
        _global_generators[b.name] = gen
    return gen


def _scope_holds(variable: Variable) -> bool:
    from polykeras import variables

    scope = variables.current_scope()
    while scope is not None:
        if variable in scope.values:
            return True
        scope = scope.parent
    return False


def key_for_seed(seed: Any) -> Any:
    """The backend RNG key for a ``seed`` argument: an int, a SeedGenerator, a backend
    key, or None (the global SeedGenerator).

    Example:
        >>> key = key_for_seed(3)   # the same key every call
    """
    if isinstance(seed, SeedGenerator):
        return seed.next()
    b = _backend()
    if seed is None:
        gen = _global_seed_generator()
        if in_stateless_scope() and b.supports("jit") and not _scope_holds(gen.state):
            raise ValueError(
                f"A random op with seed=None ran inside a compiled function on the "
                f"{b.name!r} backend, where the global seed state cannot advance (every "
                "call would reuse one key). Create a SeedGenerator once, e.g. in a layer's "
                "__init__: `self.seed_generator = polykeras.random.SeedGenerator(seed)`, "
                "and pass `seed=self.seed_generator`."
            )
        return gen.next()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return b.rng_key(_check_seed(seed, "random"))
    if b.is_tensor(seed):
        return seed
    raise ValueError(
        f"`seed` must be an int, a SeedGenerator or None, received {seed!r} of type "
        f"{type(seed).__name__}."
    )
