import json
import math

import orjson
import pytest

from restworkx.envelope import dumps
from restworkx.jsoncodec import exact_ints, loads

BIG = 2**70 + 1


@pytest.mark.parametrize("text", [f'{{"n": {BIG}}}', f'{{"n": {BIG}}}'.encode()])
def test_an_integer_beyond_64_bits_keeps_every_digit(text):
    assert loads(text) == {"n": BIG}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"n": NaN}', "expected a JSON value"),
        ('{"n": 1e400}', "infinity"),
        # The same refusals when json reads the text (it holds a long integer):
        (f'{{"n": NaN, "m": {BIG}}}', "NaN is not a JSON value"),
        (f'{{"n": 1e400, "m": {BIG}}}', "too large"),
        ("{not json", "expected a string key"),
    ],
)
def test_a_request_body_is_read_strictly(text, message):
    with pytest.raises(ValueError, match=message):
        loads(text.encode())


def test_text_the_database_holds_is_read_as_json_reads_it():
    assert math.isinf(loads('{"n": 1e400}', strict=False)["n"])
    assert loads('[1.5, "x", null]', strict=False) == json.loads('[1.5, "x", null]')


def test_exact_ints_leaves_what_orjson_writes_alone():
    doc = {"a": [1, True, 2**63, -(2**63), "s"], "b": (1.5,)}
    assert orjson.dumps(exact_ints(doc)) == orjson.dumps(doc)


def test_a_big_integer_beside_a_stored_json_fragment_is_written_exactly():
    doc = {"data": [{"extra": orjson.Fragment(b'{"k": [1, 2]}'), "n": BIG, "m": -BIG}]}
    assert json.loads(dumps(doc)) == {"data": [{"extra": {"k": [1, 2]}, "n": BIG, "m": -BIG}]}
