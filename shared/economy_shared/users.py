"""Usernames: the identity key is the case-folded name; the display name travels beside it (DECISIONS 1)."""

from __future__ import annotations

SERVER_NAME = "[server]"


def user_key(name: str) -> str:
    return name.strip().casefold()


def same_user(a: str, b: str) -> bool:
    return user_key(a) == user_key(b)
