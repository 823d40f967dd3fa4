"""The workloads written by hand in TensorFlow: a ``tf.GradientTape`` step in a ``tf.function``.

Plain ``tf.Variable`` weights, ``tf.nn`` ops and the optimizer updates written as variable
assignments inside the same compiled step (default TF threading, no XLA, as Keras 3 uses
on CPU). The step has a fixed input signature, so a smaller last batch does not retrace.
The epoch loss is accumulated in a variable and read once.

Example:
    >>> from benchmarks.workload import Sizes
    >>> run = build("mlp_epoch", data_folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
    >>> run()  # one epoch; returns its mean loss  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from benchmarks import data
from benchmarks.workload import (
    ADAM_BETA_1,
    ADAM_BETA_2,
    ADAM_EPSILON,
    ADAM_LEARNING_RATE,
    CNN_DROPOUT,
    CNN_POOL,
    DECODER_STRIDE,
    DROPOUT,
    LEARNING_RATE,
    MOMENTUM,
    SEED_MLP,
    SMALL_MLP,
    Sizes,
    epoch_batches,
    init_cnn,
    init_decoder,
    init_mlp,
)


def mlp_logits(params: list[tf.Variable], x: tf.Tensor, training: bool) -> tf.Tensor:
    kernels, biases = params[0::2], params[1::2]
    for w, b in zip(kernels[:-1], biases[:-1], strict=True):
        x = tf.tanh(tf.matmul(x, w) + b)
        if training:
            x = tf.nn.dropout(x, rate=DROPOUT)
    return tf.matmul(x, kernels[-1]) + biases[-1]


def cnn_logits(params: dict[str, tf.Variable], x: tf.Tensor) -> tf.Tensor:
    """Conv-relu-pool twice, a relu Dense, dropout, then the output logits."""
    for k, b in (("k1", "b1"), ("k2", "b2")):
        x = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, params[k], 1, "VALID"), params[b]))
        x = tf.nn.max_pool2d(x, CNN_POOL, CNN_POOL, "VALID")
    x = tf.nn.relu(tf.matmul(tf.reshape(x, (tf.shape(x)[0], -1)), params["w3"]) + params["b3"])
    x = tf.nn.dropout(x, rate=CNN_DROPOUT)
    return tf.matmul(x, params["w4"]) + params["b4"]


def decoder_output(params: dict[str, tf.Variable], x: tf.Tensor) -> tf.Tensor:
    """Two tf.nn.conv2d_transpose ("SAME", stride 2) with relu, a 3x3 "SAME" conv2d and
    the sigmoid."""
    for k, b in (("k1", "b1"), ("k2", "b2")):
        shape = tf.shape(x)
        out_shape = tf.stack([shape[0], shape[1] * DECODER_STRIDE, shape[2] * DECODER_STRIDE,
                              params[k].shape[2]])
        x = tf.nn.conv2d_transpose(x, params[k], out_shape, DECODER_STRIDE, "SAME")
        x = tf.nn.relu(tf.nn.bias_add(x, params[b]))
    x = tf.nn.bias_add(tf.nn.conv2d(x, params["k3"], 1, "SAME"), params["b3"])
    return tf.sigmoid(x)


class NesterovSGD:
    def __init__(self, params: list[tf.Variable]) -> None:
        self.params = params
        self.velocity = [tf.Variable(tf.zeros_like(p)) for p in params]

    def apply(self, grads: list[tf.Tensor]) -> None:
        for p, v, g in zip(self.params, self.velocity, grads, strict=True):
            v.assign(MOMENTUM * v - LEARNING_RATE * g)
            p.assign_add(MOMENTUM * v - LEARNING_RATE * g)


class Adam:
    def __init__(self, params: list[tf.Variable]) -> None:
        self.params = params
        self.m = [tf.Variable(tf.zeros_like(p)) for p in params]
        self.v = [tf.Variable(tf.zeros_like(p)) for p in params]
        self.t = tf.Variable(0.0)

    def apply(self, grads: list[tf.Tensor]) -> None:
        t = self.t.assign_add(1.0)
        alpha = (ADAM_LEARNING_RATE * tf.sqrt(1.0 - tf.pow(ADAM_BETA_2, t))
                 / (1.0 - tf.pow(ADAM_BETA_1, t)))
        for p, m, v, g in zip(self.params, self.m, self.v, grads, strict=True):
            m.assign(ADAM_BETA_1 * m + (1.0 - ADAM_BETA_1) * g)
            v.assign(ADAM_BETA_2 * v + (1.0 - ADAM_BETA_2) * tf.square(g))
            p.assign_sub(alpha * m / (tf.sqrt(v) + ADAM_EPSILON))


def _trainer(params: list[tf.Variable], logits_fn: Callable[[tf.Tensor], tf.Tensor],
             loss_fn: Callable[[tf.Tensor, tf.Tensor], tf.Tensor], optimizer: object,
             x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> Callable[[], float]:
    total = tf.Variable(0.0)
    rng = np.random.default_rng(seed)
    signature = [tf.TensorSpec((None, *x.shape[1:]), tf.float32),
                 tf.TensorSpec((None, *y.shape[1:]), tf.as_dtype(y.dtype))]

    @tf.function(input_signature=signature)
    def step(xb: tf.Tensor, yb: tf.Tensor) -> None:
        with tf.GradientTape() as tape:
            loss = loss_fn(logits_fn(xb), yb)
        optimizer.apply(tape.gradient(loss, params))  # type: ignore[attr-defined]
        total.assign_add(loss * tf.cast(tf.shape(xb)[0], tf.float32))

    def run() -> float:
        total.assign(0.0)
        for idx in epoch_batches(len(x), batch, rng):
            step(x[idx], y[idx])
        return float(total.numpy()) / len(x)

    return run


def build(bench: str, folder: str, sizes: Sizes, seed: int) -> Callable[[], float]:
    """A function running one repeat of ``bench``; it returns a loss or a checksum."""
    tf.random.set_seed(seed)
    if bench in ("mlp_epoch", "step"):
        widths, prefix, batch = ((SEED_MLP, "mlp", sizes.mlp_batch) if bench == "mlp_epoch"
                                 else (SMALL_MLP, "step", sizes.step_batch))
        params = [tf.Variable(arr) for pair in init_mlp(widths, seed) for arr in pair]

        def loss_fn(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(y, logits))

        return _trainer(params, lambda xb: mlp_logits(params, xb, True), loss_fn,
                        NesterovSGD(params), data.load(folder, prefix + "_x"),
                        data.load(folder, prefix + "_y"), batch, seed)
    if bench == "cnn_epoch":
        named = {k: tf.Variable(v) for k, v in init_cnn(seed).items()}

        def sparse_loss(logits: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))

        return _trainer(list(named.values()), lambda xb: cnn_logits(named, xb), sparse_loss,
                        Adam(list(named.values())), data.load(folder, "cnn_x"),
                        data.load(folder, "cnn_y"), sizes.cnn_batch, seed)
    if bench == "decoder_epoch":
        dec = {k: tf.Variable(v) for k, v in init_decoder(seed).items()}

        def mse(output: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
            return tf.reduce_mean(tf.square(output - y))

        return _trainer(list(dec.values()), lambda xb: decoder_output(dec, xb), mse,
                        Adam(list(dec.values())), data.load(folder, "decoder_x"),
                        data.load(folder, "cnn_x"), sizes.cnn_batch, seed)
    if bench == "predict":
        params = [tf.Variable(arr) for pair in init_mlp(SEED_MLP, seed) for arr in pair]
        forward = tf.function(lambda xb: tf.nn.softmax(mlp_logits(params, xb, False)),
                              input_signature=[tf.TensorSpec((None, SEED_MLP[0]), tf.float32)])
        x = data.load(folder, "predict_x")

        def run() -> float:
            outs = [forward(x[s:s + sizes.predict_batch]).numpy()
                    for s in range(0, len(x), sizes.predict_batch)]
            return float(np.concatenate(outs)[:, 0].mean())

        return run
    raise ValueError(f"Unknown benchmark {bench!r}.")

