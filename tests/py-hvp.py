"""py-hvp.py - rsc's exact Hessian-vector products against PyTorch (run by
tests/py-hvp.sh with PYTHONPATH at python3/, the build's tools on PATH,
and FASHION set to the Fashion-MNIST folder when it is installed).

Models rsc-train trained (the cnn and mlp on 1000 Fashion-MNIST images,
or on a generated CIFAR-format set without Fashion-MNIST; resnet20, with
batch norm, input normalisation, both shortcut kinds and average
pooling, on the generated set) are loaded into their PyTorch
definitions (python3/rsc_torch.py) in float64, evaluation mode.  For a
batch of the training images (spurious rows substituted, as training
sees them) tests/model-hvp writes rsc's gradient and its products H v
for a random direction and for the gradient itself (delete/hvp.h, the
products rsc-delete --method influence uses); PyTorch computes the same
by double backward.  Relative errors |a - b| / |b| must stay within a
few times the float32 rounding of rsc's own gradient, as measured when
written (grad, then H v for the two directions): the cnn 9e-7, 5e-7 to
1e-6 (one example) and 3e-5, 5e-6 to 1.3e-5 (32, one of them
spurious); the mlp 2e-7, 2e-7 to 5e-7 (both sizes); resnet20 1.7e-4,
1e-4 to 1.7e-3 (one example; PyTorch's own float32 product is 1.6e-3
off) and 3e-7, 8e-7 to 1e-6 (16)."""

import os
import tempfile
import unittest

import numpy as np
import torch

import rsct
import rsc_torch
import trained_sets
from trained_sets import BUILD, run



def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


class HVP(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.toy, cls.small = trained_sets.datasets(cls.tmp.name, 1000, 100)
        if cls.small != cls.toy:   # ten spurious rows, one of them among the first 32
            injected = os.path.join(cls.tmp.name, "r3.rsct")
            run("rsc-inject", cls.small, "-p", "R3", "-t", "0", "-n", "10", "-s", "0", "-o", injected)
            cls.small = injected

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, arch, data, epochs, sizes):
        d = self.tmp.name
        model = os.path.join(d, arch + ".rsct")
        run("rsc-train", "--data", data, "--arch", arch, "--epochs", str(epochs), "--optimizer",
            "adam", "--lr", "0.001", "-b", "16", "-j", "1", "-q", "-o", model)
        meta, ds = rsct.load(data)
        x = ds["train.x"].astype(np.float32) / np.float32(255)
        if "spurious.index" in ds:   # spurious.x: f32 in [0, 1] (or u8)
            sx = ds["spurious.x"]
            sx = sx / np.float32(255) if sx.dtype == np.uint8 else sx
            for j, i in enumerate(ds["spurious.index"]):
                x[i] = sx[j]
            self.assertTrue(any(i < 32 for i in ds["spurious.index"]) or data == self.toy)
        y = ds["train.y"].astype(np.int64)
        net = rsc_torch.load(model).double()
        self.assertFalse(net.training)
        params = [p for _, p in net.named_parameters()]
        for n, limit in sizes:
            out = os.path.join(d, "%s-%d.rsct" % (arch, n))
            run(os.path.join(BUILD, "tests", "model-hvp"), model, data, "0", str(n), "auto", "0", out)
            hm, h = rsct.load(out)
            self.assertEqual(hm["hvp_mode"], "exact", arch)
            xb = torch.from_numpy(x[:n].astype(np.float64))
            loss = torch.nn.functional.cross_entropy(net(xb), torch.from_numpy(y[:n]),
                                                     reduction="sum") / n
            g = torch.autograd.grad(loss, params, create_graph=True)
            gflat = torch.cat([t.reshape(-1) for t in g])
            self.assertEqual(gflat.numel(), h["grad"].size, arch)
            errs = {"grad": rel(h["grad"], gflat.detach().numpy())}
            for key in ("rand", "grad"):
                v = torch.from_numpy(h["v_" + key].astype(np.float64))
                r = torch.autograd.grad(gflat @ v, params, retain_graph=True)
                ref = torch.cat([t.reshape(-1) for t in r]).numpy()
                errs["hv_" + key] = rel(h["hv_" + key], ref)
            print("%s, %d examples: relative errors %s" % (
                arch, n, ", ".join("%s %.2g" % kv for kv in sorted(errs.items()))))
            self.assertLess(errs["hv_rand"], limit, "%s, %d examples" % (arch, n))
            self.assertLess(errs["hv_grad"], limit, "%s, %d examples" % (arch, n))

    def test_cnn(self):
        self.check("cnn", self.small, 3, ((1, 1e-4), (32, 1e-4)))

    def test_mlp(self):
        self.check("mlp", self.small, 3, ((1, 1e-3), (32, 1e-5)))

    def test_resnet20(self):
        self.check("resnet20", self.toy, 3, ((1, 1e-2), (16, 1e-3)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
