#!/usr/bin/env bash
# A short coverage-guided fuzzing pass over every target (CI runs it after `make test`).
#
# Each target runs FUZZ_SECONDS (default 25) with libFuzzer, starting from the corpus kept in
# fuzz/corpus/<target>/ (read only: new inputs go to a scratch directory under fuzz/target/).
# A crash fails the script and leaves the input in fuzz/target/short/<target>-crash-*; add it to
# the corpus once fixed, and the replay test (tests/reliability_corpus.rs) keeps it fixed.
#
# The targets are built with the stable toolchain and the same instrumentation cargo-fuzz uses
# with `--sanitizer none` (SanitizerCoverage passes, `--cfg fuzzing`), plus debug assertions
# and overflow checks: no nightly toolchain and no cargo-fuzz install are needed, which keeps
# CI short. The long runs use `cargo +nightly fuzz run -a TARGET` (AddressSanitizer on top);
# fuzz/README.md has the commands and results.
#
# Env: FUZZ_SECONDS, FUZZ_TARGETS (space-separated), FUZZ_JOBS (parallel targets, default 2).
# Without a C++ compiler (libFuzzer is built from source) the pass is skipped with a message:
# the corpus replay in `make test` still runs every kept input.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
secs=${FUZZ_SECONDS:-25}
read -r -a targets <<<"${FUZZ_TARGETS:-config mode units plan}"
jobs=${FUZZ_JOBS:-2}
host=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$PWD/target/short-build}
out=$PWD/target/short
say() { echo "fuzz: $*" >&2; }

if ! command -v c++ >/dev/null 2>&1; then
    say "no C++ compiler to build libFuzzer with; skipping the fuzzing pass (the corpus replay in make test still ran)"
    exit 0
fi

flags=(
    -Cpasses=sancov-module
    -Cllvm-args=-sanitizer-coverage-level=4
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
    -Cllvm-args=-sanitizer-coverage-pc-table
    -Cllvm-args=-sanitizer-coverage-trace-compares
    -Cllvm-args=-sanitizer-coverage-stack-depth
    -Cllvm-args=-simplifycfg-branch-fold-threshold=0
    --cfg fuzzing
    -Cdebug-assertions
    -Coverflow-checks
    -Ccodegen-units=1
)
t0=$(date +%s)
say "building ${targets[*]} (instrumented, release)"
# --target: the flags then apply to the targets only, not to build scripts.
RUSTFLAGS="${flags[*]}" cargo build --quiet --release --target "$host" \
    $(printf -- '--bin %s ' "${targets[@]}")
say "built in $(($(date +%s) - t0))s"

rm -rf "$out"
mkdir -p "$out"
run_one() {
    local t=$1 dict=()
    mkdir -p "$out/$t.corpus"
    [ -f "dict/$t.dict" ] && dict=(-dict="dict/$t.dict")
    # -rss_limit_mb: the plan target reads the kernel and the filesystem, nothing big.
    if "$CARGO_TARGET_DIR/$host/release/$t" "$out/$t.corpus" "corpus/$t" "${dict[@]}" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/$t-" >"$out/$t.log" 2>&1; then
        local execs cov
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
        cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$out/$t.log" | tail -1)
        say "$t: ok, $execs runs in ${secs}s, $cov"
    else
        say "$t: FAILED; the input is in $out/$t-crash-* (or see the log):"
        grep -E -A12 'panicked|ERROR|deadly signal' "$out/$t.log" | head -40 >&2
        return 1
    fi
}

failed=0
pids=()
for t in "${targets[@]}"; do
    run_one "$t" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do
    wait "$p" || failed=1
done
say "done in $(($(date +%s) - t0))s"
exit $failed
