from __future__ import annotations

import csv

from restworkx.applications import ALL
from restworkx.jobs import csvio


def test_column_tables_of_every_application():
    ecf = csvio.csv_column_tables(ALL["ecf"])
    assert ecf["administrator"] == [
        "username",
        "role_id",
        "first_name",
        "last_name",
        "email",
        "permissions",
    ]
    assert len(ecf["service_provider"]) == 7
    assert len(ecf["subscriber"]) == 20 and ecf["subscriber"][16] == "forward_plan"
    assert len(ecf["ecf_cdr"]) == 9 and ecf["ecf_cdr"][0] == "called_number"
    assert "job" not in ecf and "settings" not in ecf
    for app in ALL.values():
        tables = csvio.csv_column_tables(app)
        assert "administrator" in tables and "subscriber" in tables
        for obj, cols in tables.items():
            spec = app.objects[obj]
            assert all(c in spec.public_fields for c in cols), (app.short_name, obj)
        assert set(csvio.importable(app)) <= set(tables)


def test_header_detection_by_names_or_labels():
    spec = ALL["ecf"].objects["service_provider"]
    assert csvio.is_header(
        spec, ["\ufeffname", "display_name", "first_name", "last_name", "email", "address", "phone"]
    )
    assert csvio.is_header(
        spec, ["Name", "Display Name", "First Name", "Last Name", "Email", "Address", "Phone"]
    )
    assert not csvio.is_header(spec, ["acme", "", "", "", "", "", ""])


def test_outcome_lines_are_one_line_each_and_truncate(tmp_path):
    path = tmp_path / "out.csv"
    lines = [b"row,key,outcome,message\r\n"] + [
        csvio.outcome_line(i, f"k{i}", "error", 'bad "value"\nwith, newline') for i in (1, 2, 3)
    ]
    path.write_bytes(b"".join(lines))
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[1] == ["1", "k1", "error", 'bad "value" with, newline']
    csvio.truncate_outcomes(str(path), 2)
    assert path.read_bytes() == b"".join(lines[:3])
    csvio.truncate_outcomes(str(path), 0)
    assert path.read_bytes() == lines[0]
