#!/usr/bin/env python3
"""The DuckDB side of lapis-bench: reads a JSON spec on stdin (tables as lists of Parquet
files, queries, repeats), runs each query once cold and `repeats` times warm, and prints
{name: {"p50": seconds, "rows": n}} as JSON. Needs `pip install duckdb`."""
import json
import sys
import time

try:
    import duckdb
except ImportError:
    sys.exit("the duckdb Python package is not installed (pip install duckdb)")

spec = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET threads TO 2")
for name, files in spec["tables"].items():
    listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
    con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{listed}])")
out = {}
for q in spec["queries"]:
    rows = len(con.execute(q["sql"]).fetchall())
    times = []
    for _ in range(spec["repeats"]):
        t = time.perf_counter()
        con.execute(q["sql"]).fetchall()
        times.append(time.perf_counter() - t)
    times.sort()
    out[q["name"]] = {"p50": times[len(times) // 2], "rows": rows}
print(json.dumps(out))
