#!/usr/bin/env python3
"""Transcribes identifiers, titles and links from the official reference files in
../shared/regulatory/ into the catalog's own CSV files (crates/catalog/data/). Run it when a new
official release is adopted; review the diff; commit the data, never the official files.

    python3 crates/catalog/tools/transcribe.py ../shared/regulatory crates/catalog/data
"""
import csv
import sys
from pathlib import Path

src, out = Path(sys.argv[1]), Path(sys.argv[2])

# NIST SP 800-66r2 cites standards by their short paragraph; the catalog cites each standard at
# the paragraph that states it.
STANDARD_REF = {
    "164.308(a)(1)": "164.308(a)(1)(i)", "164.308(a)(2)": "164.308(a)(2)",
    "164.308(a)(3)": "164.308(a)(3)(i)", "164.308(a)(4)": "164.308(a)(4)(i)",
    "164.308(a)(5)": "164.308(a)(5)(i)", "164.308(a)(6)": "164.308(a)(6)(i)",
    "164.308(a)(7)": "164.308(a)(7)(i)", "164.308(a)(8)": "164.308(a)(8)",
    "164.308(b)(1)": "164.308(b)(1)", "164.310(a)": "164.310(a)(1)", "164.310(b)": "164.310(b)",
    "164.310(c)": "164.310(c)", "164.310(d)": "164.310(d)(1)", "164.312(a)": "164.312(a)(1)",
    "164.312(b)": "164.312(b)", "164.312(c)": "164.312(c)(1)", "164.312(d)": "164.312(d)",
    "164.312(e)(1)": "164.312(e)(1)", "164.314(a)": "164.314(a)(1)", "164.314(b)": "164.314(b)(1)",
    "164.316(a)": "164.316(a)", "164.316(b)": "164.316(b)(1)",
}


def write(name, header, rows):
    with open(out / name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def key_activity_ref(std, n):
    return f"{std} KA{n}"


ka_rows, cross = [], []
with open(src / "nist-sp800-66r2-key-activity-mappings.csv", newline="") as f:
    for r in csv.DictReader(f):
        std = STANDARD_REF[r["standard_ref"]]
        if r["item_type"] == "key_activity":
            frm = key_activity_ref(std, r["key_activity_number"])
            ka_rows.append([std, r["key_activity_number"], r["title"].strip()])
        else:
            frm = r["matched_cfr_implementation_spec"].strip()
        for target in filter(None, r["csf_1_1_subcategories"].split(";")):
            cross.append([frm, "nist-csf-1.1", target.strip(), "related"])
        for target in filter(None, r["sp800_53r5_controls"].split(";")):
            cross.append([frm, "nist-800-53r5", target.strip(), "related"])
write("hipaa-security-key-activities.csv", ["standard_ref", "number", "title"], ka_rows)
seen, unique = set(), []
for row in cross:
    if tuple(row) not in seen:
        seen.add(tuple(row))
        unique.append(row)
write("crosswalk-hipaa-security-nist.csv", ["from_ref", "to_framework", "to_ref", "relation"], unique)

with open(src / "nist-csf-2.0-core.csv", newline="") as f:
    rows = [[r["id"], r["parent_id"], r["element_type"], r["title"], r["statement"], r["status"]] for r in csv.DictReader(f)]
write("nist-csf-2.0.csv", ["id", "parent", "kind", "title", "statement", "status"], rows)

with open(src / "nist-csf-1.1-core.csv", newline="") as f:
    rows = [[r["id"], r["parent_id"], r["element_type"], r["title"], r["statement"]] for r in csv.DictReader(f)]
write("nist-csf-1.1.csv", ["id", "parent", "kind", "title", "statement"], rows)

RELATION = {"same_identifier": "equal", "incorporated_into": "subset", "moved_to": "equal"}
with open(src / "nist-csf-1.1-to-2.0-mapping.csv", newline="") as f:
    rows = [[r["csf11_id"], RELATION[r["relation"]], r["csf20_id"], r["relation"]]
            for r in csv.DictReader(f) if r["relation"] in RELATION]
write("nist-csf-1.1-to-2.0.csv", ["csf11_id", "relation", "csf20_id", "nist_basis"], rows)

with open(src / "nist-sp800-53r5-controls.csv", newline="") as f:
    rows = [[r["control_id"], r["parent_control"], r["family"], r["control_class"],
             r["title_5_1_1_if_different"] or r["title"], r["status"]] for r in csv.DictReader(f)]
write("nist-800-53r5.csv", ["id", "parent", "family", "kind", "title", "status"], rows)
print("ok")
