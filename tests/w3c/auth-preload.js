'use strict';
// Adds `Authorization: Bearer TOKEN` to every fetch() aimed at the server under test.
//
// rdf-test-suite sends all Protocol and Graph Store Protocol requests (including its own
// set-up requests: the `DROP SILENT ALL; INSERT DATA …` load and the per-test GSP DELETEs)
// through Node's global fetch() and has no option for extra headers, so the global is
// wrapped. Only requests whose origin equals the target origin are touched, and a request
// that already sets Authorization keeps its own.
//
// Used by run-suites.js via installAuth(); can also be preloaded on its own with
// `W3C_TARGET_ORIGIN=http://127.0.0.1:7878 W3C_TOKEN=… node -r ./auth-preload.js …`.

function installAuth(targetOrigin, token) {
  if (!token || !targetOrigin || typeof globalThis.fetch !== 'function' || globalThis.fetch.w3cAuth) {
    return;
  }
  const target = new URL(targetOrigin).origin;
  const originalFetch = globalThis.fetch;
  const fetchWithAuth = function (input, init) {
    let url;
    try {
      url = new URL(input instanceof Request ? input.url : String(input));
    } catch {
      return originalFetch(input, init);
    }
    if (url.origin !== target) {
      return originalFetch(input, init);
    }
    const headers = new Headers(init && init.headers !== undefined ?
      init.headers :
      input instanceof Request ? input.headers : undefined);
    if (!headers.has('authorization')) {
      headers.set('authorization', `Bearer ${token}`);
    }
    return originalFetch(input, { ...init, headers });
  };
  fetchWithAuth.w3cAuth = true;
  globalThis.fetch = fetchWithAuth;
}

installAuth(process.env.W3C_TARGET_ORIGIN, process.env.W3C_TOKEN);

module.exports = { installAuth };
