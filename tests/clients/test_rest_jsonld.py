"""The REST API's JSON-LD, read by an independent JSON-LD processor (pyld) against the binary.

For every entity of every collection, pyld turns `GET /api/{collection}/{id}` into RDF, which
must be isomorphic to what the store says of the entity (a SPARQL CONSTRUCT of its triples and
of the names of the entities it links to): mismatches 0. The Turtle, RDF/XML and N-Triples
answers, and the entity's own IRI dereferenced on the server, must say the same.
"""

from __future__ import annotations

import requests
from pyld import jsonld
from rdflib import Graph
from rdflib.compare import isomorphic

COLLECTIONS = ["actors", "missions", "programmes", "calls", "events", "projects", "topics", "places"]

# What GET /api/…/{id} carries: the entity's triples; every incoming relation from a named
# entity (but rdf:type); and for each IRI on the other end of a link (other than the entity's
# classes) its rdfs:label, or its skos:prefLabel when it has no rdfs:label.
DESCRIPTION = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT {{ <{iri}> ?p ?o . ?in ?q <{iri}> . ?linked ?naming ?name }}
WHERE {{
  {{ <{iri}> ?p ?o }}
  UNION
  {{ ?in ?q <{iri}> FILTER(isIRI(?in) && ?q != rdf:type) }}
  UNION
  {{ {{ <{iri}> ?p2 ?linked FILTER(?p2 != rdf:type && isIRI(?linked)) }}
     UNION
     {{ ?linked ?q2 <{iri}> FILTER(isIRI(?linked) && ?q2 != rdf:type) }}
     {{ ?linked rdfs:label ?name BIND(rdfs:label AS ?naming) }}
     UNION
     {{ ?linked skos:prefLabel ?name BIND(skos:prefLabel AS ?naming) FILTER NOT EXISTS {{ ?linked rdfs:label ?any }} }} }}
}}
"""


def every_item(ponte, collection: str) -> list[str]:
    """The @id of every entity of a collection, following the `next` links."""
    ids, url = [], f"{ponte.base_url}/api/{collection}?limit=100"
    while url:
        page = requests.get(url, timeout=30)
        assert page.status_code == 200, page.text
        assert page.headers["Content-Type"] == "application/ld+json"
        document = page.json()
        ids += [item["@id"] for item in document["items"]]
        url = document.get("next")
        assert len(ids) <= document["totalItems"]
    assert len(ids) == document["totalItems"]
    return ids


def to_graph(nquads: str) -> Graph:
    return Graph().parse(data=nquads, format="nt")


def test_every_entity_reads_back_as_the_store_describes_it(ponte):
    checked, mismatches = 0, []
    for collection in COLLECTIONS:
        ids = every_item(ponte, collection)
        assert ids, f"/api/{collection} is empty on the seed data"
        for iri in ids:
            url = f"{ponte.base_url}/api/{collection}/{requests.utils.quote(iri, safe='')}"
            response = requests.get(url, timeout=30)
            assert response.status_code == 200, f"{url}: {response.text}"
            assert response.headers["Content-Type"] == "application/ld+json"
            document = response.json()
            assert document["@id"] == iri
            assert document["@context"] == f"{ponte.base_url}/api/context.jsonld"
            # pyld fetches the published context from the server itself.
            from_api = to_graph(jsonld.to_rdf(document, {"format": "application/n-quads"}))
            expected = requests.get(
                ponte.sparql_url,
                params={"query": DESCRIPTION.format(iri=iri)},
                headers={"Accept": "application/n-triples"},
                timeout=30,
            )
            assert expected.status_code == 200, expected.text
            from_store = to_graph(expected.text)
            if not isomorphic(from_api, from_store):
                missing = sorted(str(t) for t in set(from_store) - set(from_api))[:5]
                extra = sorted(str(t) for t in set(from_api) - set(from_store))[:5]
                mismatches.append(f"{iri}: missing {missing}, extra {extra}")
            # The same entity in the RDF syntaxes, and at its own IRI's path on this server.
            for accept, syntax in [("text/turtle", "turtle"), ("application/rdf+xml", "xml"),
                                   ("application/n-triples", "nt")]:
                other = requests.get(url, headers={"Accept": accept}, timeout=30)
                assert other.status_code == 200, url
                assert other.headers["Content-Type"].split(";")[0] == accept, url
                if not isomorphic(Graph().parse(data=other.text, format=syntax), from_store):
                    mismatches.append(f"{iri} as {accept}")
            for namespace, path in [("https://w3id.org/ponte/id/", "/id/"),
                                    ("https://w3id.org/ponte/topic/", "/topic/")]:
                if iri.startswith(namespace):
                    own = requests.get(ponte.base_url + path + iri[len(namespace):],
                                       headers={"Accept": "text/turtle"}, timeout=30)
                    assert own.status_code == 200, own.text
                    if not isomorphic(Graph().parse(data=own.text, format="turtle"), from_store):
                        mismatches.append(f"{iri} dereferenced")
            checked += 1
    assert checked >= 200, checked
    assert not mismatches, f"{len(mismatches)} of {checked} differ:\n" + "\n".join(mismatches[:20])


def test_collections_page_with_a_cursor_and_refuse_bad_parameters(ponte):
    first = requests.get(f"{ponte.base_url}/api/actors?limit=5", timeout=30).json()
    assert len(first["items"]) == 5 and first["totalItems"] > 100
    second = requests.get(first["next"], timeout=30).json()
    assert {i["@id"] for i in first["items"]}.isdisjoint(i["@id"] for i in second["items"])
    universities = requests.get(f"{ponte.base_url}/api/actors?kind=University&limit=100", timeout=30).json()
    assert universities["items"] and all(
        "University" in (i["type"] if isinstance(i["type"], list) else [i["type"]]) for i in universities["items"]
    )
    for query, parameter in [("limit=0", "limit"), ("limit=x", "limit"), ("kind=%22%7D", "kind"),
                             ("cursor=zz", "cursor"), ("colour=red", "colour")]:
        response = requests.get(f"{ponte.base_url}/api/actors?{query}", timeout=30)
        assert response.status_code == 400, query
        assert response.headers["Content-Type"] == "application/problem+json"
        assert response.json()["parameter"] == parameter
    # A kind the collection does not hold: nothing of it here.
    assert requests.get(f"{ponte.base_url}/api/actors?kind=Mission", timeout=30).json()["totalItems"] == 0
    missing = requests.get(f"{ponte.base_url}/api/actors/no-such-actor", timeout=30)
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/problem+json"
    # A mission is not an actor.
    assert requests.get(f"{ponte.base_url}/api/actors/mission-usa-2022", timeout=30).status_code == 404
    assert requests.get(f"{ponte.base_url}/api/missions/mission-usa-2022", timeout=30).status_code == 200


# A context that shares no term with Ponte's: prefixes only, other names.
OTHER_CONTEXT = {
    "r": "http://www.w3.org/2000/01/rdf-schema#",
    "s": "http://schema.org/",
    "p": "https://w3id.org/ponte/ontology#",
    "w": "http://www.w3.org/2002/07/owl#",
    "k": "http://www.w3.org/2004/02/skos/core#",
    "g": "http://www.w3.org/ns/org#",
    "d": "http://purl.org/dc/terms/",
}


def test_an_entity_compacted_by_pyld_in_another_context_writes_back_the_same_triples(ponte, unique_iri):
    """The writes accept JSON-LD in any context: pyld compacts KAIST's triples with a context of
    its own, the copy is PUT at a new address, and the store then says the same of it."""
    source = "https://w3id.org/ponte/id/kaist"
    slug = "pyld-copy-" + unique_iri.rsplit("/", 1)[-1]
    target = f"https://w3id.org/ponte/id/{slug}"
    construct = "CONSTRUCT {{ <{iri}> ?p ?o }} WHERE {{ <{iri}> ?p ?o }}"
    triples = requests.get(ponte.sparql_url, params={"query": construct.format(iri=source)},
                           headers={"Accept": "application/n-triples"}, timeout=30)
    assert triples.status_code == 200, triples.text
    copied = triples.text.replace(f"<{source}>", f"<{target}>")
    document = jsonld.compact(jsonld.from_rdf(copied, {"format": "application/n-quads"}), OTHER_CONTEXT)
    assert "r:label" in document and "@graph" not in document, document
    url = f"{ponte.base_url}/api/actors/{slug}"
    headers = {"Authorization": ponte.auth_header, "Content-Type": "application/ld+json"}
    created = requests.put(url, json=document, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    etag = created.headers["ETag"]
    written = requests.get(ponte.sparql_url, params={"query": construct.format(iri=target)},
                           headers={"Accept": "application/n-triples"}, timeout=30)
    assert isomorphic(to_graph(written.text), to_graph(copied))
    # The version read is the version written; a stale one is refused and changes nothing.
    assert requests.get(url, timeout=30).headers["ETag"] == etag
    stale = requests.put(url, json=document, headers={**headers, "If-Match": '"0000"'}, timeout=30)
    assert stale.status_code == 412 and stale.json()["currentEtag"] == etag
    # Without the token, nothing; with it and the version, the copy is deleted.
    assert requests.delete(url, timeout=30).status_code == 401
    gone = requests.delete(url, headers={"Authorization": ponte.auth_header, "If-Match": etag}, timeout=30)
    assert gone.status_code == 200, gone.text
    assert requests.get(url, timeout=30).status_code == 404
