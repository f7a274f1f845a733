#!/usr/bin/python3
"""make-mia-fixtures.py - scikit-learn fixtures for the membership-inference
attack model (libcommon/mia/, tests/test-mia-logreg.c).

For each dataset it writes, under tests/fixtures/mia/:
  NAME.tsv           the feature table: header f1..fd, member, set; rows with
                     6 decimals; `set` is train (the attack training set) or
                     test.  The same layout `rsc-mia fit` reads.
  NAME-expected.tsv  what scikit-learn computes from it, one key per line,
                     tab-separated values (%.17g):
    n_train n_test d          sizes
    scaler_mean scaler_scale  StandardScaler fitted on the train rows
    fold                      StratifiedKFold(3) test-fold id of each train row
    cv_C<C>                   the 3 fold accuracies of GridSearchCV for C
    cv_mean_C<C>              their mean (mean_test_score)
    C_chosen                  GridSearchCV's best C (ties: the first)
    test_acc                  accuracy of the refitted model on the test rows
    lbfgs_C<C>                LogisticRegression(C, tol=1e-10,
                              max_iter=10000) (lbfgs) on all train rows:
                              w1..wd then the intercept
    exact_C<C>                the exact optimum of the same objective by an
                              independent numpy Newton solve (gradient norm
                              below 1e-9 or the step at machine precision)
    lbfgs_dev_C<C>            max |lbfgs - exact| over the coefficients:
                              how far lbfgs stopped from the optimum
    grad_exact_C<C>           ||gradient|| at the exact optimum
    min_margin                smallest |decision value| of any held-out row
                              over all fold fits and C (so that rounding
                              cannot flip a fold accuracy)

The generator refuses a dataset whose fold accuracies from the exact optima
differ from scikit-learn's.  Run with Debian's python3-sklearn and
python3-numpy:   /usr/bin/python3 tests/gen/make-mia-fixtures.py
It also prints the small pooled-vs-mean case used by tests/test-mia-logreg.c.
The build and the tests never run it."""

import os
import sys

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

CS = [0.01, 0.1, 1.0, 10.0]
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "mia")


def cname(c):
    return "%g" % c


def newton(X, y, C):
    """Exact optimum of 0.5||w||^2 + C sum log(1 + exp(-t (Xw + b)))."""
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    t = 2.0 * y - 1
    theta = np.zeros(d + 1)

    def f(th):
        z = A @ th
        return 0.5 * th[:d] @ th[:d] + C * np.logaddexp(0, -t * z).sum()

    for _ in range(200):
        z = A @ theta
        p = 1 / (1 + np.exp(-z))
        g = C * A.T @ (p - y)
        g[:d] += theta[:d]
        if np.linalg.norm(g) < 1e-9:
            break
        s = p * (1 - p)
        H = C * (A * s[:, None]).T @ A
        H[np.arange(d), np.arange(d)] += 1
        step = np.linalg.solve(H, -g)
        if np.max(np.abs(step)) <= 4 * np.finfo(float).eps * np.max(np.abs(theta)):
            break
        a, f0 = 1.0, f(theta)
        while f(theta + a * step) > f0 + 1e-4 * a * (g @ step) + 64 * np.finfo(float).eps * abs(f0):
            a /= 2
        theta = theta + a * step
    z = A @ theta
    p = 1 / (1 + np.exp(-z))
    g = C * A.T @ (p - y)
    g[:d] += theta[:d]
    return theta, np.linalg.norm(g)


def write_dataset(name, X, y, is_test):
    os.makedirs(OUT, exist_ok=True)
    n, d = X.shape
    path = os.path.join(OUT, name + ".tsv")
    with open(path, "w") as fh:
        fh.write("\t".join(["f%d" % (j + 1) for j in range(d)] + ["member", "set"]) + "\n")
        for i in range(n):
            fh.write("\t".join("%.6f" % v for v in X[i]))
            fh.write("\t%d\t%s\n" % (y[i], "test" if is_test[i] else "train"))
    # read back what was written, so that scikit-learn sees the same doubles
    # as strtod in the C test
    rows = [line.rstrip("\n").split("\t") for line in open(path)][1:]
    Xr = np.array([[float(v) for v in r[:d]] for r in rows])
    yr = np.array([int(r[d]) for r in rows])
    te = np.array([r[d + 1] == "test" for r in rows])
    return Xr, yr, te


def make_fixture(name, X, y, is_test):
    X, y, is_test = write_dataset(name, X, y, is_test)
    Xtr, ytr = X[~is_test], y[~is_test]
    Xte, yte = X[is_test], y[is_test]
    d = X.shape[1]
    scaler = StandardScaler().fit(Xtr)
    Str, Ste = scaler.transform(Xtr), scaler.transform(Xte)

    skf = StratifiedKFold(n_splits=3)
    fold = np.empty(len(ytr), dtype=int)
    for f, (_, te_idx) in enumerate(skf.split(Str, ytr)):
        fold[te_idx] = f
    gs = GridSearchCV(LogisticRegression(tol=1e-10, max_iter=10000), {"C": CS},
                      cv=StratifiedKFold(n_splits=3), scoring="accuracy", refit=True)
    gs.fit(Str, ytr)
    res = gs.cv_results_
    best_C = gs.best_params_["C"]

    # the exact optima reproduce scikit-learn's fold accuracies, away from
    # the decision boundary
    min_margin = np.inf
    for ci, C in enumerate(CS):
        for f in range(3):
            th, _ = newton(Str[fold != f], ytr[fold != f], C)
            z = Str[fold == f] @ th[:d] + th[d]
            acc = np.mean((z > 0) == (ytr[fold == f] == 1))
            if acc != res["split%d_test_score" % f][ci]:
                sys.exit("%s: C=%g fold %d: exact accuracy %r, sklearn %r" %
                         (name, C, f, acc, res["split%d_test_score" % f][ci]))
            min_margin = min(min_margin, np.min(np.abs(z)))

    lines = []
    lines.append("# %s: generated by tests/gen/make-mia-fixtures.py (scikit-learn %s, numpy %s)"
                 % (name, sklearn.__version__, np.__version__))
    lines.append("n_train\t%d" % len(ytr))
    lines.append("n_test\t%d" % len(yte))
    lines.append("d\t%d" % d)
    lines.append("scaler_mean\t" + "\t".join("%.17g" % v for v in scaler.mean_))
    lines.append("scaler_scale\t" + "\t".join("%.17g" % v for v in scaler.scale_))
    lines.append("fold\t" + "\t".join(str(v) for v in fold))
    for ci, C in enumerate(CS):
        accs = [res["split%d_test_score" % f][ci] for f in range(3)]
        lines.append("cv_C%s\t" % cname(C) + "\t".join("%.17g" % a for a in accs))
        lines.append("cv_mean_C%s\t%.17g" % (cname(C), res["mean_test_score"][ci]))
    lines.append("C_chosen\t%g" % best_C)
    lines.append("test_acc\t%.17g" % gs.score(Ste, yte))
    worst = 0
    for C in CS:
        lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(Str, ytr)
        sk = np.concatenate([lr.coef_[0], lr.intercept_])
        ex, gnorm = newton(Str, ytr, C)
        dev = np.max(np.abs(sk - ex))
        worst = max(worst, dev)
        lines.append("lbfgs_C%s\t" % cname(C) + "\t".join("%.17g" % v for v in sk))
        lines.append("exact_C%s\t" % cname(C) + "\t".join("%.17g" % v for v in ex))
        lines.append("lbfgs_dev_C%s\t%.3g" % (cname(C), dev))
        lines.append("grad_exact_C%s\t%.3g" % (cname(C), gnorm))
    for C in CS:
        nc = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10, max_iter=10000).fit(Str, ytr)
        sk = np.concatenate([nc.coef_[0], nc.intercept_])
        ex, _ = newton(Str, ytr, C)
        lines.append("newton_cholesky_C%s\t" % cname(C) + "\t".join("%.17g" % v for v in sk))
        lines.append("newton_cholesky_dev_C%s\t%.3g" % (cname(C), np.max(np.abs(sk - ex))))
    lines.append("min_margin\t%.3g" % min_margin)
    with open(os.path.join(OUT, name + "-expected.tsv"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("%s: n_train %d d %d C_chosen %g cv %s max lbfgs-exact %.2g min margin %.3g" %
          (name, len(ytr), d, best_C, np.round(res["mean_test_score"], 4), worst, min_margin))


def dataset_small(rng):
    """300 rows, 5 features, overlapping Gaussian classes, 45% members;
    the first row is a non-member."""
    n, d = 300, 5
    y = (rng.random(n) < 0.45).astype(int)
    y[0] = 0
    X = rng.normal(size=(n, d)) * [1, 2, 0.5, 1, 3] + np.outer(y, [0.6, -0.5, 0.2, 0, 1.0]) + [0, 5, -1, 2, 0]
    return X, y, rng.random(n) < 0.2


def dataset_logits(rng):
    """1000 rows, 11 features as the attack sees them: the 10 logits of a
    simulated classifier sorted ascending, and whether it was right.
    Members get more confident logits; the first row is a member."""
    n, k = 1000, 10
    y = (rng.random(n) < 0.5).astype(int)
    y[0] = 1
    label = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    boost = np.where(y == 1, rng.normal(4, 1.5, n), rng.normal(2.5, 2, n))
    logits[np.arange(n), label] += boost
    correct = (np.argmax(logits, 1) == label).astype(float)
    X = np.hstack([np.sort(logits, 1), correct[:, None]])
    return X, y, rng.random(n) < 0.2


def dataset_separable(rng):
    """2000 rows, 7 features, classes far apart with 1% of labels flipped:
    near-separable, so C = 10 gives large coefficients; 30% members."""
    n, d = 2000, 7
    y = (rng.random(n) < 0.3).astype(int)
    X = rng.normal(size=(n, d)) + np.outer(2 * y - 1, [2.5, 1.5, 0, 0.5, 0, 1, 0])
    flip = rng.random(n) < 0.01
    y = np.where(flip, 1 - y, y)
    return X, y, rng.random(n) < 0.2


def pooled_vs_mean():
    """Search small 1-d integer datasets for one where the mean of the fold
    accuracies and the pooled accuracy choose different C, with margins.
    StratifiedKFold's folds differ in size by at most one row (fold f holds
    ceil((n - f) / 3)), and then the two rules can never prefer different
    C strictly: (m+1, m, m) rows and count differences da, dbc with
    da + dbc > 0 > da / (m+1) + dbc / m would need an integer dbc strictly
    between -da and -da + da / (m+1), an interval shorter than 1 (sizes
    (m+1, m+1, m) likewise).  They
    differ where one rule ties and the other does not, which the
    first-on-ties rule then decides."""
    rng = np.random.default_rng(7)
    for trial in range(200000):
        n = int(rng.integers(10, 16))
        x = rng.integers(0, 10, n).astype(float)
        y = rng.integers(0, 2, n)
        if min(np.bincount(y, minlength=2)) < 3:
            continue
        Xs = StandardScaler().fit_transform(x[:, None])
        fold = np.empty(n, dtype=int)
        for f, (_, te) in enumerate(StratifiedKFold(3).split(Xs, y)):
            fold[te] = f
        sizes = np.bincount(fold)
        if len(set(sizes)) == 1:
            continue
        right = np.zeros((4, 3), dtype=int)
        margin = np.inf
        for ci, C in enumerate(CS):
            for f in range(3):
                th, _ = newton(Xs[fold != f], y[fold != f], C)
                z = Xs[fold == f, 0] * th[0] + th[1]
                right[ci, f] = np.sum((z > 0) == (y[fold == f] == 1))
                margin = min(margin, np.min(np.abs(z)))
        if margin < 1e-3:
            continue
        mean = (right / sizes).mean(1)
        pooled = right.sum(1) / n
        # np.argmax takes the first of equal values, as the ties rule
        if np.argmax(mean) != np.argmax(pooled):
            print("pooled-vs-mean case: x =", x.astype(int).tolist(), "y =", y.tolist())
            print("  fold sizes", sizes.tolist(), "fold", fold.tolist())
            print("  right per C x fold", right.tolist())
            print("  mean", mean.round(6).tolist(), "pooled", pooled.round(6).tolist(),
                  "min margin %.3g" % margin)
            return
    print("no pooled-vs-mean case found")


def main():
    rng = np.random.default_rng(20240601)
    make_fixture("small", *dataset_small(rng))
    make_fixture("logits", *dataset_logits(rng))
    make_fixture("separable", *dataset_separable(rng))
    pooled_vs_mean()


if __name__ == "__main__":
    main()
