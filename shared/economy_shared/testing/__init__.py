"""Test doubles: ``MockKrytenClient`` and an in-memory bus that routes requests between them."""

from .bus import InMemoryBus, NoRespondersError
from .mock_client import MockKrytenClient

__all__ = ["InMemoryBus", "MockKrytenClient", "NoRespondersError"]
