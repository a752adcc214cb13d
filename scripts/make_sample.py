#!/usr/bin/env python3
"""Builds dskit's built-in sample dataset: a long-tailed ImageFolder-style tree.

36 classes whose sizes fall off exponentially, n_i = int(400 * 0.025 ** (i / 35)) (400 down to 10 images,
imbalance ratio 40), each image a small deterministic 32x32 greyscale PGM that any image library reads.
Usage: make_sample.py OUT_DIR   (idempotent: an existing complete tree is left as it is)
"""
import os
import random
import sys

CLASSES = [
    "airplane", "ant", "apple", "bee", "bicycle", "bird", "boat", "bottle", "bus", "butterfly",
    "camel", "car", "cat", "chair", "clock", "cloud", "cow", "crab", "deer", "dog",
    "dolphin", "elephant", "fox", "frog", "horse", "kangaroo", "lamp", "lion", "mushroom", "octopus",
    "owl", "pear", "rabbit", "snail", "tiger", "zebra",
]


def counts():
    k = len(CLASSES)
    return [int(400 * 0.025 ** (i / (k - 1))) for i in range(k)]


def pgm(rng, w=32, h=32):
    header = b"P5\n%d %d\n255\n" % (w, h)
    return header + bytes(rng.randrange(256) for _ in range(w * h))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_sample.py OUT_DIR")
    out = os.path.join(sys.argv[1], "imagefolder")
    marker = os.path.join(sys.argv[1], ".complete")
    if os.path.exists(marker):
        print(f"sample: {out} already present")
        return
    rng = random.Random(20261125)
    total = 0
    for name, n in zip(CLASSES, counts()):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for i in range(n):
            with open(os.path.join(d, f"{name}_{i:04d}.pgm"), "wb") as f:
                f.write(pgm(rng))
        total += n
    with open(marker, "w") as f:
        f.write(f"{total}\n")
    print(f"sample: {total} images in {len(CLASSES)} classes under {out}")


if __name__ == "__main__":
    main()
