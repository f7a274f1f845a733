#!/usr/bin/python3
"""Write the rsc-viz chart fixtures (synthetic numbers in the shape of
rsc-score --aggregate output, of rsc-mia-style aggregates, and of raw
rsc-score rows).  Run by hand: python3 tests/gen/viz-fixtures.py; the build
never runs it."""
import math
import os

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
metrics = ["clean_acc", "spurious_acc", "spurious_score", "pd_mean", "pd_max", "asr"]
patterns = ["S1", "S2", "S3", "R1", "R2", "R3", "Inv"]
strength = {"S1": 0.3, "S2": 0.6, "S3": 0.9, "R1": 1.2, "R2": 1.6, "R3": 2.5, "Inv": 1.0}


def fmt(v):
    return repr(float(v))


def metric_values(ds, pat, count, reg=0.0):
    s = strength[pat] / (1 + 4 * reg)
    score = 1 / (1 + math.exp(-(s * math.log1p(count) - 2.0)))
    clean = {"mnist": 0.98, "fashion": 0.89, "cifar10": 0.886}[ds] - 0.002 * reg
    return {
        "clean_acc": clean,
        "spurious_acc": clean - 0.3 * score,
        "spurious_score": score,
        "pd_mean": 0.6 * score,
        "pd_max": min(1.0, 0.2 + score),
        "asr": 0.05 + 0.5 * score,
    }


def write(name, header, rows):
    with open(os.path.join(here, name), "w") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(r) + "\n")


# Fig. 2 / Fig. 5: spurious score and accuracy vs count, per dataset and pattern.
hdr = ["name", "pattern", "target", "count", "arch", "optimizer", "weight_decay",
       "input_noise", "clip_value", "epsilon", "n_test"]
for m in metrics:
    hdr += [m + "_mean", m + "_se"]
hdr.append("n")
rows = []
for ds in ["mnist", "fashion", "cifar10"]:
    counts = [0, 1, 3, 5, 10, 20, 100, 500, 1000] if ds == "cifar10" else \
             [0, 1, 3, 5, 10, 20, 100, 2000, 5000]
    for pat in patterns:
        for i, cnt in enumerate(counts):
            v = metric_values(ds, pat, cnt)
            r = [ds, pat, "0", str(cnt), "resnet20" if ds == "cifar10" else "mlp", "adam",
                 "0", "0", "0", "0.1", "10000"]
            for m in metrics:
                r += [fmt(v[m]), fmt(0.004 + 0.002 * ((i + len(pat)) % 4))]
            r.append("5")
            rows.append(r)
write("agg-fig2.tsv", hdr, rows)

# Fig. 7: three regularisers on Fashion, S3, counts 1..100 (and 0, 2000).
rows = []
grid = {"input_noise": [0.1, 0.2, 0.5, 1.0], "weight_decay": [1e-4, 1e-3, 1e-2, 1e-1],
        "clip_value": [1e-3, 1e-2, 1e-1, 1.0]}
settings = [("0", "0", "0", 0.0)]
for col, vals in grid.items():
    for j, val in enumerate(vals):
        s = {"input_noise": "0", "weight_decay": "0", "clip_value": "0"}
        s[col] = repr(val)
        settings.append((s["input_noise"], s["weight_decay"], s["clip_value"], 0.5 * (j + 1)))
for noise, wd, clip, reg in settings:
    for i, cnt in enumerate([0, 1, 3, 5, 10, 20, 100, 2000]):
        v = metric_values("fashion", "S3", cnt, reg)
        r = ["fashion", "S3", "0", str(cnt), "mlp", "adam", wd, noise, clip, "0.1", "10000"]
        for m in metrics:
            r += [fmt(v[m]), fmt(0.003 + 0.001 * (i % 3))]
        r.append("5")
        rows.append(r)
write("agg-fig7.tsv", hdr, rows)

# Fig. 4: membership-inference accuracy, all examples vs spurious ones.
hdr4 = ["name", "pattern", "target", "count", "arch", "optimizer",
        "attack_acc_mean", "attack_acc_se", "attack_acc_spurious_mean",
        "attack_acc_spurious_se", "n"]
rows = []
for ds in ["mnist", "fashion", "cifar10"]:
    for opt in ["adam", "sgd"]:
        for i, cnt in enumerate([1, 3, 5, 10, 20, 100, 1000]):
            allacc = 0.52 + (0.03 if ds == "cifar10" else 0.0) + (0.01 if opt == "sgd" else 0)
            spur = 0.5 + 0.45 / (1 + 0.3 * cnt)
            rows.append([ds, "R3", "0", str(cnt), "resnet20" if ds == "cifar10" else "mlp", opt,
                         fmt(allacc), fmt(0.002 + 0.001 * (i % 2)), fmt(spur),
                         fmt(0.02 + 0.01 * (i % 3)), "10"])
write("agg-fig4.tsv", hdr4, rows)

# Raw rows (one per model): two patterns, three counts, 3 seeds each, with
# round numbers so that means and standard errors are exact in the tests.
hdrr = ["model", "name", "pattern", "target", "count", "seed", "clean_acc",
        "spurious_acc", "spurious_score"]
rows = []
base = {"S3": [0.1, 0.2, 0.3], "R3": [0.5, 0.6, 0.7]}
for pat in ["S3", "R3"]:
    for cnt, add in [(0, 0.0), (10, 0.1), (100, 0.2)]:
        for seed in range(3):
            score = base[pat][seed] + add
            rows.append(["m-%s-%d-%d.rsct" % (pat, cnt, seed), "fashion", pat, "0", str(cnt),
                         str(seed), "0.9", fmt(0.9 - score / 2), fmt(score)])
write("raw-scores.tsv", hdrr, rows)
