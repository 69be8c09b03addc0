# Sourced by tools/gpu_check.sh: `mdq bench md` (docs/BENCHMARKS.md), the fused MD optimizer
# step against the copy bandwidth and the unfused chain, without and with the bf16 copy. The
# result tables go to the summary.
if [ -x "$build/bin/mdq" ]; then
    for variant in "" "--bf16"; do
        name=bench_md${variant:+_bf16}
        # shellcheck disable=SC2086  # an empty variant adds no argument
        run_step "$name" 150 "$build/bin/mdq" bench md --device cuda $variant
        while IFS= read -r line; do add_summary "$line"; done < <(
            [ ! -f "$logs/$name.log" ] || sed -n '/^mdq bench md on/,$p' "$logs/$name.log")
    done
else
    skip_step bench_md "no mdq binary"
fi
