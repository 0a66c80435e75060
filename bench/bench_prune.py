"""Pruning benchmarks, side by side in one run:

(a) time to prune VGG16 at 224x224 (build the channel graph, score every filter by L1 norm, rebuild the
    smaller model, write the report) at several ratios -- target: under 2 s;
(b) inference speed-up of pruned against unpruned models on the CPU, divided by the FLOPs reduction, at
    batch 1 and 32 -- target: at least 0.85 (1.0 = the model got exactly as much faster as it got cheaper).
    Efficiency = (t_unpruned / t_pruned) / (FLOPs_unpruned / FLOPs_pruned), FLOPs by rice_prune.cost.count_flops
    of the model actually timed (so a rounded model is charged its own FLOPs).

    Every row is measured for each configuration = (inference path, round_to):
      paths   keras   model.predict_on_batch(x)          (what Keras users call)
              graph   tf.function(model(x, training=False))
              xla     the same tf.function with jit_compile=True
              tflite  rice_prune.export.to_tflite + tf.lite.Interpreter (XNNPACK, num_threads=1)
      round_to  1 = plain floor(n(1 - ratio)) kept counts (the filters Torch-Pruning keeps);
                k = prune_filters(..., round_to=k): kept counts multiples of k, rounded the default way
                    (rounding='balanced': up or down so the total stays near the ratio's);
                kd = prune_filters(..., round_to=k, rounding='down'): every layer rounded down.
    Each path's pruned model is compared with the unpruned model run the same way.

Timing: one TensorFlow thread; every (variant, path) is called once to warm up (tracing, XLA compilation,
XNNPACK weight packing), then all variants of one path are timed in alternation (round-robin), so background
load hits pruned and unpruned alike. The figure is the fastest round of CPU time (time.process_time), which
other processes on a shared machine can't inflate by preempting us. Weights are random (weights=None): speed
doesn't depend on their values.

A full run costs about 11 min of CPU time (VGG16 at batch 32 is two thirds of it); on a machine shared with
other jobs the wall time is longer (22 min measured here with the other core busy). Subsets: --models,
--paths, --batches, --round-to, --ratios.

Usage: python bench/bench_prune.py [--models vgg16,googlenet,cnn] [--ratios 0.05,0.1,0.2] [--round-to 1,16,16d]
                                   [--paths keras,graph,xla,tflite] [--batches 1,32] [--size 224]
                                   [--runs-1 7] [--runs-32 2] [--prune-runs 5] [--threads 1] [--skip-prune] [--skip-speed]
"""
import argparse, warnings

from timing import Stopwatch, interleaved, pin_tf_threads, print_table, stat, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--models', default='vgg16,googlenet,cnn', help='comma-separated names from rice_prune.models.MODELS')
    parser.add_argument('--size', type=int, default=224, help='input height and width for the speed-up part')
    parser.add_argument('--ratios', default='0.05,0.1,0.2', help='comma-separated pruning ratios for the speed-up part')
    parser.add_argument('--round-to', default='1,16,16d', help="comma-separated round_to values (1: none; a 'd' suffix: rounding='down')")
    parser.add_argument('--paths', default='keras,graph,xla,tflite', help='comma-separated inference paths')
    parser.add_argument('--batches', default='1,32', help='comma-separated batch sizes')
    parser.add_argument('--runs-1', type=int, default=7, help='timed rounds at batch 1 (after one warm-up call)')
    parser.add_argument('--runs-32', type=int, default=2, help='timed rounds at larger batches (after one warm-up call)')
    parser.add_argument('--prune-runs', type=int, default=5, help='timed prunings of VGG16 per ratio')
    parser.add_argument('--threads', type=int, default=1, help='TensorFlow intra/inter-op threads (and TFLite threads)')
    parser.add_argument('--skip-prune', action='store_true', help='skip (a), the time to prune')
    parser.add_argument('--skip-speed', action='store_true', help='skip (b), the speed-up')
    args = parser.parse_args()
    pin_tf_threads(args.threads)

    import numpy as np
    import pandas as pd
    import tensorflow as tf
    import keras
    from rice_prune.models import build_model, vgg16
    from rice_prune.cost import count_flops, count_params
    from rice_prune.prune import ChannelGraph, select_filters, prune_filters, pruning_report
    from rice_prune.export import to_tflite
    tf.get_logger().setLevel('ERROR')

    # (a) time to prune VGG16 at 224x224 --------------------------------------------------------------------
    if not args.skip_prune:
        vgg = vgg16((224, 224, 3), 5, weights=None)
        prune_filters(vgg, 0.1, include_dense=True)  # warm-up: Keras builds its layer and shape caches on the first call
        print(f"(a) time to prune VGG16 at 224x224 (L1 criterion, median of {args.prune_runs}; target < 2 s)")
        print(f"{'ratio':>6s} {'graph s':>8s} {'select s':>9s} {'rebuild s':>10s} {'report s':>9s} {'total s':>8s} "
              f"{'params kept':>12s} {'FLOPs kept':>11s} {'< 2 s':>6s}")
        flops_vgg, params_vgg = count_flops(vgg), count_params(vgg).total
        for ratio in (0.05, 0.1, 0.2, 0.5):
            parts = {'graph': [], 'select': [], 'rebuild': [], 'report': [], 'total': []}
            for _ in range(args.prune_runs):
                graph = timed(ChannelGraph, vgg)
                chosen = timed(select_filters, graph.value, ratio)
                pruned = timed(lambda: graph.value.rebuild(graph.value.units_for(chosen.value)))
                report = timed(pruning_report, vgg, pruned.value)
                stages = [t.wall for t in (graph, chosen, pruned, report)]
                for key, value in zip(parts, stages + [sum(stages)]): parts[key].append(value)
            pruned = pruned.value
            whole = timed(prune_filters, vgg, ratio).wall  # the public call
            m = {k: stat(v, 'median') for k, v in parts.items()}
            print(f"{ratio:6.2f} {m['graph']:8.3f} {m['select']:9.3f} {m['rebuild']:10.3f} {m['report']:9.3f} "
                  f"{m['total']:8.3f} {count_params(pruned).total / params_vgg:12.3f} "
                  f"{count_flops(pruned) / flops_vgg:11.3f} {str(m['total'] < 2):>6s}")
        print(f"(one call of prune_filters(vgg16, 0.5): {whole:.3f} s)")
        del vgg
    if args.skip_speed: return

    # (b) speed-up / FLOPs reduction -----------------------------------------------------------------------------
    ratios = [float(r) for r in args.ratios.split(',')]
    round_tos = [r.strip() for r in args.round_to.split(',')]
    for r in round_tos:
        if not r.rstrip('d').isdigit() or int(r.rstrip('d')) < 1: parser.error(f"--round-to: {r!r} is not a count like 16 or 16d")
    def prune_variant(model, ratio, round_to):
        return prune_filters(model, ratio, round_to=int(round_to.rstrip('d')), rounding='down' if round_to.endswith('d') else 'balanced',
                             include_dense=True)
    paths = args.paths.split(',')
    batches = [int(b) for b in args.batches.split(',')]
    unknown = set(paths) - {'keras', 'graph', 'xla', 'tflite'}
    if unknown: parser.error(f"unknown path(s) {sorted(unknown)}; choose from keras, graph, xla, tflite")

    def runner(path, model, batch):
        "A function of x that runs `model` on the batch `x` by `path` and returns a NumPy array."
        if path == 'keras': return lambda x: model.predict_on_batch(x)
        if path in ('graph', 'xla'):
            f = tf.function(lambda t: model(t, training=False), jit_compile=path == 'xla')
            return lambda x: f(x).numpy()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # tf.lite.Interpreter announces its move to LiteRT
            interpreter = tf.lite.Interpreter(model_content=tflite[id(model)], num_threads=args.threads)
        (inp,), (out,) = interpreter.get_input_details(), interpreter.get_output_details()
        interpreter.resize_tensor_input(inp['index'], (batch, args.size, args.size, 3))
        interpreter.allocate_tensors()
        def run(x):
            interpreter.set_tensor(inp['index'], x); interpreter.invoke()
            return interpreter.get_tensor(out['index'])
        return run

    print(f"\n(b) inference speed-up / FLOPs reduction, CPU, {args.threads} thread(s), {args.size}x{args.size} inputs, "
          f"fastest CPU time of {args.runs_1} rounds at batch 1 and {args.runs_32} at larger batches (target >= 0.85)")
    print(f"{'model':10s} {'ratio':>5s} {'round':>5s} {'batch':>5s} {'path':>6s} {'FLOPs/img':>14s} {'FLOPs red.':>10s} "
          f"{'ms unpruned':>12s} {'ms pruned':>10s} {'speed-up':>9s} {'efficiency':>10s} {'>= 0.85':>8s}", flush=True)
    rows = []
    took = Stopwatch()
    for name in args.models.split(','):
        kwargs = {'weights': None} if name.startswith('vgg') else {}
        keras.utils.set_random_seed(0)
        model = build_model(name, input_shape=(args.size, args.size, 3), **kwargs)
        variants = [(0.0, '1', model)]
        for ratio in ratios:
            for round_to in round_tos: variants.append((ratio, round_to, prune_variant(model, ratio, round_to)))
        flops = [count_flops(m) for *_, m in variants]
        tflite = {id(m): to_tflite(m) for *_, m in variants} if 'tflite' in paths else {}
        for batch in batches:
            runs = args.runs_1 if batch == 1 else args.runs_32
            x = np.random.default_rng(0).uniform(0, 1, (batch, args.size, args.size, 3)).astype(np.float32)
            for path in paths:
                fns = [runner(path, m, batch) for *_, m in variants]
                outputs = [f(x) for f in fns]  # warm-up
                assert all(o.shape == (batch, outputs[0].shape[1]) for o in outputs), path
                # round-robin: every variant sees the same background load
                times = [t.cpu for t in interleaved([lambda f=f: f(x) for f in fns], runs)]
                base = min(times[0])
                for k, (ratio, round_to, _) in enumerate(variants[1:], start=1):
                    t = min(times[k])
                    reduction, speedup = flops[0] / flops[k], base / t
                    rows.append(dict(model=name, ratio=ratio, batch=batch, path=path, round_to=round_to,
                                     flops_reduction=reduction, speedup=speedup, efficiency=speedup / reduction))
                    print(f"{name:10s} {ratio:5.2f} {round_to:>5s} {batch:5d} {path:>6s} {flops[k]:14,d} {reduction:10.2f} "
                          f"{1e3 * base:12.1f} {1e3 * t:10.1f} {speedup:9.2f} {speedup / reduction:10.2f} "
                          f"{str(speedup / reduction >= 0.85):>8s}", flush=True)
                del fns
        del variants, model
        tflite.clear()
        keras.backend.clear_session()
    print(f"(b) took {took.wall:.0f} s")

    table = pd.DataFrame(rows)
    table['config'] = table.path + ' r' + table.round_to
    configs = [f'{p} r{r}' for r in round_tos for p in paths]
    print("\nefficiency (speed-up / FLOPs reduction) per row and configuration (path, round_to):")
    pivot = table.pivot_table(index=['model', 'batch', 'ratio'], columns='config', values='efficiency').reindex(columns=configs)
    print_table(pivot)
    print("\nFLOPs reduction (unpruned / pruned) per round_to:")
    print_table(table.drop_duplicates(['model', 'ratio', 'round_to']).pivot_table(
        index=['model', 'ratio'], columns='round_to', values='flops_reduction'))
    print("\ntarget >= 0.85 on every row, per configuration (Torch-Pruning's published ResNet-50 figures give about 0.57):")
    for config in configs:
        e = pivot[config]
        low = e.idxmin()
        print(f"  {config:10s} median {e.median():.2f}, lowest {e.min():.2f} ({low[0]}, batch {low[1]}, {low[2]:.0%}), "
              f"{int((e >= 0.85).sum())}/{len(e)} rows >= 0.85: target {'HOLDS' if (e >= 0.85).all() else 'FAILS'}")


if __name__ == '__main__': main()
