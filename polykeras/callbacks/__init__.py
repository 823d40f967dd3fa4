"""Training callbacks.

Example:
    >>> from polykeras.callbacks import EarlyStopping
    >>> stop = EarlyStopping(monitor="val_loss", patience=2)
"""

from polykeras.callbacks.backup import BackupAndRestore
from polykeras.callbacks.callback import Callback, CallbackList, History
from polykeras.callbacks.checkpoint import ModelCheckpoint
from polykeras.callbacks.csv_logger import CSVLogger
from polykeras.callbacks.early_stopping import EarlyStopping
from polykeras.callbacks.lambda_callback import LambdaCallback
from polykeras.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from polykeras.callbacks.progbar import Progbar
from polykeras.callbacks.progbar_logger import ProgbarLogger
from polykeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "BackupAndRestore", "CSVLogger", "ModelCheckpoint", "Callback", "CallbackList", "EarlyStopping", "History", "LambdaCallback",
    "LearningRateScheduler", "Progbar", "ProgbarLogger", "ReduceLROnPlateau",
    "TerminateOnNaN",
]
