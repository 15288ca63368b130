# Copyright 2026 The audioscope Authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
"""Evaluation of on-screen separation models: calibration, metrics, reports.

`calibration` is library level (any model's logits and sources). Light on
import: TensorFlow is not imported here; the names of `evaluate_lib`
(evaluation sets, baselines, reports), `probing` (negative examples) and
`bootstrap` (confidence intervals), which need TensorFlow, are loaded on
first use.
"""

import importlib

from audioscope.evaluation.calibration import calibrate_offset
from audioscope.evaluation.calibration import calibrate_offset_with_details
from audioscope.evaluation.calibration import CalibrationResult
from audioscope.evaluation.calibration import CurvePoint
from audioscope.evaluation.calibration import IsotonicCalibrator
from audioscope.evaluation.calibration import on_screen_estimate
from audioscope.evaluation.calibration import osr_snr_curve
from audioscope.evaluation.calibration import plot_curve_png
from audioscope.evaluation.calibration import write_curve_csv

# Lazily imported names: {name: module}.
_LAZY = {
    'Predictions': 'evaluate_lib',
    'as_model_fn': 'evaluate_lib',
    'baselines': 'evaluate_lib',
    'evaluate': 'evaluate_lib',
    'evaluate_model': 'evaluate_lib',
    'evaluate_predictions': 'evaluate_lib',
    'load_model': 'evaluate_lib',
    'predict': 'evaluate_lib',
    'run_evaluation': 'evaluate_lib',
    'probe_negatives': 'probing',
    'evaluation_intervals': 'bootstrap',
    'bootstrap': None,
    'evaluate_lib': None,
    'probing': None,
}


def __getattr__(name):
  if name not in _LAZY:
    raise AttributeError(
        f'module {__name__!r} has no attribute {name!r}')
  module_name = _LAZY[name] or name
  module = importlib.import_module(f'{__name__}.{module_name}')
  return module if _LAZY[name] is None else getattr(module, name)


def __dir__():
  return sorted(list(globals()) + list(_LAZY))
