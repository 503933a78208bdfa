# Sourced by every script in scripts/: makes .venv with tracegraph and its
# dependencies installed, and puts it first on PATH. Re-installs only when pyproject.toml changed.
set -euo pipefail
# `--help` or `-h` to a script that sets HELP_FROM_HEADER=1 (its arguments reach no parser that
# answers it): the script's header comment, and nothing run or written. `browser-screenshot
# --help` took a screenshot over the tracked docs/browser.png, `demo --help` ran the demo.
# The bench scripts' modules answer --help themselves (argparse).
if [[ "${HELP_FROM_HEADER:-}" == 1 ]]; then
  for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then
      sed -n '2,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
      exit 0
    fi
  done
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: tracegraph needs Python 3.11 or newer (hint: set PYTHON=/path/to/python3.11)" >&2
  exit 2
fi
if [ ! -x "$VENV/bin/python" ]; then
  echo "Creating $VENV …"
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.tracegraph-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing tracegraph and its dependencies into $VENV …"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]"
  echo "$want" > "$stamp"
fi
export PATH="$VENV/bin:$PATH"
# Scripts that look for .tracegraph/ from where they were called go back there.
CALLER_PWD="$PWD"
export CALLER_PWD
cd "$ROOT"
