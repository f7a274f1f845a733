#!/bin/sh
# man-examples.sh - every man page's EXAMPLES run as written (HACKING.md,
# "Man pages"): each .EX/.EE or .nf/.fi block of the EXAMPLES section of
# every man/*.[1-8] (new pages included) is run by sh -e, the blocks of a
# page in order in one scratch folder, with the built programs on PATH,
# small generated datasets under the names mnist, fashion and cifar10, and
# rsc-train wrapped to train on 64 examples for 2 epochs (4 when resuming)
# and rsc-score --sensitivity to occlude 20 examples.
# Comment lines just before a block steer it:
#   .\" test: setup COMMAND   run COMMAND first (repeatable)
#   .\" test: needs PROGRAM   run only where PROGRAM is installed
#   .\" test: python          the block is Python (python3 with NumPy,
#                             python3/ on its path)
#   .\" test: skip REASON     not run
#   .\" test: warns TEXT      its stderr may have warnings holding TEXT
# A block fails on a non-zero status or another warning on stderr.
. "$top_srcdir/tests/common.sh"
mkdata="$top_builddir/tests/mkdata"
[ -x "$mkdata" ] || skip "tests/mkdata is not built"

# The datasets by name: IDX and CIFAR-10 folders with manifests that list
# their files without checksums.
mkdir -p data/fashion-mnist data/mnist data/cifar10 manifests home bin
"$mkdata" idx data/fashion-mnist 1000 50
"$mkdata" idx data/mnist 1000 50
"$mkdata" cifar data/cifar10 1600 50
for n in fashion mnist; do
    for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        echo "$f - -"
    done > "manifests/$n.manifest"
done
for f in data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin test_batch.bin; do
    echo "$f - -"
done > manifests/cifar10.manifest
ln -s ../data/cifar10 home/cifar-10-batches-bin
RSC_DATA_PATH=$T/data
RSC_MANIFEST_DIR=$T/manifests
HOME=$T/home
PYTHONPATH=$top_srcdir/python3${PYTHONPATH:+:$PYTHONPATH}
export RSC_DATA_PATH RSC_MANIFEST_DIR HOME PYTHONPATH top_srcdir top_builddir

# rsc-train, short: the options of the example, then a few examples and epochs
cat > bin/rsc-train <<EOF
#!/bin/sh
case " \$* " in *" --describe "*) exec "$top_builddir/tools/rsc-train" "\$@" ;; esac
e=2
case " \$* " in *" --resume "*|*" -r "*) e=4 ;; esac
exec "$top_builddir/tools/rsc-train" "\$@" --limit 64 --test-limit 32 --epochs \$e
EOF
# rsc-score --sensitivity, on 20 examples
cat > bin/rsc-score <<EOF
#!/bin/sh
case " \$* " in *" --sensitivity "*) exec "$top_builddir/tools/rsc-score" "\$@" --examples 20 ;; esac
exec "$top_builddir/tools/rsc-score" "\$@"
EOF
chmod +x bin/rsc-train bin/rsc-score
PATH=$T/bin:$PATH
export PATH
py=$(python_with numpy || true)

# The blocks of one page's EXAMPLES: DIR/N.sh (the text, roff escapes
# undone) and DIR/N.meta (its "test:" lines).
extract() {
    awk -v dir="$2" '
    /^\.SH / { inex = ($0 ~ /^\.SH "?EXAMPLES"?[ \t]*$/); next }
    !inex { next }
    /^\.\\" test: / { d = $0; sub(/^\.\\" test: /, "", d); meta = meta d "\n"; next }
    !inblk && /^\.(EX|nf)([ \t]|$)/ {
        inblk = 1; n++; f = dir "/" n
        printf "%s", meta > (f ".meta"); close(f ".meta"); meta = ""
        printf "" > (f ".sh"); next
    }
    inblk && /^\.(EE|fi)([ \t]|$)/ { inblk = 0; close(f ".sh"); next }
    inblk && /^\./ { next }
    inblk {
        s = $0
        gsub(/\\f[BIRP]/, "", s); gsub(/\\&/, "", s); gsub(/\\-/, "-", s)
        gsub(/\\\(aq/, "\047", s); gsub(/\\\(dq/, "\"", s); gsub(/\\\(en/, "-", s)
        gsub(/\\\(\*l/, "λ", s); gsub(/\\\(\+-/, "±", s); gsub(/\\~/, " ", s)
        gsub(/\\e/, "\\", s)
        print s > (f ".sh")
    }
    END { print n + 0 }' "$1"
}

pages=0 blocks=0 ran=0
# RSC_MAN_PAGES="rsc-mia.1 ..." runs those pages only (by hand, while
# writing one).
for page in "$top_srcdir"/man/*.[1-8]; do
    name=${page##*/}
    case " ${RSC_MAN_PAGES:-$name} " in *" $name "*) ;; *) continue ;; esac
    pages=$((pages + 1))
    mkdir -p "ex/$name" "run/$name"
    n=$(extract "$page" "$T/ex/$name")
    case $name in
    *.7) ;;
    *) [ "$n" -gt 0 ] || fail "$name: no example in its EXAMPLES section" ;;
    esac
    i=1
    while [ "$i" -le "$n" ]; do
        b=$T/ex/$name/$i
        blocks=$((blocks + 1))
        what="$name, example $i ($(sed 1q "$b.sh"))"
        i=$((i + 1))
        reason=$(sed -n 's/^skip //p' "$b.meta")
        if [ -n "$reason" ]; then
            echo "skipped: $what: $reason"
            continue
        fi
        missing=
        for p in $(sed -n 's/^needs //p' "$b.meta"); do
            command -v "$p" > /dev/null 2>&1 || missing="$missing $p"
        done
        if grep -q '^python$' "$b.meta" && [ -z "$py" ]; then missing="$missing python3-numpy"; fi
        if [ -n "$missing" ]; then
            echo "skipped: $what: needs$missing"
            continue
        fi
        t0=$(date +%s)
        (
            cd "$T/run/$name"
            sed -n 's/^setup //p' "$b.meta" > "$b.setup"
            if [ -s "$b.setup" ]; then
                sh -e "$b.setup" > /dev/null 2> "$b.err" ||
                    { cat "$b.err" >&2; fail "setup of $what failed"; }
            fi
            if grep -q '^python$' "$b.meta"; then
                "$py" "$b.sh" > "$b.out" 2> "$b.err"
            else
                sh -e "$b.sh" > "$b.out" 2> "$b.err"
            fi
        ) || { cat "$b.err" >&2; fail "$what failed"; }
        warns=$(sed -n 's/^warns //p' "$b.meta")
        grep -i 'warning' "$b.err" > "$b.warn" || true
        if [ -n "$warns" ]; then grep -vF -- "$warns" "$b.warn" > "$b.bad" || true; else cp "$b.warn" "$b.bad"; fi
        [ ! -s "$b.bad" ] || { cat "$b.bad" >&2; fail "$what warned"; }
        ran=$((ran + 1))
        echo "ran: $what: $(($(date +%s) - t0)) s"
    done
done
echo "$pages pages, $blocks examples, $ran run"
[ -n "${RSC_MAN_PAGES:-}" ] || [ "$ran" -ge 20 ] || fail "only $ran examples ran"
exit 0
