#!/usr/bin/env python3
"""The site learning curve on the public proxy (issue #27): leave one YouTube video out,
train the base on the other four and all of SMS, then add the held video's first k comments
(in a fixed SHA-256 order of their ids) as that site's labels with `model train
--site-labels`, and test on the held video's comments after its first 100 (the same test set
for every k). Prints ROC AUC, false positives at the threshold and spam recall at 1 % false
positives per k, the mean over the five videos, with a 95 % bootstrap interval of the mean.

Usage: bench/learning_curve.py BIN [--site-prior N] [--ks 0,25,50,100] [--json]
"""
import csv
import hashlib
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def rows(video):
    with open(video, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = hashlib.sha256(f"site-curve|{video.name}|{r['COMMENT_ID']}".encode()).hexdigest()
            text = " ".join(r["CONTENT"].split())
            yield key, ("spam" if r["CLASS"].strip() == "1" else "ham"), text


def write_tsv(path, items):
    with open(path, "w", encoding="utf-8") as f:
        for _, label, text in items:
            f.write(f"{label}\t{text}\n")


def main():
    args = sys.argv[1:]
    binary = args[0]
    prior = None
    ks = [0, 25, 50, 100]
    as_json = "--json" in args
    if "--site-prior" in args:
        prior = args[args.index("--site-prior") + 1]
    if "--ks" in args:
        ks = [int(k) for k in args[args.index("--ks") + 1].split(",")]
    videos = sorted((DATA / "youtube-spam-collection").glob("Youtube0*.csv"))
    sms = DATA / "sms-spam-collection" / "SMSSpamCollection"
    results = {k: [] for k in ks}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for held in videos:
            ordered = sorted(rows(held))
            test = tmp / "test.tsv"
            write_tsv(test, ordered[100:])
            train = [str(v) for v in videos if v != held] + [str(sms)]
            for k in ks:
                model = tmp / "m.json"
                cmd = [binary, "model", "train", "--out", str(model), *train]
                if k > 0:
                    site = tmp / "site.tsv"
                    write_tsv(site, ordered[:k])
                    cmd += ["--site-labels", str(site)]
                    if prior:
                        cmd += ["--site-prior", prior]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                out = subprocess.run(
                    [binary, "model", "evaluate", "--json", "--model", str(model), "--test", str(test)],
                    check=True, capture_output=True, text=True,
                ).stdout
                m = json.loads(out)["results"][0]
                results[k].append((m["roc_auc"], m["false_positive_rate"], m["recall_at_1pct_fpr"]))
    summary = {}
    rng = random.Random(27)
    for k in ks:
        per = results[k]
        means = []
        for i in range(3):
            values = [p[i] for p in per]
            mean = sum(values) / len(values)
            boots = sorted(
                sum(rng.choice(values) for _ in values) / len(values) for _ in range(2000)
            )
            means.append((mean, boots[50], boots[1949]))
        summary[k] = {"roc_auc": means[0], "fpr": means[1], "recall_at_1pct_fpr": means[2],
                      "per_video": per}
    if as_json:
        print(json.dumps(summary, indent=2))
        return
    print("| labels from the site | " + " | ".join(str(k) for k in ks) + " |")
    print("| --- | " + " | ".join("---" for _ in ks) + " |")
    for name, key, fmt in [("ROC AUC", "roc_auc", "{:.3f}"), ("false positives at the threshold", "fpr", "{:.1%}"),
                           ("spam recall at 1 % false positives", "recall_at_1pct_fpr", "{:.2f}")]:
        cells = []
        for k in ks:
            mean, lo, hi = summary[k][key]
            cells.append(f"{fmt.format(mean)} ({fmt.format(lo)}–{fmt.format(hi)})")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
