"""SHACL checks of ontology/shapes.ttl with pyshacl (see check.py).

(a) the ontology, topics and every seed-data file conform;
(b) the ROR import, as our Rust importer writes it, conforms;
(c) crafted bad inputs are refused, each with a message a person understands.
"""

from __future__ import annotations

import pytest
from rdflib import Graph

import check

PREFIXES = """
@prefix id:     <https://w3id.org/ponte/id/> .
@prefix ponte:  <https://w3id.org/ponte/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
"""
ID = "https://w3id.org/ponte/id/"
PONTE = "https://w3id.org/ponte/ontology#"
SCHEMA = "http://schema.org/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return check.shapes_graph()


def test_shapes_are_shacl_core_and_unlabelled(shapes: Graph) -> None:
    from rdflib import RDF, RDFS
    from rdflib.namespace import SH

    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) >= 15
    # Loaded into the store as a named graph: no rdfs:label may leak into label queries.
    assert not list(shapes.triples((None, RDFS.label, None)))
    assert not list(shapes.triples((None, SH.sparql, None))), "SHACL Core only"


def test_seed_data_conforms(shapes: Graph) -> None:
    conforms, results = check.validate(check.seed_graph(), shapes)
    assert conforms and not results, "\n".join(map(str, results))


def test_ror_import_conforms(shapes: Graph) -> None:
    data = check.ror_graph()
    assert len(data) > 100_000 - 5_000  # the subset gives ~104k triples
    conforms, results = check.validate(data, shapes)
    assert conforms and not results, "\n".join(map(str, results[:50]))


# Each case: Turtle added to ontology + topics + places, and what the refusal must name.
BAD = {
    "wrong kind": (
        """
        id:jane-doe a ponte:Person ; rdfs:label "Jane Doe" .
        id:some-lab a ponte:ResearchLab ; rdfs:label "Some lab"@en ;
            ponte:participatedIn id:jane-doe .
        """,
        [(ID + "some-lab", PONTE + "participatedIn", ID + "jane-doe", "Wrong kind of participation")],
    ),
    "missing label": (
        """
        id:nameless a ponte:Company ; schema:location id:bologna .
        """,
        [(ID + "nameless", "http://www.w3.org/2000/01/rdf-schema#label", None, "Missing name")],
    ),
    "date in the wrong format": (
        """
        id:odd-mission a ponte:Mission ; rdfs:label "Odd mission"@en ;
            schema:startDate "22/06/2022"^^xsd:string ;
            schema:endDate "2022-13-45"^^xsd:date .
        """,
        [
            (ID + "odd-mission", SCHEMA + "startDate", "22/06/2022", "Start date in the wrong format"),
            (ID + "odd-mission", SCHEMA + "endDate", "2022-13-45", "End date in the wrong format"),
        ],
    ),
    "dangling reference": (
        """
        id:some-university a ponte:University ; rdfs:label "Some university"@en ;
            ponte:participatedIn id:no-such-mission .
        """,
        [
            (ID + "no-such-mission", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", None, "Dangling reference"),
            (ID + "some-university", PONTE + "participatedIn", ID + "no-such-mission", "participatedIn"),
        ],
    ),
    "city without a country": (
        """
        id:atlantis a ponte:City ; rdfs:label "Atlantis"@en .
        """,
        [(ID + "atlantis", None, None, "without a country")],
    ),
    "organisation without a place": (
        """
        id:placeless-lab a ponte:ResearchLab ; rdfs:label "Placeless lab"@en .
        id:placeless-agency a ponte:Agency ; rdfs:label "Placeless agency"@en .
        """,
        [
            (ID + "placeless-lab", SCHEMA + "location", None, "Missing place"),
            (ID + "placeless-agency", SCHEMA + "location", None, "Missing place"),
        ],
    ),
}


@pytest.fixture(scope="module")
def places() -> Graph:
    g = check.base_graph()
    g.parse(check.REPO_ROOT / "seed-data" / "places.ttl", format="turtle")
    return g


def test_places_alone_conform(places: Graph, shapes: Graph) -> None:
    conforms, results = check.validate(places, shapes)
    assert conforms, "\n".join(map(str, results))


def test_people_and_groups_need_no_place(places: Graph, shapes: Graph) -> None:
    data = Graph()
    data += places
    data.parse(
        data=PREFIXES
        + """
        id:jane-doe a ponte:Person ; rdfs:label "Jane Doe" .
        id:some-group a ponte:ActorGroup ; rdfs:label "Some group"@en .
        id:placed-company a ponte:Company ; rdfs:label "Placed company"@en ; schema:location id:bologna .
        """,
        format="turtle",
    )
    conforms, results = check.validate(data, shapes)
    assert conforms, "\n".join(map(str, results))


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_refused(case: str, places: Graph, shapes: Graph) -> None:
    turtle, expected = BAD[case]
    data = Graph()
    data += places
    data.parse(data=PREFIXES + turtle, format="turtle")
    conforms, results = check.validate(data, shapes)
    assert not conforms, f"{case}: accepted"
    report = "\n".join(map(str, results))
    for focus, path, value, words in expected:
        hits = [
            r
            for r in results
            if r.focus == focus
            and (path is None or r.path == path)
            and (value is None or r.value == value)
            and words in r.message
        ]
        assert hits, f"{case}: no violation on <{focus}> {path} {value!r} saying {words!r}:\n{report}"
        assert all(r.severity.endswith("#Violation") for r in hits)
    # Every refusal is about the crafted entities, not about the seed places.
    crafted = {f for f, *_ in expected}
    assert {r.focus for r in results} <= crafted, report
