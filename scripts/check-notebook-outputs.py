#!/usr/bin/env python3
"""Scan executed Jupyter notebooks for failures hidden in their outputs.

GoNB cells that panic, exit non-zero or fail to compile do not always make
`jupyter nbconvert --execute` fail, so the executed notebook itself is checked:
any output with output_type "error", or any output text (streams, text/plain,
text/html, tracebacks) matching one of PATTERNS fails the check.

Usage: check-notebook-outputs.py NOTEBOOK.ipynb...   (exit 1 if any failure)
"""
import html
import json
import re
import sys

PATTERNS = [
    (re.compile(r"panic:"), "Go panic"),
    (re.compile(r"exit status [1-9]"), "non-zero exit status"),
    (re.compile(r"\[\[ \*\*\* ERROR"), "error marker"),
    (re.compile(r"fatal error:"), "Go runtime fatal error"),
    # GoNB compilation / go-get error report (HTML and raw-error variants).
    (re.compile(r"gonb-err-(location|line|context)"), "GoNB compilation error"),
    (re.compile(r'failed to run "(go|/\S+/go) (build|get|test|mod)'), "GoNB toolchain error"),
    (re.compile(r"failed to run `go imports`"), "GoNB goimports error"),
]
SNIPPET = 600  # characters of context printed around a match


def as_text(v):
    if isinstance(v, list):
        return "".join(str(x) for x in v)
    if isinstance(v, (dict, int, float)) or v is None:
        return json.dumps(v) if v is not None else ""
    return str(v)


def output_texts(out):
    """Yields (label, text) for every textual part of one output."""
    ot = out.get("output_type", "")
    if ot == "stream":
        yield "stream:" + out.get("name", "?"), as_text(out.get("text", ""))
    elif ot == "error":
        yield "error", "%s: %s\n%s" % (out.get("ename", ""), out.get("evalue", ""),
                                       "\n".join(as_text(t) for t in out.get("traceback", [])))
    for mime, data in (out.get("data") or {}).items():
        if mime.startswith("text/") or mime.endswith("json"):
            yield ot + ":" + mime, as_text(data)


def readable(label, text):
    """Plain-text view of an output part, for printing (HTML is reduced to its text)."""
    if label.endswith("text/html"):
        text = re.sub(r"(?is)<(style|script)\b.*?</\1>", "", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
        text = re.sub(r"\n\s*\n+", "\n", text)
    return text.strip()


def check(path):
    """Returns a list of human-readable failure descriptions for notebook `path`."""
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (OSError, ValueError) as e:
        return ["%s: cannot read notebook: %s" % (path, e)]
    failures = []
    code_cells = 0
    for idx, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        code_cells += 1
        src = as_text(cell.get("source", "")).strip().splitlines()
        head = "\n      ".join(src[:4]) + ("\n      ..." if len(src) > 4 else "")
        where = "%s: cell %d (execution_count %s):\n      %s" % (
            path, idx, cell.get("execution_count"), head)
        for out in cell.get("outputs", []):
            reasons, snippet = [], ""
            if out.get("output_type") == "error":
                reasons.append("cell raised an error")
            for label, text in output_texts(out):
                hits = [why for rx, why in PATTERNS if rx.search(text)]
                if hits:
                    reasons += ["%s [%s]" % (why, label) for why in hits]
                    snippet = snippet or readable(label, text)
            if reasons:
                failures.append("%s\n  -> %s\n%s" % (
                    where, "; ".join(reasons),
                    "\n".join("    | " + l for l in snippet[:SNIPPET].splitlines())))
    if code_cells and all(c.get("execution_count") is None
                          for c in nb["cells"] if c.get("cell_type") == "code"):
        failures.append("%s: no code cell was executed" % path)
    return failures


def main(argv):
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    bad = 0
    for path in argv:
        failures = check(path)
        if failures:
            bad += 1
            print("FAIL %s" % path)
            for f in failures:
                print("  " + f.replace("\n", "\n  "))
        else:
            print("ok   %s" % path)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
