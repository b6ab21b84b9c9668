#!/usr/bin/env bash
# Debian's Chromium for the browser test (browser downloads are not possible here).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  echo "browser: installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
