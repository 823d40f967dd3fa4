"""The built-in backend adapters, installed as ``polykeras.backends``."""
