"""Model weights in HDF5, in the Keras 3 layout (``model.weights.h5``, ``*.weights.h5``).

Every layer (and the optimizer) owns a group ``<path>/vars`` holding its own variables
as datasets ``"0"``, ``"1"`` ... in creation order (trainable first), with the object's
name as the group's ``name`` attribute. Paths follow the object tree as Keras 3 walks
it: a model's layers under ``layers/<class in snake_case>[_<n>]``, attributes of custom
layers under the attribute name, the optimizer under ``optimizer``, the model's own
variables in the root ``vars`` group.

Reading only takes numeric datasets as arrays (h5py never unpickles); every problem
(missing group, wrong count, wrong shape, foreign data) is a ``ValueError`` that names
the file and the layer.

Example:
    >>> import polykeras
    >>> model = polykeras.Sequential([polykeras.layers.Dense(2, input_shape=(3,))])
    >>> [path for path, _ in saveable_tree(model)]
    ['', 'layers/dense']
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from polykeras.backend import selection

#: Instance attributes of models that hold framework state, not sublayers to save.
_MODEL_INTERNALS = frozenset({
    "_layers", "_input_layer", "_symbolic_output", "_inputs_struct", "_outputs_struct",
    "inputs", "outputs", "_nodes", "_run_nodes", "_compile_loss", "_compile_metrics",
    "_deferred", "_functions", "history", "_output_shape", "_initial_epoch_override",
    "_initial_step_override", "_fit_rng",
})


def h5py_module() -> Any:
    """h5py, or an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(
            "Saving and loading weights needs h5py. Install it with "
            "`pip install h5py` (from a polykeras checkout: `pip install \".[saving]\"`)."
        ) from None
    return h5py


def keras_snake_case(name: str) -> str:
    """Keras 3's snake case of a class name (``Conv2D`` -> ``conv2d``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


@functools.cache
def _framework_attributes() -> frozenset[str]:
    from polykeras.layers.layer import Layer
    from polykeras.models.model import Model
    from polykeras.models.sequential import Sequential

    names: set[str] = set()
    for probe in (Layer(name="probe"), Model(name="probe"), Sequential(name="probe")):
        names.update(vars(probe))
    names.discard("optimizer")
    return frozenset(names | _MODEL_INTERNALS)


def _is_saveable(obj: Any) -> bool:
    from polykeras.layers.layer import Layer
    from polykeras.optimizers import Optimizer

    return isinstance(obj, (Layer, Optimizer))


def _name_key(name: str) -> str:
    return f"~{name}" if name.startswith("_") else name


def _children(obj: Any) -> Iterator[tuple[str, Any]]:
    from polykeras.layers.layer import Layer
    from polykeras.models.functional import Functional
    from polykeras.models.model import Model
    from polykeras.models.sequential import Sequential
    from polykeras.saving.graph_config import keras_layer_order

    if not isinstance(obj, Layer):
        return
    skip = _framework_attributes()
    attrs = {k: v for k, v in vars(obj).items() if k not in skip and not k.startswith("__")}
    if isinstance(obj, Functional):
        yield "layers", keras_layer_order(obj)
    elif isinstance(obj, Sequential):
        yield "layers", obj.layers
    elif isinstance(obj, Model):
        attrs["layers"] = obj.layers
    for key in sorted(attrs, key=_name_key):
        yield key, attrs[key]


def own_variables(obj: Any) -> list[Any]:
    """The variables an object saves in its own ``vars`` group."""
    from polykeras.optimizers import Optimizer

    if isinstance(obj, Optimizer):
        return list(obj.variables)
    return list(obj._trainable_variables) + list(obj._non_trainable_variables)


def keras_trainable_order(layer: Any) -> list[Any]:
    """The trainable variables of ``layer`` in the order Keras 3 lists them (functional
    models list their layers in :func:`~polykeras.saving.graph_config.keras_layer_order`)."""
    from polykeras.models.functional import Functional
    from polykeras.saving.graph_config import keras_layer_order

    out: list[Any] = []
    seen: set[int] = set()

    def collect(obj: Any) -> None:
        if not obj.trainable:
            return
        for v in obj._trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for sub in (keras_layer_order(obj) if isinstance(obj, Functional) else obj._layers):
            collect(sub)

    collect(layer)
    return out


class _Reference:
    """Stands for a trainable variable when asking an optimizer which slots it creates."""

    def __init__(self, variable: Any) -> None:
        self.path, self.name, self.dtype = variable.path, variable.name, variable.dtype
        self.shape: tuple[int, ...] = ()
        self.trainable = True


def optimizer_file_order(model: Any, optimizer: Any) -> list[Any]:
    """The optimizer's variables in the order a Keras 3 file holds them.

    Slots follow the model's trainable variables; when polykeras lists those in another
    order than Keras (functional models), the slots are permuted to Keras's order by
    matching slot names, which depend only on the variable each slot belongs to.
    """
    variables = own_variables(optimizer)
    ours = model.trainable_variables
    theirs = keras_trainable_order(model)
    if [id(v) for v in ours] == [id(v) for v in theirs]:
        return variables
    by_name = {v.name: v for v in variables}
    try:
        probe = type(optimizer).from_config(optimizer.get_config())
        with selection.use(optimizer._backend or selection.current()):
            probe.build([_Reference(v) for v in theirs])
        names = [v.name for v in probe.variables]
    except Exception as exc:  # a user optimizer that cannot be probed
        names, reason = [], f"{type(exc).__name__}: {exc}"
    else:
        reason = "slot names are not unique"
    if len(by_name) == len(variables) and sorted(names) == sorted(by_name):
        return [by_name[n] for n in names]
    warnings.warn(
        f"Cannot order the state of optimizer {optimizer.name!r} the way Keras 3 does "
        f"({reason}); it is saved in polykeras order, which Keras 3 may not restore.",
        stacklevel=4)
    return variables


def saveable_tree(model: Any) -> list[tuple[str, Any]]:
    """``(path, object)`` for the model and every layer/optimizer under it, Keras order."""
    out: list[tuple[str, Any]] = []
    visited: set[int] = set()
    containers: set[int] = set()

    def walk(obj: Any, path: str) -> None:
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            child_path = f"{path}/{attr}" if path else attr
            if _is_saveable(child):
                walk(child, child_path)
            elif isinstance(child, (list, tuple, dict)):
                walk_container(child, child_path)

    def walk_container(container: Any, path: str) -> None:
        if id(container) in containers:
            return
        containers.add(id(container))
        used: dict[str, int] = {}
        items = container.values() if isinstance(container, dict) else container
        for item in items:
            if _is_saveable(item):
                walk(item, f"{path}/{_unique(keras_snake_case(type(item).__name__), used)}")
            elif isinstance(item, (list, tuple, dict)):
                walk_container(item, f"{path}/{_unique('container', used)}")

    walk(model, "")
    return out


def _unique(name: str, used: dict[str, int]) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ------------------------------------------------------------------------ write
def write_weights(model: Any, h5file: Any) -> None:
    """Write every variable of ``model`` (and its optimizer) into an open h5py File."""
    from polykeras.optimizers import Optimizer

    for path, obj in saveable_tree(model):
        group = h5file.create_group(f"{path}/vars" if path else "vars")
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        variables = (optimizer_file_order(model, _built_optimizer(model, obj))
                     if isinstance(obj, Optimizer) else own_variables(obj))
        for i, variable in enumerate(variables):
            array = np.asarray(variable.numpy())
            # Checksummed (Fletcher-32), so a corrupted weights file is detected on reading.
            group.create_dataset(str(i), data=array, fletcher32=array.size > 0 and array.ndim > 0)


def _built_optimizer(model: Any, optimizer: Any) -> Any:
    """``optimizer``, or for one not built yet a fresh copy built on the model's
    trainable variables (its initial state, which Keras 3 expects in the file); the
    model's own optimizer is left untouched."""
    if optimizer.built or not getattr(model, "built", False) or not model.trainable_variables:
        return optimizer
    try:
        fresh = type(optimizer).from_config(optimizer.get_config())
        with selection.use(model._backend):
            fresh.build(model.trainable_variables)
    except Exception:  # a user optimizer that cannot be copied: save no state
        return optimizer
    return fresh


def weights_bytes(model: Any) -> bytes:
    """The ``model.weights.h5`` content for ``model``."""
    h5py = h5py_module()

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        write_weights(model, h5file)
    return buffer.getvalue()


# ------------------------------------------------------------------------- read
def open_h5(source: Any, label: str) -> Any:
    """An h5py File opened read-only on a path or bytes, errors as ``ValueError``."""
    h5py = h5py_module()

    try:
        return h5py.File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"{label} is not a readable HDF5 weights file (truncated, corrupt or another "
            f"format): {exc}"
        ) from None


def _read_array(group: Any, key: str, where: str) -> np.ndarray:
    h5py = h5py_module()

    try:
        dataset = group[key]
    except (KeyError, ValueError, OSError) as exc:
        raise ValueError(f"{where}: cannot read weight {key!r} ({exc}).") from None
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"{where}: entry {key!r} is not an array.")
    if dataset.dtype.kind not in "biuf":
        raise ValueError(
            f"{where}: weight {key!r} has dtype {dataset.dtype}; expected numbers."
        )
    try:
        return np.asarray(dataset[()])
    except (OSError, ValueError) as exc:
        raise ValueError(f"{where}: weight {key!r} cannot be read ({exc}); the file is "
                         "truncated or corrupt.") from None


def _vars_group(h5file: Any, path: str) -> Any:
    h5py = h5py_module()

    key = f"{path}/vars" if path else "vars"
    try:
        group = h5file.get(key)
    except (KeyError, ValueError, OSError):
        return None
    return group if isinstance(group, h5py.Group) else None


def _describe(obj: Any, path: str) -> str:
    return f"{type(obj).__name__} {getattr(obj, 'name', '?')!r} (path {path or '/'!r})"


def load_weights_into(model: Any, h5file: Any, label: str, skip_mismatch: bool = False,
                      restore_optimizer: bool = True) -> None:
    """Assign every variable of ``model`` from an open h5py File in the Keras layout.

    The optimizer (when the model has one and the file has its state) is built on the
    model's trainable variables first, then restored.

    Raises:
        ValueError: a layer's weights are missing or have another count or shape.
    """
    from polykeras.optimizers import Optimizer

    tree = saveable_tree(model)
    planned: list[tuple[Any, np.ndarray]] = []
    for path, obj in tree:
        if isinstance(obj, Optimizer):
            if restore_optimizer:
                planned.extend(_optimizer_plan(model, obj, h5file, path, label))
            continue
        variables = own_variables(obj)
        if not variables:
            continue
        where = f"{label}: {_describe(obj, path)}"
        group = _vars_group(h5file, path)
        if group is None:
            message = (f"{where} has {len(variables)} weight(s) but the file has none for "
                       f"it (no group {path + '/vars' if path else 'vars'!r}). The file was "
                       "saved from a different model.")
            if skip_mismatch:
                warnings.warn(message + " Skipped.", stacklevel=3)
                continue
            raise ValueError(message)
        arrays = _read_group(group, where)
        problem = _mismatch(variables, arrays)
        if problem:
            if skip_mismatch:
                warnings.warn(f"{where}: {problem} Skipped.", stacklevel=3)
                continue
            raise ValueError(f"{where}: {problem}")
        planned.extend(zip(variables, arrays, strict=True))
    for variable, array in planned:
        _assign(variable, array)


def _assign(variable: Any, array: np.ndarray) -> None:
    if array.dtype.name != variable.dtype:
        try:
            array = array.astype(np.dtype(variable.dtype))
        except TypeError:
            pass  # a dtype NumPy does not name (bfloat16): the backend casts it
    with selection.use(variable._backend):
        variable.assign(variable._backend.convert_to_tensor(array, variable.dtype))


def _read_group(group: Any, where: str) -> list[np.ndarray]:
    keys = list(group.keys())
    if sorted(keys, key=lambda k: (len(k), k)) != [str(i) for i in range(len(keys))]:
        raise ValueError(f"{where}: unexpected entries {sorted(keys)} in the weights file.")
    return [_read_array(group, str(i), where) for i in range(len(keys))]


def _mismatch(variables: list[Any], arrays: list[np.ndarray]) -> str | None:
    if len(arrays) != len(variables):
        return (f"expected {len(variables)} weight(s) with shapes "
                f"{[v.shape for v in variables]}, the file has {len(arrays)} with shapes "
                f"{[a.shape for a in arrays]}.")
    for i, (v, a) in enumerate(zip(variables, arrays, strict=True)):
        if tuple(a.shape) != tuple(v.shape):
            return (f"weight {i} ({v.name!r}) has shape {v.shape} in the model but "
                    f"{tuple(a.shape)} in the file.")
    return None


def _optimizer_plan(model: Any, optimizer: Any, h5file: Any, path: str,
                    label: str) -> list[tuple[Any, np.ndarray]]:
    group = _vars_group(h5file, path)
    if group is None or not len(group):
        return []
    where = f"{label}: optimizer {optimizer.name!r}"
    arrays = _read_group(group, where)
    if not optimizer.built and model.trainable_variables:
        with selection.use(model._backend):
            optimizer.build(model.trainable_variables)
    variables = optimizer_file_order(model, optimizer)
    step_variables = [v for v in (optimizer._iterations, optimizer._learning_rate_variable)
                      if v is not None]
    if len(arrays) == len(step_variables) < len(variables) and all(
            a.shape == () for a in arrays):
        # Keras 3 saves an optimizer that never trained as its step counter and learning
        # rate only: restore those; its slots start fresh, as they would have there.
        return list(zip(step_variables, arrays, strict=True))
    if len(arrays) != len(variables):
        warnings.warn(
            f"{where}: the file holds {len(arrays)} optimizer variables but the optimizer "
            f"has {len(variables)}; the optimizer state was not restored (training starts "
            "with a fresh optimizer state).", stacklevel=4)
        return []
    problem = _mismatch(variables, arrays)
    if problem:
        raise ValueError(f"{where}: {problem}")
    return list(zip(variables, arrays, strict=True))
