#!/usr/bin/env bash
# Builds the ringkv image (ringkv:latest): ringkv-node, ringkv-router and the ringkv CLI, plus
# etcd (and etcdctl) from this machine's Debian packages for the compose file's control plane.
#
# Works with no image registry: when node:20-bookworm-slim is neither present nor pullable it
# makes a local stand-in base first (see "Base image" below). The app is always built on the
# host (tsc, then `pnpm deploy --prod`) and copied into the image: nothing is installed inside
# `docker build`, so the build needs no network at all. Safe to run again: an unchanged app
# rebuilds from the layer cache in seconds, and the local base is made once.
#
# Environment:
#   RINGKV_IMAGE       tag of the image to build                    (default: ringkv:latest)
#   RINGKV_BASE_IMAGE  base image to use, no fallback               (default: node:20-bookworm-slim,
#                      else the local base when it cannot be pulled)
#   RINGKV_LOCAL_BASE  how to make the local base: host | debootstrap (default: host)
#                        host:        FROM-scratch image with this machine's Node.js binary, the
#                                     shared libraries it links (ldd), /bin/sh and /usr/bin/env
#                        debootstrap: Debian bookworm minbase from the Debian mirror of
#                                     /etc/apt/sources.list* (or RINGKV_DEBIAN_MIRROR) plus
#                                     this machine's Node.js binary; needs root
#   RINGKV_NO_PULL=1   do not try to pull node:20-bookworm-slim
#   RINGKV_SKIP_APP_BUILD=1  reuse the built workspace (dist/) as it is: no pnpm install/build
#   RINGKV_ETCD_BIN    etcd binary to put in the image   (default: etcd on PATH, else Debian's
#                      etcd-server is installed with apt-get, as root, without starting it)
#   RINGKV_ETCDCTL_BIN etcdctl to put in the image       (default: etcdctl on PATH, if any)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

IMAGE=${RINGKV_IMAGE:-ringkv:latest}
STANDARD_BASE=node:20-bookworm-slim
LOCAL_BASE_METHOD=${RINGKV_LOCAL_BASE:-host}
LOCAL_BASE=ringkv-local/node-base:20-bookworm-${LOCAL_BASE_METHOD}
work=$root/.tmp/docker
started=$(date +%s)

log() { printf 'build-images: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

command -v docker >/dev/null || die "docker is not installed"
docker info >/dev/null 2>&1 || die "no Docker daemon answers (start dockerd, or see scripts/test-containers.sh)"
case $LOCAL_BASE_METHOD in host | debootstrap) ;; *) die "RINGKV_LOCAL_BASE must be host or debootstrap" ;; esac

have_image() { docker image inspect "$1" >/dev/null 2>&1; }
label_of() { docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Base image: the standard one when it is here or can be pulled, else a local stand-in that has
# what the Dockerfile relies on, like node:20-bookworm-slim: `node` on PATH, /bin/sh,
# /usr/bin/env, a user `node` (uid 1000, gid 1000) and glibc.

node_bin=$(readlink -f "$(command -v node)")
node_version=$(node --version)

# Copies a binary and every shared library it links (as ldd resolves them) into a rootfs.
copy_with_libs() {
  local rootfs=$1 src=$2 dest=$3 lib
  mkdir -p "$rootfs$(dirname "$dest")"
  cp -L "$src" "$rootfs$dest"
  for lib in $(ldd "$src" | grep -o '/[^ ]*' | sort -u); do
    [ -e "$rootfs$lib" ] && continue
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

# The users and files every base gets (the official image has the same `node` user).
write_etc() {
  local rootfs=$1
  mkdir -p "$rootfs/etc" "$rootfs/home/node" "$rootfs/root" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  chmod 700 "$rootfs/root"
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'node:x:1000:1000::/home/node:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$rootfs/etc/passwd"
  printf '%s\n' 'root:x:0:' 'node:x:1000:' 'nogroup:x:65534:' >"$rootfs/etc/group"
  printf '%s\n' 'passwd: files' 'group: files' 'hosts: files dns' >"$rootfs/etc/nsswitch.conf"
}

# FROM scratch: this machine's node, its libraries, dash as /bin/sh, env. About node's size.
make_host_rootfs() {
  local rootfs=$1 d
  command -v ldd >/dev/null || die "ldd is needed to make the local base (RINGKV_LOCAL_BASE=host)"
  # Merged /usr, as on Debian bookworm: /bin, /sbin, /lib and /lib64 point into /usr.
  mkdir -p "$rootfs/usr/bin" "$rootfs/usr/sbin" "$rootfs/usr/lib" "$rootfs/usr/lib64" "$rootfs/usr/local/bin"
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done
  copy_with_libs "$rootfs" "$node_bin" /usr/local/bin/node
  copy_with_libs "$rootfs" "$(readlink -f /bin/sh)" /usr/bin/sh
  copy_with_libs "$rootfs" "$(readlink -f "$(command -v env)")" /usr/bin/env
  write_etc "$rootfs"
}

debian_mirror() {
  if [ -n "${RINGKV_DEBIAN_MIRROR:-}" ]; then echo "$RINGKV_DEBIAN_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# Debian bookworm minbase (what debian:bookworm-slim is made from), slimmed, plus this node.
make_debootstrap_rootfs() {
  local rootfs=$1 mirror
  [ "$(id -u)" = 0 ] || die "RINGKV_LOCAL_BASE=debootstrap needs root"
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
  fi
  mirror=$(debian_mirror)
  log "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    die "debootstrap failed, see $work/debootstrap.log"
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*
  cp -L "$node_bin" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/home/node"
  chroot "$rootfs" /usr/sbin/groupadd --gid 1000 node
  chroot "$rootfs" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --home-dir /home/node node
}

make_local_base() {
  # The base changes only with the Node binary and this recipe.
  local recipe fingerprint rootfs tarball
  recipe=$(declare -f copy_with_libs write_etc make_host_rootfs make_debootstrap_rootfs | sha256sum | cut -c1-16)
  fingerprint="$LOCAL_BASE_METHOD-$node_version-$(sha256sum "$node_bin" | cut -c1-16)-$recipe"
  if have_image "$LOCAL_BASE" && [ "$(label_of "$LOCAL_BASE" org.ringkv.base-fingerprint)" = "$fingerprint" ]; then
    log "local base $LOCAL_BASE is up to date"
    return
  fi
  log "making the local base image $LOCAL_BASE ($LOCAL_BASE_METHOD, node $node_version)"
  case $node_version in v2[0-9].*) ;; *) die "the local base needs Node.js 20+ on this machine, found $node_version" ;; esac
  rootfs=$work/base-rootfs
  tarball=$work/base-rootfs.tar
  rm -rf "$rootfs" "$tarball"
  mkdir -p "$rootfs"
  "make_${LOCAL_BASE_METHOD}_rootfs" "$rootfs"
  # Everything root-owned except the node user's home, whatever user runs this script.
  (cd "$rootfs" && tar --numeric-owner --owner=0 --group=0 --exclude=./home/node -cf "$tarball" . &&
    tar --numeric-owner --owner=1000 --group=1000 -rf "$tarball" ./home/node)
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${node_version#v}" \
    --change "LABEL org.ringkv.base-fingerprint=$fingerprint" \
    --change 'CMD ["node"]' \
    "$tarball" "$LOCAL_BASE" >/dev/null
  rm -rf "$rootfs" "$tarball"
}

if [ -n "${RINGKV_BASE_IMAGE:-}" ]; then
  base=$RINGKV_BASE_IMAGE
  have_image "$base" || docker pull "$base" >&2 || die "base image $base is not here and cannot be pulled"
elif have_image "$STANDARD_BASE"; then
  base=$STANDARD_BASE
elif [ "${RINGKV_NO_PULL:-}" != 1 ] && timeout 300 docker pull -q "$STANDARD_BASE" >/dev/null 2>&1; then
  base=$STANDARD_BASE
else
  log "$STANDARD_BASE cannot be pulled (no image registry): using a local base"
  make_local_base
  base=$LOCAL_BASE
fi
log "base image: $base"

# ---------------------------------------------------------------------------------------------
# The app, built on the host: the CLI package and its dependencies (the node and router
# packages among them) with production node_modules only, as `pnpm deploy` lays them out.

if [ "${RINGKV_SKIP_APP_BUILD:-}" != 1 ]; then
  [ -d node_modules ] || bash scripts/setup.sh
  pnpm run --silent build >&2
fi
context=$work/context
rm -rf "$context"
mkdir -p "$context/bin" "$context/data"
pnpm --filter @ringkv/cli deploy --prod --legacy "$context/app" >"$work/deploy.log" 2>&1 ||
  { cat "$work/deploy.log" >&2; die "pnpm deploy failed"; }
# In a checkout @ringkv/core reads the .proto files from the repository root; a deployed copy
# reads them from its own proto/ directory.
for core in "$context"/app/node_modules/.pnpm/@ringkv+core@*/node_modules/@ringkv/core; do
  cp -R proto "$core/proto"
done
# LevelDB's prebuilt addons for other platforms are dead weight (the image runs on this
# machine's architecture, like the node binary of a local base).
platform=linux-$(node -p process.arch)
for prebuilds in "$context"/app/node_modules/.pnpm/classic-level@*/node_modules/classic-level/prebuilds; do
  find "$prebuilds" -mindepth 1 -maxdepth 1 ! -name "$platform" -exec rm -rf {} +
done
# So are the package managers' shims, which hold absolute paths of the deploy directory, and
# pnpm's state files, which hold the time: without them an unchanged app hits the layer cache.
find "$context/app/node_modules" -type d -name .bin -prune -exec rm -rf {} +
rm -f "$context/app/README.md" "$context/app/node_modules/.modules.yaml" "$context/app/node_modules/.pnpm/lock.yaml"
# The three commands, on PATH in the image (/usr/local/bin), as links to their entry points.
ln -s /opt/ringkv/bin/ringkv.js "$context/bin/ringkv"
ln -s /opt/ringkv/node_modules/@ringkv/node/bin/ringkv-node.js "$context/bin/ringkv-node"
ln -s /opt/ringkv/node_modules/@ringkv/router/bin/ringkv-router.js "$context/bin/ringkv-router"
for target in "$context/app/bin/ringkv.js" "$context/app/node_modules/@ringkv/node/bin/ringkv-node.js" \
  "$context/app/node_modules/@ringkv/router/bin/ringkv-router.js"; do
  [ -f "$target" ] || die "missing entry point $target"
done

# ---------------------------------------------------------------------------------------------
# etcd, the compose file's control plane (cluster map, coordinator election): the binary of
# Debian's etcd-server package on this machine, and etcdctl (etcd-client) when it is installed,
# with whichever shared libraries they link that the base lacks. Nothing is downloaded inside
# the build; a missing package is installed on the host from the Debian mirror.

install_etcd() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "etcd is not on PATH: install Debian's etcd-server package (apt-get install etcd-server), or set RINGKV_ETCD_BIN"
  local pkgs=(etcd-server) had_policy=0
  command -v etcdctl >/dev/null || pkgs+=(etcd-client)
  log "installing ${pkgs[*]} (apt-get)"
  # etcd-server would start a system etcd on 2379: policy-rc.d 101 keeps it from starting.
  [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
  local ok=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 ||
    { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; } || ok=$?
  [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
  [ "$ok" = 0 ] || die "apt-get install ${pkgs[*]} failed"
}

etcd_bin=${RINGKV_ETCD_BIN:-$(command -v etcd || true)}
if [ -z "$etcd_bin" ]; then
  install_etcd
  etcd_bin=$(command -v etcd)
fi
etcdctl_bin=${RINGKV_ETCDCTL_BIN:-$(command -v etcdctl || true)}
etcd_tools=("$etcd_bin")
[ -z "$etcdctl_bin" ] || etcd_tools+=("$etcdctl_bin")
"$etcd_bin" --version >/dev/null || die "$etcd_bin --version failed"
# The libraries they link (as ldd resolves them) that the base image has not at the same path.
etcd_libs=$(for t in "${etcd_tools[@]}"; do ldd "$t" 2>/dev/null | grep -o '/[^ ]*' || true; done | sort -u)
missing_libs=()
if [ -n "$etcd_libs" ]; then
  # shellcheck disable=SC2086 # one argument per library
  mapfile -t missing_libs < <(docker run --rm --network none --entrypoint /bin/sh "$base" \
    -c 'for f; do [ -e "$f" ] || echo "$f"; done' sh $etcd_libs)
fi
mkdir -p "$context/etcd-root/usr/local/bin"
for lib in "${missing_libs[@]}"; do
  mkdir -p "$context/etcd-root$(dirname "$lib")"
  cp -L "$lib" "$context/etcd-root$lib"
done
# Apart from bin/: a layer of their own, before the app's, that a rebuilt app leaves cached.
cp -L "$etcd_bin" "$context/etcd-root/usr/local/bin/etcd"
[ -z "$etcdctl_bin" ] || cp -L "$etcdctl_bin" "$context/etcd-root/usr/local/bin/etcdctl"
# The compose file's healthcheck of the etcd service (the image may have no etcdctl).
cp deploy/etcd-health.mjs "$context/bin/etcd-health"
chmod 755 "$context/bin/etcd-health"
log "etcd: $("$etcd_bin" --version | head -n1) from $etcd_bin${etcdctl_bin:+, etcdctl from $etcdctl_bin}; libraries added to the base: ${missing_libs[*]:-none}"

version=$(node -p 'require("./packages/cli/package.json").version')
log "docker build -t $IMAGE (base $base)"
tags=(-t "$IMAGE")
[ "$IMAGE" != ringkv:latest ] || tags+=(-t "ringkv:$version")
docker build -f deploy/Dockerfile --build-arg "BASE_IMAGE=$base" \
  --label "org.opencontainers.image.version=$version" "${tags[@]}" "$context" >"$work/docker-build.log" 2>&1 ||
  { tail -n 40 "$work/docker-build.log" >&2; die "docker build failed (log: $work/docker-build.log)"; }
[ -n "${RINGKV_KEEP_CONTEXT:-}" ] || rm -rf "$context"
docker run --rm --network none "$IMAGE" etcd --version >/dev/null ||
  die "etcd does not run in $IMAGE (its libraries: $etcd_libs)"
# The previous build of the tag, now untagged, is garbage.
docker image prune -f --filter label=org.opencontainers.image.title=ringkv >/dev/null || true

size=$(docker image inspect -f '{{ .Size }}' "$IMAGE")
log "built $IMAGE: $((size / 1000000)) MB, base $base, in $(($(date +%s) - started)) s"
