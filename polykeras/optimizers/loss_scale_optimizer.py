"""LossScaleOptimizer: dynamic loss scaling for float16 training.

The train step multiplies the loss by ``dynamic_scale`` before differentiating; here the
gradients are divided by it again. When every gradient is finite the inner optimizer
updates and, after ``dynamic_growth_steps`` such steps in a row, the scale doubles; when a
gradient overflows the step is skipped and the scale halves.

Example:
    >>> import polykeras
    >>> from polykeras import ops, optimizers
    >>> w = polykeras.Variable([1.0])
    >>> opt = LossScaleOptimizer(optimizers.SGD(0.5), initial_scale=4.0)
    >>> opt.apply([ops.convert_to_tensor([8.0])], [w]); w.numpy()
    array([0.], dtype=float32)
    >>> opt.apply([ops.convert_to_tensor([float("inf")])], [w]); w.numpy(), float(opt.dynamic_scale.numpy())
    (array([0.], dtype=float32), 2.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from polykeras import ops
from polykeras.backend import selection
from polykeras.optimizers.base import Optimizer
from polykeras.variables import Variable

_INNER_ONLY = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
               "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
               "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer`` with dynamic loss scaling.

    Args:
        inner_optimizer: the optimizer that updates the variables.
        initial_scale: the starting loss scale.
        dynamic_growth_steps: finite steps in a row before the scale doubles.
        name: the optimizer's name.
    """

    def __init__(self, inner_optimizer: Optimizer, initial_scale: float = 2.0 ** 15,
                 dynamic_growth_steps: int = 2000, name: str | None = None,
                 **kwargs: Any) -> None:
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer: `dynamic=False` is not supported; set "
                             "`loss_scale_factor` on the inner optimizer for a fixed scale.")
        for arg, default in _INNER_ONLY.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not take `{arg}`; set it on the "
                                 "inner optimizer.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer: unknown argument(s) {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError("LossScaleOptimizer expects an Optimizer as `inner_optimizer`, "
                            f"received {type(inner_optimizer).__name__}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        inner_optimizer.loss_scale_factor = None

    # ------------------------------------------------------------------ state
    def build(self, variables: Sequence[Variable]) -> None:
        if self.built:
            return
        variables = list(variables)
        self.inner_optimizer.build(variables)
        self._backend = self.inner_optimizer._backend
        with selection.use(self._backend):
            self.step_counter = self._new_variable(0, "int32", "step_counter")
            self.dynamic_scale = self._new_variable(self.initial_scale, "float32",
                                                    "dynamic_scale")
        self._variables = [self.step_counter, self.dynamic_scale]
        self._trainable_variables = variables
        self._variable_index = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def iterations(self) -> Variable:
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self) -> Any:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        self.inner_optimizer.learning_rate = value

    # ------------------------------------------------------------------ steps
    @property
    def scales_loss(self) -> bool:
        return True

    def scale_loss(self, loss: Any) -> Any:
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return ops.multiply(loss, ops.cast(scale, ops.dtype(loss)))

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None
              ) -> None:
        variables = list(trainable_variables if trainable_variables is not None
                         else self._trainable_variables)
        if not self.built:
            self.build(variables)
        with selection.use(self._backend):
            grads = list(grads)
            finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads
                                        if g is not None]))
            scale = self.dynamic_scale.value
            unscaled = [None if g is None else
                        ops.divide(g, ops.cast(scale, ops.dtype(g))) for g in grads]
            held = variables + self.inner_optimizer.variables
            before = [v.value for v in held]
            self.inner_optimizer.apply(unscaled, variables)
            for variable, old in zip(held, before, strict=True):
                variable.assign(ops.where(finite, variable.value, old))
            counter = self.step_counter.value
            grow = ops.logical_and(finite, ops.equal(counter, self.dynamic_growth_steps - 1))
            self.dynamic_scale.assign(ops.where(
                finite, ops.where(grow, ops.multiply(scale, 2.0), scale),
                ops.multiply(scale, 0.5)))
            self.step_counter.assign(ops.where(
                ops.logical_and(finite, ops.logical_not(grow)), ops.add(counter, 1),
                ops.zeros_like(counter)))

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(var_list)

    # ---------------------------------------------------------- serialization
    def get_config(self) -> dict[str, Any]:
        from polykeras import optimizers

        return {"name": self.name, "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> LossScaleOptimizer:
        from polykeras import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        if not isinstance(inner, Optimizer):
            inner = optimizers.deserialize(inner, custom_objects)
        return cls(inner, **config)
