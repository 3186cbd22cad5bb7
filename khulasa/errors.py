"""The khulasa error hierarchy::

    KhulasaError
    ├── InputError    one input (file, line, stdin) cannot be used; names it and the fix
    ├── ConfigError   an option or setting is wrong
    └── StoreError    the local store cannot be opened or written
        └── StoreBusy another process holds the store's write lock (try again later)
"""

from __future__ import annotations


class KhulasaError(Exception):
    """Base class of every error khulasa raises on purpose."""


class InputError(KhulasaError):
    """An input that cannot be used; ``path``, ``reason`` and ``fix`` say which, why and what to do."""

    def __init__(self, path: str, reason: str, fix: str = "") -> None:
        self.path = path
        self.reason = reason
        self.fix = fix
        super().__init__(f"{path}: {reason}." + (f" Fix: {fix}" if fix else ""))


class ConfigError(KhulasaError):
    """A wrong option or setting."""


class StoreError(KhulasaError):
    """The store cannot be opened, migrated or written."""


class StoreBusy(StoreError):
    """Another process held the store's write lock for longer than the wait allowed; nothing was written."""
