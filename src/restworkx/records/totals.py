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
# (time.monotonic: one clock for every process of the host), checksum.
_FIELDS = struct.Struct("<16sqqd")
_SLOT = struct.Struct("<16sqqd8s")

_table: Totals | None = None


class Totals:
    def __init__(self, slots: int = SLOTS, *, shared: bool = False):
        self.slots = slots
        flags = mmap.MAP_SHARED if shared else mmap.MAP_PRIVATE
        self._map = mmap.mmap(-1, slots * _SLOT.size, flags=flags)

    @staticmethod
    def key(query) -> bytes:
        """The digest a total is kept under: of a hashable description of its query
        whose repr is the same in every process (strings, numbers, tuples)."""
        return hashlib.blake2b(repr(query).encode(), digest_size=16).digest()

    def _offset(self, key: bytes) -> int:
        return int.from_bytes(key[:8], "little") % self.slots * _SLOT.size

    def get(self, key: bytes) -> tuple[int, int, float] | None:
        """(total, changes, counted) kept under key, or None."""
        digest, total, changes, counted, check = _SLOT.unpack_from(self._map, self._offset(key))
        if digest != key or check != _checksum(digest, total, changes, counted):
            return None
        return total, changes, counted

    def put(self, key: bytes, total: int, changes: int, counted: float) -> None:
        check = _checksum(key, total, changes, counted)
        _SLOT.pack_into(self._map, self._offset(key), key, total, changes, counted, check)


def _checksum(digest: bytes, total: int, changes: int, counted: float) -> bytes:
    fields = _FIELDS.pack(digest, total, changes, counted)
    return hashlib.blake2b(fields, digest_size=8).digest()


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
