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
import: TensorFlow is not imported here.
"""

from audioscope.evaluation.calibration import calibrate_offset
from audioscope.evaluation.calibration import calibrate_offset_with_details
from audioscope.evaluation.calibration import CalibrationResult
from audioscope.evaluation.calibration import CurvePoint
from audioscope.evaluation.calibration import IsotonicCalibrator
from audioscope.evaluation.calibration import on_screen_estimate
from audioscope.evaluation.calibration import osr_snr_curve
from audioscope.evaluation.calibration import plot_curve_png
from audioscope.evaluation.calibration import write_curve_csv
