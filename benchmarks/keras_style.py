"""The workloads through a Keras-style API: polykeras, or Keras 3 itself.

Both expose ``Sequential``, ``Input``, ``layers``, ``optimizers``, ``utils``, ``compile``,
``fit`` and ``predict`` with the same signatures, so one definition serves both and the
models cannot drift apart. Only the loss is tracked (no extra metrics), as in the seed.

Example:
    >>> import polykeras
    >>> from benchmarks.workload import Sizes
    >>> run = build(polykeras, "predict", data_folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
    >>> run()  # one timed repeat; returns a checksum  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import data, pipelines
from benchmarks.workload import (
    ADAM_BETA_1,
    ADAM_BETA_2,
    ADAM_EPSILON,
    ADAM_LEARNING_RATE,
    CNN_DROPOUT,
    CNN_FILTERS,
    CNN_HIDDEN,
    CNN_IMAGE,
    CNN_KERNEL,
    CNN_POOL,
    DECODER_FILTERS,
    DECODER_INPUT,
    DECODER_KERNEL,
    DECODER_OUT_KERNEL,
    DECODER_STRIDE,
    DROPOUT,
    LEARNING_RATE,
    MOMENTUM,
    SEED_MLP,
    SMALL_MLP,
    TRAINING_BENCHES,
    NotApplicable,
    Sizes,
    init_cnn,
    init_decoder,
    init_mlp,
)


def mlp(api: ModuleType, widths: tuple[int, ...], seed: int) -> Any:
    """Dense-tanh-Dropout blocks, then Dense-softmax; SGD with Nesterov momentum."""
    layers = api.layers
    stack: list[Any] = [api.Input(shape=(widths[0],))]
    for width in widths[1:-1]:
        stack += [layers.Dense(width), layers.Activation("tanh"), layers.Dropout(DROPOUT)]
    stack += [layers.Dense(widths[-1]), layers.Activation("softmax")]
    model = api.Sequential(stack)
    model.set_weights([arr for pair in init_mlp(widths, seed) for arr in pair])
    model.compile(
        optimizer=api.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM,
                                     nesterov=True),
        loss="categorical_crossentropy",
    )
    return model


def cnn(api: ModuleType, seed: int) -> Any:
    """The convnet of examples/mnist_cnn.py from the :func:`init_cnn` weights, loss only."""
    layers = api.layers
    model = api.Sequential([
        api.Input(shape=CNN_IMAGE),
        layers.Conv2D(CNN_FILTERS[0], CNN_KERNEL, activation="relu"),
        layers.MaxPooling2D(CNN_POOL),
        layers.Conv2D(CNN_FILTERS[1], CNN_KERNEL, activation="relu"),
        layers.MaxPooling2D(CNN_POOL),
        layers.Flatten(),
        layers.Dense(CNN_HIDDEN, activation="relu"),
        layers.Dropout(CNN_DROPOUT),
        layers.Dense(10, activation="softmax"),
    ])
    model.set_weights(list(init_cnn(seed).values()))
    model.compile(
        optimizer=api.optimizers.Adam(learning_rate=ADAM_LEARNING_RATE, beta_1=ADAM_BETA_1,
                                      beta_2=ADAM_BETA_2, epsilon=ADAM_EPSILON),
        loss="sparse_categorical_crossentropy",
    )
    return model


def decoder(api: ModuleType, seed: int) -> Any:
    """The Conv2DTranspose decoder from the :func:`init_decoder` weights; MSE, Adam."""
    layers = api.layers
    model = api.Sequential([
        api.Input(shape=DECODER_INPUT),
        layers.Conv2DTranspose(DECODER_FILTERS[0], DECODER_KERNEL, strides=DECODER_STRIDE,
                               padding="same", activation="relu"),
        layers.Conv2DTranspose(DECODER_FILTERS[1], DECODER_KERNEL, strides=DECODER_STRIDE,
                               padding="same", activation="relu"),
        layers.Conv2D(1, DECODER_OUT_KERNEL, padding="same", activation="sigmoid"),
    ])
    model.set_weights(list(init_decoder(seed).values()))
    model.compile(
        optimizer=api.optimizers.Adam(learning_rate=ADAM_LEARNING_RATE, beta_1=ADAM_BETA_1,
                                      beta_2=ADAM_BETA_2, epsilon=ADAM_EPSILON),
        loss="mse",
    )
    return model


def _fitter(model: Any, x: np.ndarray, y: np.ndarray, batch: int) -> Callable[[], float]:
    def run() -> float:
        history = model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
        return float(history.history["loss"][-1])

    return run


def build(api: ModuleType, bench: str, folder: str, sizes: Sizes, seed: int,
          can_fit: bool = True) -> Callable[[], float]:
    """A function running one repeat of ``bench``; it returns a loss or a checksum.

    Raises:
        NotApplicable: ``bench`` trains and ``can_fit`` is False.
    """
    if bench in TRAINING_BENCHES and not can_fit:
        raise NotApplicable("n/a (cannot fit)")
    api.utils.set_random_seed(seed)
    if bench == "mlp_epoch":
        return _fitter(mlp(api, SEED_MLP, seed), data.load(folder, "mlp_x"),
                       data.load(folder, "mlp_y"), sizes.mlp_batch)
    if bench == "step":
        return _fitter(mlp(api, SMALL_MLP, seed), data.load(folder, "step_x"),
                       data.load(folder, "step_y"), sizes.step_batch)
    if bench == "cnn_epoch":
        return _fitter(cnn(api, seed), data.load(folder, "cnn_x"), data.load(folder, "cnn_y"),
                       sizes.cnn_batch)
    if bench == "decoder_epoch":
        return _fitter(decoder(api, seed), data.load(folder, "decoder_x"),
                       data.load(folder, "cnn_x"), sizes.cnn_batch)
    if bench in pipelines.PIPELINE_BENCHES:
        return pipelines.build(api, mlp(api, SEED_MLP, seed), bench, folder, sizes, seed)
    if bench == "predict":
        model = mlp(api, SEED_MLP, seed)
        x = data.load(folder, "predict_x")

        def run() -> float:
            out = model.predict(x, batch_size=sizes.predict_batch, verbose=0)
            return float(np.asarray(out)[:, 0].mean())

        return run
    raise ValueError(f"Unknown benchmark {bench!r}.")
