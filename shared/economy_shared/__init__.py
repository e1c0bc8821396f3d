"""Shared library of kryten-economy: config, schemas, runtime, PM framework, storage helpers, test doubles.

It holds no business rules; those live with the service that owns them.
"""

__version__ = "0.1.0"
