#!/usr/bin/python3
"""mia-fit-sklearn.py - scikit-learn's time for the attack fit that
bench/mia-fit times: StandardScaler fitted on the attack training set, then
GridSearchCV(LogisticRegression(), {'C': [0.01, 0.1, 1, 10]}, cv=3)
(StratifiedKFold(3), no shuffling, accuracy, refit on everything).
    mia-fit-sklearn.py FEATURES.tsv REPS [SETTING...]
Three settings: the reference's defaults (lbfgs, tol=1e-4, max_iter=100:
what the paper ran), lbfgs asked for a tight fit (tol=1e-10,
max_iter=10000; scikit-learn 1.2's lbfgs still stops early, on scipy's
default ftol), and newton-cholesky at tol=1e-10 (scikit-learn's exact
solver, the optimum rsc solves for).  Prints TSV: what, value, unit; fastest of REPS.  Run it with
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 for one core (bench/mia-fit
does)."""
import sys
import time

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

path, reps = sys.argv[1], int(sys.argv[2])
only = sys.argv[3:]   # default, tight, newton: the settings to run (all by default)
data = np.loadtxt(path, delimiter="\t", skiprows=1, usecols=None, dtype=str)
X = data[:, :-2].astype(float)
y = data[:, -2].astype(int)
print("# scikit-learn %s, numpy %s, %d rows, %d features" % (sklearn.__version__, np.__version__, *X.shape))
for name, kw in (("default", {}), ("tight", {"tol": 1e-10, "max_iter": 10000}),
                 ("newton", {"solver": "newton-cholesky", "tol": 1e-10, "max_iter": 10000})):
    if only and name not in only:
        continue
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        Xs = StandardScaler().fit_transform(X)
        gs = GridSearchCV(LogisticRegression(**kw), {"C": [0.01, 0.1, 1.0, 10.0]},
                          cv=StratifiedKFold(n_splits=3), scoring="accuracy", refit=True)
        gs.fit(Xs, y)
        best = min(best, time.perf_counter() - t0)
    print("sklearn_%s_fit_seconds\t%.4f\ts" % (name, best))
    print("sklearn_%s_C_chosen\t%g\t" % (name, gs.best_params_["C"]))
    for c, m in zip(gs.cv_results_["param_C"], gs.cv_results_["mean_test_score"]):
        print("sklearn_%s_cv_C%g\t%.6f\tmean of 3 folds" % (name, c, m))
