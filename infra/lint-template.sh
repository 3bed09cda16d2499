#!/usr/bin/env bash
# Packages a stage's CloudFormation template offline and lints it with AWS's cfn-lint (the Python
# one, not the unrelated npm package of that name), informational checks on. Fails on any error
# or warning, on I3011 (a stateful resource without explicit DeletionPolicy/UpdateReplacePolicy),
# and on any note docs/deploy.md ("cfn-lint notes") does not explain.
#
# Usage: infra/lint-template.sh [stage (prod)] [region (eu-west-1)]
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-prod}"
region="${2:-eu-west-1}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "--- serverless package --stage $stage --region $region"
SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off \
  npx serverless package --stage "$stage" --region "$region" --package "$out"

template="$out/cloudformation-template-update-stack.json"
echo "--- cfn-lint $(cfn-lint --version | awk '{print $2}') --include-checks I"
rc=0
cfn-lint --include-checks I --format json -- "$template" >"$out/cfn-lint.json" || rc=$?
node infra/cfn-lint-verdict.mjs "$out/cfn-lint.json" "$rc"
