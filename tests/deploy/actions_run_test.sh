#!/usr/bin/env bash
# Runs deploy/actions/run as GitHub Actions would (the INPUT_*/GITHUB_* environment, a
# checkout whose remote is a local bare repository) against the mock GitHub server, over
# several simulated days:
#  1. the first run on an empty remote starts the data branch with its README; the branch's
#     CSV files equal the export of a store that collected the same days directly;
#  2. one commit per run with something new, none without, with the message and outputs
#     (collected, failed, new-days, at-risk, commit) of the run;
#  3. two runs racing: both land their days, nothing is force-pushed;
#  4. `ghtraffic status` over the store rebuilt from the branch (repos.csv carries each
#     repository's last collection) makes the run red after the data is pushed: a failing
#     repository, one within warn-days; the repositories of the branch a run did not try
#     are a warning; the workflow is re-enabled with PUT .../actions/workflows/FILE/enable,
#     a refusal is only a warning;
#  5. the token (a canary) is in no commit, no file and no output; in Actions it is masked;
#  6. bad inputs are exit 2 with a message that names the input;
#  7. each run reads the star and fork history after the collection within backfill-requests,
#     going on from the backfill.csv of the branch; the branch equals a direct collection
#     that backfilled at the same times.
# Usage: actions_run_test.sh RUN_SCRIPT GHTRAFFIC_BINARY MOCK_BINARY
set -euo pipefail

run_script=$1 gt=$2 mock=$3
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
for tool in git jq curl; do
  command -v "$tool" >/dev/null || fail "$tool is missing; run scripts/setup"
done

scratch=$(mktemp -d)
mock_pid=
app_mock_pid=
cleanup() {
  [[ -n $mock_pid ]] && kill "$mock_pid" 2>/dev/null
  [[ -n $app_mock_pid ]] && kill "$app_mock_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
canary="ghtraffic-canary-$RANDOM$RANDOM-do-not-print"
export GIT_CONFIG_GLOBAL=$scratch/gitconfig GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# The simulated days end today (UTC), so that `status` in the run counts days left as it
# does on a runner: runs on day -6, -3, -2, then the race on day -1 and today.
day() { date -u -d "$(date -u +%F) $1 days" +%F; }
at() { echo "$(day "$1")T10:17:00Z"; }

# --- the mock: three repositories with 90 days of history; requests need the canary.
cat >"$scratch/scenario.json" <<EOF
{"synthetic": [{"owner": "octo-org", "count": 3, "first_day": "$(day -80)",
                "last_day": "$(day 10)", "seed": 7}]}
EOF
"$mock" --port 0 --scenario "$scratch/scenario.json" --now "$(at -6)" \
  --token "$canary" >"$scratch/mock.out" 2>&1 &
mock_pid=$!
for _ in $(seq 100); do
  grep -qs "^listening on " "$scratch/mock.out" && break
  sleep 0.05
done
api=$(sed -n 's/^listening on //p' "$scratch/mock.out")
[[ -n $api ]] || fail "the mock server did not start: $(cat "$scratch/mock.out")"
set_now() { curl -sf -X POST "$api/_mock/now" -d "{\"now\":\"$1\"}" >/dev/null; }
mock_fault() { curl -sf -X POST "$api/_mock/fault" -d "$1" >/dev/null; }

# --- remotes and checkouts
new_remote() {
  git init --quiet --bare "$scratch/$1.git"
}
# A checkout with a commit on main, as actions/checkout leaves it, holding the config of the
# `config` input: the sources, and no pacing (the mock has no limit; GitHub's is the default).
new_checkout() { # NAME REMOTE
  git init --quiet "$scratch/$1"
  git -C "$scratch/$1" remote add origin "$scratch/$2.git"
  printf 'max_per_minute = 1000000\n[[sources]]\nowner = "octo-org"\n' >"$scratch/$1/ghtraffic.toml"
  git -C "$scratch/$1" add ghtraffic.toml
  git -C "$scratch/$1" -c user.name=dev -c user.email=dev@example.com commit --quiet -m init
}
branch_commits() { git -C "$scratch/$1.git" rev-list --count ghtraffic-data 2>/dev/null || echo 0; }

# run_action NAME CHECKOUT [VAR=VALUE ...]: one run of the script; its exit code in $rc, its
# output in NAME.log, its step outputs in NAME.output.
run_action() {
  local name=$1 checkout=$2
  shift 2
  mkdir -p "$scratch/runner-temp"
  : >"$scratch/$name.output"
  rc=0
  env -u GITHUB_TOKEN -u GH_TOKEN -u GITHUB_ACTIONS \
    INPUT_TOKEN="$canary" INPUT_CONFIG=ghtraffic.toml INPUT_REPORT=false \
    GITHUB_WORKSPACE="$scratch/$checkout" GITHUB_API_URL="$api" GHTRAFFIC_BIN="$gt" \
    GITHUB_OUTPUT="$scratch/$name.output" GITHUB_STEP_SUMMARY="$scratch/$name.summary" \
    RUNNER_TEMP="$scratch/runner-temp" "$@" \
    "$run_script" >"$scratch/$name.log" 2>&1 || rc=$?
  [[ -z $(ls -A "$scratch/runner-temp") ]] || fail "$name left files in RUNNER_TEMP"
}
output_of() { sed -n "s/^$2=//p" "$scratch/$1.output"; }
expect_rc() { # NAME WANT
  [[ $rc == "$2" ]] || fail "$1 exited $rc, expected $2: $(cat "$scratch/$1.log")"
}
expect_output() { # NAME KEY WANT
  local got
  got=$(output_of "$1" "$2")
  [[ $got == "$3" ]] || fail "$1: output $2 is '$got', expected '$3'"
}

# The direct collection the branch must equal: one store collected (and backfilled, with the
# action's default budget) at the same times.
collect_direct() {
  local rc=0
  GITHUB_TOKEN=$canary "$gt" collect --quiet --store "sqlite:$scratch/$1.db" --api-url "$api" \
    --max-per-minute 1000000 --owner octo-org >/dev/null || rc=$?
  GITHUB_TOKEN=$canary "$gt" backfill --quiet --store "sqlite:$scratch/$1.db" --api-url "$api" \
    --config "$scratch/work/ghtraffic.toml" --max-requests 500 >/dev/null
  return "$rc"
}
expect_branch_equals_direct() { # REMOTE STORE
  rm -rf "$scratch/direct"
  "$gt" export --quiet --store "sqlite:$scratch/$2.db" --out "$scratch/direct" >/dev/null
  local want got f
  want=$( (echo README.md && ls "$scratch/direct") | sort)
  got=$(git -C "$scratch/$1.git" ls-tree --name-only ghtraffic-data | sort)
  [[ $got == "$want" ]] || fail "the data branch holds ${got//$'\n'/ }, expected ${want//$'\n'/ }"
  for f in "$scratch"/direct/*.csv; do
    git -C "$scratch/$1.git" show "ghtraffic-data:${f##*/}" >"$scratch/branch.csv"
    cmp -s "$f" "$scratch/branch.csv" ||
      fail "${f##*/} on the branch differs from a direct collection's export: $(diff "$f" "$scratch/branch.csv" | head -20)"
  done
}

# === 1-2. Days on one remote, the first on an empty one.
new_remote remote
new_checkout work remote

run_action day1 work GITHUB_WORKFLOW_REF=octo-org/repo-0/.github/workflows/ghtraffic.yml@refs/heads/main \
  GITHUB_REPOSITORY=octo-org/repo-0 INPUT_REPORT=true
expect_rc day1 0
collect_direct direct
[[ $(branch_commits remote) == 1 ]] || fail "the first run made $(branch_commits remote) commits"
[[ -z $(git -C "$scratch/remote.git" log --format=%P -1 ghtraffic-data) ]] ||
  fail "the data branch does not start as an orphan"
git -C "$scratch/remote.git" show ghtraffic-data:README.md | grep -q 'never collected' ||
  fail "the data branch has no README that explains its files"
expect_branch_equals_direct remote direct
expect_output day1 collected 3
expect_output day1 failed 0
expect_output day1 at-risk 0
expect_output day1 commit "$(git -C "$scratch/remote.git" rev-parse ghtraffic-data)"
first_days=$(output_of day1 new-days)
((first_days == 3 * 15)) || fail "the first run reports $first_days new days"
subject=$(git -C "$scratch/remote.git" log --format=%s -1 ghtraffic-data)
[[ $subject == "3 repositories, $first_days new days" ]] || fail "commit message '$subject'"
[[ -s $scratch/work/report/index.html ]] || fail "report: true wrote no report/index.html"
grep -q 'octo-org/repo-1' "$scratch/work/report/index.html" || fail "the report lacks the data"
[[ -z $(git -C "$scratch/work" status --porcelain --untracked-files=no) ]] ||
  fail "the run changed the checkout's tracked files"
[[ $(git -C "$scratch/work" rev-parse HEAD) == $(git -C "$scratch/work" rev-parse main) ]] ||
  fail "the run moved the checkout's HEAD"
curl -sf "$api/_mock/stats" | jq -e '.enabled_workflows == ["octo-org/repo-0/ghtraffic.yml"]' >/dev/null ||
  fail "the run did not re-enable its workflow: $(curl -sf "$api/_mock/stats" | jq -c .enabled_workflows)"
grep -q "3 repositories, $first_days new days" "$scratch/day1.summary" || fail "no job summary"
# The star and fork history came in after the collection, and where it stands is saved.
grep -q 'Reading star and fork history (at most 500 requests)' "$scratch/day1.log" ||
  fail "day 1 did not read the star and fork history: $(cat "$scratch/day1.log")"
[[ $(git -C "$scratch/remote.git" show ghtraffic-data:backfill.csv | tail -n +2 | wc -l) == 6 ]] ||
  fail "backfill.csv does not hold stars and forks of 3 repositories: $(git -C "$scratch/remote.git" show ghtraffic-data:backfill.csv)"
stars_csv=$(git -C "$scratch/remote.git" show ghtraffic-data:stars.csv)
[[ $stars_csv == *,history* ]] ||
  fail "stars.csv holds no star history"

# The same time again: nothing new, no commit (and in Actions: the token is masked). The
# backfill goes on from backfill.csv and finds nothing new to store.
run_action again work GITHUB_ACTIONS=true
expect_rc again 0
grep -q 'Reading star and fork history' "$scratch/again.log" ||
  fail "the second run did not read the star and fork history: $(cat "$scratch/again.log")"
[[ $(branch_commits remote) == 1 ]] || fail "a run with nothing new made a commit"
expect_output again commit ""
expect_output again new-days 0
if [[ $(grep -c "$canary" "$scratch/again.log") != 1 ]] ||
  ! grep -qx "::add-mask::$canary" "$scratch/again.log"; then
  fail "in Actions the token must appear once, in the ::add-mask:: command"
fi

# Three days later, after two days without a run: one commit, three new days per repository.
# With warn-days 11 every repository, collected on day -3, is within it (11 days left):
# `ghtraffic status` makes the run red, after the push.
set_now "$(at -3)"
run_action day4 work INPUT_WARN_DAYS=11
expect_rc day4 1
collect_direct direct
expect_output day4 new-days 9
expect_output day4 at-risk 3
expect_output day4 failed 0
grep -q 'AT RISK: collect it within 11 days' "$scratch/day4.log" ||
  fail "day 4's log lacks the status table: $(cat "$scratch/day4.log")"
grep -q '3 repositories within 11 days of losing traffic' "$scratch/day4.log" ||
  fail "day 4 does not say why it is red: $(cat "$scratch/day4.log")"
[[ $(branch_commits remote) == 2 ]] || fail "day 4 did not make exactly one commit"
[[ $(git -C "$scratch/remote.git" log --format=%s -1 ghtraffic-data) == "3 repositories, 9 new days" ]] ||
  fail "day 4's commit message is '$(git -C "$scratch/remote.git" log --format=%s -1 ghtraffic-data)'"
expect_branch_equals_direct remote direct
# Stored history outlives GitHub's window: the first day of the first run is still there.
git -C "$scratch/remote.git" show ghtraffic-data:daily.csv | grep -q "^octo-org/repo-0,$(day -20)," ||
  fail "day 1's oldest day left the branch"

# A failing repository: the others are saved, then the run is red; a refused re-enable warns.
set_now "$(at -2)"
mock_fault '{"url":"repo-2/traffic/views","fault":"forbidden_push","times":1}'
mock_fault '{"url":"actions/workflows","fault":"forbidden_push","times":1}'
# warn-days 11: collected on day -2, 12 days are left; repo-2, last collected on day -3, has 11.
run_action failing work GITHUB_WORKFLOW_REF=octo-org/repo-0/.github/workflows/ghtraffic.yml@main \
  GITHUB_REPOSITORY=octo-org/repo-0 INPUT_WARN_DAYS=11 INPUT_OWNER=octo-org
expect_rc failing 1
expect_output failing failed 1
expect_output failing collected 2
expect_output failing at-risk 1
[[ $(branch_commits remote) == 3 ]] || fail "a run with a failing repository did not save the others"
git -C "$scratch/remote.git" show ghtraffic-data:daily.csv | grep -q "^octo-org/repo-0,$(day -2)," ||
  fail "the failing run did not save repo-0's new day"
grep -q 'could not re-enable the workflow ghtraffic.yml (HTTP 403)' "$scratch/failing.log" ||
  fail "a refused re-enable gave no warning: $(cat "$scratch/failing.log")"
grep -q 'octo-org/repo-2' "$scratch/failing.log" || fail "the failing run does not name repo-2"
# The days left come from `ghtraffic status` over a store rebuilt from the branch: repo-2's
# last collection (day -3) came in with repos.csv, so it is at risk, not "never collected".
grep -Eq 'octo-org/repo-2 +11 .*AT RISK' "$scratch/failing.log" ||
  fail "status does not count repo-2's days from its last collection: $(cat "$scratch/failing.log")"
grep -q 'last attempt .* failed' "$scratch/failing.log" ||
  fail "status does not show repo-2's error: $(cat "$scratch/failing.log")"
grep -q '1 repository could not be collected in full' "$scratch/failing.log" ||
  fail "the failing run does not say why it is red: $(cat "$scratch/failing.log")"
mock_fault '{"url":"repo-2/traffic/views","fault":"forbidden_push","times":1}'
collect_direct direct 2>/dev/null || true # the same failure, for the comparison below

# A failed repository with days to spare (12 left, warn-days 3) makes a red run too; this run
# learns nothing new, so it commits nothing.
mock_fault '{"url":"repo-0/traffic/views","fault":"forbidden_push","times":1}'
run_action spare work INPUT_CONFIG= INPUT_REPOSITORIES=octo-org/repo-0
expect_rc spare 1
expect_output spare failed 1
expect_output spare at-risk 0
expect_output spare commit ""
[[ $(branch_commits remote) == 3 ]] || fail "a run with nothing new but a failure made a commit"
grep -q '1 repository could not be collected in full' "$scratch/spare.log" ||
  fail "a failed repository with days to spare did not make the run red: $(cat "$scratch/spare.log")"

# === 3. Races: the remote's pre-receive hook runs a whole second run (a day later) before it
# lets the first run's push through, so the first push is rejected.
race() { # REMOTE: runs "first" on day -1, "second" inside its push today
  local remote=$1
  new_checkout "$remote-a" "$remote"
  new_checkout "$remote-b" "$remote"
  cat >"$scratch/$remote-second.sh" <<EOF
curl -sf -X POST "$api/_mock/now" -d '{"now":"$(at 0)"}' >/dev/null
cd "$scratch"
INPUT_TOKEN="$canary" INPUT_REPORT=false GITHUB_WORKSPACE="$scratch/$remote-b" \\
  INPUT_CONFIG="$scratch/$remote-b/ghtraffic.toml" \\
  INPUT_REPOSITORIES=\$'octo-org/repo-0\\nocto-org/repo-1 octo-org/repo-2' \\
  GITHUB_API_URL="$api" GHTRAFFIC_BIN="$gt" RUNNER_TEMP="$scratch/runner-temp" \\
  GIT_CONFIG_GLOBAL="$scratch/gitconfig" GIT_CONFIG_NOSYSTEM=1 \\
  "$run_script" >"$scratch/$remote-second.log" 2>&1
echo \$? >"$scratch/$remote-second.rc"
EOF
  cat >"$scratch/$remote.git/hooks/pre-receive" <<EOF
#!/usr/bin/env bash
[[ -e "$scratch/$remote.raced" ]] && exit 0
touch "$scratch/$remote.raced"
env -i PATH="\$PATH" HOME="\$HOME" bash "$scratch/$remote-second.sh"
exit 0
EOF
  chmod +x "$scratch/$remote.git/hooks/pre-receive"
  set_now "$(at -1)"
  run_action "$remote-first" "$remote-a"
  expect_rc "$remote-first" 0
  [[ $(cat "$scratch/$remote-second.rc") == 0 ]] || fail "the second run failed: $(cat "$scratch/$remote-second.log")"
  grep -q 'another run pushed' "$scratch/$remote-first.log" ||
    fail "the push of $remote-first was not rejected: the race did not happen"
  local observed
  observed=$(git -C "$scratch/$remote.git" show ghtraffic-data:windows.csv | cut -d, -f2 | sort -u | tr '\n' ' ')
  [[ $observed == *"$(at -1)"* && $observed == *"$(at 0)"* ]] ||
    fail "after the race on $remote the branch lacks a run's observations: $observed"
  git -C "$scratch/$remote.git" merge-base --is-ancestor \
    "$(git -C "$scratch/$remote-b" rev-parse "origin/ghtraffic-data")" ghtraffic-data ||
    fail "the second run's commit was overwritten (a force-push)"
}
# On an existing branch: its earlier days stay, both runs add theirs.
race remote
collect_at() {
  set_now "$1"
  collect_direct direct
}
collect_at "$(at -1)"
collect_at "$(at 0)"
expect_branch_equals_direct remote direct
[[ $(branch_commits remote) == 5 ]] || fail "the race on the branch made $(($(branch_commits remote) - 3)) commits"

# A run that tries one repository: it decides the run (14 days left is within warn-days 14);
# the branch's others, as close to losing days, are only a warning naming them.
run_action one remote-a INPUT_CONFIG= INPUT_REPOSITORIES=octo-org/repo-0 INPUT_WARN_DAYS=14
expect_rc one 1
expect_output one at-risk 1
expect_output one failed 0
grep -q 'losing traffic but not tried by this run: octo-org/repo-1 octo-org/repo-2' "$scratch/one.log" ||
  fail "the repositories the run did not try are not named: $(cat "$scratch/one.log")"

# A file of the branch broken by hand: the run stops before collecting and writes nothing.
git clone --quiet --branch ghtraffic-data "$scratch/remote.git" "$scratch/hand"
echo 'octo-org/repo-0,not-a-day,1,1,1,1,,' >>"$scratch/hand/daily.csv"
git -C "$scratch/hand" -c user.name=dev -c user.email=dev@example.com commit --quiet -am "by hand"
git -C "$scratch/hand" push --quiet origin ghtraffic-data
broken_tip=$(git -C "$scratch/remote.git" rev-parse ghtraffic-data)
run_action broken remote-a
expect_rc broken 1
grep -q 'could not read the CSV files of ghtraffic-data' "$scratch/broken.log" ||
  fail "a broken data branch gave no clear error: $(cat "$scratch/broken.log")"
grep -q 'daily.csv' "$scratch/broken.log" || fail "the error does not name the file: $(cat "$scratch/broken.log")"
[[ $(git -C "$scratch/remote.git" rev-parse ghtraffic-data) == "$broken_tip" ]] ||
  fail "a run over a broken data branch pushed"

# === 5. The token: in no commit, no file, no output (but the one masked line above).
for repo in "$scratch"/*.git "$scratch"/work "$scratch"/*-a "$scratch"/*-b "$scratch"/hand; do
  if git -C "$repo" cat-file --batch-all-objects --batch 2>/dev/null | grep -aq "$canary"; then
    fail "the token is in a git object of $repo"
  fi
done
leaks=$(grep -rlF --exclude=again.log --exclude='*-second.sh' "$canary" "$scratch" || true)
[[ -z $leaks ]] || fail "the token is in $leaks"

# === 6. Bad inputs: exit 2, a message that names the input, before anything is fetched.
run_action bad-days work INPUT_WARN_DAYS=soon
expect_rc bad-days 2
grep -q "warn-days must be a whole number" "$scratch/bad-days.log" || fail "bad warn-days: $(cat "$scratch/bad-days.log")"
run_action bad-repo work INPUT_REPOSITORIES="octo-org"
expect_rc bad-repo 2
grep -q "'octo-org' is not OWNER/REPO" "$scratch/bad-repo.log" || fail "bad repositories: $(cat "$scratch/bad-repo.log")"
run_action bad-backfill work INPUT_BACKFILL_REQUESTS=lots
expect_rc bad-backfill 2
grep -q "backfill-requests must be a whole number" "$scratch/bad-backfill.log" ||
  fail "bad backfill-requests: $(cat "$scratch/bad-backfill.log")"
run_action no-token work INPUT_TOKEN=
expect_rc no-token 2
grep -q "GITHUB_TOKEN cannot read traffic" "$scratch/no-token.log" || fail "no token: $(cat "$scratch/no-token.log")"

# === 7. A GitHub App instead of a token: a second mock that accepts only the App's JWTs
# (verified with a key made for this run) and its installation's tokens. With no
# repositories, owner or config, the run collects what the installation sees; the key is
# in no output.
openssl genrsa -out "$scratch/app.pem" 2048 2>/dev/null || fail "openssl could not make a key"
"$mock" --port 0 --scenario "$scratch/scenario.json" --now "$(at 0)" --app-id 4242 \
  --app-key "$scratch/app.pem" --app-installation octo-org >"$scratch/app-mock.out" 2>&1 &
app_mock_pid=$!
for _ in $(seq 100); do
  grep -qs "^listening on " "$scratch/app-mock.out" && break
  sleep 0.05
done
app_api=$(sed -n 's/^listening on //p' "$scratch/app-mock.out")
[[ -n $app_api ]] || fail "the App's mock server did not start: $(cat "$scratch/app-mock.out")"
new_remote app-remote
new_checkout app-work app-remote
run_action app app-work INPUT_TOKEN= INPUT_CONFIG= INPUT_APP_ID=4242 \
  INPUT_APP_KEY="$(cat "$scratch/app.pem")" GITHUB_API_URL="$app_api" INPUT_KEEP_ENABLED=false
expect_rc app 0
expect_output app collected 3
while IFS= read -r line; do
  [[ $line == -----* ]] && continue
  ! grep -qF -- "$line" "$scratch/app.log" "$scratch/app.output" || fail "a line of the App's key was printed"
done <"$scratch/app.pem"
curl -sf "$app_api/_mock/stats" | jq -e '.app_tokens_issued >= 1 and .jwts_refused == 0' >/dev/null ||
  fail "the run did not authenticate as the App: $(curl -sf "$app_api/_mock/stats")"
kill "$app_mock_pid" 2>/dev/null
app_mock_pid=
run_action app-half work INPUT_TOKEN= INPUT_APP_ID=4242
expect_rc app-half 2
grep -q "needs both app-id and app-key" "$scratch/app-half.log" || fail "app-id alone: $(cat "$scratch/app-half.log")"

# The action's cached binary: `run build` finds it in GHTRAFFIC_BIN_DIR and builds nothing.
mkdir -p "$scratch/bin/lib"
cp "$gt" "$scratch/bin/ghtraffic"
rc=0
env -u GHTRAFFIC_BIN GHTRAFFIC_BIN_DIR="$scratch/bin" RUNNER_TEMP="$scratch/runner-temp" \
  "$run_script" build >"$scratch/build.log" 2>&1 || rc=$?
expect_rc build 0
grep -q 'is ready' "$scratch/build.log" && ! grep -q 'Building' "$scratch/build.log" ||
  fail "run build did not use the cached binary: $(cat "$scratch/build.log")"

echo "PASS: deploy/actions/run over 5 simulated days, a race, a failing repository, a broken branch, a GitHub App"
