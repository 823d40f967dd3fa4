"""Attention layers: ``MultiHeadAttention``, ``GroupedQueryAttention``, ``Attention``
and ``AdditiveAttention``, with Keras 3 weights, masks and defaults.

Masks: ``query_mask`` ``(batch, Tq)`` and ``value_mask``/``key_mask`` ``(batch, Tv)``
(functional models pass the masks of ``Embedding(mask_zero=True)`` / ``Masking``
outputs automatically), ``attention_mask`` ``(batch, Tq, Tv)`` (True = attend) and
``use_causal_mask``. Without dropout and attention scores, the heads run through
:func:`polykeras.ops.dot_product_attention` (the adapter's fused kernel where it has one).

Example:
    >>> from polykeras import layers, ops
    >>> mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    >>> out, scores = mha(ops.ones((3, 5, 8)), ops.ones((3, 6, 8)),
    ...                   return_attention_scores=True)
    >>> ops.shape(out), ops.shape(scores)
    ((3, 5, 8), (3, 2, 5, 6))
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from polykeras import initializers, ops, regularizers
from polykeras import random as pk_random
from polykeras.layers.einsum_dense import EinsumDense
from polykeras.layers.layer import Layer

#: What Keras 3's masked softmax adds to the logits of masked positions (float32).
_MASKED_LOGIT = -1e9


def _serialize(obj: Any, module: Any) -> Any:
    return None if obj is None else module.serialize(obj)


def _shape(x: Any) -> tuple[Any, ...]:
    return tuple(x.shape) if hasattr(x, "node") else tuple(ops.shape(x))


def _causal_mask(tq: int, tv: int) -> Any:
    return ops.convert_to_tensor(np.tril(np.ones((tq, tv), dtype=bool)))


def combine_masks(query_mask: Any, value_mask: Any, key_mask: Any, attention_mask: Any,
                  causal: bool, tq: int, tv: int) -> Any:
    """One bool mask broadcastable to ``(batch, Tq, Tv)`` (None when nothing masks),
    as Keras 3 combines the query, value and key masks, an explicit attention mask and
    the causal mask."""
    mask = None

    def both(a: Any, c: Any) -> Any:
        return c if a is None else ops.logical_and(a, c)

    if query_mask is not None:
        mask = ops.expand_dims(ops.cast(query_mask, "bool"), -1)
    if value_mask is not None:
        mask = both(mask, ops.expand_dims(ops.cast(value_mask, "bool"), 1))
    if key_mask is not None:
        mask = both(mask, ops.expand_dims(ops.cast(key_mask, "bool"), 1))
    if causal:
        mask = both(mask, ops.expand_dims(_causal_mask(tq, tv), 0))
    if attention_mask is not None:
        mask = both(ops.cast(attention_mask, "bool"), mask) if mask is not None \
            else ops.cast(attention_mask, "bool")
    return mask


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.), ``query`` attending to ``value``/``key``.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention probabilities.
        use_bias: whether the projections have biases.
        output_shape: last dimension(s) of the output (default: the query's).
        attention_axes: axes attention runs over (default: all but batch, heads and
            features; e.g. ``(1, 2)`` for 2-D inputs ``(batch, h, w, dim)``).

    Call arguments: ``query``, ``value``, ``key=None`` (default ``value``),
    ``query_mask``, ``value_mask``, ``key_mask``, ``attention_mask``,
    ``return_attention_scores=False``, ``training``, ``use_causal_mask=False``.

    Weights (Keras 3 order): query kernel ``(dim, heads, key_dim)`` and bias, key kernel
    and bias, value kernel ``(dim, heads, value_dim)`` and bias, output kernel
    ``(heads, value_dim, out)`` and bias.
    """

    supports_masking = True
    _input_mask_arguments = ("query_mask", "value_mask", "key_mask")

    def __init__(self, num_heads: int, key_dim: int, value_dim: int | None = None,
                 dropout: float = 0.0, use_bias: bool = True, output_shape: Any = None,
                 attention_axes: Any = None, flash_attention: bool | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for what, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"MultiHeadAttention expects a positive int `{what}`, received {value!r}."
                )
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), received {dropout}.")
        self.num_heads = num_heads
        self.key_dim = key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self._output_shape_arg = output_shape
        self.attention_axes = (None if attention_axes is None else
                               (attention_axes,) if isinstance(attention_axes, int)
                               else tuple(attention_axes))
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)
        common = dict(kernel_initializer=self.kernel_initializer,
                      bias_initializer=self.bias_initializer,
                      kernel_regularizer=self.kernel_regularizer,
                      bias_regularizer=self.bias_regularizer, dtype=self.dtype)
        bias = "nh" if use_bias else None
        self._query_dense = EinsumDense("...m,mnh->...nh", (num_heads, key_dim),
                                        bias_axes=bias, name="query", **common)
        self._key_dense = EinsumDense("...m,mnh->...nh", (num_heads, key_dim),
                                      bias_axes=bias, name="key", **common)
        self._value_dense = EinsumDense("...m,mnh->...nh", (num_heads, self.value_dim),
                                        bias_axes=bias, name="value", **common)
        self._output_dense: EinsumDense | None = None
        self._common = common
        self._layers.extend([self._query_dense, self._key_dense, self._value_dense])

    # ------------------------------------------------------------------ building
    def _output_dims(self, query_dim: int) -> tuple[int, ...]:
        out = self._output_shape_arg
        if out is None:
            return (int(query_dim),)
        return (int(out),) if isinstance(out, int) else tuple(int(d) for d in out)

    def _build_all(self, query_shape: tuple[Any, ...], value_shape: tuple[Any, ...],
                   key_shape: tuple[Any, ...]) -> None:
        if len(key_shape) != len(value_shape) or key_shape[1:-1] != value_shape[1:-1]:
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: key and value must have the same "
                f"sequence length(s); received key shape {key_shape} and value shape "
                f"{value_shape}."
            )
        if len(query_shape) != len(value_shape):
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: query and value must have the same rank; "
                f"received query shape {query_shape} and value shape {value_shape}."
            )
        if self._output_dense is None:
            dims = self._output_dims(query_shape[-1])
            letters = string.ascii_lowercase[-len(dims):]
            self._output_dense = EinsumDense(
                f"...nh,nh{letters}->...{letters}", dims,
                bias_axes=letters if self.use_bias else None, name="attention_output",
                **self._common)
            self._layers.append(self._output_dense)
        self._query_dense._maybe_build(query_shape)
        self._key_dense._maybe_build(key_shape)
        self._value_dense._maybe_build(value_shape)
        self._output_dense._maybe_build(tuple(query_shape[:-1]) + (self.num_heads,
                                                                    self.value_dim))
        self.built = True

    def __call__(self, query: Any, value: Any = None, key: Any = None,  # type: ignore[override]
                 **kwargs: Any) -> Any:
        if value is None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r} needs `value` (call it as "
                "layer(query, value) or layer(query, value, key))."
            )
        if not self.built or self._output_dense is None:
            qs, vs = _shape(query), _shape(value)
            self._build_all(qs, vs, _shape(key) if key is not None else vs)
        return super().__call__(query, value, key, **kwargs)

    def build(self, input_shape: Any) -> None:
        self.built = True

    def compute_output_shape(self, query_shape: Any, value_shape: Any = None,
                             key_shape: Any = None) -> Any:
        return tuple(query_shape[:-1]) + self._output_dims(query_shape[-1])

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask[0] if isinstance(mask, (list, tuple)) else mask

    # ------------------------------------------------------------------ calling
    def _attention_axes(self, rank: int) -> tuple[int, ...]:
        if self.attention_axes is None:
            return tuple(range(1, rank - 1))
        axes = tuple(a % rank for a in self.attention_axes)
        if any(a in (0, rank - 1) for a in axes):
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: attention_axes {self.attention_axes} may "
                f"not include the batch or feature axis of rank-{rank} inputs."
            )
        return axes

    def call(self, query: Any, value: Any, key: Any = None, query_mask: Any = None,
             value_mask: Any = None, key_mask: Any = None, attention_mask: Any = None,
             return_attention_scores: bool = False, training: Any = None,
             use_causal_mask: bool = False) -> Any:
        if key is None:
            key = value
        qs, vs, ks = _shape(query), _shape(value), _shape(key)
        if ks[1:-1] != vs[1:-1] or ks[0] != vs[0]:
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: key and value must have the same batch "
                f"and sequence length(s); received key shape {ks} and value shape {vs}."
            )
        q = self._query_dense(query)
        k = self._key_dense(key)
        v = self._value_dense(value)
        out, scores = self._attend(q, k, v, qs, vs, query_mask, value_mask, key_mask,
                                   attention_mask, use_causal_mask, training,
                                   return_attention_scores)
        assert self._output_dense is not None
        out = self._output_dense(out)
        if return_attention_scores:
            return out, scores
        return out

    def _attend(self, q: Any, k: Any, v: Any, qs: tuple[Any, ...], vs: tuple[Any, ...],
                query_mask: Any, value_mask: Any, key_mask: Any, attention_mask: Any,
                causal: bool, training: Any, return_scores: bool) -> tuple[Any, Any]:
        """Attention of projected ``q (B, *Tq, N, H)`` over ``k``/``v``; returns the
        heads ``(B, *Tq, N, Hv)`` and the scores ``(B, N, Tq, Tv)`` (flattened axes)."""
        rank = len(qs)
        axes = self._attention_axes(rank)
        batch_axes = [a for a in range(1, rank - 1) if a not in axes]
        q_perm, qs_perm = self._fold(q, batch_axes, axes)
        k_perm, _ = self._fold(k, batch_axes, axes)
        v_perm, vs_perm = self._fold(v, batch_axes, axes)
        tq, tv = ops.shape(q_perm)[1], ops.shape(k_perm)[1]
        masks = (query_mask, value_mask, key_mask, attention_mask)
        if batch_axes and any(m is not None for m in masks):
            raise ValueError(
                f"MultiHeadAttention {self.name!r}: masks are supported when attention runs "
                f"over every non-batch axis; attention_axes={self.attention_axes} leaves "
                f"axes {batch_axes} out."
            )
        if rank > 3:
            query_mask, value_mask, key_mask = (
                None if m is None else ops.reshape(m, (ops.shape(m)[0], -1))
                for m in (query_mask, value_mask, key_mask))
            if attention_mask is not None:
                attention_mask = ops.reshape(attention_mask, (ops.shape(attention_mask)[0], tq, tv))
        mask = combine_masks(query_mask, value_mask, key_mask, attention_mask, causal, tq, tv)
        scale = 1.0 / math.sqrt(float(self.key_dim))
        use_dropout = bool(training) and self.dropout > 0
        if not use_dropout and not return_scores:
            if mask is not None:
                mask = ops.expand_dims(mask, 1)
            out = ops.dot_product_attention(q_perm, k_perm, v_perm, mask=mask, scale=scale)
            scores = None
        else:
            logits = ops.matmul(ops.transpose(ops.multiply(q_perm, scale), (0, 2, 1, 3)),
                                ops.transpose(k_perm, (0, 2, 3, 1)))
            if mask is not None:
                m = ops.expand_dims(mask, 1)
                logits = ops.where(m, logits, ops.add(logits, _MASKED_LOGIT))
            scores = ops.softmax(logits, axis=-1)
            probs = scores
            if use_dropout:
                probs = pk_random.dropout(scores, self.dropout, seed=self.seed_generator)
            out = ops.transpose(ops.matmul(probs, ops.transpose(v_perm, (0, 2, 1, 3))),
                                (0, 2, 1, 3))
        out = self._unfold(out, qs_perm, batch_axes, axes, rank)
        return out, scores

    @staticmethod
    def _fold(x: Any, batch_axes: list[int], axes: tuple[int, ...]) -> tuple[Any, Any]:
        """``(B, *axes..., N, H)`` -> ``(B * other axes, prod(attention axes), N, H)``."""
        shape = tuple(ops.shape(x))
        if not batch_axes and len(axes) == 1:
            return x, shape
        perm = [0] + batch_axes + list(axes) + [len(shape) - 2, len(shape) - 1]
        xp = ops.transpose(x, perm)
        pshape = tuple(ops.shape(xp))
        lead = int(np.prod(pshape[: 1 + len(batch_axes)]))
        seq = int(np.prod(pshape[1 + len(batch_axes): -2]))
        return ops.reshape(xp, (lead, seq) + pshape[-2:]), pshape

    @staticmethod
    def _unfold(x: Any, pshape: Any, batch_axes: list[int], axes: tuple[int, ...],
                rank: int) -> Any:
        if not batch_axes and len(axes) == 1:
            return x
        x = ops.reshape(x, tuple(pshape[:-1]) + (ops.shape(x)[-1],))
        perm = [0] + batch_axes + list(axes) + [rank - 1, rank]
        inverse = list(np.argsort(perm))
        return ops.transpose(x, [int(i) for i in inverse])

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        out = self._output_shape_arg
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "value_dim": self.value_dim, "dropout": self.dropout,
                "use_bias": self.use_bias,
                "output_shape": out if out is None or isinstance(out, int) else list(out),
                "attention_axes": None if self.attention_axes is None
                else list(self.attention_axes),
                "flash_attention": self.flash_attention,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": _serialize(self.kernel_regularizer, regularizers),
                "bias_regularizer": _serialize(self.bias_regularizer, regularizers),
                "activity_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None, "seed": self.seed}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        from polykeras.layers.recurrent_cells import deserialize_cell_config

        return cls(**deserialize_cell_config(config))


class GroupedQueryAttention(MultiHeadAttention):
    """Grouped-query attention: ``num_query_heads`` query heads share
    ``num_key_value_heads`` key/value heads (which must divide them).

    Weights (Keras 3 order): query ``(dim, num_query_heads, head_dim)``, key and value
    ``(dim, num_key_value_heads, head_dim)``, output ``(num_query_heads, head_dim, dim)``,
    each followed by its bias. Inputs are ``(batch, length, dim)``.

    Example:
        >>> from polykeras import layers, ops
        >>> gqa = layers.GroupedQueryAttention(head_dim=4, num_query_heads=4,
        ...                                    num_key_value_heads=2)
        >>> ops.shape(gqa(ops.ones((2, 5, 8)), ops.ones((2, 3, 8))))
        (2, 5, 8)
    """

    def __init__(self, head_dim: int, num_query_heads: int, num_key_value_heads: int,
                 dropout: float = 0.0, use_bias: bool = True, flash_attention: bool | None = None,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        for what, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"GroupedQueryAttention expects a positive int `{what}`, received {value!r}."
                )
        if num_query_heads % num_key_value_heads:
            raise ValueError(
                f"GroupedQueryAttention: num_query_heads ({num_query_heads}) must be a "
                f"multiple of num_key_value_heads ({num_key_value_heads})."
            )
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias,
                         flash_attention=flash_attention, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, seed=seed, **kwargs)
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        bias = "nh" if use_bias else None
        self._layers.clear()
        self._key_dense = EinsumDense("...m,mnh->...nh", (num_key_value_heads, head_dim),
                                      bias_axes=bias, name="key", **self._common)
        self._value_dense = EinsumDense("...m,mnh->...nh", (num_key_value_heads, head_dim),
                                        bias_axes=bias, name="value", **self._common)
        self._layers.extend([self._query_dense, self._key_dense, self._value_dense])

    def _attend(self, q: Any, k: Any, v: Any, *args: Any) -> tuple[Any, Any]:
        groups = self.num_query_heads // self.num_key_value_heads
        if groups > 1:
            k, v = ops.repeat(k, groups, axis=-2), ops.repeat(v, groups, axis=-2)
        return super()._attend(q, k, v, *args)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            config.pop(key, None)
        return {**config, "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads}


GroupQueryAttention = GroupedQueryAttention


class Attention(Layer):
    """Dot-product (Luong) attention over ``[query, value]`` or ``[query, value, key]``
    of shapes ``(batch, Tq, dim)`` and ``(batch, Tv, dim)``.

    Args:
        use_scale: learn a scalar ``scale`` multiplying the scores.
        score_mode: "dot" (``q . k``) or "concat" (``sum(tanh(q + k))``).
        dropout: dropout rate on the attention distribution.

    Call arguments: ``inputs``, ``mask=[query_mask, value_mask]``, ``training``,
    ``return_attention_scores``, ``use_causal_mask``.

    Example:
        >>> from polykeras import layers, ops
        >>> ops.shape(layers.Attention()([ops.ones((2, 3, 4)), ops.ones((2, 5, 4))]))
        (2, 3, 4)
    """

    supports_masking = True

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(
                f"{type(self).__name__}: invalid score_mode {score_mode!r}. Expected 'dot' "
                "or 'concat'."
            )
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self.seed_generator = pk_random.SeedGenerator(seed)
        self._rng_variables.append(self.seed_generator.state)

    def _check(self, shapes: Any) -> None:
        if not isinstance(shapes, (list, tuple)) or len(shapes) not in (2, 3):
            raise ValueError(
                f"{type(self).__name__} {self.name!r} expects a list [query, value] or "
                f"[query, value, key], received {type(shapes).__name__}."
            )

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        self.scale = (self.add_weight((), "ones", name="scale") if self.use_scale else None)
        self.concat_score_weight = (self.add_weight((), "ones", name="concat_score_weight")
                                    if self.score_mode == "concat" else None)

    def _scores(self, q: Any, k: Any) -> Any:
        if self.score_mode == "dot":
            scores = ops.matmul(q, ops.swapaxes(k, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(q, -2), ops.expand_dims(k, -3))
        if self.scale is not None:
            summed = ops.multiply(summed, self.scale)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def call(self, inputs: Any, mask: Any = None, training: Any = None,
             return_attention_scores: bool = False, use_causal_mask: bool = False) -> Any:
        self._check(inputs)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = v_mask = None
        if mask is not None:
            masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
            q_mask = masks[0]
            v_mask = masks[1] if len(masks) > 1 else None
        scores = self._scores(q, k)
        tq, tv = ops.shape(scores)[-2], ops.shape(scores)[-1]
        keep = None
        if v_mask is not None:
            keep = ops.expand_dims(ops.cast(v_mask, "bool"), -2)
        if use_causal_mask:
            causal = ops.expand_dims(_causal_mask(tq, tv), 0)
            keep = causal if keep is None else ops.logical_and(keep, causal)
        if keep is not None:
            scores = ops.where(keep, scores, ops.subtract(scores, -_MASKED_LOGIT))
        weights = ops.softmax(scores, axis=-1)
        probs = weights
        if training and self.dropout > 0:
            probs = pk_random.dropout(weights, self.dropout, seed=self.seed_generator)
        out = ops.matmul(probs, v)
        if q_mask is not None:
            out = ops.where(ops.expand_dims(ops.cast(q_mask, "bool"), -1), out, 0.0)
        if return_attention_scores:
            return out, weights
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        first = mask[0] if isinstance(mask, (list, tuple)) else mask
        return first

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._check(input_shape)
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: scores ``sum(scale * tanh(q + k))`` with a learned
    ``scale`` of shape ``(dim,)`` (``use_scale=True``, the default).

    Example:
        >>> from polykeras import layers, ops
        >>> att = layers.AdditiveAttention()
        >>> ops.shape(att([ops.ones((2, 3, 4)), ops.ones((2, 5, 4))]))
        (2, 3, 4)
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape: Any) -> None:
        self._check(input_shape)
        dim = input_shape[0][-1]
        self.scale = (self.add_weight((int(dim),), "glorot_uniform", name="scale")
                      if self.use_scale else None)
        self.concat_score_weight = None

    def _scores(self, q: Any, k: Any) -> Any:
        summed = ops.tanh(ops.add(ops.expand_dims(q, -2), ops.expand_dims(k, -3)))
        if self.scale is not None:
            summed = ops.multiply(summed, self.scale)
        return ops.sum(summed, axis=-1)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("score_mode", None)
        return config
