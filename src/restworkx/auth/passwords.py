"""Slow salted password hashes (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verifying against this keeps unknown users as slow as known ones.
_DUMMY = None


def configure(time_cost: int | None = None, memory_cost: int | None = None) -> None:
    global _hasher, _DUMMY
    kwargs = {}
    if time_cost:
        kwargs["time_cost"] = time_cost
    if memory_cost:
        kwargs["memory_cost"] = memory_cost
    _hasher = PasswordHasher(**kwargs)
    _DUMMY = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    global _DUMMY
    if not stored:
        _DUMMY = _DUMMY or _hasher.hash("not-a-password")
        stored = _DUMMY
        password = password + "\0"
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
