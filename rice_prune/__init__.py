__version__ = "0.1.0"
import sys as _sys
from pathlib import Path as _Path

# Importing rice_prune registers InceptionModule with Keras' serialization (saved models load without
# custom_objects) and with the pruning engine (its channel and FLOPs rules). The `rice_prune_study` command leaves
# this to the study's modules, which it imports after parsing its arguments: `--help` must not wait for TensorFlow.
if _Path((getattr(_sys, 'argv', None) or [''])[0]).stem != 'rice_prune_study':
    from . import models as models
