"""``restworkx load-cdrs``: call detail records from JSON lines, until the
call-routing side writes them itself.

Each line is one JSON object holding the fields of the application's
``<app>_cdr`` declaration; each value is checked by its field (timestamps as
ISO 8601, JSON fields as JSON). Bad lines are reported and skipped; the
others go in batches.
"""

from __future__ import annotations

import json

from sqlalchemy import insert

from ..db import utcnow
from ..declarations.fields import FieldError


def cdr_spec(app):
    for spec in app.objects.values():
        if spec.kind == "cdr":
            return spec
    raise LookupError(f"{app.short_name} declares no call detail records")


def load_cdrs(db, app, lines, *, batch: int = 5000, username: str = "load-cdrs"):
    """Insert the records of ``lines``; returns (loaded, [(line number, message)])."""
    spec = cdr_spec(app)
    fields = spec.public_fields
    table = spec.model.__table__
    rows, errors, loaded = [], [], 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except ValueError as exc:
            errors.append((number, f"not a JSON object ({exc})."))
            continue
        if not isinstance(doc, dict):
            errors.append((number, "not a JSON object."))
            continue
        unknown = [k for k in doc if k not in fields]
        if unknown:
            errors.append(
                (number, f"unknown field(s) {', '.join(unknown)} (fields: {', '.join(fields)}).")
            )
            continue
        values = {}
        try:
            for name, f in fields.items():
                value = doc.get(name)
                if f.is_json and isinstance(value, str):
                    value = f.parse_text(value) if value.strip() else None
                values[name] = f.clean(value)
        except FieldError as exc:
            errors.append((number, spec.error(name, exc)))
            continue
        now = utcnow()
        rows.append(
            {
                **values,
                "created": now,
                "modified": now,
                "created_by": username,
                "modified_by": username,
            }
        )
        if len(rows) >= batch:
            db.execute(insert(table), rows)
            db.commit()
            loaded += len(rows)
            rows = []
    if rows:
        db.execute(insert(table), rows)
        db.commit()
        loaded += len(rows)
    return loaded, errors
