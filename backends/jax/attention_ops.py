"""``dot_product_attention`` on ``jax.nn.dot_product_attention`` (XLA's fused attention).

Example:
    >>> import jax.numpy as jnp
    >>> q = jnp.ones((1, 3, 2, 4))
    >>> AttentionOps().dot_product_attention(q, q, q, None, None, 0.5, True, None).shape
    (1, 3, 2, 4)
"""

from __future__ import annotations

from typing import Any

import jax


class AttentionOps:
    """The ``dot_product_attention`` fast path (keras.ops signature, normalised by
    :func:`polykeras.ops.dot_product_attention`)."""

    def dot_product_attention(self, query: Any, key: Any, value: Any, bias: Any, mask: Any,
                              scale: float, is_causal: bool, soft_cap: Any) -> Any:
        if soft_cap is not None or value.shape[-1] != key.shape[-1]:
            return NotImplemented  # jax.nn needs one head size for keys and values
        return jax.nn.dot_product_attention(query, key, value, bias=bias, mask=mask,
                                            scale=scale, is_causal=is_causal)
