#!/usr/bin/env python3
"""Load benchmark of `lapis serve` beside PostgreSQL 15 (issue "Serve the warehouse to BI tools").

32 concurrent clients (threads, each its own connection) run dashboard queries for a fixed time:
`current_ratings` of one council (a different council each time) and `yoy_direction` counted by
council and direction. The same queries then run against a PostgreSQL 15 server (Debian's
binaries, started here in a temporary directory as the postgres user) loaded with the same rows
(the two views exported from lapis, typed as lapis types them, indexed on council_code). Prints
p50/p95/p99 latency, queries per second and errors for each.

    python3 ops/bench_serve.py --lapis-dsn "host=127.0.0.1 port=5433 user=analyst password=… dbname=lapis" \\
        [--clients 32] [--seconds 30] [--pg-bin /usr/lib/postgresql/15/bin]

Needs psycopg 3 (`pip install psycopg[binary]`). `lapis serve` must allow the clients
(`max_connections` ≥ 32) and the export (`max_result_rows` ≥ the larger view).
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psycopg

QUERIES = {
    "current_ratings, one council": "select * from current_ratings where council_code = %s",
    "yoy_direction by council": "select council_code, direction, count(*) from yoy_direction group by 1, 2",
}
VIEWS = ["current_ratings", "yoy_direction"]

PG_TYPES = {
    "Utf8": "text", "LargeUtf8": "text", "Utf8View": "text", "Float64": "double precision",
    "Int32": "integer", "Int64": "bigint", "Boolean": "boolean", "Date32": "date",
}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run_load(dsn, councils, clients, seconds):
    latencies = {name: [] for name in QUERIES}
    errors = {name: 0 for name in QUERIES}
    lock = threading.Lock()
    stop_at = [float("inf")]
    ready = threading.Barrier(clients + 1)

    def client(k):
        rnd = random.Random(k)
        # Sessions are built after login, 32 at once on a small machine: wait for them.
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=120)
        ready.wait()
        names = list(QUERIES)
        i = k
        while time.monotonic() < stop_at[0]:
            name = names[i % len(names)]
            i += 1
            params = (rnd.choice(councils),) if "%s" in QUERIES[name] else None
            t = time.perf_counter()
            try:
                conn.execute(QUERIES[name], params).fetchall()
                dt = time.perf_counter() - t
                with lock:
                    latencies[name].append(dt)
            except psycopg.Error:
                with lock:
                    errors[name] += 1
                if conn.broken:
                    conn = psycopg.connect(dsn, autocommit=True)
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    ready.wait()  # every client connected: the clock starts
    started = time.monotonic()
    stop_at[0] = started + seconds
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    return latencies, errors, wall


def report(title, latencies, errors, wall):
    print(f"== {title}")
    print(f"{'query':<32} {'n':>7} {'q/s':>8} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7}")
    for name, xs in latencies.items():
        if xs:
            print(f"{name:<32} {len(xs):>7} {len(xs) / wall:>8.1f} {pct(xs, 50) * 1e3:>9.1f} "
                  f"{pct(xs, 95) * 1e3:>9.1f} {pct(xs, 99) * 1e3:>9.1f} {errors[name]:>7}")
        else:
            print(f"{name:<32} {0:>7} {'-':>8} {'-':>9} {'-':>9} {'-':>9} {errors[name]:>7}")


def start_postgres(pg_bin, port):
    data = tempfile.mkdtemp(prefix="lapis-bench-pg-")
    shutil.chown(data, "postgres", "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(as_pg + [f"{pg_bin}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(as_pg + [f"{pg_bin}/pg_ctl", "-D", data, "-w", "-l", f"{data}/log",
                            "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c max_connections=100", "start"],
                   check=True, stdout=subprocess.DEVNULL)
    return data, as_pg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lapis-dsn", required=True)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--pg-bin", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--pg-port", type=int, default=55439)
    a = ap.parse_args()

    with psycopg.connect(a.lapis_dsn, autocommit=True) as c:
        councils = [r[0] for r in c.execute("select distinct council_code from reports order by 1").fetchall()]
        schema = {}
        rows = {}
        for v in VIEWS:
            cur = c.execute(f"select * from {v}")
            schema[v] = [(d.name, d.type_code) for d in cur.description]
            rows[v] = cur.fetchall()
    print(f"lapis: {len(councils)} councils; " + ", ".join(f"{v} {len(rows[v])} rows" for v in VIEWS))
    lat, err, wall = run_load(a.lapis_dsn, councils, a.clients, a.seconds)
    report(f"lapis serve, {a.clients} clients, {a.seconds:.0f} s", lat, err, wall)

    data, as_pg = start_postgres(a.pg_bin, a.pg_port)
    try:
        pg_dsn = f"host=127.0.0.1 port={a.pg_port} user=postgres dbname=postgres"
        with psycopg.connect(pg_dsn, autocommit=True) as c:
            types = {oid: name for name, oid in c.execute("select typname, oid from pg_type").fetchall()}
            for v in VIEWS:
                cols = ", ".join(f'"{n}" {types.get(t, "text")}' for n, t in schema[v])
                c.execute(f"create table {v} ({cols})")
                with c.cursor().copy(f"copy {v} from stdin") as cp:
                    for r in rows[v]:
                        cp.write_row(r)
                c.execute(f"create index on {v} (council_code)")
                c.execute(f"analyze {v}")
        lat, err, wall = run_load(pg_dsn, councils, a.clients, a.seconds)
        report(f"PostgreSQL 15, same rows, {a.clients} clients, {a.seconds:.0f} s", lat, err, wall)
    finally:
        subprocess.run(as_pg + [f"{a.pg_bin}/pg_ctl", "-D", data, "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
