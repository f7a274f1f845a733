#!/usr/bin/python3
"""Write the IDX and CIFAR-10 corpora of the fuzz targets
(tests/fixtures/idx/, tests/fixtures/cifar/): small good files and one
malformed file per rejection rule, with Python's struct and gzip only.

    /usr/bin/python3 tests/gen/make-bad-data.py tests/fixtures

Never run by the build or the tests."""
import gzip
import os
import struct
import sys

top = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures"
idx = os.path.join(top, "idx")
cifar = os.path.join(top, "cifar")
os.makedirs(idx, exist_ok=True)
os.makedirs(cifar, exist_ok=True)


def put(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def gz(data):
    return gzip.compress(data, mtime=0)


def images(n, h, w, magic=b"\0\0\x08\x03"):
    return magic + struct.pack(">III", n, h, w) + bytes((i * 37 + 11) % 256 for i in range(n * h * w))


def labels(vals):
    return b"\0\0\x08\x01" + struct.pack(">I", len(vals)) + bytes(vals)


good = images(3, 4, 4)
put(idx, "good-images", good)
put(idx, "good-images.gz", gz(good))
put(idx, "good-labels", labels([0, 9, 4]))
put(idx, "good-labels.gz", gz(labels([0, 9, 4])))
put(idx, "bad-magic", b"\x12\x34" + good[2:])
put(idx, "bad-type", b"\0\0\x0d\x03" + good[4:])
put(idx, "bad-ndim", b"\0\0\x08\x02" + good[4:])
put(idx, "bad-count-zero", images(0, 4, 4))
put(idx, "bad-side", b"\0\0\x08\x03" + struct.pack(">III", 1, 5000, 4) + bytes(16))
put(idx, "bad-truncated", good[:-5])
put(idx, "bad-truncated-header", good[:9])
put(idx, "bad-trailing", good + b"\0")
put(idx, "bad-truncated.gz", gz(good)[:-12])
put(idx, "bad-crc.gz", gz(good)[:-8] + b"\xde\xad\xbe\xef" + gz(good)[-4:])
put(idx, "bad-huge.gz", gz(b"\0\0\x08\x03" + struct.pack(">III", 100000000, 4096, 4096) + bytes(64)))
put(idx, "bad-label.gz", gz(labels([0, 10, 4])))
put(idx, "bad-garbage.gz", b"\x1f\x8b\x08\x00" + bytes(range(40)))

rec = lambda label, k: bytes([label]) + bytes((i * 7 + k) % 256 for i in range(3072))
put(cifar, "good-1.bin", rec(3, 0))
put(cifar, "good-2.bin", rec(0, 1) + rec(9, 2))
put(cifar, "bad-label.bin", rec(10, 0))
put(cifar, "bad-size.bin", rec(1, 0)[:-1])
put(cifar, "bad-cifar100.bin", rec(1, 0) + b"\x05")
put(cifar, "bad-empty.bin", b"")
