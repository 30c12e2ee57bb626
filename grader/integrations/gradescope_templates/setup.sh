#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image: it installs
# bubblewrap (best effort), a Python >= 3.11, and the grader with numpy and scipy into
# ROOT/venv. GRADER_GS_ROOT moves ROOT (default /autograder).
set -euo pipefail
ROOT="${GRADER_GS_ROOT:-/autograder}"
SOURCE="$ROOT/source"
export DEBIAN_FRONTEND=noninteractive
APT=""
if command -v apt-get >/dev/null 2>&1; then APT=apt-get; fi

say() { echo "setup.sh: $*" >&2; }
recent() {
  command -v "$1" >/dev/null 2>&1 &&
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))'
}

if [ -n "$APT" ]; then
  apt-get update -qq || say "apt-get update failed"
  # The grader isolates each submission with bubblewrap when the container allows it. Where
  # namespaces are not allowed, `--sandbox auto` grades in a plain child process instead and
  # records that in every results.json.
  apt-get install -y -qq bubblewrap >/dev/null || say "bubblewrap could not be installed"
fi

PY=""
for candidate in python3 python3.13 python3.12 python3.11; do
  if recent "$candidate"; then PY="$(command -v "$candidate")"; break; fi
done
if [ -z "$PY" ] && [ -n "$APT" ]; then
  say "python3 is older than 3.11: installing python3.11"
  apt-get install -y -qq python3.11 python3.11-venv >/dev/null && PY="$(command -v python3.11)"
fi
if [ -z "$PY" ]; then
  say "the grader needs Python 3.11 or newer, and none could be found or installed"
  exit 1
fi
VERSION="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"

make_venv() { rm -rf "$ROOT/venv" && "$PY" -m venv "$ROOT/venv" >/dev/null 2>&1; }
if ! make_venv && [ -n "$APT" ]; then
  apt-get install -y -qq "python$VERSION-venv" >/dev/null ||
    say "python$VERSION-venv could not be installed"
  make_venv || true
fi
if [ -x "$ROOT/venv/bin/python" ] && "$ROOT/venv/bin/python" -m pip --version >/dev/null 2>&1
then
  VPY="$ROOT/venv/bin/python"
  "$VPY" -m pip install --quiet --upgrade pip || say "pip could not be upgraded"
  "$VPY" -m pip install --quiet "$SOURCE"
else
  say "no venv could be made: installing with $PY -m pip"
  rm -rf "$ROOT/venv"
  if ! "$PY" -m pip --version >/dev/null 2>&1 && [ -n "$APT" ]; then
    apt-get install -y -qq python3-pip >/dev/null || say "python3-pip could not be installed"
  fi
  VPY="$PY"
  "$VPY" -m pip install --quiet --break-system-packages "$SOURCE" ||
    "$VPY" -m pip install --quiet "$SOURCE"
  # run_autograder uses ROOT/venv/bin/python: point it at the interpreter used here.
  mkdir -p "$ROOT/venv/bin"
  ln -sf "$PY" "$ROOT/venv/bin/python"
fi

# Fail the image build now, not every submission later, if the grader cannot be imported.
(cd / && "$VPY" -c 'import grader, numpy, scipy; print("setup.sh: grader", grader.__version__)')
if command -v bwrap >/dev/null 2>&1; then
  say "bubblewrap is installed; whether it can run here is decided at each grading"
else
  say "no bubblewrap: submissions will be graded in a plain child process"
fi
