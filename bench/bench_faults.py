"""Faults, concurrency and foreign files: does the study's experiment log survive them?

1. **kill -9 at random instants** of a tiny study run by the command (`rice_prune_study`), rerun after every kill
   until it finishes: crashes of the reruns (exit status other than 0), gaps and duplicates in the per-epoch log of
   the training run, compared with the epochs its row records.
2. **kill -9 between Keras' backup of an epoch and the logger's write of it**: `train` with a callback, placed
   before the logger, that kills its own process at the end of a random epoch; the run is resumed until it
   finishes: gaps and duplicates in the per-epoch log.
3. **Two studies on one folder**, started together: one must finish, the other stop with exit status 2 naming
   the process that holds the folder; crashes, and gaps in the survivor's log.
4. **Foreign databases** (7 layouts other applications could have written), given to every entry point of the
   log and to the command as its output folder's log: bytes changed (must be 0), errors that name the file.
5. **Damaged result files** (a saved model overwritten with random bytes, a step's pickle cut short, the
   experiment log deleted), then the same command again: exit status, whether the study finished, and the runs in
   the experiment log before the damage and after the rerun.

Run: python bench/bench_faults.py [--kills 20] [--backup-kills 20] [--pairs 5] [--out-dir bench/results/faults]
Writes faults.md and faults.json to --out-dir. Synthetic rice, 30 images per variety, 32x32: the figures are about
the log's integrity, not about accuracy.
"""
import argparse, hashlib, json, os, random, shutil, signal, sqlite3, subprocess, sys, tempfile, textwrap, time
from pathlib import Path

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from timing import markdown_table
COMMAND = str(Path(sys.executable).parent/'rice_prune_study')
TINY = ('--models', 'cnn_light', '--image_size', '32', '--epochs', '6', '--ratios', '0.5', '--recover', 'classifier',
        '--recover_epochs', '2', '--no_export', '--quiet')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--kills', type=int, default=20, help='kill -9 at random instants of a study')
    p.add_argument('--backup-kills', type=int, default=20, help='kill -9 between the backup of an epoch and its log')
    p.add_argument('--pairs', type=int, default=5, help='pairs of studies started together on one folder')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out-dir', default='bench/results/faults')
    return p.parse_args(argv)


def study(data, out, *extra, wait=True):
    "Start the command on the tiny study; with `wait`, return (exit status, stderr)."
    p = subprocess.Popen([COMMAND, '--data', str(data), '--out', str(out), *TINY, *extra], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    if not wait: return p
    _, err = p.communicate()
    return p.returncode, err


def epoch_log_faults(db) -> dict:
    "Gaps and duplicates of every run's per-epoch log against the epochs its row records."
    con = sqlite3.connect(f'{Path(db).resolve().as_uri()}?mode=ro', uri=True)
    try:
        gaps = dups = runs = 0
        for run_id, epochs in con.execute("SELECT run_id, epochs FROM training_logs WHERE epochs IS NOT NULL"):
            logged = [e for (e,) in con.execute('SELECT epoch FROM epoch_logs WHERE run_id = ?', (run_id,))]
            if not logged: continue   # a run logged without the epoch logger (a recovery)
            runs += 1
            gaps += len(set(range(epochs)) - set(logged)) + len(set(logged) - set(range(epochs)))
            dups += len(logged) - len(set(logged))
        return dict(runs=runs, gaps=gaps, duplicates=dups)
    finally: con.close()


def random_kills(data, work, n, rng) -> dict:
    "kill -9 the command at random instants, rerunning it after each kill until the study finishes."
    clean = time.perf_counter(); rc, err = study(data, work/'clean'); clean = time.perf_counter() - clean
    if rc != 0: raise RuntimeError(f'the uninterrupted study failed: {err}')
    kills = crashes = finished = 0
    totals = dict(runs=0, gaps=0, duplicates=0)
    folder = None
    while kills < n:
        folder = folder or work/f'killed-{finished}'
        p = study(data, folder, wait=False)
        try: p.wait(timeout=rng.uniform(1.0, clean))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL); p.wait(); kills += 1
            continue
        if p.returncode != 0: crashes += 1; print(p.communicate()[1], file=sys.stderr)
        for k, v in epoch_log_faults(folder/'experiments.db').items(): totals[k] += v
        finished += 1; folder = None
    if folder is not None:   # finish the last killed study, then check it
        rc, err = study(data, folder)
        if rc != 0: crashes += 1; print(err, file=sys.stderr)
        for k, v in epoch_log_faults(folder/'experiments.db').items(): totals[k] += v
        finished += 1
    return dict(kills=kills, studies=finished, crashed_reruns=crashes, clean_seconds=round(clean, 1), **totals)


KILL_AFTER_BACKUP = textwrap.dedent('''
    import os, signal, sys, keras
    from rice_prune.data import load_rice
    from rice_prune.models import cnn_light
    from rice_prune.train import train
    from rice_prune.tracking import SQLiteLogger
    data_dir, ckpt, db, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    class KillAfterBackup(keras.callbacks.Callback):   # runs after the backup, before the logger
        def on_epoch_end(self, epoch, logs=None):
            if epoch == kill_at: os.kill(os.getpid(), signal.SIGKILL)
    data = load_rice(data_dir, img_size=32, batch_size=16, val_split=0.2, test_split=0.2, progress=False)
    keras.utils.set_random_seed(0)
    train(cnn_light(input_shape=data.input_shape), data, epochs=6, patience=None, checkpoint_dir=ckpt, progress=False,
          callbacks=[KillAfterBackup(), SQLiteLogger('cnn_light', db_path=db, run_id='killed-after-backup')])
''')


def backup_kills(data, work, n, rng) -> dict:
    "Kill the training process between the backup of a random epoch and its log; resume until it finishes."
    kills = crashes = 0
    totals = dict(runs=0, gaps=0, duplicates=0)
    trial = 0
    while kills < n:
        folder = work/f'backup-{trial}'; trial += 1
        while True:   # one training run: killed at random epochs, resumed, until it finishes
            at = rng.randrange(0, 6) if kills < n else -1
            p = subprocess.run([sys.executable, '-c', KILL_AFTER_BACKUP, str(data), str(folder/'ckpt'), str(folder/'log.db'), str(at)],
                               capture_output=True, text=True)
            if p.returncode == -signal.SIGKILL: kills += 1; continue
            if p.returncode != 0: crashes += 1; print(p.stderr[-2000:], file=sys.stderr)
            break
        for k, v in epoch_log_faults(folder/'log.db').items(): totals[k] += v
    return dict(kills=kills, trainings=trial, crashes=crashes, **totals)


def concurrent_pairs(data, work, n) -> dict:
    "Start two studies on one folder at once: one runs, the other must stop with exit status 2 naming the holder."
    outcomes = dict(pairs=n, finished=0, refused=0, crashes=0, gaps=0, duplicates=0)
    for i in range(n):
        folder = work/f'pair-{i}'
        procs = [study(data, folder, wait=False) for _ in range(2)]
        results = [(p.returncode, err) for p in procs for _, err in [p.communicate()]]
        for rc, err in results:
            if rc == 0: outcomes['finished'] += 1
            elif rc == 2 and 'is in use by process' in err: outcomes['refused'] += 1
            else: outcomes['crashes'] += 1; print(err[-2000:], file=sys.stderr)
        f = epoch_log_faults(folder/'experiments.db')
        outcomes['gaps'] += f['gaps']; outcomes['duplicates'] += f['duplicates']
    return outcomes


FOREIGN = {
    'another log': ['CREATE TABLE training_logs (id INTEGER, who TEXT, score REAL)', "INSERT INTO training_logs VALUES (1, 'ann', 0.5)"],
    "the study's table and a column it never had": [
        'CREATE TABLE training_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT, epoch_times TEXT, '
        'created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, note TEXT)', "INSERT INTO training_logs (model) VALUES ('VGG')"],
    "the study's table beside another": [
        'CREATE TABLE training_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT, epoch_times TEXT, '
        'created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)', 'CREATE TABLE invoices (n INTEGER)', 'INSERT INTO invoices VALUES (7)'],
    'no training_logs': ['CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)', "INSERT INTO orders (item) VALUES ('rice')"],
    "rice_prune's tables, another application's id": None,   # filled in main(): rice_prune's own CREATE statements
    'its own schema versions': ['CREATE TABLE epoch_logs (step INTEGER)', 'PRAGMA user_version = 3'],
    'in WAL mode': ['PRAGMA journal_mode = WAL', 'CREATE TABLE training_logs (run TEXT, loss REAL)',
                    "INSERT INTO training_logs VALUES ('a', 1.0)"],
}


def foreign_databases(data, work) -> list:
    "Every entry point of the log, and the command, on each foreign database: bytes changed, errors naming the file."
    from rice_prune.tracking import (ExperimentDBError, SQLiteLogger, connect, load_epochs, load_runs,
                                     save_training_log_to_sqlite)
    entries = {'load_runs': load_runs, 'load_epochs': lambda p: load_epochs('x', p), 'connect': connect,
               'save_training_log_to_sqlite': lambda p: save_training_log_to_sqlite([1.0], 'cnn', 0.0, 0.5, db_path=p),
               'SQLiteLogger': lambda p: SQLiteLogger('cnn', db_path=p).on_train_begin()}
    rows = []
    for i, (what, sql) in enumerate(FOREIGN.items()):
        folder = work/f'foreign-{i}'; folder.mkdir()
        path = folder/'experiments.db'
        con = sqlite3.connect(path)
        for s in sql: con.execute(s)
        con.commit(); con.close()
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        named = 0
        for entry in entries.values():
            try: entry(path)
            except ExperimentDBError as e: named += str(path) in str(e)
        rc, err = study(data, folder)
        rows.append(dict(database=what, entry_points_refused=f'{named}/{len(entries)}', command_exit=rc,
                         command_error_lines=len(err.strip().splitlines()),
                         bytes_changed=int(hashlib.sha256(path.read_bytes()).hexdigest() != digest),
                         files_beside=len(list(folder.iterdir())) - 1))
    return rows


def run_count(db) -> int:
    "Finished runs in the experiment log (read-only)."
    con = sqlite3.connect(f'{Path(db).resolve().as_uri()}?mode=ro', uri=True)
    try: return con.execute("SELECT COUNT(*) FROM training_logs WHERE status = 'finished'").fetchone()[0]
    finally: con.close()


def damaged_files(data, work, rng) -> list:
    "Damage one result file of a finished study, run the command again: does it finish, and with what?"
    def damage_model(f): (f/'models'/'cnn_light.keras').write_bytes(rng.randbytes(4096))
    def cut_pickle(f):
        p = f/'steps'/'evaluate-cnn_light.pkl'; p.write_bytes(p.read_bytes()[:100])
    def delete_log(f): (f/'experiments.db').unlink()
    rows = []
    for name, damage in (('model overwritten with random bytes', damage_model),
                         ("evaluation's pickle cut short", cut_pickle), ('experiment log deleted', delete_log)):
        folder = work/f'damaged-{len(rows)}'
        rc, err = study(data, folder)
        if rc != 0: raise RuntimeError(f'the study to damage failed: {err}')
        logged = run_count(folder/'experiments.db')
        damage(folder)
        rc, err = study(data, folder)
        rows.append(dict(damage=name, exit=rc, report=(folder/'report.md').exists(), runs_logged_before=logged,
                         runs_logged_after=run_count(folder/'experiments.db'),
                         message=' '.join(err.strip().splitlines()[-1:])[:160]))
    return rows


def main(args):
    rng = random.Random(args.seed)
    from rice_prune.synthetic import make_synthetic_rice
    from rice_prune.tracking import _create_tables_sql, SCHEMA_VERSION
    FOREIGN["rice_prune's tables, another application's id"] = [*_create_tables_sql(), f'PRAGMA user_version = {SCHEMA_VERSION}',
                                                              'PRAGMA application_id = 42']
    out = Path(args.out_dir); out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix='rice_prune_faults_'))
    started = time.perf_counter()
    data = make_synthetic_rice(work/'data', n_per_class=30, n_workers=1, progress=False)
    results = dict(machine=f'{os.cpu_count()} cores', data='synthetic rice, 30 images per variety, 32x32')
    results['foreign'] = foreign_databases(data, work)
    results['damaged'] = damaged_files(data, work, rng)
    results['concurrent'] = concurrent_pairs(data, work, args.pairs)
    results['backup_kills'] = backup_kills(data, work, args.backup_kills, rng)
    results['random_kills'] = random_kills(data, work, args.kills, rng)
    results['minutes'] = round((time.perf_counter() - started) / 60, 1)
    (out/'faults.json').write_text(json.dumps(results, indent=1))
    import pandas as pd
    md = [f"# Faults, concurrency and foreign files ({results['minutes']} min; {results['machine']}; {results['data']})", '',
          '## kill -9 at random instants of the command', '', markdown_table(pd.DataFrame([results['random_kills']])), '',
          '## kill -9 between the backup of an epoch and its log', '', markdown_table(pd.DataFrame([results['backup_kills']])), '',
          '## Two studies started together on one folder', '', markdown_table(pd.DataFrame([results['concurrent']])), '',
          '## Foreign databases', '', markdown_table(pd.DataFrame(results['foreign'])), '',
          '## Damaged result files, then the same command', '', markdown_table(pd.DataFrame(results['damaged'])), '']
    (out/'faults.md').write_text('\n'.join(md))
    print('\n'.join(md))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__': main(parse_args())
