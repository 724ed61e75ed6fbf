#!/usr/bin/env bash
# Waits until every running container of a compose project is healthy: what
# `docker compose up -d --wait` does in Compose v2, for Compose v1 (Debian's docker-compose),
# which has no --wait. Works with either, since it asks the Docker engine directly.
#
#   deploy/wait-healthy.sh [--project ringkv] [--timeout 120]
#
# Exits 0 once all are healthy (and at least one container runs); exits 1 at the timeout, or as
# soon as a container has exited or is unhealthy, printing its last health check output and logs.
set -euo pipefail

project=${COMPOSE_PROJECT_NAME:-ringkv}
timeout=120
while [ $# -gt 0 ]; do
  case $1 in
    -p | --project) project=$2; shift 2 ;;
    -t | --timeout) timeout=$2; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "wait-healthy: unknown argument $1" >&2; exit 2 ;;
  esac
done

explain() {
  local c=$1
  echo "wait-healthy: $(docker inspect -f '{{.Name}}: {{.State.Status}} (exit {{.State.ExitCode}}) health {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$c")" >&2
  docker inspect -f '{{if .State.Health}}{{range .State.Health.Log}}  check at {{.Start}}: exit {{.ExitCode}}: {{.Output}}{{"\n"}}{{end}}{{end}}' "$c" | tail -n 4 >&2 || true
  docker logs --tail 20 "$c" 2>&1 | sed 's/^/  log: /' >&2 || true
}

deadline=$(($(date +%s) + timeout))
while :; do
  # Created, restarting or exited containers count too: `up -d` started them all.
  mapfile -t containers < <(docker ps -aq --filter "label=com.docker.compose.project=$project")
  pending=()
  failed=()
  for c in "${containers[@]}"; do
    state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{index .Config.Labels "com.docker.compose.oneoff"}} {{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}' "$c" 2>/dev/null || echo "gone none False 0 no")
    read -r status health oneoff code restart <<<"$state"
    [ "$oneoff" = True ] && continue # `docker-compose run` containers are not part of `up`
    # A job that ran to completion (the secure profile's `certs`, restart: "no") is done, not failed.
    [ "$status/$code/$restart" = exited/0/no ] && continue
    case $status/$health in
      running/healthy | running/none) ;;
      running/unhealthy | exited/* | dead/*) failed+=("$c") ;;
      *) pending+=("$c") ;;
    esac
  done
  if [ ${#failed[@]} -gt 0 ]; then
    for c in "${failed[@]}"; do explain "$c"; done
    echo "wait-healthy: project $project: ${#failed[@]} container(s) exited or unhealthy" >&2
    exit 1
  fi
  if [ ${#containers[@]} -gt 0 ] && [ ${#pending[@]} -eq 0 ]; then
    echo "wait-healthy: project $project: ${#containers[@]} container(s) healthy" >&2
    exit 0
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    for c in "${pending[@]}"; do explain "$c"; done
    echo "wait-healthy: project $project: not healthy after ${timeout}s (${#containers[@]} containers, ${#pending[@]} not ready)" >&2
    exit 1
  fi
  sleep 1
done
