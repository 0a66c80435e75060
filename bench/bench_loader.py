"""Loader throughput: `rice_prune.data.load_rice` against `keras.utils.image_dataset_from_directory`.

Both read the same generated JPEG files (5,000 by default: 1,000 per variety, 250x250 px), decode, resize and batch
them; the two are run alternately, several rounds. Reported: the median images per second of wall time, and the
median CPU time per image (all threads of the process), which a shared, throttled machine disturbs far less.

    python bench/bench_loader.py [--n_per_class 1000] [--rounds 5] [--sizes 224 128 64]
"""
import argparse, os, statistics, tempfile
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf
import keras

from rice_prune.synthetic import make_synthetic_rice
from rice_prune.data import load_rice
from timing import interleaved


def count_images(ds):
    "One pass over `ds`: the number of images it yielded."
    n = 0
    for x, _ in ds: n += int(x.shape[0])
    return n


def measure(t):
    "(images per second of wall time, CPU milliseconds per image) of each timed pass (a `timing.Timing`)."
    return [(n / wall, 1000 * cpu / n) for n, wall, cpu in zip(t.values, t.wall, t.cpu)]


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
        # what a Keras user adds to get what load_rice gives: images in [0, 1]
        theirs_01 = theirs.map(lambda x, y: (x / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE)
        pipes = {'load_rice': ours, 'keras': theirs, 'keras + rescale': theirs_01}
        for ds in pipes.values():  # warm up: build the graphs, fill the page cache
            for _ in ds.take(3): pass
        timings = interleaved({k: lambda ds=ds: count_images(ds) for k, ds in pipes.items()}, args.rounds)
        runs = {k: measure(t) for k, t in timings.items()}
        med = {k: [statistics.median(v[i] for v in r) for i in (0, 1)] for k, r in runs.items()}
        rows.append((size, med))
    print("| image size | load_rice img/s | keras img/s | speed ratio | load_rice CPU ms/img | keras CPU ms/img "
          "| CPU ratio | CPU ratio vs keras + rescale |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, m in rows:
        (a_ips, a_cpu), (b_ips, b_cpu), (_, c_cpu) = m['load_rice'], m['keras'], m['keras + rescale']
        print(f"| {size}x{size} | {a_ips:,.0f} | {b_ips:,.0f} | {a_ips / b_ips:.2f}x | {a_cpu:.3f} | {b_cpu:.3f} "
              f"| {b_cpu / a_cpu:.2f}x | {c_cpu / a_cpu:.2f}x |")
    print("\nratios > 1 mean load_rice is faster (speed: wall-time throughput; CPU: CPU time per image).\n"
          "keras yields images in [0, 255]; 'keras + rescale' maps them to [0, 1] as load_rice does.")


if __name__ == '__main__': main()
