#!/usr/bin/env bash
# PDFs of reports are laid out by WeasyPrint, which needs the system's Pango: install it from
# the OS packages if absent. Without it the portal runs as before and offers printing from the
# browser instead of a PDF; PANGO_REQUIRED=1 (the tests) makes its absence an error.
set -euo pipefail
if /sbin/ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so.0"; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "Pango is missing: install the OS packages libpango-1.0-0 and libpangoft2-1.0-0" \
    "for PDFs of reports." >&2
  exit "${PANGO_REQUIRED:-0}"
fi
echo "Installing Pango from the OS packages..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null
