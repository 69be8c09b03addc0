#!/usr/bin/env bash
# The fault test: 2 ranks train; rank 1 dies (kill) or stops answering (hang) at step 3, and
# rank 0 must exit with the error naming rank 1 within the timeout. Allowed time: the timeout,
# the liveness check's grace (at most 2 s) and start-up on a loaded machine.
#   fault_test.sh kill|hang FAULT_EXE MPIRUN [MPIRUN_ARGS...]    (the last args give -n 2)
set -uo pipefail
mode=$1
exe=$2
shift 2
timeout_s=5
slack_s=12

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start_ms=$(($(date +%s%N) / 1000000))
timeout 120 "$@" "$exe" "$timeout_s" "$mode" 3 >"$log" 2>&1
status=$?
elapsed_ms=$(($(date +%s%N) / 1000000 - start_ms))
cat "$log"
echo "fault_test.sh: mode $mode, mpirun exit status $status, ${elapsed_ms} ms"

fail() {
    echo "fault_test.sh: FAILED: $*"
    exit 1
}
[[ $status -ne 0 ]] || fail "mpirun exited 0 although rank 1 failed"
[[ $status -ne 124 ]] || fail "the job hung (killed by timeout 120)"
grep -q "^mdq: error: rank 0: .*did not complete within ${timeout_s} s.*; rank 1 does not answer" \
    "$log" || fail "rank 0 did not report the CommError naming rank 1"
grep -q "rank 0: step 2" "$log" || fail "training did not run up to the failure"
((elapsed_ms < (timeout_s + slack_s) * 1000)) || fail "took ${elapsed_ms} ms"
((elapsed_ms >= timeout_s * 1000)) || fail "gave up before the timeout (${elapsed_ms} ms)"
echo "fault_test.sh: passed"
