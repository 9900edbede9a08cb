"""Job files live in the database, so jobs survive a failover: an upload whose
local copy is gone, an import resumed by a worker on the other host, a
download on a host that never ran the job, a worker on a standby."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from restworkx.applications import ALL
from restworkx.jobs import exporter, files, importer, worker
from restworkx.jobs.files import FileStore, StoredChunk, StoredFile
from restworkx.jobs.service import Lease, LeaseLost, touch
from restworkx.jobs.worker import Worker

from .conftest import ok
from .jobs_helpers import csv_text, put_upload, read_csv, run_worker
from .test_jobs import SP, SP_ROLE, job_of, post_job, seed_sp, sub_row

JOB_T = ALL["ecf"].objects["job"].model.__table__
SUB_T = ALL["ecf"].objects["subscriber"].model.__table__


class Crash(BaseException):
    """The worker process dies here: nothing of its own handles it."""


def stored(engine, settings, path, app="ecf"):
    """(row, bytes) of a stored file, or (None, None)."""
    with engine.connect() as conn:
        row = FileStore(app, settings).find(conn, path)
        if row is None:
            return None, None
        return row, b"".join(files.chunks(conn, row.id))


@pytest.fixture
def store_of(engine, app_settings):
    return lambda path: stored(engine, app_settings, path)


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(files, "CHUNK", 64)


def upload(api, caller, content, name="subs.csv", role=SP_ROLE):
    resp = api.testapp.post(
        f"/ecf/api/job/{role}/upload?filename={name}", content, headers=caller.headers()
    )
    return ok(resp.json)["data"][0]["attributes"]


def test_an_upload_is_stored_and_comes_back_when_the_local_copy_is_gone(
    owner, make_admin, api, app_settings, engine, store_of, small_chunks
):
    sp = seed_sp(owner, make_admin, api)
    content = csv_text([sub_row(f"up{i}") for i in range(5)]).encode()
    attrs = upload(api, sp, content)
    in_file = attrs["in_file"]
    row, data = store_of(in_file)
    assert data == content and row.size == len(content) == attrs["size"]
    assert row.sha256 == hashlib.sha256(content).hexdigest() == attrs["sha256"]
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).select_from(StoredChunk).where(StoredChunk.file_id == row.id)
        ).scalar()
    assert count == -(-len(content) // 64)  # streamed in CHUNK-sized pieces

    os.unlink(in_file)  # the other host: the upload never reached its disk
    job = ok(
        post_job(sp, SP_ROLE, {"job_type": "import", "object": "subscriber", "in_file": in_file})
    )["data"][0]["attributes"]
    assert run_worker(app_settings, engine) == 1
    done = job_of(sp, SP_ROLE, job["job_id"])
    assert done["status"] == "done" and done["message"] == "5 imported, 0 skipped, 0 errors"
    assert Path(in_file).read_bytes() == content

    # A local copy that differs from the stored one is replaced by it.
    Path(in_file).write_bytes(csv_text([sub_row("intruder")]).encode())
    job = ok(
        post_job(sp, SP_ROLE, {"job_type": "import", "object": "subscriber", "in_file": in_file})
    )["data"][0]["attributes"]
    run_worker(app_settings, engine)
    done = job_of(sp, SP_ROLE, job["job_id"])
    assert done["message"] == "0 imported, 5 skipped, 0 errors"
    assert Path(in_file).read_bytes() == content


def test_an_upload_replaces_the_stored_file_of_the_same_name(owner, make_admin, api, store_of):
    sp = seed_sp(owner, make_admin, api)
    upload(api, sp, b"first\r\n")
    in_file = upload(api, sp, b"second\r\n")["in_file"]
    assert store_of(in_file)[1] == b"second\r\n"


def test_a_file_an_operator_put_there_is_stored_when_the_job_is_claimed(
    owner, app_settings, engine, store_of
):
    ok(owner.post("service_provider", {"name": SP}))
    content = csv_text([sub_row("op1"), sub_row("op2")])
    in_file = put_upload(app_settings, "operator.csv", content)
    assert store_of(in_file) == (None, None)
    body = {"job_type": "import", "object": "subscriber", "in_file": in_file}
    doc = ok(post_job(owner, "platform_owner", {**body, "service_provider_name": SP}))
    run_worker(app_settings, engine)
    job = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])
    assert job["status"] == "done", job
    row, data = store_of(in_file)
    assert data == content.encode() and row.sha256 == hashlib.sha256(data).hexdigest()


def _interrupted_import(owner, app_settings, engine, monkeypatch, n, crash_at):
    """An import whose worker dies in its batch ``crash_at`` (after writing the
    batch's outcome lines, before the commit); returns (job_id, in_file)."""
    ok(owner.post("service_provider", {"name": SP}))
    in_file = put_upload(
        app_settings, "resume.csv", csv_text([sub_row(f"r{i:03d}") for i in range(n)])
    )
    body = {"job_type": "import", "object": "subscriber", "in_file": in_file}
    doc = ok(post_job(owner, "platform_owner", {**body, "service_provider_name": SP}))
    job_id = doc["data"][0]["attributes"]["job_id"]
    calls = []
    real = importer.Importer._batch

    def batch(self, rows, out, done):
        calls.append(1)
        if len(calls) == crash_at:
            # Its outcome lines reach the local file; the commit never happens.
            def die():
                out.flush()
                raise Crash()

            self.db.commit = die
        return real(self, rows, out, done)

    monkeypatch.setattr(importer.Importer, "_batch", batch)
    settings = {**app_settings, "restworkx.job_batch_rows": "10"}
    with pytest.raises(Crash):
        Worker(settings, engine=engine).run_once()
    monkeypatch.setattr(importer.Importer, "_batch", real)
    return job_id, in_file


@pytest.mark.parametrize("other_host", [True, False])
def test_an_import_resumed_by_another_worker_finishes_exactly_once(
    owner, app_settings, engine, monkeypatch, store_of, other_host
):
    n = 95
    job_id, in_file = _interrupted_import(owner, app_settings, engine, monkeypatch, n, 4)
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "processing" and job["progress"] == 30, job  # 3 batches committed
    out_file = job["out_file"]
    row, data = store_of(out_file)
    assert row.sha256 is None and data.count(b"\r\n") == 1 + 30
    assert len(read_csv(out_file)) == 1 + 40  # the 4th batch's lines never committed
    if other_host:  # a host that has neither file
        os.unlink(out_file)
        os.unlink(in_file)
    # The first worker's heartbeat goes stale; the next one has the same pid
    # (this process), as a worker on the other host may.
    with engine.begin() as conn:
        stale = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
        conn.execute(update(JOB_T).where(JOB_T.c.job_id == job_id).values(heartbeat=stale))
    settings = {**app_settings, "restworkx.job_batch_rows": "10"}
    assert Worker(settings, engine=engine).run_once() == 1
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "done" and job["progress"] == n, job
    assert job["message"] == f"{n} imported, 0 skipped, 0 errors"
    with engine.connect() as conn:
        names = conn.execute(select(SUB_T.c.name)).scalars().all()
    assert sorted(names) == [f"r{i:03d}" for i in range(n)]
    rows = read_csv(out_file)
    assert rows[0] == ["row", "key", "outcome", "message"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, n + 1)]
    assert {r[2] for r in rows[1:]} == {"imported"}
    local = Path(out_file).read_bytes()
    row, data = store_of(out_file)
    assert data == local
    assert job["output_hash"] == row.sha256 == hashlib.sha256(local).hexdigest()
    # The first worker's lease is gone although its pid is the same.
    session = worker.get_session_factory(engine)()
    try:
        job_row = session.execute(select(JOB_T).where(JOB_T.c.job_id == job_id)).one()
        assert job_row.pid == os.getpid() and job_row.attempts == 2
        with pytest.raises(LeaseLost):
            touch(session, ALL["ecf"], Lease(job_row.id, os.getpid(), 1), progress=1)
    finally:
        session.rollback()
        session.close()


def test_a_download_comes_from_the_database_when_the_local_copy_is_gone(
    owner, app_settings, engine, store_of, small_chunks
):
    for i in range(12):
        ok(owner.post("service_provider", {"name": f"sp{i:02d}", "notes": "x" * 40}))
    doc = ok(
        post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"})
    )
    job_id = doc["data"][0]["attributes"]["job_id"]
    run_worker(app_settings, engine)
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "done" and job["progress"] == 12
    out_file = job["out_file"]
    content = Path(out_file).read_bytes()
    row, data = store_of(out_file)
    assert data == content and row.sha256 == job["output_hash"]
    assert row.sha256 == hashlib.sha256(content).hexdigest() and row.size > 64

    url = f"/ecf/api/job/platform_owner/{job_id}/download"
    for damage in ("remove", "change"):
        if damage == "remove":
            os.unlink(out_file)
        else:
            Path(out_file).write_bytes(content.replace(b"sp00", b"sp99"))
        resp = owner.testapp.get(url, headers=owner.headers())
        assert resp.body == content
        assert resp.content_type == "text/csv"
        assert resp.headers["X-Output-Hash"] == job["output_hash"]
        assert resp.headers["Content-Length"] == str(len(content))
        assert os.path.basename(out_file) in resp.headers["Content-Disposition"]


def test_an_export_restarted_after_a_crash_stores_its_file_once(
    owner, app_settings, engine, monkeypatch, store_of, small_chunks
):
    for i in range(9):
        ok(owner.post("service_provider", {"name": f"sp{i}", "notes": "y" * 30}))
    doc = ok(
        post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"})
    )
    job_id = doc["data"][0]["attributes"]["job_id"]
    monkeypatch.setattr(exporter, "STREAM_ROWS", 2)
    monkeypatch.setattr(exporter, "PROGRESS_EVERY", 2)
    real, calls = exporter.touch, []

    def touch_then_die(*args, **kw):
        real(*args, **kw)
        calls.append(1)
        if len(calls) == 3:
            raise Crash()

    monkeypatch.setattr(exporter, "touch", touch_then_die)
    with pytest.raises(Crash):
        run_worker(app_settings, engine)
    monkeypatch.setattr(exporter, "touch", real)
    out_file = job_of(owner, "platform_owner", job_id)["out_file"]
    assert store_of(out_file)[0].sha256 is None  # chunks of the first attempt, not sealed
    with engine.begin() as conn:
        conn.execute(update(JOB_T).where(JOB_T.c.job_id == job_id).values(heartbeat=None))
    run_worker(app_settings, engine)
    job = job_of(owner, "platform_owner", job_id)
    assert job["status"] == "done" and job["progress"] == 9
    content = Path(out_file).read_bytes()
    assert len(read_csv(out_file)) == 10
    row, data = store_of(out_file)
    assert data == content and job["output_hash"] == row.sha256
    with engine.connect() as conn:
        seqs = (
            conn.execute(select(StoredChunk.seq).where(StoredChunk.file_id == row.id))
            .scalars()
            .all()
        )
    assert sorted(seqs) == list(range(len(seqs)))


def test_an_empty_export_still_has_its_header(owner, app_settings, engine, store_of):
    doc = ok(post_job(owner, "platform_owner", {"job_type": "export", "object": "subscriber"}))
    run_worker(app_settings, engine)
    job = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])
    assert job["status"] == "done" and job["progress"] == 0
    assert read_csv(job["out_file"]) == [list(ALL["ecf"].objects["subscriber"].csv_columns)]
    assert store_of(job["out_file"])[1] == Path(job["out_file"]).read_bytes()


def test_a_failed_import_keeps_the_outcomes_of_the_rows_before(
    owner, app_settings, engine, store_of
):
    content = "good,,,,,,\nbad\xe9,,,,,,\n".encode("latin-1")
    in_file = put_upload(app_settings, "broken.csv", content)
    body = {"job_type": "import", "object": "service_provider", "in_file": in_file}
    doc = ok(post_job(owner, "platform_owner", body))
    run_worker(app_settings, engine)
    job = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])
    assert job["status"] == "failed"
    row, data = store_of(job["out_file"])
    assert data == Path(job["out_file"]).read_bytes()
    assert job["output_hash"] == row.sha256 == hashlib.sha256(data).hexdigest()


# -- a worker whose database is a standby --------------------------------------------


def test_the_worker_idles_quietly_on_a_standby(owner, app_settings, engine, monkeypatch, caplog):
    ok(post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"}))
    standby = [True]
    monkeypatch.setattr(worker, "database_is_standby", lambda engine: standby[0])
    w = Worker(app_settings, engine=engine)
    caplog.set_level(logging.INFO, logger="restworkx.jobs.worker")
    for _ in range(5):
        assert w.run_once() == 0
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if "standby" in m]) == 1, said
    with engine.connect() as conn:
        assert conn.execute(select(JOB_T.c.pid)).scalar() is None  # nothing claimed
    standby[0] = False
    assert w.run_once() == 1
    assert w.run_once() == 0
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if "writable again" in m]) == 1, said


def test_the_worker_waits_quietly_for_a_database_that_does_not_answer(
    app_settings, engine, monkeypatch, caplog
):
    w = Worker(app_settings, engine=engine)
    calls = []

    def run_once():
        calls.append(1)
        if len(calls) >= 4:
            w.stopping = True
            return 0
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(w, "run_once", run_once)
    caplog.set_level(logging.INFO, logger="restworkx.jobs.worker")
    w.run_forever(poll=0)
    said = [r for r in caplog.records if "does not answer" in r.getMessage()]
    assert len(said) == 1 and not any(r.exc_info for r in caplog.records)


def test_the_standby_check_on_this_server(engine):
    assert worker.database_is_standby(engine) is False


def test_maintenance_removes_old_stored_files(owner, app_settings, engine, store_of):
    from restworkx import maintenance

    ok(owner.post("service_provider", {"name": "acme"}))
    doc = ok(
        post_job(owner, "platform_owner", {"job_type": "export", "object": "service_provider"})
    )
    run_worker(app_settings, engine)
    out_file = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])["out_file"]
    kept = upload(owner, owner, b"a,b\r\n", role="platform_owner")
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=31)
    row, _ = store_of(out_file)
    with engine.begin() as conn:
        conn.execute(update(StoredFile).where(StoredFile.id == row.id).values(modified=old))
    report = maintenance.run(app_settings, engine)["ecf"]
    assert report["stored_removed"] == [f"download/{os.path.basename(out_file)}"]
    assert store_of(out_file) == (None, None)
    assert store_of(kept["in_file"])[1] == b"a,b\r\n"
    with engine.connect() as conn:
        orphans = conn.execute(
            select(func.count()).select_from(StoredChunk).where(StoredChunk.file_id == row.id)
        ).scalar()
    assert orphans == 0
    assert maintenance.run(app_settings, engine)["ecf"]["stored_removed"] == []


def test_imports_are_unchanged_by_a_small_chunk_size(
    owner, make_admin, api, app_settings, engine, small_chunks
):
    # The importer's chunks are its batches' lines, whatever CHUNK is.
    sp = seed_sp(owner, make_admin, api)
    in_file = upload(api, sp, csv_text([sub_row(f"c{i}") for i in range(3)]).encode())["in_file"]
    job = ok(
        post_job(sp, SP_ROLE, {"job_type": "import", "object": "subscriber", "in_file": in_file})
    )["data"][0]["attributes"]
    run_worker(app_settings, engine)
    assert job_of(sp, SP_ROLE, job["job_id"])["message"] == "3 imported, 0 skipped, 0 errors"


def test_a_growing_import_refreshes_statistics_and_stores_chunks_compressed(
    owner, app_settings, engine, monkeypatch, store_of
):
    """The importer ANALYZEs the table as it grows (PostgreSQL), between batches,
    and the import's outcome is the same; stored chunks use LZ4 where the server
    has it."""
    monkeypatch.setattr(importer, "ANALYZE_FIRST", 3)
    analyzed = []
    real = importer.Importer._analyze

    def spy(self):
        analyzed.append(self.inserted)
        real(self)

    monkeypatch.setattr(importer.Importer, "_analyze", spy)
    ok(owner.post("service_provider", {"name": SP}))
    notes = "compressible " * 150  # the in_file: a chunk TOAST compresses
    rows = [sub_row(f"g{i:02d}", notes=notes) for i in range(20)]
    in_file = put_upload(app_settings, "grow.csv", csv_text(rows))
    body = {"job_type": "import", "object": "subscriber", "in_file": in_file}
    doc = ok(post_job(owner, "platform_owner", {**body, "service_provider_name": SP}))
    Worker({**app_settings, "restworkx.job_batch_rows": "2"}, engine=engine).run_once()
    job = job_of(owner, "platform_owner", doc["data"][0]["attributes"]["job_id"])
    assert job["status"] == "done" and job["message"] == "20 imported, 0 skipped, 0 errors"
    assert len(read_csv(job["out_file"])) == 21
    if engine.dialect.name != "postgresql":
        assert analyzed == []
        return
    assert analyzed == [4, 8, 16]  # at 3 rows, then each time they double
    with Session(engine) as session:
        lz4 = session.execute(
            select(func.bool_or(func.pg_column_compression(StoredChunk.data) == "lz4"))
        ).scalar()
        assert bool(lz4) == files.lz4_available(session)
