# Sourced by scripts/demo, scripts/test and scripts/bench: makes .venv with tracegraph and its
# dependencies installed, and puts it first on PATH. Re-installs only when pyproject.toml changed.
set -euo pipefail
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
