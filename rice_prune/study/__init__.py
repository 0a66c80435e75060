"The study on the Rice Image Dataset: settings (`config`), the resumable step engine (`steps`), the report (`report`), the steps and `run_study` (`run`), the command (`cli`), and the study's pruning experiment (`experiment`)."
from .config import StudyConfig, PRESETS, study_config
from .run import run_study, StudyResult
from .cli import rice_prune_study
from .experiment import pruning_experiment

__all__ = ['StudyConfig', 'PRESETS', 'study_config', 'run_study', 'StudyResult', 'rice_prune_study', 'pruning_experiment']
