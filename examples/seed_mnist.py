import os

# NumPy's BLAS (OpenBLAS) with one thread, unless you chose a number: its threads spin
# while they wait, and two of them on a busy machine made an epoch 6-7x slower (README,
# "BLAS threads"). Set before NumPy loads; only this program is affected.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy

from polykeras.datasets import mnist
from polykeras.layers import Activation, Dense, Dropout
from polykeras.models import Sequential
from polykeras.optimizers import SGD

print("seed_mnist: training the seed MLP for 50 epochs, silently (verbose=0), then printing "
      "the test result (see the README for the expected time).")

model = Sequential()
model.add(Dense(500,input_shape=(784,))); model.add(Activation('tanh')); model.add(Dropout(0.5))
model.add(Dense(500)); model.add(Activation('tanh')); model.add(Dropout(0.5))
model.add(Dense(10)); model.add(Activation('softmax'))
sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=sgd, class_mode='categorical')
(X_train, y_train), (X_test, y_test) = mnist.load_data()
X_train = X_train.reshape(X_train.shape[0], X_train.shape[1] * X_train.shape[2])
X_test = X_test.reshape(X_test.shape[0], X_test.shape[1] * X_test.shape[2])
Y_train = (numpy.arange(10) == y_train[:, None]).astype(int)
Y_test = (numpy.arange(10) == y_test[:, None]).astype(int)
model.fit(X_train,Y_train,batch_size=200,epochs=50,shuffle=True,verbose=0,validation_split=0.3)
model.evaluate(X_test, Y_test, batch_size=200, verbose=0)

# The lines above are the seed script, unchanged; it trains silently (verbose=0) and its
# last line discards the result. Show what it reached:
loss = model.evaluate(X_test, Y_test, batch_size=200, verbose=0)
accuracy = (model.predict(X_test, batch_size=1000, verbose=0).argmax(axis=1) == y_test).mean()
print(f"seed_mnist: test loss {loss:.4f} - test accuracy {accuracy:.4f}")
