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
"""Bootstrap confidence intervals of the evaluation's numbers.

Not in the papers, which report single medians. An evaluation set of a few
hundred MoMs gives medians and AUCs that another draw of MoMs would move by
tenths of a dB and hundredths of AUC; these intervals say by how much, so that
a number can be read against a target or another model's.

* `EvaluationSample` and `evaluation_intervals`: the calibrated row of
  Table 1 (median SNR, the SNR above the x/2 baseline, median OSR, AUC, AUC
  within MoM and theta). The on-screen and off-screen evaluation examples
  and the calibration set's off-screen examples are resampled independently
  (a stratified bootstrap), and on each resample theta is calibrated again
  on the resampled calibration set, so that the intervals include the
  uncertainty of the operating point (ECCV eq. 12). Everything comes from
  per-example energies and Gram matrices (`calibration.SetEnergies`,
  `calibration.OnScreenEnergies`), so 1000 resamples take seconds.
* `theta_interval`: the calibrated theta of an off-screen set, resampling
  groups of examples (a video's windows) together; `audioscope_calibrate`
  reports it for the user's videos.
* `probe_margin_intervals`: the negative probes' margins (median OSR with
  blank or replaced frames minus with the true frames), resampling clips
  (paired: a clip's three conditions stay together), theta fixed.

`scipy.stats.bootstrap` resamples and forms the percentile intervals; a
metric that a resample cannot define (e.g. every resampled calibration
example silent) makes its interval None.
"""

import dataclasses
import warnings
from typing import Any, Dict, Mapping, Optional, Sequence

from absl import logging
import numpy as np
from scipy import stats

from audioscope import metrics
from audioscope.evaluation import calibration

DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
METHOD = 'percentile'

# The metrics of `evaluation_intervals`, in report order, with their titles.
METRIC_TITLES = (
    ('theta', 'theta (calibrated on each resample)'),
    ('median_snr_db', 'SNR (dB)'),
    ('snr_above_half_mixture_db', 'SNR above the x/2 baseline (dB)'),
    ('median_osr_db', 'OSR (dB)'),
    ('auc', 'AUC'),
    ('within_auc', 'AUC within MoM'),
)


@dataclasses.dataclass(frozen=True)
class EvaluationSample:
  """What the calibrated metrics of an evaluation need, without the audio.

  Attributes:
    on_screen: the on-screen examples' `calibration.OnScreenEnergies`.
    on_screen_labels: `[N_on, M]` the MixIT assignment of each source to
      x_on (1) or x - x_on (0), the labels of the AUCs.
    half_mixture_snr_db: `[N_on]` SNR(x_on, x / 2), the x/2 baseline.
    off_screen: the off-screen examples' `calibration.SetEnergies`.
    calibration_set: the `SetEnergies` theta is calibrated on (e.g. the
      validation set's off-screen examples); None keeps theta fixed.
    calibrate_on_off_screen: the calibration set is `off_screen` itself
      (ECCV Table 1's protocol): resampled together with it.
  """
  on_screen: calibration.OnScreenEnergies
  on_screen_labels: np.ndarray
  half_mixture_snr_db: np.ndarray
  off_screen: calibration.SetEnergies
  calibration_set: Optional[calibration.SetEnergies] = None
  calibrate_on_off_screen: bool = False

  def __post_init__(self):
    num_on = self.on_screen.num_examples
    if self.on_screen_labels.shape != self.on_screen.logits.shape:
      raise ValueError(
          f'on_screen_labels {self.on_screen_labels.shape} must match the '
          f'on-screen logits {self.on_screen.logits.shape}.')
    if self.half_mixture_snr_db.shape != (num_on,):
      raise ValueError(f'half_mixture_snr_db must have shape [{num_on}], got '
                       f'{self.half_mixture_snr_db.shape}.')
    if not num_on or not self.off_screen.num_examples:
      raise ValueError('Bootstrap intervals need on-screen and off-screen '
                       'examples; one of the sets is empty.')
    if self.calibrate_on_off_screen and self.calibration_set is not None:
      raise ValueError('Give calibration_set or calibrate_on_off_screen, '
                       'not both.')


def _median(values) -> float:
  return float(np.median(values)) if values.size else float('nan')


def _calibrated_theta(energies: calibration.SetEnergies,
                      target_osr_db: float, tolerance_db: float) -> float:
  """The calibrated theta of a resample; NaN where no theta reaches the
  target (the resample then leaves its interval undefined)."""
  try:
    return calibration.calibrate_energies_with_details(
        energies, target_osr_db=target_osr_db,
        tolerance_db=tolerance_db).theta
  except ValueError as e:
    logging.debug('Bootstrap resample not calibrated: %s', e)
    return float('nan')


class ResampleMetrics:
  """The metrics of a resample of an `EvaluationSample` (`__call__`).

  Per-example statistics are computed once; a call with the indices of a
  resample (repeats allowed) costs O(N M^2) and one calibration. The same
  index arrays applied to two models' samples of the same examples give
  paired resamples.
  """

  def __init__(self, sample: EvaluationSample, theta: float,
               target_osr_db: Optional[float] = 6.0,
               tolerance_db: float = 0.01):
    """See `evaluation_intervals` for the arguments."""
    self.sample = sample
    self.theta = float(theta)
    self.target_osr_db = target_osr_db
    self.tolerance_db = tolerance_db
    on = sample.on_screen
    self.on_weights = metrics.power_shares(np.einsum('nmm->nm', on.gram))
    self.off_weights = metrics.power_shares(
        np.einsum('nmm->nm', sample.off_screen.gram))
    self.within_correct, self.within_total = (
        metrics.within_example_pair_weights(sample.on_screen_labels,
                                            on.logits, self.on_weights))
    calibration_set = sample.calibration_set
    if calibration_set is not None:
      # Calibration skips silent mixtures; so do the resamples, up front.
      calibration_set = calibration_set.take(calibration_set.active)
    self.calibration_set = calibration_set
    self.recalibrates = target_osr_db is not None and (
        calibration_set is not None or sample.calibrate_on_off_screen)

  @property
  def names(self) -> Sequence[str]:
    return [name for name, _ in METRIC_TITLES
            if name != 'theta' or self.recalibrates]

  def calibrate(self, energies: calibration.SetEnergies) -> float:
    return _calibrated_theta(energies, self.target_osr_db, self.tolerance_db)

  def __call__(self, on_index, off_index, calibration_index=None
               ) -> Dict[str, float]:
    """The metrics of the examples at these indices (repeats allowed).

    Args:
      on_index: indices of on-screen examples.
      off_index: indices of off-screen examples (with
        `calibrate_on_off_screen`, also those theta is calibrated on).
      calibration_index: indices of the calibration set's NON-SILENT
        examples (calibration skips silent ones); only when theta is
        calibrated on a calibration set.

    Returns:
      {name: value} for `names`; NaN where a resample does not define it.
    """
    sample = self.sample
    on_index = np.asarray(on_index, np.int64)
    off_index = np.asarray(off_index, np.int64)
    off = sample.off_screen.take(off_index)
    theta = self.theta
    if self.recalibrates:
      if sample.calibrate_on_off_screen:
        theta = self.calibrate(off.take(off.active))
      else:
        theta = self.calibrate(self.calibration_set.take(
            np.asarray(calibration_index, np.int64)))
    on = sample.on_screen.take(on_index)
    values = dict(theta=theta)
    if np.isfinite(theta):
      snr = on.snr_db(theta)[on.active]
      values['median_snr_db'] = _median(snr)
      values['snr_above_half_mixture_db'] = _median(snr) - _median(
          sample.half_mixture_snr_db[on_index][on.active])
      values['median_osr_db'] = _median(off.suppression_db(theta)[off.active])
    labels = np.concatenate([sample.on_screen_labels[on_index],
                             np.zeros_like(off.logits)])
    scores = np.concatenate([on.logits, off.logits])
    weights = np.concatenate([self.on_weights[on_index],
                              self.off_weights[off_index]])
    try:
      values['auc'] = metrics.weighted_auc(labels, scores, weights)
    except ValueError:
      values['auc'] = float('nan')
    total = np.sum(self.within_total[on_index])
    values['within_auc'] = (float(np.sum(self.within_correct[on_index]) /
                                  total) if total > 0 else float('nan'))
    return {name: values.get(name, float('nan')) for name in self.names}


def _interval_summary(names, estimates, result, num_resamples,
                      confidence_level, seed) -> Dict[str, Any]:
  low = np.atleast_1d(result.confidence_interval.low)
  high = np.atleast_1d(result.confidence_interval.high)
  distribution = np.atleast_2d(result.bootstrap_distribution)
  table = {}
  for i, name in enumerate(names):
    defined = np.all(np.isfinite(distribution[i]))
    estimate = estimates[name]
    table[name] = dict(
        estimate=float(estimate) if np.isfinite(estimate) else None,
        low=float(low[i]) if defined else None,
        high=float(high[i]) if defined else None)
    if not defined:
      logging.warning(
          'No bootstrap interval of %s: %d of %d resamples do not define it.',
          name, int(np.sum(~np.isfinite(distribution[i]))), num_resamples)
  return dict(method=METHOD, confidence_level=float(confidence_level),
              num_resamples=int(num_resamples), seed=int(seed),
              metrics=table)


def _bootstrap(data, statistic, **kwargs):
  """`scipy.stats.bootstrap`, percentile method; NaN resamples are counted
  by `_interval_summary` instead of scipy's warning."""
  with warnings.catch_warnings():
    warnings.simplefilter('ignore', stats.DegenerateDataWarning)
    return stats.bootstrap(data, statistic, method=METHOD, **kwargs)


def _check_resampling(num_resamples, confidence_level):
  if int(num_resamples) < 2:
    raise ValueError(f'num_resamples must be >= 2, got {num_resamples}.')
  if not 0.0 < float(confidence_level) < 1.0:
    raise ValueError(f'confidence_level must be in (0, 1), got '
                     f'{confidence_level}.')


def evaluation_intervals(sample: EvaluationSample,
                         theta: float,
                         target_osr_db: Optional[float] = 6.0,
                         tolerance_db: float = 0.01,
                         num_resamples: int = DEFAULT_RESAMPLES,
                         confidence_level: float = DEFAULT_CONFIDENCE,
                         seed: int = 0) -> Optional[Dict[str, Any]]:
  """Percentile-bootstrap intervals of the calibrated evaluation metrics.

  Args:
    sample: the evaluation's per-example statistics.
    theta: the operating point when it is fixed; when theta is calibrated
      on each resample, the full sample's calibration gives the estimates'.
    target_osr_db: calibration target; None (or no calibration set in
      `sample`) keeps theta fixed on every resample.
    tolerance_db: calibration tolerance, as the evaluation's.
    num_resamples: bootstrap resamples.
    confidence_level: e.g. 0.95.
    seed: seed of the resampling.

  Returns:
    {'method': 'percentile', 'confidence_level', 'num_resamples', 'seed',
    'recalibrated' (theta calibrated again on each resample), 'metrics':
    {name: {'estimate', 'low', 'high'}}} for the names of `METRIC_TITLES`
    ('theta' only when recalibrated); the estimates are the full sample's,
    None where undefined. None instead of the dict when a
    resampled set has fewer than two examples.

  Raises:
    ValueError: on a bad number of resamples or confidence level.
  """
  _check_resampling(num_resamples, confidence_level)
  statistic = ResampleMetrics(sample, theta, target_osr_db, tolerance_db)
  names = statistic.names
  data = [np.arange(sample.on_screen.num_examples),
          np.arange(sample.off_screen.num_examples)]
  if statistic.recalibrates and not sample.calibrate_on_off_screen:
    data.append(np.arange(statistic.calibration_set.num_examples))
  if min(len(d) for d in data) < 2:
    logging.info('No bootstrap intervals: a set has %d example(s); '
                 'resampling needs two or more.', min(len(d) for d in data))
    return None
  estimates = statistic(*data)

  def vector_statistic(*indices):
    values = statistic(*indices)
    return np.array([values[name] for name in names])

  result = _bootstrap(
      data, vector_statistic, n_resamples=int(num_resamples),
      vectorized=False, paired=False, confidence_level=confidence_level,
      rng=np.random.default_rng(seed))
  summary = _interval_summary(names, estimates, result, num_resamples,
                              confidence_level, seed)
  summary['recalibrated'] = bool(statistic.recalibrates)
  return summary


def probe_margin_intervals(osr_db: Mapping[str, np.ndarray],
                           num_resamples: int = DEFAULT_RESAMPLES,
                           confidence_level: float = DEFAULT_CONFIDENCE,
                           seed: int = 0) -> Dict[str, Any]:
  """Intervals of the probes' margins: median OSR minus the true video's.

  Args:
    osr_db: {'true_video', 'blank_video', 'replaced_video': `[N]` per-clip
      OSR in dB of the same non-silent clips, in the same order}.
    num_resamples: bootstrap resamples (of clips, paired across conditions).
    confidence_level: e.g. 0.95.
    seed: seed of the resampling.

  Returns:
    As `evaluation_intervals` (without 'recalibrated'), with metrics
    'blank_video' and 'replaced_video' (their margins in dB).

  Raises:
    ValueError: fewer than two clips, conditions of different lengths, or a
      bad number of resamples or confidence level.
  """
  _check_resampling(num_resamples, confidence_level)
  names = ('blank_video', 'replaced_video')
  columns = [np.asarray(osr_db[name], np.float64)
             for name in ('true_video',) + names]
  if len({c.shape for c in columns}) != 1 or columns[0].ndim != 1:
    raise ValueError('The conditions need per-clip OSRs of the same clips, '
                     f'got shapes {[c.shape for c in columns]}.')
  if columns[0].size < 2:
    raise ValueError(f'Bootstrap intervals need at least two clips, got '
                     f'{columns[0].size}.')

  def margins(true_video, blank_video, replaced_video, axis=-1):
    true_median = np.median(true_video, axis=axis)
    return np.stack([np.median(blank_video, axis=axis) - true_median,
                     np.median(replaced_video, axis=axis) - true_median])

  estimates = dict(zip(names, margins(*columns)))
  result = _bootstrap(
      columns, margins, n_resamples=int(num_resamples), vectorized=True,
      paired=True, confidence_level=confidence_level,
      rng=np.random.default_rng(seed))
  return _interval_summary(names, estimates, result, num_resamples,
                           confidence_level, seed)


def theta_interval(energies: calibration.SetEnergies,
                   groups: Optional[np.ndarray] = None,
                   target_osr_db: float = 6.0,
                   tolerance_db: float = 0.01,
                   num_resamples: int = DEFAULT_RESAMPLES,
                   confidence_level: float = DEFAULT_CONFIDENCE,
                   seed: int = 0) -> Optional[Dict[str, Any]]:
  """Interval of the calibrated theta of an off-screen set.

  Windows of one video are not independent draws, so the resampled units
  are the `groups` (e.g. videos), each with all its examples: a cluster
  bootstrap. Silent examples are left out, as calibration leaves them out.

  Args:
    energies: the off-screen set's `calibration.SetEnergies`.
    groups: `[N]` group (e.g. video) of each example; None: each example is
      its own group.
    target_osr_db: calibration target.
    tolerance_db: calibration tolerance.
    num_resamples: bootstrap resamples.
    confidence_level: e.g. 0.95.
    seed: seed of the resampling.

  Returns:
    As `evaluation_intervals` (without 'recalibrated') with the metric
    'theta' and 'num_groups', or None when fewer than two groups have a
    non-silent example (nothing to resample).

  Raises:
    ValueError: on a bad number of resamples or confidence level, or groups
      of the wrong shape.
  """
  _check_resampling(num_resamples, confidence_level)
  if groups is None:
    groups = np.arange(energies.num_examples)
  groups = np.asarray(groups).reshape(-1)
  if groups.shape != (energies.num_examples,):
    raise ValueError(f'groups must have one entry per example '
                     f'({energies.num_examples}), got {groups.shape}.')
  groups = groups[energies.active]
  energies = energies.take(energies.active)
  names, group_of_example = np.unique(groups, return_inverse=True)
  if names.size < 2:
    logging.info('No interval of theta: %d group(s) with non-silent '
                 'examples; it needs two or more.', names.size)
    return None
  members = [np.flatnonzero(group_of_example == g) for g in
             range(names.size)]

  def calibrated_theta(group_index):
    index = np.concatenate([members[g] for g in np.asarray(group_index,
                                                           np.int64)])
    return _calibrated_theta(energies.take(index), target_osr_db,
                             tolerance_db)

  all_groups = np.arange(names.size)
  result = _bootstrap(
      [all_groups], calibrated_theta, n_resamples=int(num_resamples),
      vectorized=False, confidence_level=confidence_level,
      rng=np.random.default_rng(seed))
  summary = _interval_summary(['theta'],
                              {'theta': calibrated_theta(all_groups)},
                              result, num_resamples, confidence_level, seed)
  summary['num_groups'] = int(names.size)
  return summary
