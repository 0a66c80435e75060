__version__ = "0.1.0"
# Importing rice_prune registers InceptionModule with Keras' serialization (saved models load without
# custom_objects) and with the pruning engine (its channel and FLOPs rules).
from . import models as models
