"""Validate Ponte data against ontology/shapes.ttl with pyshacl (a real SHACL engine).

Used by test_shapes.py, and runnable on its own:

    python check.py                 # ontology + topics + seed-data/*.ttl
    python check.py --ror           # also the ROR import (needs the `ponte` binary)
    python check.py FILE.ttl ...    # ontology + topics + these files

The ontology is always part of the DATA graph: Ponte data carries only its most
specific class, and sh:class follows rdfs:subClassOf only inside the data graph.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyshacl
from rdflib import RDF, Graph, Namespace
from rdflib.namespace import SH

REPO_ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY = REPO_ROOT / "ontology" / "ponte.ttl"
TOPICS = REPO_ROOT / "ontology" / "topics.ttl"
SHAPES = REPO_ROOT / "ontology" / "shapes.ttl"
SEED_FILES = sorted((REPO_ROOT / "seed-data").glob("*.ttl"))
# The real ROR subset is a fixture of the repository (tests/fixtures/README.md).
ROR_DUMP = Path(
    os.environ.get("PONTE_ROR_DUMP", REPO_ROOT / "tests" / "fixtures" / "ror-v2-subset.jsonl.gz")
)
ROR_GRAPH = "https://w3id.org/ponte/graph/ror"

PONTE = Namespace("https://w3id.org/ponte/ontology#")
ID = Namespace("https://w3id.org/ponte/id/")


@dataclass(frozen=True)
class Result:
    """One sh:ValidationResult, flattened."""

    focus: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"{self.severity.rsplit('#', 1)[-1]}: <{self.focus}>{where}{value}: {self.message}"


def ponte_bin() -> Path:
    """The binary under test: tests/pytest-in-venv.sh names it in PONTE_BIN."""
    return Path(os.environ.get("PONTE_BIN", Path.home() / ".cache/ponte/target/release/ponte"))


def shapes_graph() -> Graph:
    return Graph().parse(SHAPES, format="turtle")


def base_graph() -> Graph:
    """The ontology and the topics: part of every data graph."""
    g = Graph()
    g.parse(ONTOLOGY, format="turtle")
    g.parse(TOPICS, format="turtle")
    return g


def seed_graph() -> Graph:
    g = base_graph()
    for f in SEED_FILES:
        g.parse(f, format="turtle")
    return g


def ror_graph(dump: Path = ROR_DUMP, binary: Path | None = None) -> Graph:
    """The triples our Rust importer writes for the ROR dump (graph <.../graph/ror>).

    Runs `ponte import ror` into a throw-away store and `ponte dump --format nquads`.
    """
    binary = binary or ponte_bin()
    if not binary.exists():
        raise FileNotFoundError(f"ponte binary not found at {binary}: build it or set PONTE_BIN")
    if not dump.exists():
        raise FileNotFoundError(f"ROR dump not found at {dump}: set PONTE_ROR_DUMP")
    suffix = f" <{ROR_GRAPH}> ."
    with tempfile.TemporaryDirectory(prefix="ponte-shacl-") as tmp:
        store = Path(tmp) / "store"
        env = {**os.environ, "PONTE_LOG_FORMAT": "json"}
        subprocess.run(
            [str(binary), "import", "ror", "--location", str(store), str(dump)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        out = subprocess.run(
            [str(binary), "dump", "--location", str(store), "--format", "nquads"],
            check=True, capture_output=True, env=env,
        ).stdout.decode("utf-8")
    # N-Quads from the dump are one quad per line; keep those of the ROR graph as N-Triples.
    lines = [line[: -len(suffix)] + " ." for line in out.splitlines() if line.endswith(suffix)]
    g = base_graph()
    g.parse(data="\n".join(lines) + "\n", format="nt")
    return g


def validate(data: Graph, shapes: Graph | None = None) -> tuple[bool, list[Result]]:
    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes if shapes is not None else shapes_graph(),
        inference="none",
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=False,
    )
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        get = lambda p: report.value(r, p)  # noqa: E731
        results.append(
            Result(
                focus=str(get(SH.focusNode)),
                path=str(get(SH.resultPath)) if get(SH.resultPath) is not None else None,
                value=str(get(SH.value)) if get(SH.value) is not None else None,
                message=str(get(SH.resultMessage) or ""),
                severity=str(get(SH.resultSeverity)),
                shape=str(get(SH.sourceShape)),
            )
        )
    return bool(conforms), sorted(results, key=str)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path, help="Turtle files to check (default: seed-data/*.ttl)")
    ap.add_argument("--ror", action="store_true", help="also check the ROR import")
    args = ap.parse_args(argv)
    # rdflib logs a traceback for each ill-typed literal; the SHACL result already says it.
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    shapes = shapes_graph()
    checks: list[tuple[str, Graph]] = []
    if args.files:
        g = base_graph()
        for f in args.files:
            g.parse(f)
        checks.append((" ".join(map(str, args.files)), g))
    else:
        checks.append(("seed data", seed_graph()))
    if args.ror:
        checks.append(("ROR import", ror_graph()))
    failed = False
    for name, g in checks:
        conforms, results = validate(g, shapes)
        print(f"{name}: {len(g)} triples, {len(results)} results, {'conforms' if conforms else 'DOES NOT CONFORM'}")
        for r in results:
            print(f"  {r}")
        failed |= not conforms
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
