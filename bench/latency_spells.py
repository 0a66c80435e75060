"""How a measured speed-up moves with the machine's load: one pruned/unpruned pair timed again and again in one process.

    python bench/latency_spells.py [--seconds 100] [--threads 2] [--out bench/results/latency/spells.csv]

MobileNetV2 (weights=None, 64×64, 5 classes) and the same network with half its filters removed (L1) run on TFLite at
batch 1 with `--threads` threads. For `--seconds`, the two are timed side by side in back-to-back measurements of 5
interleaved rounds, each timing at least 20 ms (the timings `prune_filters(speedup=…)` searches with), with no warm-up
between them. Each measurement's median per-round ratio is a row of the CSV. The summary printed at the end splits the
measurements at the middle of the two clusters of ratios (when there are two) and gives each cluster's median,
how many measurements fell in it, and how long its runs of consecutive measurements lasted: on a shared 2-core
machine other work comes and goes, and a 2-thread sub-millisecond call gains less from pruning while it holds a core.
"""
import argparse, os, time
from pathlib import Path


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--seconds', type=float, default=100.0, help="how long to keep measuring")
    p.add_argument('--threads', type=int, default=2, help="TFLite threads (and TensorFlow's)")
    p.add_argument('--out', default='bench/results/latency/spells.csv', help="one row per measurement")
    args = p.parse_args()
    os.environ.setdefault('TF_NUM_INTRAOP_THREADS', str(args.threads))
    os.environ.setdefault('TF_NUM_INTEROP_THREADS', str(args.threads))
    import numpy as np, pandas as pd, keras
    from rice_prune.prune import prune_filters
    from rice_prune.prune.latency import TFLiteTimer, device_name, time_calls
    from rice_prune.prune.pruner import SEARCH_MIN_SECONDS

    keras.utils.set_random_seed(0)
    base = keras.applications.MobileNetV2(weights=None, input_shape=(64, 64, 3), classes=5)
    pruned = prune_filters(base, 0.5)
    timer = TFLiteTimer(num_threads=args.threads)
    run_base, run_pruned = timer.runner(base, 1), timer.runner(pruned, 1)
    rows, start = [], time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        s = time_calls([run_base, run_pruned], rounds=5, warmup=0, min_seconds=SEARCH_MIN_SECONDS)
        rows.append(dict(t=time.perf_counter() - start, base_ms=1000 * np.median(s[0]), pruned_ms=1000 * np.median(s[1]),
                         speedup=float(np.median(s[0] / s[1]))))
    table = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)

    # two clusters of ratios: split at the widest gap between sorted medians in the middle 80 % of the range
    v = np.sort(table.speedup.values)
    lo, hi = np.percentile(v, [10, 90])
    inner = v[(v >= lo) & (v <= hi)]
    gaps = np.diff(inner)
    cut = (inner[gaps.argmax()] + inner[gaps.argmax() + 1]) / 2 if len(gaps) else np.inf
    busy = table.speedup < cut
    runs = (busy != busy.shift()).cumsum()
    spans = pd.DataFrame(dict(busy=busy.groupby(runs).first(), seconds=table.t.groupby(runs).agg(np.ptp)))
    print(f"{device_name()}, TFLite, {args.threads} threads, batch 1; MobileNetV2 64x64 and its 50 % L1-pruned copy; "
          f"{len(table)} measurements in {table.t.max():.0f} s")
    print(f"all: median speed-up {table.speedup.median():.2f} [IQR {table.speedup.quantile(0.25):.2f}-"
          f"{table.speedup.quantile(0.75):.2f}], range {table.speedup.min():.2f}-{table.speedup.max():.2f}")
    for name, part, flag in (('lower cluster', table[busy], True), ('upper cluster', table[~busy], False)):
        if not len(part): continue
        lasting = spans[spans.busy == flag].seconds
        print(f"{name} (speed-up < {cut:.2f})" if flag else f"{name} (speed-up >= {cut:.2f})", end=': ')
        print(f"{len(part)} measurements, median speed-up {part.speedup.median():.2f}, unpruned call "
              f"{part.base_ms.median():.3f} ms, pruned {part.pruned_ms.median():.3f} ms; runs of consecutive measurements "
              f"lasted up to {lasting.max():.1f} s (median {lasting.median():.1f} s)")


if __name__ == '__main__':
    main()
