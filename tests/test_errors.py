"""Bad input gets a clear error: what was received, what was expected, how to fix it."""

from __future__ import annotations

import numpy as np
import pytest

import polykeras
from polykeras import layers


def compiled_mlp(loss="sparse_categorical_crossentropy"):
    model = polykeras.Sequential([layers.Dense(4, input_shape=(6,)),
                                  layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss)
    return model


X = np.zeros((10, 6), "float32")
Y = np.zeros(10, "int32")


def test_wrong_input_shape_names_layer_shapes_and_fix():
    model = compiled_mlp()
    with pytest.raises(ValueError) as err:
        model.predict(np.zeros((10, 2, 3), "float32"), verbose=0)
    msg = str(err.value)
    assert "dense" in msg and "(None, 6)" in msg and "(10, 2, 3)" in msg and "Flatten" in msg


def test_dense_on_unflattened_images():
    dense = layers.Dense(5)
    dense(np.zeros((2, 784), "float32"))
    with pytest.raises(ValueError, match=r"expected input with last dimension 784, received shape \(32, 28, 28\)\. Add Flatten\(\) first"):
        dense(np.zeros((32, 28, 28), "float32"))


def test_x_y_length_mismatch():
    with pytest.raises(ValueError, match="x has 10, y has 9"):
        compiled_mlp().fit(X, Y[:9], verbose=0)


def test_sparse_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\).*from 0 to 7"):
        compiled_mlp().fit(X, np.array([0] * 9 + [7]), verbose=0)


def test_one_hot_width_mismatch_suggests_sparse_loss():
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        compiled_mlp("categorical_crossentropy").fit(X, Y, verbose=0)


@pytest.mark.parametrize("kind, call", [
    ("loss", lambda m: m.compile(optimizer="sgd", loss="nope_loss")),
    ("optimizer", lambda m: m.compile(optimizer="nope_opt", loss="mse")),
    ("metric", lambda m: m.compile(optimizer="sgd", loss="mse", metrics=["nope_metric"])),
    ("activation", lambda m: layers.Dense(3, activation="nope_act")),
])
def test_unknown_names_list_the_valid_ones(kind, call):
    model = polykeras.Sequential([layers.Dense(3, input_shape=(2,))])
    with pytest.raises(ValueError) as err:
        call(model)
    msg = str(err.value)
    assert "nope" in msg
    valid = {"loss": "mean_squared_error", "optimizer": "adam", "metric": "accuracy",
             "activation": "relu"}[kind]
    assert valid in msg


def test_fit_before_compile():
    model = polykeras.Sequential([layers.Dense(3, input_shape=(6,))])
    with pytest.raises(RuntimeError, match=r"compile\(\)"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(RuntimeError, match=r"compile\(\)"):
        model.evaluate(X, Y, verbose=0)


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5])
def test_validation_split_outside_range(split):
    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\)"):
        compiled_mlp().fit(X, Y, validation_split=split, verbose=0)


def test_empty_dataset():
    with pytest.raises(ValueError, match="empty"):
        compiled_mlp().fit(X[:0], Y[:0], verbose=0)


@pytest.mark.parametrize("batch_size", [0, -5, 2.5])
def test_non_positive_batch_size(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        compiled_mlp().fit(X, Y, batch_size=batch_size, verbose=0)


def test_unknown_compile_argument():
    model = polykeras.Sequential([layers.Dense(3, input_shape=(6,))])
    with pytest.raises(TypeError, match="nope"):
        model.compile(optimizer="sgd", loss="mse", nope=1)


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)
    with pytest.raises(ValueError, match="rank 4"):
        layers.Conv2D(4, 3)(np.zeros((2, 28, 28), "float32"))


# ------------------------------------------------- checks every entry point makes
@pytest.mark.parametrize("call", [
    lambda m, y: m.fit(X, y, verbose=0),
    lambda m, y: m.evaluate(X, y, verbose=0),
    lambda m, y: m.train_on_batch(X, y),
    lambda m, y: m.test_on_batch(X, y),
], ids=["fit", "evaluate", "train_on_batch", "test_on_batch"])
@pytest.mark.parametrize("labels", [Y + 3, Y - 1], ids=["above", "negative"])
def test_sparse_label_range_is_checked_everywhere(call, labels):
    """Not only fit: out-of-range labels never give a silent result (jax returned 0)."""
    with pytest.raises(ValueError, match=r"Sparse labels must be in \[0, 3\)"):
        call(compiled_mlp(), labels)


def test_one_hot_labels_with_a_sparse_loss():
    with pytest.raises(ValueError, match=r"look one-hot.*categorical_crossentropy.*argmax"):
        compiled_mlp().fit(X, np.eye(3, dtype="float32")[Y], verbose=0)


def test_targets_dict_with_a_wrong_key_names_the_outputs():
    inputs = polykeras.Input((6,))
    model = polykeras.Model(inputs, [layers.Dense(2, name="o1")(inputs),
                                     layers.Dense(3, name="o2")(inputs)])
    model.compile(optimizer="sgd", loss={"o1": "mse", "o2": "mse"})
    y = {"o1": np.zeros((10, 2), "float32"), "oops": np.zeros((10, 3), "float32")}
    for call in (lambda: model.fit(X, y, verbose=0), lambda: model.evaluate(X, y, verbose=0)):
        with pytest.raises(ValueError, match=r"outputs are named \['o1', 'o2'\]; missing: "
                                             r"\['o2'\]; not an output: \['oops'\]"):
            call()


@pytest.mark.parametrize("call,message", [
    (lambda m: m.fit(X, None, verbose=0), r"fit\(\) received inputs x but no targets"),
    (lambda m: m.evaluate(X, verbose=0), r"evaluate\(\) received inputs x but no targets"),
    (lambda m: m.fit(X, Y, validation_data=(X,), verbose=0),
     r"validation_data must be \(x_val, y_val\).*a tuple of 1 item"),
    (lambda m: m.fit("hello", Y, verbose=0), r"received the str 'hello' as data"),
    (lambda m: m.fit(np.full((10, 6), "a"), Y, verbose=0), r"x holds strings \(dtype <U1"),
    (lambda m: m.fit(np.array([[1.0] * 5 + [None]] * 10, dtype=object), Y, verbose=0),
     r"x is an array of Python objects.*NoneType.*dtype=\"float32\""),
    (lambda m: m.predict(np.full((10, 6), "1.5"), verbose=0), r"x holds strings"),
], ids=["fit-no-y", "evaluate-no-y", "validation-1-tuple", "str-data", "str-array",
        "object-array", "predict-str-array"])
def test_unusable_data_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call(compiled_mlp())


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's own, while training on NaN
def test_non_finite_inputs_warn_once_before_training():
    x = X.copy()
    x[3, 2], x[7, 0] = np.nan, np.inf
    with pytest.warns(UserWarning, match=r"x holds 2 NaN or infinite value\(s\) \(the first at "
                                         r"index \(3, 2\)\)") as record:
        compiled_mlp().fit(x, Y, epochs=2, batch_size=2, verbose=0)
    assert sum("NaN or infinite" in str(w.message) for w in record) == 1
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiled_mlp().fit(X, Y, verbose=0)  # finite data: no warning
