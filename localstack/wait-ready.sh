#!/usr/bin/env bash
# Waits until LocalStack is up and its ready.d init hooks (the stack deployment) have completed; fails with a clear
# message when a hook failed or the timeout passes. Polls /_localstack/init/ready, which answers
# {"completed": true|false, "scripts": [{"stage": "READY", "name": …, "state": "UNKNOWN|RUNNING|SUCCESSFUL|ERROR"}]}.
#
#   LOCALSTACK_ENDPOINT    default http://localhost:4566 (the gateway the compose file publishes)
#   WAIT_TIMEOUT_SECONDS   default 300 (the Pro image and a CloudFormation deployment take a while)
#   WAIT_INTERVAL_SECONDS  default 2
set -euo pipefail

endpoint="${LOCALSTACK_ENDPOINT:-http://localhost:4566}"
timeout="${WAIT_TIMEOUT_SECONDS:-300}"
interval="${WAIT_INTERVAL_SECONDS:-2}"
url="$endpoint/_localstack/init/ready"

deadline=$((SECONDS + timeout))
last="LocalStack did not answer"
while ((SECONDS < deadline)); do
  if body="$(curl --silent --fail --max-time 5 "$url")"; then
    compact="$(tr -d ' \n\r\t' <<<"$body")"
    if [[ "$compact" == *'"state":"ERROR"'* ]]; then
      failed="$(grep -o '"name":"[^"]*","state":"ERROR"' <<<"$compact" | sed 's/"name":"\([^"]*\)".*/\1/' | paste -sd, - || true)"
      echo "wait-ready: LocalStack is up, but the init hook(s) ${failed:-?} failed: see 'docker compose -f localstack/docker-compose.yml logs localstack'." >&2
      exit 1
    fi
    if [[ "$compact" == *'"completed":true'* ]]; then
      echo "wait-ready: LocalStack at $endpoint is ready and its init hooks completed." >&2
      exit 0
    fi
    last="the init hooks are still running"
  else
    last="$url did not answer"
  fi
  sleep "$interval"
done
echo "wait-ready: gave up after ${timeout}s: $last. Is LocalStack running (docker compose -f localstack/docker-compose.yml ps)?" >&2
exit 1
