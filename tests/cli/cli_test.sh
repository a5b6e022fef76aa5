#!/usr/bin/env bash
# End-to-end checks of the kgw executable: usage and exit codes, plugin inspection, and `serve`
# start-up, refusal and graceful shutdown.
# Usage: cli_test.sh KGW_BINARY FIXTURE_PLUGIN_DIR SOURCE_DIR
set -uo pipefail
kgw="$1"
fixtures="$2"
src="$3"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_rc() {  # expect_rc WANT DESCRIPTION -- command...
  local want="$1" what="$2"; shift 3
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ "$rc" = "$want" ] || fail "$what: exit code $rc, want $want; stderr: $(cat "$work/err")"
}
expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$1" || fail "expected '$2' in $(basename "$1"): $(cat "$1")"
}

# Usage and exit codes.
expect_rc 0 "kgw --help" -- "$kgw" --help
expect_in "$work/out" "exit codes:"
expect_rc 2 "kgw with no command" -- "$kgw"
expect_rc 2 "unknown command" -- "$kgw" frobnicate
expect_in "$work/err" "kgw: unknown command 'frobnicate'"
for cmd in serve translate plugins version; do
  expect_rc 0 "kgw $cmd --help" -- "$kgw" "$cmd" --help
  expect_in "$work/out" "usage: kgw $cmd"
done
expect_rc 2 "serve with an unknown flag" -- "$kgw" serve --frobnicate
expect_in "$work/err" "unknown option --frobnicate"
expect_rc 0 "version" -- "$kgw" version
expect_in "$work/out" "plugin ABI 1."

# translate: usage errors exit 2, input errors 1.
cat >"$work/gw.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: kgateway
  listeners:
  - name: http
    port: 8080
    protocol: HTTP
YAML
expect_rc 0 "translate a Gateway" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/gw
expect_rc 0 "translate to JSON" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/gw -o json
expect_in "$work/out" "{"
expect_rc 0 "translate with settings" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/gw \
  --set 'ReferenceGrantMode=apisettings.ReferenceGrantOff' --set 'PolicyMerge=`{"trafficPolicy":{"acl":"ShallowMerge"}}`'
expect_rc 1 "translate a Gateway not in the input" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/other
expect_in "$work/err" "Gateway default/other not found in the input"
expect_rc 1 "translate a missing file" -- "$kgw" translate -f "$work/missing.yaml" --gateway default/gw
expect_in "$work/err" "missing.yaml"
expect_rc 2 "translate without --gateway" -- "$kgw" translate -f "$work/gw.yaml"
expect_rc 2 "translate without -f" -- "$kgw" translate --gateway default/gw
expect_rc 2 "translate with a bad --gateway" -- "$kgw" translate -f "$work/gw.yaml" --gateway gw
expect_in "$work/err" "expected NS/NAME"
expect_rc 2 "translate with an unknown setting" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/gw --set Bogus=1
expect_in "$work/err" "unknown setting"
expect_rc 2 "translate with a bad output format" -- "$kgw" translate -f "$work/gw.yaml" --gateway default/gw -o xml
# translate --proxy agentgateway: every agentgateway Gateway, no --gateway.
expect_rc 0 "translate for agentgateway" -- "$kgw" translate --proxy agentgateway -f "$work/gw.yaml"
expect_in "$work/out" "output:"
expect_in "$work/out" "status:"
expect_rc 0 "translate for agentgateway to JSON" -- "$kgw" translate --proxy agentgateway -f "$work/gw.yaml" -o json
expect_in "$work/out" '"output"'
expect_rc 2 "translate for an unknown proxy" -- "$kgw" translate --proxy nginx -f "$work/gw.yaml"
expect_in "$work/err" "expected envoy or agentgateway"
expect_rc 2 "translate for agentgateway with --gateway" -- "$kgw" translate --proxy agentgateway -f "$work/gw.yaml" \
  --gateway default/gw
expect_rc 1 "translate for agentgateway a missing file" -- "$kgw" translate --proxy agentgateway -f "$work/missing.yaml"
# An agentgateway Gateway and an AgentgatewayBackend, with the ai-mcp-a2a plugin from --config.
cat >"$work/agw.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: agw, namespace: default}
spec:
  gatewayClassName: agentgateway
  listeners: [{name: http, port: 8080, protocol: HTTP}]
---
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: {name: tools, namespace: default}
spec:
  mcp:
    targets:
    - name: t
      static: {host: mcp.example.com, port: 8000, protocol: StreamableHTTP}
YAML
cat >"$work/agw.toml" <<TOML
[source]
kind = "dir"
paths = ["$work"]
[[plugins]]
name = "ai-mcp-a2a"
path = "$(dirname "$kgw")/plugins/kgw-ai-mcp-a2a.so"
required = true
TOML
expect_rc 0 "translate for agentgateway with its plugin" -- "$kgw" translate --proxy agentgateway -f "$work/agw.yaml" \
  --config "$work/agw.toml"
expect_in "$work/out" "bindKey: 8080/default/agw"
expect_in "$work/out" "key: default/tools/t"
expect_in "$work/out" "Backend successfully accepted"

# plugins inspect.
expect_rc 0 "inspect a good plugin" -- "$kgw" plugins inspect "$fixtures/good.so"
expect_in "$work/out" "plugin:      good"
expect_in "$work/out" "  - backend type Echo"
expect_rc 1 "inspect a plugin for another ABI" -- "$kgw" plugins inspect "$fixtures/wrong_abi_major.so"
expect_in "$work/err" "refused: plugin $fixtures/wrong_abi_major.so: built for plugin ABI 2."
expect_rc 2 "inspect without a path" -- "$kgw" plugins inspect

# serve: a bad configuration exits 2 and names file, line and key.
cat >"$work/bad.toml" <<'TOML'
[server]
xds_port = "ninety"
TOML
expect_rc 2 "serve with a bad config" -- "$kgw" serve --config "$work/bad.toml"
expect_in "$work/err" "$work/bad.toml:2:"
expect_in "$work/err" "server.xds_port"

# serve: a refused required plugin stops start-up.
cat >"$work/required.toml" <<TOML
[source]
kind = "dir"
paths = ["$src/conf/examples"]
[[plugins]]
name = "wrong-abi-major"
path = "$fixtures/wrong_abi_major.so"
required = true
TOML
expect_rc 2 "serve with a refused required plugin" -- "$kgw" serve --config "$work/required.toml"
expect_in "$work/err" "a required plugin was refused"

# serve: an optional broken plugin is skipped, the good one loads, SIGTERM stops it cleanly.
cat >"$work/optional.toml" <<TOML
[source]
kind = "dir"
paths = ["$src/conf/examples"]
[[plugins]]
name = "toolchain-mismatch"
path = "$fixtures/toolchain_mismatch.so"
[[plugins]]
name = "good"
path = "$fixtures/good.so"
[plugins.config]
greeting = "hello"
TOML
run_until_ready() {  # run_until_ready LOG -- command...: starts it, waits for "serving", sends SIGTERM
  local log="$1"; shift 2
  "$@" 2>"$log" &
  local pid=$!
  for _ in $(seq 1 100); do grep -q "serving;" "$log" && break; sleep 0.1; done
  kill -TERM "$pid"
  wait "$pid"
  echo $? >"$log.rc"
}
run_until_ready "$work/optional.log" -- "$kgw" serve --config "$work/optional.toml" --log-format json
[ "$(cat "$work/optional.log.rc")" = 0 ] || fail "serve did not exit 0 on SIGTERM: $(cat "$work/optional.log")"
expect_in "$work/optional.log" '"component":"plugins","msg":"plugin toolchain-mismatch refused and skipped'
expect_in "$work/optional.log" '"msg":"loaded plugin good 1.2.3'
expect_in "$work/optional.log" '"component":"plugin.good","msg":"good plugin registering"'
expect_in "$work/optional.log" '"msg":"received SIGTERM, shutting down"'

# serve: the default configuration loads the project's three plugins.
(cd "$src" && run_until_ready "$work/default.log" -- "$kgw" serve)
[ "$(cat "$work/default.log.rc")" = 0 ] || fail "default serve did not exit 0: $(cat "$work/default.log")"
for p in backend-aws filters ai-mcp-a2a; do expect_in "$work/default.log" "loaded plugin $p 0.1.0"; done
expect_in "$work/default.log" "3 plugin(s) loaded, 0 refused"
# The example Gateway is translated before the "serving" line.
expect_in "$work/default.log" "ready: 1 Gateway(s) translated"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "PASS: all CLI checks"
