#!/usr/bin/env bash
# Browser tests drive the operating system's Chromium; install it from the OS packages if absent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Chromium is missing at /usr/bin/chromium; install the OS package 'chromium'." >&2
  exit 1
fi
echo "Installing Chromium from the OS packages..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
