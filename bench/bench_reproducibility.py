"""Reproducibility: the same study command, from scratch, several times on one machine — are the numbers the same?

Runs `rice_prune_study` into a new folder each time, in interleaved rounds:
- **default**: TensorFlow's default kernels and threads;
- **--deterministic**: TensorFlow's deterministic ops (`tf.config.experimental.enable_op_determinism`);
- **1 thread** (once): `TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1`, the test runner's setting.

Each run is compared with the first run of its mode (and the other modes with the first default run): every field of
every step record except times (accuracies, intervals, drops, parameters, FLOPs, histories...), and every weight of
every saved model, bit for bit. Wall time per run; the deterministic ops' cost as the ratio of medians.

Run: python bench/bench_reproducibility.py [--rounds 3] [--out-dir bench/results/reproducibility]
Writes reproducibility.md and .json to --out-dir. Synthetic rice (the command's built-in data), a small study:
the figures are about repeatability and cost, not accuracy.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from timing import markdown_table
COMMAND = str(Path(sys.executable).parent/'rice_prune_study')
STUDY = ('--models', 'cnn_light,googlenet_light', '--epochs', '3', '--recover_epochs', '2', '--max_per_class', '200',
         '--no_export', '--quiet')
MODES = {'default': ((), {}), '--deterministic': (('--deterministic',), {}),
         '1 thread': ((), {'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '1'})}
TIMES = {'seconds', 'finished', 'checksums', 'times', 'recovery_times'}   # measured durations: never equal


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--rounds', type=int, default=3, help='interleaved rounds of the default and deterministic runs')
    p.add_argument('--out-dir', default='bench/results/reproducibility')
    return p.parse_args(argv)


def run(mode, folder) -> float:
    "One study from scratch in `folder`; its wall time in seconds."
    args, env = MODES[mode]
    started = time.perf_counter()
    done = subprocess.run([COMMAND, '--out', str(folder), *STUDY, *args], env={**os.environ, **env},
                          capture_output=True, text=True)
    if done.returncode: raise RuntimeError(f'{mode} run failed: {done.stderr.strip().splitlines()[-1:]}')
    return time.perf_counter() - started


def records(folder) -> dict:
    return {p.stem: {k: v for k, v in json.loads(p.read_text()).items() if k not in TIMES}
            for p in sorted((folder/'steps').glob('*.json'))}


def compare(a, b) -> dict:
    "Fields and models of study folder `b` equal to `a`'s, and the largest test-accuracy difference in points."
    import keras, numpy as np
    import rice_prune.models  # noqa: F401 (registers the Inception module for loading)
    ra, rb = records(a), records(b)
    fields = [(s, k) for s in ra for k in ra[s]]
    same = sum(ra[s][k] == rb.get(s, {}).get(k) for s, k in fields)
    acc = [abs(ra[s]['test_accuracy'] - rb[s]['test_accuracy']) * 100 for s in ra if 'test_accuracy' in ra[s]]
    models = sorted(p.name for p in (a/'models').glob('*.keras'))
    equal = sum(all(np.array_equal(x, y) for x, y in zip(keras.models.load_model(a/'models'/m, compile=False).get_weights(),
                                                         keras.models.load_model(b/'models'/m, compile=False).get_weights()))
                for m in models)
    return dict(fields_equal=same, fields=len(fields), models_equal=equal, models=len(models),
                largest_accuracy_difference=max(acc))


def main(args):
    import pandas as pd
    out = Path(args.out_dir); out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='rice_prune_repro_'))
    runs = {m: [] for m in MODES}
    order = [m for r in range(args.rounds) for m in (('default', '--deterministic') if r % 2 == 0 else ('--deterministic', 'default'))]
    order.insert(2, '1 thread')
    for i, mode in enumerate(order):
        folder = work/f'{i}'
        seconds = run(mode, folder)
        runs[mode].append((folder, seconds))
        print(f'{i + 1}/{len(order)} {mode}: {seconds:.0f} s', flush=True)
    (default, _), (determ, _) = runs['default'][0], runs['--deterministic'][0]
    pairs = [(f'default run {i + 1} vs default run 1', default, f) for i, (f, _) in enumerate(runs['default']) if i]
    pairs += [(f'--deterministic run {i + 1} vs its run 1', determ, f) for i, (f, _) in enumerate(runs['--deterministic']) if i]
    pairs += [('--deterministic run 1 vs default run 1', default, determ),
              ('1 thread vs default run 1', default, runs['1 thread'][0][0])]
    rows = [dict(comparison=what, **compare(a, b)) for what, a, b in pairs]
    times = pd.DataFrame([dict(mode=m, runs=len(d), median_s=pd.Series([s for _, s in d]).median(),
                               min_s=min(s for _, s in d), max_s=max(s for _, s in d)) for m, d in runs.items()])
    base = times.set_index('mode').median_s['default']
    times['vs_default'] = times.median_s / base
    results = dict(machine=f'{os.cpu_count()} cores', study=' '.join(STUDY), rounds=args.rounds,
                   comparisons=rows, times=times.to_dict('records'))
    (out/'reproducibility.json').write_text(json.dumps(results, indent=1))
    cmp_table = pd.DataFrame(rows)
    md = [f"# Reproducibility ({results['machine']}; `rice_prune_study {results['study']}`, synthetic rice; "
          f"{args.rounds} interleaved rounds)", '', '## Same numbers?', '', markdown_table(cmp_table), '',
          '## Wall time per run', '', markdown_table(times.round(2)), '']
    (out/'reproducibility.md').write_text('\n'.join(md))
    print('\n'.join(md))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main(parse_args())
