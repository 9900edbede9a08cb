"""Import and export jobs (seed 003), replayed through the API and the worker."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from restworkx.applications import ALL

from .conftest import err, ok
from .jobs_helpers import csv_text, dirs, put_upload, read_csv, run_worker

SP = "ecf_service_provider"
SP_ROLE = f"service_provider:{SP}"
EXE = "?executable=restworkx-ecf"
ATTRIBUTES = {
    "status",
    "out_file",
    "pid",
    "object",
    "job_type",
    "job_id",
    "elapsed",
    "in_file",
    "kwargs",
    "progress",
    "role_id",
    "output_hash",
    "message",
}


def sub_row(name, sp=SP, pin="1234", **cells):
    cols = ALL["ecf"].objects["subscriber"].csv_columns
    values = {"service_provider_name": sp, "name": name, "pin": pin, **cells}
    return [values.get(c, "") for c in cols]


def seed_sp(owner, make_admin, api, name=SP):
    ok(owner.post("service_provider", {"name": name}))
    make_admin(f"{name}_admin", f"service_provider:{name}")
    return api.as_(f"{name}_admin")


def post_job(caller, role, body, **kw):
    return caller.post(
        f"job/{role}{EXE}",
        raw=__import__("json").dumps(body),
        headers={"Content-Type": "ecf/json"},
        **kw,
    )


def job_of(caller, role, job_id):
    doc = ok(caller.get(f"job/{role}/{job_id}"))
    return doc["data"][0]["attributes"]


def test_seed_service_provider_importing_subscribers(owner, make_admin, api, app_settings, engine):
    sp = seed_sp(owner, make_admin, api)
    in_file = put_upload(
        app_settings,
        "subscriber-import.csv",
        csv_text(
            [
                sub_row("sub_a", display_name="A, with comma", schedules='[{"entries": []}]'),
                sub_row("sub_b", forward_plan='[{"number": "5551234", "duration": 30}]'),
            ]
        ),
    )
    body = {
        "job_type": "import",
        "in_file": in_file,
        "object": "subscriber",
        "service_provider_name": SP,
    }
    doc = ok(post_job(sp, SP_ROLE, body))
    assert doc["meta"]["executable"] == "restworkx-ecf"
    assert doc["meta"]["records_shown"] == 1
    record = doc["data"][0]
    attrs = record["attributes"]
    assert set(attrs) == ATTRIBUTES
    _, download = dirs(app_settings)
    out_file = attrs["out_file"]
    assert os.path.dirname(out_file) == download
    name = os.path.basename(out_file)
    assert name.startswith("subscriber-import-") and name.endswith(".csv")
    assert len(name.split("-")[-1]) == len("23770cb05d.csv")
    assert {k: v for k, v in attrs.items() if k not in ("job_id", "out_file")} == {
        "status": "processing",
        "pid": None,
        "object": "subscriber",
        "job_type": "import",
        "elapsed": "0",
        "in_file": in_file,
        "kwargs": None,
        "progress": None,
        "role_id": SP_ROLE,
        "output_hash": None,
        "message": None,
    }
    assert record["scope"] == "job"
    assert record["meta"]["modified_by"] == "system" and record["meta"]["txnid"] is None
    assert record["links"]["self"]["identifier"] == {
        "job_id": attrs["job_id"],
        "out_file": out_file,
    }
    assert run_worker(app_settings, engine) == 1
    done = job_of(sp, SP_ROLE, attrs["job_id"])
    assert done["status"] == "done" and done["progress"] == 2
    assert done["message"] == "2 imported, 0 skipped, 0 errors"
    assert done["output_hash"] == hashlib.sha256(Path(out_file).read_bytes()).hexdigest()
    assert read_csv(out_file) == [
        ["row", "key", "outcome", "message"],
        ["1", f"{SP}/sub_a", "imported", ""],
        ["2", f"{SP}/sub_b", "imported", ""],
    ]
    got = ok(sp.get(f"subscriber/{SP}/sub_b"))["data"][0]["attributes"]
    assert got["forward_plan"] == [{"number": "5551234", "duration": 30}]
    assert ok(sp.get(f"subscriber/{SP}/sub_a"))["data"][0]["attributes"]["display_name"] == (
        "A, with comma"
    )


def test_seed_platform_owner_exporting_service_providers(owner, app_settings, engine):
    for name in ("sp_b", "sp_a"):
        ok(
            owner.post(
                "service_provider",
                {"name": name, "display_name": f"{name}, Inc.", "email": f"{name}@example.com"},
            )
        )
    doc = ok(
        post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"})
    )
    attrs = doc["data"][0]["attributes"]
    assert attrs["in_file"] is None and attrs["status"] == "processing"
    assert attrs["role_id"] == "platform_owner" and attrs["job_type"] == "export"
    assert os.path.basename(attrs["out_file"]).startswith("service_provider-export-")
    run_worker(app_settings, engine)
    done = job_of(owner, "platform_owner", attrs["job_id"])
    assert done["status"] == "done" and done["progress"] == 2
    assert read_csv(attrs["out_file"]) == [
        ["name", "display_name", "first_name", "last_name", "email", "address", "phone"],
        ["sp_a", "sp_a, Inc.", "", "", "sp_a@example.com", "", ""],
        ["sp_b", "sp_b, Inc.", "", "", "sp_b@example.com", "", ""],
    ]
    # The export reads back in: every row is reported as already there.
    in_file = put_upload(app_settings, "sp-roundtrip.csv", Path(attrs["out_file"]).read_text())
    doc = ok(
        post_job(
            owner,
            "platform_owner",
            {"job_type": "import", "object": "service_provider", "in_file": in_file},
        )
    )
    run_worker(app_settings, engine)
    rows = read_csv(doc["data"][0]["attributes"]["out_file"])
    assert [r[2] for r in rows[1:]] == ["skipped", "skipped"]
    assert rows[1][0] == "2"  # the header is record 1


def test_executable_is_required_and_checked(owner):
    body = {"job_type": "export", "object": "service_provider"}
    err(
        owner.post("job/platform_owner", body),
        400,
        "The query parameter 'executable=restworkx-ecf' is required for a job.",
    )
    err(owner.post("job/platform_owner?executable=restworkx-icr", body), 400)
    err(owner.post(f"job/platform_owner{EXE}", {"job_type": "delete", "object": "x"}), 400)
    msg = err(owner.post(f"job/platform_owner{EXE}", {"job_type": "import", "object": "job"}), 400)
    assert "object" in msg
    err(owner.post(f"job/nobody{EXE}", body), 400)


def test_in_file_must_be_inside_the_upload_directory(
    owner, make_admin, api, app_settings, tmp_path
):
    sp = seed_sp(owner, make_admin, api)
    upload, _ = dirs(app_settings)
    outside = tmp_path / "secret.csv"
    outside.write_text("x\n")
    link = os.path.join(upload, "link.csv")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(outside, link)
    for in_file in (
        str(outside),
        os.path.join(upload, "..", "..", "secret.csv"),
        link,
        "../../../etc/passwd",
        upload,
    ):
        body = {
            "job_type": "import",
            "in_file": in_file,
            "object": "subscriber",
            "service_provider_name": SP,
        }
        msg = err(post_job(sp, SP_ROLE, body), 400)
        assert "upload directory" in msg, msg
    body = {"job_type": "import", "in_file": "missing.csv", "object": "subscriber"}
    assert "does not exist" in err(post_job(sp, SP_ROLE, body), 400)


def _import(caller, role, app_settings, engine, name, content, obj="subscriber", **extra):
    in_file = put_upload(app_settings, name, content)
    body = {"job_type": "import", "in_file": in_file, "object": obj, **extra}
    doc = ok(post_job(caller, role, body))
    run_worker(app_settings, engine)
    job = job_of(caller, role, doc["data"][0]["attributes"]["job_id"])
    return job, read_csv(job["out_file"])


def test_import_rows_header_bom_quotes_errors_and_conflicts(
    owner, make_admin, api, app_settings, engine
):
    sp = seed_sp(owner, make_admin, api)
    ok(sp.post(f"subscriber/{SP}", {"name": "exists", "pin": "1111"}))
    cols = list(ALL["ecf"].objects["subscriber"].csv_columns)
    content = "\ufeff" + csv_text(
        [
            cols,
            sub_row("multi", notes="line one\nline two, with comma", params='{"a": [1, "x"]}'),
            sub_row("exists"),
            sub_row("short")[:5],
            sub_row("badjson", schedules="[{not json"),
            sub_row("badpin", pin="12"),
            sub_row("intruder", sp="other_sp"),
            sub_row("blank_sp", sp=""),
            sub_row("multi"),
        ]
    )
    job, rows = _import(
        sp, SP_ROLE, app_settings, engine, "mixed.csv", content, service_provider_name=SP
    )
    assert job["status"] == "done", job
    assert job["progress"] == 8
    assert job["message"] == "2 imported, 2 skipped, 4 errors"
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(2, 10)]
    assert rows[1][1:3] == [f"{SP}/multi", "imported"]
    assert rows[2][1:] == [
        f"{SP}/exists",
        "skipped",
        f"A Subscriber with service_provider_name='{SP}', name='exists' already exists.",
    ]
    short = rows[3]
    assert short[2] == "error" and short[3].startswith("has 5 columns, expected 20")
    assert (
        rows[4][2] == "error" and "Subscriber(): Field 'schedules' is not valid JSON" in rows[4][3]
    )
    assert rows[5][2] == "error" and rows[5][3].startswith("Subscriber(): Field 'pin'")
    assert rows[6][1] == "other_sp/intruder" and rows[6][2] == "error"
    assert "other_sp" in rows[6][3]
    assert rows[7][1] == f"{SP}/blank_sp" and rows[7][2] == "imported"
    assert rows[8][2] == "skipped" and "appears earlier in the file" in rows[8][3]
    got = ok(sp.get(f"subscriber/{SP}/multi"))["data"][0]["attributes"]
    assert got["notes"] == "line one\nline two, with comma"
    assert got["params"] == {"a": [1, "x"]}
    total = ok(owner.get("subscriber?limit=0"))["meta"]["records_total"]
    assert total == 3  # exists, multi, blank_sp: nothing half-written


def test_a_file_that_is_not_csv_fails_the_job(owner, app_settings, engine):
    job, _rows = _import(
        owner,
        "platform_owner",
        app_settings,
        engine,
        "binary.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR",
        obj="service_provider",
    )
    assert job["status"] == "failed"
    assert "not a CSV text file" in job["message"]
    job, rows = _import(
        owner,
        "platform_owner",
        app_settings,
        engine,
        "latin1.csv",
        "good,,,,,,\nbad\xe9,,,,,,\n".encode("latin-1"),
        obj="service_provider",
    )
    assert job["status"] == "failed" and "not UTF-8" in job["message"]
    assert rows[1][:3] == ["1", "good", "imported"]


def test_service_provider_admin_scope(owner, make_admin, api, app_settings, engine):
    sp = seed_sp(owner, make_admin, api)
    seed_sp(owner, make_admin, api, "other_sp")
    # Not another provider's role, nor one's own provider named otherwise, nor providers.
    body = {"job_type": "export", "object": "subscriber"}
    err(post_job(sp, "service_provider:other_sp", body), 403)
    err(post_job(sp, "platform_owner", body), 403)
    in_file = put_upload(app_settings, "x.csv", csv_text([sub_row("a")]))
    err(
        post_job(
            sp,
            SP_ROLE,
            {
                "job_type": "import",
                "object": "subscriber",
                "in_file": in_file,
                "service_provider_name": "other_sp",
            },
        ),
        403,
    )
    err(
        post_job(
            sp, SP_ROLE, {"job_type": "import", "object": "service_provider", "in_file": in_file}
        ),
        403,
    )
    # Jobs are listed in scope only.
    ok(post_job(sp, SP_ROLE, body))
    ok(post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"}))
    assert ok(sp.get("job"))["meta"]["records_total"] == 1
    assert ok(owner.get("job"))["meta"]["records_total"] == 2
    assert ok(sp.get("job/platform_owner"))["meta"]["records_total"] == 0
    assert ok(api.as_("other_sp_admin").get(f"job/{SP_ROLE}"))["meta"]["records_total"] == 0


def test_export_honours_scope_archive_and_filters(owner, make_admin, api, app_settings, engine):
    sp = seed_sp(owner, make_admin, api)
    ok(owner.post("service_provider", {"name": "other_sp"}))
    for name in ("s1", "s2", "s3"):
        ok(owner.post(f"subscriber/{SP}", {"name": name, "pin": "1234"}))
    ok(owner.post("subscriber/other_sp", {"name": "o1", "pin": "1234"}))
    ok(owner.delete(f"subscriber/{SP}/s3"), 205)

    def export(caller, role, **filters):
        doc = ok(post_job(caller, role, {"job_type": "export", "object": "subscriber", **filters}))
        run_worker(app_settings, engine)
        job = job_of(caller, role, doc["data"][0]["attributes"]["job_id"])
        assert job["status"] == "done", job
        rows = read_csv(job["out_file"])
        assert rows[0] == list(ALL["ecf"].objects["subscriber"].csv_columns)
        return [(r[0], r[1]) for r in rows[1:]]

    assert export(sp, SP_ROLE) == [(SP, "s1"), (SP, "s2")]
    assert export(owner, "platform_owner") == [(SP, "s1"), (SP, "s2"), ("other_sp", "o1")]
    assert export(sp, SP_ROLE, archive=True) == [(SP, "s3")]
    assert export(sp, SP_ROLE, search="name:s2") == [(SP, "s2")]
    assert export(sp, SP_ROLE, sort="name DESC") == [(SP, "s2"), (SP, "s1")]
    msg = err(
        post_job(sp, SP_ROLE, {"job_type": "export", "object": "subscriber", "search": "nope:1"}),
        400,
    )
    assert "nope" in msg


def test_upload_and_download_endpoints(owner, make_admin, api, app_settings, engine):
    sp = seed_sp(owner, make_admin, api)
    content = csv_text([sub_row("up1")]).encode()
    resp = api.testapp.post(
        f"/ecf/api/job/{SP_ROLE}/upload?filename=../../evil name.csv", content, headers=sp.headers()
    )
    doc = ok(resp.json)
    in_file = doc["data"][0]["attributes"]["in_file"]
    upload, _ = dirs(app_settings)
    assert in_file == os.path.join(upload, f"sp:{SP}", "evil_name.csv")
    assert Path(in_file).read_bytes() == content
    job = ok(
        post_job(sp, SP_ROLE, {"job_type": "import", "object": "subscriber", "in_file": in_file})
    )["data"][0]["attributes"]
    # Another provider can neither use that file nor download the out_file.
    other = seed_sp(owner, make_admin, api, "other_sp")
    msg = err(
        post_job(
            other,
            "service_provider:other_sp",
            {"job_type": "import", "object": "subscriber", "in_file": in_file},
        ),
        400,
    )
    assert "another service provider" in msg
    run_worker(app_settings, engine)
    resp = api.testapp.get(f"/ecf/api/job/{SP_ROLE}/{job['job_id']}/download", headers=sp.headers())
    assert resp.content_type == "text/csv"
    assert resp.body == Path(job["out_file"]).read_bytes()
    assert b"imported" in resp.body
    resp = api.testapp.get(
        f"/ecf/api/job/{SP_ROLE}/{job['job_id']}/download",
        headers=other.headers(),
        expect_errors=True,
    )
    err(resp.json, 403)
    err(api.testapp.post(f"/ecf/api/job/{SP_ROLE}/upload", b"x", headers=other.headers()).json, 403)


def test_submission_and_completion_are_audited(owner, app_settings, engine):
    from restworkx.settings.service import installer_values

    doc = ok(post_job(owner, "platform_owner", {"job_type": "export", "object": "administrator"}))
    run_worker(app_settings, engine)
    job_id = doc["data"][0]["attributes"]["job_id"]
    directory = installer_values("ecf", app_settings)["restworkx"]["audit_log_directory"]
    text_ = "".join(Path(directory, f).read_text() for f in os.listdir(directory))
    assert f"platform_owner/{job_id},export queued" in text_
    assert f"JOB,administrator,{job_id},export done: 1 records exported" in text_


def _write_ini(path, app_settings, **extra):
    lines = ["[app:main]", "use = egg:restworkx"]
    for k, v in {**app_settings, **extra}.items():
        lines.append(f"{k} = {v}")
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_killed_worker_is_resumed_without_duplicates(owner, app_settings, engine, tmp_path):
    ok(owner.post("service_provider", {"name": SP}))
    n = 1500
    in_file = put_upload(
        app_settings, "big.csv", csv_text([sub_row(f"s{i:05d}") for i in range(n)])
    )
    doc = ok(
        post_job(
            owner,
            "platform_owner",
            {
                "job_type": "import",
                "object": "subscriber",
                "in_file": in_file,
                "service_provider_name": SP,
            },
        )
    )
    job_id = doc["data"][0]["attributes"]["job_id"]
    ini = _write_ini(
        tmp_path / "worker.ini",
        app_settings,
        **{"restworkx.job_batch_rows": "50", "restworkx.job_batch_pause": "0.05"},
    )
    proc = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "restworkx"), "-c", ini, "worker"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    job_t = ALL["ecf"].objects["job"].model.__table__
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                progress = conn.execute(
                    select(job_t.c.progress).where(job_t.c.job_id == job_id)
                ).scalar()
            if progress and progress >= 300:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert progress and progress < n, progress
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "processing" and job["pid"] == proc.pid
    settings = {**app_settings, "restworkx.job_stale_seconds": "0.5"}
    time.sleep(0.6)
    from restworkx.jobs.worker import Worker

    assert Worker(settings, engine=engine).run_once() == 1
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "done" and job["progress"] == n, job
    assert job["message"] == f"{n} imported, 0 skipped, 0 errors"
    sub_t = ALL["ecf"].objects["subscriber"].model.__table__
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(sub_t)).scalar()
        distinct = conn.execute(select(func.count(func.distinct(sub_t.c.name)))).scalar()
    assert count == distinct == n
    rows = read_csv(job["out_file"])
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, n + 1)]
    assert {r[2] for r in rows[1:]} == {"imported"}
    assert job["output_hash"] == hashlib.sha256(Path(job["out_file"]).read_bytes()).hexdigest()


TRICKY = [
    "",
    " ",
    "a,b",
    'say "hi"',
    "line\nbreak",
    "cr\rhere",
    "crlf\r\nhere",
    "\\.",
    "back\\slash\\N",
    "tab\there",
    "é ü 漢字 \u2028 end",
    "trailing space ",
    '"',
    ",",
]


def test_export_lines_are_those_of_the_csv_writer(owner, app_settings, engine, monkeypatch):
    """On PostgreSQL the database writes the export's lines (COPY ... TO STDOUT):
    byte for byte what Python's csv writer makes of the same rows."""
    from restworkx.jobs import exporter

    ok(owner.post("service_provider", {"name": SP}))
    for i, text in enumerate(TRICKY):
        body = {
            "name": f"t{i:02d}",
            "pin": "1234",
            "display_name": text,
            "notes": text,
            "address": text[::-1],
            "params": {"k": text, "n": [1, 2.5, None, True]},
            "call_manager": i % 2 == 0,
        }
        ok(owner.post(f"subscriber/{SP}", body))
    ok(owner.post(f"subscriber/{SP}", {"name": "blank", "pin": "1234"}))
    cdr = ALL["ecf"].objects["ecf_cdr"].model.__table__
    stamp = __import__("datetime").datetime(2024, 2, 29, 23, 59, 58)
    with engine.begin() as conn:
        for i, micro in enumerate((0, 1, 500000, 999999)):
            conn.execute(
                cdr.insert().values(
                    called_number=TRICKY[i + 2],
                    calling_number="5551000",
                    original_called_number="5552000",
                    start_time=stamp.replace(microsecond=micro),
                    end_time=None if i % 2 else stamp,
                    route={"a": TRICKY[i]},
                    cdrs=[],
                    service_provider_name=SP,
                    subscriber_name="t00",
                    created=stamp,
                    created_by="test",
                    modified=stamp,
                    modified_by="test",
                )
            )

    def export(obj, **filters):
        body = {"job_type": "export", "object": obj, **filters}
        doc = ok(post_job(owner, "platform_owner", body))
        run_worker(app_settings, engine)
        job = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])
        assert job["status"] == "done", job
        return Path(job["out_file"]).read_bytes()

    for obj, filters in (
        ("subscriber", {}),
        ("subscriber", {"icontains": "name:t0", "sort": "display_name DESC"}),
        ("ecf_cdr", {}),
    ):
        by_copy = export(obj, **filters)
        monkeypatch.setattr(exporter, "copy_statement", lambda *a, **kw: None)
        by_python = export(obj, **filters)
        monkeypatch.undo()
        assert by_copy == by_python
        assert by_copy.count(b"\r\n") >= 2
