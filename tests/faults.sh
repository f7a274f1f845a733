#!/bin/sh
# faults.sh - write failures (issue 17): tests/faultshim.so makes the k-th
# write, fsync or rename fail with ENOSPC or EIO under every tool that
# writes a file (rsc-inject, rsc-train -o and --checkpoint, rsc-delete -o
# and --report, rsc-mia -o, --roc and --scores, rsc-viz PNG, SVG and
# --data-out).  Whenever the fault is injected: exit 1, one message, the
# previous output untouched, no temporary file left - except that when the
# final rename fails, the complete output is kept beside the target and the
# message names it.  When k is past the last call, the run succeeds.
. "$top_srcdir/tests/common.sh"
shim=$top_builddir/tests/faultshim.so
[ -f "$shim" ] || skip "no fault shim"
# A sanitizer build's runtime must come first; the shim only wraps calls.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS
toy=$top_builddir/tests/toy-dataset
"$toy" 400 100 6 >toy.rsct
rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu toy.rsct -o model.rsct
echo old >old
injected=0; passed=0
# run NAME CMD...: CMD writes out/$tgt (default target); with every
# fault in turn
run() {
    name=$1; shift
    tgt=${tgt:-target}
    for op in write fsync rename; do
        for e in ENOSPC EIO; do
            for k in 1 2 7; do
                rm -rf out fault.log && mkdir out && cp old "out/$tgt"
                set +e
                RSC_FAULT_OP=$op RSC_FAULT_AT=$k RSC_FAULT_ERRNO=$e RSC_FAULT_LOG=$T/fault.log \
                    LD_PRELOAD=$shim "$@" >/dev/null 2>err.txt
                st=$?
                set -e
                what="$name, $op #$k $e"
                if [ -s fault.log ]; then
                    injected=$((injected + 1))
                    [ $st -eq 1 ] || { cat err.txt; fail "$what: exit $st, expected 1"; }
                    [ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; fail "$what: not one message line"; }
                    case $e in
                    ENOSPC) grep -q "No space left on device" err.txt ;;
                    EIO) grep -q "Input/output error" err.txt ;;
                    esac || { cat err.txt; fail "$what: the message lacks the cause"; }
                    cmp -s old "out/$tgt" || fail "$what: the previous output was changed"
                    if [ $op = rename ]; then
                        # The output is complete: kept beside the target, and said where.
                        kept=$(sed -n 's/.*the output is kept as //p' err.txt)
                        [ -n "$kept" ] && [ -s "$kept" ] || { cat err.txt; fail "$what: the kept output is not named"; }
                        rm -f "$kept"
                    fi
                else
                    passed=$((passed + 1))
                    [ $st -eq 0 ] || { cat err.txt; fail "$what: no fault injected, yet exit $st"; }
                    ! cmp -s old "out/$tgt" || fail "$what: no output written"
                fi
                [ "$(ls -A out)" = "$tgt" ] || { ls -la out; fail "$what: a temporary file was left"; }
            done
        done
    done
}
"$toy" 400 100 0 >clean.rsct
run rsc-inject rsc-inject --pattern S1 --count 5 -q clean.rsct -o out/target
run rsc-train rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu toy.rsct -o out/target
run "rsc-train --checkpoint" rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu toy.rsct \
    --checkpoint out/target -o /dev/null
run "rsc-delete" rsc-delete --method retrain -e 1 -q -d toy.rsct -o out/target model.rsct
run "rsc-delete --report" rsc-delete --method retrain -e 1 -q -d toy.rsct --report out/target \
    -o deleted.rsct model.rsct
# rsc-mia's report, ROC and scores (a four-way split of a clean set, one
# epoch: the logits alone, since every prediction's correctness is alike)
rsc-inject --mia-split target -p S1 -n 2 -t 0 --split-seed 1 -q clean.rsct -o t.rsct
rsc-inject --mia-split shadow --split-seed 1 -q clean.rsct -o s.rsct
rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu t.rsct -o tm.rsct
rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu s.rsct -o sm.rsct
mia="rsc-mia -q --features=logits -d t.rsct --shadow-model sm.rsct --shadow-data s.rsct tm.rsct"
run "rsc-mia -o" $mia -o out/target
run "rsc-mia --roc" $mia --roc out/target -o /dev/null
run "rsc-mia --scores" $mia --scores out/target -o /dev/null
if [ -x "$top_builddir/tools/rsc-viz" ]; then
    run "rsc-viz png" rsc-viz patterns --data toy.rsct -p S1,S2 -o out/target
    rsc-score --data toy.rsct model.rsct >scores.tsv
    tgt=c.svg run "rsc-viz svg" rsc-viz chart scores.tsv --x count --y clean_acc -o out/c.svg
    run "rsc-viz --data-out" rsc-viz chart scores.tsv --x count --y clean_acc -o c.png \
        --data-out out/target
fi
echo "faults: $injected injected, $passed past the last call" >&2
[ $injected -ge 90 ] || fail "only $injected faults injected"
exit 0
