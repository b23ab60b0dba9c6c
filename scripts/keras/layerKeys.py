"""Writes src/core/keras/keras3Keys.ts: the settings each Keras 3 layer class that TF.js also has takes
(from `get_config()` of a fresh instance), and every layer class Keras has or had.
Run with a Python that has Keras 3: KERAS_BACKEND=jax python scripts/keras/layerKeys.py > src/core/keras/keras3Keys.ts
"""
import inspect
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

MAKE = {
    "Activation": lambda: L.Activation("relu"), "Add": L.Add, "AlphaDropout": lambda: L.AlphaDropout(0.1),
    "Average": L.Average, "AveragePooling1D": lambda: L.AveragePooling1D(2),
    "AveragePooling2D": lambda: L.AveragePooling2D(2), "AveragePooling3D": lambda: L.AveragePooling3D(2),
    "BatchNormalization": L.BatchNormalization, "Bidirectional": lambda: L.Bidirectional(L.LSTM(2)),
    "CategoryEncoding": lambda: L.CategoryEncoding(4), "CenterCrop": lambda: L.CenterCrop(2, 2),
    "Concatenate": L.Concatenate, "Conv1D": lambda: L.Conv1D(2, 3), "Conv2D": lambda: L.Conv2D(2, 3),
    "Conv2DTranspose": lambda: L.Conv2DTranspose(2, 3), "Conv3D": lambda: L.Conv3D(2, 3),
    "Conv3DTranspose": lambda: L.Conv3DTranspose(2, 3), "ConvLSTM2D": lambda: L.ConvLSTM2D(2, 3),
    "Cropping2D": L.Cropping2D, "Dense": lambda: L.Dense(2), "DepthwiseConv2D": lambda: L.DepthwiseConv2D(3),
    "Dot": lambda: L.Dot(1), "Dropout": lambda: L.Dropout(0.1), "ELU": L.ELU, "Embedding": lambda: L.Embedding(5, 2),
    "Flatten": L.Flatten, "GRU": lambda: L.GRU(2), "GaussianDropout": lambda: L.GaussianDropout(0.1),
    "GaussianNoise": lambda: L.GaussianNoise(0.1), "GlobalAveragePooling1D": L.GlobalAveragePooling1D,
    "GlobalAveragePooling2D": L.GlobalAveragePooling2D, "GlobalMaxPooling1D": L.GlobalMaxPooling1D,
    "GlobalMaxPooling2D": L.GlobalMaxPooling2D, "InputLayer": lambda: L.InputLayer(shape=(3,)),
    "LSTM": lambda: L.LSTM(2), "LayerNormalization": L.LayerNormalization, "LeakyReLU": L.LeakyReLU,
    "Masking": L.Masking, "MaxPooling1D": L.MaxPooling1D, "MaxPooling2D": L.MaxPooling2D,
    "MaxPooling3D": L.MaxPooling3D, "Maximum": L.Maximum, "Minimum": L.Minimum, "Multiply": L.Multiply,
    "PReLU": L.PReLU, "Permute": lambda: L.Permute((2, 1)), "RNN": lambda: L.RNN(L.LSTMCell(2)), "ReLU": L.ReLU,
    "RepeatVector": lambda: L.RepeatVector(2), "Rescaling": lambda: L.Rescaling(1.0),
    "Reshape": lambda: L.Reshape((2,)), "Resizing": lambda: L.Resizing(2, 2),
    "SeparableConv2D": lambda: L.SeparableConv2D(2, 3), "SimpleRNN": lambda: L.SimpleRNN(2), "Softmax": L.Softmax,
    "SpatialDropout1D": lambda: L.SpatialDropout1D(0.1), "TimeDistributed": lambda: L.TimeDistributed(L.Dense(2)),
    "UpSampling2D": L.UpSampling2D, "ZeroPadding2D": L.ZeroPadding2D, "SimpleRNNCell": lambda: L.SimpleRNNCell(2),
    "LSTMCell": lambda: L.LSTMCell(2), "GRUCell": lambda: L.GRUCell(2),
    "StackedRNNCells": lambda: L.StackedRNNCells([L.LSTMCell(2)]),
}
RETIRED = ["ThresholdedReLU", "LocallyConnected1D", "LocallyConnected2D", "CuDNNLSTM", "CuDNNGRU", "DenseFeatures",
           "TFOpLambda", "SlicingOpLambda", "Sequential", "Functional", "Model", "RandomWidth", "RandomHeight",
           "ConvRNN2D", "AbstractRNNCell", "PeepholeLSTMCell", "NotEqual"]

print("/**")
print(" * The settings Keras 3 layers take, as `get_config()` of Keras %s lists them for each class TF.js also" % keras.__version__)
print(" * has (made by scripts/keras/layerKeys.py). A config written for Keras 3 carries only these: Keras")
print(" * refuses a keyword it does not know (SpatialDropout1D does not even take `trainable`).")
print(" */")
print("export const KERAS3_LAYER_KEYS: Readonly<Record<string, readonly string[]>> = {")
for name in sorted(MAKE):
    keys = list(MAKE[name]().get_config().keys())
    print(f"  {name}: [{', '.join(repr(k) for k in keys)}],")
print("};")
print()
print("/**")
print(" * Every layer class Keras has or had (keras.layers, and Keras 2 names since retired): a class outside")
print(" * this list is the user's own Python code.")
print(" */")
print("export const KERAS_LAYER_CLASSES: ReadonlySet<string> = new Set([")
found = [n for n in dir(keras.layers) if inspect.isclass(getattr(keras.layers, n)) and issubclass(getattr(keras.layers, n), keras.layers.Layer)]
for n in sorted(set(found + RETIRED)):
    print(f"  '{n}',")
print("]);")
