#!/usr/bin/env bash
# The whole suite in two runs: every test but the browser ones spread over the cores
# (pytest-xdist; XDIST is empty for one process), then the browser tests in one process, since
# each drives its own Chromium against a live server. Both always run; the suite fails if
# either fails. A run that selects no test (exit 5, e.g. a file without browser tests) is
# fine as long as the other one ran some.
# Usage: run_tests.sh PYTHON [PYTEST_ARGS...]   (XDIST from the environment)
set -uo pipefail

python=$1
shift
# shellcheck disable=SC2086  # XDIST holds several options
"$python" -m pytest -m "not browser" ${XDIST:-} "$@"
rest=$?
"$python" -m pytest -m browser "$@"
browser=$?

if [ "$rest" = 5 ] && [ "$browser" = 5 ]; then
  echo "No test was selected." >&2
  exit 5
fi
[ "$rest" = 5 ] && rest=0
[ "$browser" = 5 ] && browser=0
exit $((rest > browser ? rest : browser))
