"""Dead-filter statistics against plain prediction: `rice_prune.featuremaps.dead_filter_stats` vs `model.predict`.

Both run the same model over the same 2,000 images (a tf.data pipeline over a pool of in-memory images, batch 64 for
both) in one process, alternately, several rounds. `dead_filter_stats` does one forward pass per batch and reduces the
maps of every convolution layer (Inception inner convolutions included) to per-filter counts and sums inside the graph;
`predict` does the forward pass and returns the class probabilities. Reported: the best round of each, in CPU time of
the process (robust to other processes sharing the machine) and in wall time, and their ratio. Target: stats / predict
<= 1.3.

    python bench/bench_deadfilters.py [--models cnn_light googlenet_light cnn] [--size 224] [--images 2000] [--rounds 3]

Set TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS to pin the thread count (we measured with 1 and 1).
"""
import argparse, os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np
import tensorflow as tf
import keras

from rice_prune.models import build_model
from rice_prune.prune.layers import conv_layers
from rice_prune.prune.activations import dead_filter_stats
from timing import interleaved


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--models', nargs='+', default=['cnn_light', 'googlenet_light', 'cnn'])
    ap.add_argument('--size', type=int, default=224, help='side of the square input images')
    ap.add_argument('--images', type=int, default=2000)
    ap.add_argument('--pool', type=int, default=100, help='distinct images in memory, repeated to make --images')
    ap.add_argument('--batch_size', type=int, default=64)
    ap.add_argument('--rounds', type=int, default=3)
    args = ap.parse_args()
    if args.images % args.pool: ap.error('--images must be a multiple of --pool')

    rng = np.random.default_rng(0)
    pool = rng.uniform(0, 1, (args.pool, args.size, args.size, 3)).astype(np.float32)
    data = tf.data.Dataset.from_tensor_slices(pool).repeat(args.images // args.pool).batch(args.batch_size)
    print(f"{args.images} images of {args.size}x{args.size}, batch {args.batch_size}; best of {args.rounds} alternating "
          f"rounds; TensorFlow {tf.__version__}, Keras {keras.__version__}; intra-op threads "
          f"{os.environ.get('TF_NUM_INTRAOP_THREADS', 'default')}\n")
    rows = []
    for name in args.models:
        keras.utils.set_random_seed(0)
        weights = {'weights': None} if name in ('vgg16', 'vgg_light') else {}
        model = build_model(name, input_shape=(args.size, args.size, 3), num_classes=5, **weights)
        n_convs, n_filters = len(conv_layers(model)), sum(l.filters for l in conv_layers(model).values())
        predict = lambda: model.predict(data, batch_size=args.batch_size, verbose=0)
        stats = lambda: dead_filter_stats(model, data, batch_size=args.batch_size, progress=False)
        # warm up on one batch: trace both functions once, outside the timing
        model.predict(data.take(1), verbose=0); dead_filter_stats(model, data.take(1), progress=False)
        times = interleaved({'predict': predict, 'stats': stats}, args.rounds)
        p_cpu, p_wall = (times['predict'].stat('min', clock) for clock in ('cpu', 'wall'))
        s_cpu, s_wall = (times['stats'].stat('min', clock) for clock in ('cpu', 'wall'))
        rows.append((name, n_convs, n_filters, p_cpu, s_cpu, s_cpu / p_cpu, p_wall, s_wall, s_wall / p_wall))
        print(f"  {name}: predict {p_cpu:.2f} s CPU, stats {s_cpu:.2f} s CPU", flush=True)
    print()
    print("| model | conv layers | filters | predict CPU s | stats CPU s | ratio (CPU) | predict wall s | stats wall s "
          "| ratio (wall) | <= 1.3x |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, nc, nf, pc, sc, rc, pw, sw, rw in rows:
        print(f"| {name} | {nc} | {nf:,} | {pc:.2f} | {sc:.2f} | {rc:.2f}x | {pw:.2f} | {sw:.2f} | {rw:.2f}x | "
              f"{'yes' if rc <= 1.3 else 'no'} |")


if __name__ == '__main__': main()
