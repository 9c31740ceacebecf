"""schemathesis, run against the binary with the OpenAPI description the server publishes.

Every check schemathesis has (no 5xx, status codes, content types and bodies as documented,
schema-invalid input refused, schema-valid input accepted) over a fixed-seed run: 0 failures.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import requests


def test_the_openapi_description_is_3_1_and_names_every_api_route(ponte):
    document = requests.get(f"{ponte.base_url}/api/openapi.json", timeout=30).json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/{collection}", "/api/{collection}/{id}", "/api/search", "/api/context.jsonld", "/api/import"} <= set(
        document["paths"]
    )


def test_schemathesis_finds_no_failure(own_ponte, tmp_path):
    """With the write token, so the writes are exercised too, on a server of its own."""
    schemathesis = Path(sys.executable).parent / "schemathesis"
    run = subprocess.run(
        [str(schemathesis), "--config-file", str(Path(__file__).with_name("schemathesis.toml")),
         "run", f"{own_ponte.base_url}/api/openapi.json",
         "--header", f"Authorization: {own_ponte.auth_header}",
         "--checks", "all", "--max-examples", "100", "--seed", "1",
         "--report", "junit", "--report-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failures" not in run.stdout.split("SUMMARY")[-1].lower(), run.stdout[-3000:]
