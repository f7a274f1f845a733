#!/usr/bin/python3
"""Write tests/fixtures/patterns/grey-28.png: an 8-bit grey 28x28 PNG
pattern for tests/test-patterns.c (black, a white 3x3 square at rows 0-2,
cols 0-2, pixel (10, 20) = 128), with Python's zlib and struct only.

    /usr/bin/python3 tests/gen/make-png-pattern.py tests/fixtures/patterns/grey-28.png

Never run by the build or the tests."""
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


w = h = 28
rows = []
for i in range(h):
    row = bytearray(w)
    for j in range(w):
        if i < 3 and j < 3:
            row[j] = 255
    if i == 10:
        row[20] = 128
    rows.append(b"\0" + bytes(row))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
       chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
with open(sys.argv[1], "wb") as f:
    f.write(png)
