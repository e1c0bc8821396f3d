"""Service runtime: client setup, request routing, logging, metrics/health, start and stop."""
