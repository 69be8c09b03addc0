#!/usr/bin/env bash
# A signal to one rank of a 2-process `mdq train` (docs/RELIABILITY.md, "Interruptions"): the
# ranks agree on it at the next log step, rank 0 writes one checkpoint, every rank exits with
# status 130 and the job ends (no hang, no MPI_Abort), with the resume command printed once;
# resuming under mpirun finishes the run. Skips (exit 77) without Fashion-MNIST.
#   train_signal_mpi_test.sh MDQ MPIRUN [MPIRUN_ARGS...]     (the last args give -n 2)
set -euo pipefail
mdq=$1
shift
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
job=
trap '[ -n "$job" ] && kill -9 "$job" 2>/dev/null; rm -rf "$dir"' EXIT
common=(--set model=lenet5 --set device=cpu --set batch_size=32 --set eval_batches=2
        --set num_workers=1 --set progress=false --set log_interval=2 --set iterations=300
        --set eval_interval=100 --set out_dir="$dir/run")

timeout 240 "$@" "$mdq" train "${common[@]}" > "$dir/run.log" 2> "$dir/run.err" &
job=$!
for _ in $(seq 1200); do
    grep -q '"loss"' "$dir/run/metrics.jsonl" 2> /dev/null && break
    kill -0 "$job" 2> /dev/null || { echo "the job ended before the signal"; cat "$dir/run.err"; exit 1; }
    sleep 0.05
done
# Rank 1 is the mdq process below this job whose environment says so.
rank1=
for p in $(pgrep -s 0 -x mdq); do
    tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1" && rank1=$p
done
[ -n "$rank1" ] || { echo "no rank 1 process found"; exit 1; }
kill -INT "$rank1"
status=0
wait "$job" || status=$?
job=
[ "$status" != 124 ] || { echo "the job hung after the signal"; cat "$dir/run.err"; exit 1; }
[ "$status" != 0 ] || { echo "the job exited 0 after a signal"; exit 1; }
[ "$(grep -c "stopped by SIGINT at step" "$dir/run.err")" = 1 ] ||
    { echo "expected one 'stopped by SIGINT' line (rank 0):"; cat "$dir/run.err"; exit 1; }
if grep -q "mdq: error" "$dir/run.err"; then echo "a rank failed:"; cat "$dir/run.err"; exit 1; fi
[ -s "$dir/run/last.safetensors" ] || { echo "no checkpoint after the signal"; exit 1; }
[ ! -e "$dir/run/summary.json" ] || { echo "an interrupted job wrote summary.json"; exit 1; }
[ ! -e "$dir/run/.lock" ] || { echo "the lock file was left behind"; exit 1; }
ls "$dir/run" | grep -q '\.tmp\.' && { echo "a temporary file was left"; exit 1; }
step=$(sed -n 's/.*stopped by SIGINT at step \([0-9]*\).*/\1/p' "$dir/run.err")

# The printed command, run under mpirun again, resumes at that step and finishes.
resume=$(grep -A1 "^resume with:" "$dir/run.err" | tail -1)
eval "timeout 240 \"\$@\" \"$mdq\" ${resume#  mdq }" > "$dir/resume.log"
grep -q "resuming at step $step " "$dir/resume.log" || { cat "$dir/resume.log"; exit 1; }
[ -s "$dir/run/summary.json" ] || { echo "the resumed job wrote no summary"; exit 1; }
echo "signal to rank 1 at step $step: one checkpoint, all ranks stopped, resume finished"
