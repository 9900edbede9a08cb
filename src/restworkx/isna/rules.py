"""ISNA routing rules (seed 004): a grammar, checked part by part.

A number's ``rules`` is an array of ``{"label", "criteria", "destination"}``.
Every criterion is optional, but a rule needs at least one; the destination
routes to a number, trunks, a SIP address, continues, terminates, or holds
nested rules. A failure names the part that is wrong, e.g.
``[0].criteria.time[1] must be HH:mm, 00:00 to 23:59 (got '25:00').``
"""

from __future__ import annotations

import datetime as dt
import re

from ..declarations import shapes as S
from ..declarations.fields import FieldError, json_type

DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
LATA_KINDS = ("Digits", "Intra", "Inter")
MAX_DEPTH = 8


class Leaf:
    """A string matching a pattern, with a rule that shows what was sent."""

    def __init__(self, pattern: str, rule: str, *, normalise=None, example: str = ""):
        self.pattern, self.rule = re.compile(pattern), rule
        self.normalise, self.example = normalise, example

    def __call__(self, value, ctx=None):
        if not isinstance(value, str):
            raise FieldError(f"must be a string ({self.rule}), not {json_type(value)}.")
        if self.normalise is not None:
            value = self.normalise(value)
        if not self.pattern.fullmatch(value):
            raise FieldError(f"must be {self.rule} (got '{value}').")
        return value

    def openapi(self) -> dict:
        s = {"type": "string", "pattern": self.pattern.pattern, "description": self.rule}
        if self.example:
            s["example"] = self.example
        return s


class Tuple:
    """A fixed-length array, e.g. a [start, end] pair or a one-element ["sunday"]."""

    def __init__(self, *items, what: str):
        self.items, self.what = items, what

    def __call__(self, value, ctx=None):
        if not isinstance(value, list):
            raise FieldError(f"must be {self.what}, not {json_type(value)}.")
        if len(value) != len(self.items):
            raise FieldError(f"must be {self.what} (got {len(value)} items).")
        out = []
        for i, (item, shape) in enumerate(zip(value, self.items, strict=True)):
            try:
                out.append(shape(item, ctx))
            except FieldError as exc:
                raise S._at(f"[{i}]", exc) from None
        return out

    def openapi(self) -> dict:
        n = len(self.items)
        return {
            "type": "array",
            "prefixItems": [S.openapi_of(i) for i in self.items],
            "minItems": n,
            "maxItems": n,
            "description": self.what,
        }


class NonEmpty:
    """An array of at least one entry."""

    def __init__(self, item, what: str):
        self.arr, self.what = S.Arr(item), what

    def __call__(self, value, ctx=None):
        value = self.arr(value, ctx)
        if not value:
            raise FieldError(f"must hold at least one {self.what}.")
        return value

    def openapi(self) -> dict:
        return {**self.arr.openapi(), "minItems": 1}


class Nullable:
    def __init__(self, item):
        self.item = item

    def __call__(self, value, ctx=None):
        return None if value is None else self.item(value, ctx)

    def openapi(self) -> dict:
        return {"oneOf": [S.openapi_of(self.item), {"type": "null"}]}


class Choice:
    """One of a few words, matched without regard to case, stored as declared."""

    def __init__(self, choices: tuple[str, ...]):
        self.choices = choices
        self.by_lower = {c.lower(): c for c in choices}

    def __call__(self, value, ctx=None):
        found = self.by_lower.get(value.lower()) if isinstance(value, str) else None
        if found is None:
            raise FieldError(f"must be one of {', '.join(self.choices)} (got {value!r}).")
        return found

    def openapi(self) -> dict:
        return {"type": "string", "enum": list(self.choices)}


HHMM = Leaf(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]", "HH:mm, 00:00 to 23:59", example="08:30")
DATE_RULE = "YYYY/MM/DD.HH:mm, a real date and time"
_DATE_TEXT = Leaf(r"\d{4}/\d{2}/\d{2}\.\d{2}:\d{2}", DATE_RULE, example="2024/12/24.17:00")


def _date(value, ctx=None):
    value = _DATE_TEXT(value, ctx)
    try:
        dt.datetime.strptime(value, "%Y/%m/%d.%H:%M")
    except ValueError:
        raise FieldError(f"must be {DATE_RULE} (got '{value}').") from None
    return value


_date.openapi = _DATE_TEXT.openapi  # type: ignore[attr-defined]


class DateRange(Tuple):
    def __init__(self):
        super().__init__(_date, _date, what='a pair ["YYYY/MM/DD.HH:mm", "YYYY/MM/DD.HH:mm"]')

    def __call__(self, value, ctx=None):
        start, end = super().__call__(value, ctx)
        if end < start:  # the fixed-width format sorts as text
            raise FieldError(f"[1] must not be before the start (got '{end}' < '{start}').")
        return [start, end]


MATCH = Leaf(
    r"[0-9x]{1,32}",
    "a digit pattern of 1 to 32 digits or 'x' (any digit)",
    normalise=str.lower,
    example="585xxxxxxx",
)
NPA = Leaf(r"[A-Z]{2}", "a two-letter area code such as NY", normalise=str.upper)
ZIP = Leaf(r"[0-9]{5}", "a five-digit ZIP code", example="14604")
LATA_DIGITS = Leaf(r"[0-9]{3}", "a three-digit LATA number", example="123")
TRUNK = Leaf(r"[0-9]{1,32}", "a trunk group number (1 to 32 digits)", example="12345")
SIP = Leaf(
    r"(?:sips?:)?[^@\s:]+@[^@\s]+",
    "a SIP address such as 1234567890@example.com",
    example="1234567890@example.com",
)

ANSI_PC = re.compile(r"([0-9]{3})-([0-9]{3})-([0-9]{3})")
ITU_PC = re.compile(r"([0-7])-([0-9]{1,3})-([0-7])")


def _point_code_format(ctx) -> str:
    try:
        return ctx.settings["routing_engine"]["point_code_format"]
    except (AttributeError, KeyError, TypeError):
        return "ansi"


class PointCode:
    """ANSI network-cluster-member (000-000-001) or ITU 3-8-3 (1-234-5), per settings."""

    def __call__(self, value, ctx=None):
        itu = _point_code_format(ctx) == "itu"
        rule = (
            "an ITU point code zone-area-id such as 1-234-5 (0-7, 0-255, 0-7)"
            if itu
            else "an ANSI point code network-cluster-member such as 000-000-001 "
            "(3 digits each, 0-255)"
        )
        if not isinstance(value, str):
            raise FieldError(f"must be {rule}, not {json_type(value)}.")
        m = (ITU_PC if itu else ANSI_PC).fullmatch(value)
        if m is None or any(int(p) > 255 for p in m.groups()):
            raise FieldError(f"must be {rule} (got '{value}').")
        return value

    @staticmethod
    def key(value: str) -> tuple[int, ...]:
        return tuple(int(p) for p in value.split("-"))

    def openapi(self) -> dict:
        return {"type": "string", "description": "ANSI 000-000-001 or ITU 1-234-5"}


POINT_CODE = PointCode()


class PointCodeRange(Tuple):
    def __init__(self):
        super().__init__(
            POINT_CODE, Nullable(POINT_CODE), what='a pair ["000-000-001", "000-000-002" or null]'
        )

    def __call__(self, value, ctx=None):
        start, end = super().__call__(value, ctx)
        if end is not None and PointCode.key(end) < PointCode.key(start):
            raise FieldError(f"[1] must not be below the start (got '{end}' < '{start}').")
        return [start, end]


class Lata(Tuple):
    """["Digits", "123"], ["Intra", null] or ["Inter", null]."""

    def __init__(self):
        super().__init__(
            Choice(LATA_KINDS),
            Nullable(LATA_DIGITS),
            what=('a pair ["Digits", "123"], ["Intra", null] or ["Inter", null]'),
        )

    def __call__(self, value, ctx=None):
        kind, digits = super().__call__(value, ctx)
        if kind == "Digits" and digits is None:
            raise FieldError("[1] must be a three-digit LATA number for 'Digits' (got null).")
        if kind != "Digits" and digits is not None:
            raise FieldError(f"[1] must be null for '{kind}' (got '{digits}').")
        return [kind, digits]


def _one(item, example: str) -> Tuple:
    return Tuple(item, what=f"a one-element array such as [{example}]")


CRITERIA_KEYS = {
    "always": S.BOOLEAN,
    "time": Tuple(HHMM, HHMM, what='a pair ["HH:mm", "HH:mm"]'),
    "date": DateRange(),
    "day": NonEmpty(_one(Choice(DAYS), '"sunday"'), "day"),
    "percent": S.Integer(0, 100),
    "match": NonEmpty(_one(MATCH, '"123xxxxxxx"'), "pattern"),
    "npa": NonEmpty(_one(NPA, '"NY"'), "area"),
    "pointcode": NonEmpty(PointCodeRange(), "point code range"),
    "lata": NonEmpty(Lata(), "LATA"),
    "zip": NonEmpty(_one(ZIP, '"12345"'), "ZIP code"),
}


class Criteria(S.Obj):
    def __init__(self):
        super().__init__(CRITERIA_KEYS)

    def __call__(self, value, ctx=None):
        out = super().__call__(value, ctx)
        if not out:
            raise FieldError(f"must hold at least one criterion ({', '.join(self.schema)}).")
        return out


class Destination(S.Obj):
    def __init__(self, rules: Rules):
        super().__init__(
            {
                "number": S.NUMBER,
                "trunk": NonEmpty(_one(TRUNK, '"12345"'), "trunk"),
                "trunk_op": NonEmpty(
                    Tuple(TRUNK, S.NUMBER, what='a pair ["<trunk>", "<number>"]'), "trunk"
                ),
                "sip": SIP,
                "continue": S.BOOLEAN,
                "terminate": S.BOOLEAN,
                "rule": rules,
            }
        )

    def __call__(self, value, ctx=None):
        out = super().__call__(value, ctx)
        if not out:
            raise FieldError(f"must hold at least one of {', '.join(self.schema)}.")
        if out.get("continue") and out.get("terminate"):
            raise FieldError("cannot both continue and terminate.")
        return out

    def openapi(self) -> dict:
        flat = S.Obj({k: v for k, v in self.schema.items() if k != "rule"})
        s = flat.openapi()
        s["properties"]["rule"] = {
            "type": "array",
            "items": {"type": "object", "description": "A nested rule, shaped as a rule."},
        }
        return s


class Rules:
    """The array of rules, with destinations nesting rules up to MAX_DEPTH levels."""

    def __init__(self, depth: int = 1):
        self.depth = depth
        self._rule: S.Obj | None = None

    @property
    def rule(self) -> S.Obj:
        if self._rule is None:  # built on first use: each level makes the next
            self._rule = S.Obj(
                {
                    "label": S.Text(max_length=250),
                    "criteria": Criteria(),
                    "destination": Destination(Rules(self.depth + 1)),
                },
                required=("criteria", "destination"),
            )
        return self._rule

    def __call__(self, value, ctx=None):
        if self.depth > MAX_DEPTH:
            raise FieldError(f"nests rules deeper than {MAX_DEPTH} levels.")
        return S.Arr(self.rule)(value, ctx)

    def openapi(self) -> dict:
        rule = S.Obj(
            {"label": S.Text(max_length=250), "criteria": Criteria(), "destination": None},
            required=("criteria", "destination"),
        )
        s = rule.openapi()
        s["properties"]["destination"] = Destination(self).openapi()
        return {"type": "array", "items": s}


RULES = Rules()
