#!/usr/bin/env python3
"""Check Ponte's ontology, topic scheme and seed data (offline).

Usage: python3 scripts/check_seed.py [--ror PATH_TO_ror-v2-subset.jsonl.gz] [--quiet]

Needs rdflib (`pip install rdflib`); also parses with pyoxigraph, the server's parser, when
it is installed (`pip install pyoxigraph`). Parses ontology/*.ttl and seed-data/*.ttl, prints
triple and distinct-subject counts per file and entity counts by kind, and fails (exit 1)
when:
  - a file does not parse (rdflib or, if installed, oxigraph), or a literal is ill-typed (e.g. a bad xsd:date);
  - an entity IRI (https://w3id.org/ponte/id/...) used as an object has no rdf:type in
    any file, or none in its own file or seed-data/places.ttl (each seed file must be
    self-contained apart from the shared places);
  - a typed entity has no rdfs:label, or its slug is not lowercase-hyphen;
  - a ponte: term (class, property, individual) is used but not declared in
    ontology/ponte.ttl, a ponte: class is used as a property or the other way round;
  - a topic IRI (https://w3id.org/ponte/topic/...) is used but not a skos:Concept of
    ontology/topics.ttl, or skos:broader/skos:narrower are not mirrored there;
  - a seed file does not say which source its graph derives from
    (<https://w3id.org/ponte/graph/seed-data/<stem>> prov:wasDerivedFrom <.../source/...>,
    the graph ponte-store's seed.rs loads seed-data/<stem>.ttl into);
  - with --ror, an owl:sameAs to https://ror.org/... is not in the given ROR dump.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import logging
import re
import sys
from pathlib import Path

try:
    from rdflib import BNode, Graph, Literal, URIRef
    from rdflib.namespace import OWL, RDF, RDFS, SKOS
except ImportError:  # pragma: no cover
    sys.exit("check_seed.py needs rdflib: pip install rdflib")

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "ponte.ttl"
TOPICS = ROOT / "ontology" / "topics.ttl"
SEED_DIR = ROOT / "seed-data"
PLACES = SEED_DIR / "places.ttl"

PONTE = "https://w3id.org/ponte/ontology#"
ID = "https://w3id.org/ponte/id/"
TOPIC = "https://w3id.org/ponte/topic/"
GRAPH = "https://w3id.org/ponte/graph/seed-data/"  # + file stem: the graph ponte-store loads it into
SOURCE = "https://w3id.org/ponte/source/"
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ROR = re.compile(r"^https://ror\.org/0[a-z0-9]{6}[0-9]{2}$")


def short(term) -> str:
    s = str(term)
    for prefix, ns in (("ponte:", PONTE), ("id:", ID), ("topic:", TOPIC)):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s


def iris(graph: Graph):
    for s, p, o in graph:
        for t in (s, p, o):
            if isinstance(t, URIRef):
                yield t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ror", type=Path, help="ROR v2 dump (.jsonl.gz) to check ROR ids against")
    ap.add_argument("--quiet", action="store_true", help="print only errors and the summary")
    args = ap.parse_args()
    # rdflib logs a traceback for each ill-typed literal; they are reported below instead.
    logging.getLogger("rdflib").setLevel(logging.CRITICAL)

    errors: list[str] = []
    warnings: list[str] = []

    files = [ONTOLOGY, TOPICS] + sorted(SEED_DIR.glob("*.ttl"))
    graphs: dict[Path, Graph] = {}
    for path in files:
        g = Graph()
        try:
            g.parse(path, format="turtle")
        except Exception as exc:  # noqa: BLE001 - report any parser failure
            errors.append(f"{path.relative_to(ROOT)}: does not parse: {exc}")
            continue
        graphs[path] = g
        for s, p, o in g:
            if isinstance(o, Literal) and getattr(o, "ill_typed", False):
                errors.append(f"{path.relative_to(ROOT)}: ill-typed literal {o!r} on {short(s)} {short(p)}")

    # The server parses with oxigraph: when its Python binding is installed, use it too.
    try:
        import pyoxigraph
    except ImportError:
        pyoxigraph = None
        warnings.append("pyoxigraph not installed: files parsed with rdflib only (pip install pyoxigraph)")
    if pyoxigraph is not None:
        for path in files:
            try:
                list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{path.relative_to(ROOT)}: oxigraph does not parse it: {exc}")

    if ONTOLOGY not in graphs or TOPICS not in graphs:
        print("\n".join("ERROR " + e for e in errors))
        return 1

    onto, topics = graphs[ONTOLOGY], graphs[TOPICS]
    seeds = {p: g for p, g in graphs.items() if p.parent == SEED_DIR}

    # ---- per-file counts
    print(f"{'file':50} {'triples':>8} {'subjects':>9} {'entities':>9}")
    for path, g in graphs.items():
        subjects = set(g.subjects())
        entities = {s for s in subjects if isinstance(s, URIRef) and str(s).startswith(ID) and (s, RDF.type, None) in g}
        print(f"{str(path.relative_to(ROOT)):50} {len(g):>8} {len(subjects):>9} {len(entities):>9}")
    total = sum(len(g) for g in graphs.values())
    print(f"{'total':50} {total:>8}")

    # ---- ontology declarations
    declared = {s for s in onto.subjects(RDF.type, None) if str(s).startswith(PONTE)}
    ont_classes = {s for s in declared if (s, RDF.type, OWL.Class) in onto}
    ont_props = {
        s for s in declared
        if any((s, RDF.type, t) in onto for t in (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property, OWL.AnnotationProperty))
    }
    concepts = set(topics.subjects(RDF.type, SKOS.Concept))
    for term in declared:
        if not list(onto.objects(term, RDFS.label)):
            errors.append(f"ontology/ponte.ttl: {short(term)} has no rdfs:label")
        langs = {o.language for o in onto.objects(term, RDFS.label) if isinstance(o, Literal)}
        if not {"it", "en"} <= langs:
            errors.append(f"ontology/ponte.ttl: {short(term)} needs rdfs:label in it and en")
    for path, g in graphs.items():
        rel = path.relative_to(ROOT)
        for t in set(iris(g)):
            if str(t).startswith(PONTE) and t not in declared:
                errors.append(f"{rel}: {short(t)} is used but not declared in ontology/ponte.ttl")
            if str(t).startswith(TOPIC) and t not in concepts:
                errors.append(f"{rel}: topic {short(t)} is not a skos:Concept in ontology/topics.ttl")
        for p in set(g.predicates()):
            if str(p).startswith(PONTE) and p in ont_classes:
                errors.append(f"{rel}: class {short(p)} used as a property")
            elif str(p).startswith(PONTE) and p in declared and p not in ont_props:
                errors.append(f"{rel}: {short(p)} used as a property but not declared as one")
        for c in set(g.objects(None, RDF.type)):
            if str(c).startswith(PONTE) and c in ont_props:
                errors.append(f"{rel}: property {short(c)} used as a class")

    # ---- topics
    for s, o in topics.subject_objects(SKOS.broader):
        if (o, SKOS.narrower, s) not in topics:
            errors.append(f"ontology/topics.ttl: {short(s)} broader {short(o)} without the narrower link")
    for s, o in topics.subject_objects(SKOS.narrower):
        if (o, SKOS.broader, s) not in topics:
            errors.append(f"ontology/topics.ttl: {short(s)} narrower {short(o)} without the broader link")
    for c in concepts:
        langs = {o.language for o in topics.objects(c, SKOS.prefLabel)}
        if not {"it", "en"} <= langs:
            errors.append(f"ontology/topics.ttl: {short(c)} needs skos:prefLabel in it and en")

    # ---- entities: definitions, labels, slugs
    typed_in: dict[URIRef, set[Path]] = collections.defaultdict(set)
    for path, g in seeds.items():
        for s in g.subjects(RDF.type, None):
            if isinstance(s, URIRef) and str(s).startswith(ID):
                typed_in[s].add(path)
    places = {s for s, ps in typed_in.items() if PLACES in ps}
    for path, g in seeds.items():
        rel = path.relative_to(ROOT)
        for s, p, o in g:
            if isinstance(o, URIRef) and str(o).startswith(ID):
                if o not in typed_in:
                    errors.append(f"{rel}: {short(o)} (object of {short(s)} {short(p)}) has no rdf:type in any file")
                elif path not in typed_in[o] and o not in places:
                    errors.append(f"{rel}: {short(o)} is used but typed only in "
                                  f"{', '.join(sorted(x.name for x in typed_in[o]))}; type it here too")
        for s in set(g.subjects()):
            if isinstance(s, URIRef) and str(s).startswith(ID):
                slug = str(s)[len(ID):]
                if not SLUG.match(slug):
                    errors.append(f"{rel}: slug {slug!r} is not lowercase-hyphen")
                if (s, RDF.type, None) in g and not list(g.objects(s, RDFS.label)):
                    errors.append(f"{rel}: {short(s)} has an rdf:type but no rdfs:label")
            if isinstance(s, BNode) and not list(g.predicate_objects(s)):
                warnings.append(f"{rel}: empty blank node")

    # ---- provenance of each seed graph
    for path, g in seeds.items():
        rel = path.relative_to(ROOT)
        graph_iri = URIRef(GRAPH + path.stem)
        srcs = list(g.objects(graph_iri, PROV_DERIVED))
        if path == PLACES:
            if not srcs:
                warnings.append(f"{rel}: no prov:wasDerivedFrom for {graph_iri}")
            continue
        if not srcs:
            errors.append(f"{rel}: missing <{graph_iri}> prov:wasDerivedFrom <{SOURCE}...>")
        for src in srcs:
            if not str(src).startswith(SOURCE):
                errors.append(f"{rel}: graph derives from {src}, expected a {SOURCE}... IRI")
            elif (src, RDF.type, None) not in g:
                errors.append(f"{rel}: source {src} is not described (rdf:type, dcterms:title...)")

    # ---- identity links
    ror_ids = set()
    for g in seeds.values():
        for o in g.objects(None, OWL.sameAs):
            if str(o).startswith("https://ror.org/"):
                if not ROR.match(str(o)):
                    errors.append(f"malformed ROR id {o}")
                ror_ids.add(str(o))
    if args.ror:
        known = set()
        with gzip.open(args.ror, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec.get("status") == "active":
                    known.add(rec["id"])
        for rid in sorted(ror_ids - known):
            errors.append(f"ROR id {rid} is not an active record of {args.ror.name}")

    # ---- entity counts by kind (union of the seed files)
    union = Graph()
    for g in seeds.values():
        union += g
    union += onto
    kinds = collections.Counter()
    entities = {s for s in typed_in}
    for e in entities:
        types = sorted(short(t) for t in union.objects(e, RDF.type))
        kinds[" + ".join(types)] += 1
    print(f"\n{len(entities)} distinct entities (https://w3id.org/ponte/id/...) across the seed files; "
          f"{len(ror_ids)} with a ROR id; {len(concepts)} topic concepts")
    if not args.quiet:
        for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])):
            print(f"  {n:4}  {kind}")
        shared = {e: ps for e, ps in typed_in.items() if len(ps - {PLACES}) > 1}
        print(f"\n{len(shared)} entities described in more than one seed file:")
        for e, ps in sorted(shared.items(), key=lambda kv: str(kv[0])):
            print(f"  {short(e)}: {', '.join(sorted(p.stem.split('-')[0] for p in ps))}")

    errors = list(dict.fromkeys(errors))
    for w in warnings:
        print("WARNING " + w)
    for e in errors:
        print("ERROR " + e)
    print("\nOK" if not errors else f"\n{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
