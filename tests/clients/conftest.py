"""Fixtures for the end-to-end client tests: one real `ponte` server per session (and one
of its own for a test that writes at random). The server itself: ../ponte_server.py.
"""

from __future__ import annotations

import uuid

import pytest

from ponte_server import Ponte, serve  # noqa: F401  (Ponte: the fixtures' type)


@pytest.fixture(scope="session")
def ponte(tmp_path_factory: pytest.TempPathFactory):
    """The server most tests share."""
    yield from serve(tmp_path_factory)


@pytest.fixture
def own_ponte(tmp_path_factory: pytest.TempPathFactory):
    """A server of the test's own, for tests that write at random (schemathesis)."""
    yield from serve(tmp_path_factory)


@pytest.fixture
def unique_iri() -> str:
    """A fresh IRI so tests that write never collide with each other or the seed data."""
    return f"https://w3id.org/ponte/test/{uuid.uuid4().hex}"
