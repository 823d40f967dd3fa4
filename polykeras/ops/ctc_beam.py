"""CTC prefix beam search on the host (``ctc_decode(strategy="beam_search")``).

Decoding is not differentiated and its beams are data-dependent, so it runs in NumPy on
concrete values: call it eagerly, not inside a compiled function.

Example:
    >>> import numpy as np
    >>> from polykeras import ops
    >>> x = ops.log(ops.convert_to_tensor([[[.1, .9], [.1, .9], [.9, .1], [.1, .9]]]))
    >>> paths, scores = ops.ctc_decode(x, [4], strategy="beam_search", beam_width=4)
    >>> ops.convert_to_numpy(paths).tolist()
    [[[1, 1, -1, -1]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _logsumexp(a: float, c: float) -> float:
    if a == -np.inf:
        return c
    if c == -np.inf:
        return a
    m = max(a, c)
    return m + float(np.log(np.exp(a - m) + np.exp(c - m)))


def _add(beams: dict[tuple[int, ...], list[float]], prefix: tuple[int, ...], pb: float,
         pnb: float) -> None:
    cur = beams.setdefault(prefix, [-np.inf, -np.inf])
    cur[0] = _logsumexp(cur[0], pb)
    cur[1] = _logsumexp(cur[1], pnb)


def _decode_one(log_probs: np.ndarray, beam_width: int, top_paths: int,
                blank: int) -> list[tuple[tuple[int, ...], float]]:
    # beams: prefix -> (log p ending in blank, log p ending in non-blank)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -np.inf)}
    for lp in log_probs:
        nxt: dict[tuple[int, ...], list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = _logsumexp(pb, pnb)
            _add(nxt, prefix, total + lp[blank], -np.inf)
            for c in range(len(lp)):
                if c == blank:
                    continue
                p = lp[c]
                if prefix and prefix[-1] == c:
                    _add(nxt, prefix, -np.inf, pnb + p)  # repeat collapses
                    _add(nxt, prefix + (c,), -np.inf, pb + p)  # needs a blank in between
                else:
                    _add(nxt, prefix + (c,), -np.inf, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -_logsumexp(*kv[1]))
        beams = {k: (v[0], v[1]) for k, v in ranked[:beam_width]}
    ranked_final = sorted(((k, _logsumexp(*v)) for k, v in beams.items()), key=lambda kv: -kv[1])
    return ranked_final[:top_paths]


def beam_search_decode(b: Any, x: Any, lengths: Any, beam_width: int, top_paths: int,
                       mask_index: int) -> tuple[Any, Any]:
    """``(paths (top_paths, batch, max_length) int32 padded with -1, scores (batch,
    top_paths))`` for adapter ``b``'s ``x`` and ``lengths``."""
    if beam_width < 1 or top_paths < 1 or top_paths > beam_width:
        raise ValueError(
            "ctc_decode: beam search needs 1 <= top_paths <= beam_width, received "
            f"top_paths={top_paths}, beam_width={beam_width}."
        )
    logits = np.asarray(b.convert_to_numpy(x), dtype=np.float64)
    seq = np.asarray(b.convert_to_numpy(lengths)).astype(int)
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    batch, steps, _ = logits.shape
    paths = np.full((top_paths, batch, steps), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=np.float32)
    for i in range(batch):
        for j, (prefix, score) in enumerate(
                _decode_one(log_probs[i, : seq[i]], beam_width, top_paths, mask_index)):
            paths[j, i, : len(prefix)] = prefix
            scores[i, j] = score
    return b.convert_to_tensor(paths), b.convert_to_tensor(scores)
