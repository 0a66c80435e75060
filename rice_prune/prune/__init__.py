"Structured filter pruning for Keras 3: layers and their rules (`layers`), activation statistics (`activations`), channel dependency graph (`graph`), importance criteria (`importance`), latency on your device (`latency`), pruner (`pruner`), recovery and search (`recover`). Imports nothing of the rice study."
from .layers import (CONV_TYPES, ChannelRule, LayerCall, check_model, named_layers, conv_layers, register_layer,
                     channel_rule_for, flops_rule_for, is_convolution, layer_filters)
from .graph import ChannelGraph, ChannelGroup, UnsupportedLayerError
from .activations import feature_maps, dead_filter_probe, dead_filter_stats, dead_filter_summary
from .importance import (Importance, MagnitudeImportance, BNScaleImportance, ActivationImportance, RandomImportance,
                         FunctionImportance, TaylorImportance, FPGMImportance, CRITERIA, get_importance, unit_scores, activation_stats)
from .latency import (time_calls, device_name, LatencyTimer, KerasTimer, TFLiteTimer, FakeTimer, TIMERS, get_timer, LatencyModel,
                      latency_model, latency_cache_dir, validate_latency)
from .pruner import (ROUNDINGS, kept_count, round_widths, select_filters, remove_filters, prune_filters, pruning_report,
                     pruning_summary, PruningSummary, BudgetError, allocate_units, reachable_speedup)
from .recover import (classifier_head, RecoveryResult, retrain_classifier, fine_tune, distill, RECOVERIES, SCHEDULES,
                      get_recovery, recovery_name, prunable_layers, sensitivity_scan, plot_sensitivity, adaptive_ratios,
                      ratio_for_flops, iterative_prune, compare_pruned)

__all__ = ['CONV_TYPES', 'ChannelRule', 'LayerCall', 'check_model', 'named_layers', 'conv_layers', 'register_layer',
           'channel_rule_for', 'flops_rule_for', 'is_convolution', 'layer_filters', 'ChannelGraph', 'ChannelGroup',
           'UnsupportedLayerError', 'feature_maps', 'dead_filter_probe', 'dead_filter_stats', 'dead_filter_summary',
           'Importance', 'MagnitudeImportance', 'BNScaleImportance', 'ActivationImportance', 'RandomImportance',
           'FunctionImportance', 'TaylorImportance', 'FPGMImportance', 'CRITERIA', 'get_importance', 'unit_scores', 'activation_stats',
           'time_calls', 'device_name', 'LatencyTimer', 'KerasTimer', 'TFLiteTimer', 'FakeTimer', 'TIMERS', 'get_timer', 'LatencyModel',
           'latency_model', 'latency_cache_dir', 'validate_latency', 'ROUNDINGS',
           'kept_count', 'round_widths', 'select_filters', 'remove_filters', 'prune_filters', 'pruning_report',
           'pruning_summary', 'PruningSummary', 'BudgetError', 'allocate_units', 'reachable_speedup', 'classifier_head', 'RecoveryResult', 'retrain_classifier',
           'fine_tune', 'distill', 'RECOVERIES', 'SCHEDULES', 'get_recovery', 'recovery_name', 'prunable_layers', 'sensitivity_scan', 'plot_sensitivity', 'adaptive_ratios',
           'ratio_for_flops', 'iterative_prune', 'compare_pruned']
