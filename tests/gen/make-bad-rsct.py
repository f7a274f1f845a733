#!/usr/bin/env python3
"""make-bad-rsct.py - write tests/fixtures/golden.rsct and one malformed
rsct file per rejection rule of rsct(5) (tests/fixtures/bad-*.rsct).

This is a second, independent implementation of the rsct writer, from the
byte layout in rsct(5) (man/rsct.5), using only Python's standard library
(struct, zlib).  The C writer must reproduce golden.rsct byte for byte
(tests/test-rsct.c); the bad files must each be rejected with their own
message (tests/test-rsct.c, tests/rsct-malformed.sh).

The build and the tests never run this script; its output is committed.
Usage: python3 tests/gen/make-bad-rsct.py [OUTDIR]   (default tests/fixtures)
"""
import os
import struct
import sys
import zlib

MAGIC = b"\x89RSCT\r\n\x1a"
U8, I32, I64, F32, F64 = 1, 2, 3, 4, 5
FMT = {U8: "B", I32: "i", I64: "q", F32: "f", F64: "d"}


def header(meta, version=1, magic=MAGIC, meta_len=None, crc_fix=None):
    """meta: list of (key, value) or raw bytes."""
    if not isinstance(meta, bytes):
        meta = b"".join(("%s=%s\n" % kv).encode("utf-8") for kv in meta)
    n = len(meta) if meta_len is None else meta_len
    head = magic + struct.pack("<II", version, n) + meta
    crc = zlib.crc32(head) if crc_fix is None else crc_fix
    return head + struct.pack("<I", crc)


def pack_values(dtype, values):
    return struct.pack("<%d%s" % (len(values), FMT[dtype]), *values)


def record(name, dtype, dims, raw, compress=False, flags=None, size=None,
           tag=b"TNSR", crc_fix=None, payload=None, name_len=None):
    """One TNSR record.  raw: the uncompressed payload bytes.  The keyword
    arguments override single fields to build malformed records."""
    nb = name.encode("ascii") if isinstance(name, str) else name
    if payload is None:
        payload = zlib.compress(raw, 6) if compress else raw
    if flags is None:
        flags = 1 if compress else 0
    if size is None:
        size = len(payload)
    if name_len is None:
        name_len = len(nb)
    body = struct.pack("<H", name_len) + nb + struct.pack("<BBB", dtype, flags, len(dims))
    body += b"".join(struct.pack("<Q", d) for d in dims)
    body += struct.pack("<Q", size)
    crc = zlib.crc32(raw, zlib.crc32(body)) if crc_fix is None else crc_fix
    return tag + body + payload + struct.pack("<I", crc)


def trailer(count, tag=b"END."):
    return tag + struct.pack("<I", count)


# ---------------------------------------------------------------- golden
# Keep in step with build_golden() in tests/test-rsct.c.
GOLDEN_META = [("kind", "golden"), ("name", "golden"),
               ("note", "utf-8 \u00fcn\u00efc\u00f8de, a=b is fine"), ("empty", "")]


def golden_tensors():
    inf = float("inf")
    t = []
    t.append(("u8", U8, [2, 3], pack_values(U8, [(i * 37 + 1) & 255 for i in range(6)]), False))
    t.append(("i32", I32, [4], pack_values(I32, [0, -1, 2147483647, -2147483648]), False))
    t.append(("i64", I64, [3], pack_values(I64, [1, -1, (1 << 62) + 5]), False))
    t.append(("f32", F32, [2, 2], pack_values(F32, [0.5, -0.0, 3.25, inf]), False))
    t.append(("f64", F64, [2], pack_values(F64, [0.1, -2.5]), False))
    t.append(("scalar", F64, [], pack_values(F64, [3.141592653589793]), False))
    t.append(("deep/eight.d", U8, [1, 2, 1, 2, 1, 2, 1, 2], pack_values(U8, list(range(16))), False))
    t.append(("Mixed_Case-1:packed", F32, [64], pack_values(F32, [i / 8.0 for i in range(64)]), True))
    return t


def golden():
    out = header(GOLDEN_META)
    tens = golden_tensors()
    for name, dtype, dims, raw, comp in tens:
        out += record(name, dtype, dims, raw, compress=comp)
    return out + trailer(len(tens))


# ---------------------------------------------------------------- bad files
META = [("kind", "test")]
X = ("x", F32, [2, 3], pack_values(F32, [1, 2, 3, 4, 5, 6]))


def good_rec(name="x"):
    return record(name, X[1], X[2], X[3])


def simple(rec_bytes, count=1, meta=META):
    return header(meta) + rec_bytes + trailer(count)


def bad_files():
    b = {}
    b["bad-empty"] = b""
    b["bad-magic"] = b"\x89PNG\r\n\x1a\n" + simple(good_rec())[8:]
    b["bad-version"] = header(META, version=2) + good_rec() + trailer(1)
    # meta_len one byte over 1 MiB; the reader must refuse before reading it
    b["bad-meta-len"] = header(b"kind=test\n", meta_len=(1 << 20) + 1)
    b["bad-meta-line"] = simple(good_rec(), meta=b"kind=test\nno equals sign\n")
    b["bad-meta-newline"] = simple(good_rec(), meta=b"kind=test\nname=x")
    b["bad-meta-dupkey"] = simple(good_rec(), meta=b"kind=test\nseed=1\nseed=2\n")
    b["bad-meta-key"] = simple(good_rec(), meta=b"Kind=test\n")
    b["bad-meta-emptykey"] = simple(good_rec(), meta=b"=test\n")
    b["bad-meta-nul"] = simple(good_rec(), meta=b"kind=te\x00st\n")
    b["bad-meta-utf8"] = simple(good_rec(), meta=b"kind=\xff\xfe\n")
    b["bad-header-crc"] = header(META, crc_fix=0x12345678) + good_rec() + trailer(1)
    b["bad-tag"] = simple(b"TNSX" + good_rec()[4:])
    b["bad-name"] = simple(record("bad name", *X[1:]))
    b["bad-name-len"] = simple(record("", *X[1:]))
    b["bad-dup-name"] = header(META) + good_rec() + good_rec() + trailer(2)
    b["bad-dtype"] = simple(record("x", 6, X[2], X[3]))
    b["bad-dtype-zero"] = simple(record("x", 0, X[2], X[3]))
    b["bad-flags"] = simple(record("x", *X[1:], flags=2))
    b["bad-ndim"] = simple(record("x", U8, [1] * 9, b"\x07"))
    b["bad-dims-overflow"] = simple(record("x", U8, [1 << 32, 1 << 32], b"", size=0))
    b["bad-bytes-overflow"] = simple(record("x", F64, [1 << 62], b"", size=0))
    b["bad-size"] = simple(record("x", *X[1:], size=20, payload=X[3][:20]))
    b["bad-record-crc"] = simple(record("x", *X[1:], crc_fix=0xDEADBEEF))
    b["bad-payload-flip"] = simple(record("x", *X[1:])[:-7] + b"\x01" + record("x", *X[1:])[-6:])
    b["bad-deflate"] = simple(record("x", *X[1:], flags=1, payload=b"not zlib data"))
    big = pack_values(F32, [1, 2, 3, 4, 5, 6, 7])
    b["bad-deflate-size"] = simple(record("x", *X[1:], flags=1, payload=zlib.compress(big, 6)))
    b["bad-deflate-empty"] = simple(record("x", *X[1:], flags=1, payload=b""))
    b["bad-deflate-extra"] = simple(record("x", *X[1:], flags=1, payload=zlib.compress(X[3], 6) + b"\0\0\0"))
    b["bad-name-long"] = simple(record("x" * 256, *X[1:]))
    b["bad-trailer-missing"] = header(META) + good_rec()
    b["bad-trailer-tag"] = header(META) + good_rec() + trailer(1, tag=b"END!")
    b["bad-trailer-count"] = header(META) + good_rec() + trailer(2)
    b["bad-trailer-short"] = header(META) + good_rec() + trailer(1)[:6]
    b["bad-trailing-data"] = simple(good_rec()) + b"\n"
    # a header declaring a 2^40-byte payload over a tiny input
    b["bad-huge-tensor"] = simple(record("x", U8, [1 << 40], b"", size=1 << 40, payload=b"\0" * 16))
    b["bad-huge-deflate"] = simple(record("x", U8, [1 << 40], b"", flags=1, size=1 << 40,
                                          payload=b"\0" * 16))
    # a small deflate stream declaring 2^40 bytes once inflated
    b["bad-deflate-ratio"] = simple(record("x", U8, [1 << 40], b"", flags=1,
                                           payload=zlib.compress(b"\0" * 4096, 6)))
    b["bad-truncated-header"] = header(META)[:-2]
    b["bad-truncated-payload"] = simple(good_rec())[:len(header(META)) + 40]
    return b


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "golden.rsct"), "wb") as f:
        f.write(golden())
    for name, data in sorted(bad_files().items()):
        with open(os.path.join(outdir, name + ".rsct"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
