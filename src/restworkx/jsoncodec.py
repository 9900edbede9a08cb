"""JSON text to values and back, with orjson's speed and json's exactness.

orjson reads an integer beyond 64 bits as a float (losing digits) and cannot
write one; a JSON field may hold such a number. Such text (rare) is read with
json, and such values are written as their digits.
"""

from __future__ import annotations

import json
import math
import re

import orjson

_LONG_NUMBER = re.compile(r"\d{19}")
_LONG_NUMBER_BYTES = re.compile(rb"\d{19}")
_INT_RANGE = range(-(2**63), 2**64)


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"the number {text} is too large")
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def loads(text: str | bytes, *, strict: bool = True):
    """The values of JSON `text`. Strict (a request body): NaN, Infinity and numbers
    too large for a float are refused, as orjson refuses them (ValueError). Not
    strict (text the database holds): json reads whatever orjson refuses."""
    long_number = _LONG_NUMBER_BYTES if isinstance(text, bytes) else _LONG_NUMBER
    if long_number.search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            if strict:
                raise
    if strict:
        return json.loads(text, parse_float=_finite, parse_constant=_refuse_constant)
    return json.loads(text)


def exact_ints(value):
    """`value` with every integer beyond orjson's range as a fragment of its digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value not in _INT_RANGE:
        return orjson.Fragment(str(value))
    if isinstance(value, dict):
        return {k: exact_ints(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [exact_ints(v) for v in value]
    return value
