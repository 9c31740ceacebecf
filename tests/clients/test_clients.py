"""End-to-end tests of Ponte with the Python clients analysts use.

SPARQLWrapper, rdflib's SPARQLUpdateStore and plain requests talk to the real
`ponte` binary (see conftest.py). Reads need no token; writes carry
``Authorization: Bearer <token>`` and must get 401 without it.
"""

from __future__ import annotations

import json
import urllib.error
import xml.dom.minidom

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore
from SPARQLWrapper import (
    GET,
    JSON,
    POST,
    POSTDIRECTLY,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import Unauthorized

SEED_ID_PREFIX = "https://w3id.org/ponte/id/"
SPARQL_RESULTS_JSON = "application/sparql-results+json"
SPARQL_RESULTS_XML_NS = "http://www.w3.org/2005/sparql-results#"
TIMEOUT_S = 30

COUNT_TYPED = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
SEED_SUBJECTS = f"""
SELECT DISTINCT ?s WHERE {{
  ?s ?p ?o
  FILTER(STRSTARTS(STR(?s), "{SEED_ID_PREFIX}"))
}} LIMIT 5
"""

# How SPARQLWrapper can send a query: GET, POST form-encoded, POST as application/sparql-query.
QUERY_METHODS = [
    pytest.param(GET, URLENCODED, id="GET"),
    pytest.param(POST, URLENCODED, id="POST-form"),
    pytest.param(POST, POSTDIRECTLY, id="POST-direct"),
]
# How SPARQLWrapper can send an update: POST form-encoded or as application/sparql-update.
UPDATE_METHODS = [
    pytest.param(URLENCODED, id="form"),
    pytest.param(POSTDIRECTLY, id="direct"),
]


# ---------------------------------------------------------------- helpers


def wrapper(ponte, *, token: str | None = None) -> SPARQLWrapper:
    sparql = SPARQLWrapper(ponte.sparql_url, updateEndpoint=ponte.sparql_url)
    sparql.setTimeout(TIMEOUT_S)
    if token is not None:
        sparql.addCustomHttpHeader("Authorization", f"Bearer {token}")
    return sparql


def ask(ponte, query: str) -> bool:
    sparql = wrapper(ponte)
    sparql.setQuery(query)
    sparql.setReturnFormat(JSON)
    result = sparql.queryAndConvert()
    assert isinstance(result.get("boolean"), bool), result
    return result["boolean"]


def run_update(ponte, update: str, *, token: str | None, request_method: str = URLENCODED):
    sparql = wrapper(ponte, token=token)
    sparql.setMethod(POST)
    sparql.setRequestMethod(request_method)
    sparql.setQuery(update)
    assert sparql.isSparqlUpdateRequest()
    return sparql.query()


def update_store(ponte, *, headers: dict | None) -> SPARQLUpdateStore:
    """An rdflib SPARQLUpdateStore on Ponte; `headers` go with every query and update."""
    kwargs = {"headers": headers} if headers is not None else {}
    store = SPARQLUpdateStore(**kwargs)
    store.open((ponte.sparql_url, ponte.sparql_url))
    return store


# ---------------------------------------------------------------- SPARQLWrapper


@pytest.mark.parametrize(("method", "request_method"), QUERY_METHODS)
def test_sparqlwrapper_select_json_counts_seed_types(ponte, method, request_method):
    sparql = wrapper(ponte)
    sparql.setMethod(method)
    sparql.setRequestMethod(request_method)
    sparql.setQuery(COUNT_TYPED)
    sparql.setReturnFormat(JSON)

    response = sparql.query()
    assert response.info()["content-type"].startswith(SPARQL_RESULTS_JSON)
    result = response.convert()

    assert result["head"]["vars"] == ["n"]
    [row] = result["results"]["bindings"]
    assert row["n"]["type"] == "literal"
    assert row["n"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert int(row["n"]["value"]) > 0, "no `?s a ?type` in the union default graph: seed data not loaded?"


def test_sparqlwrapper_select_json_finds_seed_entity(ponte):
    sparql = wrapper(ponte)
    sparql.setQuery(SEED_SUBJECTS)
    sparql.setReturnFormat(JSON)
    result = sparql.queryAndConvert()

    subjects = [b["s"] for b in result["results"]["bindings"]]
    assert subjects, f"no subject starting with {SEED_ID_PREFIX}"
    for s in subjects:
        assert s["type"] == "uri"
        assert s["value"].startswith(SEED_ID_PREFIX)


def test_sparqlwrapper_select_xml(ponte):
    sparql = wrapper(ponte)
    sparql.setQuery(SEED_SUBJECTS)
    sparql.setReturnFormat(XML)

    response = sparql.query()
    assert response.info()["content-type"].startswith("application/sparql-results+xml")
    doc = response.convert()

    assert isinstance(doc, xml.dom.minidom.Document)
    root = doc.documentElement
    assert (root.namespaceURI, root.localName) == (SPARQL_RESULTS_XML_NS, "sparql")
    variables = [v.getAttribute("name") for v in doc.getElementsByTagNameNS(SPARQL_RESULTS_XML_NS, "variable")]
    assert variables == ["s"]
    uris = [u.firstChild.data for u in doc.getElementsByTagNameNS(SPARQL_RESULTS_XML_NS, "uri")]
    assert uris, f"no subject starting with {SEED_ID_PREFIX}"
    assert all(u.startswith(SEED_ID_PREFIX) for u in uris), uris


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(ponte, fmt):
    def run(query: str) -> bool:
        sparql = wrapper(ponte)
        sparql.setQuery(query)
        sparql.setReturnFormat(fmt)
        result = sparql.queryAndConvert()
        if fmt == JSON:
            return result["boolean"]
        [boolean] = result.getElementsByTagNameNS(SPARQL_RESULTS_XML_NS, "boolean")
        return {"true": True, "false": False}[boolean.firstChild.data.strip()]

    assert run(f'ASK {{ ?s a ?type FILTER(STRSTARTS(STR(?s), "{SEED_ID_PREFIX}")) }}') is True
    assert run("ASK { <urn:ponte:test:nothing> ?p ?o }") is False


def test_sparqlwrapper_construct_turtle(ponte):
    sparql = wrapper(ponte)
    sparql.setQuery(f"""
        CONSTRUCT {{ ?s a ?type }} WHERE {{
          ?s a ?type
          FILTER(STRSTARTS(STR(?s), "{SEED_ID_PREFIX}"))
        }} LIMIT 20
    """)
    sparql.setReturnFormat(TURTLE)

    response = sparql.query()
    content_type = response.info()["content-type"]
    assert content_type.split(";")[0].strip() in ("text/turtle", "application/turtle"), content_type
    body = response.convert()
    assert isinstance(body, bytes)

    g = Graph().parse(data=body.decode("utf-8"), format="turtle")
    assert 0 < len(g) <= 20
    for s, p, o in g:
        assert str(s).startswith(SEED_ID_PREFIX)
        assert p == RDF.type
        assert isinstance(o, URIRef)


@pytest.mark.parametrize("request_method", UPDATE_METHODS)
def test_sparqlwrapper_update_with_token_then_read_back(ponte, unique_iri, request_method):
    label = f"inserted by SPARQLWrapper ({request_method})"
    run_update(
        ponte,
        # Named things need a type (ontology/shapes.ttl): every write is SHACL-validated.
        f'INSERT DATA {{ <{unique_iri}> a <{RDFS.Resource}> ; <{RDFS.label}> "{label}"@en }}',
        token=ponte.token,
        request_method=request_method,
    )

    sparql = wrapper(ponte)
    sparql.setQuery(f"SELECT ?label WHERE {{ <{unique_iri}> <{RDFS.label}> ?label }}")
    sparql.setReturnFormat(JSON)
    bindings = sparql.queryAndConvert()["results"]["bindings"]
    assert bindings == [{"label": {"type": "literal", "value": label, "xml:lang": "en"}}]


@pytest.mark.parametrize(
    "token", [pytest.param(None, id="no-token"), pytest.param("wrong-token", id="wrong-token")]
)
@pytest.mark.parametrize("request_method", UPDATE_METHODS)
def test_sparqlwrapper_update_without_valid_token_is_401(ponte, unique_iri, token, request_method):
    with pytest.raises(Unauthorized):
        run_update(
            ponte,
            f'INSERT DATA {{ <{unique_iri}> <{RDFS.label}> "must not be written" }}',
            token=token,
            request_method=request_method,
        )
    assert ask(ponte, f"ASK {{ <{unique_iri}> ?p ?o }}") is False


def test_sparqlwrapper_update_that_breaks_the_shapes_is_422_and_writes_nothing(ponte, unique_iri):
    company = "https://w3id.org/ponte/ontology#Company"
    # A place (every organisation needs one), so the name is the only thing missing.
    location = "<http://schema.org/location> <https://w3id.org/ponte/id/bologna>"
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        run_update(
            ponte,
            f"INSERT DATA {{ <{unique_iri}> a <{company}> ; {location} }}",  # no rdfs:label
            token=ponte.token,
            request_method=POSTDIRECTLY,
        )
    assert excinfo.value.code == 422
    assert excinfo.value.headers["Content-Type"] == "application/problem+json"
    problem = json.loads(excinfo.value.read())
    [violation] = problem["violations"]
    assert violation["focusNode"] == unique_iri
    assert violation["path"] == str(RDFS.label)
    assert violation["message"].startswith("Missing name")
    assert ask(ponte, f"ASK {{ <{unique_iri}> ?p ?o }}") is False


# ---------------------------------------------------------------- rdflib


def test_rdflib_update_store_query_add_read_back(ponte, unique_iri):
    store = update_store(ponte, headers={"Authorization": ponte.auth_header})
    # default_union: queries go to Ponte without default-graph-uri, i.e. to the
    # union default graph; a triple added to the dataset is INSERT DATA without GRAPH.
    # (A plain Graph(store) would send its own identifier as default-graph-uri.)
    ds = Dataset(store=store, default_union=True)
    try:
        [row] = list(ds.query(COUNT_TYPED))
        assert int(row.n) > 0, "no `?s a ?type` in the union default graph: seed data not loaded?"

        seeds = [r.s for r in ds.query(SEED_SUBJECTS)]
        assert seeds and all(str(s).startswith(SEED_ID_PREFIX) for s in seeds), seeds

        subject = URIRef(unique_iri)
        typed = (subject, RDF.type, RDFS.Resource)  # named things need a type (the shapes)
        triple = (subject, RDFS.label, Literal("inserted by rdflib", lang="en"))
        assert triple not in ds
        ds.add(typed)
        ds.add(triple)

        assert triple in ds  # ASK
        assert sorted(ds.triples((subject, None, None))) == sorted([typed, triple])  # SELECT
        [row] = list(ds.query(f"SELECT ?o WHERE {{ <{subject}> <{RDFS.label}> ?o }}"))
        assert row.o == triple[2]
    finally:
        ds.close()

    # And another client sees it.
    assert ask(ponte, f'ASK {{ <{unique_iri}> <{RDFS.label}> "inserted by rdflib"@en }}') is True


def test_rdflib_update_store_named_graph(ponte, unique_iri):
    """Graph(store, identifier=<g>): INSERT DATA { GRAPH <g> ... }, reads with default-graph-uri=<g>,
    removes with WITH <g> DELETE ... WHERE."""
    store = update_store(ponte, headers={"Authorization": ponte.auth_header})
    graph_iri = URIRef(f"{unique_iri}/graph")
    g = Graph(store=store, identifier=graph_iri)
    subject = URIRef(f"{unique_iri}/thing")
    added = [
        (subject, RDF.type, RDFS.Resource),
        (subject, RDFS.label, Literal("in a named graph")),
    ]
    try:
        assert len(g) == 0
        for t in added:
            g.add(t)

        assert sorted(g) == sorted(added)  # only this graph, not the seed data
        assert len(g) == 2
        [row] = list(g.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        assert int(row.n) == 2

        g.remove((subject, RDFS.label, None))
        assert list(g) == [added[0]]
    finally:
        g.close()

    assert ask(ponte, f"ASK {{ GRAPH <{graph_iri}> {{ <{subject}> a <{RDFS.Resource}> }} }}") is True
    assert ask(ponte, f"ASK {{ <{subject}> a <{RDFS.Resource}> }}") is True  # in the union
    assert ask(ponte, f"ASK {{ <{subject}> <{RDFS.label}> ?l }}") is False


def test_rdflib_update_store_without_token_is_401(ponte, unique_iri):
    store = update_store(ponte, headers=None)
    ds = Dataset(store=store, default_union=True)
    triple = (URIRef(unique_iri), RDFS.label, Literal("must not be written"))
    try:
        # Reads need no token.
        [row] = list(ds.query(COUNT_TYPED))
        assert int(row.n) > 0

        with pytest.raises(urllib.error.HTTPError) as excinfo:
            ds.add(triple)
        assert excinfo.value.code == 401
        store.rollback()  # drop the failed edit, which would go out with the next write
    finally:
        ds.close()

    assert ask(ponte, f"ASK {{ <{unique_iri}> ?p ?o }}") is False


# ---------------------------------------------------------------- requests


def test_requests_get_query_returns_sparql_results_json(ponte):
    response = requests.get(
        ponte.sparql_url,
        params={"query": SEED_SUBJECTS},
        headers={"Accept": SPARQL_RESULTS_JSON},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith(SPARQL_RESULTS_JSON)
    body = response.json()
    assert body["head"]["vars"] == ["s"]
    values = [b["s"]["value"] for b in body["results"]["bindings"]]
    assert values and all(v.startswith(SEED_ID_PREFIX) for v in values), values


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong-token"),
    ],
)
def test_requests_update_without_valid_token_is_401_problem_json(ponte, unique_iri, headers):
    response = requests.post(
        ponte.sparql_url,
        data=f"INSERT DATA {{ <{unique_iri}> <{RDFS.label}> \"must not be written\" }}".encode(),
        headers={"Content-Type": "application/sparql-update", **headers},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 401, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    assert problem.get("status", 401) == 401
    assert problem.get("title") or problem.get("detail"), problem
    assert ask(ponte, f"ASK {{ <{unique_iri}> ?p ?o }}") is False


def test_requests_graph_store_put_get(ponte, unique_iri):
    graph_iri = f"{unique_iri}/graph"
    turtle = f'<{unique_iri}/thing> a <{RDFS.Resource}> ; <{RDFS.label}> "via the graph store" .\n'

    denied = requests.put(
        ponte.store_url,
        params={"graph": graph_iri},
        data=turtle.encode(),
        headers={"Content-Type": "text/turtle"},
        timeout=TIMEOUT_S,
    )
    assert denied.status_code == 401, denied.text

    put = requests.put(
        ponte.store_url,
        params={"graph": graph_iri},
        data=turtle.encode(),
        headers={"Content-Type": "text/turtle", "Authorization": ponte.auth_header},
        timeout=TIMEOUT_S,
    )
    assert put.status_code in (200, 201, 204), put.text

    get = requests.get(
        ponte.store_url,
        params={"graph": graph_iri},
        headers={"Accept": "text/turtle"},
        timeout=TIMEOUT_S,
    )
    assert get.status_code == 200, get.text
    assert get.headers["Content-Type"].startswith("text/turtle")
    expected = Graph().parse(data=turtle, format="turtle")
    actual = Graph().parse(data=get.text, format="turtle")
    assert set(actual) == set(expected)

    assert ask(ponte, f'ASK {{ <{unique_iri}/thing> <{RDFS.label}> "via the graph store" }}') is True


# ---------------------------------------------------------------- matchmaking from SPARQL

MATCH_HOLOSTEM_US = """
PREFIX ponte: <https://w3id.org/ponte/ontology#>
SELECT ?partner ?score ?rank ?parts WHERE {
  SERVICE <https://w3id.org/ponte/match> {
    ?partner ponte:matchSeed <https://w3id.org/ponte/id/holostem> ;
             ponte:matchCountry "US" ; ponte:searchLimit 10 ;
             ponte:searchScore ?score ; ponte:matchRank ?rank ; ponte:scoreParts ?parts
  }
} ORDER BY ?rank
"""

# The same suggestions joined with an ordinary pattern: only partners with a ROR id.
MATCH_WITH_ROR_ID = """
PREFIX ponte: <https://w3id.org/ponte/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?partner ?rank WHERE {
  SERVICE <https://w3id.org/ponte/match> {
    ?partner ponte:matchSeed <https://w3id.org/ponte/id/holostem> ;
             ponte:matchCountry "US" ; ponte:searchLimit 10 ; ponte:matchRank ?rank
  }
  ?partner owl:sameAs ?ror .
  FILTER(STRSTARTS(STR(?ror), "https://ror.org/"))
} ORDER BY ?rank
"""


def select(ponte, query: str) -> list[dict]:
    sparql = wrapper(ponte)
    sparql.setQuery(query)
    sparql.setReturnFormat(JSON)
    return sparql.queryAndConvert()["results"]["bindings"]


def rest_suggestions(ponte) -> list[dict]:
    response = requests.get(
        f"{ponte.base_url}/api/match",
        params={"actor": "holostem", "country": "US", "limit": 10},
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_sparqlwrapper_match_service_gives_the_partners_of_api_match_in_order(ponte):
    rows = select(ponte, MATCH_HOLOSTEM_US)
    items = rest_suggestions(ponte)
    assert [r["partner"]["value"] for r in rows] == [i["@id"] for i in items]
    assert [float(r["score"]["value"]) for r in rows] == [i["score"] for i in items]
    assert [int(r["rank"]["value"]) for r in rows] == list(range(1, len(items) + 1))
    assert [json.loads(r["parts"]["value"]) for r in rows] == [i["scoreParts"] for i in items]
    assert "https://w3id.org/ponte/id/spark-therapeutics" in [i["@id"] for i in items[:5]]


def test_sparqlwrapper_match_service_joins_with_ordinary_patterns(ponte):
    joined = [r["partner"]["value"] for r in select(ponte, MATCH_WITH_ROR_ID)]
    assert joined, "no suggested US partner of Holostem has a ROR id"
    # The join keeps the suggestions' order and only those with a ROR id.
    with_ror = set(joined)
    expected = [i["@id"] for i in rest_suggestions(ponte) if i["@id"] in with_ror]
    assert joined == expected
    for partner in joined:
        assert ask(ponte, f'ASK {{ <{partner}> <http://www.w3.org/2002/07/owl#sameAs> ?r FILTER(STRSTARTS(STR(?r), "https://ror.org/")) }}')


def test_sparqlwrapper_match_service_bad_pattern_is_400_naming_it(ponte):
    response = requests.get(
        ponte.sparql_url,
        params={
            "query": "PREFIX ponte: <https://w3id.org/ponte/ontology#> SELECT * WHERE { "
            "SERVICE <https://w3id.org/ponte/match> { ?p ponte:searchScore ?s } }"
        },
        timeout=TIMEOUT_S,
    )
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "needs a seed" in response.json()["detail"]
