"""A client generated from the OpenAPI description the server publishes works against it.

openapi-python-client generates a Python package from ``/api/openapi.json`` as served (offline,
from the saved file; any generator warning, such as a path or schema it had to skip, fails the
run), and that package's own ``sync_detailed`` functions then call every read operation and
``POST /api/match`` on the real binary. Each answer must be a documented 200 that the generated
models parse: the client raises on any status the description does not list, and the parsing
raises on a body that does not fit its schema.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest
import requests

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
GENERATION_TIMEOUT_S = 120
# No post hooks: ruff, which the generator runs on its output by default, only reformats it.
# The generator supports request bodies in JSON, forms and application/octet-stream only, and
# warns on (skips) the RDF text formats `POST /api/import` also takes; its documented
# `content_type_overrides` maps those to raw content so that the run has no warning at all.
# The import is a write this test does not call (the generated code for those bodies expects a
# `File`, not the `str` their schema `type: string` gives).
GENERATOR_CONFIG = """\
post_hooks: []
content_type_overrides:
  text/turtle: application/octet-stream
  application/n-triples: application/octet-stream
  application/n-quads: application/octet-stream
  application/trig: application/octet-stream
"""


def package_name(title: str) -> str:
    """The generator's default package name: the title in snake case, then ``_client``."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") + "_client"


@pytest.fixture(scope="module")
def generated(ponte, tmp_path_factory: pytest.TempPathFactory):
    """The package generated from the served description, imported, with the description."""
    served = requests.get(f"{ponte.base_url}/api/openapi.json", timeout=30)
    assert served.status_code == 200, served.text[:2000]
    document = served.json()

    root = tmp_path_factory.mktemp("generated-client")
    source = root / "openapi.json"
    source.write_bytes(served.content)
    config = root / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    name = package_name(document["info"]["title"])
    run = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(source), "--output-path", str(root / name),
         "--meta", "none", "--fail-on-warning", "--config", str(config)],
        capture_output=True, text=True, timeout=GENERATION_TIMEOUT_S, stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, (
        f"openapi-python-client could not generate a client from {source} "
        f"(exit code {run.returncode}):\n{run.stdout[-8000:]}\n{run.stderr[-4000:]}"
    )

    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(name)
        yield SimpleNamespace(name=name, package=package, document=document,
                              models=importlib.import_module(f"{name}.models"))
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


def endpoint(generated, method: str, path: str) -> ModuleType:
    """The generated module of an operation: ``api/<tag>/<operationId>.py`` (with the
    generator's ``_`` after a Python builtin's name, as ``list_``)."""
    operation = generated.document["paths"][path][method]
    tag, operation_id = operation["tags"][0], operation["operationId"]
    tried = []
    for package in (tag, f"{tag}_"):
        for module in (operation_id, f"{operation_id}_"):
            tried.append(f"{generated.name}.api.{package}.{module}")
            try:
                return importlib.import_module(tried[-1])
            except ModuleNotFoundError as missing:
                # Only this name missing: anything else the module imports must be there.
                if missing.name not in (tried[-1], tried[-1].rpartition(".")[0]):
                    raise
    raise AssertionError(f"no generated module for {method.upper()} {path}; tried {tried}")


@pytest.fixture
def client(ponte, generated):
    """The generated client, raising on any status the description does not document, and
    on loopback only (no proxy from the environment)."""
    import httpx

    with generated.package.Client(
        base_url=ponte.base_url,
        raise_on_unexpected_status=True,
        timeout=httpx.Timeout(30.0),
        httpx_args={"trust_env": False},
    ) as client:
        yield client


def ok(response, model):
    """The parsed body of a 200 JSON-LD answer, which must be a ``model``."""
    body = response.content.decode(errors="replace")[:2000]
    assert response.status_code == HTTPStatus.OK, body
    assert response.headers["content-type"].startswith("application/ld+json"), response.headers
    assert response.parsed is not None, body
    assert isinstance(response.parsed, model), (type(response.parsed), body)
    return response.parsed


def test_generated_client_lists_a_collection(generated, client):
    models = generated.models
    response = endpoint(generated, "get", "/api/{collection}").sync_detailed(
        models.CollectionName.ACTORS, client=client, limit=5, country=["IT"]
    )
    page = ok(response, models.CollectionPage)
    assert page.total_items >= len(page.items) > 0, page.to_dict()
    assert len(page.items) <= 5, page.to_dict()
    assert all(item.to_dict()["@id"].startswith("http") for item in page.items), page.to_dict()
    if page.total_items > 5:
        assert isinstance(page.next_, str) and "cursor=" in page.next_, page.to_dict()


def test_generated_client_searches(generated, client):
    response = endpoint(generated, "get", "/api/search").sync_detailed(client=client, q="bologna")
    page = ok(response, generated.models.CollectionPage)
    assert page.total_items > 0 and page.items, page.to_dict()
    assert all("score" in item.to_dict() for item in page.items), page.to_dict()


def test_generated_client_gets_an_item(generated, client):
    models = generated.models
    response = endpoint(generated, "get", "/api/{collection}/{id}").sync_detailed(
        models.CollectionName.ACTORS, "kaist", client=client
    )
    assert response.status_code == HTTPStatus.OK, response.content[:2000]
    assert response.headers["content-type"].startswith("application/ld+json"), response.headers
    assert response.parsed is not None, response.content[:2000]
    entity = response.parsed.to_dict()
    assert entity == json.loads(response.content), entity
    assert entity["@id"] == "https://w3id.org/ponte/id/kaist", entity
    assert response.headers.get("etag"), response.headers


def test_generated_client_gets_the_context(generated, client):
    response = endpoint(generated, "get", "/api/context.jsonld").sync_detailed(client=client)
    assert response.status_code == HTTPStatus.OK, response.content[:2000]
    assert response.headers["content-type"].startswith("application/ld+json"), response.headers
    assert response.parsed is not None, response.content[:2000]
    assert isinstance(response.parsed.to_dict()["@context"], dict), response.content[:2000]


def test_generated_client_matches_an_actor(generated, client):
    response = endpoint(generated, "get", "/api/match").sync_detailed(client=client, actor="kaist")
    answer = ok(response, generated.models.MatchAnswer)
    assert answer.seed == "https://w3id.org/ponte/id/kaist", answer.to_dict()
    assert answer.total_items == len(answer.items) > 0, answer.to_dict()
    best = answer.items[0]
    assert best.score > 0 and best.evidence, best.to_dict()


def test_generated_client_matches_a_profile(generated, client):
    models = generated.models
    response = endpoint(generated, "post", "/api/match").sync_detailed(
        client=client, body=models.Profile(topics=["gene-therapy"])
    )
    answer = ok(response, models.MatchAnswer)
    assert answer.total_items == len(answer.items) > 0, answer.to_dict()
    assert "seed" not in answer.to_dict(), answer.to_dict()


def test_generated_client_finds_brokers(generated, client):
    response = endpoint(generated, "get", "/api/brokers").sync_detailed(client=client)
    answer = ok(response, generated.models.BrokersAnswer)
    assert answer.total_items == len(answer.items), answer.to_dict()
    assert answer.items and any(ecosystem.brokers for ecosystem in answer.items), answer.to_dict()


def test_generated_client_finds_gaps(generated, client):
    response = endpoint(generated, "get", "/api/gaps").sync_detailed(client=client)
    answer = ok(response, generated.models.GapsAnswer)
    assert answer.total_items >= len(answer.items) > 0, answer.to_dict()


def test_generated_client_lists_the_graphs(generated, client):
    response = endpoint(generated, "get", "/api/graphs").sync_detailed(client=client)
    answer = ok(response, generated.models.GraphsAnswer)
    assert answer.total_items == len(answer.items) > 0, answer.to_dict()
    assert all(graph.triples >= 0 for graph in answer.items), answer.to_dict()
