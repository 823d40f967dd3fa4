"""Training callbacks.

Example:
    >>> from polykeras.callbacks import EarlyStopping
"""

from polykeras.callbacks.callback import Callback, CallbackList, History

__all__ = ["Callback", "CallbackList", "History"]
