#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (driven by playwright-core; no browser is
# ever downloaded).
#
#   chromium.sh   prints CHROMIUM=<path> once /usr/bin/chromium runs, installing Debian's
#                 chromium package first when it is missing (root, or sudo without a password;
#                 apt-get update only when the install fails without it), then exits.
#
# Test helpers run this through chromium.ts.
set -euo pipefail

die() { echo "chromium.sh: $*" >&2; exit 1; }
[[ $# -eq 0 ]] || die "usage: chromium.sh (takes no arguments)"
bin="${AIN_CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$bin" ]]; then
  sudo=()
  [[ "$(id -u)" -eq 0 ]] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null && sudo=(sudo -n); } \
    || die "chromium is not installed and this user cannot install it (needs root): apt-get install chromium"
  command -v apt-get >/dev/null || die "chromium is not installed and there is no apt-get here to install it"
  echo "chromium.sh: installing Debian's chromium (first run only)" >&2
  export DEBIAN_FRONTEND=noninteractive
  install() { "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2; }
  install || { "${sudo[@]}" apt-get update -qq >&2 && install; } || die "apt-get install chromium failed"
  [[ -x "$bin" ]] || die "the chromium package installed no $bin"
fi

"$bin" --headless --no-sandbox --version >&2 || die "$bin does not run"
echo "CHROMIUM=$bin"
