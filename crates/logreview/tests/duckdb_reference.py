#!/usr/bin/env python3
"""The reference rules (duckdb-rules.sql from the shared reference material) run by DuckDB.

  duckdb_reference.py run SQL DATA_DIR OUT.csv
      loads DATA_DIR (written by gen.py) as the SQL file's header says, runs its six rules and
      writes the alerts as rule,event_id,user_id,patient_id,day,detail (day YYYY-MM-DD).
  duckdb_reference.py compare DUCKDB.csv SAFEHARBOR.csv
      compares the alert sets on (rule, event_id, user_id, patient_id, day), Safeharbor's rule
      names mapped onto the reference's (self_access, family, coworker -> relationship; vip,
      no_care_relationship -> no_care_relationship; rules the reference lacks are left out);
      prints EQUAL or the differences, and exits 1 when they differ.

Needs the PyPI package duckdb (gen.py itself needs numpy and polars).
"""
import csv
import re
import sys

# The SQL file numbers its rules; these are the names given to them here.
RULES = {1: "relationship", 2: "no_care_relationship", 3: "after_hours", 4: "terminated_user",
         5: "volume_outlier", 6: "break_glass"}
# Safeharbor's rule -> the reference rule it is part of.
MAPPED = {"self_access": "relationship", "family": "relationship", "coworker": "relationship",
          "vip": "no_care_relationship", "no_care_relationship": "no_care_relationship",
          "after_hours": "after_hours", "terminated_user": "terminated_user",
          "volume_outlier": "volume_outlier", "break_glass": "break_glass"}
TABLE_DATES = {"workforce": ["dob", "hire_date", "termination_date"], "patients": ["dob"],
               "encounters": ["encounter_date"], "departments": []}


def statements(sql_text):
    """(rule number or None, statement) for each statement of the file. Comments are dropped
    first (they may hold semicolons); a `-- N. name` comment numbers the statement after it."""
    out, number, body = [], None, []
    for line in sql_text.splitlines():
        if line.strip().startswith("--"):
            m = re.match(r"\s*--\s*(\d+)\.\s", line)
            if m:
                number = int(m.group(1))
            continue
        body.append(line)
        if line.rstrip().endswith(";"):
            out.append((number, "\n".join(body).strip().rstrip(";")))
            number, body = None, []
    return out


def run(sql_path, data, out):
    import duckdb  # imported here so that `compare` needs nothing installed

    con = duckdb.connect()
    stmts = statements(open(sql_path).read())
    loads = [s for n, s in stmts if n is None and s.upper().startswith("CREATE TABLE EVENTS")]
    rules = [(n, s) for n, s in stmts if n is not None]
    if len(loads) != 1 or sorted(n for n, _ in rules) != sorted(RULES):
        sys.exit(f"unexpected layout of {sql_path}: {len(loads)} load statements, rules {[n for n, _ in rules]}")
    con.execute(loads[0].replace("'access_log.csv'", f"'{data}/access_log.csv'"))
    for table, dates in TABLE_DATES.items():
        types = ", types={" + ", ".join(f"'{c}': 'DATE'" for c in dates) + "}" if dates else ""
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{data}/{table}.csv', header=true{types})")
    con.execute("CREATE TABLE alerts (rule VARCHAR, event_id BIGINT, user_id VARCHAR, patient_id VARCHAR, "
                "day DATE, detail VARCHAR)")
    for n, query in sorted(rules):
        con.execute(f"INSERT INTO alerts SELECT '{RULES[n]}', * FROM ({query})")
    con.execute(f"COPY (SELECT rule, event_id, user_id, patient_id, strftime(day, '%Y-%m-%d') AS day, detail "
                f"FROM alerts) TO '{out}' (HEADER, DELIMITER ',')")


def keys(path, mapped):
    result = set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            rule = MAPPED.get(row["rule"]) if mapped else row["rule"]
            if rule is not None:
                result.add((rule, row["event_id"], row["user_id"], row["patient_id"], row["day"]))
    return result


def compare(duck_path, ours_path):
    duck, ours = keys(duck_path, False), keys(ours_path, True)
    if duck == ours:
        print(f"EQUAL: {len(duck)} alerts")
        return 0
    for name, only in (("only in DuckDB", duck - ours), ("only in Safeharbor", ours - duck)):
        print(f"{name}: {len(only)}")
        for k in sorted(only)[:10]:
            print("  ", k)
    return 1


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        run(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
