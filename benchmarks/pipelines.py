"""Benchmark (h): the seed MLP (a) fed by input pipelines instead of arrays, polykeras only.

* ``pydataset_epoch``: one epoch from a :class:`polykeras.utils.PyDataset` whose
  ``__getitem__`` sleeps ``PYDATASET_SLEEP_S`` per batch (a slow loader), with
  ``workers=2``. Target: the epoch takes at most 1.2 x max(total step time, total load
  time / 2), the step time being the arrays epoch of (a).
* ``dataloader_epoch`` (torch backend): one epoch from a torch ``DataLoader`` (shuffled,
  one batch of indices per fetch, the fast torch idiom). Target: at most 5% over (a).

Example:
    >>> run = build(polykeras, "pydataset_epoch", folder, Sizes.smoke(), seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import data
from benchmarks.workload import NotApplicable, Sizes

PIPELINE_BENCHES = ("pydataset_epoch", "dataloader_epoch")
PYDATASET_SLEEP_S = 0.005
PYDATASET_WORKERS = 2


def load_seconds(sizes: Sizes) -> float:
    """Total sleep of one PyDataset epoch (the loader's cost, before parallelism)."""
    return math.ceil(sizes.mlp_samples / sizes.mlp_batch) * PYDATASET_SLEEP_S


def _slow_dataset(api: ModuleType, x: np.ndarray, y: np.ndarray, batch: int,
                  seed: int) -> Any:
    class SlowBatches(api.utils.PyDataset):
        """Shuffled batches of the arrays, each after a 5 ms sleep (file reads, decoding)."""

        def __init__(self) -> None:
            super().__init__(workers=PYDATASET_WORKERS)
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(x))

        def __len__(self) -> int:
            return math.ceil(len(x) / batch)

        def __getitem__(self, index: int) -> Any:
            time.sleep(PYDATASET_SLEEP_S)
            idx = self.order[index * batch:(index + 1) * batch]
            return x.take(idx, axis=0), y.take(idx, axis=0)

        def on_epoch_end(self) -> None:
            self.order = self.rng.permutation(len(x))

    return SlowBatches()


def _dataloader(x: np.ndarray, y: np.ndarray, batch: int, seed: int) -> Any:
    import torch
    from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

    dataset = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    generator = torch.Generator().manual_seed(seed)
    sampler = BatchSampler(RandomSampler(dataset, generator=generator), batch, drop_last=False)
    return DataLoader(dataset, sampler=sampler, batch_size=None)


def build(api: ModuleType, model: Any, bench: str, folder: str, sizes: Sizes,
          seed: int) -> Callable[[], float]:
    """One repeat of a pipeline benchmark: an epoch of ``model`` (the seed MLP)."""
    if api.__name__ != "polykeras":
        raise NotApplicable("n/a (polykeras input pipelines)")
    x, y = data.load(folder, "mlp_x"), data.load(folder, "mlp_y")
    if bench == "pydataset_epoch":
        source = _slow_dataset(api, x, y, sizes.mlp_batch, seed)
    elif bench == "dataloader_epoch":
        if api.config.backend() != "torch":
            raise NotApplicable("n/a (torch backend only)")
        source = _dataloader(x, y, sizes.mlp_batch, seed)
    else:
        raise ValueError(f"Unknown pipeline benchmark {bench!r}.")

    def run() -> float:
        history = model.fit(source, epochs=1, verbose=0)
        return float(history.history["loss"][-1])

    return run
