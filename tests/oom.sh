#!/bin/sh
# oom.sh - out of memory ends the process (issue 17): under address-space
# limits (ulimit -v) from too small to enough, rsc-train and rsc-score
# either succeed or exit 1 with an "out of memory" message, promptly;
# never hang (OpenBLAS retries a failed buffer allocation for ever, and
# exit() joined its thread) and never leave a temporary file.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
"$toy" 4000 500 12 >toy.rsct
rsc-train --arch mlp-small -e 1 -q -j 1 --device cpu toy.rsct -o m.rsct
mkdir out
ran=0
for v in 200 240 280 320 380 440 500 560 620 700 800; do
    # Below ~150 MB OpenBLAS's own initialisation, before main, spins (a
    # build linked with CUDA cannot start under ~700 MB): out of our reach.
    (ulimit -v $((v * 1024)); exec timeout -k 2 10 rsc-train --version) >/dev/null 2>&1 || continue
    for j in 1 2; do
        for cmd in train score; do
            set +e
            if [ $cmd = train ]; then
                (ulimit -v $((v * 1024)); exec timeout -k 5 60 rsc-train --arch mlp -e 1 -q --threads $j \
                    --device cpu toy.rsct -o out/m.rsct) 2>err.txt
            else
                (ulimit -v $((v * 1024)); exec timeout -k 5 60 rsc-score --threads $j --device cpu \
                    --data toy.rsct m.rsct) >/dev/null 2>err.txt
            fi
            st=$?
            set -e
            ran=$((ran + 1))
            case $st in
            0) ;;
            1) grep -q "out of memory" err.txt || { cat err.txt; fail "$cmd at $v MB, -j $j: exit 1 without 'out of memory'"; }
               [ "$(wc -l <err.txt)" -eq 1 ] || { cat err.txt; fail "$cmd at $v MB: more than one line"; } ;;
            *) cat err.txt; fail "rsc-$cmd at $v MB, -j $j: exit $st (124/137: it hung)" ;;
            esac
            [ -z "$(ls -A out | grep -v '^m.rsct$')" ] || { ls -la out; fail "a temporary file was left at $v MB"; }
        done
    done
done
[ $ran -gt 0 ] || skip "no address-space limit lets the tools start"
echo "oom: $ran runs under ulimit -v" >&2
exit 0
