#!/usr/bin/env bash
# The end-to-end suite drives Debian's Chromium (Playwright's own browser download does not
# work here). Installs it with apt-get when it is missing. Without root or passwordless sudo
# it says so and carries on: the suite then skips loudly, or fails when CI=true.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "install-chromium: $CHROMIUM is missing and this user cannot run apt-get; run: sudo apt-get install -y chromium" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "install-chromium: installing Debian's chromium for the end-to-end tests"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version
