#!/usr/bin/env bash
# `mdq plot` on a small metrics.csv writes a PNG; a missing folder is a clear error.
set -euo pipefail
mdq=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/metrics.csv" <<'CSV'
kind,step,epoch,loss,acc,beta,lr,images_per_s,val_loss,val_acc,val_acc_hard
train,10,0,2.0,0.3,1.0,0.001,100,,,
train,20,0,1.5,0.5,1.2,0.001,100,,,
val,20,0,,,,,,1.4,0.55,0.50
train,30,1,1.0,0.7,1.44,0.001,100,,,
val,30,1,,,,,,1.0,0.70,0.68
CSV
"$mdq" plot "$dir"
head -c 8 "$dir/curves.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a"
if "$mdq" plot "$dir/nope" 2> "$dir/err"; then echo "expected a failure"; exit 1; fi
grep -q "no metrics in" "$dir/err"
echo "plot test passed"
