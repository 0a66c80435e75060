"""The pruning frontier: test accuracy against FLOPs removed, with error bars, on synthetic rice.

For every network and seed the unpruned network is trained once (the study's recipe: Adam, early stopping on the
validation loss; VGG16 and VGG light from random weights, as no ImageNet weights reach these machines: every layer
trainable, convolutions He-normal, Adam at 1e-4). It is then pruned to each share of FLOPs removed (--flops; a uniform ratio from
`ratio_for_flops`) with each criterion (--criteria), and each pruned model is recovered each way (--recover) from
the same starting point at the same budget: at most --recover-epochs epochs, early stopping on the validation loss.
At --ablation-flops two more schedules, both L1 with the recommended recovery (--best): adaptive layer-wise ratios
from a sensitivity scan (`sensitivity_scan` + `adaptive_ratios`), and iterative pruning in --steps steps with the
recovery budget split over the steps (`iterative_prune`; the same total epochs).

Level 0 is the control: the unpruned network given the same recovery (more training with a fresh, decaying learning
rate can itself raise the accuracy of a network that early stopping ended), so every pruned result is compared
both with the network as trained and with its control.

A recovery may carry Adam's first learning rate: --recover fine_tune@1e-4 (a network trained at 1e-4, like VGG16
here, does not survive fine-tuning from the default 1e-3).

--design main (the default) runs every recovery with L1 at every level, and every criterion with --best at
--ablation-flops; --design full runs the whole criteria x recoveries product at every level.

Every model is tested on the same test images (--per-class x --test-split of each variety; 3,000 by default), so
every drop is paired: the tables give the drop (unpruned - pruned, in points) of each seed, its mean over seeds,
and the paired 95 % interval pooled over seeds (Newcombe's interval on all seeds' image pairs together; it counts
test-image noise, and the seeds' spread is shown beside it as min..max); accuracies carry their Wilson interval.

Results are kept in --out-dir: runs.csv (one row per run, written as runs finish, so an interrupted bench
resumes where it stopped), correct.npz (per-image correctness of every model), models/ (the trained unpruned
networks), frontier.md (the tables) and frontier.png (the figure). The data are the project's *synthetic* rice
(generated once under $RICE_PRUNE_HOME), not the real Rice Image Dataset.

Usage: python bench/bench_frontier.py [--models cnn,googlenet_light,vgg16] [--seeds 0,1,2]
           [--flops 0,0.3,0.5,0.7] [--criteria l1,taylor,fpgm,random] [--recover classifier,fine_tune,distill]
           [--design main|full] [--image-size 64] [--per-class 1000] [--test-split 0.6] [--epochs 15]
           [--recover-epochs 10] [--threads 2] [--out-dir bench/results/frontier] [--summary-only]
"""
import argparse, json, time
from pathlib import Path

from timing import Stopwatch, markdown_table, pin_tf_threads


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--models', default='cnn,googlenet_light,vgg16', help='comma-separated names from rice_prune.models.MODELS')
    p.add_argument('--seeds', default='0,1,2', help='comma-separated seeds (initial weights and training order)')
    p.add_argument('--flops', default='0,0.3,0.5,0.7', help='comma-separated shares of FLOPs to remove (0: the unpruned network, recovered: the control)')
    p.add_argument('--criteria', default='l1,taylor,fpgm,random', help='comma-separated criteria')
    p.add_argument('--recover', default='classifier,fine_tune,distill',
                   help="comma-separated recoveries; 'name@rate' sets Adam's first learning rate, e.g. fine_tune@1e-4")
    p.add_argument('--best', default='distill', help='the recovery the criteria and schedules are compared with')
    p.add_argument('--design', default='main', choices=('main', 'full'), help='main: L1 x recoveries + criteria x best; full: the product')
    p.add_argument('--ablation-flops', type=float, default=0.5, help='FLOPs share of the criteria, adaptive and iterative runs (0: none)')
    p.add_argument('--steps', type=int, default=3, help='steps of the iterative schedule')
    p.add_argument('--image-size', type=int, default=64)
    p.add_argument('--per-class', type=int, default=1000, help='synthetic images of each variety')
    p.add_argument('--val-split', type=float, default=0.1)
    p.add_argument('--test-split', type=float, default=0.6)
    p.add_argument('--epochs', type=int, default=15, help='the most training epochs of the unpruned networks')
    p.add_argument('--recover-epochs', type=int, default=10, help='the most epochs of every recovery (the equal budget)')
    p.add_argument('--threads', type=int, default=2, help='TensorFlow threads')
    p.add_argument('--out-dir', default='bench/results/frontier')
    p.add_argument('--redo', default='', help="comma-separated keys of runs.csv to run again (replacing their rows), "
                   "e.g. after a change to a recovery; the other options then only set the budget")
    p.add_argument('--summary-only', action='store_true', help="don't run anything: summarise runs.csv")
    args = p.parse_args()
    args.redo = [run_of(k) for k in args.redo.split(',') if k]  # a bad key fails here, before any data is loaded
    return args


SCHEDULES = ('one-shot', 'adaptive', 'iterative')  # how a run reaches its FLOPs target


def plan(args) -> list:
    "Every run: (model, seed, flops target, criterion, recovery, schedule), unpruned rows excluded."
    split = lambda s: [v for v in s.split(',') if v]
    runs = []
    for seed in map(int, split(args.seeds)):  # seed-major: a bench stopped early has every network at the first seeds
        for model in split(args.models):
            for target in map(float, split(args.flops)):
                for crit in split(args.criteria):
                    for rec in split(args.recover):
                        if args.design == 'full' or crit == 'l1' or (rec == args.best and target == args.ablation_flops):
                            runs.append(dict(model=model, seed=seed, target=target, criterion=crit, recovery=rec, schedule='one-shot'))
            if args.ablation_flops:
                for schedule in SCHEDULES[1:]:
                    runs.append(dict(model=model, seed=seed, target=args.ablation_flops, criterion='l1', recovery=args.best,
                                     schedule=schedule))
    return runs


def key(run:dict) -> str: return '{model}|{seed}|{target:g}|{criterion}|{recovery}|{schedule}'.format(**run)


def run_of(k:str) -> dict:
    "The run a key names (the inverse of `key`)."
    try:
        model, seed, target, criterion, recovery, schedule = k.split('|')
        if schedule not in SCHEDULES: raise ValueError(f'unknown schedule {schedule!r}')
        return dict(model=model, seed=int(seed), target=float(target), criterion=criterion, recovery=recovery, schedule=schedule)
    except ValueError as e:
        raise SystemExit(f"--redo: {k!r} is not a run key 'model|seed|target|criterion|recovery|schedule' ({e})")


class Store:
    "runs.csv and correct.npz in the output folder, rewritten after every run (an interrupted bench resumes)."
    def __init__(self, out:Path):
        import numpy as np, pandas as pd
        self.out, self.np, self.pd = out, np, pd
        out.mkdir(parents=True, exist_ok=True)
        self.rows = pd.read_csv(out/'runs.csv').to_dict('records') if (out/'runs.csv').exists() else []
        self.correct = dict(np.load(out/'correct.npz')) if (out/'correct.npz').exists() else {}
        self.done = {r['key'] for r in self.rows if r['key'] in self.correct}

    def add(self, row:dict, correct):
        self.rows = [r for r in self.rows if r['key'] != row['key']] + [row]
        self.correct[row['key']] = self.np.asarray(correct, dtype=bool)
        self.np.savez_compressed(self.out/'correct.tmp.npz', **self.correct)
        (self.out/'correct.tmp.npz').replace(self.out/'correct.npz')
        self.pd.DataFrame(self.rows).to_csv(self.out/'runs.tmp.csv', index=False)
        (self.out/'runs.tmp.csv').replace(self.out/'runs.csv')
        self.done.add(row['key'])


FROM_SCRATCH = ('vgg16', 'vgg_light')  # no ImageNet weights here: built to learn from random weights (`from_scratch`)


def signed(v:float) -> str:
    "A signed number to two decimals with a real minus sign ('+0.09', '−0.34'; never '−0.00')."
    return f'{round(v, 2) + 0.0:+.2f}'.replace('-', '−')


def recovery_and_rate(recovery:str) -> tuple:
    "'fine_tune@1e-4' -> ('fine_tune', {'learning_rate': 1e-4}); a plain name keeps the recovery's default rate."
    name, _, rate = recovery.partition('@')
    return name, ({'learning_rate': float(rate)} if rate else {})


def from_scratch(name:str, data):
    """VGG built to learn from random weights (no ImageNet weights reach these machines): every layer trainable,
    convolutions He-normal with zero biases (with Glorot these deep ReLU stacks without BatchNorm sat at chance), Adam 1e-4."""
    import numpy as np, keras
    from rice_prune.models import build_model
    model = build_model(name, input_shape=data.input_shape, num_classes=data.num_classes, weights=None)
    he_normal = keras.initializers.HeNormal()
    for layer in model.layers:
        layer.trainable = True
        if isinstance(layer, keras.layers.Conv2D):
            kernel, bias = layer.get_weights()
            layer.set_weights([keras.ops.convert_to_numpy(he_normal(kernel.shape)), np.zeros_like(bias)])
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss='categorical_crossentropy', metrics=['accuracy'])
    return model


def run_all(args, store:Store):
    import numpy as np
    import keras
    from tqdm.auto import tqdm
    from rice_prune.synthetic import make_synthetic_rice
    from rice_prune.data import load_rice, default_data_dir
    from rice_prune.models import build_model
    from rice_prune.train import train
    from rice_prune.cost import count_flops
    from rice_prune.prune import prune_filters, get_importance
    from rice_prune.prune.recover import (ratio_for_flops, get_recovery, sensitivity_scan, adaptive_ratios,
                                          iterative_prune)

    root = make_synthetic_rice(default_data_dir()/'synthetic', n_per_class=args.per_class, seed=0)
    data = load_rice(root, img_size=args.image_size, batch_size=32, val_split=args.val_split, test_split=args.test_split,
                     seed=0, cache=True)  # one split for every seed: every model sees the same test images
    y_true = np.concatenate([np.asarray(y).argmax(-1) for _, y in data.test])
    print(f"data: {len(data.train_files)} / {len(data.val_files)} / {len(data.test_files)} images (train / val / test), "
          f"{args.image_size}x{args.image_size}, synthetic rice")

    def correct(model):
        probs = np.concatenate([keras.ops.convert_to_numpy(model(x, training=False)) for x, _ in data.test])
        return probs.argmax(-1) == y_true

    bases, ratios, scans = {}, {}, {}
    def base_model(name, seed):
        if (name, seed) in bases: return bases[name, seed]
        path = store.out/'models'/f'{name}-s{seed}.keras'
        if path.exists(): model = keras.models.load_model(path, compile=False)
        else:
            keras.utils.set_random_seed(seed)
            if name in FROM_SCRATCH: model = from_scratch(name, data)
            else: model = build_model(name, input_shape=data.input_shape, num_classes=data.num_classes)
            patience = 5 if name in FROM_SCRATCH else 3  # VGG from scratch at 1e-4 starts slowly
            with Stopwatch() as sw: result = train(model, data, epochs=args.epochs, patience=patience, progress=True)
            model = result.model
            path.parent.mkdir(parents=True, exist_ok=True); model.save(path)
            (path.with_suffix('.json')).write_text(json.dumps(dict(epochs=result.epochs, seconds=sw.wall)))
        bases[name, seed] = model
        k = f'{name}|{seed}|0|none|none|unpruned'
        if k not in store.done:
            c = correct(model)
            store.add(dict(key=k, model=name, seed=seed, target=0.0, criterion='none', recovery='none', schedule='unpruned',
                           flops=count_flops(model), flops_reduction=0.0, accuracy_pruned=c.mean(), accuracy=c.mean(),
                           n_test=len(c), epochs=0, seconds=0.0), c)
        return model

    todo = args.redo or [r for r in plan(args) if key(r) not in store.done]
    print(f"{len(todo)} runs to do ({len(store.done)} done before{', some to be redone' if args.redo else ''})")
    for run in tqdm(todo, desc='frontier', unit='run'):
        base = base_model(run['model'], run['seed'])
        with Stopwatch() as sw:
            data_for = lambda crit: data.train if get_importance(crit).needs_data else None
            if (run['model'], run['target']) not in ratios:
                ratios[run['model'], run['target']] = ratio_for_flops(base, run['target'])
            ratio, epochs = ratios[run['model'], run['target']], args.recover_epochs
            name, lr = recovery_and_rate(run['recovery'])
            if run['schedule'] == 'iterative':
                pruned, table = iterative_prune(base, data, ratio, steps=args.steps, recover=name, criterion=run['criterion'],
                                                epochs=max(1, epochs // args.steps), progress=False, **lr)
                acc_pruned, epochs_run = float('nan'), int(table.recovery_epochs.sum())
            else:
                if run['schedule'] == 'adaptive':
                    if (run['model'], run['seed']) not in scans:
                        scans[run['model'], run['seed']] = sensitivity_scan(base, data, progress=False)
                    per_layer = adaptive_ratios(scans[run['model'], run['seed']], run['target'], base)
                    pruned = prune_filters(base, 0.0, run['criterion'], data_for(run['criterion']), per_layer=dict(per_layer))
                else:
                    pruned = prune_filters(base, ratio, run['criterion'], data_for(run['criterion']))
                acc_pruned = correct(pruned).mean()
                keras.utils.set_random_seed(run['seed'])
                result = get_recovery(name, teacher=base)(pruned, data, epochs=epochs, progress=False, **lr)
                epochs_run = result.epochs
            c = correct(pruned)
        flops = count_flops(pruned)
        store.add(dict(key=key(run), **run, flops=flops, flops_reduction=1 - flops / count_flops(base),
                       accuracy_pruned=acc_pruned, accuracy=c.mean(), n_test=len(c), epochs=epochs_run, seconds=sw.wall), c)


def summarise(store:Store) -> tuple:
    "The frontier table (one row per configuration, over seeds) and the largest cuts."
    import numpy as np, pandas as pd
    from rice_prune.intervals import accuracy_estimate, paired_difference
    runs = pd.DataFrame(store.rows)
    base = runs[runs.schedule == 'unpruned'].set_index(['model', 'seed'])
    rows = []
    for cfg, g in runs[runs.schedule != 'unpruned'].groupby(['model', 'target', 'criterion', 'recovery', 'schedule'], sort=False):
        seeds = [s for s in g.seed if (cfg[0], s) in base.index]
        if not seeds: continue
        a = np.concatenate([store.correct[base.loc[(cfg[0], s), 'key']] for s in seeds])
        b = np.concatenate([store.correct[g.set_index('seed').loc[s, 'key']] for s in seeds])
        d, est = paired_difference(a, b), accuracy_estimate(b)
        control = runs[(runs.model == cfg[0]) & (runs.target == 0) & (runs.recovery == cfg[3]) & (runs.schedule == 'one-shot')
                       & (runs.criterion == 'l1')].set_index('seed')
        vs = (paired_difference(np.concatenate([store.correct[control.loc[s, 'key']] for s in seeds]), b)
              if cfg[1] > 0 and all(s in control.index for s in seeds) else None)
        pruned_acc = lambda s: store.correct[g.set_index('seed').loc[s, 'key']].mean()
        drops = [(store.correct[base.loc[(cfg[0], s), 'key']].mean() - pruned_acc(s)) * 100 for s in seeds]
        drops_vs = ([(store.correct[control.loc[s, 'key']].mean() - pruned_acc(s)) * 100 for s in seeds]
                    if vs is not None else [np.nan])
        rows.append(dict(model=cfg[0], target=cfg[1], criterion=cfg[2], recovery=cfg[3], schedule=cfg[4], seeds=len(seeds),
                         flops_removed=g.flops_reduction.mean() * 100, base_accuracy=a.mean() * 100, accuracy=est.accuracy * 100,
                         accuracy_low=est.low * 100, accuracy_high=est.high * 100, drop=-d.difference * 100,
                         drop_low=-d.high * 100, drop_high=-d.low * 100, drop_min=min(drops), drop_max=max(drops),
                         drop_vs_control=np.nan if vs is None else -vs.difference * 100,
                         drop_vs_control_low=np.nan if vs is None else -vs.high * 100,
                         drop_vs_control_high=np.nan if vs is None else -vs.low * 100,
                         drop_vs_control_min=min(drops_vs), drop_vs_control_max=max(drops_vs),
                         n_pairs=d.n, minutes=g.seconds.sum() / 60))
    table = pd.DataFrame(rows)
    cuts = []
    for model, g in table.groupby('model', sort=False):
        for limit in (0.3, 0.5, 1.0):
            # judged against the control (the unpruned network recovered the same way), the stricter baseline
            ok = g[(g.drop_vs_control <= limit) & (g.schedule == 'one-shot') & (g.target > 0)]
            ok = ok[ok.seeds == ok.seeds.max()] if len(ok) else ok  # a claim over the most seeds measured
            best = ok.loc[ok.flops_removed.idxmax()] if len(ok) else None
            cuts.append(dict(model=model, drop_vs_control_at_most=limit, seeds=None if best is None else best.seeds,
                             flops_removed=None if best is None else best.flops_removed,
                             config=None if best is None else f"{best.criterion} + {best.recovery}",
                             drop_vs_control=None if best is None else best.drop_vs_control,
                             interval=None if best is None else f"[{best.drop_vs_control_low:.2f}, {best.drop_vs_control_high:.2f}]"))
    return table, pd.DataFrame(cuts)


def compact(table):
    "The README's view: one row per configuration, accuracy and both drops with their intervals, as text."
    ci = lambda v, lo, hi: '' if v != v else f'{signed(v)} [{signed(lo)}, {signed(hi)}]'
    rows = []
    for r in table.sort_values(['model', 'schedule', 'target', 'criterion', 'recovery'], kind='stable').itertuples():
        rows.append({'model': r.model, 'FLOPs removed': f'{r.flops_removed:.0f} %',
                     'pruning': r.criterion + ('' if r.schedule == 'one-shot' else f', {r.schedule}'),
                     'recovery': r.recovery, 'seeds': r.seeds,
                     'accuracy % [95 % CI]': f'{r.accuracy:.2f} [{r.accuracy_low:.2f}, {r.accuracy_high:.2f}]',
                     'drop vs trained (points)': ci(r.drop, r.drop_low, r.drop_high),
                     'drop vs control (points)': ci(r.drop_vs_control, r.drop_vs_control_low, r.drop_vs_control_high),
                     'seeds\' drops vs control': ('' if r.seeds < 2 or r.drop_vs_control_min != r.drop_vs_control_min else
                                                  f'{signed(r.drop_vs_control_min)} to {signed(r.drop_vs_control_max)}')})
    import pandas as pd
    return pd.DataFrame(rows)


def plot(table, path:Path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    models = list(dict.fromkeys(table.model))
    fig, axes = plt.subplots(1, len(models), figsize=(4.6 * len(models), 3.8), squeeze=False, sharey=True)
    for ax, m in zip(axes.flat, models):
        g = table[(table.model == m) & (table.schedule == 'one-shot') & (table.target > 0)]
        for (crit, rec), r in g.groupby(['criterion', 'recovery'], sort=False):
            r = r.sort_values('flops_removed')
            d, lo, hi = r.drop_vs_control, r.drop_vs_control_low, r.drop_vs_control_high
            ax.errorbar(r.flops_removed, d, yerr=[d - lo, hi - d], capsize=2, fmt='o-' if crit == 'l1' else 's:',
                        label=f"{crit} + {rec} ({'up to ' * int(r.seeds.nunique() > 1)}{int(r.seeds.max())} seed{'s' * int(r.seeds.max() > 1)})", alpha=0.9 if crit == 'l1' else 0.7)
        ax.axhline(0.5, color='grey', lw=0.8, ls='--'); ax.axhline(0, color='black', lw=0.5)
        ax.set(title=m, xlabel='FLOPs removed (%)'); ax.grid(alpha=0.3)
        ax.set_yscale('symlog', linthresh=2)  # the classifier-only collapse (tens of points) beside sub-point drops
        ticks = [t for t in (-5, -2, -1, 0, 0.5, 1, 2, 5, 10, 20, 50) if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        ax.set_yticks(ticks, [f'{t:g}' for t in ticks])
    axes[0, 0].set_ylabel('drop vs control (points; paired 95 % interval)')
    axes[0, -1].legend(fontsize=7)
    fig.tight_layout(); fig.savefig(path, dpi=80); plt.close(fig)


def main():
    args = parse_args()
    pin_tf_threads(args.threads)
    out = Path(args.out_dir)
    store = Store(out)
    started = time.time()
    if not args.summary_only: run_all(args, store)
    table, cuts = summarise(store)
    fmt = markdown_table
    trained = [json.loads(p.read_text()) for p in sorted((out/'models').glob('*.json'))]
    text = (f"# Pruning frontier ({len(store.rows)} models; this invocation {(time.time() - started) / 60:.1f} min)\n\n"
            f"Compute recorded: {len(trained)} networks trained in {sum(t['seconds'] for t in trained) / 60:.0f} min, "
            f"{sum(r['seconds'] for r in store.rows) / 60:.0f} min of pruning and recovery.\n\n"
            + fmt(table) + "\n\n## Largest cut (one-shot) whose drop against its control is at most ... points\n\n" + fmt(cuts) + "\n")
    (out/'frontier.md').write_text(text)
    (out/'frontier_readme.md').write_text(markdown_table(compact(table)) + "\n")
    plot(table, out/'frontier.png')
    print(text)
    print(f"written: {out/'frontier.md'}, {out/'frontier_readme.md'}, {out/'frontier.png'}, {out/'runs.csv'}")


if __name__ == '__main__':
    main()
