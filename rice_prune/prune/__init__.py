"Structured filter pruning for Keras 3: channel dependency graph (`graph`), importance criteria (`importance`), pruner (`pruner`), recovery and search (`recover`)."
from .graph import ChannelGraph, ChannelGroup, ChannelRule, LayerCall, UnsupportedLayerError, register_channel_rule, rule_for
from .importance import (Importance, MagnitudeImportance, BNScaleImportance, ActivationImportance, RandomImportance,
                         FunctionImportance, CRITERIA, get_importance, unit_scores, activation_stats)
from .pruner import (ROUNDINGS, kept_count, round_widths, select_filters, remove_filters, prune_filters, pruning_report,
                     pruning_summary, to_tflite, tflite_predict)
from .recover import (classifier_head, retrain_classifier, fine_tune, prunable_layers, sensitivity_scan, plot_sensitivity,
                      adaptive_ratios, ratio_for_flops, iterative_prune, compare_pruned, pruning_experiment,
                      STUDY_PRUNING_ACCURACY)
