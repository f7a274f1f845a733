#!/usr/bin/python3
"""Generate the rsc-score aggregation/statistics fixtures with scipy.

Run from the top of the source tree:  python3 tests/gen/score-fixtures.py
Needs python3-numpy and python3-scipy.  Never run by the build or the tests;
its outputs are committed under tests/fixtures/.
"""
import numpy as np
from scipy import special, stats

FIX = "tests/fixtures/"
METRICS = ["clean_acc", "spurious_acc", "spurious_score", "pd_mean", "pd_max", "asr"]
rng = np.random.RandomState(20221)


def g(v):
    return "%.17g" % v


# ---------------------------------------------------------------- runs
# Rows shaped like rsc-score's output (a subset of its provenance columns):
# groups over (pattern, count, arch) with seeds 0..4, one group with a
# single row, one with two seeds only; n_test is a key like the rest.
cols = ["model", "name", "pattern", "pattern_seed", "target", "count", "seed",
        "train_seed", "arch", "lr", "epsilon"] + METRICS + ["n_test"]
rows = []
plan = [("R3", 0, "mlp", 5), ("R3", 10, "mlp", 5), ("S3", 10, "mlp", 5),
        ("R3", 10, "mlp-small", 2), ("S1", 100, "mlp", 1), ("Inv", 3, "mlp", 3)]
for pattern, count, arch, nseeds in plan:
    for seed in range(nseeds):
        base = {"R3": 0.3, "S3": 0.1, "S1": 0.02, "Inv": 0.05}[pattern] * (1 + np.log1p(count))
        vals = [0.88 + 0.01 * rng.rand(),            # clean_acc
                0.80 + 0.05 * rng.rand(),            # spurious_acc
                min(1.0, base + 0.03 * rng.rand()),  # spurious_score
                0.5 * base + 0.02 * rng.randn(),     # pd_mean (may be negative)
                0.9 + 0.09 * rng.rand(),             # pd_max
                0.1 * rng.rand()]                    # asr
        rows.append(["m-%s-%d-%s-%d.rsct" % (pattern, count, arch, seed), "fashion", pattern,
                     str(seed), "0", str(count), str(seed), "0", arch, "0.01", "0.1"]
                    + [g(v) for v in vals] + ["10000"])
with open(FIX + "score-runs.tsv", "w") as f:
    f.write("\t".join(cols) + "\n")
    for r in rows:
        f.write("\t".join(r) + "\n")

exclude = {"model", "seed", "train_seed", "pattern_seed"}
keys = [c for c in cols if c not in exclude and c not in METRICS]
groups = {}
order = []
for r in rows:
    k = tuple(r[cols.index(c)] for c in keys)
    if k not in groups:
        groups[k] = []
        order.append(k)
    groups[k].append(r)
with open(FIX + "score-runs-aggregate.tsv", "w") as f:
    f.write("\t".join(keys + [m + s for m in METRICS for s in ("_mean", "_se")] + ["n"]) + "\n")
    for k in order:
        out = list(k)
        for m in METRICS:
            v = np.array([float(r[cols.index(m)]) for r in groups[k]])
            out += [g(np.mean(v)), g(stats.sem(v)) if len(v) > 1 else "nan"]
        out.append(str(len(groups[k])))
        f.write("\t".join(out) + "\n")

# ---------------------------------------------------------------- norms
# Empirical norms like `rsc-inject --norms` prints, two seeds per pattern
# (the square patterns do not depend on the seed).
table1 = {"S1": 1.00, "S2": 3.00, "S3": 4.98, "R1": 3.90, "R2": 7.40, "R3": 13.65, "Inv": 4.44}
norms = {}
with open(FIX + "score-norms.tsv", "w") as f:
    f.write("dataset\tpattern\tseed\tnorm\n")
    for p, v in table1.items():
        for seed in (0, 1):
            nv = v + (0.01 * (seed + 1) * rng.randn() if p.startswith("R") else 0.0)
            norms.setdefault(p, []).append(float(g(nv)))
            f.write("fashion\t%s\t%d\t%s\n" % (p, seed, g(nv)))

# Correlation over the patterns of each group of score rows (key columns
# without pattern and count): mean norm vs mean spurious score.
ckeys = [c for c in keys if c not in ("pattern", "count")]
cgroups = {}
corder = []
for r in rows:
    k = tuple(r[cols.index(c)] for c in ckeys)
    if k not in cgroups:
        cgroups[k] = {}
        corder.append(k)
    cgroups[k].setdefault(r[cols.index("pattern")], []).append(float(r[cols.index("spurious_score")]))
with open(FIX + "score-correlation.tsv", "w") as f:
    f.write("\t".join(ckeys + ["n_patterns", "pearson_r", "p_value"]) + "\n")
    for k in corder:
        pats = list(cgroups[k])
        x = [np.mean(norms[p]) for p in pats]
        y = [np.mean(cgroups[k][p]) for p in pats]
        res = stats.pearsonr(x, y) if len(pats) >= 2 else (float("nan"), float("nan"))
        f.write("\t".join(list(k) + [str(len(pats)), g(res[0]), g(res[1])]) + "\n")

# ---------------------------------------------------------------- betainc
with open(FIX + "stats-betainc.tsv", "w") as f:
    f.write("a\tb\tx\tvalue\n")
    cases = [(0.5, 0.5, 0.5), (1, 1, 0.3), (2.5, 0.5, 0.1), (2.5, 0.5, 0.9), (0.5, 2.5, 0.999),
             (10, 0.5, 0.05), (10, 0.5, 0.95), (50, 0.5, 0.5), (0.5, 0.5, 1e-10),
             (3, 4, 0.42), (100, 100, 0.5), (100, 100, 0.45), (1.5, 0.5, 0.999999),
             (0.5, 0.5, 0.999999), (2, 3, 0.0), (2, 3, 1.0), (4999, 0.5, 0.999)]
    for a, b, x in cases:
        f.write("%s\t%s\t%s\t%s\n" % (g(a), g(b), g(x), g(special.betainc(a, b, x))))

# ---------------------------------------------------------------- pearson
with open(FIX + "stats-pearson.tsv", "w") as f:
    f.write("x\ty\tr\tp\n")
    cases = []
    for n in (3, 4, 5, 7, 10, 30, 200):
        x = rng.randn(n)
        y = 0.6 * x + rng.randn(n)
        cases.append((x, y))
    cases.append((np.array(list(table1.values())), np.array([0.02, 0.1, 0.2, 0.15, 0.4, 0.7, 0.12])))
    cases.append((np.array([1.0, 2.0, 3.0, 4.0]), np.array([-2.0, -4.0, -6.1, -8.0])))
    cases.append((np.array([1.0, 2.0]), np.array([5.0, 3.0])))
    for x, y in cases:
        x = np.array([float(g(v)) for v in x])
        y = np.array([float(g(v)) for v in y])
        res = stats.pearsonr(x, y)
        f.write("%s\t%s\t%s\t%s\n" % (",".join(g(v) for v in x), ",".join(g(v) for v in y),
                                      g(res[0]), g(res[1])))
