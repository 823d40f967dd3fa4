"""What ``compile()`` turns its loss and metrics arguments into.

Example:
    >>> loss = CompileLoss("mse", None, [])
    >>> type(loss.losses[0]).__name__
    'MeanSquaredError'
"""

from __future__ import annotations

from typing import Any

from polykeras import losses as losses_mod
from polykeras.layers.graph import flatten


def _per_output(value: Any, names: list[str], what: str) -> list[Any]:
    """One entry per output from a single value, a list or a dict keyed by output name."""
    n = max(1, len(names))
    if isinstance(value, dict):
        if not names:
            raise ValueError(f"{what} given as a dict needs a model with named outputs.")
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError(
                f"{what} has keys {sorted(unknown)} that are not output names; outputs are "
                f"{names}."
            )
        return [value.get(name) for name in names]
    if isinstance(value, (list, tuple)) and n > 1:
        if len(value) != n:
            raise ValueError(f"{what} has {len(value)} entries but the model has {n} outputs.")
        return list(value)
    return [value] * n


class CompileLoss:
    """The compiled loss: one Loss per output, weighted and summed."""

    def __init__(self, loss: Any, loss_weights: Any, output_names: list[str]) -> None:
        self.output_names = output_names
        # No loss is valid: the model adds its own (add_loss) or overrides its steps.
        self.losses = ([] if loss is None else
                       [losses_mod.get(entry) for entry in _per_output(loss, output_names, "loss")])
        weights = _per_output(loss_weights, output_names, "loss_weights") if loss_weights is not None else None
        self.weights = [1.0 if w is None else float(w) for w in weights] if weights else None

    def check_targets(self, y: Any) -> None:
        """Host-side check that targets given as a dict name the model's outputs."""
        if not isinstance(y, dict) or not self.output_names:
            return
        missing = [n for n in self.output_names if n not in y and
                   self.losses[self.output_names.index(n)] is not None]
        unknown = sorted(set(y) - set(self.output_names))
        if missing or unknown:
            raise ValueError(
                f"y is a dict with keys {sorted(y)}, but the model's outputs are named "
                f"{self.output_names}"
                + (f"; missing: {missing}" if missing else "")
                + (f"; not an output: {unknown}" if unknown else "")
                + ". Key the targets by output name."
            )

    def total(self, y_true: Any, y_pred: Any, sample_weight: Any, override: Any = None) -> Any:
        """The weighted sum of the per-output losses (None when compiled without one)."""
        from polykeras import ops

        if not self.losses:
            return None
        if len(self.losses) == 1:
            loss = override or self.losses[0]
            value = loss(y_true, y_pred, sample_weight)
            return value if self.weights is None else ops.multiply(value, self.weights[0])
        ys = [y_true[n] for n in self.output_names] if isinstance(y_true, dict) else flatten(y_true)
        preds = flatten(y_pred)
        if len(ys) != len(preds):
            raise ValueError(
                f"The model has {len(preds)} outputs but {len(ys)} targets were given."
            )
        total = None
        for i, (fn, yt, yp) in enumerate(zip(self.losses, ys, preds)):
            if fn is None:
                continue
            value = fn(yt, yp, sample_weight)
            if self.weights is not None:
                value = ops.multiply(value, self.weights[i])
            total = value if total is None else ops.add(total, value)
        return total


class CompileMetrics:
    """The loss tracker plus the compiled metrics (resolved from the first batch)."""

    def __init__(self, metrics: Any, weighted_metrics: Any, output_names: list[str],
                 compile_loss: CompileLoss) -> None:
        from polykeras.metrics.base import Mean

        self._spec = metrics
        self._weighted_spec = weighted_metrics
        self.output_names = output_names
        self.compile_loss = compile_loss
        self.loss_tracker = Mean(name="loss")
        self.metrics: list[Any] = []
        self._targets: list[tuple[int, bool]] = []  # (output index, weighted) per metric
        self.resolved = False
        self._check_names()

    def _check_names(self) -> None:
        from polykeras import metrics as metrics_mod

        for spec in (self._spec, self._weighted_spec):
            for entry in _flat_specs(spec):
                if isinstance(entry, str) and entry not in ("accuracy", "acc"):
                    metrics_mod.get(entry)  # raises a clear error for unknown names

    def resolve(self, y_batch: Any, output_shape: Any) -> None:
        """Create the metric objects, once, using the targets' and outputs' shapes."""
        if self.resolved:
            return
        from polykeras import metrics as metrics_mod

        out_shapes = output_shape if isinstance(output_shape, list) else [output_shape]
        ys = flatten(y_batch) if y_batch is not None else []
        for weighted, spec in ((False, self._spec), (True, self._weighted_spec)):
            if spec is None:
                continue
            per_output = _per_output(spec, self.output_names, "metrics")
            for i, entries in enumerate(per_output):
                if entries is None:
                    continue
                for entry in (entries if isinstance(entries, (list, tuple)) else [entries]):
                    if isinstance(entry, str) and entry in ("accuracy", "acc"):
                        yshape = tuple(ys[i].shape) if i < len(ys) else None
                        m = metrics_mod.resolve_accuracy(entry, self.compile_loss.losses[i],
                                                         yshape, tuple(out_shapes[i]))
                    else:
                        m = metrics_mod.get(entry)
                        yshape = tuple(ys[i].shape) if i < len(ys) else None
                        m.build(yshape, tuple(out_shapes[i]))
                    if self.output_names:
                        m.name = f"{self.output_names[i]}_{m.name}"
                    self.metrics.append(m)
                    self._targets.append((i, weighted))
        self.resolved = True

    @property
    def variables(self) -> list[Any]:
        out = list(self.loss_tracker.variables)
        for m in self.metrics:
            out.extend(m.variables)
        return out

    def update(self, loss: Any, y_true: Any, y_pred: Any, sample_weight: Any,
               batch_size: int) -> None:
        self.loss_tracker.update_state(loss, sample_weight=float(batch_size))
        if self.metrics:
            self.update_metrics(y_true, y_pred, sample_weight)

    def update_metrics(self, y_true: Any, y_pred: Any, sample_weight: Any) -> None:
        """Update the compiled metrics (not the loss tracker)."""
        if not self.metrics:
            return
        if isinstance(y_true, dict):
            ys = [y_true[n] for n in self.output_names]
        else:
            ys = flatten(y_true) if len(self.output_names) > 1 else [y_true]
        preds = flatten(y_pred) if len(self.output_names) > 1 else [y_pred]
        for m, (i, weighted) in zip(self.metrics, self._targets):
            m.update_state(ys[i], preds[i], sample_weight if weighted else None)

    def names(self) -> list[str]:
        return ["loss"] + [m.name for m in self.metrics]

    def results(self) -> dict[str, float]:
        import numpy as np

        from polykeras import ops

        def value(metric: Any) -> Any:
            arr = np.asarray(ops.convert_to_numpy(metric.result()))
            return float(arr) if arr.size == 1 else arr.tolist()

        out = {"loss": value(self.loss_tracker)}
        for m in self.metrics:
            out[m.name] = value(m)
        return out

    def reset(self) -> None:
        self.loss_tracker.reset_state()
        for m in self.metrics:
            m.reset_state()


def _flat_specs(spec: Any) -> list[Any]:
    if spec is None:
        return []
    if isinstance(spec, dict):
        return [x for v in spec.values() for x in _flat_specs(v)]
    if isinstance(spec, (list, tuple)):
        return [x for v in spec for x in _flat_specs(v)]
    return [spec]
