"""py-rsct.py - python3/rsct.py against the C reader and writer (run by
tests/py-rsct.sh with PYTHONPATH at python3/ and the build's tools on PATH).

C writes, Python reads: the golden file (whose bytes the C writer
reproduces, tests/test-rsct.c) copied by the C writer raw, deflated and
as marked, and a model rsc-train wrote.  Python writes, C reads: every
dtype with extreme values, scalars, empty and 8-d tensors, raw, deflated
and mixed records; the C reader's values (tests/rsct-dump, exact), table
(rsc-info --json) and rewrite (tests/rsct-copy, byte for byte) must agree.
Every malformed fixture is rejected with the C reader's message, from a
file and from a pipe; save() refuses what the C reader would refuse,
leaves no file when it fails, and replaces files atomically."""

import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

import numpy as np

import rsct

SRC = os.environ["top_srcdir"]
BUILD = os.environ["top_builddir"]
FIX = os.path.join(SRC, "tests", "fixtures")
DUMP = os.path.join(BUILD, "tests", "rsct-dump")
COPY = os.path.join(BUILD, "tests", "rsct-copy")

# fixture -> the problem the reader reports (after "FILE: "), as rsct(5)
# lists the rules; the C reader's messages (tests/rsct-malformed.sh gives
# rsc-info's, which says "not an rsct, IDX or CIFAR-10 file" for bad magic).
BAD = {
    "bad-empty": "truncated header (empty input)",
    "bad-magic": "not an rsct file (bad magic)",
    "bad-version": "unsupported rsct version 2",
    "bad-meta-len": "metadata block of 1048577 bytes exceeds the 1 MiB limit",
    "bad-meta-line": "metadata line 2: no '='",
    "bad-meta-newline": "metadata line 2: missing newline",
    "bad-meta-dupkey": "metadata line 3: duplicate key 'seed'",
    "bad-meta-key": "metadata line 1: bad key 'Kind'",
    "bad-meta-emptykey": "metadata line 1: bad key ''",
    "bad-meta-nul": "metadata line 1: value of 'kind' contains a NUL byte",
    "bad-meta-utf8": "metadata line 1: value of 'kind' is not valid UTF-8",
    "bad-header-crc": "header crc mismatch",
    "bad-tag": "bad record tag 'TNSX' after tensor 0",
    "bad-name": "tensor 'bad name': bad name",
    "bad-name-len": "tensor 1: bad name length 0",
    "bad-name-long": "tensor 1: bad name length 256",
    "bad-dup-name": "tensor 'x': duplicate name",
    "bad-dtype": "tensor 'x': unknown dtype 6",
    "bad-dtype-zero": "tensor 'x': unknown dtype 0",
    "bad-flags": "tensor 'x': unknown flags 0x02",
    "bad-ndim": "tensor 'x': ndim 9 exceeds 8",
    "bad-dims-overflow": "tensor 'x': dims product overflows",
    "bad-bytes-overflow": "tensor 'x': dims product overflows",
    "bad-size": "tensor 'x': size 20 disagrees with dims (24 bytes of f32)",
    "bad-record-crc": "tensor 'x': crc mismatch (stored deadbeef",
    "bad-payload-flip": "tensor 'x': crc mismatch",
    "bad-deflate": "tensor 'x': corrupt compressed payload",
    "bad-deflate-size": "tensor 'x': compressed payload inflates to more than 24 bytes",
    "bad-deflate-ratio": "tensor 'x': 26 compressed bytes cannot inflate to the 1099511627776 declared",
    "bad-deflate-empty": "tensor 'x': empty compressed payload",
    "bad-deflate-extra": "tensor 'x': 3 bytes after the end of the compressed stream",
    "bad-trailer-missing": "truncated after 1 tensor (no END. trailer)",
    "bad-trailer-tag": "bad record tag 'END!' after tensor 1",
    "bad-trailer-count": "trailer count 2 disagrees with the 1 tensor record read",
    "bad-trailer-short": "truncated trailer",
    "bad-trailing-data": "unexpected data after the trailer",
    "bad-huge-tensor": "tensor 'x': truncated",
    "bad-huge-deflate": "tensor 'x': truncated",
    "bad-truncated-header": "truncated header checksum",
    "bad-truncated-payload": "tensor 'x': truncated",
}

GOLDEN_META = {"kind": "golden", "name": "golden",
               "note": "utf-8 \u00fcn\u00efc\u00f8de, a=b is fine", "empty": ""}


def golden_arrays():
    """What tests/gen/make-bad-rsct.py put into golden.rsct."""
    return {
        "u8": np.array([(i * 37 + 1) & 255 for i in range(6)], np.uint8).reshape(2, 3),
        "i32": np.array([0, -1, 2147483647, -2147483648], np.int32),
        "i64": np.array([1, -1, (1 << 62) + 5], np.int64),
        "f32": np.array([0.5, -0.0, 3.25, np.inf], np.float32).reshape(2, 2),
        "f64": np.array([0.1, -2.5]),
        "scalar": np.array(3.141592653589793),
        "deep/eight.d": np.arange(16, dtype=np.uint8).reshape(1, 2, 1, 2, 1, 2, 1, 2),
        "Mixed_Case-1:packed": (np.arange(64) / 8.0).astype(np.float32),
    }


def run(*cmd, stdin=None, ok=True):
    p = subprocess.run(cmd, input=stdin, capture_output=True)
    if ok and p.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.decode()))
    return p


def c_values(path):
    """The C reader's values of every tensor (tests/rsct-dump, floats in %a)."""
    out, name, dump = {}, None, run(DUMP, path, "").stdout.decode()
    for line in dump.splitlines():
        if line.startswith("# "):
            name = line[2:]
            out[name] = []
        else:
            out[name].append(float.fromhex(line) if "0x" in line or line in ("inf", "-inf", "nan", "-nan")
                             else int(line))
    return out


def feed(fd, data):
    """Write data into the pipe fd and close it (a reader may stop early)."""
    try:
        with open(fd, "wb") as w:
            w.write(data)
    except BrokenPipeError:
        pass


def same_array(test, a, b, what):
    test.assertEqual(a.dtype, b.dtype, what)
    test.assertEqual(a.shape, b.shape, what)
    # bit for bit: NaN, -0.0 and infinities included
    test.assertEqual(a.tobytes(), np.ascontiguousarray(b).tobytes(), what)


class Golden(unittest.TestCase):
    def test_golden_values(self):
        meta, t = rsct.load(os.path.join(FIX, "golden.rsct"))
        self.assertEqual(meta, GOLDEN_META)
        self.assertEqual(list(meta), list(GOLDEN_META))
        want = golden_arrays()
        self.assertEqual(list(t), list(want))
        for k, v in want.items():
            same_array(self, t[k], v, k)
        self.assertEqual(t["scalar"].ndim, 0)
        self.assertTrue(t["u8"].flags.writeable)

    def test_python_writes_golden_bytes(self):
        with open(os.path.join(FIX, "golden.rsct"), "rb") as f:
            golden = f.read()
        buf = io.BytesIO()
        rsct.save(buf, GOLDEN_META, golden_arrays(), compress=["Mixed_Case-1:packed"])
        self.assertEqual(buf.getvalue(), golden)

    def test_c_copies(self):
        # C writes the golden content raw, deflated and as marked
        with tempfile.TemporaryDirectory() as d:
            for mode in ("raw", "deflate", "marked"):
                out = os.path.join(d, mode + ".rsct")
                run(COPY, os.path.join(FIX, "golden.rsct"), out, mode)
                meta, t = rsct.load(out)
                self.assertEqual(meta, GOLDEN_META)
                for k, v in golden_arrays().items():
                    same_array(self, t[k], v, "%s %s" % (mode, k))
                info = json.loads(run("rsc-info", "--json", out).stdout)
                flags = [x["compressed"] for x in info["tensors"]]
                want = {"raw": [False] * 8, "deflate": [True] * 8,
                        "marked": [False] * 7 + [True]}[mode]
                self.assertEqual(flags, want, mode)


class PythonWritesCReads(unittest.TestCase):
    def arrays(self):
        rng = np.random.RandomState(3)
        return {
            "u8": np.array([[0, 1, 127], [128, 254, 255]], np.uint8),
            "i32": np.array([0, -1, 2 ** 31 - 1, -2 ** 31], np.int32),
            "i64": np.array([[2 ** 63 - 1, -2 ** 63], [1, -1]], np.int64),
            "f32": np.array([0.0, -0.0, 1e-45, -3.4028235e38, np.inf, -np.inf, np.nan], np.float32),
            "f64": rng.standard_normal((3, 4, 5)),
            "f64.tiny": np.array([5e-324, -1.7976931348623157e308]),
            "s.u8": np.uint8(7),
            "s.i32": np.array(-5, np.int32),
            "s.f64": np.float64(2.5),
            "empty": np.zeros((0, 3), np.float32),
            "empty.z": np.zeros((4, 0, 2), np.int64),
            "eight/d:ims-8": np.arange(2 ** 8, dtype=np.int32).reshape((2,) * 8),
            "big.endian": np.array([1.5, -2.25], dtype=">f8"),
            "transposed": np.arange(12, dtype=np.float32).reshape(3, 4).T,
            "long": rng.randint(0, 256, size=300000).astype(np.uint8),
        }

    META = {"kind": "test", "creator": "py-rsct.py", "note": "\u03b3 = 0.1, \u00b1 \u2265",
            "empty": "", "n": 3, "x": 0.1}

    def check_file(self, path, arrays, deflated):
        # the C reader's values, exactly
        vals = c_values(path)
        self.assertEqual(list(vals), list(arrays))
        for k, a in arrays.items():
            a = np.asarray(a)
            got = np.array(vals[k], dtype=a.dtype.newbyteorder("=")).reshape(a.shape)
            if a.dtype.kind == "f":
                self.assertTrue(np.array_equal(got, a, equal_nan=True), k)
                self.assertEqual(np.signbit(got).tolist(), np.signbit(a).tolist(), k)
            else:
                self.assertTrue(np.array_equal(got, a), k)
        # the C reader's table: dtype, shape, compression, crc
        info = json.loads(run("rsc-info", "--json", path).stdout)
        self.assertEqual(info["meta"], {k: str(v) if not isinstance(v, float) else repr(v)
                                        for k, v in self.META.items()})
        names = {"u1": "u8", "i4": "i32", "i8": "i64", "f4": "f32", "f8": "f64"}
        for t, (k, a) in zip(info["tensors"], arrays.items()):
            a = np.asarray(a)
            self.assertEqual(t["name"], k)
            self.assertEqual(t["dtype"], names[a.dtype.str[1:]], k)
            self.assertEqual(t["shape"], list(a.shape), k)
            self.assertEqual(t["compressed"], k in deflated, k)
            self.assertTrue(t["crc_ok"], k)
        # the C writer, keeping each record as it is, writes the same bytes
        with tempfile.TemporaryDirectory() as d:
            again = os.path.join(d, "again.rsct")
            run(COPY, path, again, "marked")
            with open(path, "rb") as f1, open(again, "rb") as f2:
                self.assertEqual(f1.read(), f2.read())
        # and Python reads back what it wrote
        meta, t = rsct.load(path)
        self.assertEqual(meta["n"], "3")
        self.assertEqual(float(meta["x"]), 0.1)
        for k, a in arrays.items():
            a = np.asarray(a)
            same_array(self, t[k], a.astype(a.dtype.newbyteorder("<")), k)

    def test_raw_deflated_mixed(self):
        arrays = self.arrays()
        with tempfile.TemporaryDirectory() as d:
            for compress, deflated in ((False, set()), (True, set(arrays)),
                                       ({"f64", "long", "empty", "s.u8"}, {"f64", "long", "empty", "s.u8"})):
                path = os.path.join(d, "py.rsct")
                rsct.save(path, self.META, arrays, compress=compress)
                self.check_file(path, arrays, deflated)
            # one name alone is a name, not a collection of letters
            rsct.save(os.path.join(d, "one.rsct"), {}, {"long": np.zeros(100), "l": np.zeros(100)},
                      compress="long")
            info = json.loads(run("rsc-info", "--json", os.path.join(d, "one.rsct")).stdout)
            self.assertEqual([t["compressed"] for t in info["tensors"]], [True, False])
            # deflating a compressible tensor makes the file smaller
            rsct.save(os.path.join(d, "raw.rsct"), {}, {"z": np.zeros(10000)})
            rsct.save(os.path.join(d, "z.rsct"), {}, {"z": np.zeros(10000)}, compress=True)
            self.assertLess(os.path.getsize(os.path.join(d, "z.rsct")),
                            os.path.getsize(os.path.join(d, "raw.rsct")) / 50)

    def test_stdout_and_stdin(self):
        # Python writes to a pipe, C reads it; C writes to a pipe, Python reads it
        code = ("import rsct, numpy as np; rsct.save('-', {'kind': 'pipe'}, "
                "{'v': np.arange(5, dtype=np.int64)}, compress=True)")
        data = run(sys.executable, "-c", code).stdout
        info = json.loads(run("rsc-info", "--json", stdin=data).stdout)
        self.assertEqual(info["file"], "stdin")
        self.assertEqual(info["tensors"][0]["shape"], [5])
        back = run(COPY, "-", "-", "raw", stdin=data).stdout
        code = ("import rsct, sys; m, t = rsct.load('-'); "
                "print(m['kind'], t['v'].dtype, t['v'].tolist())")
        out = run(sys.executable, "-c", code, stdin=back).stdout.decode().strip()
        self.assertEqual(out, "pipe int64 [0, 1, 2, 3, 4]")


class Malformed(unittest.TestCase):
    def test_every_fixture_listed(self):
        names = sorted(f[:-5] for f in os.listdir(FIX) if f.startswith("bad-") and f.endswith(".rsct"))
        self.assertEqual(names, sorted(BAD))

    def test_same_rejection_as_c(self):
        for name, problem in BAD.items():
            path = os.path.join(FIX, name + ".rsct")
            with self.assertRaises(rsct.RsctError, msg=name) as cm:
                rsct.load(path)
            msg = str(cm.exception)
            self.assertTrue(msg.startswith("%s: %s" % (path, problem)), "%s: %s" % (name, msg))
            self.assertNotIn("\n", msg)
            # word for word the C reader's message
            c = run(DUMP, path, "", ok=False)
            self.assertEqual(c.returncode, 1, name)
            self.assertEqual(c.stderr.decode().strip(), "rsct-dump: " + msg, name)

    def test_same_rejection_from_a_pipe(self):
        # through a pipe, whose length the reader cannot know in advance
        for name, problem in BAD.items():
            with open(os.path.join(FIX, name + ".rsct"), "rb") as f:
                data = f.read()
            r, w = os.pipe()
            feeder = threading.Thread(target=feed, args=(w, data))
            feeder.start()
            try:
                with open(r, "rb") as pipe, self.assertRaises(rsct.RsctError, msg=name) as cm:
                    rsct.load(pipe, name="stdin")
            finally:
                feeder.join()
            msg = str(cm.exception)
            self.assertTrue(msg.startswith("stdin: " + problem), "%s: %s" % (name, msg))
            c = run(DUMP, "-", "", stdin=data, ok=False)
            self.assertEqual(c.stderr.decode().strip(), "rsct-dump: " + msg, name)

    def test_scan_keeps_bad_crc(self):
        meta, t, errors = rsct.scan(os.path.join(FIX, "bad-record-crc.rsct"))
        self.assertEqual(list(errors), ["x"])
        self.assertTrue(errors["x"].startswith("crc mismatch (stored deadbeef"))
        self.assertEqual(t["x"].shape, (2, 3))

    def test_truncated_everywhere(self):
        # every proper prefix of a valid file is rejected as truncated
        with open(os.path.join(FIX, "golden.rsct"), "rb") as f:
            data = f.read()
        for n in range(1, len(data)):
            with self.assertRaises(rsct.RsctError, msg=n) as cm:
                rsct.load(io.BytesIO(data[:n]))
            self.assertIn("truncated", str(cm.exception), n)


class SaveRefuses(unittest.TestCase):
    def refused(self, meta, tensors, fragment):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "out.rsct")
            with self.assertRaises(rsct.RsctError) as cm:
                rsct.save(path, meta, tensors)
            self.assertIn(fragment, str(cm.exception))
            self.assertTrue(str(cm.exception).startswith(path + ": "))
            self.assertEqual(os.listdir(d), [])

    def test_refusals(self):
        ok = {"x": np.zeros(2)}
        self.refused({"Kind": "x"}, ok, "metadata key 'Kind' is not of the form")
        self.refused({"": "x"}, ok, "is not of the form [a-z0-9_.-]+")
        self.refused({"k": "a\nb"}, ok, "metadata key 'k': value contains a newline")
        self.refused({"k": "a\0b"}, ok, "metadata key 'k': value contains a newline or NUL")
        self.refused({"k": None}, ok, "metadata key 'k': value None is not a string or number")
        self.refused({"k": "x" * (1 << 20)}, ok, "exceeds the 1 MiB limit")
        self.refused({}, {"bad name": np.zeros(1)}, "tensor 'bad name': bad name")
        self.refused({}, {"": np.zeros(1)}, "bad name")
        self.refused({}, {"n" * 256: np.zeros(1)}, "bad name")
        self.refused({}, {"x": np.zeros(3, np.int16)}, "tensor 'x': dtype int16 has no rsct type")
        self.refused({}, {"x": np.zeros(3, bool)}, "tensor 'x': dtype bool has no rsct type")
        self.refused({}, {"x": np.zeros(3, np.complex64)}, "dtype complex64 has no rsct type")
        self.refused({}, {"x": np.zeros((1,) * 9)}, "tensor 'x': 9 dimensions (at most 8)")

    def test_atomic(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.rsct")
            rsct.save(path, {"kind": "old"}, {"x": np.zeros(3)})
            with open(path, "rb") as f:
                before = f.read()
            mask = os.umask(0o027)
            try:
                rsct.save(path, {"kind": "new"}, {"x": np.ones(3)})
            finally:
                os.umask(mask)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
            self.assertEqual(rsct.load(path)[0]["kind"], "new")
            # a failure while writing leaves the old file and no temporary
            rsct.save(path, {"kind": "old"}, {"x": np.zeros(3)})
            real = rsct._write

            def broken(out, *args):
                out.write(b"partial")
                raise OSError(28, "No space left on device")
            rsct._write = broken
            try:
                with self.assertRaises(OSError):
                    rsct.save(path, {"kind": "new"}, {"x": np.ones(3)})
            finally:
                rsct._write = real
            with open(path, "rb") as f:
                self.assertEqual(f.read(), before)
            self.assertEqual(os.listdir(d), ["m.rsct"])

    def test_missing_input(self):
        with self.assertRaises(rsct.RsctError) as cm:
            rsct.load("/nonexistent/m.rsct")
        self.assertEqual(str(cm.exception), "/nonexistent/m.rsct: No such file or directory")


class Models(unittest.TestCase):
    """A model rsc-train wrote: state_dict() has the names and shapes
    rsc-train --describe lists, and the values of the file."""

    def test_state_dict(self):
        with tempfile.TemporaryDirectory() as d:
            ds = os.path.join(d, "toy.rsct")
            with open(ds, "wb") as f:
                f.write(run(os.path.join(BUILD, "tests", "toy-dataset"), "40", "8").stdout)
            cifar = os.path.join(d, "cifar")
            os.mkdir(cifar)
            run(os.path.join(BUILD, "tests", "cifar-toy"), cifar, "4", "8")
            for arch, data, shape in (("mlp-small", ds, (1, 8, 8)), ("cnn", cifar, (3, 32, 32)),
                                      ("resnet20", cifar, (3, 32, 32))):
                m = os.path.join(d, arch + ".rsct")
                run("rsc-train", "--data", data, "--arch", arch, "--epochs", "1", "-b", "20",
                    "-j", "1", "-o", m)
                desc = run("rsc-train", "--data", data, "--arch", arch, "--describe").stdout.decode()
                want = {}
                for line in desc.splitlines():
                    parts = line.split(None, 2)
                    if parts and parts[0] in ("param", "state"):
                        want[parts[1]] = tuple(json.loads(parts[2]))
                sd = rsct.state_dict(m)
                meta, t = rsct.load(m)
                self.assertEqual(rsct.input_shape(meta), shape)
                got = {k: v.shape for k, v in sd.items() if not k.endswith("num_batches_tracked")}
                self.assertEqual(got, want, arch)
                for k in got:
                    self.assertTrue(np.array_equal(sd[k], t["param/" + k]), k)
                    self.assertEqual(sd[k].dtype, np.float32, k)
                bn = [k for k in sd if k.endswith("num_batches_tracked")]
                self.assertEqual(len(bn), {"mlp-small": 0, "cnn": 0, "resnet20": 19}[arch])
                self.assertEqual(sorted(bn), sorted(k[:-len("running_var")] + "num_batches_tracked"
                                                    for k in sd if k.endswith("running_var")))
            with self.assertRaises(rsct.RsctError) as cm:
                rsct.state_dict(ds)
            self.assertEqual(str(cm.exception), ds + ": not a model (kind=dataset; rsc-train writes models)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
