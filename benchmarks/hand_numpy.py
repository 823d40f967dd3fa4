"""The workloads written by hand in NumPy: float32 forward pass and backprop.

Inverted dropout, softmax cross-entropy from the logits, SGD with Nesterov momentum (MLP)
and Adam (convnet: im2col convolutions, max pooling, a relu Dense with dropout), all in
float32 with in-place updates.

Example:
    >>> from benchmarks.workload import Sizes
    >>> run = build("mlp_epoch", data_folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
    >>> run()  # one epoch; returns its mean loss  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks import data
from benchmarks.workload import (
    ADAM_BETA_1,
    ADAM_BETA_2,
    ADAM_EPSILON,
    ADAM_LEARNING_RATE,
    CNN_DROPOUT,
    CNN_KERNEL,
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
    ordered_batches,
)


def _dropout_mask(rng: np.random.Generator, shape: tuple[int, ...],
                  rate: float = DROPOUT) -> np.ndarray:
    mask = (rng.random(shape, dtype=np.float32) >= rate).astype(np.float32)
    mask *= np.float32(1.0 / (1.0 - rate))
    return mask


def _log_softmax_parts(logits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(shifted logits, exp of them); log-probs are ``shifted - log(sum(exp))``."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted, np.exp(shifted)


class _Model:
    """A model trained by ``_loss_and_grads`` then ``_apply`` on each shuffled batch."""

    rng: np.random.Generator

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, Any]:
        raise NotImplementedError

    def _apply(self, grads: Any) -> None:
        raise NotImplementedError

    def train_epoch(self, x: np.ndarray, y: np.ndarray, batch: int) -> float:
        total = 0.0
        for idx in epoch_batches(len(x), batch, self.rng):
            loss, grads = self._loss_and_grads(x[idx], y[idx])
            self._apply(grads)
            total += loss * len(idx)
        return total / len(x)


class MLP(_Model):
    """Dense-tanh-dropout blocks and a softmax output, trained with Nesterov SGD."""

    def __init__(self, widths: tuple[int, ...], seed: int) -> None:
        self.params = [arr.copy() for pair in init_mlp(widths, seed) for arr in pair]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.rng = np.random.default_rng(seed)

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list[np.ndarray]]:
        kernels, biases = self.params[0::2], self.params[1::2]
        inputs, tanhs, masks = [x], [], []
        h = x
        for w, b in zip(kernels[:-1], biases[:-1], strict=True):
            z = h @ w
            z += b
            np.tanh(z, out=z)
            tanhs.append(z)
            mask = _dropout_mask(self.rng, z.shape)
            masks.append(mask)
            h = z * mask
            inputs.append(h)
        logits = h @ kernels[-1]
        logits += biases[-1]
        shifted, exp = _log_softmax_parts(logits)
        total = exp.sum(axis=1, keepdims=True)
        n = x.shape[0]
        loss = float(-(y * (shifted - np.log(total))).sum() / n)
        g = exp / total
        g -= y
        g /= n
        grads: list[np.ndarray] = []
        for i in range(len(kernels) - 1, -1, -1):
            grads[:0] = [inputs[i].T @ g, g.sum(axis=0)]
            if i:
                g = g @ kernels[i].T
                g *= masks[i - 1]
                t = tanhs[i - 1]
                g *= 1.0 - t * t
        return loss, grads

    def _apply(self, grads: list[np.ndarray]) -> None:
        for p, v, g in zip(self.params, self.velocity, grads, strict=True):
            v *= MOMENTUM
            v -= LEARNING_RATE * g
            p += MOMENTUM * v - LEARNING_RATE * g


    def predict(self, x: np.ndarray, batch: int) -> np.ndarray:
        kernels, biases = self.params[0::2], self.params[1::2]
        outs = []
        for part in ordered_batches(len(x), batch):
            h = x[part]
            for w, b in zip(kernels[:-1], biases[:-1], strict=True):
                h = h @ w
                h += b
                np.tanh(h, out=h)
            logits = h @ kernels[-1]
            logits += biases[-1]
            _, exp = _log_softmax_parts(logits)
            outs.append(exp / exp.sum(axis=1, keepdims=True))
        return np.concatenate(outs)


def im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(b, h, w, c) -> (b * ho * wo, k * k * c) patches, ordered like an HWIO kernel."""
    b, h, w, c = x.shape
    ho, wo = h - k + 1, w - k + 1
    cols = np.empty((b, ho, wo, k, k, c), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, :, :, i, j, :] = x[:, i:i + ho, j:j + wo, :]
    return cols.reshape(b * ho * wo, k * k * c)


def col2im(cols: np.ndarray, shape: tuple[int, ...], k: int) -> np.ndarray:
    """The adjoint of :func:`im2col`: sums patch gradients back into an image gradient."""
    b, h, w, c = shape
    ho, wo = h - k + 1, w - k + 1
    cols = cols.reshape(b, ho, wo, k, k, c)
    out = np.zeros(shape, dtype=cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i:i + ho, j:j + wo, :] += cols[:, :, :, i, j, :]
    return out


def max_pool(x: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping p x p max pooling ('valid'); returns (pooled, window view)."""
    b, h, w, c = x.shape
    hp, wp = h // p, w // p
    windows = x[:, :hp * p, :wp * p, :].reshape(b, hp, p, wp, p, c)
    return windows.max(axis=(2, 4)), windows


def max_pool_grad(grad: np.ndarray, windows: np.ndarray, pooled: np.ndarray,
                  shape: tuple[int, ...]) -> np.ndarray:
    b, hp, p, wp, _, c = windows.shape
    hit = windows == pooled[:, :, None, :, None, :]
    inner = (hit * grad[:, :, None, :, None, :]).reshape(b, hp * p, wp * p, c)
    if inner.shape == tuple(shape):
        return inner
    out = np.zeros(shape, dtype=grad.dtype)
    out[:, :hp * p, :wp * p, :] = inner
    return out


class _AdamModel(_Model):
    """A model with named float32 parameters updated in place by Adam."""

    def __init__(self, params: dict[str, np.ndarray], seed: int) -> None:
        self.params = {k: v.copy() for k, v in params.items()}
        self.m = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.t = 0
        self.rng = np.random.default_rng(seed)

    def _apply(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        alpha = (ADAM_LEARNING_RATE * math.sqrt(1.0 - ADAM_BETA_2 ** self.t)
                 / (1.0 - ADAM_BETA_1 ** self.t))
        for name, g in grads.items():
            m, v = self.m[name], self.v[name]
            m *= ADAM_BETA_1
            m += (1.0 - ADAM_BETA_1) * g
            v *= ADAM_BETA_2
            v += (1.0 - ADAM_BETA_2) * (g * g)
            self.params[name] -= alpha * m / (np.sqrt(v) + ADAM_EPSILON)


class CNN(_AdamModel):
    """The convnet of examples/mnist_cnn.py, trained with Adam.

    Two valid 3x3 convolutions with relu, each followed by 2x2 max pooling, then a relu
    Dense with dropout after it and the softmax output Dense.
    """

    def __init__(self, seed: int) -> None:
        super().__init__(init_cnn(seed), seed)

    @staticmethod
    def _conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = kernel.shape[0]
        cols = im2col(x, k)
        out = cols @ kernel.reshape(-1, kernel.shape[-1])
        out += bias
        np.maximum(out, 0.0, out=out)
        b, h, w, _ = x.shape
        return out.reshape(b, h - k + 1, w - k + 1, kernel.shape[-1]), cols

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        p = self.params
        a1, cols1 = self._conv(x, p["k1"], p["b1"])
        p1, win1 = max_pool(a1, CNN_POOL)
        a2, cols2 = self._conv(p1, p["k2"], p["b2"])
        p2, win2 = max_pool(a2, CNN_POOL)
        n = x.shape[0]
        flat = p2.reshape(n, -1)
        a3 = flat @ p["w3"]
        a3 += p["b3"]
        np.maximum(a3, 0.0, out=a3)
        mask = _dropout_mask(self.rng, a3.shape, CNN_DROPOUT)
        dropped = a3 * mask
        logits = dropped @ p["w4"]
        logits += p["b4"]
        shifted, exp = _log_softmax_parts(logits)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        loss = float(-(shifted[rows, y] - np.log(total[:, 0])).mean())
        g = exp / total
        g[rows, y] -= 1.0
        g /= n
        grads = {"w4": dropped.T @ g, "b4": g.sum(axis=0)}
        g_z3 = g @ p["w4"].T
        g_z3 *= mask
        g_z3 *= a3 > 0
        grads["w3"] = flat.T @ g_z3
        grads["b3"] = g_z3.sum(axis=0)
        g_flat = g_z3 @ p["w3"].T
        g_a2 = max_pool_grad(g_flat.reshape(p2.shape), win2, p2, a2.shape)
        g_a2 *= a2 > 0
        g_z2 = g_a2.reshape(-1, g_a2.shape[-1])
        grads["k2"] = (cols2.T @ g_z2).reshape(p["k2"].shape)
        grads["b2"] = g_z2.sum(axis=0)
        g_p1 = col2im(g_z2 @ p["k2"].reshape(-1, p["k2"].shape[-1]).T, p1.shape, CNN_KERNEL)
        g_a1 = max_pool_grad(g_p1, win1, p1, a1.shape)
        g_a1 *= a1 > 0
        g_z1 = g_a1.reshape(-1, g_a1.shape[-1])
        grads["k1"] = (cols1.T @ g_z1).reshape(p["k1"].shape)
        grads["b1"] = g_z1.sum(axis=0)
        return loss, grads




class Decoder(_AdamModel):
    """The Conv2DTranspose decoder: two 4x4 stride-2 "same" transposed convolutions
    (col2im forward, im2col backward) with relu, a "same" 3x3 convolution, the sigmoid,
    mean squared error; Adam."""

    def __init__(self, seed: int) -> None:
        super().__init__(init_decoder(seed), seed)

    @staticmethod
    def _up(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
        b, h, w, cin = x.shape
        k, s, cout = kernel.shape[0], DECODER_STRIDE, kernel.shape[2]
        cols = (x.reshape(-1, cin) @ kernel.reshape(-1, cin).T).reshape(b, h, w, k, k, cout)
        full = np.zeros((b, (h - 1) * s + k, (w - 1) * s + k, cout), np.float32)
        for i in range(k):
            for j in range(k):
                full[:, i:i + s * h:s, j:j + s * w:s] += cols[:, :, :, i, j]
        crop = (k - s) // 2
        out = full[:, crop:crop + s * h, crop:crop + s * w] + bias
        np.maximum(out, 0.0, out=out)
        return out

    @staticmethod
    def _up_grads(g: np.ndarray, x: np.ndarray, kernel: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        b, h, w, cin = x.shape
        k, s, cout = kernel.shape[0], DECODER_STRIDE, kernel.shape[2]
        crop = (k - s) // 2
        gfull = np.zeros((b, (h - 1) * s + k, (w - 1) * s + k, cout), np.float32)
        gfull[:, crop:crop + s * h, crop:crop + s * w] = g
        dcols = np.empty((b, h, w, k, k, cout), np.float32)
        for i in range(k):
            for j in range(k):
                dcols[:, :, :, i, j] = gfull[:, i:i + s * h:s, j:j + s * w:s]
        d2 = dcols.reshape(-1, k * k * cout)
        w2 = kernel.reshape(-1, cin)
        gx = (d2 @ w2).reshape(x.shape)
        gk = (d2.T @ x.reshape(-1, cin)).reshape(kernel.shape)
        return gx, gk, g.sum(axis=(0, 1, 2))

    def _loss_and_grads(self, x: np.ndarray, y: np.ndarray
                        ) -> tuple[float, dict[str, np.ndarray]]:
        p = self.params
        a1 = self._up(x, p["k1"], p["b1"])
        a2 = self._up(a1, p["k2"], p["b2"])
        r = p["k3"].shape[0]
        pad = r // 2
        padded = np.pad(a2, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        cols = im2col(padded, r)
        z = cols @ p["k3"].reshape(-1, 1)
        z += p["b3"]
        out = 1.0 / (1.0 + np.exp(-z))
        diff = out - y.reshape(-1, 1)
        loss = float(np.mean(diff * diff))
        g = diff * (2.0 / diff.size) * out * (1.0 - out)
        grads = {"k3": (cols.T @ g).reshape(p["k3"].shape), "b3": g.sum(axis=0)}
        g_pad = col2im(g @ p["k3"].reshape(-1, 1).T, padded.shape, r)
        g_a2 = g_pad[:, pad:-pad, pad:-pad] * (a2 > 0)
        g_a1, grads["k2"], grads["b2"] = self._up_grads(g_a2, a1, p["k2"])
        g_a1 *= a1 > 0
        _, grads["k1"], grads["b1"] = self._up_grads(g_a1, x, p["k1"])
        return loss, grads


def build(bench: str, folder: str, sizes: Sizes, seed: int) -> Callable[[], float]:
    """A function running one repeat of ``bench``; it returns a loss or a checksum."""
    if bench in ("mlp_epoch", "step"):
        widths, prefix, batch = ((SEED_MLP, "mlp", sizes.mlp_batch) if bench == "mlp_epoch"
                                 else (SMALL_MLP, "step", sizes.step_batch))
        mlp = MLP(widths, seed)
        x, y = data.load(folder, prefix + "_x"), data.load(folder, prefix + "_y")
        return lambda: mlp.train_epoch(x, y, batch)
    if bench == "predict":
        mlp = MLP(SEED_MLP, seed)
        x = data.load(folder, "predict_x")
        return lambda: float(mlp.predict(x, sizes.predict_batch)[:, 0].mean())
    if bench == "cnn_epoch":
        cnn = CNN(seed)
        x, y = data.load(folder, "cnn_x"), data.load(folder, "cnn_y").astype(np.intp)
        return lambda: cnn.train_epoch(x, y, sizes.cnn_batch)
    if bench == "decoder_epoch":
        decoder = Decoder(seed)
        x, y = data.load(folder, "decoder_x"), data.load(folder, "cnn_x")
        return lambda: decoder.train_epoch(x, y, sizes.cnn_batch)
    raise ValueError(f"Unknown benchmark {bench!r}.")
