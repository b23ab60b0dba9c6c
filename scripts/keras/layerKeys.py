import os, json
os.environ["KERAS_BACKEND"]="jax"
import keras
from keras import layers as L
mk = {
 'Activation': lambda: L.Activation('relu'), 'Add': L.Add, 'AlphaDropout': lambda: L.AlphaDropout(0.1),
 'Average': L.Average, 'AveragePooling1D': lambda: L.AveragePooling1D(2), 'AveragePooling2D': lambda: L.AveragePooling2D(2), 'AveragePooling3D': lambda: L.AveragePooling3D(2),
 'BatchNormalization': L.BatchNormalization, 'Bidirectional': lambda: L.Bidirectional(L.LSTM(2)),
 'CategoryEncoding': lambda: L.CategoryEncoding(4), 'CenterCrop': lambda: L.CenterCrop(2,2), 'Concatenate': L.Concatenate,
 'Conv1D': lambda: L.Conv1D(2,3), 'Conv2D': lambda: L.Conv2D(2,3), 'Conv2DTranspose': lambda: L.Conv2DTranspose(2,3), 'Conv3D': lambda: L.Conv3D(2,3), 'Conv3DTranspose': lambda: L.Conv3DTranspose(2,3),
 'ConvLSTM2D': lambda: L.ConvLSTM2D(2,3), 'Cropping2D': L.Cropping2D, 'Dense': lambda: L.Dense(2), 'DepthwiseConv2D': lambda: L.DepthwiseConv2D(3),
 'Dot': lambda: L.Dot(1), 'Dropout': lambda: L.Dropout(0.1), 'ELU': L.ELU, 'Embedding': lambda: L.Embedding(5,2), 'Flatten': L.Flatten,
 'GRU': lambda: L.GRU(2), 'GaussianDropout': lambda: L.GaussianDropout(0.1), 'GaussianNoise': lambda: L.GaussianNoise(0.1),
 'GlobalAveragePooling1D': L.GlobalAveragePooling1D, 'GlobalAveragePooling2D': L.GlobalAveragePooling2D, 'GlobalMaxPooling1D': L.GlobalMaxPooling1D, 'GlobalMaxPooling2D': L.GlobalMaxPooling2D,
 'InputLayer': lambda: L.InputLayer(shape=(3,)), 'LSTM': lambda: L.LSTM(2), 'LayerNormalization': L.LayerNormalization, 'LeakyReLU': L.LeakyReLU, 'Masking': L.Masking,
 'MaxPooling1D': L.MaxPooling1D, 'MaxPooling2D': L.MaxPooling2D, 'MaxPooling3D': L.MaxPooling3D, 'Maximum': L.Maximum, 'Minimum': L.Minimum, 'Multiply': L.Multiply,
 'PReLU': L.PReLU, 'Permute': lambda: L.Permute((2,1)), 'RNN': lambda: L.RNN(L.LSTMCell(2)), 'ReLU': L.ReLU, 'RepeatVector': lambda: L.RepeatVector(2),
 'Rescaling': lambda: L.Rescaling(1.0), 'Reshape': lambda: L.Reshape((2,)), 'Resizing': lambda: L.Resizing(2,2), 'SeparableConv2D': lambda: L.SeparableConv2D(2,3),
 'SimpleRNN': lambda: L.SimpleRNN(2), 'Softmax': L.Softmax, 'SpatialDropout1D': lambda: L.SpatialDropout1D(0.1), 'TimeDistributed': lambda: L.TimeDistributed(L.Dense(2)),
 'UpSampling2D': L.UpSampling2D, 'ZeroPadding2D': L.ZeroPadding2D,
 'SimpleRNNCell': lambda: L.SimpleRNNCell(2), 'LSTMCell': lambda: L.LSTMCell(2), 'GRUCell': lambda: L.GRUCell(2), 'StackedRNNCells': lambda: L.StackedRNNCells([L.LSTMCell(2)]),
}
for n in ['RandomWidth']:
    print(n, hasattr(L, n))
out = {}
for k, f in mk.items():
    l = f()
    c = l.get_config()
    out[k] = {'module': l.__class__.__module__, 'config': c}
json.dump(out, open('keys.json','w'), indent=1, default=str)
for k,v in out.items(): print(k, v['module'], list(v['config'].keys()))
