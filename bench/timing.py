"""The one timing helper of the benches in bench/: how they time a call, run candidates in rounds and summarise.

    from timing import Stopwatch, interleaved, one_round, print_table, ratio_table, repeat, rounds, timed

    t = timed(fn, *args)               # one call: t.cpu, t.wall (seconds), t.value (what fn returned)
    t = timed(fn, children=True)       # CPU time including finished child processes (worker pools, subprocesses)
    with Stopwatch() as sw: ...        # a block: sw.cpu, sw.wall (or sw = Stopwatch(); ...; sw.wall: time so far)
    t = repeat(fn, 30, warmup=1)       # 30 calls in a row: a Timing (t.cpu, t.wall: lists; t.value: last result)
    runs = interleaved({'a': fa, 'b': fb}, 5, warmup=1, alternate=True)   # 5 rounds: a Timing per candidate
    runs['a'].stat('median', 'cpu')    # also 'min', 'max', 'mean'; runs['a'].summary('wall'): n, min, q1,
                                       # median, q3, max, IQR; .spread(): half the range over the median
    stat(seconds, 'min'), spread(seconds), summary(seconds)     # the same for a plain list of seconds
    print_table(ratio_table(runs, baseline='a', clock='cpu'))   # min/median/max/IQR in ms and median ratios
    markdown_table(df)                 # a DataFrame as a pipe table for a results file (no tabulate needed)

CPU time (`time.process_time`: every thread of this process) is what a shared machine disturbs least: other
processes preempting us add wall time, not CPU time. Wall time (`time.perf_counter`) is what a user waits.
Interleaved rounds call every candidate once per round (reversed on odd rounds with `alternate=True`), so slow
phases of the machine hit all candidates alike. `rounds()` is the same schedule for calls that time themselves
(another process, a training run that times only its fit).

Imports only the standard library (pandas on demand, for the tables), so the torch side of
bench_torch_pruning.py can use it in an environment without TensorFlow or pandas. The scripts in bench/ are run
as `python bench/NAME.py`, which puts bench/ on sys.path. `python bench/timing.py` prints a small example.
"""
import math, os, resource, statistics, time
from typing import NamedTuple

CLOCKS = ('cpu', 'wall')
STATS = {'min': min, 'median': statistics.median, 'max': max, 'mean': statistics.fmean}


def cpu_time(children: bool = False) -> float:
    "CPU seconds of this process (all threads); with `children`, plus those of its finished child processes."
    if not children: return time.process_time()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Sample(NamedTuple):
    "One timed call: CPU seconds, wall seconds and what the call returned."
    cpu: float
    wall: float
    value: object = None


def timed(fn, *args, children: bool = False, **kwargs) -> Sample:
    "Call `fn(*args, **kwargs)` once: its CPU seconds (see `cpu_time`), wall seconds and return value."
    sw = Stopwatch(children)
    value = fn(*args, **kwargs)
    return sw.stop()._replace(value=value)


class Stopwatch:
    """CPU and wall seconds since it was made: `sw = Stopwatch()`, later `sw.wall`, `sw.cpu` (so far); or
    `with Stopwatch() as sw: ...`, where they stop at the end of the block."""
    def __init__(self, children: bool = False):
        self.children, self._stopped = children, None
        self._cpu, self._wall = cpu_time(children), time.perf_counter()

    def stop(self) -> Sample:
        "Stop: `cpu` and `wall` keep the time until now."
        if self._stopped is None: self._stopped = self._elapsed()
        return self._stopped

    def _elapsed(self) -> Sample:
        return Sample(cpu_time(self.children) - self._cpu, time.perf_counter() - self._wall)

    @property
    def cpu(self) -> float: return (self._stopped or self._elapsed()).cpu

    @property
    def wall(self) -> float: return (self._stopped or self._elapsed()).wall

    def __enter__(self): return self
    def __exit__(self, *exc): self.stop()


def stat(seconds: list, name: str = 'median') -> float:
    "One figure over timed rounds: 'min' (background load only ever adds time), 'median', 'max' or 'mean'."
    return STATS[name](seconds)


def spread(seconds: list) -> float:
    "Half the range of timed rounds, relative to their median: how far one figure can be off."
    return (max(seconds) - min(seconds)) / 2 / statistics.median(seconds)


def summary(seconds: list) -> dict:
    "n, min, q1, median, q3, max and IQR (interquartile range) of timed rounds."
    t = list(seconds)
    q1, q2, q3 = statistics.quantiles(t, n=4, method='inclusive') if len(t) > 1 else t * 3
    return dict(n=len(t), min=min(t), q1=q1, median=q2, q3=q3, max=max(t), iqr=q3 - q1)


class Timing:
    "The timed calls of one candidate: CPU and wall seconds of each, and what each returned."
    def __init__(self, samples=()):
        self.cpu, self.wall, self.values = [], [], []
        for s in samples: self.add(s)

    def add(self, sample: Sample):
        self.cpu.append(sample.cpu); self.wall.append(sample.wall); self.values.append(sample.value)

    @property
    def value(self): return self.values[-1]  # what the last call returned

    def seconds(self, clock: str = 'cpu') -> list:
        if clock not in CLOCKS: raise ValueError(f"clock {clock!r}: choose from {CLOCKS}")
        return self.cpu if clock == 'cpu' else self.wall

    def stat(self, name: str = 'median', clock: str = 'cpu') -> float: return stat(self.seconds(clock), name)
    def spread(self, clock: str = 'cpu') -> float: return spread(self.seconds(clock))
    def summary(self, clock: str = 'cpu') -> dict: return summary(self.seconds(clock))

    def __repr__(self):
        return f"Timing({len(self.cpu)} rounds, median {self.stat('median', 'cpu'):.4g} s CPU, " \
               f"{self.stat('median', 'wall'):.4g} s wall)"


def rounds(candidates, n: int, *, alternate: bool = False, warmup: int = 0):
    """Call every candidate once per round, `n` rounds, in turn (the other way round on odd rounds if `alternate`),
    after `warmup` untimed rounds in the same order. `candidates`: a dict of name -> callable or a list of callables;
    returns the same shape, holding the list of what each call returned."""
    names = list(candidates) if isinstance(candidates, dict) else list(range(len(candidates)))
    for _ in range(warmup):
        for k in names: candidates[k]()
    results = {k: [] for k in names}
    for r in range(n):
        for k in (reversed(names) if alternate and r % 2 else names): results[k].append(candidates[k]())
    return results if isinstance(candidates, dict) else [results[k] for k in names]


def interleaved(candidates, n: int, *, alternate: bool = False, warmup: int = 0, children: bool = False):
    "`rounds` with every call timed by `timed`: a `Timing` per candidate (dict or list, as `candidates`)."
    wrap = lambda fn: lambda: timed(fn, children=children)
    if isinstance(candidates, dict):
        return {k: Timing(s) for k, s in rounds({k: wrap(f) for k, f in candidates.items()}, n, alternate=alternate,
                                                warmup=warmup).items()}
    return [Timing(s) for s in rounds([wrap(f) for f in candidates], n, alternate=alternate, warmup=warmup)]


def repeat(fn, n: int, *, warmup: int = 0, children: bool = False) -> Timing:
    "`n` timed calls of `fn` in a row (after `warmup` untimed ones): one candidate's `interleaved`."
    return interleaved([fn], n, warmup=warmup, children=children)[0]


def one_round(fns, clock: str = 'wall') -> list:
    "Seconds of one call of each of `fns`, in turn (one round-robin round)."
    return [t.seconds(clock)[0] for t in interleaved(fns, 1)]


def ratio_table(timings: dict, baseline=None, clock: str = 'cpu', figure: str = 'median'):
    """A pandas DataFrame, a row per candidate (`timings`: name -> `Timing`, or a list): rounds, min / median / max / IQR in
    milliseconds, and `figure` (see `stat`) of each relative to the `baseline` candidate's (default: the first),
    i.e. how many times slower than the baseline."""
    import pandas as pd
    if not isinstance(timings, dict): timings = dict(enumerate(timings))
    rows = {name: {k: (v if k == 'n' else 1e3 * v) for k, v in t.summary(clock).items() if k not in ('q1', 'q3')}
            for name, t in timings.items()}
    table = pd.DataFrame.from_dict(rows, orient='index').rename(columns=lambda c: c if c == 'n' else f'{c} ms')
    base = timings[baseline if baseline is not None else next(iter(timings))].stat(figure, clock)
    table[f'{figure} / baseline'] = [t.stat(figure, clock) / base for t in timings.values()]
    table.index.name = f'{clock} time'
    return table


def print_table(table, floats='{:.2f}'.format, **options):
    "Print a DataFrame whole (no column wrapping), floats formatted with `floats`; `options`: more pandas options."
    import pandas as pd
    settings = {'display.width': 250, 'display.max_columns': 50, 'display.float_format': floats, **options}
    with pd.option_context(*[x for kv in settings.items() for x in kv]): print(table)


def markdown_table(df) -> str:
    "A pipe table of `df` (numbers to two decimals), without pulling in tabulate."
    cell = lambda v: '' if v is None or v != v else f'{round(v, 2) + 0.0:,.2f}' if isinstance(v, float) else str(v)
    lines = ['| ' + ' | '.join(map(str, df.columns)) + ' |', '|' + '---|' * len(df.columns)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in df.itertuples(index=False)]
    return '\n'.join(lines)


def pin_tf_threads(threads: int, log_level: str = '2'):
    "Before TensorFlow is imported: `threads` intra- and inter-op threads, and quieter C++ logs (unless already set)."
    os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', log_level)
    os.environ['TF_NUM_INTRAOP_THREADS'] = os.environ['TF_NUM_INTEROP_THREADS'] = str(threads)


if __name__ == '__main__':  # an example: two ways to add up a million floats
    data = [0.1] * 1_000_000
    runs = interleaved({'sum': lambda: sum(data), 'math.fsum': lambda: math.fsum(data)}, 7, warmup=1, alternate=True)
    print_table(ratio_table(runs, clock='cpu'))
    print(runs['sum'])
