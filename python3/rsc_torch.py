"""PyTorch definitions of the rsc architectures, for models rsc-train wrote.

    >>> import rsc_torch
    >>> model = rsc_torch.load("m.rsct")        # eval mode, weights loaded
    >>> probs = model(x).softmax(1)             # x: N x C x H x W in [0, 1]

Every module has the parameter and buffer names and shapes of the model
file's param/ tensors (rsct(5)), and computes what rsc computes in
evaluation mode: the same layers in the same order, with CIFAR's channel
normalisation inside the ResNets and VGG16 when the input has 3 channels
(the constants of the reference code), as rsc-train applies it.
Requires torch (Debian: python3-torch) besides NumPy; the module rsct does
not.
"""

from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import rsct

__all__ = ["ARCHS", "build", "state_dict", "load"]

ARCHS = ("linear", "mlp-small", "mlp", "mlp-large", "cnn",
         "resnet20", "resnet32", "resnet110", "vgg16")

_MLP_HIDDEN = {"linear": (), "mlp-small": (256,), "mlp": (256, 256, 256),
               "mlp-large": (512, 512, 512)}
_RESNET_BLOCKS = {"resnet20": 3, "resnet32": 5, "resnet110": 18}
_CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
_CIFAR_STD = (0.2023, 0.1994, 0.2010)


class Normalize(nn.Module):
    """(x - mean[c]) / std[c], constants that are not parameters (and not
    in the state_dict)."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    def forward(self, x):
        return (x - self.mean) / self.std


def _cifar_norm(channels):
    return Normalize(_CIFAR_MEAN, _CIFAR_STD) if channels == 3 else nn.Identity()


class MLP(nn.Module):
    """linear, mlp-small, mlp, mlp-large: flatten, fc1, relu, ..., fcN."""

    def __init__(self, inputs, hidden, classes):
        super().__init__()
        widths = (inputs,) + tuple(hidden) + (classes,)
        self.depth = len(widths) - 1
        for k in range(self.depth):
            setattr(self, "fc%d" % (k + 1), nn.Linear(widths[k], widths[k + 1]))

    def forward(self, x):
        x = x.flatten(1)
        for k in range(1, self.depth + 1):
            x = getattr(self, "fc%d" % k)(x)
            if k < self.depth:
                x = F.relu(x)
        return x


class CNN(nn.Module):
    """The reference code's small CNN (TRADES): two 3x3 convolutions of 32
    channels, max pooling, two of 64, max pooling, fc 200, dropout 0.5,
    fc 200, fc; convolutions without padding."""

    def __init__(self, shape, classes):
        super().__init__()
        c, h, w = shape
        self.feature_extractor = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(c, 32, 3)), ("relu1", nn.ReLU()),
            ("conv2", nn.Conv2d(32, 32, 3)), ("relu2", nn.ReLU()),
            ("maxpool1", nn.MaxPool2d(2, 2)),
            ("conv3", nn.Conv2d(32, 64, 3)), ("relu3", nn.ReLU()),
            ("conv4", nn.Conv2d(64, 64, 3)), ("relu4", nn.ReLU()),
            ("maxpool2", nn.MaxPool2d(2, 2)),
        ]))
        oh, ow = ((h - 4) // 2 - 4) // 2, ((w - 4) // 2 - 4) // 2
        self.classifier = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(64 * oh * ow, 200)), ("relu1", nn.ReLU()),
            ("drop", nn.Dropout(0.5)),
            ("fc2", nn.Linear(200, 200)), ("relu2", nn.ReLU()),
            ("fc3", nn.Linear(200, classes)),
        ]))

    def forward(self, x):
        return self.classifier(self.feature_extractor(x).flatten(1))


class ShortcutA(nn.Module):
    """Option-A shortcut: stride-2 subsampling, planes/4 zero channels on
    each side."""

    def __init__(self, planes):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Identity() if stride == 1 and in_planes == planes else ShortcutA(planes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet(nn.Module):
    """The CIFAR ResNet (He et al., option A): conv1 16, bn1, three stages
    of `blocks` basic blocks (16, 32, 64 planes), global average pooling,
    linear."""

    def __init__(self, shape, blocks, classes):
        super().__init__()
        c = shape[0]
        self.normalize = _cifar_norm(c)
        self.conv1 = nn.Conv2d(c, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        inp = 16
        for s, planes in enumerate((16, 32, 64)):
            layer = []
            for b in range(blocks):
                layer.append(BasicBlock(inp, planes, 2 if s > 0 and b == 0 else 1))
                inp = planes
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*layer))
        self.linear = nn.Linear(64, classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(self.normalize(x))))
        out = self.layer3(self.layer2(self.layer1(out)))
        return self.linear(F.adaptive_avg_pool2d(out, 1).flatten(1))


class VGG16(nn.Module):
    """torchvision's VGG16 (configuration D) without batch norm: features,
    7x7 adaptive average pooling, classifier with dropout 0.5."""

    CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M",
           512, 512, 512, "M", 512, 512, 512, "M")

    def __init__(self, shape, classes):
        super().__init__()
        c = shape[0]
        self.normalize = _cifar_norm(c)
        layers = []
        for v in self.CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU()]
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(4096, classes))

    def forward(self, x):
        x = self.avgpool(self.features(self.normalize(x)))
        return self.classifier(x.flatten(1))


def build(arch, shape=None, classes=10):
    """An untrained module of architecture `arch` (one of ARCHS) for inputs
    of `shape` (C, H, W; default 1x28x28 for the MLPs and the CNN, 3x32x32
    for the others) and `classes` outputs."""
    if arch not in ARCHS:
        raise ValueError("unknown architecture '%s' (known: %s)" % (arch, ", ".join(ARCHS)))
    if shape is None:
        shape = (3, 32, 32) if arch.startswith(("resnet", "vgg")) else (1, 28, 28)
    shape = tuple(int(v) for v in shape)
    if arch in _MLP_HIDDEN:
        return MLP(int(np.prod(shape)), _MLP_HIDDEN[arch], classes)
    if arch == "cnn":
        return CNN(shape, classes)
    if arch in _RESNET_BLOCKS:
        return ResNet(shape, _RESNET_BLOCKS[arch], classes)
    return VGG16(shape, classes)


def _read(path):
    if isinstance(path, tuple):
        return path, "model"
    return rsct.load(path), str(path)


def state_dict(path):
    """rsct.state_dict(path) as torch tensors (copies, on the CPU)."""
    return OrderedDict((k, torch.from_numpy(np.array(v))) for k, v in rsct.state_dict(path).items())


def load(path, device="cpu"):
    """The model of an rsc model file (a path, "-", a file object, or the
    (meta, tensors) pair rsct.load returns): its architecture built for its
    input shape and classes, the parameters and batch-norm statistics
    loaded (strictly: every name and shape must agree), in eval mode."""
    (meta, tensors), fname = _read(path)
    sd = state_dict((meta, tensors))
    arch = meta.get("arch")
    if arch not in ARCHS:
        raise rsct.RsctError("%s: unknown architecture '%s'" % (fname, arch))
    try:
        classes = int(meta.get("classes", ""))
    except ValueError:
        raise rsct.RsctError("%s: metadata key 'classes' is missing or not an integer" % fname) from None
    model = build(arch, rsct.input_shape(meta, fname), classes)
    model.load_state_dict(sd)
    return model.to(device).eval()
