"""``dot_product_attention`` on torch's ``scaled_dot_product_attention`` kernel.

Example:
    >>> import torch
    >>> q = torch.ones(1, 3, 2, 4)
    >>> AttentionOps().dot_product_attention(q, q, q, None, None, 0.5, True, None).shape
    torch.Size([1, 3, 2, 4])
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


class AttentionOps:
    """The ``dot_product_attention`` fast path (keras.ops signature, normalised by
    :func:`polykeras.ops.dot_product_attention`)."""

    def dot_product_attention(self, query: Any, key: Any, value: Any, bias: Any, mask: Any,
                              scale: float, is_causal: bool, soft_cap: Any) -> Any:
        if soft_cap is not None:
            return NotImplemented
        q, k, v = (t.transpose(1, 2) for t in (query, key, value))  # (B, N, T, H)
        heads, kv_heads = q.shape[1], k.shape[1]
        if heads != kv_heads:
            k = k.repeat_interleave(heads // kv_heads, dim=1)
            v = v.repeat_interleave(heads // kv_heads, dim=1)
        keep = mask
        if is_causal and (mask is not None or bias is not None):
            causal = torch.ones(q.shape[2], k.shape[2], dtype=torch.bool, device=q.device)
            keep = causal.tril() if keep is None else keep & causal.tril()
            is_causal = False
        attn = bias
        if keep is not None:
            # Masked logits get a large negative value (not -inf), so a row with every key
            # masked averages the values, as the composed op does, instead of NaN.
            big = torch.tensor(-0.7 * torch.finfo(q.dtype).max, dtype=q.dtype, device=q.device)
            base = torch.zeros((), dtype=q.dtype, device=q.device) if attn is None else attn
            attn = torch.where(keep, base, big)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn, is_causal=is_causal,
                                             scale=scale)
        return out.transpose(1, 2)
