#!/usr/bin/env bash
# Print the path of a Python 3.12 or newer: on PATH, or from pyenv.
set -euo pipefail
for candidate in python3.14 python3.13 python3.12 python3 \
    "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python /root/.pyenv/versions/3.1[2-9]*/bin/python; do
  path=$(command -v "$candidate" 2>/dev/null || true)
  [ -n "$path" ] || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "No Python 3.12 or newer found. Install one (for example with pyenv) and try again." >&2
exit 1
