#!/bin/sh
# load.sh - many writers, many readers (issue 17): 8 rsc-train processes
# write the same -o at once while rsc-score and rsc-info read it in a loop.
# Every read sees a complete model (old or new, never a mix: crcs check,
# scoring works), the file that remains is one writer's whole model, and
# no temporary file is left.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
"$toy" 2000 200 12 >toy.rsct
opts="--arch mlp-small -e 2 -b 32 -j 1 -q --device cpu"
mkdir out
rsc-train $opts -s 100 toy.rsct -o out/m.rsct   # the old model
# Readers: until the writers are done.
reader() {
    n=0
    while [ ! -e writers.done ]; do
        for i in 1 2 3 4; do
            rsc-info -q out/m.rsct || { echo "rsc-info failed on read $n" >reader.$1.bad; return; }
            n=$((n + 1))
        done
        rsc-score --device cpu --threads 1 --data toy.rsct out/m.rsct >score.$1.tsv 2>score.$1.err ||
            { cat score.$1.err >reader.$1.bad; return; }
        n=$((n + 1))
    done
    echo $n >reader.$1.count
}
reader 1 & r1=$!
reader 2 & r2=$!
pids=
for s in 1 2 3 4 5 6 7 8; do
    rsc-train $opts -s $s toy.rsct -o out/m.rsct 2>w.$s.err & pids="$pids $!"
done
for p in $pids; do wait $p || { cat w.*.err; fail "a writer failed"; }; done
touch writers.done
wait $r1 $r2
for r in 1 2; do
    [ ! -e reader.$r.bad ] || { cat reader.$r.bad; fail "reader $r saw a broken model"; }
done
reads=$(( $(cat reader.1.count) + $(cat reader.2.count) ))
[ "$(ls -A out)" = m.rsct ] || { ls -la out; fail "temporary files left"; }
# The remaining model is exactly one writer's.
seed=$(rsc-info out/m.rsct | sed -n 's/^  train_seed=//p')
case $seed in [1-8]) ;; *) fail "the remaining model has seed '$seed'" ;; esac
rsc-train $opts -s "$seed" toy.rsct -o alone.rsct
cmp alone.rsct out/m.rsct || fail "the remaining model is not writer $seed's whole model"
echo "load: 8 writers, $reads complete reads" >&2
[ $reads -ge 4 ] || fail "only $reads reads while the writers ran"
exit 0
