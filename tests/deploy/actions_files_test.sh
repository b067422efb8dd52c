#!/usr/bin/env bash
# Checks action.yml and deploy/actions/workflow.yml:
#  1. @action-validator/cli (from npm, run from node_modules: nothing is downloaded) accepts
#     both against GitHub's schemas, and rejects a broken copy of each (so it really checks);
#  2. they keep the names docs/actions.md promises: the action's inputs with their defaults,
#     its outputs, a composite action that caches its build and masks the token; a daily
#     schedule at an odd minute, a manual run, no overlapping runs, the permissions it needs
#     and the optional Pages job.
# Usage: actions_files_test.sh SOURCE_DIR
set -euo pipefail

src=$1
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v node >/dev/null || fail "node is missing; run scripts/setup"
validator=$src/node_modules/@action-validator/cli/cli.mjs
[[ -f $validator ]] ||
  fail "@action-validator/cli is missing from $src/node_modules: run scripts/setup (npm ci)"
action=$src/action.yml
workflow=$src/deploy/actions/workflow.yml
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# --- 1. the schemas
validate() { node "$validator" "$1" >"$scratch/validator.out" 2>&1; }
validate "$action" || fail "action-validator rejects action.yml: $(cat "$scratch/validator.out")"
validate "$workflow" || fail "action-validator rejects the workflow: $(cat "$scratch/validator.out")"
mkdir -p "$scratch/broken"
sed 's/^  using: composite$/  using: compost/' "$action" >"$scratch/broken/action.yml"
! validate "$scratch/broken/action.yml" || fail "action-validator accepts a broken action.yml"
sed 's/^    runs-on: ubuntu-latest$/    runs-on: ubuntu-latest\n    run-on: ubuntu-latest/' \
  "$workflow" >"$scratch/broken/workflow.yml"
! validate "$scratch/broken/workflow.yml" || fail "action-validator accepts a broken workflow"

# --- 2. the names
# The keys of a top-level mapping of a block-style YAML file (two-space indentation).
keys_of() {
  awk -v section="$1:" '
    /^[^ #]/ { inside = ($0 == section); next }
    inside && /^  [A-Za-z][A-Za-z0-9_-]*:/ { sub(/^  /, ""); sub(/:.*/, ""); print }
  ' "$2" | tr '\n' ' '
}
# The scalar under KEY of an input: `    default: VALUE`.
input_field() {
  awk -v input="  $1:" -v field="    $2: " '
    /^[^ ]/ { section = $0 }
    section == "inputs:" && /^  [^ ]/ { current = $0 }
    section == "inputs:" && current == input && index($0, field) == 1 {
      print substr($0, length(field) + 1)
    }
  ' "$action"
}
want_inputs="token repositories owner config data-branch report warn-days backfill-requests github-token keep-enabled app-id app-key app-installation-id "
[[ $(keys_of inputs "$action") == "$want_inputs" ]] ||
  fail "action.yml inputs are '$(keys_of inputs "$action")', expected '$want_inputs'"
want_outputs="collected failed new-days at-risk commit "
[[ $(keys_of outputs "$action") == "$want_outputs" ]] ||
  fail "action.yml outputs are '$(keys_of outputs "$action")', expected '$want_outputs'"
# A token, or a GitHub App (app-id and app-key): deploy/actions/run refuses neither given.
[[ $(input_field token required) == false ]] || fail "the token input is required, so an App cannot stand in"
for pair in data-branch=ghtraffic-data "report='true'" "warn-days='3'" "backfill-requests='500'" \
  "repositories=''" \
  "owner=''" "config=''" "keep-enabled='true'" 'github-token=${{ github.token }}' "token=''" \
  "app-id=''" "app-key=''" "app-installation-id=''"; do
  name=${pair%%=*} want=${pair#*=}
  [[ $(input_field "$name" default) == "$want" ]] ||
    fail "input $name defaults to '$(input_field "$name" default)', expected $want"
done
for name in INPUT_TOKEN INPUT_REPOSITORIES INPUT_OWNER INPUT_CONFIG INPUT_DATA_BRANCH \
  INPUT_REPORT INPUT_WARN_DAYS INPUT_BACKFILL_REQUESTS INPUT_APP_ID INPUT_APP_KEY \
  INPUT_APP_INSTALLATION_ID; do
  grep -q "^        $name: \${{ inputs\.[a-z-]* }}$" "$action" || fail "action.yml does not pass $name"
done
grep -q '^  using: composite$' "$action" || fail "action.yml is not a composite action"
grep -q '"$GITHUB_ACTION_PATH/deploy/actions/run"' "$action" || fail "action.yml does not run deploy/actions/run"
grep -q 'uses: actions/cache/restore@' "$action" && grep -q 'uses: actions/cache/save@' "$action" ||
  fail "action.yml does not cache the build"
grep -q '::add-mask::' "$action" || fail "action.yml does not mask the token"
for output in collected failed new-days at-risk; do
  grep -q "value: \${{ steps.run.outputs.$output }}" "$action" || fail "output $output is not the run's"
done

cron=$(sed -n "s/^ *- cron: '\(.*\)'.*/\1/p" "$workflow")
[[ $cron =~ ^([0-9]+)\ ([0-9]+)\ \*\ \*\ \*$ ]] || fail "the schedule '$cron' is not once a day"
minute=${BASH_REMATCH[1]}
((minute != 0 && minute != 30 && minute % 15 != 0)) || fail "the schedule runs at minute $minute, on the hour or a quarter"
for want in '^  workflow_dispatch:' '^concurrency:' '^  cancel-in-progress: false$' '^permissions: {}$' \
  '^      contents: write' '^      actions: write' 'uses: actions/upload-pages-artifact@' \
  'uses: actions/deploy-pages@' '^      pages: write$' '^      id-token: write$' \
  'token: \${{ secrets.GHTRAFFIC_TOKEN }}' 'uses: actions/checkout@'; do
  grep -q "$want" "$workflow" || fail "the workflow lacks $want"
done
echo "PASS: action.yml and the workflow validate and keep their names"
