"""The study command's cost: wall time and peak memory of `rice_prune_study` (quick preset by default), and where
the time goes, measured on this machine in one run.

The command runs in a child process exactly as a user runs it (fresh output folder; the synthetic data generated
into a fresh $RICE_PRUNE_HOME unless --reuse-data), so its peak resident memory is the child's. Targets: the quick
preset under 10 minutes on 2 CPU cores; memory is reported against the machine's 24 GiB.

Usage: python bench/bench_study.py [--preset quick] [--reuse-data] [--threads 0] [extra rice_prune_study flags...]
"""
import argparse, json, os, resource, subprocess, sys, tempfile
from pathlib import Path

from timing import timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--preset', default='quick')
    parser.add_argument('--reuse-data', action='store_true', help='use the synthetic data already under $RICE_PRUNE_HOME')
    parser.add_argument('--threads', type=int, default=0, help='TensorFlow intra-op threads (0: TensorFlow decides)')
    parser.add_argument('--target-minutes', type=float, default=10.0)
    args, extra = parser.parse_known_args()
    work = Path(tempfile.mkdtemp(prefix='bench_study_'))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='3')
    if not args.reuse_data: env['RICE_PRUNE_HOME'] = str(work/'home')
    if args.threads: env['TF_NUM_INTRAOP_THREADS'] = env['TF_NUM_INTEROP_THREADS'] = str(args.threads)
    out = work/'study'
    cmd = [str(Path(sys.executable).parent/'rice_prune_study'),  # the installed command, as a user runs it
           '--preset', args.preset, '--out', str(out), '--quiet', *extra]
    run = timed(subprocess.run, cmd, env=env, capture_output=True, text=True)
    proc, wall = run.value, run.wall
    if proc.returncode:
        sys.exit(f"rice_prune_study failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    timings = json.loads((out/'timings.json').read_text())
    steps = [json.loads(p.read_text()) for p in sorted((out/'steps').glob('*.json'))]
    by_kind = {}
    for s in steps:
        kind = s['name'].split('-')[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + s['seconds']
    startup = wall - sum(timings.values())
    print(f"rice_prune_study --preset {args.preset} on {os.cpu_count()} cores "
          f"({'data reused' if args.reuse_data else 'synthetic data generated first'})\n")
    print("| part | seconds | share of wall time |\n|---|---:|---:|")
    rows = [('start-up (imports)', startup), ('data (generate + check + load)', timings['data'])]
    rows += [(f'{k} steps', v) for k, v in by_kind.items()]
    rows += [('other step overhead', timings['steps'] - sum(by_kind.values())), ('report', timings['report'])]
    for name, sec in rows: print(f"| {name} | {sec:.1f} | {sec / wall:.1%} |")
    print(f"| **total** | **{wall:.1f}** | 100% |\n")
    print("| measure | value | target | ratio to target |\n|---|---:|---:|---:|")
    print(f"| wall time | {wall / 60:.2f} min | {args.target_minutes:g} min | {wall / 60 / args.target_minutes:.2f} |")
    print(f"| peak memory (child RSS) | {peak_mb:,.0f} MB | 24,576 MB | {peak_mb / 24576:.3f} |")
    print("\n" + proc.stdout.strip())
    print(f"\nstudy folder (kept): {out}")


if __name__ == '__main__':
    main()
