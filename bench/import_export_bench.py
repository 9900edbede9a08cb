"""Import and export jobs against COPY, on PostgreSQL (run by hand, not in the suite).

    .venv/bin/python bench/import_export_bench.py [--rows 1000000] [--keep]

1. creates the database ``restworkx_jobbench`` (PostgreSQL on 127.0.0.1:5432,
   user postgres, trust auth), migrates it, creates the service provider
   ``bench_sp``;
2. writes an ECF subscriber CSV of ``--rows`` rows (the 20 seed columns, with
   JSON schedules, acceptance lists, forward plans) into the upload directory;
3. import: queues the job through ``jobs.service.submit`` and runs
   ``restworkx worker --once`` in a child process; rows/s from the child's wall
   time, peak memory from /proc (the worker and any children it starts);
4. ceiling: ``COPY ... FROM STDIN`` of the same rows into ``bench_copy``, a
   table created ``LIKE ecf_subscriber INCLUDING ALL`` (same indexes);
5. export: an export job of every subscriber through the worker, against
   ``COPY (SELECT <the 20 columns> ORDER BY the export's order) TO STDOUT``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import psycopg2
from sqlalchemy import create_engine, text

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DB = "restworkx_jobbench"
URL = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{DB}"


def subscriber_rows(n: int):
    schedules = json.dumps(
        [
            {
                "entries": [
                    {"start": "09:00", "end": "17:00", "day": "MONDAY", "number": "5551000"}
                ],
                "active": True,
            }
        ]
    )
    lists = json.dumps([{"entries": ["5552000", "5552001"], "active": True}])
    plan = json.dumps([{"number": "5553000", "duration": 30}])
    for i in range(n):
        yield [
            "bench_sp",
            f"sub{i:07d}",
            f"Subscriber {i}",
            f"{i} Main St., Rochester, NY",
            "Jane",
            "Doe",
            f"sub{i}@example.com",
            f"585{i:07d}",
            "1234",
            "America/New_York",
            "5551234",
            "false",
            "true",
            schedules,
            lists,
            '["5554000"]',
            plan,
            '{"active": false}',
            "{}",
            "imported by the benchmark",
        ]


RUNS: list[str] = []


def _tree(pid: int) -> list[int]:
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _kib(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Peak memory of a process tree, read from /proc every 20 ms: the largest sum
    of the processes' RSS seen at once, and the sum of their own peaks (VmHWM).

    Not wait4's ru_maxrss: a child exec'd by subprocess (vfork) starts with its
    parent's high-water mark, so it reported the bench script's own memory (the
    whole CSV it holds for the COPY ceiling) for the worker."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.rss_peak, self.hwm = 0, {}

    def run(self):
        while not self.done.is_set():
            pids = _tree(self.pid)
            self.rss_peak = max(self.rss_peak, sum(_kib(p, "VmRSS:") for p in pids))
            for p in pids:
                self.hwm[p] = max(self.hwm.get(p, 0), _kib(p, "VmHWM:"))
            self.done.wait(0.02)

    def stop(self) -> tuple[int, int]:
        self.done.set()
        self.join()
        return self.rss_peak // 1024, sum(self.hwm.values()) // 1024  # MiB


def run_worker(ini: str) -> tuple[float, tuple[int, int]]:
    exe = os.path.join(os.path.dirname(sys.executable), "restworkx")
    start = time.monotonic()
    prof = os.environ.get("BENCH_PROFILE")
    cmd = [exe, "-c", ini, "worker", "--once"]
    if prof:  # profile the workers: BENCH_PROFILE=/tmp/worker -> /tmp/worker.<n>.prof
        RUNS.append(prof)
        out = f"{prof}.{len(RUNS)}.prof"
        cmd = [sys.executable, "-m", "cProfile", "-o", out, exe, *cmd[1:]]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    watch = MemoryWatch(proc.pid)
    watch.start()
    status = proc.wait()
    elapsed = time.monotonic() - start
    peaks = watch.stop()
    if status != 0:
        raise SystemExit(f"worker exited with {status}")
    return elapsed, peaks


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--keep", action="store_true", help="keep the database and the files")
    p.add_argument("--batch-rows", type=int, default=2000, help="restworkx.job_batch_rows")
    args = p.parse_args()

    from alembic import command

    from restworkx import applications
    from restworkx.cli import alembic_config
    from restworkx.db import get_session_factory
    from restworkx.jobs import service as jobs
    from restworkx.records.service import RecordService
    from restworkx.settings.service import SettingsService

    tmp = tempfile.mkdtemp(prefix="jobbench-")
    settings = {
        "sqlalchemy.url": URL,
        "restworkx.apps": "ecf",
        "restworkx.data_root": tmp,
        "restworkx.syslog": "off",
        "restworkx.log_level": "WARNING",
        "restworkx.job_batch_rows": str(args.batch_rows),
    }
    ini = os.path.join(tmp, "bench.ini")
    with open(ini, "w") as fh:
        fh.write("[app:main]\nuse = egg:restworkx\n")
        fh.writelines(f"{k} = {v}\n" for k, v in settings.items())
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB}"'))
    command.upgrade(alembic_config(settings), "heads")
    engine = create_engine(URL)
    app = applications.ALL["ecf"]
    db = get_session_factory(engine)()
    service = RecordService(
        db, app, "bench", lambda: SettingsService(db, app, settings).effective()
    )
    service.create(app.objects["service_provider"], {"name": "bench_sp"}, {})
    db.commit()

    upload, _download = jobs.directories("ecf", settings)
    os.makedirs(upload, exist_ok=True)
    in_file = os.path.join(upload, "subscriber-import.csv")
    with open(in_file, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(subscriber_rows(args.rows))
    size = os.path.getsize(in_file) / 1e6
    print(f"{args.rows} rows, {size:.0f} MB of CSV")

    # -- import through the job path ------------------------------------------------
    job = jobs.submit(
        db,
        app,
        settings,
        "platform_owner",
        {
            "job_type": "import",
            "object": "subscriber",
            "in_file": in_file,
            "service_provider_name": "bench_sp",
        },
        "bench",
    )
    db.commit()
    print(load())
    seconds, (peak, hwm) = run_worker(ini)
    db.refresh(job)
    assert job.status == "done", (job.status, job.message)
    import_rate = args.rows / seconds
    print(
        f"import job: {seconds:.1f} s, {import_rate:,.0f} rows/s, worker peak {peak} MiB "
        f"(processes' own peaks summed: {hwm} MiB); {job.message}; {load()}"
    )

    # -- the COPY ceiling -------------------------------------------------------------
    cols = list(app.objects["subscriber"].csv_columns)
    raw = psycopg2.connect(dbname=DB, user="postgres", host="127.0.0.1")
    with raw, raw.cursor() as cur:
        cur.execute("CREATE TABLE bench_copy (LIKE ecf_subscriber INCLUDING ALL)")
    meta = ",created,created_by,modified,modified_by"
    start = time.monotonic()
    with raw, raw.cursor() as cur, open(in_file, newline="") as src:
        buf = io.StringIO()
        w = csv.writer(buf)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        for row in csv.reader(src):
            w.writerow([*row, stamp, "bench", stamp, "bench"])
        buf.seek(0)
        cur.copy_expert(
            f"COPY bench_copy ({','.join(cols)}{meta}) FROM STDIN WITH (FORMAT csv)", buf
        )
    copy_seconds = time.monotonic() - start
    copy_rate = args.rows / copy_seconds
    print(
        f"COPY FROM:  {copy_seconds:.1f} s, {copy_rate:,.0f} rows/s; "
        f"import at {100 * import_rate / copy_rate:.0f}% of COPY; {load()}"
    )

    # -- export ------------------------------------------------------------------------
    job = jobs.submit(
        db, app, settings, "platform_owner", {"job_type": "export", "object": "subscriber"}, "bench"
    )
    db.commit()
    print(load())
    seconds, (peak_e, hwm_e) = run_worker(ini)
    db.refresh(job)
    assert job.status == "done" and job.progress == args.rows, (job.status, job.message)
    export_rate = args.rows / seconds
    print(
        f"export job: {seconds:.1f} s, {export_rate:,.0f} rows/s, worker peak {peak_e} MiB "
        f"(own peaks summed: {hwm_e} MiB); {load()}"
    )
    start = time.monotonic()
    with raw, raw.cursor() as cur, open(os.path.join(tmp, "copy-to.csv"), "w") as out:
        cur.copy_expert(
            f"COPY (SELECT {','.join(cols)} FROM ecf_subscriber ORDER BY "  # noqa: S608
            "service_provider_name, name, id) TO STDOUT WITH (FORMAT csv, HEADER)",
            out,
        )
    copy_to = time.monotonic() - start
    copy_to_rate = args.rows / copy_to
    print(
        f"COPY TO:    {copy_to:.1f} s, {copy_to_rate:,.0f} rows/s; "
        f"export at {100 * export_rate / copy_to_rate:.0f}% of COPY TO; {load()}"
    )
    raw.close()
    db.close()
    engine.dispose()
    if not args.keep:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        subprocess.run(["rm", "-rf", tmp], check=False)
    else:
        print(f"kept: database {DB}, files under {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
