"""What ``compile()`` was called with, as a Keras 3 ``compile_config``, and back.

Example:
    >>> import polykeras
    >>> model = polykeras.Sequential([polykeras.layers.Dense(1, input_shape=(2,))])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> sorted(compile_config(model))[:3]
    ['jit_compile', 'loss', 'loss_weights']
"""

from __future__ import annotations

from typing import Any

from polykeras.backend import selection


def compile_config(model: Any) -> dict[str, Any]:
    """The ``compile_config`` entry of a compiled model's serialized config."""
    from polykeras.saving.serialization import serialize_object

    compile_loss = model._compile_loss
    compile_metrics = model._compile_metrics
    losses = [None if loss is None else serialize_object(loss) for loss in compile_loss.losses]
    weights = compile_loss.weights
    if compile_loss.output_names:
        loss: Any = losses
        loss_weights: Any = weights
    else:
        loss = losses[0] if losses else None
        loss_weights = weights[0] if weights else None
    return {
        "optimizer": serialize_object(model.optimizer),
        "loss": loss,
        "loss_weights": loss_weights,
        "metrics": serialize_object(compile_metrics._spec),
        "weighted_metrics": serialize_object(compile_metrics._weighted_spec),
        "run_eagerly": bool(model.run_eagerly),
        "steps_per_execution": 1,
        "jit_compile": "auto",
    }


def compile_from_config(model: Any, config: dict[str, Any]) -> None:
    """Compile ``model`` as ``config`` says and build its optimizer when the model is built.

    Custom objects and safe mode come from the enclosing loading call.
    """
    from polykeras.saving.serialization import deserialize_object

    optimizer = deserialize_object(config.get("optimizer", "rmsprop"), kind="optimizers")
    if isinstance(optimizer, str):
        from polykeras import optimizers

        optimizer = optimizers.get(optimizer)
    loss = deserialize_object(config.get("loss"), kind="losses")
    metrics = deserialize_object(config.get("metrics"), kind="metrics")
    weighted = deserialize_object(config.get("weighted_metrics"), kind="metrics")
    model.compile(optimizer=optimizer, loss=loss, loss_weights=config.get("loss_weights"),
                  metrics=metrics, weighted_metrics=weighted,
                  run_eagerly=bool(config.get("run_eagerly", False)))
    if model.built and model.trainable_variables:
        with selection.use(model._backend):
            model.optimizer.build(model.trainable_variables)
