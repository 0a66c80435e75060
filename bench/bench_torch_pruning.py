"""rice_prune against Torch-Pruning on the same architectures, side by side in one run.

The study's VGG16 (keras.applications.VGG16 include_top=False + GAP -> Dense 512 relu -> Dropout -> Dense 5
softmax), the study's CNN (3 x [conv 3x3 same relu -> max-pool 2] with 32/64/128 filters -> Flatten ->
Dense 128 relu -> Dense 5 softmax) and, with --models, the study's GoogLeNet (nine Inception modules: concat
coupling), 224x224x3 inputs, are built in Keras with rice_prune.models (random weights; biases drawn at random
too, so that every filter is recognisable by its bias), and the very same weights are copied into the same
architecture written in PyTorch (the PyTorch twins: bench/torch_twins.py). Each is pruned at the same ratios,
uniformly layer by layer (not global), the final classifier left alone:

- rice_prune:    prune_filters(model, ratio, criterion='l1', round_to=R, rounding='down', include_dense=True)
- Torch-Pruning: tp.pruner.MetaPruner(model, example_inputs, importance=tp.importance.MagnitudeImportance(p=1,
                 group_reduction='first', normalizer=None), pruning_ratio=ratio, global_pruning=False,
                 ignored_layers=[classifier], round_to=R if R > 1 else None)
  group_reduction='first' is Torch-Pruning's "standard L1-norm of the first layer in a group", i.e. Li et al.'s
  criterion (L1 norm of each filter's kernel, bias excluded), which is what rice_prune's 'l1' computes. (Its
  default, group_reduction='mean', also adds the L1 norms of the next layer's input slices: the same number of
  filters go, but not always the same ones.) Both keep int(C * (1 - ratio)) filters of a C-filter layer, then
  round that down to a multiple of R (see ROUNDING below).

What is printed:
(1) size: parameters and FLOPs per image after pruning for both; whether every layer has the same width and
    kept the very same filters; the largest difference between the Keras and the torch model's softmax
    outputs on the same images (so equal counts are no coincidence: both libraries produce the same network);
    and the seconds each library takes to prune.
(2) speed: inference time of the unpruned and pruned models in each framework, batch 1 and 32, CPU, the same
    number of threads in both (TF intra-op = inter-op = --threads; torch.set_num_threads(--threads),
    set_num_interop_threads(1)); each figure is the median (--stat) of --runs-1 / --runs-32 timed rounds after
    two warm-up calls. The rounds are interleaved: each times every Keras variant, then every torch variant
    (reversed on odd rounds), so that both frameworks and all variants meet the same background load. Speed-up
    efficiency = (time unpruned / time pruned) / (FLOPs unpruned / FLOPs pruned); target: ours >= Torch-Pruning's.
    With --round-to 1 (the default) the Keras rounds also time prune_filters(model, ratio, round_to=16) -- rice_prune's
    hardware-friendly widths, rounded up or down so the model keeps about as many filters as the ratio asks; a
    different network from Torch-Pruning's, charged its own FLOPs -- reported as the column 'ours r16'.

Since both libraries produce the same network, (2) compares how TensorFlow and PyTorch turn fewer FLOPs into
less time, not two pruners. Efficiencies below 1 come from work the FLOPs leave out or count at a flat rate
(relu, max-pool and memory traffic shrink with the channels, convolution FLOPs with their square); above 1, from
kernels that run the original widths slowly: e.g. TensorFlow ran VGG16 at batch 1 here ~1.2x faster after
removing just 1 % of its filters (2.6 % of the FLOPs), so there any pruning looks better than linear.

ONE FLOPs counter serves both: `spec_flops` below, applied to a framework-neutral list of layers read off each
model (Keras: the layers' kernels and output shapes; PyTorch: the modules' shapes seen by forward hooks). It
counts as TensorFlow's profiler does, and equals rice_prune.cost.count_flops on every Keras model (checked and
printed): conv 2*Cin*Kh*Kw*Hout*Wout*Cout + Hout*Wout*Cout (bias), dense 2*In*Out + Out, max-pool Kh*Kw per
output element, global average pool one per input element, softmax 5 per element; relu, flatten, dropout,
concatenation and padding 0. Parameters: Keras count_params, torch sum of numel() and the specs' own count, all
compared.

ROUNDING: Torch-Pruning removes C - int(C * (1 - ratio)) channels of a C-channel group (int() truncates),
rice_prune keeps floor(C * (1 - ratio) + 1e-9). They agree except where C * (1 - ratio) lands a hair below a
whole number in floating point, e.g. C=10, ratio=0.8: 10 * (1 - 0.8) = 1.9999999999999996, Torch-Pruning keeps
1 filter, rice_prune 2. For ratios 0.05 / 0.1 / 0.2 no C up to 4096 is affected. round_to (both): the kept
count rounded down to a multiple of R (rice_prune never below min_filters; the script passes rounding='down',
since rice_prune's default rounds each layer up or down to keep the model's total near the ratio).

Keras (TensorFlow) and PyTorch live in separate environments: the script runs the Keras side itself and the
torch side as a long-lived subprocess of another interpreter (--torch-python), the two exchanging an .npz of
weights through a temporary directory and JSON lines through a pipe. Setup and a run:

    python3 -m venv torchenv
    torchenv/bin/pip install -r bench/requirements-torch.txt   # CPU-only torch + torch-pruning (+ numpy)
    python bench/bench_torch_pruning.py --torch-python torchenv/bin/python

where `python` is the project's environment (tensorflow, keras, rice_prune). If torch and torch_pruning are
importable in that same environment, --torch-python can be left out (the torch side still runs in its own
process); the environment variable RICE_PRUNE_TORCH_PYTHON can stand in for it. Takes about 10 minutes at the
defaults on one thread (VGG16 at batch 32 dominates); --skip-speed compares sizes only (about a minute).

Usage: python bench/bench_torch_pruning.py [--torch-python PATH] [--models vgg16,cnn,googlenet] [--size 224]
           [--ratios 0.05,0.1,0.2] [--round-to 1] [--runs-1 10] [--runs-32 3] [--threads 1] [--stat median|min]
           [--skip-speed]
"""
import argparse, json, math, os, shutil, statistics, subprocess, sys, tempfile

import numpy as np

from timing import one_round, pin_tf_threads, rounds, spread, stat, timed
from torch_twins import (CLASSIFIER, GOOGLENET_MODULES, GOOGLENET_STEM, MODEL_NAMES, keras_producers, leaf_modules,
                         torch_state, twin)

# --------------------------------------------------------------------------------------------------------------
# The one FLOPs / parameter counter, on framework-neutral layer specs (one dict per layer, per image)
# --------------------------------------------------------------------------------------------------------------
SOFTMAX_FLOPS = 5  # per element, as TensorFlow's profiler (and rice_prune.cost) count a softmax


def spec_flops(spec: list) -> int:
    "FLOPs of one image through the layers in `spec`, counted the way TensorFlow's profiler does."
    total = 0
    for s in spec:
        op = s['op']
        if op == 'conv':
            out = s['hout'] * s['wout'] * s['cout']
            total += 2 * s['cin'] * s['kh'] * s['kw'] * out + (out if s['bias'] else 0)
        elif op == 'dense': total += 2 * s['in'] * s['out'] + (s['out'] if s['bias'] else 0)
        elif op == 'maxpool': total += s['kh'] * s['kw'] * s['out']
        elif op == 'gap': total += s['in']
        elif op == 'softmax': total += SOFTMAX_FLOPS * s['n']
        elif op == 'free': pass  # relu, flatten, dropout (inference), concatenation, padding: not counted
        else: raise ValueError(f"spec_flops: unknown op {op!r} in {s}")
    return total


def spec_params(spec: list) -> int:
    "Parameters of the layers in `spec`."
    total = 0
    for s in spec:
        if s['op'] == 'conv': total += s['cin'] * s['kh'] * s['kw'] * s['cout'] + (s['cout'] if s['bias'] else 0)
        elif s['op'] == 'dense': total += s['in'] * s['out'] + (s['out'] if s['bias'] else 0)
    return total


def spec_widths(spec: list) -> dict:
    "Output channels / units of every producer layer, by name."
    return {s['name']: s['cout'] if s['op'] == 'conv' else s['out'] for s in spec if s['op'] in ('conv', 'dense')}


def kept_by_bias(original_bias: dict, pruned_bias: dict) -> dict:
    "Indices of the original filters each pruned layer kept, found by their (random, distinct) bias values."
    kept = {}
    for name, bias in pruned_bias.items():
        where = {float(v): i for i, v in enumerate(np.asarray(original_bias[name], dtype=np.float32))}
        kept[name] = sorted(where[float(v)] for v in np.asarray(bias, dtype=np.float32))
    return kept


# --------------------------------------------------------------------------------------------------------------
# PyTorch side (runs in the torch environment: numpy, torch, torch_pruning; never imports TensorFlow)
# --------------------------------------------------------------------------------------------------------------
def torch_spec(model, size: int) -> list:
    """Framework-neutral layer specs of a torch model, shapes taken by forward hooks on one image (the ops inside
    forward() that aren't modules -- torch.relu, torch.cat -- cost nothing by the profiler's rules)."""
    import torch
    from torch import nn
    seen, hooks = [], []
    for name, module in leaf_modules(model):
        hooks.append(module.register_forward_hook(
            lambda m, i, o, name=name: seen.append((name, m, tuple(i[0].shape), tuple(o.shape)))))
    with torch.inference_mode(): model(torch.zeros(1, 3, size, size))
    for h in hooks: h.remove()
    spec = []
    for name, m, ins, outs in seen:
        if isinstance(m, nn.Conv2d):
            if m.groups != 1: raise ValueError(f"torch_spec: grouped conv {name} not counted here")
            spec.append(dict(name=name, op='conv', cin=m.in_channels, cout=m.out_channels, kh=m.kernel_size[0],
                             kw=m.kernel_size[1], hout=outs[2], wout=outs[3], bias=m.bias is not None))
        elif isinstance(m, nn.Linear):
            spec.append(dict(name=name, op='dense', **{'in': m.in_features}, out=m.out_features, bias=m.bias is not None))
        elif isinstance(m, nn.MaxPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
            spec.append(dict(name=name, op='maxpool', kh=k[0], kw=k[1], out=math.prod(outs[1:])))
        elif isinstance(m, nn.AdaptiveAvgPool2d) and m.output_size in (1, (1, 1)):
            spec.append(dict(name=name, op='gap', **{'in': math.prod(ins[1:])}))
        elif isinstance(m, nn.Softmax): spec.append(dict(name=name, op='softmax', n=math.prod(outs[1:])))
        elif isinstance(m, (nn.ReLU, nn.Flatten, nn.Dropout, nn.ZeroPad2d, nn.ConstantPad2d)):
            spec.append(dict(name=name, op='free'))  # padding: TF pads inside the conv / pool op, at no count
        else: raise ValueError(f"torch_spec: no FLOPs rule for module {name} ({type(m).__name__})")
    return spec


def worker_protocol(job_path: str) -> tuple:
    """In a torch worker: `send` (one JSON line to the driver on the real stdout; anything else printed goes to
    stderr) and the job read from `job_path`, with torch's threads set as the job says."""
    import torch
    protocol = os.fdopen(os.dup(1), 'w')  # our answers go to the real stdout ...
    os.dup2(2, 1)                          # ... anything else printed here (libraries) goes to stderr
    def send(obj): protocol.write(json.dumps(obj) + '\n'); protocol.flush()
    with open(job_path) as f: job = json.load(f)
    torch.set_num_threads(job['threads'])
    torch.set_num_interop_threads(1)
    return send, job


def torch_worker(job_path: str):
    """The torch side, a long-lived process: build each model in torch with the Keras weights, prune it with
    Torch-Pruning at each ratio and send their sizes; then answer timing requests, one JSON line each way."""
    import copy
    import torch
    import torch_pruning as tp
    from importlib.metadata import version
    send, job = worker_protocol(job_path)
    weights = np.load(job['weights'])
    size, variants, sizes = job['size'], {}, {}
    for name in job['models']:
        model = twin(name, size, weights)
        images = torch.from_numpy(weights[f'{name}/_images'])  # NCHW
        example = torch.zeros(1, 3, size, size)

        def describe(m, ratio, prune_seconds=None):
            with torch.inference_mode(): probs = m(images).numpy()
            return dict(ratio=ratio, spec=torch_spec(m, size), params=int(sum(p.numel() for p in m.parameters())),
                        prune_seconds=prune_seconds, probs=probs.tolist(),
                        bias={n: mod.bias.detach().numpy().tolist() for n, mod in leaf_modules(m)
                              if getattr(mod, 'bias', None) is not None})

        variants[name], sizes[name] = [model], [describe(model, 0.0)]
        for ratio in job['ratios']:
            pruned = copy.deepcopy(model)

            def prune():
                tp.pruner.MetaPruner(
                    pruned, example,
                    importance=tp.importance.MagnitudeImportance(p=1, group_reduction='first', normalizer=None),
                    pruning_ratio=ratio, global_pruning=False, ignored_layers=[pruned.get_submodule(CLASSIFIER)],
                    round_to=job['round_to'] if job['round_to'] > 1 else None).step()
            seconds = timed(prune).wall
            pruned.eval()
            variants[name].append(pruned)
            sizes[name].append(describe(pruned, ratio, seconds))
    send(dict(torch=torch.__version__, torch_pruning=version('torch-pruning'), models=sizes))
    inputs = {}
    with torch.inference_mode():
        for line in sys.stdin:
            request = json.loads(line)
            if request['cmd'] == 'quit': break
            name, batch = request['model'], request['batch']
            if (name, batch) not in inputs:
                inputs[name, batch] = torch.rand(batch, 3, size, size, generator=torch.Generator().manual_seed(0))
            x = inputs[name, batch]
            forwards = [lambda m=m: m(x) for m in variants[name]]
            if request['cmd'] == 'warmup':
                for f in forwards: f(); f()
                send(dict(ok=True))
            else: send(dict(seconds=one_round(forwards)))


class TorchSide:
    "The torch worker process, seen from the Keras side."
    def __init__(self, torch_python: str, job: dict, workdir: str):
        job_path = os.path.join(workdir, 'job.json')
        with open(job_path, 'w') as f: json.dump(job, f)
        env = dict(os.environ, OMP_NUM_THREADS=str(job['threads']), MKL_NUM_THREADS=str(job['threads']))
        self.process = subprocess.Popen([torch_python, os.path.abspath(__file__), '--torch-worker', job_path],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.sizes = self._receive()

    def _receive(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"the torch side failed (exit code {self.process.wait()}); see its messages above")
        return json.loads(line)

    def ask(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + '\n'); self.process.stdin.flush()
        return self._receive()

    def close(self):
        self.process.stdin.write(json.dumps(dict(cmd='quit')) + '\n'); self.process.stdin.close()
        self.process.wait()


# --------------------------------------------------------------------------------------------------------------
# Keras side (the project's environment: tensorflow, keras, rice_prune)
# --------------------------------------------------------------------------------------------------------------
def keras_spec(model) -> list:
    "Framework-neutral layer specs of a chain-shaped Keras model (per image)."
    from keras import layers as L

    def activation(layer):
        act = getattr(layer.activation, '__name__', str(layer.activation))
        if act in ('linear', 'relu'): return []
        if act == 'softmax': return [dict(name=layer.name + '_softmax', op='softmax', n=math.prod(layer.output.shape[1:]))]
        raise ValueError(f"keras_spec: no FLOPs rule for activation {act!r} of {layer.name}")
    spec = []
    for layer in model.layers:
        if isinstance(layer, L.InputLayer): continue
        if type(layer) is L.Conv2D:
            if layer.groups != 1 or layer.data_format != 'channels_last': raise ValueError(f"keras_spec: {layer.name} unsupported")
            kh, kw, cin, cout = layer.kernel.shape
            _, hout, wout, _ = layer.output.shape
            spec += [dict(name=layer.name, op='conv', cin=cin, cout=cout, kh=kh, kw=kw, hout=hout, wout=wout,
                          bias=layer.use_bias)] + activation(layer)
        elif type(layer) is L.Dense:
            spec += [dict(name=layer.name, op='dense', **{'in': layer.kernel.shape[0]}, out=layer.kernel.shape[1],
                          bias=layer.use_bias)] + activation(layer)
        elif type(layer) is L.MaxPooling2D:
            spec.append(dict(name=layer.name, op='maxpool', kh=layer.pool_size[0], kw=layer.pool_size[1],
                             out=math.prod(layer.output.shape[1:])))
        elif type(layer) is L.GlobalAveragePooling2D:
            spec.append(dict(name=layer.name, op='gap', **{'in': math.prod(layer.input.shape[1:])}))
        elif type(layer) in (L.Flatten, L.Dropout): spec.append(dict(name=layer.name, op='free'))
        elif hasattr(layer, 'convs'):  # rice_prune.models.InceptionModule: six 'same' stride-1 convs and a max-pool
            _, h, w, cin = layer.input.shape
            for branch, conv in layer.convs.items():
                kh, kw, conv_in, cout = conv.kernel.shape
                spec.append(dict(name=f'{layer.name}.conv_{branch}', op='conv', cin=conv_in, cout=cout, kh=kh, kw=kw,
                                 hout=h, wout=w, bias=conv.use_bias))
            spec.append(dict(name=f'{layer.name}.pool', op='maxpool', kh=3, kw=3, out=h * w * cin))
        else: raise ValueError(f"keras_spec: no FLOPs rule for layer {layer.name} ({type(layer).__name__})")
    return spec


def find_torch_python(given: str | None) -> str:
    given = given or os.environ.get('RICE_PRUNE_TORCH_PYTHON')
    if given:
        if not (os.path.isfile(given) or shutil.which(given)):
            sys.exit(f"--torch-python: no python at {given!r} (make one: see bench/requirements-torch.txt)")
        return given
    import importlib.util
    if importlib.util.find_spec('torch') and importlib.util.find_spec('torch_pruning'): return sys.executable
    sys.exit("torch and torch_pruning aren't importable here: give the python of an environment that has them with "
             "--torch-python PATH (see bench/requirements-torch.txt)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--torch-python', help='python of an environment with torch and torch-pruning '
                                               '(default: $RICE_PRUNE_TORCH_PYTHON, else this python)')
    parser.add_argument('--models', default='vgg16,cnn,googlenet', help=f"comma-separated, from {', '.join(MODEL_NAMES)}")
    parser.add_argument('--size', type=int, default=224, help='input height and width')
    parser.add_argument('--ratios', default='0.05,0.1,0.2', help='comma-separated pruning ratios')
    parser.add_argument('--round-to', type=int, default=1, help='kept filter counts rounded down to a multiple of this, in both')
    parser.add_argument('--runs-1', type=int, default=10, help='timed rounds at batch 1')
    parser.add_argument('--runs-32', type=int, default=3, help='timed rounds at batch 32')
    parser.add_argument('--threads', type=int, default=1, help='threads for both frameworks')
    parser.add_argument('--stat', choices=('median', 'min'), default='median', help='figure taken over the timed rounds')
    parser.add_argument('--skip-speed', action='store_true', help='only compare sizes (no timing)')
    parser.add_argument('--torch-worker', metavar='JOB', help=argparse.SUPPRESS)  # internal: run the torch side
    args = parser.parse_args()

    if args.torch_worker: return torch_worker(args.torch_worker)

    models = args.models.split(',')
    for name in models:
        if name not in MODEL_NAMES: parser.error(f"unknown model {name!r}; known: {', '.join(MODEL_NAMES)}")
    ratios = [float(r) for r in args.ratios.split(',')]
    torch_python = find_torch_python(args.torch_python)
    pin_tf_threads(args.threads)
    import tensorflow as tf
    import keras
    tf.get_logger().setLevel('ERROR')  # each tf.function below is traced once per batch size: expected, not a problem
    import rice_prune
    from rice_prune.models import build_model, GOOGLENET_STEM as STEM, GOOGLENET_MODULES as MODULES
    assert (STEM, MODULES) == (GOOGLENET_STEM, GOOGLENET_MODULES), "this script's GoogLeNet differs from rice_prune's"
    from rice_prune.cost import count_flops, count_params
    from rice_prune.prune import prune_filters

    workdir = tempfile.mkdtemp(prefix='bench_torch_pruning_')
    keras_results, arrays, aligned = {}, {}, {}
    for name in models:
        keras.utils.set_random_seed(0)
        model = build_model(name, input_shape=(args.size, args.size, 3), **({'weights': None} if name == 'vgg16' else {}))
        rng = np.random.default_rng(0)
        for _, layer in keras_producers(model):  # distinct random biases: they identify each filter in both frameworks
            layer.bias.assign(rng.uniform(-0.05, 0.05, layer.bias.shape).astype('float32'))
        images = rng.uniform(0, 1, (4, args.size, args.size, 3)).astype('float32')
        arrays.update(torch_state(model, name))
        arrays[f'{name}/_images'] = np.ascontiguousarray(images.transpose(0, 3, 1, 2))
        prune_filters(model, ratios[0], round_to=args.round_to, rounding='down', include_dense=True)  # warm-up: Keras builds its caches on the first call
        variants = [(0.0, model, None)]
        for ratio in ratios:
            # rounding='down': Torch-Pruning rounds each layer down; our default ('balanced') would differ
            pruned = timed(prune_filters, model, ratio, criterion='l1', round_to=args.round_to, rounding='down',
                           include_dense=True)  # Torch-Pruning prunes hidden Linear layers too
            variants.append((ratio, pruned.value, pruned.wall))
        rows = []
        for ratio, m, seconds in variants:
            spec = keras_spec(m)
            rows.append(dict(ratio=ratio, model=m, spec=spec, params=count_params(m).total, flops_rice=count_flops(m),
                             prune_seconds=seconds, probs=np.asarray(m(images, training=False)),
                             bias={key: layer.bias.numpy() for key, layer in keras_producers(m)}))
        keras_results[name] = rows
        # rice_prune's hardware-friendly setting, timed alongside (a different network, so not in the size checks):
        # round_to=16 with balanced rounding, the widths Torch-Pruning's round_to can't produce
        aligned[name] = [(m, count_flops(m)) for m in (prune_filters(model, ratio, round_to=16, include_dense=True) for ratio in ratios)] \
            if args.round_to == 1 else []
    np.savez(os.path.join(workdir, 'weights.npz'), **arrays)
    del arrays

    print(f"starting the torch side: {torch_python}", flush=True)
    job = dict(models=models, ratios=ratios, size=args.size, round_to=args.round_to, threads=args.threads,
               weights=os.path.join(workdir, 'weights.npz'))
    torch_side = TorchSide(torch_python, job, workdir)
    torch_results = torch_side.sizes
    os.remove(job['weights'])

    # Timing, interleaved: every round times each Keras variant, then each torch variant (the other way round on
    # odd rounds), so that both frameworks meet the same background load on this shared machine.
    times = {}
    if not args.skip_speed:
        print(f"timing: load average before {os.getloadavg()[0]:.2f}", flush=True)
        for name in models:
            forwards = [tf.function(lambda x, m=m: m(x, training=False))
                        for m in [row['model'] for row in keras_results[name]] + [m for m, _ in aligned[name]]]
            for batch, runs in ((1, args.runs_1), (32, args.runs_32)):
                x = tf.random.uniform((batch, args.size, args.size, 3), seed=0)
                calls = [lambda f=f: f(x).numpy() for f in forwards]
                for call in calls: call(); call()  # trace and warm up
                torch_side.ask(cmd='warmup', model=name, batch=batch)
                # a round of each side: a list of seconds, one per variant (torch times the same-size models only)
                sides = rounds({'keras': lambda: one_round(calls),
                                'torch': lambda: torch_side.ask(cmd='time', model=name, batch=batch)['seconds']},
                               runs, alternate=True)
                times[name, batch] = tuple([list(t) for t in zip(*sides[side])] for side in ('keras', 'torch'))
        print(f"timing: load average after {os.getloadavg()[0]:.2f}", flush=True)
    torch_side.close()
    shutil.rmtree(workdir, ignore_errors=True)

    # ---------------------------------------------------------------------------------------------- report
    print(f"\nrice_prune {rice_prune.__version__} (TensorFlow {tf.__version__}, Keras {keras.__version__}) against "
          f"Torch-Pruning {torch_results['torch_pruning']} (PyTorch {torch_results['torch']}); {args.size}x{args.size}x3 "
          f"inputs, L1 criterion, uniform ratio per layer, classifier not pruned, round_to={args.round_to}")
    checks = []
    for name in models:
        for k, row in enumerate(keras_results[name]):
            t = torch_results['models'][name][k]
            checks.append(spec_flops(row['spec']) == row['flops_rice'] and spec_params(row['spec']) == row['params']
                          and spec_params(t['spec']) == t['params'])
    counter_ok = all(checks)
    print(f"one FLOPs counter (spec_flops) for both; it equals rice_prune.cost.count_flops on every Keras model and "
          f"spec_params equals count_params / torch numel on every model: {counter_ok}")

    print("\n(1) size after pruning (FLOPs per image; prune s: one call, Torch-Pruning's including its graph tracing)")
    print(f"{'model':9s} {'ratio':>5s} {'params rice_prune':>17s} {'params Torch-Pr.':>16s} {'FLOPs rice_prune':>16s} "
          f"{'FLOPs Torch-Pr.':>16s} {'equal':>5s} {'same widths':>11s} {'same filters':>12s} {'max |dp|':>9s} {'(pruning)':>9s} "
          f"{'prune s ours':>12s} {'prune s TP':>10s}")
    size_ok = []
    for name in models:
        base_bias = keras_results[name][0]['bias']
        for k, row in enumerate(keras_results[name]):
            t = torch_results['models'][name][k]
            fk, ft = spec_flops(row['spec']), spec_flops(t['spec'])
            equal = fk == ft and row['params'] == t['params']
            widths = spec_widths(row['spec']) == spec_widths(t['spec'])
            same = kept_by_bias(base_bias, row['bias']) == kept_by_bias(base_bias, t['bias'])
            dp = float(np.abs(row['probs'] - np.asarray(t['probs'])).max())
            moved = float(np.abs(row['probs'] - keras_results[name][0]['probs']).max())
            size_ok.append(equal and widths and same)
            fmt = lambda s: '' if s is None else f"{s:.3f}"
            print(f"{name:9s} {row['ratio']:5.2f} {row['params']:17,d} {t['params']:16,d} {fk:16,d} {ft:16,d} "
                  f"{'yes' if equal else 'NO':>5s} {'yes' if widths else 'NO':>11s} {'yes' if same else 'NO':>12s} "
                  f"{dp:9.1e} {moved:9.1e} {fmt(row['prune_seconds']):>12s} {fmt(t['prune_seconds']):>10s}")
            if not widths:
                diff = {n: (w, spec_widths(t['spec']).get(n)) for n, w in spec_widths(row['spec']).items()
                        if spec_widths(t['spec']).get(n) != w}
                print(f"       widths differ (rice_prune, Torch-Pruning): {diff}")
    print(f"all sizes equal, same filters kept: {all(size_ok)}. 'max |dp|': largest difference between the Keras and "
          f"the torch model's softmax outputs on the same 4 images (float32 in both); '(pruning)': how far pruning "
          f"moved the Keras model's outputs, for scale")
    if args.skip_speed: return

    def efficiency_rows(figure):
        rows = []
        for name in models:
            f0 = spec_flops(keras_results[name][0]['spec'])
            for batch in (1, 32):
                tk, tt = ([stat(t, figure) for t in side] for side in times[name, batch])
                sk, st = ([spread(t) for t in side] for side in times[name, batch])
                n = len(tt)  # Keras times beyond the first n: the round_to=16 models
                for k in range(1, n):
                    reduction = f0 / spec_flops(keras_results[name][k]['spec'])
                    ek, et = tk[0] / tk[k] / reduction, tt[0] / tt[k] / reduction
                    nk, nt = ek * (sk[0] + sk[k]), et * (st[0] + st[k])  # uncertainty of each efficiency
                    verdict = 'yes' if ek >= et else 'noise' if ek + nk + nt >= et else 'no'
                    e16 = (tk[0] / tk[n - 1 + k] / (f0 / aligned[name][k - 1][1])) if aligned[name] else float('nan')
                    rows.append(dict(name=name, ratio=ratios[k - 1], batch=batch, reduction=reduction, k0=tk[0], k1=tk[k],
                                     t0=tt[0], t1=tt[k], ek=ek, et=et, nk=nk, nt=nt, verdict=verdict, e16=e16))
        return rows

    print(f"\n(2) speed-up efficiency = speed-up / FLOPs reduction; CPU, {args.threads} thread(s) in both, {args.stat} of "
          f"{args.runs_1} (batch 1) / {args.runs_32} (batch 32) rounds; target: ours >= Torch-Pruning's")
    print(f"{'model':9s} {'ratio':>5s} {'batch':>5s} {'FLOPs red.':>10s} | {'Keras ms':>9s} {'pruned':>8s} {'speed-up':>8s} "
          f"{'efficiency':>10s} | {'torch ms':>9s} {'pruned':>8s} {'speed-up':>8s} {'efficiency':>10s} | {'ours >= TP':>10s} | {'ours r16':>8s}")
    for r in efficiency_rows(args.stat):
        print(f"{r['name']:9s} {r['ratio']:5.2f} {r['batch']:5d} {r['reduction']:10.3f} | {1e3 * r['k0']:9.1f} "
              f"{1e3 * r['k1']:8.1f} {r['k0'] / r['k1']:8.3f} {r['ek']:5.2f}±{r['nk']:4.2f} | {1e3 * r['t0']:9.1f} "
              f"{1e3 * r['t1']:8.1f} {r['t0'] / r['t1']:8.3f} {r['et']:5.2f}±{r['nt']:4.2f} | {r['verdict']:>10s} | {r['e16']:8.2f}")
    print("±: efficiency times the timed rounds' relative half-ranges (unpruned + pruned); 'noise': ours is lower, "
          "but by less than the two ± together; 'ours r16': efficiency of prune_filters(model, ratio, round_to=16) "
          "(balanced rounding: a different network, own FLOPs), timed in the same rounds")
    for figure in (args.stat, 'min' if args.stat == 'median' else 'median'):
        rows = efficiency_rows(figure)
        ours, theirs = [r['ek'] for r in rows], [r['et'] for r in rows]
        count = lambda v: sum(r['verdict'] == v for r in rows)
        print(f"efficiency from the {figure} times: rice_prune/Keras median {statistics.median(ours):.2f}, Torch-Pruning/"
              f"PyTorch median {statistics.median(theirs):.2f}; of {len(rows)} rows, ours >= theirs in {count('yes')}, "
              f"lower within the noise in {count('noise')}, lower beyond it in {count('no')}")
        if any(aligned.values()):
            e16 = [r['e16'] for r in rows]
            print(f"  rice_prune with round_to=16: median {statistics.median(e16):.2f}, >= Torch-Pruning's in "
                  f"{sum(a >= r['et'] for a, r in zip(e16, rows))} of {len(rows)} rows, lowest {min(e16):.2f}")


if __name__ == '__main__': main()
