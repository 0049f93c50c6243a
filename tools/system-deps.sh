#!/usr/bin/env bash
# Installs what the tests need from Debian when it is missing and we are root: Chromium, CJK fonts, PostgreSQL,
# sqlmap (for `make security`), wrk (for `make bench`).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v sqlmap >/dev/null 2>&1 || missing+=(sqlmap)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "warning: missing ${missing[*]}; install them (apt-get install ${missing[*]}) to run every test" >&2
  exit 0
fi
echo "installing ${missing[*]} from Debian …"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
