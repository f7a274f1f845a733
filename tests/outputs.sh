#!/bin/sh
# outputs.sh - where -o writes (issue: outputs that never clobber): a
# symbolic link's target is replaced and the link kept, a FIFO is written
# through, /dev/null stays a device (in a private mount namespace with its
# own /dev, so a regression cannot harm the machine), a folder is refused
# before any work, and a run killed before it writes leaves no temporary
# file.
. "$top_srcdir/tests/common.sh"
toy=$top_builddir/tests/toy-dataset
"$toy" 300 100 6 >toy.rsct

# Symbolic links: rsc-inject, rsc-train and rsc-viz replace the target.
mkdir real
echo old >real/d.rsct
ln -s real/d.rsct link.rsct
rsc-inject --pattern none toy.rsct -o link.rsct
[ -L link.rsct ] || fail "rsc-inject replaced the symbolic link"
rsc-info -q real/d.rsct || fail "the link's target is not the dataset"
rsc-train --arch mlp-small -e 1 -q -j 1 toy.rsct -o ref.rsct
ln -s real/m.rsct mlink.rsct
rsc-train --arch mlp-small -e 1 -q -j 1 toy.rsct -o mlink.rsct
[ -L mlink.rsct ] || fail "rsc-train replaced the symbolic link"
cmp ref.rsct real/m.rsct || fail "rsc-train wrote something else through the link"
if [ -x "$top_builddir/tools/rsc-viz" ]; then
    ln -s real/p.png plink.png
    rsc-viz patterns --data toy.rsct --pattern S1,S2 -o plink.png
    [ -L plink.png ] && [ -s real/p.png ] || fail "rsc-viz did not write through the link"
fi

# A FIFO: the bytes go through it, and it stays a FIFO.
mkfifo pipe.rsct
timeout 60 cat pipe.rsct >copy.rsct &
reader=$!
rsc-train --arch mlp-small -e 1 -q -j 1 toy.rsct -o pipe.rsct
[ -p pipe.rsct ] || { kill $reader 2>/dev/null; fail "the FIFO was replaced"; }
wait $reader
cmp ref.rsct copy.rsct || fail "the FIFO did not carry the model"

# A folder is refused at once, before any training.
mkdir out.rsct
expect_error 1 'out.rsct: is a directory' rsc-train --arch mlp-small -e 50 -q toy.rsct -o out.rsct
expect_error 1 'out.rsct: is a directory' rsc-inject --pattern none toy.rsct -o out.rsct
[ -z "$(ls -A out.rsct)" ] || fail "something was written into the folder"

# Killed (SIGKILL, nothing can clean up) while training: no temporary file,
# because it is created only when the model is written.
mkdir killed
"$toy" 20000 100 6 >big.rsct
rsc-train --arch mlp-small -e 500 -j 1 --progress big.rsct -o killed/m.rsct 2>killed.err &
pid=$!
i=0
until grep -q 'epoch 2/' killed.err 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 300 ] || { kill -9 $pid; fail "no epoch finished"; }
    sleep 0.1
done
kill -9 $pid
wait $pid 2>/dev/null || true
[ -z "$(ls -A killed)" ] || { ls -la killed; fail "a killed run left a file behind"; }

# /dev/null (as root, a rename would replace the device with a file): in a
# private mount namespace with a tmpfs /dev holding its own null device.
if unshare -m --propagation private true 2>/dev/null; then
    unshare -m --propagation private sh -c '
        set -e
        mount -t tmpfs none /dev
        mknod -m 666 /dev/null c 1 3
        rsc-inject --pattern none "$1" -o /dev/null
        rsc-train --arch mlp-small -e 1 -q -j 1 "$1" -o /dev/null
        [ -c /dev/null ] || { echo "/dev/null is no longer a device" >&2; exit 1; }
        [ -z "$(find /dev -type f)" ] || { echo "a file appeared in /dev" >&2; exit 1; }
    ' sh "$T/toy.rsct" || fail "writing to /dev/null"
else
    echo "note: unshare -m not allowed here; /dev/null checked by test-atomic only" >&2
fi

exit 0
