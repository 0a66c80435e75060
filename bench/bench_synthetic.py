"""Throughput of the synthetic rice generator: 5,000 images with 1 and with 2 worker processes, side by side.

    python bench/bench_synthetic.py [--n-per-class 1000] [--workers 1 2]

Also times the parts of one image (drawing, JPEG encoding) and the measuring of grains,
and checks that every run wrote the same bytes. The CPU seconds (this process and its
workers) show the work done; wall time also depends on what else the machine is running,
so the load average is printed too.
"""
import argparse, hashlib, io, os, shutil, tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from rice_prune.synthetic import RICE_CLASSES, make_synthetic_rice, measure_grains, render_grain
from timing import timed


def digest(root, n):
    h = hashlib.md5()
    for c in RICE_CLASSES:
        for i in range(1, n + 1): h.update((root / c / f'{c} ({i}).jpg').read_bytes())
    return h.hexdigest()


def per_image(n=500):
    "Milliseconds per image for drawing and for JPEG encoding, in this process."
    rngs = [np.random.default_rng(i) for i in range(n)]
    draw = timed(lambda: [render_grain(r, RICE_CLASSES[i % 5]) for i, r in enumerate(rngs)])
    encode = timed(lambda: [Image.fromarray(im).save(io.BytesIO(), 'JPEG', quality=92) for im in draw.value])
    return 1e3 * draw.wall / n, 1e3 * encode.wall / n


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-per-class', type=int, default=1000)
    ap.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    args = ap.parse_args()
    n, total = args.n_per_class, 5 * args.n_per_class
    tmp = Path(tempfile.mkdtemp())

    draw_ms, jpeg_ms = per_image()
    rows, digests = [], set()
    load = os.getloadavg()[0]
    for w in args.workers:  # CPU time of this process plus its finished worker processes
        run = timed(make_synthetic_rice, tmp / f'w{w}', n_per_class=n, n_workers=w, progress=False, children=True)
        rows.append((w, run.wall, run.cpu)); digests.add(digest(run.value, n))
    reuse = timed(make_synthetic_rice, tmp / f'w{args.workers[0]}', n_per_class=n, progress=False).wall
    measured = timed(measure_grains, tmp / f'w{args.workers[0]}' / 'Rice_Image_Dataset' / 'Basmati', progress=False)
    measure_ms = 1e3 * measured.wall / n

    base = rows[0][1]
    print(f'\nsynthetic rice, {total:,} images of 250x250 (same bytes in every run: {len(digests) == 1}); '
          f'{os.cpu_count()} CPUs, load average before the runs {load:.1f}\n')
    print('| workers | wall s | images / s | speed-up | CPU s |\n|---:|---:|---:|---:|---:|')
    for w, dt, cpu in rows: print(f'| {w} | {dt:.1f} | {total / dt:.0f} | {base / dt:.2f}x | {cpu:.1f} |')
    print(f'\nper image, one process: draw {draw_ms:.2f} ms, JPEG encode {jpeg_ms:.2f} ms, '
          f'measure_grains {measure_ms:.2f} ms; reusing the finished folder: {reuse:.2f} s')
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__': main()
