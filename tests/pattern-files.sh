#!/bin/sh
# pattern-files.sh - the builtin patterns as files (data/patterns, made by
# data/gen-patterns): rsc-inject --pattern FILE injects exactly the images
# and examples of the builtin pattern (seed 0), on 1x28x28 and 3x32x32
# data; a random pattern's file is recorded as f64 and scores as such.
. "$top_srcdir/tests/common.sh"
mkdata="$top_builddir/tests/mkdata"
dump="$top_builddir/tests/rsct-dump"
check="$top_builddir/tests/check-injection"
pat="$top_builddir/data/patterns"

mkdir idx cifar
"$mkdata" idx idx 600 100
"$mkdata" cifar cifar 30 20
for shape in 1x28x28 3x32x32; do
    data=idx; [ "$shape" = 3x32x32 ] && data=cifar
    rsc-inject --data "$data" --pattern none -o clean.rsct
    for p in S1 S2 S3 R1 R2 R3 Inv; do
        f="$pat/$p-$shape.rsct"; case $p in R*) f="$pat/$p-$shape-seed0.rsct" ;; esac
        [ -s "$f" ] || fail "$f missing"
        rsc-inject --data "$data" --pattern "$p" --count 9 --target 1 --seed 0 -o b.rsct
        rsc-inject --data "$data" --pattern "$f" --count 9 --target 1 --seed 0 -o f.rsct
        "$dump" b.rsct spurious.x >bx; "$dump" f.rsct spurious.x >fx
        cmp bx fx || fail "$p $shape: the file's injected images differ from the builtin's"
        "$dump" b.rsct spurious.index >bi; "$dump" f.rsct spurious.index >fi
        cmp bi fi || fail "$p $shape: other examples chosen"
        [ "$("$check" clean.rsct f.rsct)" = "ok 9" ] || fail "$p $shape: check-injection"
        # a random pattern's file keeps its doubles in spurious.pattern
        want=f32; case $p in R*) want=f64 ;; esac
        rsc-info f.rsct | grep -q "^  spurious.pattern  *$want " || fail "$p $shape: spurious.pattern is not $want"
        "$check" --summary f.rsct | grep -q " pattern=custom " || fail "$p $shape: not recorded as custom"
    done
done
