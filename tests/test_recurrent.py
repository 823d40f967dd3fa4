"""Recurrent layers: Keras 3 weight layout, parity with the NumPy backend (forward and
gradients), masking, states, dropout, wrappers and bad-input errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import polykeras
from polykeras import layers, ops

TOL = dict(rtol=1e-5, atol=1e-5)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], bool)

CASES = {
    "simple_rnn": lambda: layers.SimpleRNN(4),
    "simple_rnn_seq_back": lambda: layers.SimpleRNN(4, return_sequences=True, go_backwards=True),
    "lstm": lambda: layers.LSTM(4),
    "lstm_seq_state": lambda: layers.LSTM(4, return_sequences=True, return_state=True),
    "lstm_back": lambda: layers.LSTM(4, go_backwards=True),
    "gru": lambda: layers.GRU(4, return_sequences=True),
    "gru_v1_back": lambda: layers.GRU(4, reset_after=False, go_backwards=True),
    "bi_lstm_concat": lambda: layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
    "bi_gru_sum": lambda: layers.Bidirectional(layers.GRU(3), merge_mode="sum"),
    "bi_rnn_none_state": lambda: layers.Bidirectional(
        layers.SimpleRNN(3, return_sequences=True, return_state=True), merge_mode=None),
}


def _inputs(seed=0):
    return np.random.default_rng(seed).normal(size=(3, 5, 2)).astype("float32")


def _list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# ------------------------------------------------------------------ Keras 3 layout
keras = None
if importlib.util.find_spec("keras") is not None and importlib.util.find_spec("tensorflow"):
    import keras


@pytest.mark.skipif(keras is None, reason="keras not installed; runs in tox -e tensorflow")
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy")
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_set_weights_from_keras_gives_keras_outputs(name, masked):
    x = _inputs()
    ours = CASES[name]()
    kcls = getattr(keras.layers, type(ours).__name__)
    if isinstance(ours, layers.Bidirectional):
        inner = ours.forward_layer
        kinner = getattr(keras.layers, type(inner).__name__)(
            3, return_sequences=inner.return_sequences, return_state=inner.return_state)
        theirs = kcls(kinner, merge_mode=ours.merge_mode)
    else:
        extra = {"reset_after": False} if name == "gru_v1_back" else {}
        theirs = kcls(4, return_sequences=ours.return_sequences, return_state=ours.return_state,
                      go_backwards=ours.go_backwards, **extra)
    kwargs = {"mask": MASK} if masked else {}
    expected = [np.asarray(keras.ops.convert_to_numpy(o)) for o in _list(theirs(x, **kwargs))]
    ours(ops.convert_to_tensor(x))
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    ours.set_weights(theirs.get_weights())
    kwargs = {"mask": ops.convert_to_tensor(MASK)} if masked else {}
    got = [_np(o) for o in _list(ours(ops.convert_to_tensor(x), **kwargs))]
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, **TOL)


# ---------------------------------------------------------------- NumPy parity
def _loss_and_grads(layer, x, mask):
    backend = polykeras.backend.current()
    rng = np.random.default_rng(5)
    with polykeras.backend.use(layer._backend):
        b = layer._backend
        tensors = [b.convert_to_tensor(w) for w in layer.get_weights()]
        xt = b.convert_to_tensor(x)
        mt = None if mask is None else b.convert_to_tensor(mask)
        out_shapes = [tuple(np.shape(_np(o))) for o in _list(layer(xt, mask=mt))]
        weights = [b.convert_to_tensor(rng.normal(size=s).astype("float32")) for s in out_shapes]

        def loss(params):
            outs, _ = layer.stateless_call(params, [], xt, mask=mt)
            total = None
            for o, w in zip(_list(outs), weights):
                term = ops.sum(ops.multiply(o, w))
                total = term if total is None else ops.add(total, term)
            return total

        value, grads = b.value_and_grad(loss)(tensors)
        outs = [_np(o) for o in _list(layer(xt, mask=mt))]
    assert backend is polykeras.backend.current()
    return outs, float(_np(value)), [_np(g) for g in grads]


@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_numpy_backend_forward_and_gradients(name, masked):
    x = _inputs(1)
    mask = MASK if masked else None
    polykeras.utils.set_random_seed(4)
    ours = CASES[name]()
    ours(ops.convert_to_tensor(x))
    with polykeras.backend.use("numpy"):
        polykeras.utils.set_random_seed(4)
        ref = CASES[name]()
        ref(polykeras.backend.current().convert_to_tensor(x))
    for a, b in zip(ours.get_weights(), ref.get_weights()):
        np.testing.assert_array_equal(a, b)
    out, value, grads = _loss_and_grads(ours, x, mask)
    ref_out, ref_value, ref_grads = _loss_and_grads(ref, x, mask)
    for a, b in zip(out, ref_out):
        np.testing.assert_allclose(a, b, **TOL)
    np.testing.assert_allclose(value, ref_value, rtol=1e-5, atol=1e-5)
    for a, b in zip(grads, ref_grads):
        np.testing.assert_allclose(a, b, **TOL)


# ------------------------------------------------------------------ behaviour
def test_masked_steps_keep_state_and_output():
    x = _inputs(2)
    layer = layers.LSTM(3, return_sequences=True, return_state=True)
    seq, h, c = layer(ops.convert_to_tensor(x), mask=ops.convert_to_tensor(MASK))
    seq = _np(seq)
    # Row 0 is masked after step 2: outputs repeat and the final state is step 2's.
    np.testing.assert_allclose(seq[0, 3], seq[0, 2])
    np.testing.assert_allclose(_np(h)[0], seq[0, 2])
    short = layer(ops.convert_to_tensor(x[:1, :3]))
    np.testing.assert_allclose(_np(short[1])[0], _np(h)[0], **TOL)
    np.testing.assert_allclose(_np(short[2])[0], _np(c)[0], **TOL)


def test_embedding_mask_zero_in_sequential_equals_trimmed_sequences():
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([layers.Input(shape=(None,), dtype="int32"),
                                  layers.Embedding(10, 4, mask_zero=True), layers.GRU(3)])
    x = np.array([[3, 4, 0, 0, 0], [1, 2, 3, 4, 5]], "int32")
    padded = _np(model(ops.convert_to_tensor(x)))
    trimmed = _np(model(ops.convert_to_tensor(x[:1, :2])))
    np.testing.assert_allclose(padded[0], trimmed[0], **TOL)


def test_masking_layer_and_functional_bidirectional():
    x = _inputs(3)
    x[0, 3:] = 0.0
    inputs = polykeras.Input(shape=(5, 2))
    masked = layers.Masking()(inputs)
    out = layers.Bidirectional(layers.SimpleRNN(2, return_sequences=True))(masked)
    pooled = layers.GlobalAveragePooling1D()(out)
    model = polykeras.Model(inputs, [out, pooled])
    seq, avg = (_np(t) for t in model(ops.convert_to_tensor(x)))
    np.testing.assert_array_equal(seq[0, 3:], 0.0)  # Bidirectional zeroes masked steps
    np.testing.assert_allclose(avg[0], seq[0, :3].mean(0), **TOL)


def test_initial_state_unroll_and_custom_cell():
    x = ops.convert_to_tensor(_inputs(4))
    h0 = ops.convert_to_tensor(np.full((3, 4), 0.5, "float32"))
    c0 = ops.convert_to_tensor(np.full((3, 4), -0.5, "float32"))
    lstm = layers.LSTM(4, return_sequences=True)
    unrolled = layers.LSTM(4, return_sequences=True, unroll=True)
    a = _np(lstm(x, initial_state=[h0, c0]))
    unrolled(x)
    unrolled.set_weights(lstm.get_weights())
    b = _np(unrolled(x, initial_state=[h0, c0]))
    np.testing.assert_allclose(a, b, **TOL)
    assert not np.allclose(a, _np(lstm(x)))
    with pytest.raises(ValueError, match="initial_state shapes"):
        lstm(x, initial_state=[h0])

    class MinimalCell(layers.Layer):
        state_size = 4

        def build(self, input_shape):
            self.kernel = self.add_weight((input_shape[-1], 4), name="kernel")

        def call(self, inputs, states):
            out = ops.tanh(ops.matmul(inputs, self.kernel) + states[0])
            return out, [out]

    rnn = layers.RNN(MinimalCell(), return_sequences=True)
    assert ops.shape(rnn(x)) == (3, 5, 4)
    stacked = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(3), layers.GRUCell(2)]),
                         return_state=True)
    out, h1, c1, h2 = stacked(x)
    assert ops.shape(out) == (3, 2) and ops.shape(c1) == (3, 3)
    np.testing.assert_allclose(_np(out), _np(h2))


def test_stateful_carries_states_and_reset_states():
    x = ops.convert_to_tensor(_inputs(5))
    polykeras.utils.set_random_seed(1)
    layer = layers.GRU(3, stateful=True)
    first = _np(layer(x))
    second = _np(layer(x))
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(_np(layer(x)), first, **TOL)
    assert len(layer.weights) == 3  # states are not weights
    model = polykeras.Sequential([layers.Input(batch_shape=(3, 5, 2)),
                                  layers.LSTM(2, stateful=True), layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(_inputs(6), np.zeros((3, 1), "float32"), epochs=1, batch_size=3, verbose=0)
    assert np.abs(_np(model.layers[0].states[0].value)).sum() > 0
    model.layers[0].reset_states()
    assert np.abs(_np(model.layers[0].states[0].value)).sum() == 0


def test_dropout_in_training_only():
    x = ops.convert_to_tensor(_inputs(7))
    layer = layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=3)
    infer = _np(layer(x))
    np.testing.assert_allclose(_np(layer(x, training=False)), infer)
    assert not np.allclose(_np(layer(x, training=True)), infer)


def test_time_distributed():
    x = ops.convert_to_tensor(_inputs(8))
    dense = layers.Dense(3)
    td = layers.TimeDistributed(dense)
    out = _np(td(x))
    assert out.shape == (3, 5, 3)
    np.testing.assert_allclose(out[:, 1], _np(dense(x[:, 1])), **TOL)
    inputs = polykeras.Input(shape=(5, 2))
    assert layers.TimeDistributed(layers.Dense(6))(inputs).shape == (None, 5, 6)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"lstm.*rank 3.*\(4, 3\)"):
        layers.LSTM(2)(ops.ones((4, 3)))
    with pytest.raises(ValueError, match=r"mask of shape \(3, 4\).*\(3, 5\)"):
        layers.GRU(2)(ops.ones((3, 5, 2)), mask=ops.ones((3, 4), "bool"))
    with pytest.raises(ValueError, match="stateful=True.*batch size"):
        polykeras.Sequential([layers.Input(shape=(5, 2)), layers.SimpleRNN(2, stateful=True)])
    with pytest.raises(ValueError, match="merge_mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="recurrent layer"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="dropout"):
        layers.LSTM(2, dropout=1.5)


def test_config_round_trip():
    for layer in [layers.LSTM(3, return_sequences=True, dropout=0.1), layers.GRU(2, reset_after=False),
                  layers.Bidirectional(layers.SimpleRNN(2), merge_mode="ave"),
                  layers.TimeDistributed(layers.Dense(2)),
                  layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2), layers.GRUCell(2)]))]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == {**config, "name": clone.name} or type(clone) is type(layer)


FUSED_CASES = {
    "lstm": lambda **k: layers.LSTM(4, **k),
    "gru": lambda **k: layers.GRU(4, **k),
    "simple_rnn": lambda **k: layers.SimpleRNN(4, **k),
}


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forward", "backwards"])
@pytest.mark.parametrize("name", sorted(FUSED_CASES))
def test_fused_rnn_kernel_matches_composed_loop(backend, name, go_backwards):
    """The adapter's ``rnn`` kernel (where it has one) against the step-by-step loop
    (``unroll=True`` never takes the kernel), forward and gradients."""
    rng = np.random.default_rng(0)
    x = ops.convert_to_tensor(_inputs(9))
    fused_layer = FUSED_CASES[name](return_sequences=True, return_state=True,
                                    go_backwards=go_backwards)
    composed = FUSED_CASES[name](return_sequences=True, return_state=True,
                                 go_backwards=go_backwards, unroll=True)
    fused_layer(x)
    composed(x)
    composed.set_weights([w + 0.1 for w in fused_layer.get_weights()])
    fused_layer.set_weights(composed.get_weights())
    n_states = len(layers.RNN(fused_layer.cell)._flat_state_sizes())
    states = [ops.convert_to_tensor(rng.normal(size=(3, 4)).astype("float32"))
              for _ in range(n_states)]

    def grads(layer):
        def loss(p):
            outs, _ = layer.stateless_call(p[0], [], p[1][0], initial_state=p[1][1:])
            total = ops.sum(ops.square(outs[0]))
            for o in outs[1:]:
                total = ops.add(total, ops.sum(ops.square(o)))
            return total

        weights = [ops.convert_to_tensor(w) for w in layer.get_weights()]
        return backend.value_and_grad(loss)([weights, [x] + states])

    (value, (gw, gi)), (ref_value, (rw, ri)) = grads(fused_layer), grads(composed)
    np.testing.assert_allclose(_np(value), _np(ref_value), rtol=1e-5)
    for a, b in zip(gw + gi, rw + ri):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-5)


def test_loss_excludes_masked_timesteps():
    """With a mask on the model's output, the loss averages over the unmasked steps only
    (as Keras 3), in fit/evaluate on every backend."""
    x = np.array([[3, 4, 0, 0], [1, 2, 3, 0]], "int32")
    y = np.array([[1, 2, 0, 0], [2, 1, 1, 0]], "int32")
    polykeras.utils.set_random_seed(0)
    model = polykeras.Sequential([
        layers.Input(shape=(4,), dtype="int32"), layers.Embedding(5, 3, mask_zero=True),
        layers.LSTM(4, return_sequences=True), layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    probs = model.predict(x, verbose=0)
    ce = -np.log(np.take_along_axis(probs, y[..., None], -1)[..., 0])
    mask = x > 0
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), (ce * mask).sum() / mask.sum(),
                               rtol=1e-5)
    weights = np.array([2.0, 1.0], "float32")
    expected = (ce * mask * weights[:, None]).sum() / mask.sum()
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=weights, verbose=0), expected,
                               rtol=1e-5)
