"""trained_sets.py - what the Python tests that train models share
(tests/py-torch.py, tests/py-hvp.py): running the build's programs, and
their small datasets."""

import os
import subprocess

BUILD = os.environ["top_builddir"]
FASHION = os.environ.get("FASHION", "")


def run(*cmd):
    """Run a program; its standard output, or AssertionError with its
    exit status and standard error."""
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        raise AssertionError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.decode()))
    return p.stdout.decode()


def datasets(d, train, test):
    """In folder d: (toy, small), toy a generated CIFAR-format set (12
    classes of 40 images, 60 training and 40 test rows, 3x32x32), small
    `train` and `test` Fashion-MNIST images when FASHION is set, else
    toy."""
    cifar = os.path.join(d, "cifar")
    os.mkdir(cifar)
    run(os.path.join(BUILD, "tests", "cifar-toy"), cifar, "12", "40")
    toy = os.path.join(d, "toy.rsct")
    run(os.path.join(BUILD, "tests", "score-fixture"), "--subset", cifar, toy, "60", "40")
    if not FASHION:
        return toy, toy
    small = os.path.join(d, "fashion.rsct")
    run(os.path.join(BUILD, "tests", "score-fixture"), "--subset", FASHION, small, str(train),
        str(test))
    return toy, small
