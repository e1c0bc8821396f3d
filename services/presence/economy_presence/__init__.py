"""Presence-and-earning service: sessions, the presence tick, arrivals, and every way to earn."""
