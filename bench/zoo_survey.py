"""Survey which keras.applications builders `prune_filters` handles: each of the 40 builders is built with
weights=None, classes=5 at its smallest valid input (or at --size), pruned with `prune_filters(model, 0.3)`, and the
pruned model is run on one image; the outcome (ok, or the exception class and the first line of its message) goes to a
CSV row written as soon as that builder is done. With --reload the pruned model is also saved as .keras and loaded in
another fresh process that imports only rice_prune (and keras, numpy), which must give the same outputs.

Each builder runs in a fresh Python process (a crash or a timeout costs one row, not the survey; memory is returned),
cheapest first. With --flops the pruned model's analytic FLOPs (`count_flops`) are compared with the profiler's.

Usage: python bench/zoo_survey.py [--size N] [--only ResNet50,VGG16] [--out bench/results/zoo/survey_min.csv]
                                  [--timeout 1800] [--flops] [--reload] [--threads 1]
"""
import argparse, csv, json, os, subprocess, sys, time
from pathlib import Path

# The 40 builders of keras.applications (Keras 3.15), roughly cheapest first, each with its smallest valid input side
# (keras.applications' own minimum for weights=None; the Inception family and Xception need 75 and 71).
BUILDERS = {
    'MobileNetV3Small': 32, 'MobileNet': 32, 'MobileNetV2': 32, 'MobileNetV3Large': 32, 'EfficientNetB0': 32,
    'EfficientNetV2B0': 32, 'NASNetMobile': 32, 'DenseNet121': 32, 'EfficientNetB1': 32, 'EfficientNetV2B1': 32,
    'EfficientNetB2': 32, 'EfficientNetV2B2': 32, 'EfficientNetB3': 32, 'EfficientNetV2B3': 32, 'DenseNet169': 32,
    'Xception': 71, 'InceptionV3': 75, 'DenseNet201': 32, 'ResNet50': 32, 'ResNet50V2': 32, 'EfficientNetB4': 32,
    'EfficientNetV2S': 32, 'ConvNeXtTiny': 32, 'InceptionResNetV2': 75, 'EfficientNetB5': 32, 'ResNet101': 32,
    'ResNet101V2': 32, 'ConvNeXtSmall': 32, 'EfficientNetB6': 32, 'ResNet152': 32, 'ResNet152V2': 32,
    'EfficientNetV2M': 32, 'EfficientNetB7': 32, 'ConvNeXtBase': 32, 'VGG16': 32, 'VGG19': 32, 'NASNetLarge': 32,
    'EfficientNetV2L': 32, 'ConvNeXtLarge': 32, 'ConvNeXtXLarge': 32,
}
COLUMNS = ['builder', 'size', 'status', 'error', 'message', 'params_before', 'params_after', 'flops_analytic',
           'flops_profiler', 'reload_diff', 'build_s', 'prune_s']

RELOAD = ("import sys, numpy as np, rice_prune, keras; m = keras.saving.load_model(sys.argv[1]); "
          "print('DIFF', float(np.abs(np.asarray(m(np.load(sys.argv[2]))) - np.load(sys.argv[3])).max()))")


def run_pruned(model, pruned, size: int, classes: int) -> tuple:
    "Run `pruned` on one random image: (image, outputs); raises unless the outputs are finite, one per class, and `pruned` is smaller."
    import numpy as np
    x = np.random.default_rng(0).uniform(0, 255, (1, size, size, 3)).astype('float32')
    y = np.asarray(pruned(x))
    if y.shape != (1, classes) or not np.isfinite(y).all(): raise ValueError(f"pruned output {y.shape}: not finite (1, {classes})")
    if not pruned.count_params() < model.count_params(): raise ValueError("the pruned model is not smaller")
    return x, y


def reload_diff(model, x, y) -> float:
    """Save `model` as .keras, load it in a fresh process that imports only rice_prune (and keras, numpy), run it on `x`:
    the largest difference from `y` (raises if the load fails or the difference isn't within float32 rounding)."""
    import tempfile
    import numpy as np
    with tempfile.TemporaryDirectory() as d:
        path, xs, ys = f'{d}/pruned.keras', f'{d}/x.npy', f'{d}/y.npy'
        model.save(path); np.save(xs, x); np.save(ys, y)
        done = subprocess.run([sys.executable, '-c', RELOAD, path, xs, ys], capture_output=True, text=True)
    diffs = [line.split()[1] for line in done.stdout.splitlines() if line.startswith('DIFF ')]
    if not diffs: raise RuntimeError((done.stderr.strip().splitlines() or ['no output'])[-1])
    diff = float(diffs[0])
    if not diff <= 1e-5 * max(1.0, float(np.abs(y).max())): raise ValueError(f"the reloaded model's outputs differ by {diff:.3g}")
    return diff


def worker(name: str, size: int, flops: bool, reload: bool) -> dict:
    "Build, prune and run one builder; the row (never raises)."
    import keras
    from rice_prune.prune import prune_filters
    row = dict(builder=name, size=size, status='ok', error='', message='')
    stage = 'build'
    try:
        t = time.perf_counter()
        model = getattr(keras.applications, name)(weights=None, classes=5, input_shape=(size, size, 3))
        row['build_s'] = round(time.perf_counter() - t, 2)
        row['params_before'] = model.count_params()
        stage = 'prune'
        t = time.perf_counter()
        pruned = prune_filters(model, 0.3)
        row['prune_s'] = round(time.perf_counter() - t, 2)
        row['params_after'] = pruned.count_params()
        stage = 'run'
        x, y = run_pruned(model, pruned, size, classes=5)
        if flops:
            stage = 'flops'
            from rice_prune.cost import count_flops, profile_flops
            row['flops_analytic'], row['flops_profiler'] = count_flops(pruned), profile_flops(pruned)
            if row['flops_analytic'] != row['flops_profiler']:
                raise ValueError(f"analytic FLOPs {row['flops_analytic']} != profiler's {row['flops_profiler']}")
        if reload:
            stage = 'reload'
            row['reload_diff'] = reload_diff(pruned, x, y)
    except Exception as e:
        msg = str(e).strip().splitlines()
        row.update(status=f'{stage}_error', error=type(e).__name__, message=(msg[0] if msg else '')[:300])
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=None, help='input side for every builder (default: each its smallest)')
    parser.add_argument('--only', default='', help='comma-separated builder names (default: all 40)')
    parser.add_argument('--out', default=None, help='CSV file (default: bench/results/zoo/survey_<size|min>.csv)')
    parser.add_argument('--timeout', type=float, default=1800, help='seconds per builder')
    parser.add_argument('--flops', action='store_true', help="also compare the pruned model's analytic and profiled FLOPs")
    parser.add_argument('--reload', action='store_true', help='also save the pruned model as .keras and load it in a fresh process')
    parser.add_argument('--threads', type=int, default=1, help='TensorFlow intra/inter-op threads of each worker')
    parser.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:  # one builder, in this fresh process: the row as one JSON line on stdout
        print('ROW ' + json.dumps(worker(args.worker, args.size, args.flops, args.reload)), flush=True)
        return

    import keras  # only to check the list against the installed Keras
    installed = sorted(n for n in dir(keras.applications) if n[0].isupper() and callable(getattr(keras.applications, n)))
    if installed != sorted(BUILDERS):
        print(f"note: keras.applications has {len(installed)} builders; not surveyed: {sorted(set(installed) - set(BUILDERS))}, "
              f"missing: {sorted(set(BUILDERS) - set(installed))}")
    names = [n for n in BUILDERS if n in installed]
    if args.only:
        wanted = args.only.split(',')
        unknown = [n for n in wanted if n not in BUILDERS]
        if unknown: parser.error(f"--only: unknown builders {unknown}")
        names = [n for n in names if n in wanted]
    out = Path(args.out or Path(__file__).parent/'results'/'zoo'/f"survey_{args.size or 'min'}.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS=str(args.threads), TF_NUM_INTEROP_THREADS=str(args.threads),
               TF_CPP_MIN_LOG_LEVEL='3')
    with out.open('w', newline='') as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader(); f.flush()
        for name in names:
            size = args.size or BUILDERS[name]
            cmd = [sys.executable, __file__, '--worker', name, '--size', str(size)] + (['--flops'] if args.flops else []) + (['--reload'] if args.reload else [])
            t = time.perf_counter()
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
                rows = [line[4:] for line in done.stdout.splitlines() if line.startswith('ROW ')]
                row = json.loads(rows[-1]) if rows else dict(
                    builder=name, size=size, status='crash', error=f'exit {done.returncode}',
                    message=(done.stderr.strip().splitlines() or [''])[-1][:300])
            except subprocess.TimeoutExpired:
                row = dict(builder=name, size=size, status='timeout', error='', message=f'over {args.timeout:g} s')
            writer.writerow(row); f.flush()
            print(f"{name:18s} {size:4d} {time.perf_counter() - t:7.1f}s {row['status']:12s} {row['error']} "
                  f"{row['message'][:120]}", flush=True)
    with out.open() as f: statuses = [r['status'] for r in csv.DictReader(f)]
    print(f"{statuses.count('ok')} of {len(statuses)} ok -> {out}")


if __name__ == '__main__': main()
