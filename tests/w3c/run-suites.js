'use strict';
// Runs the W3C SPARQL 1.1 Protocol and Graph Store HTTP Protocol manifests with
// rdf-test-suite against a running server. Invoked by run.sh; see there for the settings.
//
//   node run-suites.js ENDPOINT_BASE TOKEN TESTS_DIR
//
// Environment: W3C_SPARQL_PATH (default /sparql), W3C_STORE_PATH (default /store),
// W3C_TIMEOUT_MS (per test, default 10000), W3C_ONLY (regex on test IRIs),
// W3C_VERBOSE=1 (print whole failure messages).
const { installAuth } = require('./auth-preload.js');
const { TestSuiteRunner } = require('rdf-test-suite');

const MANIFEST_BASE = 'http://w3c.github.io/rdf-tests/sparql/sparql11/';
const SUITES = [
  { name: 'protocol', manifest: 'protocol/manifest.ttl' },
  { name: 'graph-store', manifest: 'graph-store-protocol/manifest.ttl' },
];

function failureText(error, verbose) {
  const text = String(error && error.message !== undefined ? error.message : error);
  if (verbose) {
    return text.replace(/\n/gu, '\n      ');
  }
  const oneLine = text.replace(/\s+/gu, ' ').trim();
  return oneLine.length > 240 ? `${oneLine.slice(0, 240)}…` : oneLine;
}

async function main() {
  const [base, token, testsDir] = process.argv.slice(2);
  if (!base || token === undefined || !testsDir) {
    console.error('usage: node run-suites.js ENDPOINT_BASE TOKEN TESTS_DIR');
    process.exit(2);
  }
  const endpointBase = base.replace(/\/+$/u, '');
  installAuth(endpointBase, token);
  const verbose = process.env.W3C_VERBOSE === '1';
  const config = {
    cachePath: null,
    customEngingeOptions: {
      protocolEndpoint: endpointBase + (process.env.W3C_SPARQL_PATH || '/sparql'),
      graphStoreEndpoint: endpointBase + (process.env.W3C_STORE_PATH || '/store'),
    },
    exitWithStatusCode0: true,
    outputFormat: 'summary',
    specification: undefined,
    testRegex: process.env.W3C_ONLY ? new RegExp(process.env.W3C_ONLY, 'u') : undefined,
    skipRegex: undefined,
    timeOutDuration: Number(process.env.W3C_TIMEOUT_MS || 10000),
    urlToFileMapping: `${MANIFEST_BASE}~${testsDir.replace(/\/*$/u, '/')}`,
    runRejected: false,
    explicitApproval: false,
  };
  // The protocol and graph store tests only speak HTTP; the engine is never called.
  const engine = {};

  let passed = 0;
  let failed = 0;
  for (const suite of SUITES) {
    const results = await new TestSuiteRunner().runManifest(MANIFEST_BASE + suite.manifest, engine, config);
    let suitePassed = 0;
    let suiteFailed = 0;
    let suiteSkipped = 0;
    for (const result of results) {
      const id = result.test.uri.replace(/^.*#/u, '');
      if (result.ok) {
        suitePassed++;
      } else if (result.skipped) {
        suiteSkipped++;
        console.log(`  SKIP ${id}: ${failureText(result.error, false)}`);
      } else {
        suiteFailed++;
        console.log(`  FAIL ${id}: ${failureText(result.error, verbose)}`);
      }
    }
    if (results.length === 0 && !config.testRegex) {
      console.log(`  FAIL ${suite.name}: no tests were loaded from ${suite.manifest}`);
      suiteFailed++;
    }
    console.log(`${suite.name}: ${suitePassed} passed, ${suiteFailed} failed${suiteSkipped ? `, ${suiteSkipped} skipped` : ''}`);
    passed += suitePassed;
    failed += suiteFailed;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
