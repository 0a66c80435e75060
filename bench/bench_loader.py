"""Loader throughput: `rice_prune.data.load_rice` against `keras.utils.image_dataset_from_directory`.

Both read the same generated JPEG files (5,000 by default: 1,000 per variety, 250x250 px), decode, resize and batch
them; the two are run alternately, several rounds, and the median images/s of each is reported with their ratio.

    python bench/bench_loader.py [--n_per_class 1000] [--rounds 5] [--sizes 224 128 64]
"""
import argparse, os, statistics, tempfile, time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np
import tensorflow as tf
import keras

from rice_prune.synthetic import make_synthetic_rice
from rice_prune.data import load_rice


def images_per_second(ds):
    start, n = time.perf_counter(), 0
    for x, _ in ds: n += int(x.shape[0])
    return n / (time.perf_counter() - start)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n_per_class', type=int, default=1000)
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--sizes', type=int, nargs='+', default=[224, 128, 64])
    ap.add_argument('--batch_size', type=int, default=32)
    ap.add_argument('--data', default=None, help='folder for the generated files (default: a temporary folder)')
    args = ap.parse_args()

    dest = Path(args.data or tempfile.mkdtemp(prefix='rice_bench_'))
    root = make_synthetic_rice(dest, n_per_class=args.n_per_class, seed=0)
    n = args.n_per_class * 5
    print(f"{n} JPEG files of 250x250 px in {root}; {os.cpu_count()} cores; TensorFlow {tf.__version__}, "
          f"Keras {keras.__version__}; median of {args.rounds} alternating rounds, batch {args.batch_size}\n")
    rows = []
    for size in args.sizes:
        ours = load_rice(root, img_size=(size, size), batch_size=args.batch_size, val_split=0, test_split=0,
                         progress=False).train
        theirs = keras.utils.image_dataset_from_directory(root, image_size=(size, size), batch_size=args.batch_size,
                                                          label_mode='categorical', seed=42, verbose=False)
        for ds in (ours, theirs):  # warm up: build the graphs, fill the page cache
            for _ in ds.take(3): pass
        times = {'rice_prune': [], 'keras': []}
        for _ in range(args.rounds):
            times['rice_prune'].append(images_per_second(ours))
            times['keras'].append(images_per_second(theirs))
        a, b = statistics.median(times['rice_prune']), statistics.median(times['keras'])
        rows.append((size, a, b, a / b))
    print(f"| image size | load_rice (img/s) | image_dataset_from_directory (img/s) | ratio |")
    print(f"|---:|---:|---:|---:|")
    for size, a, b, r in rows: print(f"| {size}x{size} | {a:,.0f} | {b:,.0f} | {r:.2f}x |")


if __name__ == '__main__': main()
