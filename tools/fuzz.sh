#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets of Fuzz/ (every Swift module instrumented with
# -sanitize=fuzzer,address) and runs each for FUZZ_SECONDS (default 600) from its seed
# corpus in Fuzz/Corpus/<target>. A crash, a hang past FUZZ_TIMEOUT seconds on one input, or
# more than FUZZ_RSS_MB of memory is saved under Fuzz/Crashes/<target>/ and fails the run;
# keep each such file there: Tests/CLITests/FuzzRegressionTests replays them in make test.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-600}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS=${FUZZ_RSS_MB:-3072}
TARGETS=${FUZZ_TARGETS:-"FuzzSpec FuzzSafeTensors FuzzPNG FuzzJPEG FuzzTIFF"}
BUILD=.build-fuzz
(cd Fuzz && swift build -c release --build-path ../$BUILD -Xswiftc -sanitize=fuzzer,address \
    -Xcc -fsanitize=fuzzer-no-link,address -Xswiftc -use-ld=lld) || exit 1
failed=0
for t in $TARGETS; do
    work=$BUILD/corpus/$t
    crashes=Fuzz/Crashes/$t
    mkdir -p "$work" "$crashes"
    # Foundation's own allocations outlive a run; leaks are not what these targets look for.
    ASAN_OPTIONS=detect_leaks=0 "$BUILD/release/$t" "$work" "Fuzz/Corpus/$t" -max_total_time="$SECONDS_EACH" \
        -timeout="$TIMEOUT" -rss_limit_mb="$RSS" -artifact_prefix="$crashes/" -print_final_stats=1 \
        > "$BUILD/$t.log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$BUILD/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$BUILD/$t.log" | tail -1)
    if [ $rc -ne 0 ]; then
        failed=1
        echo "fuzz $t: FAILED after ${runs:-?} inputs ($cov); see $BUILD/$t.log and $crashes/"
        grep -E 'ERROR|SUMMARY|Test unit written' "$BUILD/$t.log" | head -5
    else
        echo "fuzz $t: ${SECONDS_EACH}s, ${runs:-?} inputs, $cov, no crash"
    fi
done
exit $failed
