"""records.totals: the host's table of records_total counts, shared across fork."""

from __future__ import annotations

import os

import pytest

from restworkx.records import totals
from restworkx.records.totals import Totals

QUERY = ("ecf_subscriber", (), (None, None), False, (), (), (("first_name", "li"),), None, None)


def test_a_total_is_kept_under_its_query():
    table = Totals(16)
    key = Totals.key(QUERY)
    assert table.get(key) is None
    table.put(key, 657, 41, 12.5)
    assert table.get(key) == (657, 41, 12.5)
    assert Totals.key(QUERY) == key  # the same query, the same digest
    other = Totals.key((*QUERY[:6], (("first_name", "ann"),), None, None))
    assert other != key and table.get(other) is None


def test_a_later_total_in_the_same_slot_takes_it_over():
    table = Totals(1)
    first, second = Totals.key(("a",)), Totals.key(("b",))
    table.put(first, 1, 1, 1.0)
    table.put(second, 2, 2, 2.0)
    assert table.get(first) is None
    assert table.get(second) == (2, 2, 2.0)


def test_a_half_written_slot_reads_as_empty():
    table = Totals(1)
    key = Totals.key(QUERY)
    table.put(key, 657, 41, 12.5)
    # Another process's write caught halfway: its total in, the rest still ours.
    table._map[16:24] = (999).to_bytes(8, "little")
    assert table.get(key) is None


def _in_a_child(work) -> None:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "the process's own"])
def test_what_a_forked_process_puts_in_the_table(monkeypatch, shared):
    """share() makes the table processes forked after it share; without it each
    process has its own."""
    monkeypatch.setattr(totals, "_table", None)
    key = Totals.key(QUERY)
    table = totals.share() if shared else totals.table()
    assert totals.table() is table
    _in_a_child(lambda: totals.table().put(key, 657, 41, 12.5))
    assert table.get(key) == ((657, 41, 12.5) if shared else None)
