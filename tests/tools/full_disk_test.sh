#!/usr/bin/env bash
# A full disk under `mdq train` and `mdq export` (docs/RELIABILITY.md, "Full disk"), on a real
# small file system: a 32 MB tmpfs mounted for the test. A run resumed onto the full disk fails
# with status 1 and a message naming the file and the reason; its last checkpoint stays byte
# for byte as it was, no temporary file is left, and once space is freed the same resume
# finishes. An export onto the full disk fails likewise and leaves no model file.
# Skips (exit 77) without Fashion-MNIST or where the machine refuses to mount a tmpfs (needs
# root or CAP_SYS_ADMIN); tests/data/safetensors_test.cpp covers that case with a file-size limit.
set -euo pipefail
mdq=$1
data=/usr/share/datasets/fashion-mnist
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST: skipped"; exit 77; }
dir=$(mktemp -d)
fs=$dir/fs
mkdir "$fs"
if ! mount -t tmpfs -o size=32m tmpfs "$fs" 2> "$dir/mount.err"; then
    echo "cannot mount a tmpfs ($(cat "$dir/mount.err")): skipped"
    rm -rf "$dir"
    exit 77
fi
trap 'umount -l "$fs"; rm -rf "$dir"' EXIT
common=(--set model=lenet5 --set device=cpu --set batch_size=32 --set eval_batches=2
        --set num_workers=1 --set progress=false --set log_interval=1 --set eval_interval=10
        --set checkpoint_interval=10 --set out_dir="$fs/run")

"$mdq" train "${common[@]}" --set iterations=10 > "$dir/first.log"
cp "$fs/run/last.safetensors" "$dir/last.before"
cp "$fs/run/best.safetensors" "$dir/best.before"
# All the space but 128 KB: the run starts (lock, config, metrics rows), its next checkpoint
# (about 1 MB; best.safetensors or last.safetensors) cannot fit.
dd if=/dev/zero of="$fs/fill" bs=64k 2> /dev/null || true
truncate -s -128K "$fs/fill"
status=0
"$mdq" train "${common[@]}" --set iterations=30 --set overwrite=true \
    --resume "$fs/run/last.safetensors" > "$dir/full.log" 2> "$dir/full.err" || status=$?
[ "$status" = 1 ] || { echo "status $status on a full disk, expected 1"; cat "$dir/full.err"; exit 1; }
grep -Eq "mdq: error: cannot write '$fs/run/(last|best).safetensors'.*No space left on device" \
    "$dir/full.err" ||
    { echo "the error does not name the file and the reason:"; cat "$dir/full.err"; exit 1; }
for c in last best; do
    cmp "$fs/run/$c.safetensors" "$dir/$c.before" ||
        { echo "$c.safetensors changed on a full disk"; exit 1; }
done
if ls "$fs/run" | grep -q '\.tmp\.'; then echo "a temporary file was left:"; ls "$fs/run"; exit 1; fi
tail -c1 "$fs/run/metrics.jsonl" | od -c | grep -q '\\n' || { echo "a partial metrics row"; exit 1; }

# An export onto the disk full to the last byte: an error naming the file, no model file under
# its final name.
dd if=/dev/zero of="$fs/fill2" bs=4k 2> /dev/null || true
status=0
"$mdq" export --checkpoint "$fs/run/last.safetensors" --out "$fs/export" > "$dir/export.log" \
    2>&1 || status=$?
[ "$status" = 1 ] || { echo "export status $status on a full disk"; cat "$dir/export.log"; exit 1; }
grep -q "cannot .* '$fs/export/model.*No space left on device" "$dir/export.log" ||
    { cat "$dir/export.log"; exit 1; }
[ ! -e "$fs/export/model.safetensors" ] && [ ! -e "$fs/export/model.json" ] ||
    { echo "the failed export left a model file:"; ls "$fs/export"; exit 1; }

# With space again, the same resume runs to the end from the checkpoint kept.
rm "$fs/fill" "$fs/fill2"
"$mdq" train "${common[@]}" --set iterations=30 --set overwrite=true \
    --resume "$fs/run/last.safetensors" > "$dir/resume.log"
grep -q "resuming at step 10" "$dir/resume.log" || { cat "$dir/resume.log"; exit 1; }
[ -s "$fs/run/summary.json" ] || { echo "the resumed run wrote no summary"; exit 1; }
echo "full disk: clear errors, checkpoint kept, resume finishes"
