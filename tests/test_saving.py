"""Saving and loading in the Keras 3 ``.keras`` format on the active backend, across
backends, with custom objects, and the safety/integrity guarantees of the loader."""

from __future__ import annotations

import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np
import pytest

import polykeras
from polykeras import layers
from polykeras.backend import registry
from polykeras.saving import archive, builtins


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def mlp(seed=1):
    polykeras.utils.set_random_seed(seed)
    return polykeras.Sequential([
        layers.Dense(8, activation="relu", input_shape=(4,)),
        layers.BatchNormalization(),
        layers.Dense(3, activation="softmax"),
    ])


def compiled_mlp(seed=1, optimizer="adam"):
    model = mlp(seed)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def step_optimizer(model, steps=2):
    """Give the optimizer state without compiling a train step (seconds on JAX)."""
    variables = model.trainable_variables
    model.optimizer.build(variables)
    for i in range(steps):
        grads = [polykeras.ops.convert_to_tensor(rand(*v.shape, seed=i)) for v in variables]
        model.optimizer.apply(grads, variables)


def xy(n=32):
    rng = np.random.default_rng(0)
    return rng.random((n, 4), dtype=np.float32), rng.integers(0, 3, n)


def functional_model():
    a = polykeras.Input(shape=(4,), name="a")
    b = polykeras.Input(shape=(3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    h = layers.Concatenate(name="cat")([shared(a), layers.Dense(5, name="proj")(b)])
    h = layers.Add(name="sum")([h, h])
    out1 = layers.Dense(1, name="reg")(h)
    out2 = layers.Dense(3, activation="softmax", name="cls")(layers.LayerNormalization()(h))
    return polykeras.Model(inputs=[a, b], outputs=[out1, out2], name="two_heads")


def read_members(path):
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def rewrite(path, out, config=None, weights=None, drop=()):
    members = read_members(path)
    if config is not None:
        members["config.json"] = json.dumps(config).encode()
    if weights is not None:
        members["model.weights.h5"] = weights
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            if name not in drop:
                z.writestr(name, data)
    return out


def edit_weights(data, fn):
    buffer = io.BytesIO(data)
    with h5py.File(buffer, "a") as f:
        fn(f)
    return buffer.getvalue()


# ------------------------------------------------------------------- the format
def test_keras_file_layout(tmp_path):
    model = compiled_mlp()
    x, y = xy()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    members = read_members(path)
    assert set(members) == {"metadata.json", "config.json", "model.weights.h5"}
    meta = json.loads(members["metadata.json"])
    assert {"keras_version", "date_saved", "polykeras_version"} <= set(meta)
    assert meta["polykeras_backend"] == polykeras.config.backend()
    config = json.loads(members["config.json"])
    assert (config["module"], config["class_name"]) == ("keras", "Sequential")
    entries = config["config"]["layers"]
    assert [e["class_name"] for e in entries] == [
        "InputLayer", "Dense", "BatchNormalization", "Dense"]
    assert entries[0]["config"]["batch_shape"] == [None, 4]
    assert all(e["module"] == "keras.layers" for e in entries)
    assert "batch_input_shape" not in entries[1]["config"]
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["module"] == "keras.optimizers"
    assert compile_config["optimizer"]["class_name"] == "Adam"
    with h5py.File(io.BytesIO(members["model.weights.h5"]), "r") as f:
        assert f["layers/dense/vars"].attrs["name"] == model.layers[0].name
        assert f["layers/dense/vars/0"].shape == (4, 8)
        assert f["layers/batch_normalization/vars/3"].shape == (8,)
        assert f["layers/dense_1/vars/1"].shape == (3,)
        opt = f["optimizer/vars"]
        assert len(opt) == 2 + 2 * 6  # iteration, learning rate, m and v per variable
        assert int(opt["0"][()]) == 4  # 32 samples / batch 8
        assert "vars" in f


def test_sequential_round_trip_keeps_predictions_and_compile(tmp_path):
    model = compiled_mlp()
    x, _ = xy()
    step_optimizer(model)
    model.save(tmp_path / "m.keras")
    loaded = polykeras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, polykeras.Sequential) and loaded.compiled
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert type(loaded.optimizer).__name__ == "Adam"
    assert loaded._compile_metrics._spec == ["accuracy"]
    assert type(loaded._compile_loss.losses[0]).__name__ == "SparseCategoricalCrossentropy"
    plain = polykeras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not plain.compiled and plain.optimizer is None


def test_functional_round_trip_with_shared_layer_and_two_outputs(tmp_path):
    model = functional_model()
    model.compile(optimizer="rmsprop", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics={"cls": ["accuracy"]})
    xa, xb = rand(6, 4), rand(6, 3, seed=1)
    step_optimizer(model)
    model.save(tmp_path / "f.keras")
    config = json.loads(read_members(tmp_path / "f.keras")["config.json"])
    assert config["class_name"] == "Functional"
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["config"]["output_layers"] == [["reg", 0, 0], ["cls", 0, 0]]
    loaded = polykeras.models.load_model(tmp_path / "f.keras")
    assert loaded.name == "two_heads" and loaded.input_names == ["a", "b"]
    got, expected = loaded.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)
    for p, q in zip(got, expected, strict=True):
        np.testing.assert_array_equal(p, q)
    assert loaded._compile_loss.weights == [1.0, 0.5]
    assert loaded._compile_metrics._spec == {"cls": ["accuracy"]}
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_nested_sequential_inside_functional(tmp_path):
    inner = polykeras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)],
                                 name="inner")
    x = polykeras.Input(shape=(3,))
    model = polykeras.Model(x, layers.Activation("sigmoid")(inner(x)))
    path = tmp_path / "n.keras"
    model.save(path)
    with h5py.File(io.BytesIO(read_members(path)["model.weights.h5"]), "r") as f:
        assert f["layers/sequential/layers/dense_1/vars/0"].shape == (4, 2)
    loaded = polykeras.models.load_model(path)
    data = rand(5, 3)
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


LAYER_CASES = [
    ("dense", lambda: layers.Dense(3, activation="tanh", use_bias=False,
                                   kernel_regularizer="l2"), (4,)),
    ("activation", lambda: layers.Activation("gelu"), (4,)),
    ("dropout", lambda: layers.Dropout(0.25, seed=3), (4,)),
    ("flatten", lambda: layers.Flatten(), (2, 3)),
    ("reshape", lambda: layers.Reshape((3, 2)), (6,)),
    ("conv1d", lambda: layers.Conv1D(2, 3, strides=1, padding="same", activation="relu"),
     (7, 3)),
    ("conv2d", lambda: layers.Conv2D(2, (3, 2), dilation_rate=(1, 1)), (6, 5, 2)),
    ("maxpool1d", lambda: layers.MaxPooling1D(2), (6, 2)),
    ("maxpool2d", lambda: layers.MaxPooling2D((2, 2), padding="same"), (5, 5, 2)),
    ("avgpool1d", lambda: layers.AveragePooling1D(3, strides=1), (6, 2)),
    ("avgpool2d", lambda: layers.AveragePooling2D(2), (4, 4, 2)),
    ("gap1d", lambda: layers.GlobalAveragePooling1D(), (5, 2)),
    ("gap2d", lambda: layers.GlobalAveragePooling2D(keepdims=True), (4, 4, 2)),
    ("gmp1d", lambda: layers.GlobalMaxPooling1D(), (5, 2)),
    ("gmp2d", lambda: layers.GlobalMaxPooling2D(), (4, 4, 2)),
    ("batchnorm", lambda: layers.BatchNormalization(momentum=0.8, epsilon=0.01), (4,)),
    ("layernorm", lambda: layers.LayerNormalization(epsilon=0.01), (4,)),
    # convolution and vision layers
    ("conv1d_causal_groups", lambda: layers.Conv1D(4, 2, padding="causal", groups=2), (6, 2)),
    ("conv3d", lambda: layers.Conv3D(2, 2, data_format="channels_first"), (2, 3, 3, 3)),
    ("conv1d_transpose", lambda: layers.Conv1DTranspose(2, 3, strides=2), (4, 3)),
    ("conv2d_transpose", lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same",
                                                        output_padding=1), (3, 3, 2)),
    ("conv3d_transpose", lambda: layers.Conv3DTranspose(2, 2), (2, 2, 2, 1)),
    ("depthwise1d", lambda: layers.DepthwiseConv1D(3, depth_multiplier=2), (6, 2)),
    ("depthwise2d", lambda: layers.DepthwiseConv2D(2, padding="same"), (4, 4, 2)),
    ("separable1d", lambda: layers.SeparableConv1D(3, 2), (5, 2)),
    ("separable2d", lambda: layers.SeparableConv2D(3, 2, depth_multiplier=2), (4, 4, 2)),
    ("maxpool3d", lambda: layers.MaxPooling3D(2), (4, 4, 4, 1)),
    ("avgpool3d", lambda: layers.AveragePooling3D(2, padding="same"), (3, 4, 4, 1)),
    ("gap3d", lambda: layers.GlobalAveragePooling3D(), (2, 2, 2, 3)),
    ("gmp3d", lambda: layers.GlobalMaxPooling3D(keepdims=True), (2, 2, 2, 3)),
    ("adaptive_avg1d", lambda: layers.AdaptiveAveragePooling1D(3), (7, 2)),
    ("adaptive_avg2d", lambda: layers.AdaptiveAveragePooling2D((2, 3)), (5, 7, 2)),
    ("adaptive_avg3d", lambda: layers.AdaptiveAveragePooling3D(2), (3, 4, 5, 1)),
    ("adaptive_max1d", lambda: layers.AdaptiveMaxPooling1D(2), (5, 2)),
    ("adaptive_max2d", lambda: layers.AdaptiveMaxPooling2D(2), (5, 4, 2)),
    ("adaptive_max3d", lambda: layers.AdaptiveMaxPooling3D((1, 2, 2)), (3, 4, 5, 1)),
    ("upsampling1d", lambda: layers.UpSampling1D(3), (4, 2)),
    ("upsampling2d", lambda: layers.UpSampling2D((2, 3), interpolation="bilinear"), (3, 3, 2)),
    ("upsampling3d", lambda: layers.UpSampling3D(2), (2, 2, 2, 1)),
    ("zeropad1d", lambda: layers.ZeroPadding1D((1, 2)), (4, 2)),
    ("zeropad2d", lambda: layers.ZeroPadding2D(((1, 0), (2, 1))), (3, 3, 2)),
    ("zeropad3d", lambda: layers.ZeroPadding3D(1), (2, 2, 2, 1)),
    ("cropping1d", lambda: layers.Cropping1D((1, 2)), (6, 2)),
    ("cropping2d", lambda: layers.Cropping2D(((1, 0), (0, 2))), (5, 5, 2)),
    ("cropping3d", lambda: layers.Cropping3D(1), (4, 4, 4, 1)),
    # activation, reshaping and noise layers
    ("relu", lambda: layers.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5), (4,)),
    ("leaky_relu", lambda: layers.LeakyReLU(0.2), (4,)),
    ("prelu", lambda: layers.PReLU(alpha_initializer="ones", shared_axes=[1]), (3, 2)),
    ("elu", lambda: layers.ELU(0.5), (4,)),
    ("softmax", lambda: layers.Softmax(axis=(1, 2)), (3, 2)),
    ("identity", lambda: layers.Identity(), (4,)),
    ("repeat_vector", lambda: layers.RepeatVector(3), (4,)),
    ("permute", lambda: layers.Permute((2, 1)), (3, 2)),
    ("spatial_dropout1d", lambda: layers.SpatialDropout1D(0.2, seed=1), (4, 2)),
    ("spatial_dropout2d", lambda: layers.SpatialDropout2D(0.2, seed=1), (3, 3, 2)),
    ("spatial_dropout3d", lambda: layers.SpatialDropout3D(0.2, seed=1), (2, 2, 2, 2)),
    ("gaussian_noise", lambda: layers.GaussianNoise(0.1, seed=1), (4,)),
    ("gaussian_dropout", lambda: layers.GaussianDropout(0.1, seed=1), (4,)),
    ("alpha_dropout", lambda: layers.AlphaDropout(0.1, noise_shape=(None, 1), seed=1), (4,)),
    # preprocessing layers that run inside a model
    ("rescaling", lambda: layers.Rescaling(1 / 255, offset=0.5), (3, 3, 1)),
    ("resizing", lambda: layers.Resizing(4, 2, crop_to_aspect_ratio=True), (3, 3, 1)),
    ("center_crop", lambda: layers.CenterCrop(2, 2), (3, 3, 1)),
    ("random_crop", lambda: layers.RandomCrop(2, 2, seed=1), (3, 3, 1)),
    ("random_flip", lambda: layers.RandomFlip("vertical", seed=1), (3, 3, 1)),
    ("random_rotation", lambda: layers.RandomRotation((-0.1, 0.2), seed=1), (3, 3, 1)),
    ("random_zoom", lambda: layers.RandomZoom(0.2, (-0.1, 0.1), seed=1), (3, 3, 1)),
    ("random_translation", lambda: layers.RandomTranslation(0.1, 0.2, seed=1), (3, 3, 1)),
    ("random_contrast", lambda: layers.RandomContrast(0.3, seed=1), (3, 3, 1)),
    ("random_brightness", lambda: layers.RandomBrightness(0.3, value_range=(0, 1), seed=1),
     (3, 3, 1)),
    ("normalization", lambda: layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 1.0]),
     (2,)),
    ("discretization", lambda: layers.Discretization([0.0, 1.0], output_mode="one_hot"), (3,)),
    ("category_encoding", lambda: layers.CategoryEncoding(5, output_mode="count"), (3,)),
    ("integer_lookup", lambda: layers.IntegerLookup(vocabulary=[1, 2], output_mode="multi_hot"),
     (3,)),
    # sequence layers
    ("lstm", lambda: layers.LSTM(3, return_sequences=True, dropout=0.1), (5, 2)),
    ("gru", lambda: layers.GRU(3, reset_after=False, go_backwards=True), (5, 2)),
    ("simple_rnn", lambda: layers.SimpleRNN(2, activation="relu"), (5, 2)),
    ("rnn_cells", lambda: layers.RNN(layers.StackedRNNCells(
        [layers.LSTMCell(2), layers.GRUCell(2), layers.SimpleRNNCell(2)])), (5, 2)),
    ("bidirectional", lambda: layers.Bidirectional(layers.LSTM(2, return_sequences=True),
                                                   merge_mode="sum"), (5, 2)),
    ("time_distributed", lambda: layers.TimeDistributed(layers.Dense(3)), (5, 2)),
    ("masking", lambda: layers.Masking(mask_value=0.5), (5, 2)),
    ("einsum_dense", lambda: layers.EinsumDense("abc,cd->abd", (None, 3), bias_axes="d"),
     (5, 2)),
    ("rms_norm", lambda: layers.RMSNormalization(epsilon=0.01), (4,)),
    ("group_norm", lambda: layers.GroupNormalization(groups=2), (5, 4)),
    ("unit_norm", lambda: layers.UnitNormalization(), (4,)),
    ("activity_regularization", lambda: layers.ActivityRegularization(l1=0.1, l2=0.2), (4,)),
    ("dense_activity", lambda: layers.Dense(2, activity_regularizer="l1"), (3,)),
]

#: Host-only text layers (strings never become tensors): their configs round-trip in
#: tests/test_preprocessing_features.py.
HOST_TEXT_LAYERS = {"Hashing", "StringLookup", "TextVectorization"}


@pytest.mark.parametrize("make, shape", [(m, s) for _, m, s in LAYER_CASES],
                         ids=[name for name, _, _ in LAYER_CASES])
def test_every_layer_round_trips(make, shape, tmp_path):
    polykeras.utils.set_random_seed(2)
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == {
        **config, "name": config["name"]}
    model = polykeras.Sequential([polykeras.Input(shape=shape), layer])
    x = rand(3, *shape)
    model.save(tmp_path / "l.keras")
    loaded = polykeras.models.load_model(tmp_path / "l.keras")
    assert loaded.layers[0].get_config() == config
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_embedding_and_merge_layers_round_trip(tmp_path):
    tokens = polykeras.Input(shape=(5,), dtype="int32", name="tokens")
    emb = layers.GlobalAveragePooling1D()(layers.Embedding(20, 4)(tokens))
    dense = polykeras.Input(shape=(4,), name="dense_in")
    merged = [layer()([emb, dense]) for layer in (
        layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
        layers.Minimum)]
    merged.append(layers.Dot(axes=1, normalize=True)([emb, dense]))
    model = polykeras.Model([tokens, dense], layers.Concatenate(axis=-1)(merged))
    data = [np.random.default_rng(0).integers(0, 20, (3, 5)).astype("int32"), rand(3, 4)]
    model.save(tmp_path / "e.keras")
    loaded = polykeras.models.load_model(tmp_path / "e.keras")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0),
                                  model.predict(data, verbose=0))


MERGE_AND_EMBEDDING = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                       "Concatenate", "Embedding", "GlobalAveragePooling1D", "InputLayer",
                       "Dot", "Lambda"}

#: Layers with several inputs (or cells used inside RNN), saved in a functional model.
ATTENTION = {"MultiHeadAttention": lambda: layers.MultiHeadAttention(2, 3, value_dim=2),
             "GroupedQueryAttention": lambda: layers.GroupQueryAttention(2, 4, 2),
             "Attention": lambda: layers.Attention(use_scale=True, score_mode="concat"),
             "AdditiveAttention": lambda: layers.AdditiveAttention()}
CELLS = {"LSTMCell", "GRUCell", "SimpleRNNCell", "StackedRNNCells"}


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_attention_layers_round_trip(name, tmp_path):
    polykeras.utils.set_random_seed(2)
    query = polykeras.Input(shape=(5, 4))
    value = polykeras.Input(shape=(3, 4))
    layer = ATTENTION[name]()
    out = layer(query, value) if "Query" in name or "Head" in name else layer([query, value])
    model = polykeras.Model([query, value], out)
    data = [rand(2, 5, 4), rand(2, 3, 4, seed=1)]
    model.save(tmp_path / "a.keras")
    loaded = polykeras.models.load_model(tmp_path / "a.keras")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


def test_every_builtin_layer_has_a_round_trip_case():
    covered = ({type(make()).__name__ for _, make, _ in LAYER_CASES} | MERGE_AND_EMBEDDING
               | HOST_TEXT_LAYERS | set(ATTENTION) | CELLS | {"RNN"})
    missing = set(builtins.class_tables()["layers"]) - covered
    assert not missing, f"add these layers to LAYER_CASES in tests/test_saving.py: {missing}"


#: Constructor arguments for classes that need some.
REQUIRED_ARGS = {"ExponentialDecay": (0.1, 10, 0.9), "InverseTimeDecay": (0.1, 10, 0.5),
                 "PiecewiseConstantDecay": ([10], [0.1, 0.01]), "CosineDecay": (0.1, 100),
                 "Constant": (0.3,), "IoU": (3, [0, 2]), "MeanIoU": (3,),
                 "OneHotIoU": (3, [1]), "OneHotMeanIoU": (3,), "PrecisionAtRecall": (0.5,),
                 "RecallAtPrecision": (0.5,), "SensitivityAtSpecificity": (0.5,),
                 "SpecificityAtSensitivity": (0.5,), "PolynomialDecay": (0.1, 10),
                 "CosineDecayRestarts": (0.1, 10)}
ABSTRACT = {"Optimizer", "Loss", "Metric", "LossFunctionWrapper", "MeanMetricWrapper",
            "Initializer", "Regularizer", "LearningRateSchedule"}
CONFIG_CLASSES = [(kind, name) for kind in ("optimizers", "losses", "metrics", "initializers",
                                            "regularizers", "schedules")
                  for name in sorted(builtins.class_tables()[kind]) if name not in ABSTRACT]


@pytest.mark.parametrize("kind, name", CONFIG_CLASSES,
                         ids=[f"{k}.{n}" for k, n in CONFIG_CLASSES])
def test_every_builtin_object_config_round_trips(kind, name):
    cls = builtins.class_tables()[kind][name]
    obj = cls(*REQUIRED_ARGS.get(name, ())) if name != "LossScaleOptimizer" \
        else cls(polykeras.optimizers.SGD(0.1))
    config = json.loads(json.dumps(polykeras.saving.serialize_object(obj)))
    assert config["module"].startswith("keras") and config["class_name"] == name
    again = polykeras.saving.deserialize_object(config)
    assert type(again) is cls and again.get_config() == obj.get_config()


OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Nadam"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_state_round_trips(name, tmp_path):
    cls = getattr(polykeras.optimizers, name)
    kwargs = {"SGD": dict(momentum=0.9, nesterov=True), "RMSprop": dict(momentum=0.5)}
    optimizer = cls(learning_rate=0.01, **kwargs.get(name, {}))
    model = compiled_mlp(optimizer=optimizer)
    step_optimizer(model)
    model.save(tmp_path / "o.keras")
    loaded = polykeras.models.load_model(tmp_path / "o.keras")
    assert type(loaded.optimizer) is cls
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_schedule_losses_and_metrics_round_trip(tmp_path):
    schedule = polykeras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    metrics = ["mae", polykeras.metrics.AUC(num_thresholds=50), polykeras.metrics.Precision(),
               polykeras.metrics.Recall(thresholds=0.3), polykeras.metrics.BinaryAccuracy(
                   threshold=0.7), "binary_crossentropy", polykeras.metrics.TruePositives()]
    model = polykeras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    model.compile(optimizer=polykeras.optimizers.SGD(schedule),
                  loss=polykeras.losses.BinaryCrossentropy(label_smoothing=0.1),
                  metrics=metrics, weighted_metrics=["accuracy"])
    step_optimizer(model)
    model.save(tmp_path / "s.keras")
    loaded = polykeras.models.load_model(tmp_path / "s.keras")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    loss = loaded._compile_loss.losses[0]
    assert type(loss).__name__ == "BinaryCrossentropy" and loss.label_smoothing == 0.1
    spec = loaded._compile_metrics._spec
    assert spec[0] == "mae" and spec[5] == "binary_crossentropy"
    for a, b in zip(spec[1:5], metrics[1:5], strict=True):
        assert type(a) is type(b) and a.get_config() == b.get_config()
    assert loaded._compile_metrics._weighted_spec == ["accuracy"]
    for cls in (polykeras.losses.CategoricalCrossentropy, polykeras.losses.Huber,
                polykeras.losses.MeanAbsoluteError, polykeras.losses.MeanSquaredError,
                polykeras.losses.SparseCategoricalCrossentropy):
        obj = cls()
        again = polykeras.saving.deserialize_object(polykeras.saving.serialize_object(obj))
        assert type(again) is cls and again.get_config() == obj.get_config()


def test_resumed_training_matches_uninterrupted_training(tmp_path):
    x, y = xy(64)
    straight = compiled_mlp()
    straight.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first = compiled_mlp()
    first.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = polykeras.models.load_model(tmp_path / "half.keras")
    resumed.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations.numpy()) == 8
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


# ----------------------------------------------------------------- across backends
def _backend_or_skip(name):
    try:
        return registry.get(name)
    except registry.BackendUnavailableError as exc:
        pytest.skip(f"backend {name!r} is not installed in this environment: {exc}")


@pytest.mark.parametrize("other", sorted(polykeras.backend.available()))
def test_saved_on_one_backend_loads_on_another(other, tmp_path):
    _backend_or_skip(other)
    x, _ = xy()
    here = compiled_mlp()
    step_optimizer(here)
    here.save(tmp_path / "here.keras")
    with polykeras.backend.use(other):
        there = polykeras.models.load_model(tmp_path / "here.keras")
        assert there._backend.name == other
        assert all(v._backend.name == other for v in there.optimizer.variables)
        np.testing.assert_allclose(there.predict(x, verbose=0), here.predict(x, verbose=0),
                                   rtol=0, atol=1e-6)
        step_optimizer(there)
        there.save(tmp_path / "there.keras")
    back = polykeras.models.load_model(tmp_path / "there.keras")
    assert back._backend.name == polykeras.config.backend()
    assert int(back.optimizer.iterations.numpy()) == 4
    state_back = back.get_weights() + [v.numpy() for v in back.optimizer.variables]
    state_there = there.get_weights() + [v.numpy() for v in there.optimizer.variables]
    for a, b in zip(state_back, state_there, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(back.predict(x, verbose=0), there.predict(x, verbose=0),
                               rtol=0, atol=1e-6)


# ---------------------------------------------------- weights files and JSON configs
def test_save_and_load_weights(tmp_path):
    model = compiled_mlp()
    x, _ = xy()
    step_optimizer(model)
    model.save_weights(tmp_path / "w.weights.h5")
    model.save(tmp_path / "m.keras")
    inner = read_members(tmp_path / "m.keras")["model.weights.h5"]
    with h5py.File(tmp_path / "w.weights.h5", "r") as a, h5py.File(io.BytesIO(inner)) as b:
        names_a, names_b = [], []
        a.visit(names_a.append)
        b.visit(names_b.append)
        assert names_a == names_b
    fresh = compiled_mlp(seed=5)
    fresh.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(fresh.optimizer.iterations.numpy()) == 2
    other = mlp(seed=6)
    other.load_weights(tmp_path / "m.keras")
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        model.save_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match=r"\.keras"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(tmp_path / "m.keras", overwrite=False)
    with pytest.raises(ValueError, match="not built"):
        polykeras.Sequential([layers.Dense(2)]).load_weights(tmp_path / "w.weights.h5")


def test_load_weights_skip_mismatch(tmp_path):
    small = polykeras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)])
    small.save_weights(tmp_path / "s.weights.h5")
    wide = polykeras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(5)])
    with pytest.raises(ValueError, match=r"s\.weights\.h5.*dense_1.*shape \(3, 5\).*\(3, 2\)"):
        wide.load_weights(tmp_path / "s.weights.h5")
    with pytest.warns(UserWarning, match="Skipped"):
        wide.load_weights(tmp_path / "s.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(wide.layers[0].get_weights()[0], small.layers[0].get_weights()[0])


def test_model_configs_rebuild_models():
    from polykeras.saving.graph_config import functional_from_config, sequential_from_config

    functional = functional_model()
    clone = functional_from_config(polykeras.models.Functional, functional.get_config())
    assert clone.name == functional.name and clone.count_params() == functional.count_params()
    assert [t.shape for t in clone.outputs] == [t.shape for t in functional.outputs]
    seq = mlp()
    again = sequential_from_config(polykeras.Sequential, seq.get_config())
    assert again.input_shape == seq.input_shape
    assert [layer.get_config() for layer in again.layers] == [
        {k: v for k, v in layer.get_config().items() if k != "batch_input_shape"}
        for layer in seq.layers]
    custom = polykeras.Sequential([polykeras.Input(shape=(2,)), Unregistered(4.0)])
    rebuilt = sequential_from_config(polykeras.Sequential, custom.get_config(),
                                     custom_objects={"Unregistered": Unregistered})
    assert rebuilt.layers[0].factor == 4.0


def test_to_json_and_model_from_json():
    model = functional_model()
    text = model.to_json()
    config = json.loads(text)
    assert config["class_name"] == "Functional" and "compile_config" not in config
    clone = polykeras.models.model_from_json(text)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.count_params() == model.count_params()
    seq = polykeras.models.clone_model(mlp())
    assert seq.output_shape == (None, 3)
    with pytest.raises(ValueError, match="not valid JSON"):
        polykeras.models.model_from_json("{not json")


def test_unbuilt_sequential_round_trips(tmp_path):
    model = polykeras.Sequential([layers.Dense(3), layers.Dense(1)])
    model.save(tmp_path / "u.keras")
    loaded = polykeras.models.load_model(tmp_path / "u.keras")
    assert not loaded.built and len(loaded.layers) == 2
    lazy = polykeras.Sequential([layers.Dense(3), layers.Dense(1)])
    lazy(rand(2, 4))
    lazy.save(tmp_path / "lazy.keras")
    again = polykeras.models.load_model(tmp_path / "lazy.keras")
    np.testing.assert_array_equal(again.predict(rand(2, 4), verbose=0),
                                  lazy.predict(rand(2, 4), verbose=0))


# ------------------------------------------------------------------ custom objects
@polykeras.saving.register_keras_serializable(package="SavingTest")
class ScaledDense(layers.Layer):
    """A custom layer with a constructor argument and a sublayer."""

    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale
        self.inner = layers.Dense(units)

    def build(self, input_shape):
        self.offset = self.add_weight(shape=(self.units,), initializer="ones", name="offset")

    def call(self, x):
        return polykeras.ops.add(polykeras.ops.multiply(self.inner(x), self.scale), self.offset)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "scale": self.scale}


@polykeras.saving.register_keras_serializable(package="SavingTest")
def doubled_relu(x):
    return polykeras.ops.multiply(polykeras.ops.relu(x), 2.0)


@polykeras.saving.register_keras_serializable(package="SavingTest")
def halved_mse(y_true, y_pred):
    return polykeras.ops.multiply(polykeras.losses.mean_squared_error(y_true, y_pred), 0.5)


@polykeras.saving.register_keras_serializable(package="SavingTest")
class TwoStep(polykeras.Model):
    def __init__(self, hidden=4, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        self.first = layers.Dense(hidden, activation="relu")
        self.second = layers.Dense(2)

    def call(self, x):
        return self.second(self.first(x))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_registered_custom_layer_and_function_round_trip(tmp_path):
    model = polykeras.Sequential([polykeras.Input(shape=(3,)), ScaledDense(4, scale=0.5),
                                  layers.Dense(2, activation=doubled_relu)])
    path = tmp_path / "c.keras"
    model.save(path)
    config = json.loads(read_members(path)["config.json"])
    entry = config["config"]["layers"][1]
    assert entry["registered_name"] == "SavingTest>ScaledDense"
    with h5py.File(io.BytesIO(read_members(path)["model.weights.h5"]), "r") as f:
        assert f["layers/scaled_dense/inner/vars/0"].shape == (3, 4)
        assert f["layers/scaled_dense/vars/0"].shape == (4,)
    loaded = polykeras.models.load_model(path)
    assert isinstance(loaded.layers[0], ScaledDense) and loaded.layers[0].scale == 0.5
    assert loaded.layers[1].activation is doubled_relu
    x = rand(2, 3)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert polykeras.saving.get_registered_name(ScaledDense) == "SavingTest>ScaledDense"
    assert polykeras.saving.get_custom_objects()["SavingTest>doubled_relu"] is doubled_relu


def test_custom_loss_and_metric_functions_round_trip(tmp_path):
    model = mlp()
    model.compile(optimizer="sgd", loss=halved_mse, metrics=[halved_mse, "mae"])
    model.save(tmp_path / "fn.keras")
    assert not model.optimizer.built  # saving does not change the model
    with h5py.File(io.BytesIO(read_members(tmp_path / "fn.keras")["model.weights.h5"])) as f:
        assert len(f["optimizer/vars"]) == 2  # the initial state: iteration, learning rate
    config = json.loads(read_members(tmp_path / "fn.keras")["config.json"])
    assert config["compile_config"]["loss"]["registered_name"] == "SavingTest>halved_mse"
    loaded = polykeras.models.load_model(tmp_path / "fn.keras")
    assert loaded._compile_loss.losses[0].fn is halved_mse
    assert loaded._compile_metrics._spec == [halved_mse, "mae"]


def test_a_registered_class_does_not_replace_a_builtin_of_the_same_name(tmp_path):
    impostor = type("Dense", (layers.Dense,), {})
    polykeras.saving.register_keras_serializable(package="Impostor")(impostor)
    try:
        model = polykeras.Sequential([polykeras.Input(shape=(2,)), layers.Dense(2)])
        model.save(tmp_path / "d.keras")
        assert type(polykeras.models.load_model(tmp_path / "d.keras").layers[0]) is layers.Dense
    finally:
        del polykeras.saving.get_custom_objects()["Impostor>Dense"]


def test_registered_subclassed_model_round_trips(tmp_path):
    model = TwoStep(hidden=3)
    model(rand(2, 5))
    model.compile(optimizer="adam", loss="mse")
    step_optimizer(model)
    model.save(tmp_path / "t.keras")
    loaded = polykeras.models.load_model(tmp_path / "t.keras")
    assert isinstance(loaded, TwoStep) and loaded.hidden == 3
    np.testing.assert_array_equal(loaded.predict(rand(3, 5), verbose=0),
                                  model.predict(rand(3, 5), verbose=0))
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


class Unregistered(layers.Layer):
    def __init__(self, factor=3.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return polykeras.ops.multiply(x, self.factor)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_objects_argument_and_scope(tmp_path):
    model = polykeras.Sequential([polykeras.Input(shape=(2,)), Unregistered(5.0)])
    model.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match=r"u\.keras.*Unknown class 'Unregistered'.*custom_objects"):
        polykeras.models.load_model(tmp_path / "u.keras")
    loaded = polykeras.models.load_model(tmp_path / "u.keras",
                                         custom_objects={"Unregistered": Unregistered})
    assert loaded.layers[0].factor == 5.0
    with polykeras.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert polykeras.models.load_model(tmp_path / "u.keras").layers[0].factor == 5.0
    with pytest.raises(ValueError, match="Unregistered"):
        polykeras.models.load_model(tmp_path / "u.keras")


# ---------------------------------------------------------------- safety
def _config_with(tmp_path, entry):
    model = polykeras.Sequential([polykeras.Input(shape=(2,)), layers.Dense(2)])
    model.save(tmp_path / "base.keras")
    config = json.loads(read_members(tmp_path / "base.keras")["config.json"])
    config["config"]["layers"].append(entry)
    return rewrite(tmp_path / "base.keras", tmp_path / "evil.keras", config=config)


LAMBDA_LAYER = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
                "config": {"name": "sneaky", "function": {
                    "class_name": "__lambda__", "config": {"value": ["4wEAAAA=", None, None]}},
                    "arguments": {}}}


def test_lambda_layers_are_refused(tmp_path):
    path = _config_with(tmp_path, LAMBDA_LAYER)
    with pytest.raises(ValueError, match=r"evil\.keras.*Lambda layer 'sneaky'.*runs code"):
        polykeras.models.load_model(path)
    with pytest.raises(ValueError, match="never runs code from a file"):
        polykeras.models.load_model(path, safe_mode=False)
    plain = dict(LAMBDA_LAYER, config={"name": "sneaky"})
    path = _config_with(tmp_path, plain)
    with pytest.raises(ValueError, match="Lambda layer 'sneaky'"):
        polykeras.models.load_model(path)
    with pytest.raises(ValueError, match="rebuild Lambda.*'function'"):
        polykeras.models.load_model(path, safe_mode=False)

    class Lambda(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)

    own = polykeras.models.load_model(path, safe_mode=False, custom_objects={"Lambda": Lambda})
    assert isinstance(own.layers[-1], Lambda)


def test_modules_named_in_a_file_are_never_imported(tmp_path):
    canary = "this"  # importing it prints the Zen of Python
    assert canary not in sys.modules
    entry = {"module": canary, "class_name": "Zen", "registered_name": None,
             "config": {"name": "zen"}}
    with pytest.raises(ValueError, match=r"Unknown class 'Zen'.*never imports"):
        polykeras.models.load_model(_config_with(tmp_path, entry))
    fn_entry = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                "config": {"name": "d9", "units": 2, "activation": {
                    "module": canary, "class_name": "function", "config": "rot13",
                    "registered_name": None}}}
    with pytest.raises(ValueError, match="Unknown function 'rot13'"):
        polykeras.models.load_model(_config_with(tmp_path, fn_entry))
    assert canary not in sys.modules


# ---------------------------------------------------------------- integrity
def test_interrupted_save_leaves_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    first = compiled_mlp()
    first.save(path)
    before = path.read_bytes()
    second = compiled_mlp(seed=9)
    real_writestr = zipfile.ZipFile.writestr

    def failing_writestr(self, name, data, *args, **kwargs):
        if name == "model.weights.h5":
            real_writestr(self, name, data[: len(data) // 2], *args, **kwargs)
            raise OSError("disk full")
        return real_writestr(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="disk full"):
        second.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]

    weights = tmp_path / "w.weights.h5"
    first.save_weights(weights)
    before = weights.read_bytes()

    def failing_fsync(fd):
        raise OSError("fsync failed")

    monkeypatch.setattr(archive.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="fsync failed"):
        second.save_weights(weights)
    monkeypatch.undo()
    assert weights.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "w.weights.h5"]


def test_foreign_truncated_and_corrupt_files_give_clear_errors(tmp_path):
    model = compiled_mlp()
    good = tmp_path / "good.keras"
    model.save(good)
    load = polykeras.models.load_model

    text = tmp_path / "notes.keras"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.keras is not a \.keras file: it is not a zip"):
        load(text)
    with pytest.raises(ValueError, match=r"File not found: .*missing\.keras"):
        load(tmp_path / "missing.keras")
    truncated = tmp_path / "cut.keras"
    truncated.write_bytes(good.read_bytes()[:-200])
    with pytest.raises(ValueError, match=r"cut\.keras"):
        load(truncated)
    no_config = rewrite(good, tmp_path / "noconf.keras", drop=("config.json",))
    with pytest.raises(ValueError, match=r"noconf\.keras.*no config\.json"):
        load(no_config)
    members = read_members(good)
    bad_json = tmp_path / "badjson.keras"
    with zipfile.ZipFile(bad_json, "w") as z:
        z.writestr("config.json", b"{oops")
        z.writestr("model.weights.h5", members["model.weights.h5"])
    with pytest.raises(ValueError, match=r"badjson\.keras \(config\.json\) is not valid JSON"):
        load(bad_json)

    missing_layer = edit_weights(members["model.weights.h5"],
                                 lambda f: f.__delitem__("layers/dense_1"))
    path = rewrite(good, tmp_path / "nolayer.keras", weights=missing_layer)
    with pytest.raises(ValueError, match=r"nolayer\.keras.*Dense 'dense.*no group"):
        load(path)

    def reshape(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars"].create_dataset("0", data=np.zeros((5, 8), "float32"))

    path = rewrite(good, tmp_path / "shape.keras",
                   weights=edit_weights(members["model.weights.h5"], reshape))
    with pytest.raises(ValueError, match=r"shape\.keras.*shape \(4, 8\) in the model but "
                                         r"\(5, 8\) in the file"):
        load(path)

    def stringify(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars"].create_dataset("1", data=np.array([b"x"] * 8))

    path = rewrite(good, tmp_path / "str.keras",
                   weights=edit_weights(members["model.weights.h5"], stringify))
    with pytest.raises(ValueError, match=r"str\.keras.*expected numbers"):
        load(path)
    path = rewrite(good, tmp_path / "garbage.keras", weights=b"not an hdf5 file")
    with pytest.raises(ValueError, match=r"garbage\.keras.*not a readable HDF5"):
        load(path)

    h5 = tmp_path / "w.weights.h5"
    model.save_weights(h5)
    with pytest.raises(ValueError, match="HDF5 file"):
        load(tmp_path / "w.weights.h5")
    broken = tmp_path / "broken.weights.h5"
    broken.write_bytes(h5.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"broken\.weights\.h5"):
        model.load_weights(broken)
    big = polykeras.Sequential([layers.Dense(300, input_shape=(200,))])
    big.save_weights(tmp_path / "big.weights.h5")
    damaged = bytearray((tmp_path / "big.weights.h5").read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF  # inside the kernel's data: caught by its checksum
    (tmp_path / "big.weights.h5").write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match=r"big\.weights\.h5.*corrupt"):
        big.load_weights(tmp_path / "big.weights.h5")
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["config"]["units"] = "many"
    path = rewrite(good, tmp_path / "units.keras", config=config)
    with pytest.raises(ValueError, match=r"units\.keras"):
        load(path)


# ------------------------------------------------------------ resource limits
def _saved(tmp_path):
    path = tmp_path / "m.keras"
    mlp().save(path)
    return path


def test_a_zip_bomb_member_is_refused_before_decompressing(tmp_path):
    path = _saved(tmp_path)
    config = json.loads(read_members(path)["config.json"])
    padded = (" " * (8 << 20) + json.dumps(config)).encode()  # 8 MiB, deflates to ~8 KiB
    bomb = tmp_path / "bomb.keras"
    members = read_members(path)
    members["config.json"] = padded
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    assert bomb.stat().st_size < 1 << 20
    with pytest.raises(ValueError, match=r"bomb\.keras.*config\.json.*max_compression_ratio"):
        polykeras.models.load_model(bomb)
    with pytest.raises(ValueError, match=r"max_member_size"):
        polykeras.models.load_model(bomb, max_member_size=1 << 20,
                                    max_compression_ratio=1e6)
    model = polykeras.models.load_model(bomb, max_compression_ratio=1e6)  # trusted file
    assert len(model.layers) == 3
    with pytest.raises(ValueError, match="max_compression_ratio"):
        mlp().load_weights(bomb)


def test_declared_shapes_are_checked_before_allocating(tmp_path):
    """A config declaring huge weights over a small weights file fails with a clear error
    before the weights are allocated."""
    import tracemalloc

    path = _saved(tmp_path)
    config = json.loads(read_members(path)["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["units"] = 4096
    crafted = rewrite(path, tmp_path / "huge.keras", config=config)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"huge\.keras.*declares weight.*nothing was "
                                             r"allocated"):
            polykeras.models.load_model(crafted)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"loading allocated {peak / 2**20:.0f} MiB before refusing"


# -------------------------------------------------------- modes, links, temporaries
def test_saving_keeps_the_file_mode(tmp_path):
    path = tmp_path / "m.keras"
    model = mlp()
    model.save(path)
    os.chmod(path, 0o600)
    model.save(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    weights = tmp_path / "m.weights.h5"
    model.save_weights(weights)
    os.chmod(weights, 0o640)
    model.save_weights(weights)
    assert (weights.stat().st_mode & 0o777) == 0o640


def test_saving_through_a_symlink_writes_its_target(tmp_path):
    target = tmp_path / "store" / "real.keras"
    target.parent.mkdir()
    mlp().save(target)
    link = tmp_path / "link.keras"
    link.symlink_to(target)
    other = mlp(seed=5)
    other.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    loaded = polykeras.models.load_model(target)
    for a, b in zip(loaded.get_weights(), other.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert sorted(os.listdir(tmp_path / "store")) == ["real.keras"]


def test_temporaries_of_killed_saves_are_cleaned(tmp_path):
    import subprocess
    import time

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    path = tmp_path / "m.keras"
    stale = tmp_path / f".m.keras.{dead_pid}.x1y2.tmp"
    old_unnamed = tmp_path / ".m.keras.abcdef.tmp"
    live = tmp_path / f".m.keras.{os.getppid()}.busy.tmp"  # a save in progress elsewhere
    unrelated = tmp_path / ".other.keras.123.tmp"
    for f in (stale, old_unnamed, live, unrelated):
        f.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(old_unnamed, (hour_ago, hour_ago))
    mlp().save(path)
    assert sorted(os.listdir(tmp_path)) == sorted(["m.keras", live.name, unrelated.name])
