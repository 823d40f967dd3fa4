"""The workloads written by hand in JAX: one jitted step, optax optimizers, host batches.

Batches are cut on the host from NumPy (as polykeras and Keras do) and passed to a
``jax.jit`` step that splits the dropout key, differentiates and applies the update.
Losses stay on the device until the end of the epoch. Without optax installed, the same
update rules are written with ``jax.tree.map`` (reported in the worker's info).

Example:
    >>> from benchmarks.workload import Sizes
    >>> run = build("mlp_epoch", data_folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
    >>> run()  # one epoch; returns its mean loss  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import data
from benchmarks.workload import (
    ADAM_BETA_1,
    ADAM_BETA_2,
    ADAM_EPSILON,
    ADAM_LEARNING_RATE,
    CNN_DROPOUT,
    CNN_POOL,
    DECODER_KERNEL,
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

try:
    import optax
except ImportError:  # the update rules below are exact equivalents
    optax = None

OPTIMIZER_SOURCE = "optax" if optax is not None else "jax.tree.map (optax not installed)"


def _sgd() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(init, update) of SGD with Nesterov momentum; update returns (params, state)."""
    if optax is not None:
        opt = optax.sgd(LEARNING_RATE, momentum=MOMENTUM, nesterov=True)

        def update(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
            updates, state = opt.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        return opt.init, update

    def init(params: Any) -> Any:
        return jax.tree.map(jnp.zeros_like, params)

    def update_manual(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        state = jax.tree.map(lambda v, g: MOMENTUM * v - LEARNING_RATE * g, state, grads)
        params = jax.tree.map(lambda p, v, g: p + MOMENTUM * v - LEARNING_RATE * g,
                              params, state, grads)
        return params, state

    return init, update_manual


def _adam() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """(init, update) of Adam; update returns (params, state)."""
    if optax is not None:
        opt = optax.adam(ADAM_LEARNING_RATE, b1=ADAM_BETA_1, b2=ADAM_BETA_2, eps=ADAM_EPSILON)

        def update(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
            updates, state = opt.update(grads, state, params)
            return optax.apply_updates(params, updates), state

        return opt.init, update

    def init(params: Any) -> Any:
        zeros = jax.tree.map(jnp.zeros_like, params)
        return (jnp.zeros((), jnp.int32), zeros, zeros)

    def update_manual(grads: Any, state: Any, params: Any) -> tuple[Any, Any]:
        t, m, v = state
        t = t + 1
        m = jax.tree.map(lambda m_, g: ADAM_BETA_1 * m_ + (1 - ADAM_BETA_1) * g, m, grads)
        v = jax.tree.map(lambda v_, g: ADAM_BETA_2 * v_ + (1 - ADAM_BETA_2) * g * g, v, grads)
        tf = t.astype(jnp.float32)
        m_hat = jax.tree.map(lambda m_: m_ / (1 - ADAM_BETA_1 ** tf), m)
        v_hat = jax.tree.map(lambda v_: v_ / (1 - ADAM_BETA_2 ** tf), v)
        params = jax.tree.map(
            lambda p, mh, vh: p - ADAM_LEARNING_RATE * mh / (jnp.sqrt(vh) + ADAM_EPSILON),
            params, m_hat, v_hat)
        return params, (t, m, v)

    return init, update_manual


def _dropout(key: Any, x: Any, rate: float = DROPOUT) -> Any:
    keep = jax.random.bernoulli(key, 1.0 - rate, x.shape)
    return jnp.where(keep, x / (1.0 - rate), 0.0)


def mlp_logits(params: Any, x: Any, key: Any | None) -> Any:
    """Dense-tanh(-dropout) blocks then the output logits; dropout when ``key`` is given."""
    *hidden, (w_out, b_out) = params
    for i, (w, b) in enumerate(hidden):
        x = jnp.tanh(x @ w + b)
        if key is not None:
            x = _dropout(jax.random.fold_in(key, i), x)
    return x @ w_out + b_out


def cnn_logits(params: Any, x: Any, key: Any) -> Any:
    """Conv-relu-pool twice, a relu Dense, dropout, then the output logits."""
    def conv_relu(x: Any, k: Any, b: Any) -> Any:
        y = jax.lax.conv_general_dilated(x, k, (1, 1), "VALID",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jax.nn.relu(y + b)

    def pool(x: Any) -> Any:
        window = (1, CNN_POOL, CNN_POOL, 1)
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, window, "VALID")

    x = pool(conv_relu(x, params["k1"], params["b1"]))
    x = pool(conv_relu(x, params["k2"], params["b2"]))
    x = jax.nn.relu(x.reshape(x.shape[0], -1) @ params["w3"] + params["b3"])
    x = _dropout(key, x, CNN_DROPOUT)
    return x @ params["w4"] + params["b4"]


def decoder_output(params: Any, x: Any, key: Any) -> Any:
    """Two transposed convolutions (input-dilated convolutions, as XLA writes them) with
    relu, then a "same" 3x3 convolution and the sigmoid."""
    k, s = DECODER_KERNEL, DECODER_STRIDE
    # "same" with a 4x4 kernel at stride 2 crops one row/column from each side of the
    # full transposed result: in dilated-input form, a pad of k - 2 on both sides.
    pads = ((k - 2, k - 2), (k - 2, k - 2))

    def up(x: Any, kernel: Any, b: Any) -> Any:
        y = jax.lax.conv_general_dilated(x, jnp.flip(kernel, (0, 1)), (1, 1), pads,
                                         lhs_dilation=(s, s),
                                         dimension_numbers=("NHWC", "HWOI", "NHWC"))
        return jax.nn.relu(y + b)

    x = up(up(x, params["k1"], params["b1"]), params["k2"], params["b2"])
    y = jax.lax.conv_general_dilated(x, params["k3"], (1, 1), "SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jax.nn.sigmoid(y + params["b3"])


def _mse_loss(output: Any, y: Any) -> Any:
    return jnp.mean(jnp.square(output - y))


def _categorical_loss(logits: Any, y: Any) -> Any:
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits), axis=-1))


def _sparse_loss(logits: Any, y: Any) -> Any:
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=-1))


def _trainer(params: Any, logits_fn: Callable[..., Any], loss_fn: Callable[..., Any],
             optimizer: tuple[Callable[..., Any], Callable[..., Any]], x: np.ndarray,
             y: np.ndarray, batch: int, seed: int) -> Callable[[], float]:
    init, update = optimizer
    state = {"params": params, "opt": init(params), "key": jax.random.PRNGKey(seed)}
    rng = np.random.default_rng(seed)

    @jax.jit
    def step(params: Any, opt_state: Any, key: Any, xb: Any, yb: Any) -> Any:
        key, sub = jax.random.split(key)
        loss, grads = jax.value_and_grad(lambda p: loss_fn(logits_fn(p, xb, sub), yb))(params)
        params, opt_state = update(grads, opt_state, params)
        return params, opt_state, key, loss * xb.shape[0]

    def run() -> float:
        params, opt_state, key = state["params"], state["opt"], state["key"]
        losses = []
        for idx in epoch_batches(len(x), batch, rng):
            params, opt_state, key, loss = step(params, opt_state, key, x[idx], y[idx])
            losses.append(loss)
        state.update(params=params, opt=opt_state, key=key)
        return float(jnp.sum(jnp.stack(losses))) / len(x)

    return run


def build(bench: str, folder: str, sizes: Sizes, seed: int) -> Callable[[], float]:
    """A function running one repeat of ``bench``; it returns a loss or a checksum."""
    if bench in ("mlp_epoch", "step"):
        widths, prefix, batch = ((SEED_MLP, "mlp", sizes.mlp_batch) if bench == "mlp_epoch"
                                 else (SMALL_MLP, "step", sizes.step_batch))
        params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init_mlp(widths, seed)]
        return _trainer(params, mlp_logits, _categorical_loss, _sgd(),
                        data.load(folder, prefix + "_x"), data.load(folder, prefix + "_y"),
                        batch, seed)
    if bench == "cnn_epoch":
        cnn_params = {k: jnp.asarray(v) for k, v in init_cnn(seed).items()}
        return _trainer(cnn_params, cnn_logits, _sparse_loss, _adam(), data.load(folder, "cnn_x"),
                        data.load(folder, "cnn_y"), sizes.cnn_batch, seed)
    if bench == "decoder_epoch":
        dec_params = {k: jnp.asarray(v) for k, v in init_decoder(seed).items()}
        return _trainer(dec_params, decoder_output, _mse_loss, _adam(),
                        data.load(folder, "decoder_x"), data.load(folder, "cnn_x"),
                        sizes.cnn_batch, seed)
    if bench == "predict":
        params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init_mlp(SEED_MLP, seed)]
        forward = jax.jit(lambda p, xb: jax.nn.softmax(mlp_logits(p, xb, None)))
        x = data.load(folder, "predict_x")

        def run() -> float:
            outs = [forward(params, x[s:s + sizes.predict_batch])
                    for s in range(0, len(x), sizes.predict_batch)]
            return float(np.concatenate([np.asarray(o) for o in outs])[:, 0].mean())

        return run
    raise ValueError(f"Unknown benchmark {bench!r}.")
