"""Pruning for measured speed: does `prune_filters(speedup=)` deliver the speed-up it is asked for, and at what accuracy?

Part 1, delivery (issue 14). For every network (--models: the study's CNN, GoogLeNet light and GoogLeNet, VGG16 from
rice_prune.models with weights=None, keras.applications' MobileNetV2 and ResNet50 with weights=None; random weights,
seed 0; 5 classes; --image-size (64) square RGB inputs), inference path (--paths: 'keras', a tf.function as `predict`
runs it, and 'tflite', TensorFlow Lite's interpreter with XNNPACK), thread count (--threads), batch size (--batches)
and requested speed-up (--targets):
  1. the latency model of the network is built on this machine (`latency_model(net, batch, timer)` with the timer's
     default settings: 7 rounds, 5 warm-up calls, 2 ms per timing; its build time recorded; cached under
     --out-dir/latency_cache, so that a rerun reuses it, reporting the build time of the first measurement);
  2. `prune_filters(net, speedup=target, latency=lm)` (L1, --round-to, max_ratio 0.75) allocates the widths against
     it, times the result (timings of at least 20 ms) and adjusts (up to 5 attempts); its wall time and attempts are
     recorded;
  3. the delivered speed-up is then measured afresh and independently: a new timer of the same path (--verify-rounds
     rounds, timings of at least 20 ms, so that a sub-millisecond call is timed over many calls), after a one-second
     warm-up, times the unpruned and the pruned network side by side in interleaved
     rounds (random order within each round); the speed-up is the median of the per-round ratios, its spread their
     interquartile range (IQR).
A row gives requested, predicted (the latency model's), measured (step 3) and measured / requested (target: >= 0.9 on
every row), the spread, attempts, FLOPs kept, and the seconds spent measuring (latency model, pruning, check). A
target that no widths can reach (prune_filters refuses it: every layer at its fewest filters is still too slow) is a
row marked 'unreachable' with the most the latency model predicts reachable.
Each thread count runs in its own process of this script (`--worker`; TensorFlow's thread pools are fixed for a
process: TF_NUM_INTRAOP_THREADS = TF_NUM_INTEROP_THREADS = threads, and TFLite's num_threads = threads).

Build time (--build-only, or part of a full run): the latency model of the study's GoogLeNet at --build-size (224),
batch 1, Keras path, --build-threads (2) threads, measured afresh (no cache). Target: under 2 minutes on 2 cores
(26.5 s here, with other jobs running).

Part 2, accuracy at equal measured latency, on the frontier set-up of bench_frontier.py: the project's synthetic
rice (1,000 images of each variety, generated once under $RICE_PRUNE_HOME; --acc-image-size 64; one split, seed 0,
--val-split / --test-split 0.1 / 0.6, so every model is tested on the same 3,000 images), --acc-models (cnn,
googlenet_light), --seeds (0, 1, 2). The unpruned network is trained once per seed (Adam, early stopping on the
validation loss, patience 3, at most --epochs; --base-models bench/results/frontier/models takes the frontier's,
trained the same way). It is then pruned four ways, all with the L1 criterion:
  latency   `prune_filters(base, speedup=--acc-target, latency=lm)`, lm its latency model on --acc-path, batch
            --acc-batch, --acc-threads threads: the conditions every speed-up of part 2 holds for;
  uniform   `prune_filters(base, ratio)`, every layer the same ratio: the ratio whose *measured* speed-up is closest
            to the latency-targeted model's, found by measuring: ratios 0.15, 0.3, ... 0.9 timed side by side with
            the unpruned and the latency-targeted model (--verify-rounds rounds), then ratios 0.025 apart around the
            closest, timed again;
  round16   `prune_filters(base, ratio, round_to=--acc-round-to)` (widths multiples of 16), the same search;
  latency16 `prune_filters(base, speedup=--acc-target, latency=lm, round_to=--acc-round-to)`: latency-targeted with
            rounded widths, aiming at the request itself (compared with uniform and with round16).
All four are then timed together once more (2 x --verify-rounds rounds): the speed-ups reported, the first three about
equal by construction. Each is recovered the same way, by distillation from its unpruned network (the frontier's 'distill':
`get_recovery('distill', teacher=base)`, at most --recover-epochs epochs, early stopping, the same seed), and tested
on the same images: accuracy with its Wilson 95 % interval (pooled over seeds), and the paired difference against
uniform pruning (Newcombe's interval over all seeds' image pairs, McNemar's p; each seed's difference beside it).
Target: the latency-targeted model at least as accurate as the uniform one.
The part runs in three passes over all networks and seeds: train, select (the only one that times: on a machine
shared with other work its speed-ups are noise, so --acc-stages select can run it alone on a quiet machine), recover.
Why TFLite, batch 32, 1.5x by default: at 64x64 the Keras path is dominated by per-op overhead, and with max_ratio
0.75 (no layer loses more than 3/4 of its filters) the latency model predicts at most 1.74x (CNN) and 1.21x
(GoogLeNet light) at batch 1, 1.73x for GoogLeNet light even at batch 32; TFLite reaches 2x and 3x on both at batch
32 (part 1). At batch 1 a TFLite call of the CNN lasts about 1 ms, and on this 2-core virtual machine the per-round
ratios then scatter by up to +-30 % even with nothing else running, too much to match latencies within a few per
cent; at batch 32 (about 20 ms a call) by 3-5 %.
A target that can't be reached is listed under the table ("Not compared"), not compared.

Results in --out-dir (bench/results/latency; --quick: bench/results/latency-quick, never the full run's): delivery.csv,
build.csv, accuracy/runs.csv + accuracy/correct.npz (per-image correctness), accuracy/select-*.json (the searches),
models/ (part 2's trained and pruned networks; git-ignored), latency_cache/, latency.md (the tables, the machine, the
conditions) and latency_readme.md (part 1 as the README gives it). Every row is written as it finishes: an interrupted bench resumes where it stopped.

Cost on 2 cores (AMD EPYC, shared). --quick (part 1: cnn and googlenet_light at 32x32, Keras and TFLite, batch 1,
one thread, 2x; the build row at 32x32 on one thread; part 2: cnn only, one seed, 60 images of each variety, 2
training epochs and 1 recovery epoch, TFLite 1.5x) takes about 6 minutes, a rerun half a minute (all cached). The
full run at the defaults: about 3 to 3.5 hours. Part 1 about 1.5 to 2 h: the timing itself is about 200 calls of the
unpruned network per row group (VGG16 at batch 32 takes about 1 s a call at 64x64 on 2 threads, ResNet50 0.5 s), and
the TFLite path converts every layer timed alone (about 0.4 s each: ResNet50 629 and MobileNetV2 533 layer variants,
about 4 minutes per latency model, 4 of them each). The build row under a minute. Part 2 about 1.3 h (6 networks trained,
about 12 min; 18 distillations, about 50 min; the searches about 3 min per network). At --image-size 128 VGG16 takes
about 7 s per batch of 32 on 2 threads and part 1 about 5 hours. --parts runs parts separately.

Usage: python bench/bench_latency.py [--quick] [--models cnn,googlenet_light,googlenet,vgg16,mobilenetv2,resnet50]
           [--paths keras,tflite] [--threads 1,2] [--batches 1,32] [--targets 2,3] [--image-size 64] [--round-to 1]
           [--verify-rounds 11] [--build-only] [--parts delivery,build,accuracy] [--build-size 224]
           [--acc-stages train,select,recover] [--acc-models cnn,googlenet_light] [--seeds 0,1,2] [--acc-image-size 64] [--acc-target 1.5]
           [--acc-path tflite] [--acc-batch 32] [--acc-threads 2] [--epochs 15] [--recover-epochs 10]
           [--base-models DIR] [--out-dir bench/results/latency] [--redo KEYS] [--summary-only]
"""
import argparse, gc, json, os, subprocess, sys, time, warnings
from pathlib import Path

from timing import Stopwatch, markdown_table, pin_tf_threads

NUM_CLASSES = 5
PART1_MODELS = ('cnn', 'cnn_light', 'googlenet', 'googlenet_light', 'vgg16', 'vgg_light', 'mobilenetv2', 'resnet50')
PART2_MODELS = ('cnn', 'cnn_light', 'googlenet', 'googlenet_light')  # trained from scratch with the study's recipe
PATHS = ('keras', 'tflite')
PARTS = ('delivery', 'build', 'accuracy')
VARIANTS = ('latency', 'uniform', 'round16', 'latency16')  # part 2's prunings; 'unpruned' rows: the trained networks
COARSE = [0.15, 0.3, 0.45, 0.6, 0.75, 0.9]  # the uniform ratios tried first; then steps of FINE_STEP around the closest
FINE_STEP = 0.025

QUICK = dict(models='cnn,googlenet_light', image_size=32, batches='1', threads='1', targets='2', verify_rounds=5,
             build_size=32, build_threads=1, acc_models='cnn', seeds='0', per_class=60,
             acc_image_size=64, acc_threads=1, epochs=2, recover_epochs=1, out_dir='bench/results/latency-quick')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--quick', action='store_true', help='a smoke run of a few minutes (small models, inputs, data; '
                   'its own --out-dir); options given explicitly still apply')
    p.add_argument('--parts', default=','.join(PARTS), help=f"comma-separated parts to run: {', '.join(PARTS)}")
    p.add_argument('--build-only', action='store_true', help="only the latency-model build time of GoogLeNet (--parts build)")
    # part 1
    p.add_argument('--models', default='cnn,googlenet_light,googlenet,vgg16,mobilenetv2,resnet50',
                   help=f"part 1's networks: {', '.join(PART1_MODELS)}")
    p.add_argument('--paths', default='keras,tflite', help=f"inference paths: {', '.join(PATHS)}")
    p.add_argument('--threads', default='1,2', help='thread counts (each in its own process)')
    p.add_argument('--batches', default='1,32', help='batch sizes')
    p.add_argument('--targets', default='2,3', help='requested speed-ups (> 1)')
    p.add_argument('--image-size', type=int, default=64, help="part 1's input side (>= 32)")
    p.add_argument('--round-to', type=int, default=1, help="prune_filters' round_to for the latency-targeted prunings")
    p.add_argument('--verify-rounds', type=int, default=11, help='rounds of the independent speed-up measurements')
    # the build row
    p.add_argument('--build-size', type=int, default=224, help="input side of the GoogLeNet whose latency model is timed")
    p.add_argument('--build-threads', type=int, default=2)
    # part 2
    p.add_argument('--acc-stages', default='train,select,recover',
                   help="part 2's passes to run: train (the unpruned networks), select (the prunings at equal "
                        "measured latency: the only pass that times, so run it on a quiet machine), recover (distillation)")
    p.add_argument('--acc-models', default='cnn,googlenet_light', help=f"part 2's networks: {', '.join(PART2_MODELS)}")
    p.add_argument('--seeds', default='0,1,2', help="part 2's seeds (initial weights, training order)")
    p.add_argument('--acc-target', type=float, default=1.5, help="part 2's requested speed-up")
    p.add_argument('--acc-path', default='tflite', choices=PATHS, help="part 2's inference path")
    p.add_argument('--acc-batch', type=int, default=32, help="part 2's batch size for the latency measurements")
    p.add_argument('--acc-threads', type=int, default=2, help="part 2's threads (training and timing)")
    p.add_argument('--acc-round-to', type=int, default=16, help="round_to of the third pruning ('round16')")
    p.add_argument('--acc-image-size', type=int, default=64)
    p.add_argument('--per-class', type=int, default=1000, help='synthetic images of each variety used (at most 1000: '
                   'the frontier\'s set is drawn once with 1000 and a subset taken)')
    p.add_argument('--val-split', type=float, default=0.1)
    p.add_argument('--test-split', type=float, default=0.6)
    p.add_argument('--epochs', type=int, default=15, help='the most training epochs of the unpruned networks')
    p.add_argument('--recover-epochs', type=int, default=10, help='the most epochs of every recovery (the same for all)')
    p.add_argument('--base-models', default='', help="a folder of trained unpruned networks NAME-sSEED.keras to use "
                   "instead of training them, e.g. bench/results/frontier/models (trained with this recipe)")
    p.add_argument('--out-dir', default='bench/results/latency')
    p.add_argument('--redo', default='', help="comma-separated keys of delivery.csv rows to measure again (replacing "
                   "them), e.g. 'cnn|64|tflite|2|1|2' (model|size|path|threads|batch|target) after a disturbed run")
    p.add_argument('--summary-only', action='store_true', help="don't measure anything: summarise the CSV files")
    p.add_argument('--worker', choices=PARTS, help=argparse.SUPPRESS)  # internal: run one part in this process
    p.add_argument('--worker-threads', type=int, help=argparse.SUPPRESS)
    argv = sys.argv[1:] if argv is None else argv
    if '--quick' in argv: p.set_defaults(**QUICK)
    args = p.parse_args(argv)
    check_args(p, args)
    return args


def split(s:str, kind=str) -> list: return [kind(v.strip()) for v in s.split(',') if v.strip()]


def check_args(p, args):
    "Every option checked before anything runs (p.error: a usage line and exit status 2)."
    def listed(option, value, kind, known=None, check=None, what=''):
        try: values = split(value, kind)
        except ValueError: p.error(f"--{option}: {value!r} is not a comma-separated list of {kind.__name__}s")
        if not values: p.error(f"--{option}: empty")
        for v in values:
            if known is not None and v not in known:
                p.error(f"--{option}: unknown {v!r}; choose from {', '.join(known)}")
            if check is not None and not check(v): p.error(f"--{option}: {v!r} {what}")
        if len(set(values)) != len(values): p.error(f"--{option}: {value!r} repeats a value")
        return values
    if args.build_only: args.parts = 'build'
    args.redo = [k for k in args.redo.split(',') if k]
    for k in args.redo:
        parts = k.split('|')
        if len(parts) != 6 or parts[0] not in PART1_MODELS or parts[2] not in PATHS:
            p.error(f"--redo: {k!r} is not a delivery key 'model|size|path|threads|batch|target'")
    args.parts = listed('parts', args.parts, str, PARTS)
    args.models = listed('models', args.models, str, PART1_MODELS)
    args.paths = listed('paths', args.paths, str, PATHS)
    args.threads = listed('threads', args.threads, int, check=lambda v: v >= 1, what='must be >= 1')
    args.batches = listed('batches', args.batches, int, check=lambda v: v >= 1, what='must be >= 1')
    args.targets = listed('targets', args.targets, float, check=lambda v: v > 1, what='must be > 1 (times faster)')
    args.acc_models = listed('acc-models', args.acc_models, str, PART2_MODELS)
    args.acc_stages = listed('acc-stages', args.acc_stages, str, ('train', 'select', 'recover'))
    args.seeds = listed('seeds', args.seeds, int, check=lambda v: v >= 0, what='must be >= 0')
    for option in ('image_size', 'build_size', 'acc_image_size'):
        if getattr(args, option) < 32: p.error(f"--{option.replace('_', '-')} must be at least 32 (MobileNetV2 and "
                                               f"ResNet50's smallest input), got {getattr(args, option)}")
    for option in ('round_to', 'verify_rounds', 'build_threads', 'acc_batch', 'acc_threads', 'acc_round_to', 'epochs',
                   'recover_epochs', 'per_class'):
        if getattr(args, option) < 1: p.error(f"--{option.replace('_', '-')} must be >= 1, got {getattr(args, option)}")
    if args.verify_rounds < 3: p.error(f"--verify-rounds must be >= 3 (an interquartile range), got {args.verify_rounds}")
    if not args.acc_target > 1: p.error(f"--acc-target must be > 1 (times faster), got {args.acc_target}")
    if args.base_models and not Path(args.base_models).is_dir():
        p.error(f"--base-models: no folder {args.base_models!r}")
    if args.per_class > 1000: p.error("--per-class: at most 1000 (the frontier's synthetic set; more would redraw it "
                                      "for every bench sharing it)")
    if not (0 < args.val_split < 1 and 0 < args.test_split < 1 and args.val_split + args.test_split < 1):
        p.error("--val-split and --test-split must be in (0, 1) and leave images to train on")


# --------------------------------------------------------------------------------------------------------------
# Rows kept on disk as they finish
# --------------------------------------------------------------------------------------------------------------
class Rows:
    "A CSV of rows keyed by 'key', rewritten (atomically) after every row: an interrupted bench resumes."
    def __init__(self, path:Path):
        import pandas as pd
        self.path, self.pd = path, pd
        self.rows = pd.read_csv(path).to_dict('records') if path.exists() and path.stat().st_size else []

    @property
    def done(self) -> set: return {r['key'] for r in self.rows}

    def add(self, row:dict):
        self.rows = [r for r in self.rows if r['key'] != row['key']] + [row]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f'.{self.path.name}.tmp')
        self.pd.DataFrame(self.rows).to_csv(tmp, index=False)
        tmp.replace(self.path)

    def frame(self):
        return self.pd.DataFrame(self.rows)


class Correct:
    "Per-image correctness of part 2's models (a .npz keyed like runs.csv), rewritten after every model."
    def __init__(self, path:Path):
        import numpy as np
        self.path, self.np = path, np
        self.data = dict(np.load(path)) if path.exists() else {}

    def add(self, key:str, correct):
        self.data[key] = self.np.asarray(correct, dtype=bool)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name('.correct.tmp.npz')
        self.np.savez_compressed(tmp, **self.data)
        tmp.replace(self.path)


def delivery_key(model, size, path, threads, batch, target) -> str:
    return f'{model}|{size}|{path}|{threads}|{batch}|{target:g}'


# --------------------------------------------------------------------------------------------------------------
# Workers: each runs in a process of its own, its threads fixed
# --------------------------------------------------------------------------------------------------------------
def build_net(name:str, size:int, seed:int=0):
    "Part 1's networks, random weights (seed `seed`), 5 classes; never any download."
    import keras
    from rice_prune.models import build_model
    keras.utils.set_random_seed(seed)
    shape = (size, size, 3)
    if name == 'mobilenetv2': return keras.applications.MobileNetV2(weights=None, input_shape=shape, classes=NUM_CLASSES)
    if name == 'resnet50': return keras.applications.ResNet50(weights=None, input_shape=shape, classes=NUM_CLASSES)
    extra = dict(weights=None) if name in ('vgg16', 'vgg_light') else {}
    return build_model(name, input_shape=shape, num_classes=NUM_CLASSES, **extra)


def make_timer(path:str, threads:int, **settings):
    "A timer of the inference path `path` on `threads` threads; `settings`: rounds, warmup, min_seconds."
    from rice_prune.prune.latency import KerasTimer, TFLiteTimer
    return KerasTimer(**settings) if path == 'keras' else TFLiteTimer(num_threads=threads, **settings)


def speedups(timer, base, models:list, batch:int) -> list:
    "Each of `models` timed side by side with `base` (after a warm-up): (median per-round speed-up, q1, q3, ms) each."
    import numpy as np
    timer.warm(base, batch)
    s = timer.measure([base, *models], batch)
    out = []
    for row in s[1:]:
        q1, med, q3 = np.percentile(s[0] / row, [25, 50, 75])
        out.append(dict(speedup=float(med), q1=float(q1), q3=float(q3), iqr=float(q3 - q1), ms=1000 * float(np.median(row)),
                        base_ms=1000 * float(np.median(s[0])), ratios=' '.join(f'{v:.3f}' for v in s[0] / row)))
    return out




def delivery_worker(args, out:Path, threads:int):
    from rice_prune.cost import count_flops
    from rice_prune.prune import BudgetError, prune_filters
    from rice_prune.prune.latency import latency_model
    from rice_prune.prune.pruner import SEARCH_MIN_SECONDS  # the check times as long as the search does
    rows = Rows(out/'delivery.csv')
    size = args.image_size
    plan = [(m, path, b, t) for m in args.models for path in args.paths for b in args.batches for t in args.targets]
    todo = [x for x in plan if delivery_key(x[0], size, x[1], threads, x[2], x[3]) not in rows.done - set(args.redo)]
    print(f"[delivery, {threads} thread{'s' * (threads > 1)}] {len(todo)} of {len(plan)} rows to measure", flush=True)
    done = 0
    for name in args.models:
        mine = [x for x in todo if x[0] == name]
        if not mine: continue
        net = build_net(name, size)
        flops = count_flops(net)
        for path in args.paths:
            for batch in args.batches:
                targets = [t for m, pa, b, t in mine if pa == path and b == batch]
                if not targets: continue
                with Stopwatch() as sw:
                    lm = latency_model(net, batch_size=batch, timer=make_timer(path, threads), cache=out/'latency_cache',
                                       progress=True)
                print(f"  {name} {size}x{size} {path} batch {batch}: latency model {lm.base_ms:.3g} ms per batch, "
                      f"{'from the cache (built in' if lm.from_cache else 'built in'} {lm.build_seconds:.1f} s"
                      f"{')' if lm.from_cache else ''}", flush=True)
                for target in targets:
                    key = delivery_key(name, size, path, threads, batch, target)
                    row = dict(key=key, model=name, size=size, path=path, threads=threads, batch=batch, requested=target,
                               base_flops=flops, lm_base_ms=lm.base_ms, lm_build_s=lm.build_seconds,
                               lm_cached=lm.from_cache, lm_load_s=sw.wall if lm.from_cache else float('nan'),
                               **{k: v for k, v in lm.conditions.items() if k in ('device', 'tensorflow', 'keras')})
                    t0 = time.perf_counter()
                    try:
                        with warnings.catch_warnings():
                            warnings.filterwarnings('ignore', message='prune_filters: asked for')  # in the row: reached
                            pruned = prune_filters(net, speedup=target, latency=lm, round_to=args.round_to)
                    except BudgetError as e:  # beyond reach, confirmed by timing the slimmest model on this device
                        row.update(status='unreachable', prune_s=time.perf_counter() - t0, message=str(e), most_reachable=e.most)
                        rows.add(row); done += 1
                        print(f"  [{done}/{len(todo)}] {key}: unreachable ({e})", flush=True)
                        continue
                    prune_s = time.perf_counter() - t0
                    report = pruned.budget_report
                    t0 = time.perf_counter()
                    check = speedups(make_timer(path, threads, rounds=args.verify_rounds, min_seconds=SEARCH_MIN_SECONDS),
                                     net, [pruned], batch)[0]
                    verify_s = time.perf_counter() - t0
                    row.update(status='reached' if report['reached'] else 'short', predicted=report['predicted'],
                               measured=check['speedup'], measured_over_requested=check['speedup'] / target,
                               iqr=check['iqr'], q1=check['q1'], q3=check['q3'], base_ms=check['base_ms'],
                               pruned_ms=check['ms'], round_ratios=check['ratios'], prune_measured=report['measured'], prune_noise=report['noise'],
                               attempts=report['attempts'], flops_kept=count_flops(pruned) / flops, prune_s=prune_s,
                               verify_s=verify_s, message='')
                    rows.add(row); done += 1
                    print(f"  [{done}/{len(todo)}] {key}: predicted {report['predicted']:.2f}x, measured "
                          f"{check['speedup']:.2f}x (IQR {check['q1']:.2f}-{check['q3']:.2f}; prune_filters saw "
                          f"{report['measured']:.2f}x in {report['attempts']} attempt{'s' * (report['attempts'] > 1)}), "
                          f"FLOPs kept {100 * row['flops_kept']:.0f} %, prune {prune_s:.1f} s, check {verify_s:.1f} s",
                          flush=True)
                    del pruned; gc.collect()
                del lm; gc.collect()
        del net; gc.collect()


def build_worker(args, out:Path, threads:int):
    from rice_prune.prune.latency import latency_model
    rows = Rows(out/'build.csv')
    key = f'googlenet|{args.build_size}|1|keras|{threads}'
    if key in rows.done:
        print(f"[build] {key}: measured before", flush=True); return
    net = build_net('googlenet', args.build_size)
    print(f"[build] the latency model of GoogLeNet at {args.build_size}x{args.build_size}, batch 1, Keras, {threads} "
          f"thread{'s' * (threads > 1)}, measured afresh", flush=True)
    with Stopwatch() as sw:
        lm = latency_model(net, batch_size=1, timer=make_timer('keras', threads), cache=False, progress=True)
    c = lm.conditions
    rows.add(dict(key=key, model='googlenet', size=args.build_size, batch=1, path='keras', threads=threads,
                  build_s=lm.build_seconds, wall_s=sw.wall, calls_timed=len(lm.calls), base_ms=lm.base_ms,
                  under_2_min=lm.build_seconds < 120, device=c['device'], tensorflow=c['tensorflow'], keras=c['keras']))
    print(f"[build] built in {lm.build_seconds:.1f} s ({len(lm.calls)} layer calls timed; {sw.wall:.1f} s with the "
          f"channel graph): {'under' if lm.build_seconds < 120 else 'OVER'} 2 minutes", flush=True)


def accuracy_worker(args, out:Path, threads:int):
    import numpy as np
    import keras
    from rice_prune.synthetic import make_synthetic_rice
    from rice_prune.data import load_rice, default_data_dir
    from rice_prune.models import build_model
    from rice_prune.train import train
    from rice_prune.cost import count_flops
    from rice_prune.prune import prune_filters
    from rice_prune.prune.latency import latency_model
    from rice_prune.prune.recover import get_recovery

    acc = out/'accuracy'
    rows, correct_store = Rows(acc/'runs.csv'), Correct(acc/'correct.npz')
    done = {k for k in rows.done if k in correct_store.data}
    plan = [(m, s, v) for s in args.seeds for m in args.acc_models for v in ('unpruned', *VARIANTS)]
    todo = [x for x in plan if '|'.join(map(str, x)) not in done]
    print(f"[accuracy] {len(todo)} of {len(plan)} models to train or recover ({threads} thread{'s' * (threads > 1)})",
          flush=True)
    if not todo: return
    # the frontier's synthetic set (drawn once, 1000 of each variety; never redrawn with other settings) or a subset
    root = make_synthetic_rice(default_data_dir()/'synthetic', n_per_class=1000, seed=0)
    data = load_rice(root, img_size=args.acc_image_size, batch_size=32, val_split=args.val_split,
                     test_split=args.test_split, seed=0, cache=True,
                     max_per_class=args.per_class if args.per_class < 1000 else None)
    y_true = np.concatenate([np.asarray(y).argmax(-1) for _, y in data.test])
    print(f"  data: {len(data.train_files)} / {len(data.val_files)} / {len(data.test_files)} images (train / val / "
          f"test), {args.acc_image_size}x{args.acc_image_size}, synthetic rice", flush=True)

    def correct(model):
        probs = np.concatenate([keras.ops.convert_to_numpy(model(x, training=False)) for x, _ in data.test])
        return probs.argmax(-1) == y_true

    def add(key, row, c):
        correct_store.add(key, c); rows.add(dict(key=key, **row, accuracy=float(c.mean()), n_test=len(c)))

    models_dir = out/'models'  # bench/results/*/models/ is git-ignored: networks stay out of the repository
    pairs = [(name, seed) for seed in args.seeds for name in args.acc_models
             if not all('|'.join(map(str, (name, seed, v))) in done for v in ('unpruned', *VARIANTS))]

    def unpruned(name, seed, train_it:bool):
        "The unpruned network of this seed: given (--base-models), trained earlier, or trained now."
        path = models_dir/f'{name}-s{seed}.keras'
        given = Path(args.base_models)/path.name if args.base_models else None
        if given is not None and given.exists(): return keras.models.load_model(given, compile=False)
        if path.exists(): return keras.models.load_model(path, compile=False)
        if not train_it: return None
        keras.utils.set_random_seed(seed)
        model = build_model(name, input_shape=data.input_shape, num_classes=data.num_classes)
        with Stopwatch() as sw: result = train(model, data, epochs=args.epochs, patience=3, progress=True)
        path.parent.mkdir(parents=True, exist_ok=True); result.model.save(path)
        path.with_suffix('.json').write_text(json.dumps(dict(epochs=result.epochs, seconds=sw.wall)))
        return result.model

    def selection(name, seed):
        "The prunings at equal measured latency, as selected earlier: (selection, models); (None, None) if none."
        sel_path = acc/f'select-{name}-s{seed}.json'
        if not sel_path.exists(): return None, None
        sel = json.loads(sel_path.read_text())
        if 'unreachable' in sel: return sel, None
        # a selection made before 'latency16' existed has the first three only (extend() adds the fourth)
        paths = {v: models_dir/f'{name}-s{seed}-{v}.keras' for v in VARIANTS if v in sel['final']}
        if not all(p.exists() for p in paths.values()): return None, None
        return sel, {v: keras.models.load_model(p, compile=False) for v, p in paths.items()}

    # Three passes, so that the one that times (select) can run alone on a quiet machine (--acc-stages select) while
    # training and recovery, which only compute, run whenever
    if 'train' in args.acc_stages:
        for name, seed in pairs:
            key = f'{name}|{seed}|unpruned'
            base = unpruned(name, seed, train_it=True)
            if key not in done:
                add(key, dict(model=name, seed=seed, variant='unpruned', ratio=0.0, flops_kept=1.0, speedup=1.0,
                              accuracy_pruned=float('nan'), epochs=0, seconds=0.0), correct(base))
            del base; gc.collect()
    if 'select' in args.acc_stages:
        for name, seed in pairs:
            sel, pruned = selection(name, seed)
            if sel is not None and (pruned is None or set(pruned) == set(VARIANTS) or 'latency16_unreachable' in sel):
                continue  # kept with the search: a rerun recovers the same ones
            base = unpruned(name, seed, train_it=False)
            if base is None:
                print(f"  {name} seed {seed}: not trained yet (--acc-stages train); not selected", flush=True); continue
            if sel is None: sel, pruned = select(args, base, name, seed, threads, out, prune_filters, latency_model, count_flops)
            else: sel, pruned = extend(args, base, sel, pruned, threads, out, prune_filters, latency_model, count_flops)
            if pruned is not None:
                for v, m in pruned.items(): m.save(models_dir/f'{name}-s{seed}-{v}.keras')
            (acc/f'select-{name}-s{seed}.json').write_text(json.dumps(sel, indent=1))
            del base, pruned; gc.collect()
    if 'recover' in args.acc_stages:
        for name, seed in pairs:
            sel, pruned = selection(name, seed)
            if pruned is None:
                print(f"  {name} seed {seed}: " + ("not selected yet (--acc-stages select)" if sel is None else
                      f"the {args.acc_target:g}x target can't be reached; no comparison"), flush=True)
                continue
            base = unpruned(name, seed, train_it=False)
            base_flops = count_flops(base)
            for v in pruned:
                key = f'{name}|{seed}|{v}'
                if key in done: continue
                model = pruned[v]
                before = correct(model).mean()
                keras.utils.set_random_seed(seed)
                with Stopwatch() as sw:
                    result = get_recovery('distill', teacher=base)(model, data, epochs=args.recover_epochs, progress=True)
                c = correct(model)
                f = sel['final'][v]
                add(key, dict(model=name, seed=seed, variant=v, ratio=sel['ratio'].get(v, float('nan')),
                              flops_kept=count_flops(model) / base_flops, speedup=f['speedup'], speedup_q1=f['q1'],
                              speedup_q3=f['q3'], accuracy_pruned=float(before), epochs=result.epochs, seconds=sw.wall), c)
                print(f"  {name} seed {seed} {v}: speed-up {f['speedup']:.2f}x, accuracy {100 * before:.1f} % pruned, "
                      f"{100 * c.mean():.1f} % after {result.epochs} epoch{'s' * (result.epochs != 1)} of distillation ({sw.wall:.0f} s)", flush=True)
            del base, pruned; gc.collect()


def select(args, base, name, seed, threads, out, prune_filters, latency_model, count_flops):
    "The latency-targeted pruning, and the uniform and rounded ratios whose measured speed-ups are closest to its."
    from rice_prune.prune import BudgetError
    batch, path = args.acc_batch, args.acc_path
    t0 = time.perf_counter()
    lm = latency_model(base, batch_size=batch, timer=make_timer(path, threads), cache=out/'latency_cache', progress=False)
    lm_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings('ignore', message='prune_filters: asked for')
            latency = prune_filters(base, speedup=args.acc_target, latency=lm, round_to=args.round_to)
    except BudgetError as e:
        return dict(model=name, seed=seed, path=path, batch=batch, threads=threads, target=args.acc_target,
                    conditions=lm.conditions, unreachable=str(e), most_reachable=e.most), None
    prune_s = time.perf_counter() - t0
    report = latency.budget_report
    try: latency16, report16 = latency_rounded(args, base, lm, prune_filters)
    except BudgetError as e: latency16, report16 = None, dict(unreachable=str(e))
    timer = make_timer(path, threads, rounds=args.verify_rounds)
    makers = dict(uniform=lambda r: prune_filters(base, r),
                  round16=lambda r: prune_filters(base, r, round_to=args.acc_round_to))
    chosen, ratio, search = {'latency': latency, **({'latency16': latency16} if latency16 is not None else {})}, {}, []
    t0 = time.perf_counter()
    for variant, make in makers.items():
        grid, best = COARSE, None
        for stage in ('coarse', 'fine'):
            models = [make(r) for r in grid]
            got = speedups(timer, base, [latency, *models], batch)
            goal = got[0]['speedup']  # the latency-targeted model's, in these same rounds
            for r, m, g in zip(grid, models, got[1:]):
                search.append(dict(variant=variant, stage=stage, ratio=r, speedup=g['speedup'], latency_speedup=goal,
                                   flops_kept=count_flops(m) / count_flops(base)))
            r_best, g_best = min(zip(grid, got[1:]), key=lambda x: abs(x[1]['speedup'] - goal))
            best = (r_best, g_best['speedup'], goal)
            if stage == 'coarse':  # then every FINE_STEP between the coarse ratios around the crossing (ends included)
                reach = [k for k, g in enumerate(got[1:]) if g['speedup'] >= goal]
                k = reach[0] if reach else len(grid) - 1
                lo, hi = (grid[k - 1] if k else 0.0), grid[k]
                grid = [r for r in (round(lo + FINE_STEP * j, 3) for j in range(round((hi - lo) / FINE_STEP) + 1)) if r > 0]
            del models; gc.collect()
        ratio[variant] = best[0]
        chosen[variant] = make(best[0])
        print(f"  {name} seed {seed}: {variant} ratio {best[0]:g} measured {best[1]:.2f}x against the latency-targeted "
              f"{best[2]:.2f}x", flush=True)
    search_s = time.perf_counter() - t0
    final_timer = make_timer(path, threads, rounds=2 * args.verify_rounds)
    names = [v for v in VARIANTS if v in chosen]
    final = dict(zip(names, speedups(final_timer, base, [chosen[v] for v in names], batch)))
    print(f"  {name} seed {seed}: measured together: " + ', '.join(f"{v} {f['speedup']:.2f}x" for v, f in final.items()),
          flush=True)
    sel = dict(model=name, seed=seed, path=path, batch=batch, threads=threads, target=args.acc_target,
               conditions=lm.conditions, lm_build_s=lm.build_seconds, lm_s=lm_s, prune_s=prune_s, search_s=search_s,
               budget_report=brief(report), budget_report_latency16=brief(report16),
               ratio=ratio, final=final, search=search)
    if latency16 is None: sel['latency16_unreachable'] = report16['unreachable']
    return plain(sel), chosen


def brief(report:dict) -> dict: return {k: v for k, v in report.items() if k not in ('history', 'conditions')}
def plain(d:dict) -> dict: return json.loads(json.dumps(d, default=lambda o: o.item() if hasattr(o, 'item') else str(o)))


def latency_rounded(args, base, lm, prune_filters):
    "The latency-targeted pruning with widths rounded to --acc-round-to ('latency16'), and its budget report."
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='prune_filters: asked for')
        model = prune_filters(base, speedup=args.acc_target, latency=lm, round_to=args.acc_round_to)
    return model, model.budget_report


def extend(args, base, sel, chosen, threads, out, prune_filters, latency_model, count_flops):
    """Add 'latency16' to a selection made before it existed, then time all four prunings together again: the new
    pruning's speed-up comes from that timing, the other three keep the speed-ups they were selected and recovered
    with (the new timing of all four is kept beside them, as 'retimed')."""
    from rice_prune.prune import BudgetError
    batch, path = sel['batch'], sel['path']
    lm = latency_model(base, batch_size=batch, timer=make_timer(path, threads), cache=out/'latency_cache', progress=False)
    t0 = time.perf_counter()
    try: latency16, report16 = latency_rounded(args, base, lm, prune_filters)
    except BudgetError as e:  # rounding can make the target unreachable where the unrounded search reached it
        return plain(dict(sel, latency16_unreachable=str(e))), chosen
    prune_s = time.perf_counter() - t0
    chosen = dict(chosen, latency16=latency16)
    final_timer = make_timer(path, threads, rounds=2 * args.verify_rounds)
    retimed = dict(zip(VARIANTS, speedups(final_timer, base, [chosen[v] for v in VARIANTS], batch)))
    print(f"  {sel['model']} seed {sel['seed']}: measured together again: "
          + ', '.join(f"{v} {f['speedup']:.2f}x" for v, f in retimed.items()), flush=True)
    final = dict(sel['final'], latency16=retimed['latency16'])
    return plain(dict(sel, final=final, retimed=retimed, budget_report_latency16=brief(report16),
                      prune_latency16_s=prune_s)), chosen


# --------------------------------------------------------------------------------------------------------------
# The parent: one worker process per part and thread count, then the tables
# --------------------------------------------------------------------------------------------------------------
def run_worker(part:str, threads:int) -> int:
    env = dict(os.environ, TF_NUM_INTRAOP_THREADS=str(threads), TF_NUM_INTEROP_THREADS=str(threads))
    env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    cmd = [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:], '--worker', part, '--worker-threads', str(threads)]
    return subprocess.run(cmd, env=env).returncode


def fmt_num(v, digits=2) -> str:
    return '' if v is None or v != v else f'{v:.{digits}f}'


def column(df, name):
    "A column of `df`, or NaN for every row if no row has it (e.g. no target was reachable)."
    import numpy as np, pandas as pd
    return df[name] if name in df else pd.Series(np.nan, index=df.index)


NAMES = dict(cnn='CNN', cnn_light='CNN light', googlenet='GoogLeNet', googlenet_light='GoogLeNet light', vgg16='VGG16',
             vgg_light='VGG light', mobilenetv2='MobileNetV2', resnet50='ResNet50')


def readme_table(d) -> str:
    "Part 1 for the README: one row per network, path, threads and batch; a column per requested speed-up."
    import pandas as pd
    order = {m: i for i, m in enumerate(PART1_MODELS)}
    d = d.sort_values(['model', 'path', 'threads', 'batch', 'requested'], kind='stable',
                      key=lambda s: s.map(order) if s.name == 'model' else s)
    def cell(r):
        if r.status == 'unreachable':
            return '–' + (f' (≤ {r.most_reachable:.2f})' if r.most_reachable == r.most_reachable else '')
        return f'{r.measured:.2f} [{r.q1:.2f}–{r.q3:.2f}]'
    rows = {}
    for r in d.assign(most_reachable=column(d, 'most_reachable')).itertuples():
        row = rows.setdefault((r.model, r.path, r.threads, r.batch), {
            'network': NAMES.get(r.model, r.model), 'path': r.path, 'threads': r.threads, 'batch': r.batch})
        row[f'asked {r.requested:g}×'] = cell(r)
    return markdown_table(pd.DataFrame(list(rows.values())).fillna('not run'))


def summarise(args, out:Path) -> str:
    import numpy as np, pandas as pd
    lines = []
    quick = args.quick
    title = '# Pruning for measured speed: delivery and accuracy at equal latency'
    lines += [title + (' — SMOKE RUN (--quick)' if quick else ''), '']
    if quick:
        lines += ['**Smoke run** (`--quick`): small models and inputs, one thread count, tiny data and training; it checks '
                  'that the bench runs end to end. Its numbers are not results.', '']
    frames = {n: Rows(out/f).frame() for n, f in (('delivery', 'delivery.csv'), ('build', 'build.csv'),
                                                  ('accuracy', 'accuracy/runs.csv'))}
    devices = sorted({d for f in frames.values() if 'device' in f for d in f.device.dropna()})
    sel_files = sorted((out/'accuracy').glob('select-*.json'))
    sels = [json.loads(p.read_text()) for p in sel_files]
    devices = sorted(set(devices) | {s['conditions']['device'] for s in sels})
    versions = sorted({(r.tensorflow, r.keras) for f in frames.values() if 'tensorflow' in f for r in f.itertuples()}
                      | {(s['conditions']['tensorflow'], s['conditions']['keras']) for s in sels})
    lines += [f"Machine: {'; '.join(devices) or 'unknown (nothing measured yet)'}. "
              + ' '.join(f"TensorFlow {tf}, Keras {k}." for tf, k in versions), '']

    d = frames['delivery']
    lines += ['## Part 1: requested against measured speed-up', '']
    if len(d):
        d = d.sort_values(['model', 'path', 'threads', 'batch', 'requested'], kind='stable')
        ok = d[d.status != 'unreachable']
        table = pd.DataFrame({
            'model': d.model, 'input': [f'{s}×{s}' for s in d['size']], 'path': d.path, 'threads': d.threads,
            'batch': d.batch, 'requested': [f'{v:g}×' for v in d.requested],
            'predicted': [fmt_num(v) for v in column(d, 'predicted')],
            'measured [IQR]': ['unreachable' + (f" (at most {r.most_reachable:.2f}×, measured)" if r.most_reachable == r.most_reachable else '')
                               if r.status == 'unreachable' else f'{r.measured:.2f} [{r.q1:.2f}, {r.q3:.2f}]'
                               for r in d.assign(most_reachable=column(d, 'most_reachable')).itertuples()],
            'measured / requested': [fmt_num(v) for v in column(d, 'measured_over_requested')],
            'attempts': ['' if v != v else f'{int(v)}' for v in column(d, 'attempts')],
            'FLOPs kept': ['' if v != v else f'{100 * v:.0f} %' for v in column(d, 'flops_kept')],
            'latency model s': [f"{r.lm_build_s:.0f}{' (cached)' if r.lm_cached else ''}" for r in d.itertuples()],
            'prune s': [fmt_num(v, 1) for v in d.prune_s], 'check s': [fmt_num(v, 1) for v in column(d, 'verify_s')]})
        lines += [markdown_table(table), '']
        hits = (ok.measured_over_requested >= 0.9) if len(ok) else pd.Series(dtype=bool)
        lines += [f"Measured speed-up >= 0.9 × requested on {int(hits.sum())} of {len(ok)} reachable rows"
                  + (f" (worst {ok.measured_over_requested.min():.2f}: {ok.loc[ok.measured_over_requested.idxmin(), 'key']})"
                     if len(ok) else '') + f"; {int((d.status == 'unreachable').sum())} targets unreachable; "
                  f"{int((ok.status == 'short').sum()) if len(ok) else 0} rows where prune_filters itself reported falling "
                  "short. Spread: the interquartile range of the per-round ratios.", '']
        built = d.drop_duplicates(['model', 'size', 'path', 'threads', 'batch'])
        lines += [f"Time spent measuring: latency models {built.lm_build_s.sum() / 60:.1f} min (as first built; "
                  f"{int(built.lm_cached.sum())} of {len(built)} read from the cache in this table's last run), "
                  f"prune_filters {d.prune_s.sum() / 60:.1f} min, independent checks "
                  f"{column(d, 'verify_s').sum() / 60:.1f} min.", '']
        lines += ["Conditions: latency models with the timers' defaults (7 interleaved rounds, 5 warm-up calls, "
                  "timings of at least 2 ms), prune_filters' own checks the same with timings of at least 20 ms; the "
                  f"independent check {args.verify_rounds} rounds of timings of at least 20 ms after a 1 s warm-up; L1 criterion, "
                  f"round_to={args.round_to}, max_ratio 0.75; random weights (seed 0). Keras: tf.function; TFLite: "
                  "XNNPACK with num_threads = threads.", '']
    else: lines += ['(no rows yet)', '']

    b = frames['build']
    lines += ['## Building the latency model of GoogLeNet', '']
    if len(b):
        lines += [markdown_table(pd.DataFrame({
            'model': b.model, 'input': [f'{s}×{s}' for s in b['size']], 'batch': b.batch, 'path': b.path,
            'threads': b.threads, 'layer calls timed': b.calls_timed, 'unpruned ms': [fmt_num(v) for v in b.base_ms],
            'build s': [fmt_num(v, 1) for v in b.build_s],
            'under 2 min': ['yes' if v else 'NO' for v in b.under_2_min]})), '']
    else: lines += ['(no rows yet)', '']

    a = frames['accuracy']
    lines += ['## Part 2: accuracy at equal measured latency', '']
    correct = Correct(out/'accuracy'/'correct.npz').data
    if len(a):
        from rice_prune.intervals import accuracy_estimate, paired_difference
        rows = []
        for (model, variant), g in a.groupby(['model', 'variant'], sort=False):
            seeds = [s for s in g.seed if g.set_index('seed').loc[s, 'key'] in correct]
            if not seeds: continue
            c = np.concatenate([correct[g.set_index('seed').loc[s, 'key']] for s in seeds])
            est = accuracy_estimate(c)
            row = {'model': model, 'pruning': variant, 'seeds': len(seeds),
                   'ratio': '' if variant in ('unpruned', 'latency', 'latency16') else ', '.join(f'{v:g}' for v in g.ratio),
                   'measured speed-up': ', '.join(f'{v:.2f}' for v in g.speedup),
                   'FLOPs kept': f'{100 * g.flops_kept.mean():.0f} %',
                   'accuracy % [95 % CI]': f'{100 * est.accuracy:.2f} [{100 * est.low:.2f}, {100 * est.high:.2f}]'}
            # paired against uniform pruning; 'latency16' also against 'round16', the uniform pruning rounded alike
            for other in ('uniform', 'round16') if variant == 'latency16' else ('uniform',):
                ref = a[(a.model == model) & (a.variant == other)].set_index('seed')
                both = [s for s in seeds if s in ref.index and ref.loc[s, 'key'] in correct]
                if variant in ('uniform', 'unpruned', other) or not both: continue
                cu = np.concatenate([correct[ref.loc[s, 'key']] for s in both])
                cv = np.concatenate([correct[g.set_index('seed').loc[s, 'key']] for s in both])
                diff = paired_difference(cu, cv)
                per_seed = [100 * (correct[g.set_index('seed').loc[s, 'key']].mean() - correct[ref.loc[s, 'key']].mean())
                            for s in both]
                ci = f'{100 * diff.difference:+.2f} [{100 * diff.low:+.2f}, {100 * diff.high:+.2f}]'.replace('-', '−')
                if other == 'uniform':
                    row['vs uniform (points) [95 % CI]'] = ci
                    row['McNemar p'] = f'{diff.p_value:.3g}'
                    row["seeds' differences"] = ', '.join(f'{v:+.2f}'.replace('-', '−') for v in per_seed)
                else: row['vs round16 (points) [95 % CI]'] = ci + f' (p {diff.p_value:.3g})'
            rows.append(row)
        t = pd.DataFrame(rows)
        order = {v: k for k, v in enumerate(('unpruned', *VARIANTS))}
        t = t.sort_values(['model', 'pruning'], key=lambda s: s.map(order) if s.name == 'pruning' else s, kind='stable')
        lines += [markdown_table(t.fillna('')), '']
        verdicts = [f"{r['model']} {'yes' if not r['vs uniform (points) [95 % CI]'].startswith('−') else 'NO'} "
                    f"({r['vs uniform (points) [95 % CI]'].split(' ')[0]} points)"
                    for r in rows if r['pruning'] == 'latency' and r.get('vs uniform (points) [95 % CI]')]
        if verdicts:
            lines += ["Target, the latency-targeted model at least as accurate as uniform pruning at equal measured "
                      f"latency (point estimate): {'; '.join(verdicts)}.", '']
        n_test = int(a.n_test.iloc[0])
        lines += [f"Each accuracy on the same {n_test:,} test images per seed (pooled over seeds, Wilson interval); the "
                  "difference against uniform pruning paired image by image (Newcombe's interval over all seeds' pairs). "
                  "Measured speed-ups: one per seed, the prunings timed together after the search. 'latency16' is "
                  "the latency-targeted pruning with widths rounded like 'round16': it aims at the requested speed-up "
                  "itself rather than at the latency-targeted model's measured one"
                  + (" (where it was added to an earlier selection, its speed-up comes from timing all four again in "
                     "a later session: the selection files keep that timing as 'retimed')"
                     if any('retimed' in s for s in sels) else '') + '.', '']
        sels_ok = [s for s in sels if 'unreachable' not in s]
        if sels_ok:
            s0 = sels_ok[0]
            lines += [f"Conditions: {s0['path']} path, batch {s0['batch']}, {s0['threads']} thread"
                      f"{'s' * (s0['threads'] > 1)}; latency-targeted at {s0['target']:g}× (prune_filters measured "
                      + ', '.join(f"{s['model']} s{s['seed']}: {s['budget_report']['measured']:.2f}×"
                                  + (f" ({s['budget_report_latency16']['measured']:.2f}× rounded)"
                                     if 'measured' in s.get('budget_report_latency16', {}) else '') for s in sels_ok)
                      + f"); '{VARIANTS[2]}' rounds to {args.acc_round_to}; recovery: distillation from the unpruned "
                      f"network, at most {args.recover_epochs} epoch{'s' * (args.recover_epochs != 1)} (early stopping), the same seed; training at most "
                      f"{args.epochs} epochs; {args.acc_image_size}×{args.acc_image_size} synthetic rice, "
                      f"{args.per_class} images of each variety. Search time (ratios measured): "
                      f"{sum(s['search_s'] for s in sels_ok) / 60:.1f} min.", '']
    else: lines += ['(no rows yet)', '']
    for s in sels:
        if 'unreachable' in s:
            lines += [f"Not compared: {s['model']} seed {s['seed']}: {s['target']:g}× can't be reached on {s['path']}, batch "
                      f"{s['batch']}, {s['threads']} threads (at most "
                      + (f"{s['most_reachable']:.2f}×" if s.get('most_reachable') else 'less') + " with every layer at its fewest filters, measured).", '']
    return '\n'.join(lines)


def main():
    args = parse_args()
    if args.worker:
        threads = args.worker_threads
        pin_tf_threads(threads)  # before TensorFlow is imported (the parent set them in the environment too)
        out = Path(args.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        {'delivery': delivery_worker, 'build': build_worker, 'accuracy': accuracy_worker}[args.worker](args, out, threads)
        return
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started, failed = time.time(), []
    if args.quick: print(f"SMOKE RUN (--quick): small models and data, results in {out} (not a benchmark)", flush=True)
    if not args.summary_only:
        jobs = ([('delivery', t) for t in args.threads] if 'delivery' in args.parts else []) \
             + ([('build', args.build_threads)] if 'build' in args.parts else []) \
             + ([('accuracy', args.acc_threads)] if 'accuracy' in args.parts else [])
        for part, threads in jobs:
            with Stopwatch() as sw: rc = run_worker(part, threads)
            print(f"== {part} on {threads} thread{'s' * (threads > 1)}: {'done' if rc == 0 else f'FAILED (exit {rc})'} "
                  f"in {sw.wall / 60:.1f} min", flush=True)
            if rc: failed.append(f'{part} ({threads} threads)')
    text = summarise(args, out)
    text += f"\nThis invocation: {(time.time() - started) / 60:.1f} min" + (f"; failed: {', '.join(failed)}" if failed else '') + '\n'
    (out/'latency.md').write_text(text)
    delivery = Rows(out/'delivery.csv').frame()
    if len(delivery): (out/'latency_readme.md').write_text(readme_table(delivery) + '\n')
    print(text)
    print(f"written: {out/'latency.md'}, {out/'latency_readme.md'} (part 1 for the README), {out/'delivery.csv'}, "
          f"{out/'build.csv'}, {out/'accuracy'/'runs.csv'}")
    if failed: sys.exit(1)


if __name__ == '__main__':
    main()
