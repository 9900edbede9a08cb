"""ObjectSpec refuses a whole-record check that does not say what it reads."""

from __future__ import annotations

import pytest

from restworkx.declarations.fields import Str
from restworkx.declarations.objects import Check, ObjectSpec


def _spec(*checks: Check) -> ObjectSpec:
    fields = {"name": Str(64), "a": Str(10), "b": Str(10)}
    return ObjectSpec(
        name="thing", class_name="Thing", fields=fields, path=("name",), checks=checks
    )


def _noop(values, ctx) -> None:
    return None


def test_a_check_reads_fields_of_its_object():
    spec = _spec(Check(("a", "b"), _noop))
    assert spec.checks[0].reads == ("a", "b")


@pytest.mark.parametrize("reads", [(), ("a", "nope")])
def test_a_check_reading_nothing_or_an_unknown_field_is_refused(reads):
    with pytest.raises(ValueError, match="thing: a check reads no field or unknown ones"):
        _spec(Check(reads, _noop))
