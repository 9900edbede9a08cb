"""Bulk-load ECF service providers and subscribers with COPY FROM STDIN.

Subscriber i (0 <= i < n) is named ``sub%07d`` and lives under the service
provider ``sp%03d`` (i % providers); bench/wrk/api.lua relies on that layout.
The secondary indexes are dropped during the COPY and rebuilt afterwards, then
the tables are ANALYZEd.

    .venv/bin/python bench/load_data.py --dsn postgresql://postgres@127.0.0.1:5432/restworkx_bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import time

import psycopg2

SUBSCRIBER_COLUMNS = (
    "id",
    "archived_at",
    "archive_batch",
    "created",
    "created_by",
    "modified",
    "modified_by",
    "service_provider_name",
    "name",
    "pin",
    "timezone",
    "call_manager",
    "screening",
    "account_lock",
    "first_name",
    "last_name",
    "email",
    "display_name",
    "phone",
    "address",
    "speed_call_numbers",
    "acceptance_lists",
    "schedules",
    "forward_plan",
    "default_number",
    "params",
    "notes",
)
SP_COLUMNS = (
    "id",
    "archived_at",
    "archive_batch",
    "created",
    "created_by",
    "modified",
    "modified_by",
    "name",
    "display_name",
    "first_name",
    "last_name",
    "email",
    "address",
    "phone",
    "notes",
)
FIRST = [
    "Ann",
    "Anna",
    "Annette",
    "Joanna",
    "Hannah",
    "Marianne",
    "John",
    "Joseph",
    "Jose",
    "Maria",
    "Mark",
    "Martin",
    "Linda",
    "Lisa",
    "Olivia",
    "Elena",
    "Ella",
    "Michael",
    "Charles",
    "Rachel",
    "Richard",
    "David",
    "Daniel",
    "Sarah",
    "Laura",
    "Paul",
    "Peter",
    "Grace",
    "Chloe",
    "Ahmed",
    "Wei",
    "Yuki",
    "Priya",
    "Raj",
    "Fatima",
    "Omar",
    "Sofia",
    "Lucas",
    "Noah",
    "Emma",
    "Liam",
    "Mia",
    "Ethan",
    "Ava",
    "Isabella",
    "James",
    "Robert",
    "Patricia",
    "Jennifer",
    "Barbara",
    "Susan",
    "Jessica",
    "Karen",
    "Nancy",
    "Betty",
    "Carol",
    "Sandra",
    "Donna",
    "Ruth",
    "Sharon",
    "Michelle",
    "Kimberly",
    "Deborah",
    "Amy",
    "Angela",
    "Brenda",
    "Emily",
    "Kathleen",
]
LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
]
STREETS = ("Main St", "Oak Ave", "Park Rd", "Elm St", "Lake Dr", "Maple Ave", "Cedar Ln", "1st St")
CITIES = (
    "Rochester, NY",
    "Buffalo, NY",
    "Austin, TX",
    "Denver, CO",
    "Portland, OR",
    "Chicago, IL",
    "Miami, FL",
    "Boston, MA",
)
TIMEZONES = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "",
)
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
NOTES = ("", "", "", "VIP customer", "Ported from legacy switch", "Call before changes")
EPOCH = dt.datetime(2023, 1, 1)
SPAN_S = 3 * 365 * 86400


def _number(rnd: random.Random) -> str:
    return f"{rnd.randint(201, 989)}{rnd.randint(200, 999)}{rnd.randint(0, 9999):04d}"


def _json_pools(rnd: random.Random, size: int = 4000) -> dict[str, list[str]]:
    """Pre-rendered JSON documents (rendering one per row would dominate the load)."""

    def dump(doc) -> str:
        return json.dumps(doc, separators=(", ", ": "))

    pools: dict[str, list[str]] = {k: [] for k in ("sc", "speed", "acc", "sched", "plan", "par")}
    for _ in range(size):
        pools["sc"].append(
            dump({"active": rnd.random() < 0.2, "pin": f"{rnd.randint(0, 9999):04d}"})
        )
        pools["speed"].append(dump([_number(rnd) for _ in range(rnd.randint(0, 3))]))
        pools["acc"].append(
            dump(
                [
                    {
                        "entries": [_number(rnd) for _ in range(rnd.randint(1, 4))],
                        "active": rnd.random() < 0.5,
                    }
                    for _ in range(rnd.randint(0, 2))
                ]
            )
        )
        start = rnd.randint(6, 12)
        pools["sched"].append(
            dump(
                [
                    {
                        "entries": [
                            {
                                "start": f"{start:02d}:00",
                                "end": f"{start + rnd.randint(4, 9):02d}:30",
                                "day": list(DAYS[: rnd.randint(1, 5)]),
                                "number": _number(rnd),
                            }
                            for _ in range(rnd.randint(1, 3))
                        ],
                        "active": rnd.random() < 0.7,
                    }
                    for _ in range(rnd.randint(0, 2))
                ]
            )
        )
        pools["plan"].append(
            dump(
                [
                    {"number": _number(rnd), "duration": rnd.choice((15, 30, 60, 120, 1440))}
                    for _ in range(rnd.randint(0, 3))
                ]
            )
        )
        pools["par"].append(
            dump({} if rnd.random() < 0.7 else {"ring_timeout": rnd.choice((20, 25, 30))})
        )
    return pools


def _ts(rnd: random.Random) -> dt.datetime:
    return EPOCH + dt.timedelta(seconds=rnd.randrange(SPAN_S))


def subscriber_rows(start: int, stop: int, providers: int, rnd: random.Random, pools) -> str:
    """COPY text for subscribers start..stop-1 (no value holds a tab, newline or backslash)."""
    out = []
    sc, speed, acc = pools["sc"], pools["speed"], pools["acc"]
    sched, plan, par = pools["sched"], pools["plan"], pools["par"]
    choice, randint = rnd.choice, rnd.randint
    for i in range(start, stop):
        first, last = choice(FIRST), choice(LAST)
        created = _ts(rnd)
        modified = created + dt.timedelta(seconds=randint(0, 90 * 86400))
        row = (
            str(i + 1),
            "\\N",
            "\\N",
            created.isoformat(sep=" "),
            "bench-loader",
            modified.isoformat(sep=" "),
            choice(("bench-loader", "csr01", "csr02", "import")),
            f"sp{i % providers:03d}",
            f"sub{i:07d}",
            f"{randint(0, 9999):04d}",
            choice(TIMEZONES),
            "t" if randint(0, 3) else "f",
            choice(sc),
            "f" if randint(0, 49) else "t",
            first,
            last,
            f"{first.lower()}.{last.lower()}{i}@example.com",
            f"{first} {last}",
            _number(rnd),
            f"{randint(1, 9999)} {choice(STREETS)}, {choice(CITIES)}",
            choice(speed),
            choice(acc),
            choice(sched),
            choice(plan),
            _number(rnd),
            choice(par),
            choice(NOTES),
        )
        out.append("\t".join(row))
    out.append("")
    return "\n".join(out)


def provider_rows(providers: int, rnd: random.Random) -> str:
    out = []
    for j in range(providers):
        created = _ts(rnd)
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        row = (
            str(j + 1),
            "\\N",
            "\\N",
            created.isoformat(sep=" "),
            "bench-loader",
            created.isoformat(sep=" "),
            "bench-loader",
            f"sp{j:03d}",
            f"Provider {j:03d} Telecom",
            first,
            last,
            f"noc@sp{j:03d}.example.net",
            f"{rnd.randint(1, 9999)} {rnd.choice(STREETS)}, {rnd.choice(CITIES)}",
            _number(rnd),
            "",
        )
        out.append("\t".join(row))
    out.append("")
    return "\n".join(out)


def load(dsn: str, subscribers: int, providers: int, chunk: int = 50_000, seed: int = 42) -> dict:
    rnd = random.Random(seed)
    t0 = time.monotonic()
    conn = psycopg2.connect(dsn)
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("SET synchronous_commit = off")
    cur.execute("SET maintenance_work_mem = '512MB'")
    cur.execute("TRUNCATE ecf_subscriber, ecf_service_provider RESTART IDENTITY")
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ecf_subscriber' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'ecf_subscriber'::regclass)"
    )
    indexes = cur.fetchall()
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    cur.copy_expert(
        f"COPY ecf_service_provider ({', '.join(SP_COLUMNS)}) FROM STDIN",
        io.StringIO(provider_rows(providers, rnd)),
    )
    pools = _json_pools(rnd)
    copy_sql = f"COPY ecf_subscriber ({', '.join(SUBSCRIBER_COLUMNS)}) FROM STDIN"
    for start in range(0, subscribers, chunk):
        text = subscriber_rows(start, min(start + chunk, subscribers), providers, rnd, pools)
        cur.copy_expert(copy_sql, io.StringIO(text))
    t_copy = time.monotonic() - t0
    for _, definition in indexes:
        cur.execute(definition)
    for table in ("ecf_subscriber", "ecf_service_provider"):
        sql = "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"
        cur.execute(sql.format(t=table))
    conn.commit()
    t_index = time.monotonic() - t0 - t_copy
    conn.autocommit = True
    cur.execute("VACUUM (ANALYZE) ecf_subscriber")
    cur.execute("VACUUM (ANALYZE) ecf_service_provider")
    cur.execute("CHECKPOINT")  # flush now, not in the middle of the first measurement
    cur.execute("SELECT pg_size_pretty(pg_total_relation_size('ecf_subscriber'))")
    size = cur.fetchone()[0]
    conn.close()
    return {
        "subscribers": subscribers,
        "service_providers": providers,
        "copy_s": round(t_copy, 1),
        "index_s": round(t_index, 1),
        "total_s": round(time.monotonic() - t0, 1),
        "table_size": size,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsn", required=True, help="libpq DSN of the (initdb'ed) bench database")
    p.add_argument("--subscribers", type=int, default=1_000_000)
    p.add_argument("--providers", type=int, default=100)
    args = p.parse_args()
    print(json.dumps(load(args.dsn, args.subscribers, args.providers)))


if __name__ == "__main__":
    main()
