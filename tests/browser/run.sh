#!/usr/bin/env bash
# The web pages in a real browser: Debian's Chromium, driven by Playwright, each page checked
# with axe-core (WCAG 2.1 AA) and refused anything from another host, against the real
# `ponte` binary. Installs Chromium from Debian's packages when it is missing.
#
#   tests/browser/run.sh [pytest args...]
#
# Env:
#   PONTE_BIN               ponte binary (default: the release build, see ../pytest-in-venv.sh)
#   PONTE_BROWSER_VENV      virtualenv to use/create (default: $HOME/.cache/ponte/venv-browser)
#   PONTE_CHROMIUM          the browser (default: /usr/bin/chromium)
#   PONTE_SCREENSHOTS_DIR   where the walks save screenshots (default: a temporary directory;
#                           scripts/screenshots sets docs/screenshots)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PONTE_CHROMIUM="${PONTE_CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$PONTE_CHROMIUM" ]]; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "browser tests: installing Debian's chromium" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
exec "$here/../pytest-in-venv.sh" "${PONTE_BROWSER_VENV:-$HOME/.cache/ponte/venv-browser}" "$here" "$@"
