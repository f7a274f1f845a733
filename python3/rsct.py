"""Read and write rsct files, the tensor container of the rsc suite.

rsct(5) describes the format: a header with ordered key=value metadata,
named typed tensors (raw or zlib-deflated) and a trailer, every part
checksummed.  This module needs only NumPy:

    >>> import rsct
    >>> meta, tensors = rsct.load("model.rsct")
    >>> meta["arch"], tensors["param/fc1.weight"].shape
    ('mlp', (256, 784))
    >>> rsct.save("copy.rsct", meta, tensors, compress=True)
    >>> sd = rsct.state_dict("model.rsct")   # PyTorch names and shapes

load() rejects every malformed file the C reader rejects, with the same
message ("FILE: tensor 'NAME': PROBLEM") in an RsctError.  save() refuses
what the C reader would refuse and writes atomically: a temporary file in
the destination's folder, renamed into place once complete.  The PyTorch
definitions of the architectures are in the optional module rsc_torch.
"""

import os
import re
import stat
import struct
import sys
import tempfile
import zlib

import numpy as np

__all__ = ["RsctError", "load", "scan", "save", "state_dict", "input_shape", "DTYPES"]

MAGIC = b"\x89RSCT\r\n\x1a"
VERSION = 1
MAX_META = 1 << 20
MAX_NAME = 255
MAX_NDIM = 8
U64_MAX = (1 << 64) - 1
MAX_BYTES = (1 << 63) - 1        # the C reader's SIZE_MAX / 2 on 64-bit hosts
GROW_MIN = 1 << 20               # first buffer of a payload of unknown length
CHUNK = 1 << 16                  # deflated input is read in pieces of this

# dtype code -> (name, NumPy dtype), as rsct(5) numbers them
DTYPES = {
    1: ("u8", np.dtype("<u1")),
    2: ("i32", np.dtype("<i4")),
    3: ("i64", np.dtype("<i8")),
    4: ("f32", np.dtype("<f4")),
    5: ("f64", np.dtype("<f8")),
}
_CODE = {dt: code for code, (_, dt) in DTYPES.items()}

_KEY = re.compile(rb"[a-z0-9_.\-]+\Z")
_NAME = re.compile(r"[A-Za-z0-9_.:/\-]{1,255}\Z")
_INPUT = re.compile(r"\d+x\d+x\d+\Z")


class RsctError(ValueError):
    """A file that is not a well-formed rsct file, or data that cannot be
    written as one.  str(e) is one line naming the file (and the tensor
    where there is one) and the problem."""


def _shown(b, cap):
    """Bytes as printable text for a message, as the C reader shows them:
    bytes outside 0x20-0x7e and the quote become \\xHH; long ones end in
    '...'."""
    out = []
    k = 0
    for c in b:
        if k + 8 >= cap:
            out.append("...")
            break
        if 0x20 <= c < 0x7F and c != 0x27:
            out.append(chr(c))
            k += 1
        else:
            out.append("\\x%02x" % c)
            k += 4
    return "".join(out)


def _valid_value(b):
    """Well-formed UTF-8 without NUL or newline, by the C reader's rule
    (lead bytes C2-F4 with the right number of continuation bytes)."""
    i, n = 0, len(b)
    while i < n:
        c = b[i]
        if c == 0 or c == 0x0A:
            return False
        if c < 0x80:
            i += 1
            continue
        if c & 0xE0 == 0xC0:
            ln = 2
        elif c & 0xF0 == 0xE0:
            ln = 3
        elif c & 0xF8 == 0xF0:
            ln = 4
        else:
            return False
        if i + ln > n or (ln == 2 and c < 0xC2) or (ln == 4 and c > 0xF4):
            return False
        for k in range(1, ln):
            if b[i + k] & 0xC0 != 0x80:
                return False
        i += ln
    return True


def _checked_bytes(dims, size):
    """prod(dims) * size, or None when it overflows 64 bits (the C rule:
    dims multiplied in order, a zero dim does not excuse an earlier
    overflow)."""
    n = 1
    for d in dims:
        if d != 0 and n > U64_MAX // d:
            return None
        n *= d
    if n > U64_MAX // size:
        return None
    return n * size


class _Reader:
    def __init__(self, f, fname):
        self.f = f
        self.fname = fname
        self.remaining = -1      # bytes left in a regular file, -1 if unknown
        try:
            st = os.fstat(f.fileno())
            if stat.S_ISREG(st.st_mode):
                pos = f.tell()
                if 0 <= pos <= st.st_size:
                    self.remaining = st.st_size - pos
        except (AttributeError, OSError, ValueError):
            pass

    def fail(self, msg, tensor=None):
        if tensor is None:
            raise RsctError("%s: %s" % (self.fname, msg))
        raise RsctError("%s: tensor '%s': %s" % (self.fname, tensor, msg))

    def read(self, n):
        try:
            b = self.f.read(n)
        except OSError as e:
            raise RsctError("%s: read error: %s" % (self.fname, e.strerror or e)) from e
        b = b or b""
        # a short read from a pipe is not the end of it
        while 0 < len(b) < n:
            more = self.f.read(n - len(b))
            if not more:
                break
            b += more
        if self.remaining >= 0:
            self.remaining -= len(b)
        return b

    def exactly(self, n, what, tensor=None):
        b = self.read(n)
        if len(b) != n:
            self.fail("truncated %s (expected %d bytes, got %d)" % (what, n, len(b)), tensor)
        return b

    def raw(self, name, nbytes):
        if 0 <= self.remaining < nbytes:
            self.fail("truncated payload (declares %d bytes, %d left in the file)"
                      % (nbytes, self.remaining), name)
        if self.remaining >= 0:
            buf = bytearray(nbytes)
            view = memoryview(buf)
            have = 0
            while have < nbytes:
                try:
                    got = self.f.readinto(view[have:])
                except OSError as e:
                    self.fail("read error: %s" % (e.strerror or e), name)
                if not got:
                    break
                have += got
            self.remaining -= have
            if have < nbytes:
                self.fail("truncated (expected %d bytes, got %d)" % (nbytes, have), name)
            return buf
        # Unknown length (a pipe): grow with the bytes that actually arrive,
        # never beyond what is declared.
        buf = bytearray()
        while len(buf) < nbytes:
            want = min(max(GROW_MIN, len(buf)), nbytes - len(buf))
            piece = self.read(want)
            buf += piece
            if len(piece) < want:
                self.fail("truncated (expected %d bytes, got %d)" % (nbytes, len(buf)), name)
        return buf

    def deflated(self, name, stored, nbytes):
        if 0 <= self.remaining < stored:
            self.fail("truncated payload (declares %d bytes, %d left in the file)"
                      % (stored, self.remaining), name)
        if nbytes // 1032 > stored + 64:
            # deflate expands at most 1032 times: refused before inflating
            self.fail("%d compressed bytes cannot inflate to the %d declared" % (stored, nbytes), name)
        d = zlib.decompressobj()
        out = bytearray()
        left = stored
        pending = b""
        more_out = False         # the last call filled its room: output may wait
        while not d.eof:
            if not pending:
                if left == 0 and not more_out:
                    self.fail("compressed payload ends early (inflated %d of %d bytes)"
                              % (len(out), nbytes), name)
                if left:
                    n = min(left, CHUNK)
                    pending = self.read(n)
                    if len(pending) < n:
                        self.fail("truncated compressed payload (expected %d bytes, got %d)"
                                  % (stored, stored - left + len(pending)), name)
                    left -= n
            room = nbytes - len(out)
            if room == 0:
                # room exhausted: the stream must end here without output
                try:
                    extra = d.decompress(pending, 1)
                except zlib.error:
                    extra = b"?"
                if d.eof and not extra:
                    break
                self.fail("compressed payload inflates to more than %d bytes" % nbytes, name)
            want = min(room, max(GROW_MIN, len(out)))
            try:
                piece = d.decompress(pending, want)
            except zlib.error as e:
                msg = str(e)
                msg = msg.split(": ", 1)[1] if ": " in msg else msg
                self.fail("corrupt compressed payload (%s)" % msg, name)
            out += piece
            more_out = len(piece) == want
            pending = d.unconsumed_tail
        pending = d.unused_data
        if len(out) != nbytes:
            self.fail("compressed payload inflates to %d bytes, expected %d"
                      % (len(out), nbytes), name)
        if left or pending:
            self.fail("%d bytes after the end of the compressed stream"
                      % (left + len(pending)), name)
        return out

    def header(self):
        h = self.read(8)
        if h != MAGIC[:len(h)]:
            self.fail("not an rsct file (bad magic)")
        if not h:
            self.fail("truncated header (empty input)")
        if len(h) < 8:
            self.fail("truncated header (expected 8 bytes of magic, got %d)" % len(h))
        h += self.exactly(8, "header")
        version, mlen = struct.unpack("<II", h[8:16])
        if version != VERSION:
            self.fail("unsupported rsct version %d (this reader knows 1)" % version)
        if mlen > MAX_META:
            self.fail("metadata block of %d bytes exceeds the 1 MiB limit" % mlen)
        if 0 <= self.remaining < mlen:
            self.fail("truncated metadata (declares %d bytes, %d left in the file)"
                      % (mlen, self.remaining))
        m = self.exactly(mlen, "metadata")
        stored = struct.unpack("<I", self.exactly(4, "header checksum"))[0]
        crc = zlib.crc32(m, zlib.crc32(h))
        if crc != stored:
            self.fail("header crc mismatch (stored %08x, computed %08x)" % (stored, crc))
        return self.metadata(m)

    def metadata(self, m):
        meta = {}
        i, line, n = 0, 0, len(m)
        while i < n:
            line += 1
            nl = m.find(b"\n", i)
            if nl < 0:
                self.fail("metadata line %d: missing newline at the end of the block" % line)
            text = m[i:nl]
            eq = text.find(b"=")
            if eq < 0:
                self.fail("metadata line %d: no '=' (expected key=value)" % line)
            key, value = text[:eq], text[eq + 1:]
            if not _KEY.match(key):
                self.fail("metadata line %d: bad key '%s' (expected [a-z0-9_.-]+)"
                          % (line, _shown(key, 128)))
            key = key.decode("ascii")
            if b"\0" in value:
                self.fail("metadata line %d: value of '%s' contains a NUL byte" % (line, key))
            if not _valid_value(value):
                self.fail("metadata line %d: value of '%s' is not valid UTF-8" % (line, key))
            if key in meta:
                self.fail("metadata line %d: duplicate key '%s'" % (line, key))
            # the C rule admits a few sequences Python's codec does not
            # (surrogates, overlong forms): keep them as escapes
            meta[key] = value.decode("utf-8", "surrogateescape")
            i = nl + 1
        return meta

    def record(self, tensors, crc_errors):
        b = self.exactly(2, "tensor record")
        name_len = struct.unpack("<H", b)[0]
        crc = zlib.crc32(b)
        if not 1 <= name_len <= MAX_NAME:
            self.fail("tensor %d: bad name length %d" % (len(tensors) + 1, name_len))
        raw_name = self.exactly(name_len, "tensor name")
        crc = zlib.crc32(raw_name, crc)
        name = raw_name.decode("latin-1")
        if b"\0" in raw_name or not _NAME.match(name):
            self.fail("tensor '%s': bad name (allowed: [A-Za-z0-9_.:/-])" % _shown(raw_name, 96))
        if name in tensors:
            self.fail("duplicate name", name)
        b = self.exactly(3, "record header", name)
        crc = zlib.crc32(b, crc)
        dtype, flags, ndim = b[0], b[1], b[2]
        if dtype not in DTYPES:
            self.fail("unknown dtype %d" % dtype, name)
        if flags & ~1:
            self.fail("unknown flags 0x%02x" % flags, name)
        if ndim > MAX_NDIM:
            self.fail("ndim %d exceeds %d" % (ndim, MAX_NDIM), name)
        dims = []
        for _ in range(ndim):
            b = self.exactly(8, "dims", name)
            crc = zlib.crc32(b, crc)
            dims.append(struct.unpack("<Q", b)[0])
        b = self.exactly(8, "size", name)
        crc = zlib.crc32(b, crc)
        size = struct.unpack("<Q", b)[0]
        tname, dt = DTYPES[dtype]
        nbytes = _checked_bytes(dims, dt.itemsize)
        if nbytes is None or nbytes > MAX_BYTES:
            self.fail("dims product overflows", name)
        if not flags & 1 and size != nbytes:
            self.fail("size %d disagrees with dims (%d bytes of %s)" % (size, nbytes, tname), name)
        if flags & 1 and size == 0:
            self.fail("empty compressed payload", name)
        data = self.deflated(name, size, nbytes) if flags & 1 else self.raw(name, nbytes)
        crc = zlib.crc32(data, crc)
        stored = struct.unpack("<I", self.exactly(4, "checksum", name))[0]
        if stored != crc:
            msg = "crc mismatch (stored %08x, computed %08x)" % (stored, crc)
            if crc_errors is None:
                self.fail(msg, name)
            crc_errors[name] = msg
        tensors[name] = np.frombuffer(data, dtype=dt).reshape(dims)

    def whole(self, crc_errors=None):
        meta = self.header()
        tensors = {}
        while True:
            tag = self.read(4)
            if len(tag) < 4:
                n = len(tensors)
                self.fail("truncated after %d tensor%s (no END. trailer)" % (n, "" if n == 1 else "s"))
            if tag == b"END.":
                break
            if tag != b"TNSR":
                self.fail("bad record tag '%s' after tensor %d (expected TNSR or END.)"
                          % (_shown(tag, 64), len(tensors)))
            self.record(tensors, crc_errors)
        count = struct.unpack("<I", self.exactly(4, "trailer"))[0]
        if count != len(tensors):
            n = len(tensors)
            self.fail("trailer count %d disagrees with the %d tensor record%s read"
                      % (count, n, "" if n == 1 else "s"))
        if self.read(1):
            self.fail("unexpected data after the trailer")
        return meta, tensors


def _open_input(path, name=None):
    """(file object, name for messages, whether to close it)."""
    if path == "-" or path is None:
        return sys.stdin.buffer, name or "stdin", False
    if hasattr(path, "read"):
        return path, name or str(getattr(path, "name", "stream")), False
    name = name or os.fsdecode(path)
    try:
        return open(path, "rb"), name, True
    except OSError as e:
        raise RsctError("%s: %s" % (name, e.strerror or e)) from e


def load(path, name=None):
    """Read a whole rsct file.

    path is a file name, "-" for standard input, or a binary file object
    (read from its current position to its end); name, when given, names
    the input in messages instead.  Returns (meta, tensors):
    meta a dict of str -> str, tensors a dict of name -> NumPy array
    (little-endian, writable, shaped as stored; a scalar is a 0-d array),
    both in file order.  Every checksum is verified and deflated records are
    inflated.  Raises RsctError, one line naming the file, the tensor where
    there is one, and the problem, for everything rsct(5) rejects."""
    f, fname, close = _open_input(path, name)
    try:
        return _Reader(f, fname).whole()
    finally:
        if close:
            f.close()


def scan(path, name=None):
    """Like load(), but a tensor whose crc does not match is kept instead of
    failing (as rsc-info reads).  Returns (meta, tensors, crc_errors), the
    last a dict of name -> message for the tensors whose crc mismatched."""
    f, fname, close = _open_input(path, name)
    errors = {}
    try:
        meta, tensors = _Reader(f, fname).whole(errors)
    finally:
        if close:
            f.close()
    return meta, tensors, errors


def _meta_block(fname, meta):
    lines = []
    for key, value in meta.items():
        if not isinstance(key, str) or not _KEY.match(key.encode("utf-8", "replace")):
            raise RsctError("%s: metadata key %r is not of the form [a-z0-9_.-]+" % (fname, key))
        if isinstance(value, bool) or not isinstance(value, (str, int, float, np.integer, np.floating)):
            raise RsctError("%s: metadata key '%s': value %r is not a string or number"
                            % (fname, key, value))
        if not isinstance(value, str):
            value = repr(value.item() if isinstance(value, np.generic) else value)
        v = value.encode("utf-8", "surrogateescape")
        if not _valid_value(v):
            raise RsctError("%s: metadata key '%s': value contains a newline or NUL, or is not UTF-8"
                            % (fname, key))
        lines.append(key.encode("ascii") + b"=" + v + b"\n")
    block = b"".join(lines)
    if len(block) > MAX_META:
        raise RsctError("%s: metadata of %d bytes exceeds the 1 MiB limit" % (fname, len(block)))
    return block


def _as_array(fname, name, value):
    if not isinstance(name, str) or not _NAME.match(name):
        raise RsctError("%s: tensor %r: bad name (1-255 of [A-Za-z0-9_.:/-])" % (fname, name))
    a = np.asarray(value)
    le = a.dtype.newbyteorder("<")
    if le not in _CODE:
        raise RsctError("%s: tensor '%s': dtype %s has no rsct type (u8, i32, i64, f32, f64)"
                        % (fname, name, a.dtype))
    if a.ndim > MAX_NDIM:
        raise RsctError("%s: tensor '%s': %d dimensions (at most %d)" % (fname, name, a.ndim, MAX_NDIM))
    return np.asarray(a, dtype=le, order="C")   # keeps 0-d arrays 0-d


def _write(out, fname, meta, tensors, compress, level):
    block = _meta_block(fname, meta)
    head = MAGIC + struct.pack("<II", VERSION, len(block)) + block
    out.write(head + struct.pack("<I", zlib.crc32(head)))
    for name, value in tensors.items():
        a = _as_array(fname, name, value)
        deflate = compress if isinstance(compress, bool) else name in compress
        data = a.reshape(-1).view(np.uint8)
        payload = zlib.compress(data, level) if deflate else data
        rec = (struct.pack("<H", len(name)) + name.encode("ascii")
               + bytes((_CODE[a.dtype], 1 if deflate else 0, a.ndim))
               + struct.pack("<%dQ" % a.ndim, *a.shape)
               + struct.pack("<Q", len(payload)))
        crc = zlib.crc32(data, zlib.crc32(rec))
        out.write(b"TNSR" + rec)
        out.write(payload)
        out.write(struct.pack("<I", crc))
    out.write(b"END." + struct.pack("<I", len(tensors)))


def save(path, meta, tensors, compress=False, level=6):
    """Write an rsct file that the rsc programs read.

    meta: a mapping of key -> value, keys [a-z0-9_.-]+, values strings
    (numbers are written with repr()); tensors: a mapping of name -> array
    (NumPy arrays or anything np.asarray takes, of dtype uint8, int32,
    int64, float32 or float64; names 1-255 of [A-Za-z0-9_.:/-]), written in
    the mappings' order.  compress: True deflates every record, False none,
    or the name (or a collection of the names) to deflate.  path is a file name (written
    to a temporary file in the same folder, then renamed into place: a
    failed save leaves no file and never a partial one), "-" for standard
    output, or a binary file object.  Raises RsctError for what the format
    cannot hold, before anything is written."""
    fname = "stdout" if path == "-" else os.fsdecode(path) if not hasattr(path, "write") \
        else str(getattr(path, "name", "stream"))
    # validate everything first: nothing is written for bad input
    _meta_block(fname, meta)
    arrays = {name: _as_array(fname, name, v) for name, v in tensors.items()}
    if isinstance(compress, str):
        compress = frozenset([compress])
    elif not isinstance(compress, bool):
        compress = frozenset(compress)
    if path == "-":
        if sys.stdout.isatty():
            raise RsctError("stdout: refusing to write binary data to a terminal")
        _write(sys.stdout.buffer, fname, meta, arrays, compress, level)
        sys.stdout.buffer.flush()
        return
    if hasattr(path, "write"):
        _write(path, fname, meta, arrays, compress, level)
        return
    folder, base = os.path.split(os.fspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.fsdecode(base) + ".", dir=folder or ".")
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)
        with os.fdopen(fd, "wb") as out:
            _write(out, fname, meta, arrays, compress, level)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def state_dict(path):
    """A model's parameters and batch-norm buffers under PyTorch's names.

    path: a model file (kind=model, as rsc-train writes), or the (meta,
    tensors) pair load() returns.  Returns a dict of name -> NumPy array,
    the tensors param/NAME without their prefix, in file order, plus a
    `num_batches_tracked` (int64 scalar 0: rsc does not count batches) for
    every batch-norm layer, so that a strict load_state_dict() of the
    architecture's PyTorch definition (module rsc_torch) accepts it:

        model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    """
    if isinstance(path, tuple):
        (meta, tensors), fname = path, "model"
    else:
        meta, tensors = load(path)
        fname = "stdin" if path in ("-", None) else os.fsdecode(path) if not hasattr(path, "read") \
            else str(getattr(path, "name", "stream"))
    if meta.get("kind") != "model":
        raise RsctError("%s: not a model (kind=%s; rsc-train writes models)"
                        % (fname, meta.get("kind", "missing")))
    sd = {}
    for name, a in tensors.items():
        if not name.startswith("param/"):
            continue
        key = name[len("param/"):]
        sd[key] = a
        if key.endswith(".running_var"):
            sd[key[:-len("running_var")] + "num_batches_tracked"] = np.array(0, dtype=np.int64)
    if not sd:
        raise RsctError("%s: no param/ tensors" % fname)
    return sd


def input_shape(meta, fname="model"):
    """The model's input shape (C, H, W) from its `input` key."""
    s = meta.get("input", "")
    if not _INPUT.match(s):
        raise RsctError("%s: metadata key 'input' is missing or not CxHxW" % fname)
    return tuple(int(v) for v in s.split("x"))
