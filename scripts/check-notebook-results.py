#!/usr/bin/env python3
"""Checks that committed notebooks show the committed results.

Every `kernel.RunSweep` output line "store results/NAME.jsonl: N rows, digest D" in a notebook's
outputs is compared with the digest of results/NAME.jsonl as committed (sha256 of the sorted lines
"KEY ACCURACY" with 6 decimals, a speed row followed by " NAME=MS" per ms_per_batch variant in name
order with 4 decimals; first 12 hex digits; experiment.Store.Digest). A mismatch means the
notebook's outputs are stale: re-run it (scripts/run-notebooks.sh --inplace) after the sweep.
Every JSON report a notebook read ("report results/NAME.json: digest D", kernel.LoadUV and
kernel.LoadSensitivity) is compared with the sha256 of the committed file the same way.
Usage: scripts/check-notebook-results.py [NOTEBOOK.ipynb...]  (default: notebooks/*.ipynb)
"""
import glob, hashlib, json, os, re, sys

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pat = re.compile(r"store (results/[\w.-]+\.jsonl): (\d+) rows, digest ([0-9a-f]{12})")
report_pat = re.compile(r"report (results/[\w.-]+\.json): digest ([0-9a-f]{12})")


def digest(path):
    lines = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
                line = "%s %.6f" % (row["key"], row["metrics"]["accuracy"])
                ms = row["metrics"].get("ms_per_batch") or {}
                for name in sorted(ms):
                    line += " %s=%.4f" % (name, ms[name])
                lines.append(line)
            except (ValueError, KeyError) as e:
                sys.exit("%s:%d: not a result row: %s" % (path, n, e))
    lines.sort()
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12]


def texts(nb):
    for c in nb.get("cells", []):
        for o in c.get("outputs", []):
            t = o.get("text")
            if t:
                yield "".join(t)
            for v in o.get("data", {}).values():
                yield "".join(v) if isinstance(v, list) else str(v)


def main():
    nbs = sys.argv[1:] or sorted(glob.glob(os.path.join(repo, "notebooks", "*.ipynb")))
    bad = checked = 0
    for p in nbs:
        nb = json.load(open(p))
        for text in texts(nb):
            for store, rows, dig in set(pat.findall(text)):
                checked += 1
                path = os.path.join(repo, store)
                if os.path.exists(path):
                    n, d = digest(path)
                elif int(rows) == 0:  # an empty store (a grid not run yet) has no file
                    n, d = 0, hashlib.sha256(b"").hexdigest()[:12]
                else:
                    print("%s: shows %s with %s rows, which is not committed" % (p, store, rows))
                    bad += 1
                    continue
                if (n, d) != (int(rows), dig):
                    print("%s: shows %s with %s rows, digest %s; the committed file has %d rows, digest %s: outputs are stale"
                          % (os.path.relpath(p, repo), store, rows, dig, n, d))
                    bad += 1
            for report, dig in set(report_pat.findall(text)):
                checked += 1
                path = os.path.join(repo, report)
                if not os.path.exists(path):
                    print("%s: shows %s, which is not committed" % (os.path.relpath(p, repo), report))
                    bad += 1
                    continue
                d = hashlib.sha256(open(path, "rb").read()).hexdigest()[:12]
                if d != dig:
                    print("%s: shows %s with digest %s; the committed file has digest %s: outputs are stale"
                          % (os.path.relpath(p, repo), report, dig, d))
                    bad += 1
    print("check-notebook-results: %d digests checked, %d stale" % (checked, bad))
    sys.exit(1 if bad else 0)


main()
