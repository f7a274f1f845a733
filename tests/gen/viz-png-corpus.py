#!/usr/bin/python3
"""Write tests/fixtures/png/*.png: small PNGs of every colour type the
reader converts (grey 1-bit, grey+alpha, palette with transparency, 16-bit
RGB, Adam7-interlaced RGBA), encoded by hand (zlib + struct) so that the
bytes are exactly known.  They are the PNG fuzz corpus and the decoder's
unit-test inputs (tests/test-plot.c knows their pixels).  Run by hand:
/usr/bin/python3 tests/gen/viz-png-corpus.py; the build never runs it."""
import os
import struct
import zlib

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "png")


def chunk(tag, data):
    c = struct.pack(">I", len(data)) + tag + data
    return c + struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)


def pack_row(vals, bits):
    """Pack samples (ints) at the given bit depth, MSB first."""
    if bits == 16:
        return b"".join(struct.pack(">H", v) for v in vals)
    if bits == 8:
        return bytes(vals)
    out, acc, n = bytearray(), 0, 0
    for v in vals:
        acc = (acc << bits) | v
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
         (0, 1, 1, 2)]


def png(name, w, h, bits, ctype, pixels, extra=b"", interlace=0):
    """pixels[y][x] is a tuple of samples."""
    raw = bytearray()
    if interlace:
        for x0, y0, dx, dy in ADAM7:
            xs = list(range(x0, w, dx))
            for y in range(y0, h, dy):
                if xs:
                    raw += b"\0" + pack_row([s for x in xs for s in pixels[y][x]], bits)
    else:
        for y in range(h):
            raw += b"\0" + pack_row([s for x in range(w) for s in pixels[y][x]], bits)
    ihdr = struct.pack(">IIBBBBB", w, h, bits, ctype, 0, 0, interlace)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + \
        chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)


# 1-bit grey 5x3: a checkerboard
png("grey1.png", 5, 3, 1, 0, [[((x + y) % 2,) for x in range(5)] for y in range(3)])
# grey + alpha 3x2: (value, alpha)
png("grey-alpha.png", 3, 2, 8, 4, [[(200, 255), (0, 0), (100, 128)], [(50, 255), (255, 255), (0, 255)]])
# palette 4x2 with a transparent entry 3
plte = chunk(b"PLTE", bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0]))
trns = chunk(b"tRNS", bytes([255, 255, 255, 0]))
png("palette-trns.png", 4, 2, 2, 3, [[(0,), (1,), (2,), (3,)], [(3,), (2,), (1,), (0,)]],
    extra=plte + trns)
# 16-bit RGB 2x2
png("rgb16.png", 2, 2, 16, 2, [[(65535, 0, 0), (0, 65535, 0)], [(0, 0, 65535), (32896, 32896, 32896)]])
# Adam7-interlaced RGBA 7x5: r = 30x, g = 40y, b = 100, opaque but (6, 4)
png("rgba-interlaced.png", 7, 5, 8, 6,
    [[(30 * x, 40 * y, 100, 0 if (x, y) == (6, 4) else 255) for x in range(7)] for y in range(5)],
    interlace=1)
