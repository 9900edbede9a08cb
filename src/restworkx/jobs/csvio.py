"""CSV columns, cells and files of import and export jobs.

The columns of an object are its declaration's ``csv_columns``: seed 003's
tables for ECF, and the documented fields in documented order elsewhere.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re

from ..declarations.objects import ObjectSpec

# Cells may hold large JSON documents (schedules, rules).
csv.field_size_limit(16 * 1024 * 1024)

IMPORT_KINDS = ("record",)
EXPORT_KINDS = ("record", "cdr", "blob")
OUTCOME_COLUMNS = ("row", "key", "outcome", "message")


def importable(app) -> dict[str, ObjectSpec]:
    """The objects a job may import: writable records."""
    return {
        n: s for n, s in app.objects.items() if s.kind in IMPORT_KINDS and s.writable and s.keyed
    }


def exportable(app) -> dict[str, ObjectSpec]:
    """The objects a job may export: records, call detail records, blob metadata."""
    return {n: s for n, s in app.objects.items() if s.kind in EXPORT_KINDS}


def csv_column_tables(app) -> dict[str, list[str]]:
    """{object: [columns in order]} for every importable or exportable object.

    The OpenAPI document and docs publish these tables; the importer and the
    exporter use the same columns.
    """
    return {n: list(s.csv_columns) for n, s in exportable(app).items()}


def column_labels(spec: ObjectSpec) -> list[str]:
    return [spec.fields[c].label or c for c in spec.csv_columns]


def is_header(spec: ObjectSpec, cells: list[str]) -> bool:
    """A first row naming the columns (field names or seed labels) is a header."""
    if len(cells) != len(spec.csv_columns):
        return False
    got = [_norm(c) for c in cells]
    return got == [_norm(c) for c in spec.csv_columns] or got == [
        _norm(c) for c in column_labels(spec)
    ]


def _norm(text: str) -> str:
    return text.strip().lstrip("\ufeff").lower().replace(" ", "_")


def to_cells(spec: ObjectSpec, row) -> list[str]:
    fields = spec.fields
    return [fields[c].to_csv(row[c]) for c in spec.csv_columns]


def writer(fh):
    return csv.writer(fh, lineterminator="\r\n")


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def looks_binary(path: str) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(8192)
    return b"\x00" in head


def outcome_line(row: int, key: str, outcome: str, message: str = "") -> bytes:
    """One outcome line: always one physical line (newlines in values become spaces)."""
    if not message and _PLAIN.fullmatch(key):  # most lines: nothing to join or quote
        return f"{row},{key},{outcome},\r\n".encode()
    cells = [str(row), _one_line(key), outcome, _one_line(message)]
    return (",".join(_quote(c) for c in cells) + "\r\n").encode("utf-8")


# Text that neither str.splitlines nor CSV quoting changes.
_PLAIN = re.compile(r'[^,"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*')


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines()) if text else ""


def _quote(cell: str) -> str:
    if any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def truncate_outcomes(path: str, rows_done: int) -> None:
    """Keep the header and the outcome lines of the first ``rows_done`` data rows.

    An import writes a batch's outcome lines before it commits the batch; a
    worker that died between the two left lines the database never saw, and
    that batch runs again after a restart. Outcome lines are one physical line each.
    """
    if not os.path.exists(path):
        return
    keep = 0
    with open(path, "rb") as fh:
        for count, line in enumerate(fh):
            if count > rows_done:
                break
            keep += len(line)
    with open(path, "r+b") as fh:
        fh.truncate(keep)
