#!/usr/bin/env bash
# A real SIGINT during `mdq train` (docs/RELIABILITY.md, "Interruptions"): the run stops at a
# step boundary with status 130, writes last.safetensors, prints the resume command, and
# resuming from it ends with the same summary as a run never interrupted. A second signal ends
# the process at once. Also: a second run on a folder in use is refused, naming the first's pid.
# Skips (exit 77) without Fashion-MNIST.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
common=(--set model=lenet5 --set device=cpu --set batch_size=32 --set eval_batches=2
        --set num_workers=1 --set progress=false --set log_interval=2 --set iterations=300
        --set eval_interval=100)

# Waits until the run in folder $1 has logged a training row (it is past start-up).
wait_training() {
    for _ in $(seq 600); do
        grep -q '"loss"' "$1/metrics.jsonl" 2> /dev/null && return 0
        kill -0 "$pid" 2> /dev/null || { echo "the run ended before the signal"; exit 1; }
        sleep 0.05
    done
    echo "the run did not start training"; exit 1
}

"$mdq" train "${common[@]}" --set out_dir="$dir/full" > "$dir/full.log"

"$mdq" train "${common[@]}" --set out_dir="$dir/run" > "$dir/run.log" 2> "$dir/run.err" &
pid=$!
wait_training "$dir/run"
# A second run on the same folder is refused while the first holds it.
if "$mdq" train "${common[@]}" --set out_dir="$dir/run" > "$dir/second.log" 2>&1; then
    echo "a second run on a locked folder ran"; exit 1
fi
grep -q "is in use by another mdq train (pid $pid)" "$dir/second.log" ||
    { echo "the refusal does not name pid $pid:"; cat "$dir/second.log"; exit 1; }
kill -INT "$pid"
status=0
wait "$pid" || status=$?
pid=
[ "$status" = 130 ] ||
    { echo "status $status after SIGINT, expected 130"; cat "$dir/run.err"; exit 1; }
for line in "stopping at the end of this step" "stopped by SIGINT at step"; do
    grep -q "$line" "$dir/run.err" || { echo "no '$line' in:"; cat "$dir/run.err"; exit 1; }
done
[ -s "$dir/run/last.safetensors" ] || { echo "no checkpoint after SIGINT"; exit 1; }
[ ! -e "$dir/run/summary.json" ] || { echo "an interrupted run wrote summary.json"; exit 1; }
[ ! -e "$dir/run/.lock" ] || { echo "the lock file was left behind"; exit 1; }
resume=$(grep -A1 "^resume with:" "$dir/run.err" | tail -1)
case "$resume" in
"  mdq train "*" --resume $dir/run/last.safetensors") ;;
*) echo "no resume command in:"; cat "$dir/run.err"; exit 1 ;;
esac

# The printed command, run as printed, finishes the run.
eval "\"$mdq\" ${resume#  mdq }" > "$dir/resume.log"
grep -q "resuming at step" "$dir/resume.log"
python3 - "$dir/full/summary.json" "$dir/run/summary.json" <<'PY'
import json, sys
full, resumed = (json.load(open(p)) for p in sys.argv[1:])
for k in ("images_per_s", "train_seconds"):  # timings differ between runs
    full.pop(k), resumed.pop(k)
assert full == resumed, f"resumed run differs:\n{full}\n{resumed}"
PY

# A second signal ends the run at once. Each step of 4096 images takes about two seconds, so
# the second signal, sent once the first is acknowledged, nearly always lands inside the step;
# when the step ended first the run stopped gracefully, and the check is tried again.
second_signal_exits() {
    "$mdq" train "${common[@]}" --set batch_size=4096 --set log_interval=1 \
        --set iterations=100000 --set out_dir="$dir/twice$1" > /dev/null 2> "$dir/twice.err" &
    pid=$!
    wait_training "$dir/twice$1"
    kill -TERM "$pid"
    for _ in $(seq 1000); do
        grep -q "stopping at the end of this step" "$dir/twice.err" && break
        sleep 0.01
    done
    kill -TERM "$pid" 2> /dev/null || true
    status=0
    wait "$pid" || status=$?
    pid=
    [ "$status" = 143 ] || { echo "status $status after two SIGTERMs, expected 143"; exit 1; }
    ! grep -q "stopped by" "$dir/twice.err"
}
for try in 1 2 3; do
    second_signal_exits "$try" && break
    [ "$try" = 3 ] && { echo "the second signal never ended the run at once"; exit 1; }
done
grep -q "second stop signal, exiting now" "$dir/twice.err" || { cat "$dir/twice.err"; exit 1; }
echo "ok"
