#!/bin/sh
# signals.sh - SIGTERM, SIGINT and SIGHUP at seeded random points of
# rsc-train with --checkpoint (issue 17): the run exits 128+N (or 0 when
# it finished first), and resuming until done gives the bytes of the
# uninterrupted run, every time.  No temporary file is left.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
"$toy" 8000 200 12 >toy.rsct
opts="--arch mlp-small -e 4 -b 32 -j 1 -q --device cpu"
rsc-train $opts toy.rsct -o ref.rsct
# The uninterrupted run's duration (ms), to spread the signals over it.
start=$(date +%s%N)
rsc-train $opts toy.rsct -o ref2.rsct
span=$(( ($(date +%s%N) - start) / 1000000 ))
cmp ref.rsct ref2.rsct || fail "two uninterrupted runs differ"
stopped=0; graceful=0
for seed in 1 2 3 4 5 6 7 8 9 10; do
    sig=$(echo "TERM INT HUP" | cut -d' ' -f$((seed % 3 + 1)))
    case $sig in TERM) n=15 ;; INT) n=2 ;; HUP) n=1 ;; esac
    # A point in [0, 0.6 span] from the seed (awk's srand is deterministic).
    ms=$(awk -v s=$seed -v span=$span 'BEGIN { srand(s); printf "%d", rand() * span * 0.6 }')
    rm -rf run && mkdir run
    # The first run is stopped; then resumed (from the checkpoint, or
    # anew when the signal came before the first one) until it ends.
    rsc-train $opts --checkpoint run/ck.rsct toy.rsct -o run/m.rsct 2>run/err &
    pid=$!
    sleep "$(awk -v ms=$ms 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -$sig $pid 2>/dev/null || true
    st=0; wait $pid || st=$?
    case $st in
    0) ;;
    $((128 + n))) stopped=$((stopped + 1))
        grep -q "stopped by signal $n in epoch" run/err && graceful=$((graceful + 1)) ;;
    *) cat run/err; fail "seed $seed: SIGHUP/INT/TERM ($sig) gave exit $st" ;;
    esac
    tries=0
    while [ ! -s run/m.rsct ]; do
        tries=$((tries + 1)); [ $tries -le 3 ] || fail "seed $seed: no model after 3 resumes"
        if [ -f run/ck.rsct ] && rsc-info run/ck.rsct | grep -q '^  epochs_done=4$'; then
            # Stopped after the last epoch's checkpoint: that is the model.
            cp run/ck.rsct run/m.rsct
        elif [ -f run/ck.rsct ]; then
            rsc-train --resume run/ck.rsct -j 1 -q --device cpu --checkpoint run/ck.rsct toy.rsct -o run/m.rsct
        else
            rsc-train $opts --checkpoint run/ck.rsct toy.rsct -o run/m.rsct
        fi
    done
    cmp ref.rsct run/m.rsct || fail "seed $seed: SIG$sig after $ms ms: the resumed model differs"
    ls -A run | grep -q '^\.' && { ls -la run; fail "seed $seed: a temporary file was left"; }
done
echo "signals: 10 runs, $stopped stopped by the signal, $graceful of them in training with a checkpoint (span $span ms)" >&2
[ $stopped -ge 3 ] || fail "only $stopped of 10 signals arrived before the end"
exit 0
