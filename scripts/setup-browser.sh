#!/usr/bin/env bash
# Make a Chromium available for the browser test (npm run test:browser), never downloading one
# through playwright: CHROMIUM_PATH if set, else chromium/chromium-browser on PATH, else Debian's
# `chromium` package via apt-get (root only). Prints the browser path as its last line; exit
# status non-zero when none could be found or installed (the caller decides what to do).
set -euo pipefail

say() { printf '[lftf] browser: %s\n' "$*" >&2; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { say "CHROMIUM_PATH=$CHROMIUM_PATH is not executable"; exit 1; }
  echo "$CHROMIUM_PATH"; exit 0
fi
for name in chromium chromium-browser; do
  if p="$(command -v "$name" 2>/dev/null)"; then say "found $p"; echo "$p"; exit 0; fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  say "no chromium on PATH and no apt-get: install Chromium and set CHROMIUM_PATH"; exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  say "no chromium on PATH: run 'sudo apt-get install -y chromium' or set CHROMIUM_PATH"; exit 1
fi
say "installing Debian chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
p="$(command -v chromium)" || { say "apt-get installed chromium but it is not on PATH"; exit 1; }
say "installed $p ($("$p" --version 2>/dev/null | head -n 1))"
echo "$p"
