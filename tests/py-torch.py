"""py-torch.py - python3/rsc_torch.py: the PyTorch definitions against rsc
(run by tests/py-torch.sh with PYTHONPATH at python3/, the build's tools on
PATH, and FASHION set to the Fashion-MNIST folder when it is installed).

Every architecture's state_dict has exactly the names and shapes that
rsc-train --describe lists (and Table 2's parameter counts).  Models
rsc-train trained (mlp-small and cnn on 300 Fashion-MNIST images, or on a
generated CIFAR-format set without Fashion-MNIST; resnet20, with batch
norm, input normalisation and option-A shortcuts, and linear on the
generated set) load strictly into their PyTorch definitions, whose
test-set logits (within 1e-5 of each example's largest logit) and softmax
probabilities (within 1e-5) equal rsc's own (tests/model-logits:
rsc_model_logits / rsc_model_predict),
whose predictions are rsc's, and whose accuracy is rsc-score's clean_acc."""

import csv
import io
import os
import tempfile
import unittest

import numpy as np
import torch

import rsct
import rsc_torch
import trained_sets
from trained_sets import BUILD, run


# Table 2 of the paper (on 1x28x28 for the MLPs and the CNN, 3x32x32 else)
TABLE2 = {"mlp-small": 203530, "mlp": 335114, "mlp-large": 932362, "cnn": 312202,
          "resnet20": 269722, "resnet32": 464154, "resnet110": 1727962, "vgg16": 134301514}


def described(*args):
    """(input shape, classes, {name: shape}) from rsc-train --describe."""
    shape, classes, names = None, None, {}
    for line in run("rsc-train", "--describe", *args).splitlines():
        words = line.split()
        if words[0] == "input":
            shape = tuple(int(v) for v in words[1].rstrip(",").split("x"))
            classes = int(words[2])
        elif words[0] in ("param", "state"):
            names[words[1]] = tuple(int(v) for v in line.split("[")[1].rstrip("]").split(",") if v.strip())
    return shape, classes, names


class Definitions(unittest.TestCase):
    def test_names_and_shapes(self):
        torch.manual_seed(0)
        for arch in rsc_torch.ARCHS:
            shape, classes, names = described("--arch", arch)
            model = rsc_torch.build(arch, shape, classes)
            sd = model.state_dict()
            got = {k: tuple(v.shape) for k, v in sd.items() if not k.endswith("num_batches_tracked")}
            self.assertEqual(got, names, arch)
            # the parameters in rsc's order (the order of rsc-train's
            # initialisation and of its optimiser state)
            self.assertEqual([k for k, _ in model.named_parameters()],
                             [k for k in names if k.endswith(("weight", "bias"))], arch)
            nparams = sum(p.numel() for p in model.parameters())
            self.assertEqual(nparams, TABLE2.get(arch, 7850), arch)
            del model, sd

    def test_other_inputs(self):
        # the shapes follow the input: a CNN on 3x32x32, a ResNet on 1x8x8
        for arch, data_shape in (("cnn", (3, 32, 32)), ("resnet20", (1, 8, 8)), ("mlp", (3, 32, 32))):
            model = rsc_torch.build(arch, data_shape, 4)
            out = model.eval()(torch.rand(2, *data_shape))
            self.assertEqual(tuple(out.shape), (2, 4), arch)
        with self.assertRaises(ValueError):
            rsc_torch.build("resnet18")


class Trained(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.toy, cls.small = trained_sets.datasets(cls.tmp.name, 300, 200)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, arch, data, extra=()):
        d = self.tmp.name
        model = os.path.join(d, arch + ".rsct")
        run("rsc-train", "--data", data, "--arch", arch, "--epochs", "2", "--optimizer", "adam",
            "--lr", "0.001", "-b", "32", "-j", "1", "-o", model, *extra)
        logits = os.path.join(d, arch + "-logits.rsct")
        run(os.path.join(BUILD, "tests", "model-logits"), model, data, logits)
        _, c = rsct.load(logits)
        _, ds = rsct.load(data)
        x = torch.from_numpy(ds["test.x"].astype(np.float32) / np.float32(255))
        y = ds["test.y"]

        net = rsc_torch.load(model)
        self.assertFalse(net.training)
        with torch.no_grad():
            out = net(x)
            probs = out.softmax(1).numpy()
        out = out.numpy()
        self.assertEqual(out.shape, c["logits"].shape)
        # float32 rounding grows with the size of the activations: the
        # difference is measured against each example's largest logit
        # (ResNet-20 here reaches 98, where PyTorch's own float32 result is
        # 2e-5 from its float64 one)
        scale = np.maximum(1, np.abs(c["logits"]).max(1, keepdims=True))
        err = np.abs(out - c["logits"]) / scale
        self.assertLess(err.max(), 1e-5, "%s: logits differ by %g" % (arch, err.max()))
        self.assertLess(np.abs(probs - c["probs"]).max(), 1e-5, arch + ": probabilities")
        # the same predictions, wherever the two best classes are apart
        pred = probs.argmax(1)
        top2 = np.sort(c["probs"], 1)[:, -2:]
        clear = top2[:, 1] - top2[:, 0] > 1e-5
        self.assertTrue(np.array_equal(pred[clear], c["pred"][clear]), arch)
        self.assertGreater(clear.mean(), 0.9, arch)
        # and rsc-score's clean accuracy is theirs
        score = run("rsc-score", "--data", data, "--pattern", "S1", "--target", "0", model)
        row = next(csv.DictReader(io.StringIO(score), delimiter="\t"))
        self.assertEqual(float(row["clean_acc"]), float((c["pred"] == y).mean()), arch)
        self.assertAlmostEqual(float(row["clean_acc"]), float((pred == y).mean()),
                               delta=(~clear).mean() + 1e-12, msg=arch)
        return net, float(row["clean_acc"])

    def test_mlp_small(self):
        _, acc = self.check("mlp-small", self.small)
        if trained_sets.FASHION:
            self.assertGreater(acc, 0.4)   # 0.62 measured: it learned something

    def test_cnn(self):
        self.check("cnn", self.small)

    def test_linear(self):
        self.check("linear", self.toy)

    def test_resnet20(self):
        net, _ = self.check("resnet20", self.toy)
        # trained batch norm: the running statistics moved from (0, 1)
        self.assertGreater(net.bn1.running_mean.abs().max().item(), 1e-3)
        self.assertGreater((net.layer3[2].bn2.running_var - 1).abs().max().item(), 1e-3)

    def test_state_dict_strict(self):
        model = os.path.join(self.tmp.name, "strict.rsct")
        run("rsc-train", "--data", self.toy, "--arch", "linear", "--epochs", "1", "-o", model)
        meta, t = rsct.load(model)
        sd = rsc_torch.state_dict((meta, t))
        self.assertEqual(list(sd), ["fc1.weight", "fc1.bias"])
        self.assertIsInstance(sd["fc1.weight"], torch.Tensor)
        self.assertTrue(np.array_equal(sd["fc1.weight"].numpy(), t["param/fc1.weight"]))
        # a missing tensor or an unknown architecture is refused
        del t["param/fc1.bias"]
        with self.assertRaises(RuntimeError) as cm:
            rsc_torch.load((meta, t))
        self.assertIn("fc1.bias", str(cm.exception))
        meta["arch"] = "resnet18"
        with self.assertRaises(rsct.RsctError) as cm:
            rsc_torch.load((meta, t))
        self.assertEqual(str(cm.exception), "model: unknown architecture 'resnet18'")

if __name__ == "__main__":
    unittest.main(verbosity=2)
