"""How much of a first prune is Keras constructing the pruned network: `prune_filters` against `clone_model` of its result.

    python bench/zoo_floor.py [NAME ...] [--size 224] [--rounds 3] [--out bench/results/zoo/floor_224.csv]

For each `keras.applications` builder (default: those whose first prune at 224×224 took over 4 s in
`bench_zoo.py`'s latest run, `bench/results/zoo/zoo_224.csv`: near the 5 s target or over it), in a fresh process
with 2 threads, like `bench_zoo.py`: build it (`weights=None`, ImageNet head),
time the first `prune_filters(model, 0.3)`, then time `keras.models.clone_model` of the pruned model, twice. A clone
is the same network constructed again through Keras's public API: every layer made from its config, called on
symbolic inputs, every variable created (and filled by its initializer). No pruner that returns a new Keras model
can take less than constructing it, so the clone is a floor for the first prune on this machine, and a low one: the
clone's variables have the names and shapes the prune has just created, so TensorFlow's first-time cost for each new
variable (`variable_cost.py`) is already paid for it, while a first prune pays it (or, since `VariableWarmup`, has
it paid on the second core while it constructs the layers).

A first call on this machine moves by ±20 % from one process to the next, so the builders are measured in
`--rounds` interleaved rounds (every builder once per round, a fresh process each time); the summary gives each
one's median and range.
"""
import argparse, json, os, sys, time
from pathlib import Path

from bench_zoo import run  # one worker process, its ROW line

ZOO_224 = Path(__file__).parent/'results'/'zoo'/'zoo_224.csv'

def one(name:str, size:int) -> dict:
    import keras
    from rice_prune.prune import prune_filters
    start = time.perf_counter()
    model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
    build = time.perf_counter() - start
    start = time.perf_counter(); pruned = prune_filters(model, 0.3); prune = time.perf_counter() - start
    start = time.perf_counter(); keras.models.clone_model(pruned); clone = time.perf_counter() - start
    start = time.perf_counter(); keras.models.clone_model(pruned); clone2 = time.perf_counter() - start
    return dict(builder=name, size=size, layers=len(model.layers), build_s=build, prune_s=prune, clone_pruned_s=clone,
                clone_pruned_again_s=clone2, prune_over_clone=prune / clone)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('names', nargs='*', help="keras.applications builders (default: those over 4 s in zoo_224.csv)")
    p.add_argument('--size', type=int, default=224)
    p.add_argument('--rounds', type=int, default=3, help='interleaved rounds: every builder once per round')
    p.add_argument('--out', default='bench/results/zoo/floor_224.csv')
    p.add_argument('--one', action='store_true', help=argparse.SUPPRESS)   # the worker process: one builder, a ROW line
    args = p.parse_args()
    if args.one: print('ROW ' + json.dumps(one(args.names[0], args.size)), flush=True); return
    import pandas as pd
    if args.rounds < 1: sys.exit(f"--rounds must be at least 1, got {args.rounds}")
    names = args.names or list(pd.read_csv(ZOO_224).query('prune_s > 4').builder)
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS='2', TF_NUM_INTEROP_THREADS='2', TF_CPP_MIN_LOG_LEVEL='3')
    rows = []
    for k in range(1, args.rounds + 1):
        for name in names:
            r = run([sys.executable, __file__, name, '--size', str(args.size), '--one'], env, 1800, dict(builder=name))
            if 'prune_s' not in r: sys.exit(f"{name} failed: {r['message']}")
            rows.append(dict(round=k, **r))
            print(f"[round {k}/{args.rounds}] {name}: build {r['build_s']:.1f} s, first prune {r['prune_s']:.1f} s, "
                  f"clone of the pruned {r['clone_pruned_s']:.1f} s (again {r['clone_pruned_again_s']:.1f} s)", flush=True)
    table = pd.DataFrame(rows)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    print(summary(table).to_string())

def summary(table):
    "Per builder: median [lowest–highest] over the rounds of build, first prune and clone; prune ÷ clone per round."
    span = lambda x: f"{x.median():.1f} [{x.min():.1f}–{x.max():.1f}]"
    by = table.groupby('builder', sort=False)
    out = by[['build_s', 'prune_s', 'clone_pruned_s']].agg(span)
    out['prune ÷ clone'] = by.prune_over_clone.agg(lambda x: f"{x.median():.2f}")
    out['first prune under 5 s'] = by.prune_s.agg(lambda x: f"{(x < 5).sum()} of {len(x)}")
    return out

if __name__ == '__main__':
    main()
