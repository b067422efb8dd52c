#!/usr/bin/env bash
# Checks deploy/systemd/ghtraffic.service:
#  1. systemd accepts it (systemd-analyze verify) and rates its sandbox OK (exposure ≤ 2.5);
#  2. it keeps the promises docs/self-hosting.md makes: its own user, a read-only system, the
#     store in the state directory, the token from a credential;
#  3. its ExecStart command line, with the unit's environment, really serves: with the
#     paths moved into a scratch folder and GitHub replaced by the mock server, it collects
#     into the store, answers /healthz and /api/status, and exits 0 on SIGTERM.
# Usage: systemd_unit_test.sh UNIT GHTRAFFIC_BINARY MOCK_BINARY
set -euo pipefail

unit=$1 binary=$2 mock=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing; run scripts/setup"
command -v curl >/dev/null || fail "curl is missing; run scripts/setup"

scratch=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT

# The value of KEY= (the last one when repeated), continuation lines joined.
unit_value() {
  sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' "$unit" | sed -n "s/^$1=//p" | tail -n 1
}

# --- 1. systemd's own checks, on a copy whose ExecStart names a binary that exists.
sed "s#/usr/local/bin/ghtraffic#$binary#" "$unit" >"$scratch/ghtraffic.service"
systemd-analyze verify "$scratch/ghtraffic.service" || fail "systemd-analyze verify rejected the unit"
security=$(systemd-analyze security --offline=yes --threshold=25 "$scratch/ghtraffic.service" 2>&1) ||
  fail "exposure above 2.5: $(tail -n 1 <<<"$security")"
echo "$(grep 'Overall exposure level' <<<"$security")"

# --- 2. The settings the documentation relies on.
expect() {
  local key=$1 want=$2 got
  got=$(unit_value "$key")
  [[ $got == "$want" ]] || fail "$key is '$got', expected '$want'"
}
expect DynamicUser yes
expect User ghtraffic
expect ProtectSystem strict
expect ProtectHome yes
expect NoNewPrivileges yes
expect CapabilityBoundingSet ''
expect StateDirectory ghtraffic
expect LoadCredential github-token:/etc/ghtraffic/github-token
expect RestartPreventExitStatus 2
grep -q '^Environment=GHTRAFFIC_STORE=sqlite:/var/lib/ghtraffic/' "$unit" ||
  fail "the store is not in the state directory /var/lib/ghtraffic"
exec_start=$(unit_value ExecStart)
[[ $exec_start == *'--token-file ${CREDENTIALS_DIRECTORY}/github-token'* ]] ||
  fail "ExecStart does not read the token from the credential: $exec_start"
[[ $exec_start == *' serve '* ]] || fail "ExecStart does not run serve: $exec_start"
grep -q 'GITHUB_TOKEN' <(grep '^Environment' "$unit") && fail "the token must not be in Environment="

# --- 3. Run ExecStart as systemd would, with its paths moved into the scratch folder.
state=$scratch/state creds=$scratch/credentials
mkdir -p "$state" "$creds"
token=ghp_unittestTOKEN0123456789abcdef
printf '%s\n' "$token" >"$creds/github-token"

"$mock" --port 0 --repos 3 --owner unit-org >"$scratch/mock.out" 2>"$scratch/mock.err" &
pids+=($!)
for _ in $(seq 100); do grep -q 'listening on' "$scratch/mock.out" && break; sleep 0.1; done
mock_url=$(sed -n 's/^listening on //p' "$scratch/mock.out")
[[ -n $mock_url ]] || fail "the mock GitHub server did not start: $(cat "$scratch/mock.err")"

relocate() {
  sed -e "s#/usr/local/bin/ghtraffic#$binary#g" -e "s#/var/lib/ghtraffic#$state#g" \
    -e "s#\${CREDENTIALS_DIRECTORY}#$creds#g" -e "s#127.0.0.1:8080#127.0.0.1:0#g" <<<"$1"
}
env_vars=()
while IFS= read -r line; do env_vars+=("$(relocate "$line")"); done < <(sed -n 's/^Environment=//p' "$unit")
read -r -a command_line <<<"$(relocate "$exec_start")"

env -i PATH="$PATH" GITHUB_API_URL="$mock_url" "${env_vars[@]}" "${command_line[@]}" \
  >"$scratch/serve.out" 2>"$scratch/serve.err" &
serve_pid=$!
pids+=("$serve_pid")
for _ in $(seq 100); do grep -q 'listening on' "$scratch/serve.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$scratch/serve.out")
url=${url%/}
[[ -n $url ]] || fail "serve did not start: $(cat "$scratch/serve.err")"

[[ $(curl -fsS "$url/healthz") == ok* ]] || fail "/healthz did not answer ok"
status=
for _ in $(seq 150); do
  status=$(curl -fsS "$url/api/status")
  [[ $status == *'"repos_ok":3'* ]] && break
  sleep 0.2
done
[[ $status == *'"repos_ok":3'* ]] || fail "the scheduled collection did not store 3 repositories: $status"
[[ -f $state/ghtraffic.db ]] || fail "the store is not in the state directory"
repos=$(curl -fsS "$url/api/repos")
[[ $repos == *unit-org/* ]] || fail "/api/repos does not list the collected repositories"

kill -TERM "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
[[ $rc == 0 ]] || fail "serve exited $rc on SIGTERM"
if grep -q "$token" "$scratch/serve.out" "$scratch/serve.err"; then fail "the token appears in serve's output"; fi
echo "ok: unit verified, ExecStart served, collected 3 repositories and stopped cleanly"
