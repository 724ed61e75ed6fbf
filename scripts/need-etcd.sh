#!/usr/bin/env bash
# The control-plane tests (and `ringkv dev --etcd`) start an etcd member from PATH. Installs
# Debian's etcd-server when it is missing and we may (root with apt-get); otherwise says how.
set -euo pipefail
if command -v etcd >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing etcd-server (apt-get)" >&2
  # The package would start an etcd service of its own: policy-rc.d 101 keeps it from starting.
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends etcd-server >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends etcd-server >&2; }
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
fi
if ! command -v etcd >/dev/null 2>&1; then
  echo "etcd is not on PATH: the etcd tests need it (Debian/Ubuntu: apt-get install etcd-server)" >&2
  exit 1
fi
