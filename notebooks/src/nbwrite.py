"""Shared pieces of the notebook generators: the pin cell and the writer."""
import json
import os

PIN = """!*go mod edit -replace "github.com/hybridprune/hybridprune=${GONB_DIR}/.." -require github.com/hybridprune/hybridprune@v0.0.0-00010101000000-000000000000
!*go get github.com/gomlx/gomlx@v0.26.0 github.com/janpfeifer/gonb@v0.11.1 gonum.org/v1/gonum@v0.17.0 gonum.org/v1/plot@v0.15.2
!*go list -m github.com/hybridprune/hybridprune"""


def write(name, prefix, cells):
    """Writes notebooks/NAME.ipynb from (kind, source) cells, without outputs; cell ids are
    PREFIX-NN."""
    nb = {"cells": [], "metadata": {"kernelspec": {"display_name": "Go (gonb)", "language": "go", "name": "gonb"},
          "language_info": {"codemirror_mode": "", "file_extension": ".go", "mimetype": "text/x-go", "name": "go",
                            "nbconvert_exporter": "", "pygments_lexer": "", "version": "go1.26.8"}},
          "nbformat": 4, "nbformat_minor": 5}
    for i, (kind, src) in enumerate(cells):
        c = {"cell_type": kind, "id": "%s-%02d" % (prefix, i), "metadata": {}, "source": src.splitlines(True)}
        if kind == "code":
            c["execution_count"] = None
            c["outputs"] = []
        nb["cells"].append(c)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", name + ".ipynb")
    with open(out, "w") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
