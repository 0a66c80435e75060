"""All 40 keras.applications networks pruned by rice_prune: time, peak memory, what is kept, FLOPs agreement; and
Torch-Pruning on torchvision's twins of seven of them, side by side in one run.

Each of the 40 builders (the list of bench/zoo_survey.py) is built with weights=None and its ImageNet head (1000
classes) at --size x --size (224), then pruned with `prune_filters(model, --ratio)` (0.3; L1, layer by layer, the
classifier left alone), each builder in a fresh Python process so that its memory is its own. A row gives:

- prune s: the wall time of the first `prune_filters` call of the process (what a user waits for: it includes
  tracing the channel graph), and of a second call on the same model (warm: Keras' own caches filled);
- peak memory: the process' resident memory sampled every 2 ms during the first call, against the model's own
  weights (float32 bytes), two ways. 'peak extra': its peak less the resident memory just before the call. That
  underestimates where the allocator hands pruning the memory it freed while the model was built (a 454 MB
  EfficientNetV2L showed +14 MB). 'peak / model in memory': its peak less the resident memory before the model was
  built (TensorFlow's runtime already started) -- the original model, the pruned one and everything in between --
  against what building the model added to the process (its weights and its Python objects: the model's own memory).
  This one is judged against the target: at most 3x;
- params and FLOPs kept (`count_params`, `count_flops`, batch 1), and the analytic FLOPs of the pruned model against
  TensorFlow's profiler (`profile_flops`; --no-profile skips it: it freezes the whole graph, a minute for the largest),
  plus the multiply-adds of grouped convolutions (ConvNeXt's), which the profiler can't see;
- the pruned model run on one image (finite outputs of the right shape) and smaller than the original; saved as
  .keras and loaded in another fresh process that imports only rice_prune (and keras, numpy), which must give the
  same outputs (--no-reload skips it).

Where torchvision has the twin (resnet50, mobilenet_v2, mobilenet_v3_small, efficientnet_b0, densenet121,
convnext_tiny, vgg16; weights=None, 1000 classes), Torch-Pruning prunes it at the same ratio in a fresh process of
the torch environment (--torch-python, or $RICE_PRUNE_TORCH_PYTHON; see below):
`tp.pruner.MetaPruner(model, example_inputs, importance=tp.importance.MagnitudeImportance(p=1), pruning_ratio=ratio,
ignored_layers=[classifier])` then `step()`, timed from the pruner's construction (it traces the dependency graph, as
prune_filters traces its channel graph) to the end of the step; memory, params and MACs kept
(`tp.utils.count_ops_and_params`, which counts multiply-accumulates: kept shares compare, absolute numbers don't). The
twins are not the same networks (torchvision's convolutions have no bias, its EfficientNet no input normalisation,
...), so compare kept shares and times, not counts.

The torch environment needs torchvision beside torch and torch-pruning. PyPI's torchvision wheel links its C++
operators against PyPI's own torch build (libc10_cuda.so): next to the CPU-only torch of bench/requirements-torch.txt
(PyTorch's CPU index) `import torchvision` fails ("operator torchvision::nms does not exist"). Where that index can be
reached, install torchvision from it too; otherwise make a separate environment with PyPI's torch==2.13.0 (several
GB of CUDA libraries), torchvision==0.28.0 and torch-pruning==1.6.1 (where pip's configuration offers a local
CPU-only torch first, `pip install --isolated` asks PyPI alone).

Timing is wall time on a shared machine: run it with nothing else running. Each builder's row is written as soon as
it is done (--out, default bench/results/zoo/zoo_<size>.csv; a rerun skips the rows already there, --redo NAMES
measures them again); the table goes to the same name with .md. `--size min` builds each at its smallest valid input
(32; Xception 71; InceptionV3 and InceptionResNetV2 75) instead, into zoo_min.csv.

Usage: python bench/bench_zoo.py [--size 224|min] [--ratio 0.3] [--only ResNet50,VGG16] [--redo NAMES]
                                 [--threads 2] [--no-profile] [--no-reload] [--no-torch] [--torch-python PATH] [--timeout 1800]
Cost here (2 cores): 35 min at 224 (2026-11-27), most of it building, profiling and pruning the ten largest.
"""
import argparse, csv, gc, json, math, os, subprocess, sys, threading, time
from pathlib import Path

from zoo_survey import BUILDERS, reload_diff, run_pruned

TWINS = {'ResNet50': 'resnet50', 'MobileNetV2': 'mobilenet_v2', 'MobileNetV3Small': 'mobilenet_v3_small',
         'EfficientNetB0': 'efficientnet_b0', 'DenseNet121': 'densenet121', 'ConvNeXtTiny': 'convnext_tiny',
         'VGG16': 'vgg16'}  # keras.applications builder -> torchvision model
COLUMNS = ['builder', 'size', 'ratio', 'status', 'message', 'params_before', 'params_after', 'flops_before',
           'flops_after', 'flops_profiler', 'flops_grouped', 'reload_diff', 'model_mb', 'build_s', 'prune_s', 'prune_warm_s', 'peak_extra_mb', 'peak_total_mb', 'model_rss_mb',
           'torch_model', 'torch_status', 'torch_message', 'torch_params_before', 'torch_params_after',
           'torch_macs_before', 'torch_macs_after', 'torch_model_mb', 'torch_prune_s', 'torch_peak_extra_mb']


def rss_mb() -> float:
    "This process' resident memory, MB (Linux)."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


class PeakMemory:
    "The peak resident memory above the starting one while the block runs, sampled every 2 ms by a thread."
    def __enter__(self):
        gc.collect()
        self.start = self.peak = rss_mb()
        self._stop = threading.Event()
        def sample():
            while not self._stop.is_set():
                self.peak = max(self.peak, rss_mb()); time.sleep(0.002)
        self._thread = threading.Thread(target=sample, daemon=True); self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set(); self._thread.join()
        self.peak = max(self.peak, rss_mb())
        self.extra = self.peak - self.start


def keras_worker(name: str, size: int, ratio: float, profile: bool, reload: bool) -> dict:
    "Build, prune (twice) and check one keras.applications builder; the row (never raises)."
    import numpy as np
    import keras
    from rice_prune.prune import prune_filters
    from rice_prune.cost import count_flops, profile_flops
    row, stage = dict(builder=name, size=size, ratio=ratio, status='ok', message=''), 'build'
    try:
        keras.ops.convert_to_numpy(keras.layers.Conv2D(1, 3)(keras.ops.zeros((1, 8, 8, 3))))  # TensorFlow's runtime started
        gc.collect()
        before_model = rss_mb()  # the process without the model: what the model and its pruning add is measured from here
        t = time.perf_counter()
        model = getattr(keras.applications, name)(weights=None, input_shape=(size, size, 3))
        row['build_s'] = time.perf_counter() - t
        gc.collect()
        row['model_rss_mb'] = rss_mb() - before_model  # the model's own memory: its weights and its Python objects
        row['params_before'] = model.count_params()
        row['model_mb'] = sum(np.prod(w.shape) * w.dtype.itemsize for w in model.get_weights()) / 2**20
        stage = 'prune'
        with PeakMemory() as mem:
            t = time.perf_counter()
            pruned = prune_filters(model, ratio)
            row['prune_s'] = time.perf_counter() - t
        row['peak_extra_mb'], row['peak_total_mb'] = mem.extra, mem.peak - before_model
        del pruned; gc.collect()
        t = time.perf_counter()
        pruned = prune_filters(model, ratio)
        row['prune_warm_s'] = time.perf_counter() - t
        row['params_after'] = pruned.count_params()
        stage = 'run'
        x, y = run_pruned(model, pruned, size, classes=1000)
        stage = 'flops'
        row['flops_before'], row['flops_after'] = count_flops(model), count_flops(pruned)
        if profile:
            row['flops_profiler'] = profile_flops(pruned)
            # the profiler doesn't see into grouped convolutions (a nested function call: see the cost chapter)
            from rice_prune.prune import named_layers
            row['flops_grouped'] = sum(2 * math.prod(l.kernel.shape[:3]) * math.prod(l.output.shape[1:])
                                       for l in named_layers(pruned).values()
                                       if isinstance(l, keras.layers.Conv2D) and l.groups > 1)
        if reload:
            stage = 'reload'
            row['reload_diff'] = reload_diff(pruned, x, y)
    except Exception as e:
        msg = str(e).strip().splitlines()
        row.update(status=f'{stage}_error', message=f"{type(e).__name__}: {msg[0] if msg else ''}"[:300])
    return row


def torch_worker(name: str, size: int, ratio: float) -> dict:
    "Torch-Pruning on torchvision's `name` (in the torch environment); the row's torch_ columns (never raises)."
    row, stage = dict(torch_model=name, torch_status='ok', torch_message=''), 'build'
    try:
        import torch, torchvision, torch_pruning as tp
        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None).eval()
        x = torch.randn(1, 3, size, size)
        row['torch_model_mb'] = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20
        macs, params = tp.utils.count_ops_and_params(model, x)
        row.update(torch_macs_before=int(macs), torch_params_before=int(params))
        classifier = [m for m in model.modules() if isinstance(m, torch.nn.Linear)][-1]
        stage = 'prune'
        with PeakMemory() as mem:  # not under no_grad: Torch-Pruning traces its dependency graph through autograd
            t = time.perf_counter()
            pruner = tp.pruner.MetaPruner(model, x, importance=tp.importance.MagnitudeImportance(p=1),
                                          pruning_ratio=ratio, ignored_layers=[classifier])
            pruner.step()
            row['torch_prune_s'] = time.perf_counter() - t
        row['torch_peak_extra_mb'] = mem.extra
        stage = 'run'
        with torch.no_grad(): y = model(x)
        if tuple(y.shape) != (1, 1000) or not torch.isfinite(y).all(): raise ValueError(f"pruned output {tuple(y.shape)}")
        macs, params = tp.utils.count_ops_and_params(model, x)
        row.update(torch_macs_after=int(macs), torch_params_after=int(params))
    except Exception as e:
        msg = str(e).strip().splitlines()
        row.update(torch_status=f'{stage}_error', torch_message=f"{type(e).__name__}: {msg[0] if msg else ''}"[:300])
    return row


def run(cmd: list, env: dict, timeout: float, fallback: dict) -> dict:
    "Run one worker process; its ROW line as a dict, or `fallback` updated with what went wrong."
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
        rows = [line[4:] for line in done.stdout.splitlines() if line.startswith('ROW ')]
        if rows: return json.loads(rows[-1])
        return dict(fallback, message=f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1][:250]}")
    except subprocess.TimeoutExpired:
        return dict(fallback, message=f'over {timeout:g} s')


def fmt(v, spec: str) -> str:
    try: return format(float(v), spec) if v not in ('', None) else ''
    except ValueError: return str(v)


def table(rows: list) -> str:
    "The markdown table of the rows (CSV strings), one line per builder."
    total = any(r.get('peak_total_mb') for r in rows)  # rows measured before that column existed leave it out
    head = ['network', 'input', 'status', 'params M', 'params kept', 'FLOPs G', 'FLOPs kept', 'analytic / profiler',
            'prune s (warm)', 'peak extra / model'] + ['peak / model in memory'] * total + ['Torch-Pruning twin: params kept', 'FLOPs (MACs) kept', 'prune s',
            'peak extra / model']
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        num = lambda k: float(r[k]) if r.get(k) not in ('', None) else float('nan')
        kept = lambda a, b: fmt(100 * num(a) / num(b), '.0f') + ' %' if r.get(a) and r.get(b) else ''
        grouped = num('flops_grouped') if r.get('flops_grouped') not in ('', None) else 0.0
        agree = ('' if not r.get('flops_profiler') else 'equal' if num('flops_after') == num('flops_profiler') else
                 'equal + grouped' if num('flops_after') == num('flops_profiler') + grouped else
                 fmt(num('flops_after') / num('flops_profiler'), '.4f'))
        cells = [r['builder'], f"{r['size']}×{r['size']}", r['status'] if r['status'] == 'ok' else f"{r['status']}: {r['message']}",
                 fmt(num('params_before') / 1e6, '.1f'), kept('params_after', 'params_before'),
                 fmt(num('flops_before') / 1e9, '.2f'), kept('flops_after', 'flops_before'), agree,
                 f"{fmt(r.get('prune_s'), '.1f')} ({fmt(r.get('prune_warm_s'), '.1f')})" if r.get('prune_s') else '',
                 fmt(num('peak_extra_mb') / num('model_mb'), '.2f') if r.get('peak_extra_mb') else '']
        if total: cells += [fmt(num('peak_total_mb') / num('model_rss_mb'), '.2f') if r.get('peak_total_mb') else '']
        if r.get('torch_model'):
            ok = r.get('torch_status') == 'ok'
            cells += [f"{r['torch_model']}: " + (kept('torch_params_after', 'torch_params_before') if ok else
                      f"{r['torch_status']}: {r.get('torch_message', '')}"),
                      kept('torch_macs_after', 'torch_macs_before') if ok else '',
                      fmt(r.get('torch_prune_s'), '.1f') if ok else '',
                      fmt(num('torch_peak_extra_mb') / num('torch_model_mb'), '.2f') if ok else '']
        else: cells += [''] * 4
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def summary(rows: list, where: str, ratio: float) -> str:
    ok = [r for r in rows if r['status'] == 'ok']
    times = sorted(float(r['prune_s']) for r in ok)
    mem = sorted(float(r['peak_extra_mb']) / float(r['model_mb']) for r in ok)
    totals = [r for r in ok if r.get('peak_total_mb')]
    total = sorted(float(r['peak_total_mb']) / float(r['model_rss_mb']) for r in totals)
    over = [f"{r['builder']} {float(r['peak_total_mb']) / float(r['model_rss_mb']):.2f}x" for r in totals
            if float(r['peak_total_mb']) > 3 * float(r['model_rss_mb'])]
    profiled = [r for r in ok if r.get('flops_profiler')]
    reloaded = [r for r in ok if r.get('reload_diff') not in ('', None)]
    equal = sum(float(r['flops_after']) == float(r['flops_profiler']) + float(r.get('flops_grouped') or 0) for r in profiled)
    slow = [f"{r['builder']} {float(r['prune_s']):.1f} s" for r in ok if float(r['prune_s']) >= 5]
    heavy = [f"{r['builder']} {float(r['peak_extra_mb']) / float(r['model_mb']):.2f}x" for r in ok
             if float(r['peak_extra_mb']) > 3 * float(r['model_mb'])]
    out = [f"{len(ok)} of {len(rows)} builders pruned at {ratio:g} {where}."]
    if ok:
        out += [f"First prune_filters call: median {times[len(times) // 2]:.1f} s, at most {times[-1]:.1f} s; under 5 s: "
                f"{len(ok) - len(slow)} of {len(ok)}" + (f" (not: {', '.join(slow)})" if slow else '') + '.',
                f"Peak memory above the start, against the model's weights: median {mem[len(mem) // 2]:.2f}x, at most "
                f"{mem[-1]:.2f}x; at most 3x: {len(ok) - len(heavy)} of {len(ok)}" + (f" (not: {', '.join(heavy)})" if heavy else '') + '.']
    if total: out += [f"Peak memory of the model and its pruning together (above the process before the model was built), "
                      f"against the model's own memory (what building it added): median {total[len(total) // 2]:.2f}x, at most {total[-1]:.2f}x; at most 3x: "
                      f"{len(totals) - len(over)} of {len(totals)}" + (f" (not: {', '.join(over)})" if over else '') + '.']
    if profiled: out += [f"Analytic FLOPs of the pruned model equal to the profiler's: {equal} of {len(profiled)} ('equal + grouped': "
                         "once the grouped convolutions' multiply-adds, which the profiler can't see, are added to its count)."]
    if reloaded: out += [f"Saved as .keras and loaded in a fresh process with the same outputs: {len(reloaded)} of "
                         f"{len(ok)} (largest difference {max(float(r['reload_diff']) for r in reloaded):.1e})."]
    return '\n'.join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--size', default='224', help="input side (at least each builder's smallest: 32, 71 or 75), or 'min': "
                   "each builder at its smallest")
    p.add_argument('--ratio', type=float, default=0.3, help='prune_filters ratio (both libraries)')
    p.add_argument('--only', default='', help='comma-separated builders (default: all 40)')
    p.add_argument('--redo', default='', help='comma-separated builders to measure again, replacing their rows')
    p.add_argument('--threads', type=int, default=2, help='TensorFlow (and torch) threads of each worker')
    p.add_argument('--no-profile', action='store_true', help="skip the profiler's FLOPs of the pruned models")
    p.add_argument('--no-reload', action='store_true', help='skip the .keras round trip in a fresh process')
    p.add_argument('--no-torch', action='store_true', help='skip Torch-Pruning')
    p.add_argument('--torch-python', default=os.environ.get('RICE_PRUNE_TORCH_PYTHON', ''),
                   help='python of the torch environment (default: $RICE_PRUNE_TORCH_PYTHON)')
    p.add_argument('--timeout', type=float, default=1800, help='seconds per worker process')
    p.add_argument('--out', default=None, help='CSV file (default: bench/results/zoo/zoo_<size>.csv)')
    p.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    p.add_argument('--torch-worker', default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker: print('ROW ' + json.dumps(keras_worker(args.worker, int(args.size), args.ratio, not args.no_profile, not args.no_reload)), flush=True); return
    if args.torch_worker: print('ROW ' + json.dumps(torch_worker(args.torch_worker, int(args.size), args.ratio)), flush=True); return

    if not 0 < args.ratio < 1: p.error(f"--ratio must be in (0, 1), got {args.ratio}")
    names = list(BUILDERS)
    for option in ('only', 'redo'):
        wanted = [n for n in getattr(args, option).split(',') if n]
        unknown = [n for n in wanted if n not in BUILDERS]
        if unknown: p.error(f"--{option}: unknown builders {unknown} (known: {', '.join(BUILDERS)})")
        if option == 'only' and wanted: names = [n for n in names if n in wanted]
    if args.size != 'min' and not args.size.isdigit(): p.error(f"--size must be a whole number of pixels or 'min', got {args.size!r}")
    side = lambda name: BUILDERS[name] if args.size == 'min' else int(args.size)  # each builder's input side
    small = [n for n in names if side(n) < BUILDERS[n]]
    if small: p.error(f"--size {args.size} is below the smallest input of {', '.join(small)} ({', '.join(str(BUILDERS[n]) for n in small)})")
    torch_python = '' if args.no_torch else args.torch_python
    if not args.no_torch and not torch_python:
        print("note: no torch environment (--torch-python or $RICE_PRUNE_TORCH_PYTHON): Torch-Pruning columns left empty")
    out = Path(args.out or Path(__file__).parent/'results'/'zoo'/f'zoo_{args.size}.csv')
    out.parent.mkdir(parents=True, exist_ok=True)
    redo = set(n for n in args.redo.split(',') if n)
    old = []
    if out.exists():
        with out.open(newline='') as f: old = list(csv.DictReader(f))
        other = [r for r in old if float(r['ratio']) != args.ratio or r['builder'] not in BUILDERS or int(r['size']) != side(r['builder'])]
        if other: p.error(f"{out} holds rows at another ratio or size ({other[0]['builder']}: ratio {other[0]['ratio']}, "
                          f"size {other[0]['size']}): give another --out")
    kept = [r for r in old if r['builder'] not in redo]
    done = {r['builder'] for r in kept}
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS=str(args.threads), TF_NUM_INTEROP_THREADS=str(args.threads),
               TF_CPP_MIN_LOG_LEVEL='3', OMP_NUM_THREADS=str(args.threads))
    here = str(Path(__file__).resolve())
    with out.open('w', newline='') as f:  # the rows kept, then each new one as it finishes (an interrupted run resumes)
        writer = csv.DictWriter(f, COLUMNS, extrasaction='ignore')
        writer.writeheader(); writer.writerows(kept); f.flush()
        todo = [n for n in names if n not in done]
        for k, name in enumerate(todo, 1):
            t = time.perf_counter()
            common = ['--size', str(side(name)), '--ratio', str(args.ratio)]
            row = run([sys.executable, here, '--worker', name, *common] + (['--no-profile'] if args.no_profile else [])
                      + (['--no-reload'] if args.no_reload else []),
                      env, args.timeout, dict(builder=name, size=side(name), ratio=args.ratio, status='crash'))
            if name in TWINS and torch_python:
                row.update(run([torch_python, here, '--torch-worker', TWINS[name], *common], env, args.timeout,
                               dict(torch_model=TWINS[name], torch_status='crash')))
            writer.writerow(row); f.flush()
            print(f"[{k}/{len(todo)}] {name:18s} {time.perf_counter() - t:6.0f} s  {row['status']}"
                  + (f"  prune {row['prune_s']:.1f} s (warm {row['prune_warm_s']:.1f}), peak +{row['peak_extra_mb']:.0f} MB "
                     f"for a {row['model_mb']:.0f} MB model" if row['status'] == 'ok' else f"  {row.get('message', '')}")
                  + (f"  | {row['torch_model']}: {row['torch_status']}" + (f" {row['torch_prune_s']:.1f} s" if row.get('torch_prune_s') else '')
                     if row.get('torch_model') else ''), flush=True)
    with out.open(newline='') as f: rows = list(csv.DictReader(f))
    order = {n: k for k, n in enumerate(BUILDERS)}
    rows.sort(key=lambda r: order.get(r['builder'], len(order)))
    import platform, keras, tensorflow as tf
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
    where = 'each at its smallest input' if args.size == 'min' else f'at {args.size}×{args.size}'
    text = (f"# keras.applications pruned: {len(rows)} builders {where}, ratio {args.ratio:g}\n\n"
            f"Machine: {cpu}, {os.cpu_count()} cores; {args.threads} threads per worker; TensorFlow {tf.__version__}, "
            f"Keras {keras.__version__}. `python bench/bench_zoo.py` (see its docstring for what each column is).\n\n"
            + table(rows) + '\n\n' + summary(rows, where, args.ratio) + '\n')
    out.with_suffix('.md').write_text(text)
    print(text)


if __name__ == '__main__': main()
