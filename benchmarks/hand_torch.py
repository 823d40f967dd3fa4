"""The workloads written by hand in PyTorch: ``torch.nn`` modules and a ``torch.optim`` loop.

The data goes to the device once; each epoch draws a permutation there and indexes the
batches from it. Losses are summed on the device and read once per epoch. The device is
the one the polykeras torch backend uses (CUDA when available, else CPU).

Example:
    >>> from benchmarks.workload import Sizes
    >>> run = build("mlp_epoch", data_folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
    >>> run()  # one epoch; returns its mean loss  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks import data
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
    DECODER_KERNEL,
    DECODER_STRIDE,
    DROPOUT,
    LEARNING_RATE,
    MOMENTUM,
    SEED_MLP,
    SMALL_MLP,
    Sizes,
    cnn_flat_features,
    cnn_pooled_shape,
    init_cnn,
    init_decoder,
    init_mlp,
)

DEVICE = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")


def mlp(widths: tuple[int, ...], seed: int) -> nn.Sequential:
    modules: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        modules.append(nn.Linear(n_in, n_out))
        if i < len(widths) - 2:
            modules += [nn.Tanh(), nn.Dropout(DROPOUT)]
    model = nn.Sequential(*modules)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for layer, (w, b) in zip(linears, init_mlp(widths, seed), strict=True):
            layer.weight.copy_(torch.from_numpy(w.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    return model.to(DEVICE)


class ChannelsLastInput(nn.Module):
    """NHWC batches as NCHW views (the memory stays channels-last; no copy)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 3, 1, 2)


def cnn(seed: int) -> nn.Sequential:
    """The convnet from the :func:`init_cnn` weights.

    ``nn.Flatten`` sees NCHW and orders features (c, h, w), Keras (h, w, c); the rows of
    the hidden kernel are permuted to match, which leaves the function unchanged.
    """
    c_in = CNN_IMAGE[-1]
    f1, f2 = CNN_FILTERS
    flat = cnn_flat_features()
    conv1, conv2 = nn.Conv2d(c_in, f1, CNN_KERNEL), nn.Conv2d(f1, f2, CNN_KERNEL)
    hidden, output = nn.Linear(flat, CNN_HIDDEN), nn.Linear(CNN_HIDDEN, 10)
    start = init_cnn(seed)
    h, w, c = cnn_pooled_shape()
    w3 = start["w3"].reshape(h, w, c, CNN_HIDDEN).transpose(2, 0, 1, 3).reshape(flat, -1)
    with torch.no_grad():
        for layer, k, b in ((conv1, "k1", "b1"), (conv2, "k2", "b2")):
            layer.weight.copy_(torch.from_numpy(start[k].transpose(3, 2, 0, 1).copy()))
            layer.bias.copy_(torch.from_numpy(start[b]))  # type: ignore[union-attr]
        hidden.weight.copy_(torch.from_numpy(w3.T.copy()))
        hidden.bias.copy_(torch.from_numpy(start["b3"]))
        output.weight.copy_(torch.from_numpy(start["w4"].T.copy()))
        output.bias.copy_(torch.from_numpy(start["b4"]))
    model = nn.Sequential(
        ChannelsLastInput(),
        conv1, nn.ReLU(), nn.MaxPool2d(CNN_POOL),
        conv2, nn.ReLU(), nn.MaxPool2d(CNN_POOL),
        nn.Flatten(), hidden, nn.ReLU(), nn.Dropout(CNN_DROPOUT), output,
    )
    return model.to(DEVICE)


class Decoder(nn.Module):
    """Two ConvTranspose2d(4x4, stride 2) with relu and a 3x3 Conv2d with a sigmoid, on
    NHWC batches (channels-last views). Keras's "same" for a 4x4 kernel at stride 2 is
    torch's padding=1."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        start = init_decoder(seed)
        k, s = DECODER_KERNEL, DECODER_STRIDE
        f_in = start["k1"].shape[-1]
        f1, f2 = start["k1"].shape[2], start["k2"].shape[2]
        self.up1 = nn.ConvTranspose2d(f_in, f1, k, stride=s, padding=(k - s) // 2)
        self.up2 = nn.ConvTranspose2d(f1, f2, k, stride=s, padding=(k - s) // 2)
        self.out = nn.Conv2d(f2, 1, start["k3"].shape[0], padding="same")
        with torch.no_grad():
            for layer, kk, b in ((self.up1, "k1", "b1"), (self.up2, "k2", "b2")):
                # Keras (kh, kw, out, in) -> torch (in, out, kh, kw)
                layer.weight.copy_(torch.from_numpy(start[kk].transpose(3, 2, 0, 1).copy()))
                layer.bias.copy_(torch.from_numpy(start[b]))  # type: ignore[union-attr]
            self.out.weight.copy_(torch.from_numpy(start["k3"].transpose(3, 2, 0, 1).copy()))
            self.out.bias.copy_(torch.from_numpy(start["b3"]))  # type: ignore[union-attr]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.up1(x.permute(0, 3, 1, 2)))
        x = torch.relu(self.up2(x))
        return torch.sigmoid(self.out(x)).permute(0, 2, 3, 1)


def _trainer(model: nn.Module, optimizer: torch.optim.Optimizer, x: np.ndarray,
             y: np.ndarray, batch: int, seed: int,
             loss_fn: Callable[..., torch.Tensor] = F.cross_entropy) -> Callable[[], float]:
    xt = torch.from_numpy(x).to(DEVICE)
    yt = torch.from_numpy(y).to(DEVICE)
    n = len(x)
    generator = torch.Generator(device=DEVICE).manual_seed(seed)

    def run() -> float:
        model.train()
        total = torch.zeros((), device=DEVICE)
        order = torch.randperm(n, device=DEVICE, generator=generator)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            loss = loss_fn(model(xt[idx]), yt[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.detach() * idx.shape[0]
        return total.item() / n

    return run


def build(bench: str, folder: str, sizes: Sizes, seed: int) -> Callable[[], float]:
    """A function running one repeat of ``bench``; it returns a loss or a checksum."""
    torch.manual_seed(seed)
    if bench in ("mlp_epoch", "step"):
        widths, prefix, batch = ((SEED_MLP, "mlp", sizes.mlp_batch) if bench == "mlp_epoch"
                                 else (SMALL_MLP, "step", sizes.step_batch))
        model = mlp(widths, seed)
        sgd = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM,
                              nesterov=True)
        return _trainer(model, sgd, data.load(folder, prefix + "_x"),
                        data.load(folder, prefix + "_y"), batch, seed)
    if bench == "cnn_epoch":
        model = cnn(seed)
        adam = torch.optim.Adam(model.parameters(), lr=ADAM_LEARNING_RATE,
                                betas=(ADAM_BETA_1, ADAM_BETA_2), eps=ADAM_EPSILON)
        labels = data.load(folder, "cnn_y").astype(np.int64)
        return _trainer(model, adam, data.load(folder, "cnn_x"), labels, sizes.cnn_batch, seed)
    if bench == "decoder_epoch":
        decoder = Decoder(seed).to(DEVICE)
        adam = torch.optim.Adam(decoder.parameters(), lr=ADAM_LEARNING_RATE,
                                betas=(ADAM_BETA_1, ADAM_BETA_2), eps=ADAM_EPSILON)
        return _trainer(decoder, adam, data.load(folder, "decoder_x"),
                        data.load(folder, "cnn_x"), sizes.cnn_batch, seed, F.mse_loss)
    if bench == "predict":
        model = mlp(SEED_MLP, seed).eval()
        x = data.load(folder, "predict_x")

        def run() -> float:
            outs = []
            with torch.inference_mode():
                for start in range(0, len(x), sizes.predict_batch):
                    xb = torch.from_numpy(x[start:start + sizes.predict_batch]).to(DEVICE)
                    outs.append(torch.softmax(model(xb), dim=1).cpu().numpy())
            return float(np.concatenate(outs)[:, 0].mean())

        return run
    raise ValueError(f"Unknown benchmark {bench!r}.")
