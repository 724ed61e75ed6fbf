#!/usr/bin/env bash
# The container stage (CI runs it after scripts/test.sh): ringkv as users run it in Docker.
#   1. Docker: installs docker.io and docker-compose from Debian when missing (as root), and
#      starts dockerd when no engine answers (and stops it again at the end).
#   2. The image, built air-gapped: deploy/build-images.sh.
#   3. The container tests (testcontainers; vitest.containers.config.ts).
#   4. A compose smoke test: deploy/docker-compose.yml up (etcd, 2 routers, 3 shards), wait
#      until healthy, both routers answer on their published ports and agree on the elected
#      coordinator, put through one and get through the other, the default replication factor
#      3 with every arc in sync, a stopped shard failed over (its keys still read) and caught up
#      when started again, down and up again (the data and the map in etcd are in the named
#      volumes), down -v. Then the same with the secure profile (TLS, tokens, etcd over mutual
#      TLS).
# Whatever fails, the containers, networks and volumes it created are removed.
# Extra arguments go to vitest. RINGKV_SKIP_COMPOSE=1 skips step 4.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mkdir -p .tmp
stage_started=$(date +%s)
say() { printf '\n=== test-containers: %s (%ss)\n' "$*" "$(($(date +%s) - stage_started))"; }

run_id=$(node -e 'console.log(require("node:crypto").randomBytes(4).toString("hex"))')
export RINGKV_TEST_RUN_ID=$run_id
compose_project=ringkv-smoke-$run_id
started_dockerd=
compose=()

cleanup() {
  local status=$?
  set +e
  if [ ${#compose[@]} -gt 0 ]; then
    "${compose[@]}" -p "$compose_project" -f deploy/docker-compose.yml --profile extra down -v --remove-orphans >/dev/null 2>&1
    "${compose[@]}" -p "$compose_project-secure" -f deploy/docker-compose.yml -f deploy/docker-compose.secure.yml down -v --remove-orphans >/dev/null 2>&1
  fi
  if docker info >/dev/null 2>&1; then
    # The container tests' own teardown removes their resources; this catches a killed vitest.
    ids=$(docker ps -aq --filter "label=org.ringkv.test-run=$run_id")
    [ -z "$ids" ] || docker rm -fv $ids >/dev/null
    nets=$(docker network ls -q --filter "name=ringkv-test-$run_id-")
    [ -z "$nets" ] || docker network rm $nets >/dev/null
  fi
  if [ -n "$started_dockerd" ]; then
    kill "$started_dockerd" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$started_dockerd" 2>/dev/null || break; sleep 1; done
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. Docker ------------------------------------------------------------------------------
say "docker"
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "test-containers: install ${need[*]} (needs root)" >&2; exit 1; }
  echo "installing ${need[*]} from Debian"
  apt-get update -q >/dev/null 2>&1 || echo "test-containers: apt-get update failed; trying the package lists at hand" >&2
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -q "${need[@]}" >/dev/null 2>&1 ||
    { echo "test-containers: apt-get install ${need[*]} failed" >&2; exit 1; }
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "test-containers: no Docker engine answers, and starting dockerd needs root" >&2; exit 1; }
  echo "starting dockerd (log: .tmp/dockerd.log)"
  # In a session of its own: a timeout signalling this process group must not stop it before
  # the cleanup below has removed the containers.
  setsid dockerd >"$root/.tmp/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 30 .tmp/dockerd.log >&2; echo "test-containers: dockerd did not start" >&2; exit 1; }
fi
if command -v docker-compose >/dev/null; then compose=(docker-compose); else compose=(docker compose); fi
echo "engine $(docker version -f '{{.Server.Version}}'), compose: $("${compose[@]}" version --short 2>/dev/null || "${compose[@]}" version | head -n1)"

# --- 2. Image -------------------------------------------------------------------------------
say "image"
bash deploy/build-images.sh
docker image ls ringkv:latest

# --- 3. Container tests ---------------------------------------------------------------------
say "container tests"
report=.tmp/vitest-containers-report.json
rm -f "$report"
status=0
pnpm exec vitest run --config vitest.containers.config.ts --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?

# --- 4. Compose smoke test ------------------------------------------------------------------
free_port() { node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Until `status --json` through every command in "$@" (one per router, each a CLI invocation
# without its subcommand) names the same elected coordinator and both routers, for 60 s at most.
wait_coordinator() {
  local deadline=$(($(date +%s) + 60)) seen run
  while :; do
    seen=()
    for run in "$@"; do
      seen+=("$($run status --json 2>/dev/null | node -e '
        try {
          const s = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
          const ok = s.controlPlane === "etcd" && s.coordinator && s.routers.length === 2 &&
            s.routers.filter((r) => r.coordinator).map((r) => r.id).join() === s.coordinator.id;
          console.log(ok ? s.coordinator.id : "-");
        } catch { console.log("-"); }' || echo -)")
    done
    if [ "${seen[0]}" != - ] && [ "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" = 1 ]; then
      echo "smoke: both routers on etcd, coordinator ${seen[0]}"
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || { echo "smoke: no coordinator both routers agree on after 60 s (saw: ${seen[*]})" >&2; $1 status >&2 || true; return 1; }
    sleep 1
  done
}

smoke() {
  local c=("${compose[@]}" -p "$compose_project" -f deploy/docker-compose.yml)
  local port port2 ringkv value
  # The published ports: 7400 and 7410 may be taken (a `ringkv dev` cluster), so free ones.
  port=$(free_port)
  port2=$(free_port)
  export RINGKV_PUBLISH=127.0.0.1:$port RINGKV_PUBLISH_2=127.0.0.1:$port2
  ringkv() { node packages/cli/bin/ringkv.js --router "127.0.0.1:$port" "$@"; }
  ringkv2() { node packages/cli/bin/ringkv.js --router "127.0.0.1:$port2" "$@"; }

  echo "+ ${c[*]} up -d   (routers published on $RINGKV_PUBLISH and $RINGKV_PUBLISH_2)"
  "${c[@]}" up -d
  bash deploy/wait-healthy.sh --project "$compose_project" --timeout 120
  "${c[@]}" ps
  wait_coordinator ringkv ringkv2
  # Either router serves every key: written through one, read through the other.
  ringkv put smoke:greeting "hello from the host"
  value=$(ringkv2 get smoke:greeting)
  [ "$value" = "hello from the host" ] || { echo "smoke: got '$value' through router-2" >&2; return 1; }
  value=$(ringkv get smoke:greeting)
  [ "$value" = "hello from the host" ] || { echo "smoke: got '$value'" >&2; return 1; }
  "${c[@]}" exec -T etcd etcd-health
  "${c[@]}" exec -T etcd etcd --version | head -n1
  ringkv status --json | node -e '
    const s = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const ok = s.shards.length === 3 && s.shards.every((x) => x.reachable !== false) && s.migrations.length === 0 &&
      s.replicationFactor === 3 && s.underReplicatedArcs === 0 && s.arcGroups.every((g) => g.inSync.length === 3);
    console.log(`status: ${s.shards.map((x) => x.id).join(", ")}; migrations: ${s.migrations.length}; ` +
      `replication factor ${s.replicationFactor}, ${s.arcGroups.length} arc groups, ${s.underReplicatedArcs} arcs under-replicated`);
    process.exit(ok ? 0 : 1);'
  "${c[@]}" exec -T router ringkv health
  "${c[@]}" exec -T router-2 ringkv health
  # Replication: with shard-2 stopped the coordinator fails its arcs over and every key still
  # reads; started again, it catches up until nothing is under-replicated.
  local i
  for i in $(seq 1 20); do ringkv put "smoke:rf:$i" "v$i" >/dev/null; done
  echo "+ ${c[*]} stop shard-2"
  "${c[@]}" stop shard-2
  wait_status() { # $1: what, $2: JS condition on the status s
    local deadline=$(($(date +%s) + 60))
    until ringkv status --json 2>/dev/null | node -e "const s = JSON.parse(require('node:fs').readFileSync(0, 'utf8')); process.exit(($2) ? 0 : 1)"; do
      [ "$(date +%s)" -lt "$deadline" ] || { echo "smoke: timed out waiting for $1" >&2; ringkv status >&2 || true; return 1; }
      sleep 1
    done
    echo "smoke: $1"
  }
  wait_status "shard-2 out of sync, its arcs failed over" 's.shards.find((x) => x.id === "shard-2").replicaState === "out_of_sync" && s.underReplicatedArcs > 0'
  for i in $(seq 1 20); do
    value=$(ringkv get "smoke:rf:$i")
    [ "$value" = "v$i" ] || { echo "smoke: with shard-2 stopped, smoke:rf:$i read '$value'" >&2; return 1; }
  done
  ringkv put smoke:during-outage yes >/dev/null
  ringkv status | grep -q 'UNDER-REPLICATED 2/3' || { echo "smoke: status does not flag the under-replicated groups" >&2; ringkv status >&2; return 1; }
  echo "+ ${c[*]} start shard-2"
  "${c[@]}" start shard-2
  wait_status "shard-2 caught up, nothing under-replicated" 's.underReplicatedArcs === 0 && s.shards.every((x) => x.replicaState === "in_sync")'
  echo "+ ${c[*]} down; up -d   (new containers, same named volumes)"
  "${c[@]}" down
  "${c[@]}" up -d
  bash deploy/wait-healthy.sh --project "$compose_project" --timeout 120
  wait_coordinator ringkv ringkv2
  value=$(ringkv get smoke:greeting)
  [ "$value" = "hello from the host" ] || { echo "smoke: after down/up got '$value'" >&2; return 1; }
  value=$(ringkv get smoke:during-outage)
  [ "$value" = "yes" ] || { echo "smoke: after down/up smoke:during-outage read '$value'" >&2; return 1; }
  echo "+ ${c[*]} down -v"
  "${c[@]}" down -v
  echo "compose smoke test passed"
}

# The secure profile: TLS everywhere (mutual between router and shards) and access tokens.
secure_smoke() {
  local c=("${compose[@]}" -p "$compose_project-secure" -f deploy/docker-compose.yml -f deploy/docker-compose.secure.yml)
  local port port2 dir value out
  port=$(free_port)
  port2=$(free_port)
  export RINGKV_PUBLISH=127.0.0.1:$port RINGKV_PUBLISH_2=127.0.0.1:$port2
  dir=$(mktemp -d)
  ringkv() { node packages/cli/bin/ringkv.js --router "127.0.0.1:$port" --tls-ca "$dir/ca.pem" "$@"; }

  echo "+ ${c[*]} up -d   (routers published on $RINGKV_PUBLISH and $RINGKV_PUBLISH_2)"
  "${c[@]}" up -d
  bash deploy/wait-healthy.sh --project "$compose_project-secure" --timeout 120
  # The routers reach etcd over mutual TLS: a coordinator elected proves it.
  in_router() { "${c[@]}" exec -T router ringkv "$@"; }
  in_router2() { "${c[@]}" exec -T router-2 ringkv "$@"; }
  wait_coordinator in_router in_router2
  # Inside the router container the CLI has the CA and the admin token from its environment.
  "${c[@]}" exec -T router ringkv put secure:greeting "hello over tls"
  "${c[@]}" exec -T router ringkv status --json >/dev/null
  # From the host: the CA and tokens copied out of the certs volume.
  # (the image has node but no coreutils: read them with node)
  for f in ca.pem read-only.token read-write.token; do
    "${c[@]}" exec -T router node -e 'process.stdout.write(require("node:fs").readFileSync(process.argv[1]))' "/certs/$f" >"$dir/$f"
  done
  value=$(ringkv --token-file "$dir/read-write.token" get secure:greeting)
  [ "$value" = "hello over tls" ] || { echo "secure smoke: got '$value'" >&2; return 1; }
  out=$(ringkv --token-file "$dir/read-only.token" put secure:greeting nope 2>&1) && { echo "secure smoke: read-only put succeeded" >&2; return 1; }
  echo "$out" | grep -q PERMISSION_DENIED || { echo "secure smoke: read-only put: $out" >&2; return 1; }
  out=$(ringkv get secure:greeting 2>&1) && { echo "secure smoke: a call without a token succeeded" >&2; return 1; }
  echo "$out" | grep -q UNAUTHENTICATED || { echo "secure smoke: no token: $out" >&2; return 1; }
  out=$(node packages/cli/bin/ringkv.js --router "127.0.0.1:$port" --token-file "$dir/read-write.token" get secure:greeting 2>&1) &&
    { echo "secure smoke: a plaintext client was served" >&2; return 1; }
  echo "+ ${c[*]} down -v"
  "${c[@]}" down -v
  rm -rf "$dir"
  echo "secure compose smoke test passed"
}
smoke_status=skipped
if [ "${RINGKV_SKIP_COMPOSE:-}" != 1 ]; then
  say "compose smoke test"
  # In the background so that `set -e` holds inside it (an `if smoke` would switch it off).
  smoke &
  if wait $!; then smoke_status=passed; else smoke_status=failed; status=1; fi
  say "secure compose smoke test"
  secure_smoke &
  if wait $!; then secure_status=passed; else secure_status=failed; status=1; fi
fi

say "done: compose smoke test $smoke_status, secure compose smoke test ${secure_status:-skipped}"
node scripts/test-summary.mjs "$report" || true
exit "$status"
