#!/usr/bin/env bash
# Create/update the Python venv used for reference checks, benchmarks and Jupyter.
#
#   bash scripts/setup-python.sh [group...]      groups: reference (default), jupyter, bench
#
# Venv: ${LFTF_PY_VENV:-<repo>/.venv-ref}. Idempotent: a group whose requirements are already
# satisfied is not handed to pip at all. pip output goes to .cache/setup-python.log.
# When `pip config list` shows local file:// indexes (offline machines), PIP_INDEX_URL is pointed
# at the first and PIP_EXTRA_INDEX_URL at the rest, so pip does not wait on the unreachable
# default index; otherwise pip is left alone. Extra pip arguments: LFTF_PIP_ARGS.
# Prints one line per group and the venv's python path last. Exit status non-zero when python3
# is missing or an install fails (the caller decides what to do).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LFTF_PY_VENV:-$REPO/.venv-ref}"
PYTHON_BOOT="${PYTHON:-python3}"
LOG_DIR="$REPO/.cache"
LOG="$LOG_DIR/setup-python.log"
mkdir -p "$LOG_DIR"
: >"$LOG"

say() { printf '[lftf] python: %s\n' "$*"; }
fail() { say "FAILED: $* (details: $LOG)"; exit 1; }

group_reqs() {
  case "$1" in
    reference|bench) echo "torch transformers safetensors tokenizers numpy" ;;
    jupyter) echo "jupyterlab==4.6.* nbconvert ipykernel notebook" ;;
    *) return 1 ;;
  esac
}

groups=("$@")
[ ${#groups[@]} -eq 0 ] && groups=(reference)
for g in "${groups[@]}"; do
  group_reqs "$g" >/dev/null || { say "FAILED: unknown group '$g' (known: reference, jupyter, bench)"; exit 2; }
done

# --- the venv -------------------------------------------------------------------------------
PY="$VENV/bin/python"
if [ -x "$PY" ] && "$PY" -c 'import sys' >/dev/null 2>&1; then
  :
elif [ -e "$VENV" ] && [ -n "$(ls -A "$VENV" 2>/dev/null)" ]; then
  fail "$VENV exists but its python does not run; remove it or set LFTF_PY_VENV"
else
  command -v "$PYTHON_BOOT" >/dev/null 2>&1 || fail "$PYTHON_BOOT not found; install Python 3 (with venv) to enable reference checks"
  say "creating venv $VENV with $("$PYTHON_BOOT" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  "$PYTHON_BOOT" -m venv "$VENV" >>"$LOG" 2>&1 || fail "python3 -m venv failed (Debian: apt-get install python3-venv)"
fi
"$PY" -m pip --version >>"$LOG" 2>&1 || fail "pip is not available in $VENV"

# --- pip index overrides from pip's own config -------------------------------------------------
if [ -z "${PIP_INDEX_URL:-}" ]; then
  extra="$("$PY" -m pip config list 2>>"$LOG" | sed -n "s/^[^=]*\.extra-index-url=['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}$/\1/p" | head -n 1 || true)"
  first="" rest=""
  for u in $extra; do
    if [ -z "$first" ] && [[ "$u" == file:* ]]; then first="$u"; else rest="${rest:+$rest }$u"; fi
  done
  if [ -n "$first" ]; then
    export PIP_INDEX_URL="$first"
    if [ -n "$rest" ]; then export PIP_EXTRA_INDEX_URL="$rest"; fi
    echo "pip overrides: PIP_INDEX_URL=$PIP_INDEX_URL PIP_EXTRA_INDEX_URL=${PIP_EXTRA_INDEX_URL:-}" >>"$LOG"
  fi
fi

# --- groups ----------------------------------------------------------------------------------
# Prints the requirements that are NOT satisfied in the venv (empty output = all satisfied).
CHECK='
import sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement
for spec in sys.argv[1:]:
    r = Requirement(spec)
    try:
        v = metadata.version(r.name)
    except metadata.PackageNotFoundError:
        print(spec); continue
    if r.specifier and not r.specifier.contains(v, prereleases=True):
        print(spec)
'
status=0
for g in "${groups[@]}"; do
  read -r -a reqs <<<"$(group_reqs "$g")"
  missing="$("$PY" -c "$CHECK" "${reqs[@]}" 2>>"$LOG")" || fail "could not inspect $VENV"
  if [ -z "$missing" ]; then
    say "group $g: already satisfied (${reqs[*]})"
    continue
  fi
  t0=$SECONDS
  echo "=== group $g: pip install ${reqs[*]} (missing: $(echo $missing))" >>"$LOG"
  # shellcheck disable=SC2086
  if "$PY" -m pip install --disable-pip-version-check --no-input ${LFTF_PIP_ARGS:-} "${reqs[@]}" >>"$LOG" 2>&1 \
     && [ -z "$("$PY" -c "$CHECK" "${reqs[@]}" 2>>"$LOG")" ]; then
    say "group $g: installed in $((SECONDS - t0))s (${reqs[*]})"
  else
    say "group $g: FAILED after $((SECONDS - t0))s (missing: $(echo $missing); details: $LOG)"
    status=1
  fi
done

if [ $status -ne 0 ]; then exit $status; fi
echo "$PY"
