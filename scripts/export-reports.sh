#!/usr/bin/env bash
# export-reports.sh exports every committed notebook (with its outputs; nothing is executed) to
# HTML in one folder, with an index page linking them, for reading or sharing as a report.
#
# Usage: scripts/export-reports.sh [OUTDIR]   (default: reports/, which git ignores)
# Needs jupyter-nbconvert (scripts/install-notebook-tools.sh installs it).
# To look at a page as a reader would: chromium --headless --screenshot=page.png \
#   --window-size=1280,4000 file://$PWD/reports/03-paper-alexnet-mnist.html
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$repo/reports}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
index="$out/index.html"
{
  echo '<!doctype html><html><head><meta charset="utf-8"><title>hybridprune reports</title>'
  echo '<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}li{margin:.4em 0}</style></head><body>'
  echo '<h1>hybridprune: notebooks as reports</h1>'
  echo "<p>Exported $(date -u +%F) from commit $(git -C "$repo" rev-parse --short HEAD). Each page is the committed notebook with its outputs.</p><ul>"
} > "$index"
for nb in "$repo"/notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  jupyter nbconvert --to html --output-dir "$out" "$nb" >/dev/null 2>&1 || {
    echo "export-reports: nbconvert failed on $nb" >&2
    exit 1
  }
  title="$(python3 -c 'import json,sys
nb=json.load(open(sys.argv[1]))
for c in nb["cells"]:
    if c["cell_type"]=="markdown":
        for l in "".join(c["source"]).splitlines():
            if l.startswith("# "):
                print(l[2:]); sys.exit()
print(sys.argv[2])' "$nb" "$name")"
  echo "<li><a href=\"$name.html\">$title</a></li>" >> "$index"
  echo "exported $name.html"
done
echo '</ul></body></html>' >> "$index"
echo "index: $index"
