"""Fused kernels for the torch adapter: Dense, dropout and multi-tensor optimizer updates.

Torch runs eagerly, so every op is a Python-to-ATen dispatch. These kernels do what the
frontend would compose from several ops in fewer dispatches: ``addmm`` for a Dense
layer, one in-place mask for dropout, and ``torch._foreach_*`` ops that update every
variable of an optimizer step in one call each. All are pure: inputs are not modified.

Example:
    >>> b = TorchBackend()
    >>> w, g = [torch.ones(2)], [torch.ones(2)]
    >>> b.sgd_update(w, g, None, torch.tensor(0.5), 0.0, False)[0][0]
    tensor([0.5000, 0.5000])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from .core import Tensor, to_tensor


def _tensors(xs: Sequence[Any]) -> list[Tensor]:
    return [x if type(x) is Tensor else to_tensor(x) for x in xs]


class FusedOps:
    """The optional fused kernels of the backend protocol."""

    def dense(self, x: Any, kernel: Any, bias: Any = None) -> Tensor:
        """``matmul(x, kernel) + bias``; one ``addmm`` for 2-D same-dtype inputs."""
        a, w = to_tensor(x), to_tensor(kernel)
        if bias is None:
            return self.matmul(a, w)  # type: ignore[attr-defined]
        c = to_tensor(bias)
        if (a.dtype is w.dtype and c.dtype is w.dtype and w.is_floating_point()
                and w.ndim == 2 and c.shape == w.shape[1:]):
            if a.ndim == 2:
                return torch.addmm(c, a, w)
            if a.ndim > 2:
                return torch.matmul(a, w) + c
        return self.add(self.matmul(a, w), c)  # type: ignore[attr-defined]

    def dropout(self, x: Any, rate: float, key: Any) -> Tensor:
        """Inverted dropout from the uniform draw of ``random_uniform(..., key)``."""
        a = to_tensor(x)
        keep = 1.0 - rate
        u = self.random_uniform(a.shape, 0.0, 1.0, a.dtype, key)  # type: ignore[attr-defined]
        scale = u.lt_(keep).mul_(1.0 / keep)  # in place: 1/keep where kept, else 0
        return a * scale

    def sgd_update(self, variables: Sequence[Any], gradients: Sequence[Any],
                   momentums: Sequence[Any] | None, learning_rate: Any, momentum: float,
                   nesterov: bool) -> tuple[list[Tensor], list[Tensor] | None]:
        """One SGD step over all variables with multi-tensor ops."""
        ws, gs = _tensors(variables), _tensors(gradients)
        lr = to_tensor(learning_rate)
        with torch.no_grad():
            step = torch._foreach_mul(gs, lr)
            if momentums is None:
                return list(torch._foreach_sub(ws, step)), None
            new_m = torch._foreach_mul(_tensors(momentums), momentum)
            torch._foreach_sub_(new_m, step)
            if nesterov:
                new_w = torch._foreach_add(ws, new_m, alpha=momentum)
                torch._foreach_sub_(new_w, step)
            else:
                new_w = torch._foreach_add(ws, new_m)
        return list(new_w), list(new_m)

    def adam_update(self, variables: Sequence[Any], gradients: Sequence[Any],
                    momentums: Sequence[Any], velocities: Sequence[Any], step_size: Any,
                    beta_1: float, beta_2: float, epsilon: float
                    ) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
        """One Adam step over all variables with multi-tensor ops."""
        ws, gs = _tensors(variables), _tensors(gradients)
        ms, vs = _tensors(momentums), _tensors(velocities)
        alpha = to_tensor(step_size)
        with torch.no_grad():
            new_m = torch._foreach_sub(gs, ms)
            torch._foreach_mul_(new_m, 1.0 - beta_1)
            torch._foreach_add_(new_m, ms)
            new_v = torch._foreach_mul(gs, gs)
            torch._foreach_sub_(new_v, vs)
            torch._foreach_mul_(new_v, 1.0 - beta_2)
            torch._foreach_add_(new_v, vs)
            denom = torch._foreach_sqrt(new_v)
            torch._foreach_add_(denom, epsilon)
            update = torch._foreach_mul(new_m, alpha)
            torch._foreach_div_(update, denom)
            new_w = torch._foreach_sub(ws, update)
        return list(new_w), list(new_m), list(new_v)

    def rnn(self, kind: str, inputs: Any, initial_state: list[Any], kernel: Any,
            recurrent_kernel: Any, bias: Any, go_backwards: bool) -> Any:
        """A built-in recurrence on torch's own RNN kernels (``torch._VF.lstm``/``gru``/
        ``rnn_tanh``, what ``nn.LSTM`` runs), weights moved to torch's layout: transposed,
        and GRU gates reordered from Keras' z, r, h to torch's r, z, n."""
        x, w, u = to_tensor(inputs), to_tensor(kernel), to_tensor(recurrent_kernel)
        if go_backwards:
            x = torch.flip(x, (1,))
        states = [to_tensor(s).unsqueeze(0) for s in initial_state]
        units = u.shape[0]
        zeros = x.new_zeros(w.shape[1])
        if kind == "gru":
            if bias is None:
                b_ih = b_hh = zeros
            else:
                b = to_tensor(bias)
                if b.ndim != 2:
                    return NotImplemented  # reset_after=False has no torch kernel
                b_ih, b_hh = b[0], b[1]
            order = torch.cat([torch.arange(units, 2 * units), torch.arange(units),
                               torch.arange(2 * units, 3 * units)]).to(x.device)
            params = [w.t()[order], u.t()[order], b_ih[order], b_hh[order]]
            out, h = torch._VF.gru(x, states[0], params, True, 1, 0.0, False, False, True)
            return out[:, -1], out, [h[0]]
        params = [w.t(), u.t(), zeros if bias is None else to_tensor(bias), zeros]
        if kind == "lstm":
            out, h, c = torch._VF.lstm(x, (states[0], states[1]), params, True, 1, 0.0,
                                       False, False, True)
            return out[:, -1], out, [h[0], c[0]]
        out, h = torch._VF.rnn_tanh(x, states[0], params, True, 1, 0.0, False, False, True)
        return out[:, -1], out, [h[0]]
