"""Pruning benchmarks, side by side in one run:

(a) time to prune VGG16 at 224x224 (build the channel graph, score every filter by L1 norm, rebuild the
    smaller model, write the report) at several ratios -- target: under 2 s;
(b) inference speed-up of pruned against unpruned models on the CPU, divided by the FLOPs reduction, at
    batch 1 and 32 -- target: at least 0.85 (1.0 = the model got exactly as much faster as it got cheaper).

Pruned and unpruned models are timed in alternation (round-robin), so that load from other processes hits
both alike; each inference figure is the fastest of the rounds (background load only ever adds time), each
pruning time a median. Weights are random (weights=None): speed doesn't depend on their values. The default
--round-to 16 matches AVX-512's 16 floats per vector (use 8 on AVX2 machines).

Usage: python bench/bench_prune.py [--models vgg16,googlenet,cnn] [--size 224] [--ratios 0.2,0.5]
                                   [--round-to 16] [--runs-1 10] [--runs-32 3] [--prune-runs 5] [--threads 1]
"""
import argparse, os, statistics, time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default='vgg16,googlenet,cnn', help='comma-separated names from rice_prune.models.MODELS')
    parser.add_argument('--size', type=int, default=224, help='input height and width for the speed-up part')
    parser.add_argument('--ratios', default='0.2,0.5', help='comma-separated pruning ratios for the speed-up part')
    parser.add_argument('--round-to', type=int, default=16, help='also time each ratio with kept counts rounded to this (1: no)')
    parser.add_argument('--runs-1', type=int, default=10, help='timed rounds at batch 1')
    parser.add_argument('--runs-32', type=int, default=3, help='timed rounds at batch 32')
    parser.add_argument('--prune-runs', type=int, default=5, help='timed prunings of VGG16 per ratio')
    parser.add_argument('--threads', type=int, default=1, help='TensorFlow intra/inter-op threads')
    parser.add_argument('--skip-speed', action='store_true', help='only time the pruning')
    args = parser.parse_args()
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    os.environ['TF_NUM_INTRAOP_THREADS'] = os.environ['TF_NUM_INTEROP_THREADS'] = str(args.threads)

    import numpy as np
    import tensorflow as tf
    import keras
    from rice_prune.models import build_model, vgg16
    from rice_prune.cost import count_flops, count_params
    from rice_prune.prune import ChannelGraph, select_filters, prune_filters, pruning_report

    def median_time(fn, repeats):
        times = []
        for _ in range(repeats):
            start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
        return statistics.median(times)

    # (a) time to prune VGG16 at 224x224 --------------------------------------------------------------------
    vgg = vgg16((224, 224, 3), 5, weights=None)
    prune_filters(vgg, 0.1)  # warm-up: Keras builds its layer and shape caches on the first call
    print(f"(a) time to prune VGG16 at 224x224 (L1 criterion, median of {args.prune_runs}; target < 2 s)")
    print(f"{'ratio':>6s} {'graph s':>8s} {'select s':>9s} {'rebuild s':>10s} {'report s':>9s} {'total s':>8s} "
          f"{'params kept':>12s} {'FLOPs kept':>11s} {'< 2 s':>6s}")
    flops_vgg, params_vgg = count_flops(vgg), count_params(vgg).total
    for ratio in (0.05, 0.1, 0.2, 0.5):
        parts = {'graph': [], 'select': [], 'rebuild': [], 'report': [], 'total': []}
        for _ in range(args.prune_runs):
            t0 = time.perf_counter(); graph = ChannelGraph(vgg)
            t1 = time.perf_counter(); chosen = select_filters(graph, ratio)
            t2 = time.perf_counter(); pruned = graph.rebuild(graph.units_for(chosen))
            t3 = time.perf_counter(); pruning_report(vgg, pruned)
            t4 = time.perf_counter()
            for key, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)): parts[key].append(value)
        start = time.perf_counter(); prune_filters(vgg, ratio); whole = time.perf_counter() - start  # the public call, once
        m = {k: statistics.median(v) for k, v in parts.items()}
        print(f"{ratio:6.2f} {m['graph']:8.3f} {m['select']:9.3f} {m['rebuild']:10.3f} {m['report']:9.3f} {m['total']:8.3f} "
              f"{count_params(pruned).total / params_vgg:12.3f} {count_flops(pruned) / flops_vgg:11.3f} {str(m['total'] < 2):>6s}")
    print(f"(one call of prune_filters(vgg16, 0.5): {whole:.3f} s)")
    if args.skip_speed: return

    # (b) speed-up / FLOPs reduction -----------------------------------------------------------------------------
    ratios = [float(r) for r in args.ratios.split(',')]
    print(f"\n(b) inference speed-up / FLOPs reduction, CPU, {args.threads} thread(s), {args.size}x{args.size} inputs, "
          f"fastest of {args.runs_1} rounds at batch 1 and {args.runs_32} at batch 32 (target >= 0.85)")
    print(f"{'model':10s} {'ratio':>5s} {'round':>5s} {'batch':>5s} {'FLOPs/img':>14s} {'FLOPs red.':>10s} "
          f"{'ms unpruned':>12s} {'ms pruned':>10s} {'speed-up':>9s} {'efficiency':>10s} {'>= 0.85':>8s}")
    rows = []
    for name in args.models.split(','):
        kwargs = {'weights': None} if name.startswith('vgg') else {}
        keras.utils.set_random_seed(0)
        model = build_model(name, input_shape=(args.size, args.size, 3), **kwargs)
        variants = [(0.0, 1, model)]
        for ratio in ratios:
            variants.append((ratio, 1, prune_filters(model, ratio)))
            if args.round_to > 1:
                rounded = prune_filters(model, ratio, round_to=args.round_to)
                if count_flops(rounded) != count_flops(variants[-1][2]): variants.append((ratio, args.round_to, rounded))
        forwards = [tf.function(lambda x, m=m: m(x, training=False)) for *_, m in variants]
        flops = [count_flops(m) for *_, m in variants]
        for batch, runs in ((1, args.runs_1), (32, args.runs_32)):
            x = tf.random.uniform((batch, args.size, args.size, 3), seed=0)
            for f in forwards: f(x); f(x)  # trace and warm up
            times = [[] for _ in forwards]
            for _ in range(runs):  # round-robin: every variant sees the same background load
                for k, f in enumerate(forwards):
                    start = time.perf_counter(); f(x).numpy(); times[k].append(time.perf_counter() - start)
            base = min(times[0])
            for k, (ratio, round_to, _) in enumerate(variants[1:], start=1):
                t = min(times[k])
                reduction, speedup = flops[0] / flops[k], base / t
                rows.append(speedup / reduction)
                print(f"{name:10s} {ratio:5.2f} {round_to:5d} {batch:5d} {flops[k]:14,d} {reduction:10.2f} "
                      f"{1e3 * base:12.1f} {1e3 * t:10.1f} {speedup:9.2f} {speedup / reduction:10.2f} "
                      f"{str(speedup / reduction >= 0.85):>8s}", flush=True)
    print(f"efficiency: median {statistics.median(rows):.2f}, lowest {min(rows):.2f} over {len(rows)} rows "
          "(speed-up divided by FLOPs reduction; Torch-Pruning's published ResNet-50 figures give about 0.57)")


if __name__ == '__main__': main()
