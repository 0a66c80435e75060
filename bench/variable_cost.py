"""What TensorFlow charges for a new variable, by whether its name and shape were seen before in the process.

    python bench/variable_cost.py [--count 300] [--rounds 5]

A pruned network's variables have shapes (and, under the names Keras gives them, name and shape pairs) that the
process has never created. In eager mode TensorFlow creates each variable with a `VarHandleOp` whose attributes hold
the shape and the variable's scoped name, and it instantiates a kernel for each new set of attributes. This bench
times `tf.Variable` of a float32 vector of n zeros (at most a few thousand: the copy costs nothing), 2 threads, in four kinds of batch, interleaved over `--rounds`:
- 'repeat': one shape and name already created (the kernel cached);
- 'new shape': shapes never seen, one name;
- 'new name': names never seen, one shape;
- 'new name and shape': both never seen, as for every variable of a first prune.
It prints the median and range of the milliseconds per variable.
"""
import argparse, os, statistics, time

os.environ.setdefault('TF_NUM_INTRAOP_THREADS', '2'); os.environ.setdefault('TF_NUM_INTEROP_THREADS', '2')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--count', type=int, default=300, help='variables per batch')
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds of the four kinds')
    args = p.parse_args()
    if args.count < 1 or args.rounds < 1: p.error('--count and --rounds must be at least 1')
    import numpy as np
    import tensorflow as tf
    value = lambda n: np.zeros((n,), np.float32)
    tf.Variable(value(1), name='repeat')   # the one cached kernel 'repeat' reuses
    fresh = iter(range(2, 10**9))          # every shape and name below is new to the process
    kinds = {'repeat': lambda: [(value(1), 'repeat')] * args.count,
             'new shape': lambda: [(value(next(fresh)), 'repeat') for _ in range(args.count)],
             'new name': lambda: [(value(1), f'v{next(fresh)}') for _ in range(args.count)],
             'new name and shape': lambda: [(value(k := next(fresh)), f'v{k}') for _ in range(args.count)]}
    ms = {kind: [] for kind in kinds}
    for _ in range(args.rounds):
        for kind, batch in kinds.items():
            items = batch()
            start = time.perf_counter()
            kept = [tf.Variable(x, name=name) for x, name in items]
            ms[kind].append((time.perf_counter() - start) / args.count * 1e3)
            del kept
    print(f"ms per tf.Variable, {args.count} per batch, {args.rounds} rounds: median [lowest-highest]")
    for kind, values in ms.items():
        print(f"  {kind:20s} {statistics.median(values):6.2f} [{min(values):.2f}-{max(values):.2f}]")

if __name__ == '__main__':
    main()
