#!/usr/bin/env python3
"""Regenerates Tests/EvaluationTests/Fixtures: prediction CSVs and the metrics scikit-learn
computes from them (pip install scikit-learn numpy). Committed; CI never runs this.

    python3 tools/make_metric_fixtures.py

Cases: multi-class with tied scores, a class never predicted and a class absent from the
labels; a binary task (positive class "malignant"); names instead of indices.
"""
import json
import os

import numpy as np
from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support, precision_score, recall_score,
                             roc_auc_score)

OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "EvaluationTests", "Fixtures")


def write_csv(path, labels, probs, names=None):
    with open(path, "w") as f:
        cols = [f"prob_{names[c] if names else c}" for c in range(probs.shape[1])]
        f.write(",".join(["path", "label_name" if names else "label"] + cols) + "\n")
        for i, (y, p) in enumerate(zip(labels, probs)):
            lab = names[y] if names else str(y)
            f.write(",".join([f"img{i:03d}.png", lab] + [repr(float(v)) for v in p]) + "\n")


def metrics(y, probs, positive=None):
    pred = probs.argmax(1)
    present = sorted(set(y) | set(pred))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=list(range(probs.shape[1])), zero_division=0)
    out = dict(
        accuracy=accuracy_score(y, pred),
        macro_recall=recall_score(y, pred, average="macro", zero_division=0),
        macro_precision=precision_score(y, pred, average="macro", zero_division=0),
        macro_f1=f1_score(y, pred, average="macro", zero_division=0),
        weighted_f1=f1_score(y, pred, average="weighted", zero_division=0),
        kappa=cohen_kappa_score(y, pred),
        per_class_precision=p.tolist(), per_class_recall=r.tolist(), per_class_f1=f.tolist(),
        per_class_support=s.tolist(),
        confusion=confusion_matrix(y, pred, labels=list(range(probs.shape[1]))).tolist(),
        labels_in_average=[int(c) for c in present],
    )
    classes_in_y = sorted(set(y))
    out["macro_auc"] = float(np.mean([roc_auc_score((y == c).astype(int), probs[:, c]) for c in classes_in_y]))
    if len(classes_in_y) == probs.shape[1] > 2:
        out["macro_auc_sklearn_ovr"] = roc_auc_score(y, probs, multi_class="ovr", average="macro")
    if positive is not None:
        out["positive_precision"] = precision_score(y, pred, pos_label=positive, zero_division=0)
        out["positive_recall"] = recall_score(y, pred, pos_label=positive, zero_division=0)
        out["positive_f1"] = f1_score(y, pred, pos_label=positive, zero_division=0)
        out["positive_auc"] = roc_auc_score((y == positive).astype(int), probs[:, positive])
    return out


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(0)
    expected = {}
    # 1. Five classes; class 3 never predicted; class 4 absent from the labels; scores
    #    rounded so many ties occur.
    n, C = 60, 5
    y = rng.choice([0, 1, 2, 3], size=n, p=[0.4, 0.3, 0.2, 0.1])
    z = rng.normal(size=(n, C)) + 2.0 * np.eye(C)[y]
    z[:, 3] -= 3.0
    probs = np.round(softmax(z), 1)
    probs[:, 4] += 0.05
    probs = probs / probs.sum(1, keepdims=True)
    probs[:, 3] = np.minimum(probs[:, 3], probs.max(1) - 0.01)
    probs = probs / probs.sum(1, keepdims=True)
    write_csv(os.path.join(OUT, "multiclass_ties.csv"), y, probs)
    expected["multiclass_ties.csv"] = metrics(y, probs)
    # 2. Binary, names, positive class "malignant" (index 1).
    n = 80
    y = rng.choice([0, 1], size=n, p=[0.35, 0.65])
    score = np.round(np.clip(0.5 + 0.3 * (2 * y - 1) + 0.25 * rng.normal(size=n), 0, 1), 2)
    probs = np.stack([1 - score, score], 1)
    write_csv(os.path.join(OUT, "binary_names.csv"), y, probs, names=["benign", "malignant"])
    expected["binary_names.csv"] = metrics(y, probs, positive=1)
    # 3. Nine classes, all present (the NCT shape): sklearn's own OvR macro AUC applies.
    n, C = 120, 9
    y = np.arange(n) % C
    probs = softmax(rng.normal(size=(n, C)) + 1.5 * np.eye(C)[y])
    write_csv(os.path.join(OUT, "nine_classes.csv"), y, probs)
    expected["nine_classes.csv"] = metrics(y, probs)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print("metric fixtures written")


if __name__ == "__main__":
    main()
