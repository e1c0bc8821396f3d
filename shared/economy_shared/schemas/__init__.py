"""Pydantic request/response schemas of every inter-service call, one module per owning service."""
