from __future__ import annotations

import datetime as dt

from restworkx import maintenance


def test_next_midnight_is_local_and_after_now():
    now = dt.datetime(2024, 3, 9, 23, 59, 59).astimezone()
    due = maintenance.next_midnight(now)
    assert due > now and (due.hour, due.minute) == (0, 0) and due.date() == dt.date(2024, 3, 10)
    assert maintenance.next_midnight(due).date() == dt.date(2024, 3, 11)
