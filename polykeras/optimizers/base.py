"""The optimizer base class: state in Variables, one ``apply`` for every backend.

All optimizer state (step counter, learning rate, per-variable slots) lives in
non-trainable :class:`polykeras.Variable` s listed by :attr:`Optimizer.variables`. The
update reads ``v.value`` and writes ``v.assign(...)``, so the same code mutates eagerly
outside a :class:`~polykeras.variables.StatelessScope` and only records new values inside
one (the pure, compiled train step).

Example:
    >>> import polykeras
    >>> from polykeras import ops, optimizers
    >>> w = polykeras.Variable([1.0, 2.0], name="w")
    >>> opt = optimizers.SGD(learning_rate=0.1)
    >>> opt.apply([ops.convert_to_tensor([1.0, 1.0])], [w])
    >>> w.numpy()
    array([0.9, 1.9], dtype=float32)
"""

from __future__ import annotations

import inspect
import numbers
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from types import FrameType
from typing import Any

from polykeras import ops
from polykeras.backend import selection
from polykeras.backend.dtypes import standardize_dtype
from polykeras.config import floatx
from polykeras.optimizers import clipping, schedules, step_options
from polykeras.variables import StatelessScope, Variable

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside this package."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and os.path.dirname(
            os.path.abspath(frame.f_code.co_filename)) == _PACKAGE_DIR:
        frame = frame.f_back
        level += 1
    return level


def _default_name(cls: type) -> str:
    from polykeras.utils.naming import to_snake_case, unique_name

    return unique_name(to_snake_case(cls.__name__))


def _takes_step(fn: Callable[..., Any]) -> bool:
    """Whether a learning-rate callable takes the step (else it takes no argument)."""
    if isinstance(fn, schedules.LearningRateSchedule):
        return True
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        for p in params
    )


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_non_negative(owner: str, name: str, value: Any) -> None:
    if value is not None and (not _is_number(value) or value < 0):
        raise ValueError(
            f"{owner}: `{name}` must be a non-negative number or None, received "
            f"{name}={value!r}."
        )


def matching_gradient(gradient: Any, variable: Variable) -> Any:
    """``gradient`` as a tensor of ``variable``'s kind and dtype (cast only if needed)."""
    current = variable._value
    if type(gradient) is not type(current) or gradient.dtype is not current.dtype:
        return ops.cast(gradient, variable.dtype)
    return gradient


class Optimizer:
    """Base class of every optimizer.

    Subclasses create their slot variables in ``build`` (after ``super().build``) with
    :meth:`add_variable_from_reference` and implement ``update_step``.

    Args:
        learning_rate: a float, a :class:`~polykeras.optimizers.schedules.LearningRateSchedule`,
            or a callable of the step (or of nothing) returning the rate.
        weight_decay: decoupled weight decay: before each update, every variable
            ``v`` becomes ``v - v * weight_decay * learning_rate``.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``.
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the trainable variables
            (``finalize_variable_values`` copies it into them; ``fit`` does so at the end).
        ema_momentum: the average's momentum (``avg = m * avg + (1 - m) * w``).
        ema_overwrite_frequency: every this many steps, copy the average into the
            variables (None: only when finalizing).
        loss_scale_factor: the loss is multiplied by it before differentiation and the
            gradients divided by it before the update.
        gradient_accumulation_steps: update every this many steps with the mean of the
            accumulated gradients (the step counter still advances every step).
        name: the optimizer's name (default from the class name: ``sgd``, ``adam`` ...).
        **kwargs: the legacy ``lr`` (use ``learning_rate``) and ``decay`` (inverse-time
            decay of the rate: ``lr / (1 + decay * iterations)``) are accepted with a
            ``DeprecationWarning``.

    Example:
        >>> class PlainGD(Optimizer):
        ...     def update_step(self, gradient, variable, learning_rate):
        ...         lr = ops.cast(learning_rate, variable.dtype)
        ...         variable.assign_sub(ops.multiply(ops.cast(gradient, variable.dtype), lr))
        >>> opt = PlainGD(learning_rate=0.1)
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        owner = type(self).__name__
        learning_rate, decay = self._pop_legacy_args(owner, learning_rate, kwargs)
        self._check_unknown_args(owner, kwargs)
        step_options.check(owner, use_ema, ema_momentum, ema_overwrite_frequency,
                           loss_scale_factor, gradient_accumulation_steps)
        self.use_ema, self.ema_momentum = bool(use_ema), ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._averages: list[Variable] = []
        self._accumulators: list[Variable] = []
        for arg, value in (("weight_decay", weight_decay), ("clipnorm", clipnorm),
                           ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm)):
            _check_non_negative(owner, arg, value)
        set_clips = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                    ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(set_clips) > 1:
            raise ValueError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                f"set, received {', '.join(set_clips)}. Keep one of them."
            )
        self.name = name or _default_name(type(self))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.decay = decay
        self.built = False
        self._backend: Any = None
        self._iterations: Variable | None = None
        self._learning_rate_variable: Variable | None = None
        self._variables: list[Variable] = []
        self._trainable_variables: list[Variable] = []
        self._variable_index: dict[int, int] = {}
        self._decays_variable: list[bool] = []
        self._constraints: list[Any] = []
        self._has_constraints = False
        self._step_indices: list[int] = []
        self._exclude_ids: set[int] = set()
        self._exclude_pattern: re.Pattern[str] | None = None
        self._schedule: Callable[..., Any] | None = None
        self._schedule_takes_step = True
        self._learning_rate_value = 0.0
        self._step_constants: dict[Any, Any] = {}
        self._set_learning_rate_arg(owner, learning_rate)

    # ---------------------------------------------------------------- arguments
    @staticmethod
    def _pop_legacy_args(owner: str, learning_rate: Any,
                         kwargs: dict[str, Any]) -> tuple[Any, float | None]:
        decay = None
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            warnings.warn(
                f"{owner}: the `lr` argument is deprecated; write `learning_rate={lr!r}` "
                "instead.",
                DeprecationWarning, stacklevel=_caller_stacklevel(),
            )
            learning_rate = lr
        if "decay" in kwargs:
            decay = kwargs.pop("decay")
            warnings.warn(
                f"{owner}: the `decay` argument is deprecated; write "
                "`learning_rate=polykeras.optimizers.schedules.InverseTimeDecay("
                f"initial_learning_rate, decay_steps=1, decay_rate={decay!r})` instead.",
                DeprecationWarning, stacklevel=_caller_stacklevel(),
            )
            _check_non_negative(owner, "decay", decay)
            if not decay:
                decay = None
        return learning_rate, decay

    @staticmethod
    def _check_unknown_args(owner: str, kwargs: dict[str, Any]) -> None:
        if kwargs:
            raise ValueError(
                f"{owner}: unknown argument(s) {sorted(kwargs)}. Expected learning_rate, "
                "weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum, "
                "ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, "
                "name and the optimizer's own arguments."
            )

    def _set_learning_rate_arg(self, owner: str, learning_rate: Any) -> None:
        if isinstance(learning_rate, schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Variable)):
            self._schedule = learning_rate
            self._schedule_takes_step = _takes_step(learning_rate)
            return
        try:
            self._learning_rate_value = float(learning_rate)
        except (TypeError, ValueError):
            raise TypeError(
                f"{owner}: `learning_rate` must be a float, a LearningRateSchedule or a "
                f"callable, received {type(learning_rate).__name__}: {learning_rate!r}."
            ) from None

    # ------------------------------------------------------------------ variables
    @property
    def variables(self) -> list[Variable]:
        """Every optimizer Variable: iterations, learning rate, then slots in build order."""
        return list(self._variables)

    @property
    def iterations(self) -> Variable:
        """The int32 step counter Variable (number of ``apply`` calls so far)."""
        if self._iterations is None:
            self._create_step_variables(selection.current())
        return self._iterations  # type: ignore[return-value]

    def _create_step_variables(self, backend: Any) -> None:
        """Create (or move to ``backend``) the step counter and learning-rate Variables."""
        if self._iterations is not None and self._iterations._backend is backend:
            return
        start = 0 if self._iterations is None else self._iterations.numpy()
        if self._learning_rate_variable is not None:
            self._learning_rate_value = float(self._learning_rate_variable.numpy())
        self._backend = backend
        with selection.use(backend):
            self._iterations = self._new_variable(start, "int32", "iteration")
            if self._schedule is None:
                self._learning_rate_variable = self._new_variable(
                    self._learning_rate_value, floatx(), "learning_rate")
        self._variables = [self._iterations]
        if self._learning_rate_variable is not None:
            self._variables.append(self._learning_rate_variable)

    def _new_variable(self, initializer: Any, dtype: str, name: str,
                      shape: Sequence[int] | None = None) -> Variable:
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}"
        return variable

    def build(self, variables: Sequence[Variable]) -> None:
        """Create the optimizer's Variables for ``variables`` (the trainable variables).

        Subclasses call ``super().build(variables)`` first, then create their slots.
        Building twice does nothing.
        """
        if self.built:
            return
        variables = list(variables)
        backend = next((v._backend for v in variables if isinstance(v, Variable)),
                       selection.current())
        self._create_step_variables(backend)
        self._trainable_variables = variables
        self._variable_index = {id(v): i for i, v in enumerate(variables)}
        self._decays_variable = [self._uses_weight_decay(v) for v in variables]
        self._constraints = [getattr(v, "constraint", None) for v in variables]
        self._has_constraints = any(c is not None for c in self._constraints)
        self.built = True
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(variables,
                                                              "gradient_accumulator")

    def add_variable(self, shape: Sequence[int], initializer: Any = "zeros",
                     dtype: Any = None, name: str | None = None) -> Variable:
        """A new non-trainable optimizer Variable, appended to :attr:`variables`.

        Args:
            shape: the variable's shape.
            initializer: ``"zeros"``, ``"ones"``, a number, or a callable
                ``(shape, dtype) -> value``.
            dtype: defaults to ``floatx()``.
            name: the variable's name.

        Example:
            >>> opt = Optimizer()
            >>> opt.build([])
            >>> opt.add_variable((2,), initializer=0.5, name="scale").numpy()
            array([0.5, 0.5], dtype=float32)
        """
        dtype = standardize_dtype(dtype)
        shape = tuple(shape)
        if isinstance(initializer, str):
            fills = {"zeros": 0, "ones": 1}
            if initializer not in fills:
                raise ValueError(
                    f"{type(self).__name__}.add_variable: unknown initializer "
                    f"{initializer!r}. Expected 'zeros', 'ones', a number or a callable "
                    "(shape, dtype) -> value."
                )
            initializer = fills[initializer]
        if _is_number(initializer):
            fill = initializer

            def initializer(shape: tuple[int, ...], dtype: str) -> Any:
                return ops.full(shape, fill, dtype=dtype)
        backend = self._backend or selection.current()
        with selection.use(backend):
            variable = self._new_variable(initializer, dtype, name or "variable", shape)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable: Variable, name: str | None = None,
                                    initializer: Any = "zeros") -> Variable:
        """A slot Variable shaped and typed like ``reference_variable``.

        It is named ``"{reference path}_{name}"`` (``/`` replaced by ``_``), as in Keras.

        Example:
            >>> import polykeras
            >>> w = polykeras.Variable([1.0, 2.0], name="w")
            >>> opt = Optimizer()
            >>> opt.build([w])
            >>> opt.add_variable_from_reference(w, "momentum").name
            'w_momentum'
        """
        prefix = str(getattr(reference_variable, "path", None) or reference_variable.name)
        prefix = prefix.replace("/", "_").replace(":", "_")
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype,
                                 name=f"{prefix}_{name or 'var'}")

    def add_optimizer_variables(self, variables: Sequence[Variable], names: str | Sequence[str],
                                initializer: Any = "zeros") -> Any:
        """Slots for every variable, interleaved per variable like Keras.

        With one name returns one list; with several names returns a tuple of lists
        (``variables[0]``'s slots first, then ``variables[1]``'s, ...).

        Example:
            >>> import polykeras
            >>> w = polykeras.Variable([1.0], name="w")
            >>> opt = Optimizer()
            >>> opt.build([w])
            >>> m, v = opt.add_optimizer_variables([w], ["m", "v"])
            >>> [x.name for x in opt.variables[2:]]
            ['w_m', 'w_v']
        """
        single = isinstance(names, str)
        name_list: list[str] = [names] if isinstance(names, str) else list(names)
        slots: tuple[list[Variable], ...] = tuple([] for _ in name_list)
        for variable in variables:
            for slot, name in zip(slots, name_list, strict=True):
                slot.append(self.add_variable_from_reference(variable, name, initializer))
        return slots[0] if single else slots

    def _get_variable_index(self, variable: Variable) -> int:
        try:
            return self._variable_index[id(variable)]
        except KeyError:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} was built for other variables and "
                f"received {getattr(variable, 'path', variable)!r}. Create a new optimizer "
                "for a new set of variables."
            ) from None

    # --------------------------------------------------------------- weight decay
    def exclude_from_weight_decay(self, var_list: Iterable[Variable] | None = None,
                                  var_names: Iterable[str] | None = None) -> None:
        """Exclude variables (or variables whose name contains one of ``var_names``,
        as a regular expression) from weight decay. Call before the optimizer is built.

        Example:
            >>> opt = Optimizer(weight_decay=0.01)
            >>> opt.exclude_from_weight_decay(var_names=["bias"])
        """
        if self.built:
            raise ValueError(
                f"{type(self).__name__}.exclude_from_weight_decay must be called before the "
                "optimizer is built (before the first apply / fit)."
            )
        self._exclude_ids = {id(v) for v in (var_list or ())}
        names = list(var_names or ())
        self._exclude_pattern = re.compile("|".join(names)) if names else None

    def _uses_weight_decay(self, variable: Variable) -> bool:
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None and self._exclude_pattern.search(
                str(variable.name)):
            return False
        return True

    # -------------------------------------------------------------- learning rate
    @property
    def learning_rate(self) -> Any:
        """The learning rate: the schedule (or callable) when one was given, else the
        current rate as a tensor (a float before the optimizer is built).

        Setting a number assigns the learning-rate Variable, so a compiled train step
        sees the new value at its next call.
        """
        if self._schedule is not None:
            return self._schedule
        if self._learning_rate_variable is None:
            return self._learning_rate_value
        return self._learning_rate_variable.value

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, schedules.LearningRateSchedule) or (
                callable(value) and not isinstance(value, Variable)):
            self._schedule = value
            self._schedule_takes_step = _takes_step(value)
            return
        if self._schedule is not None:
            raise TypeError(
                f"{type(self).__name__} {self.name!r} was created with a learning-rate "
                f"schedule, so its rate cannot be set to {value!r}. Create the optimizer "
                "with a float `learning_rate` to change the rate during training."
            )
        if isinstance(value, Variable):
            value = value.value
        if self._learning_rate_variable is None:
            self._set_learning_rate_arg(type(self).__name__, value)
        else:
            self._learning_rate_variable.assign(value)

    @property
    def lr(self) -> Any:
        """Deprecated spelling of :attr:`learning_rate`."""
        warnings.warn("`optimizer.lr` is deprecated; use `optimizer.learning_rate`.",
                      DeprecationWarning, stacklevel=2)
        return self.learning_rate

    @lr.setter
    def lr(self, value: Any) -> None:
        warnings.warn("`optimizer.lr` is deprecated; use `optimizer.learning_rate`.",
                      DeprecationWarning, stacklevel=2)
        self.learning_rate = value

    def _current_learning_rate(self) -> Any:
        """The rate for this step as a ``floatx()`` scalar tensor (schedule and legacy
        ``decay`` applied)."""
        if self._schedule is None:
            lr = self._learning_rate_variable.value  # type: ignore[union-attr]
            if self.decay is None:
                return lr
        step = self.iterations.value
        if self._schedule is not None:
            lr = self._schedule(step) if self._schedule_takes_step else self._schedule()
            lr = ops.cast(ops.convert_to_tensor(lr), floatx())
        if self.decay is not None:
            step = ops.cast(step, ops.dtype(lr))
            lr = ops.divide(lr, ops.add(1.0, ops.multiply(self.decay, step)))
        return lr

    # ---------------------------------------------------------------------- apply
    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None
              ) -> None:
        """Update ``trainable_variables`` with ``grads`` and advance :attr:`iterations`.

        Gradient clipping comes first, then decoupled weight decay, then each variable's
        ``update_step``, then variable constraints. ``None`` gradients are skipped (with
        a warning). Builds the optimizer on first use.

        Args:
            grads: one gradient per variable.
            trainable_variables: the variables; defaults to those the optimizer was built
                for.
        """
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{type(self).__name__}.apply needs `trainable_variables` when the "
                    "optimizer is not built yet."
                )
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__}.apply received {len(grads)} gradients for "
                f"{len(variables)} variables; pass exactly one gradient per variable."
            )
        if not self.built:
            self.build(variables)
        pairs = [(g, v) for g, v in zip(grads, variables, strict=True) if g is not None]
        if len(pairs) < len(variables):
            if not pairs:
                raise ValueError(
                    f"{type(self).__name__}.apply received no gradient (all None). Check "
                    "that the loss depends on the trainable variables."
                )
            missing = [getattr(v, "path", v)
                       for g, v in zip(grads, variables, strict=True) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing}; they are "
                          "not updated.", stacklevel=2)
            grads = [g for g, _ in pairs]
            variables = [v for _, v in pairs]
        index_of = self._variable_index
        try:
            indices = [index_of[id(v)] for v in variables]
        except KeyError:
            indices = [self._get_variable_index(v) for v in variables]  # raises, naming it

        self._step_constants = {}
        if selection.active() is self._backend:
            self._apply_in_backend(grads, variables, indices)
        else:
            with selection.use(self._backend):
                self._apply_in_backend(grads, variables, indices)

    def _apply_in_backend(self, grads: list[Any], variables: list[Variable],
                          indices: list[int]) -> None:
        """The body of :meth:`apply`, run with the optimizer's backend active."""
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]
        raw_step = self._iterations.value  # type: ignore[union-attr]
        if self.gradient_accumulation_steps:
            step_options.accumulate_then_update(self, grads, variables, indices)
        else:
            self._update(grads, variables, indices, self._current_learning_rate())
        if self._has_constraints:
            for variable, index in zip(variables, indices, strict=True):
                constraint = self._constraints[index]
                if constraint is not None:
                    variable.assign(constraint(variable.value))
        if self.use_ema:
            step_options.update_averages(self)
        self._iterations.assign(ops.add(raw_step, 1))  # type: ignore[union-attr]

    def _update(self, grads: list[Any], variables: list[Variable], indices: list[int],
                learning_rate: Any) -> None:
        """Clipping, weight decay and the update rule for one step's gradients."""
        if self.clipnorm or self.global_clipnorm or self.clipvalue:
            grads = self._clip_gradients(grads)
        if self.weight_decay:
            self._apply_weight_decay(variables, indices, learning_rate)
        self._step_indices = indices
        self._update_step_all(grads, variables, learning_rate)

    @property
    def scales_loss(self) -> bool:
        """Whether :meth:`scale_loss` changes the loss (the train step asks once)."""
        return self.loss_scale_factor is not None

    def scale_loss(self, loss: Any) -> Any:
        """``loss * loss_scale_factor`` (the loss itself when no factor is set)."""
        if self.loss_scale_factor is None:
            return loss
        return ops.multiply(loss, self.loss_scale_factor)

    def finalize_variable_values(self, var_list: Sequence[Variable]) -> None:
        """With ``use_ema``, copy the moving averages into ``var_list`` (the variables the
        optimizer was built for); otherwise do nothing. ``fit`` calls it at the end."""
        if self.use_ema and self._averages:
            step_options.overwrite_with_averages(self, list(var_list))

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Variable]]) -> None:
        """``apply`` for a list of ``(gradient, variable)`` pairs.

        Example:
            >>> import polykeras
            >>> from polykeras.optimizers import SGD
            >>> w = polykeras.Variable([1.0])
            >>> SGD(0.5).apply_gradients([(ops.convert_to_tensor([1.0]), w)])
            >>> w.numpy()
            array([0.5], dtype=float32)
        """
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def stateless_apply(self, optimizer_variables: Sequence[Any], grads: Sequence[Any],
                        trainable_variables: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """``apply`` as a pure function of tensors: returns ``(new trainable values, new
        optimizer values)`` without changing any Variable. The optimizer must be built.

        Args:
            optimizer_variables: values for :attr:`variables`, in order.
            grads: one gradient per trainable variable.
            trainable_variables: values for the variables the optimizer was built for.
        """
        if not self.built:
            raise ValueError(
                f"{type(self).__name__}.stateless_apply needs a built optimizer; call "
                "`optimizer.build(trainable_variables)` first."
            )
        if len(optimizer_variables) != len(self.variables):
            raise ValueError(
                f"{type(self).__name__}.stateless_apply expected {len(self.variables)} "
                f"optimizer values (one per optimizer.variables), received "
                f"{len(optimizer_variables)}."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                f"{type(self).__name__}.stateless_apply expected "
                f"{len(self._trainable_variables)} trainable values (the variables it was "
                f"built for), received {len(trainable_variables)}."
            )
        mapping = list(zip(self._trainable_variables, trainable_variables, strict=True))
        mapping += list(zip(self.variables, optimizer_variables, strict=True))
        with StatelessScope(mapping) as scope:
            self.apply(grads, self._trainable_variables)
        return ([scope.get(v) for v in self._trainable_variables],
                [scope.get(v) for v in self.variables])

    def _clip_gradients(self, grads: list[Any]) -> list[Any]:
        if self.clipnorm:
            return [clipping.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm:
            return clipping.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return [clipping.clip_by_value(g, self.clipvalue) for g in grads]
        return grads

    def _apply_weight_decay(self, variables: list[Variable], indices: list[int],
                            learning_rate: Any) -> None:
        if not self.weight_decay:
            return
        for variable, index in zip(variables, indices, strict=True):
            if not self._decays_variable[index]:
                continue
            lr = ops.cast(learning_rate, variable.dtype)
            value = variable.value
            variable.assign(ops.subtract(
                value, ops.multiply(ops.multiply(value, self.weight_decay), lr)))

    def _update_step_all(self, grads: list[Any], variables: list[Variable],
                         learning_rate: Any) -> None:
        """Every variable's update; subclasses with per-step shared state extend it."""
        for grad, variable in zip(grads, variables, strict=True):
            self.update_step(grad, variable, learning_rate)

    def _fused_groups(self, grads: list[Any], variables: list[Variable]
                      ) -> list[tuple[str, list[Variable], list[Any], list[int]]]:
        """``(dtype, variables, gradients, slot indices)`` per variable dtype, gradients
        cast to it: the batches a backend's fused update kernel takes."""
        groups: dict[str, tuple[str, list[Variable], list[Any], list[int]]] = {}
        for gradient, variable, index in zip(grads, variables, self._step_indices,
                                             strict=True):
            dtype = variable.dtype
            group = groups.get(dtype)
            if group is None:
                group = groups[dtype] = (dtype, [], [], [])
            group[1].append(variable)
            group[2].append(matching_gradient(gradient, variable))
            group[3].append(index)
        return list(groups.values())

    def _per_step(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per ``apply`` for ``key`` (e.g. bias corrections per dtype)."""
        cache = self._step_constants
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    def update_step(self, gradient: Any, variable: Variable, learning_rate: Any) -> None:
        """Update one variable from its gradient; implemented by subclasses."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement "
            "`update_step(self, gradient, variable, learning_rate)`."
        )

    # ------------------------------------------------------------- serialization
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (Keras 3 keys), JSON-compatible.

        Example:
            >>> sorted(Optimizer(learning_rate=0.1).get_config())[:3]
            ['clipnorm', 'clipvalue', 'ema_momentum']
        """
        if isinstance(self._schedule, schedules.LearningRateSchedule):
            learning_rate: Any = schedules.serialize(self._schedule)
        elif self._schedule is not None:
            learning_rate = _serialize_function(self._schedule)
        elif self._learning_rate_variable is not None:
            learning_rate = float(self._learning_rate_variable.numpy())
        else:
            learning_rate = self._learning_rate_value
        config = {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay is not None:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> Optimizer:
        """A new optimizer (without state) from :meth:`get_config`'s output."""
        config = dict(config)
        learning_rate = config.get("learning_rate")
        if isinstance(learning_rate, dict):
            if learning_rate.get("class_name") == "function":
                config["learning_rate"] = _deserialize_function(learning_rate, custom_objects)
            else:
                config["learning_rate"] = schedules.deserialize(learning_rate, custom_objects)
        decay = config.pop("decay", None)
        optimizer = cls(**config)
        if decay:
            _check_non_negative(cls.__name__, "decay", decay)
            optimizer.decay = decay
        return optimizer

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


def _serialize_function(fn: Callable[..., Any]) -> dict[str, Any]:
    return {
        "module": getattr(fn, "__module__", None),
        "class_name": "function",
        "config": getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn))),
        "registered_name": None,
    }


def _deserialize_function(config: dict[str, Any],
                          custom_objects: dict[str, Any] | None) -> Callable[..., Any]:
    """A learning-rate function from ``custom_objects`` or the registered objects only:
    a config never makes polykeras import a module it names."""
    from polykeras.saving.registration import get_custom_objects

    name = config.get("config")
    known = {**get_custom_objects(), **(custom_objects or {})}
    if name in known:
        return known[name]
    raise ValueError(
        f"Cannot find the learning-rate function {name!r} (module {config.get('module')!r}). "
        f"Pass `custom_objects={{{name!r}: your_function}}` or register it with "
        "polykeras.saving.register_keras_serializable()."
    )
