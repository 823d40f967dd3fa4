"""Layer cases shared by the parity and Keras-layout tests of the vision layers:
``(id, class name, constructor kwargs, input shape without batch)``.

The class name is looked up in ``polykeras.layers`` and, for the Keras tests, in
``keras.layers`` with the same kwargs.
"""

from __future__ import annotations

VISION_CASES = [
    ("conv1d_causal_dilated", "Conv1D", dict(filters=3, kernel_size=3, padding="causal",
                                             dilation_rate=2), (7, 2)),
    ("conv1d_groups", "Conv1D", dict(filters=4, kernel_size=2, groups=2), (6, 4)),
    ("conv2d_groups_same", "Conv2D", dict(filters=4, kernel_size=3, padding="same",
                                          groups=2, strides=2), (5, 6, 2)),
    ("conv3d", "Conv3D", dict(filters=2, kernel_size=(2, 3, 2), padding="same"), (3, 4, 4, 2)),
    ("conv1d_transpose", "Conv1DTranspose", dict(filters=3, kernel_size=3, strides=2),
     (4, 2)),
    ("conv2d_transpose_same", "Conv2DTranspose", dict(filters=3, kernel_size=3, strides=2,
                                                      padding="same"), (4, 3, 2)),
    ("conv2d_transpose_outpad", "Conv2DTranspose", dict(filters=2, kernel_size=3, strides=2,
                                                        output_padding=1), (3, 3, 2)),
    ("conv2d_transpose_dilated", "Conv2DTranspose", dict(filters=2, kernel_size=2,
                                                         dilation_rate=2), (3, 4, 2)),
    ("conv3d_transpose", "Conv3DTranspose", dict(filters=2, kernel_size=2, strides=2,
                                                 padding="same"), (2, 3, 2, 2)),
    ("depthwise1d", "DepthwiseConv1D", dict(kernel_size=3, depth_multiplier=2), (6, 3)),
    ("depthwise2d", "DepthwiseConv2D", dict(kernel_size=3, padding="same", strides=2),
     (5, 5, 3)),
    ("separable1d", "SeparableConv1D", dict(filters=4, kernel_size=3, padding="same"), (6, 3)),
    ("separable2d", "SeparableConv2D", dict(filters=4, kernel_size=2, depth_multiplier=2),
     (5, 4, 3)),
    ("maxpool3d", "MaxPooling3D", dict(pool_size=2, padding="same"), (3, 4, 5, 2)),
    ("avgpool3d", "AveragePooling3D", dict(pool_size=(2, 2, 1)), (4, 4, 3, 2)),
    ("gap3d", "GlobalAveragePooling3D", dict(), (2, 3, 4, 2)),
    ("gmp3d", "GlobalMaxPooling3D", dict(), (2, 3, 4, 2)),
    ("adaptive_avg1d", "AdaptiveAveragePooling1D", dict(output_size=3), (7, 2)),
    ("adaptive_avg2d", "AdaptiveAveragePooling2D", dict(output_size=(2, 3)), (5, 7, 2)),
    ("adaptive_avg3d", "AdaptiveAveragePooling3D", dict(output_size=2), (3, 4, 5, 2)),
    ("adaptive_max1d", "AdaptiveMaxPooling1D", dict(output_size=2), (5, 2)),
    ("adaptive_max2d", "AdaptiveMaxPooling2D", dict(output_size=(3, 2)), (5, 4, 2)),
    ("adaptive_max3d", "AdaptiveMaxPooling3D", dict(output_size=(1, 2, 2)), (3, 4, 5, 2)),
    ("upsampling1d", "UpSampling1D", dict(size=3), (4, 2)),
    ("upsampling2d_nearest", "UpSampling2D", dict(size=(2, 3)), (3, 3, 2)),
    ("upsampling2d_bilinear", "UpSampling2D", dict(size=2, interpolation="bilinear"),
     (3, 4, 2)),
    ("upsampling3d", "UpSampling3D", dict(size=(1, 2, 2)), (2, 2, 2, 2)),
    ("zeropad1d", "ZeroPadding1D", dict(padding=(1, 2)), (4, 2)),
    ("zeropad2d", "ZeroPadding2D", dict(padding=((1, 0), (2, 1))), (3, 3, 2)),
    ("zeropad3d", "ZeroPadding3D", dict(padding=1), (2, 2, 2, 2)),
    ("cropping1d", "Cropping1D", dict(cropping=(1, 2)), (6, 2)),
    ("cropping2d", "Cropping2D", dict(cropping=((1, 0), (0, 2))), (5, 5, 2)),
    ("cropping3d", "Cropping3D", dict(cropping=1), (4, 4, 4, 2)),
]

#: Channels_first variants (parity against NumPy only: TensorFlow's CPU convolutions,
#: which Keras runs on, take channels_last only).
CHANNELS_FIRST_CASES = [
    ("conv2d_cf", "Conv2D", dict(filters=3, kernel_size=2, data_format="channels_first"),
     (2, 5, 4)),
    ("conv1d_transpose_cf", "Conv1DTranspose",
     dict(filters=2, kernel_size=3, strides=2, padding="same", data_format="channels_first"),
     (3, 4)),
    ("depthwise2d_cf", "DepthwiseConv2D", dict(kernel_size=2, data_format="channels_first"),
     (2, 4, 4)),
    ("separable2d_cf", "SeparableConv2D",
     dict(filters=3, kernel_size=2, data_format="channels_first"), (2, 4, 4)),
    ("maxpool2d_cf", "MaxPooling2D", dict(pool_size=2, data_format="channels_first"),
     (2, 4, 4)),
    ("avgpool1d_cf", "AveragePooling1D", dict(pool_size=2, padding="same",
                                              data_format="channels_first"), (2, 5)),
    ("gap2d_cf", "GlobalAveragePooling2D", dict(data_format="channels_first"), (2, 3, 3)),
    ("adaptive_max2d_cf", "AdaptiveMaxPooling2D",
     dict(output_size=2, data_format="channels_first"), (2, 5, 3)),
    ("upsampling2d_cf", "UpSampling2D", dict(size=2, interpolation="bilinear",
                                             data_format="channels_first"), (2, 3, 3)),
    ("zeropad2d_cf", "ZeroPadding2D", dict(padding=1, data_format="channels_first"),
     (2, 3, 3)),
    ("cropping2d_cf", "Cropping2D", dict(cropping=1, data_format="channels_first"),
     (2, 4, 4)),
]

#: Activation and reshaping layers with one input (Keras compares them too).
ELEMENT_CASES = [
    ("relu_plain", "ReLU", dict(), (5, 3)),
    ("relu_capped_slope", "ReLU", dict(max_value=1.5, negative_slope=0.1), (5, 3)),
    ("relu_threshold", "ReLU", dict(threshold=0.5, negative_slope=0.2), (5, 3)),
    ("leaky_relu", "LeakyReLU", dict(negative_slope=0.1), (5, 3)),
    ("prelu", "PReLU", dict(alpha_initializer="glorot_uniform"), (4, 3)),
    ("prelu_shared", "PReLU", dict(alpha_initializer="glorot_uniform", shared_axes=[1, 2]),
     (3, 4, 2)),
    ("elu", "ELU", dict(alpha=0.7), (5, 3)),
    ("softmax_axis1", "Softmax", dict(axis=1), (4, 3)),
    ("softmax_axes", "Softmax", dict(axis=(1, 2)), (4, 3)),
    ("identity", "Identity", dict(), (4, 3)),
    ("repeat_vector", "RepeatVector", dict(n=3), (4,)),
    ("permute", "Permute", dict(dims=(2, 3, 1)), (2, 3, 4)),
]
