#!/usr/bin/env bash
# Tools the cluster tests start or use from PATH: etcd (Debian's etcd-server: the control-plane
# tests and `ringkv dev --etcd`) and iptables (real partitions on 127.0.0.1). Installs what is
# missing when we may (root with apt-get); otherwise says how.
set -euo pipefail
missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
[ "${#missing[@]}" = 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} (apt-get)" >&2
  # etcd-server would start a service of its own: policy-rc.d 101 keeps it from starting.
  had_policy=0
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
    || { apt-get update >&2 && apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
fi
command -v etcd >/dev/null 2>&1 || { echo "etcd is not on PATH: the tests need it (Debian/Ubuntu: apt-get install etcd-server)" >&2; exit 1; }
command -v iptables >/dev/null 2>&1 || { echo "iptables is not on PATH: the partition tests need it (apt-get install iptables)" >&2; exit 1; }
