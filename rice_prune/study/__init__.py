"The study on the Rice Image Dataset: settings (`config`), the resumable step engine (`steps`), the report (`report`), the steps and `run_study` (`run`), the command (`cli`), and the study's pruning experiment (`experiment`)."
import importlib as _importlib

_HOMES = {'StudyConfig': 'config', 'PRESETS': 'config', 'study_config': 'config', 'run_study': 'run', 'StudyResult': 'run',
          'rice_prune_study': 'cli', 'pruning_experiment': 'experiment'}
__all__ = list(_HOMES)

def __getattr__(name):
    # imported when first used: the study's modules load TensorFlow, and `rice_prune_study --help` must not wait for it
    if name in _HOMES: return getattr(_importlib.import_module(f'{__name__}.{_HOMES[name]}'), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

def __dir__(): return sorted({*globals(), *__all__})
