"""records_total counts kept for all the server processes of a host, not each alone.

A count that tests 10,000 rows costs PostgreSQL milliseconds; a total kept by each
worker process (records.service) was counted once per worker. `restworkx serve`
makes one table of totals in memory shared by its workers (an anonymous shared
mapping, made before gunicorn forks them, and kept by the workers it starts later):
a total one worker counted serves the others while its table shows the same
changes (db.table_changes). Anywhere else (tests, the job worker, another WSGI
server) the table is the process's own.

The table is a fixed number of slots, a total's slot chosen by a digest of its
query; a total counted later takes the slot over. Nothing locks a slot: each
carries a checksum of its fields, and one caught half-written by another process
reads as empty."""

from __future__ import annotations

import hashlib
import mmap
import struct

SLOTS = 4096
# digest of the query, total, the table's changes when counted, when counted
# (time.monotonic: one clock for every process of the host); then their checksum.
_FIELDS = struct.Struct("<16sqqd")
_CHECK = 8
SLOT_SIZE = _FIELDS.size + _CHECK

_table: Totals | None = None


class Totals:
    def __init__(self, slots: int = SLOTS, *, shared: bool = False):
        self.slots = slots
        flags = mmap.MAP_SHARED if shared else mmap.MAP_PRIVATE
        self._map = mmap.mmap(-1, slots * SLOT_SIZE, flags=flags)

    @staticmethod
    def key(query) -> bytes:
        """The digest a total is kept under: of a hashable description of its query
        whose repr is the same in every process (strings, numbers, tuples)."""
        return hashlib.blake2b(repr(query).encode(), digest_size=16).digest()

    def _offset(self, key: bytes) -> int:
        return int.from_bytes(key[:8], "little") % self.slots * SLOT_SIZE

    def get(self, key: bytes) -> tuple[int, int, float] | None:
        """(total, changes, counted) kept under key, or None."""
        at = self._offset(key)
        fields = self._map[at : at + _FIELDS.size]
        if fields[:16] != key or self._map[at + _FIELDS.size : at + SLOT_SIZE] != _checksum(fields):
            return None
        _digest, total, changes, counted = _FIELDS.unpack(fields)
        return total, changes, counted

    def put(self, key: bytes, total: int, changes: int, counted: float) -> None:
        fields = _FIELDS.pack(key, total, changes, counted)
        at = self._offset(key)
        self._map[at : at + SLOT_SIZE] = fields + _checksum(fields)


def _checksum(fields: bytes) -> bytes:
    return hashlib.blake2b(fields, digest_size=_CHECK).digest()


def table() -> Totals:
    """This process's table of totals: the one shared with the other server
    processes when share() made it before they forked, else its own."""
    global _table
    if _table is None:
        _table = Totals()
    return _table


def share(slots: int = SLOTS) -> Totals:
    """Make the table the processes forked after this call share (restworkx serve,
    before gunicorn starts its workers)."""
    global _table
    _table = Totals(slots, shared=True)
    return _table
