"""Time the analytic FLOPs count (`count_flops`) against TensorFlow's profiler (`profile_flops`, the study's method)
on each of the study's six networks at 224x224, batch 1, side by side in one run, and check they agree.

Usage: python bench/bench_flops.py [--repeats-analytic 30] [--repeats-profiler 3] [--threads 1]
"""
import argparse, statistics

from timing import pin_tf_threads, repeat

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats-analytic', type=int, default=30)
    parser.add_argument('--repeats-profiler', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1, help='TensorFlow intra/inter-op threads')
    args = parser.parse_args()
    pin_tf_threads(args.threads)

    from rice_prune.models import MODELS, build_model
    from rice_prune.cost import count_flops, profile_flops

    def median_time(fn, repeats):
        "Median wall seconds of `repeats` calls in a row, and what the last returned."
        t = repeat(fn, repeats)
        return t.stat('median', 'wall'), t.value

    profile_flops(build_model('cnn_light'))  # warm TensorFlow up once, so the first row isn't charged for it
    rows = []
    for name in MODELS:
        model = build_model(name, **({'weights': None} if name.startswith('vgg') else {}))
        count_flops(model)  # first call of each: Keras builds its shape-inference caches
        t_analytic, analytic = median_time(lambda: count_flops(model), args.repeats_analytic)
        t_profiler, profiled = median_time(lambda: profile_flops(model), args.repeats_profiler)
        rows.append((name, analytic, profiled, t_analytic, t_profiler))

    print(f"{'model':16s} {'FLOPs':>16s} {'equal':>6s} {'analytic ms':>12s} {'profiler ms':>12s} {'speed-up':>9s}")
    for name, analytic, profiled, ta, tp in rows:
        print(f"{name:16s} {analytic:16,d} {str(analytic == profiled):>6s} {1e3*ta:12.2f} {1e3*tp:12.1f} {tp/ta:8.0f}x")
    speedups = [tp / ta for *_, ta, tp in rows]
    print(f"median speed-up {statistics.median(speedups):.0f}x, smallest {min(speedups):.0f}x "
          f"(analytic: median of {args.repeats_analytic} runs, profiler: median of {args.repeats_profiler}; "
          f"{args.threads} thread(s))")
    if not all(a == p for _, a, p, *_ in rows): raise SystemExit('analytic and profiler counts differ')

if __name__ == '__main__': main()
