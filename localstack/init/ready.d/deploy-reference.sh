#!/usr/bin/env bash
# LocalStack ready.d hook: deploys gameday's stack once LocalStack serves requests, and waits until it is complete.
# LocalStack marks the hook ERROR when this exits non-zero; localstack/wait-ready.sh reports that.
#
# Settings (set by localstack/docker-compose*.yml, overridable from the host's environment):
#   GAMEDAY_STACK_NAME        stack name (default: gameday)
#   GAMEDAY_STACK_TEMPLATE    template path inside the container (default: the free tier's EC2 fleet)
#   GAMEDAY_STACK_PARAMETERS  parameter overrides, space-separated Key=Value pairs (default: none)
set -euo pipefail

stack="${GAMEDAY_STACK_NAME:-gameday}"
template="${GAMEDAY_STACK_TEMPLATE:-/etc/localstack/gameday/templates/ec2-fleet.yaml}"
parameters="${GAMEDAY_STACK_PARAMETERS:-}"

say() { printf 'gameday init: %s\n' "$*" >&2; }

if [[ ! -r "$template" ]]; then
  say "the template $template does not exist or is not readable (GAMEDAY_STACK_TEMPLATE); nothing deployed"
  exit 1
fi

args=(cloudformation deploy --stack-name "$stack" --template-file "$template"
  --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset)
if [[ -n "$parameters" ]]; then
  read -r -a overrides <<<"$parameters"
  args+=(--parameter-overrides "${overrides[@]}")
fi

say "deploying stack $stack from $template"
# `cloudformation deploy` creates a change set, executes it and waits for the stack to finish.
if ! awslocal "${args[@]}"; then
  say "the deployment of $stack failed; its failed resources:"
  # The backticks are a JMESPath literal, not a command substitution.
  # shellcheck disable=SC2016
  awslocal cloudformation describe-stack-events --stack-name "$stack" \
    --query 'StackEvents[?ends_with(ResourceStatus, `FAILED`)].[LogicalResourceId,ResourceType,ResourceStatusReason]' \
    --output text >&2 || true
  exit 1
fi

status="$(awslocal cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].StackStatus' --output text)"
case "$status" in
  CREATE_COMPLETE | UPDATE_COMPLETE) say "stack $stack is $status" ;;
  *)
    say "stack $stack ended $status, not complete"
    exit 1
    ;;
esac
awslocal cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output table >&2 || true
