"""Torch-Pruning's pipeline as an anchor row of the pruning frontier (bench/bench_frontier.py), on synthetic rice.

The frontier measures rice_prune alone; this bench puts Torch-Pruning's pipeline beside it on the SAME network, the
SAME trained weights, the SAME data split and the SAME recovery budget, so that the two are compared paired, image
by image, on the same 3,000 test images. For each seed (--seeds) the study's CNN trained by bench_frontier.py
(<--frontier-dir>/models/cnn-s{seed}.keras, read only) is copied weight for weight into its PyTorch twin
(bench/torch_twins.py), then for each criterion (--criteria) at the FLOPs target (--flops):

- the ratio is the uniform per-layer ratio the Keras frontier uses, `ratio_for_flops(base, target)`;
- Torch-Pruning prunes the twin: tp.pruner.MetaPruner(model, example, importance, pruning_ratio=ratio,
  global_pruning=False, ignored_layers=[every nn.Linear]) -- the classifier `predictions` and the hidden Dense
  `fc` keep their units, as the frontier prunes convolutions only (fc loses the input columns of conv3's pruned
  filters, as in Keras). Importances, Torch-Pruning's defaults: 'l1' = tp.importance.MagnitudeImportance(p=1),
  'taylor' = tp.importance.TaylorImportance(), for which the gradients of the cross-entropy are accumulated over
  every training batch (32 images) before `pruner.step()` (Torch-Pruning's recipe; rice_prune's 'taylor' also
  scores on the whole training set). --criteria l1_first adds a check of the pipeline rather than of the
  criterion: MagnitudeImportance(p=1, group_reduction='first', normalizer=None), Li et al.'s L1 of each filter's
  own kernel, which picks the very filters rice_prune's 'l1' picks (as bench_torch_pruning.py shows), so its run
  differs from rice_prune's l1 run by the recovery's framework alone. Each convolution keeps the same number of
  filters as rice_prune's pruned model (checked), so both remove the same FLOPs (counted by one counter,
  bench_torch_pruning.spec_flops, equal to rice_prune.cost.count_flops; checked against the frontier's runs.csv)
  -- but not always the same filters: Torch-Pruning's default group importance also adds the next layer's input
  weights of each filter;
- the pruned twin is recovered as rice_prune's `fine_tune` does, in a plain PyTorch loop: Adam from 1e-3, the
  learning rate set per batch along a half cosine to 0 over --recover-epochs epochs (constant through the first
  epoch, as Keras doesn't know the length of the tf.data pipeline until it has gone through it once), the
  cross-entropy of the logits (Keras computes it from the logits under the softmax, too), batches of 32 in an order
  shuffled every epoch from the seed, early stopping on the validation loss (min_delta 0.001, patience 3, watching
  the cosine's second half only) and the best epoch's weights restored -- Keras' EarlyStopping logic, line for line;
- it is tested on the 3,000 test images: per-image correctness, accuracy right after pruning, epochs, seconds.

What still differs from the Keras runs, and can't be made equal: the order of the training images (Keras' comes
from tf.data's shuffle, whose state depends on how often the frontier's process had gone through the training set
before; here a permutation per epoch from the seed); where Adam adds its epsilon (1e-7 in both; torch adds it to
the bias-corrected sqrt(v), Keras to the raw one: the same update but in the first steps of near-zero gradients);
and the last bits of float32 arithmetic of two frameworks (the twins' softmax outputs differ by ~1e-6).

Once per seed the unpruned twin is tested too: it computes the same function as the Keras base, so its per-image
correctness should equal the base's stored in <--frontier-dir>/correct.npz (key cnn|{seed}|0|none|none|unpruned);
the agreement and the largest softmax difference are reported.

The two frameworks live in separate environments (see bench/requirements-torch.txt): this script runs in the
project's (TensorFlow, Keras, rice_prune) and starts itself in the torch environment (--torch-python, or
$RICE_PRUNE_TORCH_PYTHON) as a worker; they exchange the images, labels and weights as .npz files in a temporary
directory and one JSON line per finished run through a pipe. The images are exactly what the Keras models see
(the same tf.data pipelines: decoded, resized to 64x64, scaled to [0, 1], not augmented), NHWC turned NCHW.

Results are kept in --out-dir (bench/results/frontier_torch): runs.csv and correct.npz in bench_frontier's format
(criterion tp_l1 / tp_taylor, recovery fine_tune, schedule torch-pruning; the twins' rows schedule torch-twin),
written as runs finish so an interrupted bench resumes; details.json (widths, FLOPs, loss histories, versions);
anchor.md: for each criterion, over the seeds done on both sides, the paired difference rice_prune - Torch-Pruning
(pooled over seeds: Newcombe's interval on all image pairs, McNemar's p) and each one's drop against the Keras base
and against the Keras control (cnn|{seed}|0|l1|fine_tune|one-shot). The data are the project's *synthetic* rice
(generated once under $RICE_PRUNE_HOME), not the real Rice Image Dataset.

Usage: python bench/bench_frontier_torch.py --torch-python /path/to/torchenv/bin/python [--seeds 0,1,2]
           [--criteria l1,taylor,l1_first] [--flops 0.5] [--recover-epochs 8] [--threads 1]
           [--frontier-dir bench/results/frontier] [--out-dir bench/results/frontier_torch] [--summary-only]
"""
import argparse, json, math, os, platform, subprocess, sys, tempfile, time
from pathlib import Path

import numpy as np

MODEL = 'cnn'
SCHEDULE, TWIN = 'torch-pruning', 'torch-twin'  # the schedule column of the anchor's runs, of the twin checks
RECOVERY = 'fine_tune'
# Torch-Pruning importances offered (stored as 'tp_' + name) -> the rice_prune criterion each is compared with
TP_CRITERIA = {'l1': 'l1', 'taylor': 'taylor', 'l1_first': 'l1'}
BATCH, LEARNING_RATE, PATIENCE, MIN_DELTA = 32, 1e-3, 3, 0.001  # rice_prune's fine_tune / _fit


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', default='0,1,2', help='comma-separated seeds: which trained CNN, and the training order')
    p.add_argument('--criteria', default='l1,taylor', help=f"comma-separated Torch-Pruning importances, from {', '.join(TP_CRITERIA)}")
    p.add_argument('--flops', type=float, default=0.5, help='share of FLOPs to remove (the ratio: ratio_for_flops)')
    p.add_argument('--recover-epochs', type=int, default=8, help="the most epochs of the recovery (the frontier's budget)")
    p.add_argument('--threads', type=int, default=1, help='TensorFlow and torch threads')
    p.add_argument('--torch-python', help='python of an environment with torch and torch-pruning '
                                          '(default: $RICE_PRUNE_TORCH_PYTHON, else this python)')
    p.add_argument('--frontier-dir', default='bench/results/frontier',
                   help="bench_frontier's results (read only): the trained CNNs and rice_prune's runs")
    p.add_argument('--out-dir', default='bench/results/frontier_torch')
    p.add_argument('--summary-only', action='store_true', help="don't run anything: summarise runs.csv into anchor.md")
    p.add_argument('--torch-worker', metavar='JOB', help=argparse.SUPPRESS)  # internal: run the torch side
    args = p.parse_args()
    args.seed_list = [int(s) for s in args.seeds.split(',') if s]
    args.criterion_list = [c for c in args.criteria.split(',') if c]
    for c in args.criterion_list:
        if c not in TP_CRITERIA: p.error(f"unknown criterion {c!r}; known: {', '.join(TP_CRITERIA)}")
    if not 0 < args.flops < 1: p.error('--flops must be in (0, 1)')
    if args.recover_epochs < 1: p.error('--recover-epochs must be at least 1')
    return args


def key(seed: int, target: float, criterion: str, recovery: str, schedule: str) -> str:
    "bench_frontier's key format: model|seed|target|criterion|recovery|schedule."
    return f'{MODEL}|{seed}|{target:g}|{criterion}|{recovery}|{schedule}'


def twin_key(seed: int) -> str: return key(seed, 0.0, 'none', 'none', TWIN)
def base_key(seed: int) -> str: return key(seed, 0.0, 'none', 'none', 'unpruned')


# --------------------------------------------------------------------------------------------------------------
# PyTorch side (the torch environment: numpy, torch, torch_pruning; never imports TensorFlow)
# --------------------------------------------------------------------------------------------------------------
def torch_worker(job_path: str):
    """Twin checks and Torch-Pruning runs, as the job says; one JSON line on stdout as each is done."""
    import copy
    import torch
    import torch.nn.functional as F
    import torch_pruning as tp
    from torch import nn
    from importlib.metadata import version
    from bench_torch_pruning import spec_flops, torch_spec, worker_protocol
    from timing import Stopwatch
    from torch_twins import twin

    send, job = worker_protocol(job_path)
    arrays = np.load(job['data'])
    x = {s: torch.from_numpy(arrays[f'x_{s}']) for s in ('train', 'val', 'test')}  # NCHW float32 in [0, 1]
    y = {s: torch.from_numpy(arrays[f'y_{s}'].argmax(1)) for s in ('train', 'val', 'test')}
    size, workdir = job['size'], os.path.dirname(job_path)
    example = torch.zeros(1, 3, size, size)
    send(dict(event='start', torch=torch.__version__, torch_pruning=version('torch-pruning'),
              threads=torch.get_num_threads()))

    def logits(model, images):
        assert isinstance(model[-1], nn.Softmax), 'the twin ends in its softmax'
        return model[:-1](images)  # the same modules, without the softmax

    def predict(model, images, batch=256):
        model.eval()
        with torch.inference_mode():
            return torch.cat([model(images[i:i + batch]) for i in range(0, len(images), batch)]).numpy()

    def correct(model): return predict(model, x['test']).argmax(1) == y['test'].numpy()

    def widths(model): return {n: m.out_channels for n, m in model.named_modules() if isinstance(m, nn.Conv2d)}

    def prune(model, criterion, ratio):
        "Torch-Pruning's MetaPruner, layer by layer at `ratio`, every Linear's units kept (their inputs follow)."
        importance = {'l1': lambda: tp.importance.MagnitudeImportance(p=1),
                      'l1_first': lambda: tp.importance.MagnitudeImportance(p=1, group_reduction='first', normalizer=None),
                      'taylor': lambda: tp.importance.TaylorImportance()}[criterion]()
        model.eval()
        pruner = tp.pruner.MetaPruner(model, example, importance=importance, pruning_ratio=ratio, global_pruning=False,
                                      ignored_layers=[m for m in model.modules() if isinstance(m, nn.Linear)])
        batches = 0
        if criterion == 'taylor':  # Torch-Pruning's recipe: gradients of the loss accumulated before step()
            model.zero_grad()
            for i in range(0, len(x['train']), BATCH):
                F.cross_entropy(logits(model, x['train'][i:i + BATCH]), y['train'][i:i + BATCH]).backward()
                batches += 1
        pruner.step()
        model.zero_grad(set_to_none=True)
        return batches

    def recover(model, seed, epochs):
        """rice_prune's fine_tune in PyTorch: Adam, cosine learning rate per batch, categorical cross-entropy,
        Keras' EarlyStopping(monitor='val_loss', min_delta, patience, restore_best_weights=True,
        start_from_epoch=epochs // 2)."""
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-7)  # Keras' defaults
        order = torch.Generator().manual_seed(seed)
        n = len(x['train'])
        batches = math.ceil(n / BATCH)
        steps = None  # _CosineDecay: the pipeline's length is unknown to Keras until its first epoch ends
        best = best_state = None
        best_epoch, wait, history, stopped_early = 0, 0, [], False
        for epoch in range(epochs):
            sw = Stopwatch()
            model.train()
            perm, total = torch.randperm(n, generator=order), 0.0
            for b in range(batches):
                t = (epoch + (b / steps if steps else 0)) / epochs
                for group in optimizer.param_groups: group['lr'] = 0.5 * LEARNING_RATE * (1 + math.cos(math.pi * min(t, 1.0)))
                idx = perm[b * BATCH:(b + 1) * BATCH]
                loss = F.cross_entropy(logits(model, x['train'][idx]), y['train'][idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.item() * len(idx)
            steps = steps or batches
            model.eval()
            with torch.inference_mode():
                val_loss = sum(float(F.cross_entropy(logits(model, x['val'][i:i + BATCH]), y['val'][i:i + BATCH],
                                                     reduction='sum')) for i in range(0, len(x['val']), BATCH)) / len(x['val'])
            history.append(dict(loss=total / n, val_loss=val_loss, seconds=sw.wall))
            # keras.callbacks.EarlyStopping.on_epoch_end, restore_best_weights=True, start_from_epoch=epochs // 2
            if epoch < epochs // 2: continue
            if best_state is None: best_state, best_epoch = copy.deepcopy(model.state_dict()), epoch
            wait += 1
            if best is None or val_loss - MIN_DELTA < best:
                best, best_epoch, best_state, wait = val_loss, epoch, copy.deepcopy(model.state_dict()), 0
                continue
            if wait >= PATIENCE and epoch > 0:
                stopped_early = True
                break
        model.load_state_dict(best_state)  # on_train_end: the best epoch's weights
        return dict(epochs=len(history), best_epoch=best_epoch + 1, stopped_early=stopped_early, history=history)

    for item in job['items']:
        seed = item['seed']
        base = twin(job['model'], size, np.load(item['weights']))
        base_flops = spec_flops(torch_spec(base, size))
        if item['kind'] == 'twin':
            with Stopwatch() as sw:
                probs = predict(base, x['test'])
            path = os.path.join(workdir, f'twin-probs-s{seed}.npy')
            np.save(path, probs)
            c = probs.argmax(1) == y['test'].numpy()
            send(dict(event='twin', seed=seed, key=item['key'], correct=''.join('01'[int(v)] for v in c), probs=path,
                      flops=base_flops, seconds=sw.wall))
            continue
        torch.manual_seed(seed)
        model = copy.deepcopy(base)
        with Stopwatch() as sw:
            taylor_batches = prune(model, item['criterion'], item['ratio'])
            got = widths(model)
            if got != item['widths']:
                sys.exit(f"torch worker: Torch-Pruning's widths {got} differ from rice_prune's {item['widths']} "
                         f"at ratio {item['ratio']}")
            acc_pruned = float(correct(model).mean())
            result = recover(model, seed, item['epochs'])
            c = correct(model)
        flops = spec_flops(torch_spec(model, size))
        send(dict(event='run', seed=seed, key=item['key'], criterion=item['criterion'], correct=''.join('01'[int(v)] for v in c),
                  flops=flops, base_flops=base_flops, flops_reduction=1 - flops / base_flops, accuracy_pruned=acc_pruned,
                  accuracy=float(c.mean()), seconds=sw.wall, widths=got, taylor_batches=taylor_batches,
                  params=int(sum(p.numel() for p in model.parameters())), **result))


# --------------------------------------------------------------------------------------------------------------
# Keras side (the project's environment: tensorflow, keras, rice_prune)
# --------------------------------------------------------------------------------------------------------------
class Results:
    "bench_frontier's runs.csv and correct.npz in a folder, read only (its Store would create the folder)."
    def __init__(self, folder: Path):
        import pandas as pd
        self.rows = pd.read_csv(folder/'runs.csv').to_dict('records') if (folder/'runs.csv').exists() else []
        self.correct = dict(np.load(folder/'correct.npz')) if (folder/'correct.npz').exists() else {}


def load_details(out: Path) -> dict:
    return json.loads((out/'details.json').read_text()) if (out/'details.json').exists() else {}


def save_details(out: Path, details: dict):
    (out/'details.tmp.json').write_text(json.dumps(details, indent=1))
    (out/'details.tmp.json').replace(out/'details.json')


def export_data(data, path: Path) -> dict:
    """The Keras pipelines' images (NHWC -> NCHW) and one-hot labels as arrays in `path` (.npz): validation and test
    in their (unshuffled) order, the training images in a canonical order (sorted by a hash of their pixels), so the
    torch side gets the same arrays whatever state tf.data's shuffle is in."""
    import hashlib
    arrays = {}
    for split in ('train', 'val', 'test'):
        xs, ys = zip(*[(np.asarray(x), np.asarray(y)) for x, y in getattr(data, split)])
        x, y = np.concatenate(xs), np.concatenate(ys)
        if split == 'train':
            order = np.argsort([hashlib.sha1(img.tobytes()).hexdigest() for img in x], kind='stable')
            x, y = x[order], y[order]
        arrays[f'x_{split}'] = np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)
        arrays[f'y_{split}'] = y.astype(np.float32)
    np.savez(path, **arrays)
    return {s: len(arrays[f'y_{s}']) for s in ('train', 'val', 'test')}


def run_all(args, store, frontier, details: dict):
    import keras
    from bench_torch_pruning import find_torch_python
    from torch_twins import torch_state
    from rice_prune.synthetic import make_synthetic_rice
    from rice_prune.data import load_rice, default_data_dir
    from rice_prune.cost import count_flops
    from rice_prune.prune import prune_filters
    from rice_prune.prune.recover import ratio_for_flops

    runs = [(s, c) for s in args.seed_list for c in args.criterion_list
            if key(s, args.flops, f'tp_{c}', RECOVERY, SCHEDULE) not in store.done]
    twins = [s for s in args.seed_list if twin_key(s) not in store.done]
    print(f"{len(runs)} Torch-Pruning runs and {len(twins)} twin checks to do ({len(store.done)} rows done before)")
    if not runs and not twins: return
    torch_python = find_torch_python(args.torch_python)

    root = make_synthetic_rice(default_data_dir()/'synthetic', n_per_class=1000, seed=0)
    data = load_rice(root, img_size=64, batch_size=BATCH, val_split=0.1, test_split=0.6, seed=0, cache=True)  # bench_frontier's
    workdir = Path(tempfile.mkdtemp(prefix='bench_frontier_torch_'))
    sizes = export_data(data, workdir/'data.npz')
    y_true = np.load(workdir/'data.npz')['y_test'].argmax(1)
    print(f"data: {sizes['train']} / {sizes['val']} / {sizes['test']} images (train / val / test), 64x64, synthetic rice")

    items, keras_probs, ratios, base_flops = [], {}, {}, {}
    for seed in sorted({s for s, _ in runs} | set(twins)):
        path = Path(args.frontier_dir)/'models'/f'{MODEL}-s{seed}.keras'
        if not path.exists(): sys.exit(f"no trained {MODEL} for seed {seed}: {path} (run bench/bench_frontier.py first)")
        base = keras.models.load_model(path, compile=False)
        base_flops[seed] = count_flops(base)
        weights = workdir/f'weights-s{seed}.npz'
        np.savez(weights, **torch_state(base, MODEL))
        if seed in twins:
            keras_probs[seed] = np.concatenate([keras.ops.convert_to_numpy(base(x, training=False)) for x, _ in data.test])
            items.append(dict(kind='twin', seed=seed, key=twin_key(seed), weights=str(weights)))
        for s, crit in runs:
            if s != seed: continue
            if args.flops not in ratios: ratios[args.flops] = ratio_for_flops(base, args.flops)
            ratio = ratios[args.flops]
            pruned = prune_filters(base, ratio, 'l1')  # rice_prune's widths at this ratio (any criterion: the same)
            widths = {layer.name: int(layer.filters) for layer in pruned.layers if isinstance(layer, keras.layers.Conv2D)}
            k = key(seed, args.flops, f'tp_{crit}', RECOVERY, SCHEDULE)
            items.append(dict(kind='run', seed=seed, key=k, criterion=crit, ratio=ratio, widths=widths,
                              epochs=args.recover_epochs, weights=str(weights)))
            details[k] = dict(ratio=ratio, recover_epochs=args.recover_epochs, keras_widths=widths, keras_flops=count_flops(pruned),
                              keras_base_flops=count_flops(base), keras_flops_reduction=1 - count_flops(pruned) / count_flops(base))

    job = dict(model=MODEL, size=64, threads=args.threads, data=str(workdir/'data.npz'), items=items)
    (workdir/'job.json').write_text(json.dumps(job))
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads))
    print(f"starting the torch side: {torch_python}", flush=True)
    process = subprocess.Popen([torch_python, os.path.abspath(__file__), '--torch-worker', str(workdir/'job.json')],
                               stdout=subprocess.PIPE, text=True, env=env)
    versions = {}
    for line in process.stdout:
        msg = json.loads(line)
        if msg['event'] == 'start':
            versions = dict(torch=msg['torch'], torch_pruning=msg['torch_pruning'], torch_threads=msg['threads'])
            print(f"torch side: PyTorch {msg['torch']}, Torch-Pruning {msg['torch_pruning']}, {msg['threads']} thread(s)")
            continue
        c = np.frombuffer(msg['correct'].encode(), dtype=np.uint8) == ord('1')
        seed = msg['seed']
        if msg['event'] == 'twin':
            probs = np.load(msg['probs'])
            dp = float(np.abs(probs - keras_probs[seed]).max())
            keras_c = keras_probs[seed].argmax(1) == y_true
            stored = frontier.correct.get(base_key(seed))
            details[msg['key']] = dict(flops=msg['flops'], keras_flops=base_flops[seed], max_abs_dp=dp,
                                       argmax_differs=int((probs.argmax(1) != keras_probs[seed].argmax(1)).sum()),
                                       agrees_with_keras_now=int((c == keras_c).sum()),
                                       agrees_with_stored=None if stored is None else int((c == stored).sum()),
                                       keras_stored_equals_keras_now=None if stored is None else bool((stored == keras_c).all()),
                                       **versions)
            store.add(dict(key=msg['key'], model=MODEL, seed=seed, target=0.0, criterion='none', recovery='none', schedule=TWIN,
                           flops=msg['flops'], flops_reduction=0.0, accuracy_pruned=c.mean(), accuracy=c.mean(), n_test=len(c),
                           epochs=0, seconds=msg['seconds']), c)
            d = details[msg['key']]
            print(f"seed {seed} twin: accuracy {c.mean():.4f} (Keras {keras_c.mean():.4f}); per-image correctness equal to the "
                  f"stored Keras base's on {d['agrees_with_stored']} of {len(c)} images; max |dp| {dp:.1e}; "
                  f"FLOPs {msg['flops']:,} (Keras count_flops {base_flops[seed]:,})", flush=True)
        else:
            k = msg['key']
            details[k].update({n: msg[n] for n in ('widths', 'flops', 'base_flops', 'flops_reduction', 'params', 'taylor_batches',
                                                   'best_epoch', 'stopped_early', 'history')}, **versions)
            if msg['base_flops'] != details[k]['keras_base_flops'] or msg['flops'] != details[k]['keras_flops']:
                print(f"WARNING {k}: FLOPs differ: torch {msg['base_flops']:,} -> {msg['flops']:,}, "
                      f"Keras {details[k]['keras_base_flops']:,} -> {details[k]['keras_flops']:,}")
            store.add(dict(key=k, model=MODEL, seed=seed, target=args.flops, criterion=f"tp_{msg['criterion']}", recovery=RECOVERY,
                           schedule=SCHEDULE, flops=msg['flops'], flops_reduction=msg['flops_reduction'],
                           accuracy_pruned=msg['accuracy_pruned'], accuracy=c.mean(), n_test=len(c), epochs=msg['epochs'],
                           seconds=msg['seconds']), c)
            print(f"{k}: FLOPs removed {100 * msg['flops_reduction']:.2f} % (rice_prune's model "
                  f"{100 * details[k]['keras_flops_reduction']:.2f} %), accuracy {msg['accuracy_pruned']:.4f} after pruning, "
                  f"{c.mean():.4f} after {msg['epochs']} epoch(s) (best {msg['best_epoch']}), {msg['seconds']:.0f} s", flush=True)
        save_details(store.out, details)
    if process.wait() != 0: sys.exit(f"the torch side failed (exit code {process.returncode}); see its messages above")
    import shutil
    shutil.rmtree(workdir, ignore_errors=True)


def machine() -> str:
    model = next((line.split(':', 1)[1].strip() for line in Path('/proc/cpuinfo').read_text().splitlines()
                  if line.startswith('model name')), platform.processor() or 'unknown CPU')
    return f"{len(os.sched_getaffinity(0))} cores (nproc), {model}"


def anchor(store, frontier, args, details: dict, minutes: float) -> str:
    "anchor.md: the twin checks, and each criterion's rice_prune vs Torch-Pruning comparison, paired on the same images."
    import pandas as pd
    from bench_frontier import signed
    from timing import markdown_table
    from rice_prune.intervals import accuracy_estimate, paired_difference
    pm = lambda v: '' if v != v else signed(v)
    ci = lambda d, sign=1: (f'{pm(sign * d.difference * 100)} [{pm(min(sign * d.low, sign * d.high) * 100)}, '
                            f'{pm(max(sign * d.low, sign * d.high) * 100)}]')
    runs = pd.DataFrame(store.rows)
    if runs.empty: return "# Torch-Pruning anchor\n\nNo runs yet.\n"
    get = lambda st, k: st.correct.get(k)

    twin_rows = []
    for r in runs[runs.schedule == TWIN].sort_values('seed').itertuples():
        stored, c, d = get(frontier, base_key(r.seed)), store.correct[r.key], details.get(r.key, {})
        twin_rows.append({'seed': r.seed, 'test images': len(c), 'Keras base accuracy %': '' if stored is None else f'{stored.mean() * 100:.2f}',
                          'torch twin accuracy %': f'{c.mean() * 100:.2f}',
                          'same per-image correctness': '' if stored is None else f'{int((stored == c).sum())} / {len(c)}',
                          'max abs Δp (softmax)': f"{d['max_abs_dp']:.1e}" if 'max_abs_dp' in d else ''})

    rows, diffs = [], []
    tp_runs = runs[runs.schedule == SCHEDULE]
    frontier_rows = {r['key']: r for r in frontier.rows}
    control_key = lambda s: key(s, 0.0, 'l1', RECOVERY, 'one-shot')
    for (target, crit), g in tp_runs.groupby(['target', 'criterion'], sort=True):
        name = crit.removeprefix('tp_')
        rice = TP_CRITERIA.get(name, name)  # the rice_prune criterion it is compared with
        rice_key = lambda s: key(s, target, rice, RECOVERY, 'one-shot')
        tp = g.set_index('seed')
        all_seeds = sorted(s for s in tp.index if get(frontier, base_key(s)) is not None)
        paired = [s for s in all_seeds if get(frontier, rice_key(s)) is not None]

        def row(library, seeds, keys, flops):
            if not seeds: return
            b = np.concatenate([keys(s) for s in seeds])
            base = np.concatenate([frontier.correct[base_key(s)] for s in seeds])
            est, d = accuracy_estimate(b), paired_difference(base, b)
            has_control = all(get(frontier, control_key(s)) is not None for s in seeds)
            vs = paired_difference(np.concatenate([frontier.correct[control_key(s)] for s in seeds]), b) if has_control else None
            per_seed = ([(frontier.correct[control_key(s)].mean() - keys(s).mean()) * 100 for s in seeds] if has_control else [])
            rows.append({'FLOPs target': f'{target:g}', 'criterion': name, 'library': library, 'seeds': ','.join(map(str, seeds)),
                         'FLOPs removed %': f'{flops * 100:.2f}', 'epochs run': epochs_run(library, seeds),
                         'accuracy after pruning %': after(library, seeds),
                         'accuracy % [95 % CI]': f'{est.accuracy * 100:.2f} [{est.low * 100:.2f}, {est.high * 100:.2f}]',
                         'drop vs trained (points)': ci(d, -1),
                         'drop vs control (points)': '' if vs is None else ci(vs, -1),
                         "seeds' drops vs control": ' / '.join(pm(v) for v in per_seed) if len(per_seed) > 1 else ''})

        def epochs_run(library, seeds):
            if library.startswith('rice_prune'): return ' / '.join(str(int(frontier_rows[rice_key(s)]['epochs'])) for s in seeds)
            return ' / '.join(str(int(tp.loc[s, 'epochs'])) for s in seeds)

        def after(library, seeds):
            if library.startswith('rice_prune'): values = [frontier_rows[rice_key(s)]['accuracy_pruned'] for s in seeds if rice_key(s) in frontier_rows]
            else: values = [tp.loc[s, 'accuracy_pruned'] for s in seeds]
            return f'{np.mean(values) * 100:.2f}' if values else ''

        rice_flops = [frontier_rows[rice_key(s)]['flops_reduction'] for s in paired if rice_key(s) in frontier_rows]
        row(f'rice_prune ({rice})', paired, lambda s: frontier.correct[rice_key(s)], np.mean(rice_flops) if rice_flops else float('nan'))
        row(f'Torch-Pruning (tp_{name})', paired, lambda s: store.correct[tp.loc[s, 'key']], tp.loc[paired, 'flops_reduction'].mean() if paired else 0)
        if all_seeds != paired:
            row(f'Torch-Pruning (tp_{name}), all its seeds', all_seeds, lambda s: store.correct[tp.loc[s, 'key']],
                tp.loc[all_seeds, 'flops_reduction'].mean())
        if paired:
            a = np.concatenate([store.correct[tp.loc[s, 'key']] for s in paired])
            b = np.concatenate([frontier.correct[rice_key(s)] for s in paired])
            d = paired_difference(a, b)  # rice_prune - Torch-Pruning
            per_seed = [(frontier.correct[rice_key(s)].mean() - store.correct[tp.loc[s, 'key']].mean()) * 100 for s in paired]
            diffs.append({'FLOPs target': f'{target:g}', 'criterion': name, 'rice_prune criterion': rice,
                          'seeds': ','.join(map(str, paired)), 'image pairs': d.n,
                          'rice_prune %': f'{d.accuracy_b * 100:.2f}', 'Torch-Pruning %': f'{d.accuracy_a * 100:.2f}',
                          'rice_prune − Torch-Pruning (points) [95 % CI]': ci(d),
                          'McNemar p': f'{d.p_value:.3g}', 'only rice_prune right / only TP right': f'{d.only_b} / {d.only_a}',
                          "seeds' differences": ' / '.join(pm(v) for v in per_seed) if len(per_seed) > 1 else ''})
        else:
            diffs.append({'FLOPs target': f'{target:g}', 'criterion': name, 'rice_prune criterion': rice, 'seeds': '',
                          'rice_prune − Torch-Pruning (points) [95 % CI]': f'no rice_prune run ({rice} + fine_tune) at seeds '
                                                                           f'{",".join(map(str, all_seeds))} yet'})

    versions = next((d for d in details.values() if 'torch_pruning' in d), {})
    budgets = sorted({d['recover_epochs'] for k, d in details.items() if 'recover_epochs' in d and k in set(tp_runs.key)})
    text = (f"# Torch-Pruning anchor of the pruning frontier (CNN, synthetic rice)\n\n"
            f"Machine: {machine()}. This invocation: {minutes:.1f} min; compute recorded: "
            f"{runs.seconds.sum() / 60:.1f} min over {len(tp_runs)} Torch-Pruning runs and {len(twin_rows)} twin checks. "
            f"PyTorch {versions.get('torch', '?')}, Torch-Pruning {versions.get('torch_pruning', '?')}.\n\n"
            f"Torch-Pruning's MetaPruner (layer-wise at rice_prune's uniform ratio from `ratio_for_flops`, every Linear's "
            f"units kept) on the PyTorch twin of the frontier's trained CNN, recovered like rice_prune's `fine_tune` "
            f"(Adam 1e-3, cosine per batch, early stopping on val_loss in the cosine's second half, at most "
            f"{' / '.join(map(str, budgets)) or '?'} epoch(s); the frontier's Keras runs: at most its --recover-epochs), tested on the same 3,000 images as the Keras runs of {args.frontier_dir}. "
            f"Drops: unpruned − pruned in points, Newcombe's paired 95 % interval pooled over the seeds' image pairs; "
            f"'control': the unpruned Keras CNN given the same fine_tune recovery.\n\n"
            f"## The unpruned twin against the Keras base (the same function)\n\n"
            + (markdown_table(pd.DataFrame(twin_rows)) if twin_rows else 'No twin check yet.') +
            "\n\n## rice_prune − Torch-Pruning, paired on the same test images (positive: rice_prune better)\n\n"
            + (markdown_table(pd.DataFrame(diffs)) if diffs else 'No run yet.') +
            "\n\n## Each one's drop against the trained network and against its control\n\n"
            + (markdown_table(pd.DataFrame(rows)) if rows else 'No run yet.') + "\n")
    return text


def main():
    args = parse_args()
    if args.torch_worker: return torch_worker(args.torch_worker)
    started = time.time()
    from timing import pin_tf_threads
    pin_tf_threads(args.threads)
    from bench_frontier import Store
    out = Path(args.out_dir)
    store = Store(out)
    frontier = Results(Path(args.frontier_dir))
    details = load_details(out)
    if not args.summary_only: run_all(args, store, frontier, details)
    frontier = Results(Path(args.frontier_dir))  # re-read: the frontier may have gained runs meanwhile
    text = anchor(store, frontier, args, details, (time.time() - started) / 60)
    (out/'anchor.md').write_text(text)
    print(text)
    print(f"written: {out/'anchor.md'}, {out/'runs.csv'}, {out/'correct.npz'}, {out/'details.json'}")


if __name__ == '__main__':
    main()
