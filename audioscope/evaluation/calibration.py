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
"""Calibration of on-screen separation models (ECCV sec. 4.4, arXiv 4.2.1).

Library level: everything here works for ANY on-screen separation model that
gives per-source on-screen logits `[N, M]` and separated sources
`[N, M, time]`; the network is never re-run. NumPy (float64) throughout.

* Logit offset (ECCV eq. 12): the calibrated on-screen estimate is
  x_on(theta) = sum_m sigmoid(logit_m + theta) s_m, and `calibrate_offset`
  finds theta by bisection so that the MEDIAN OSR over off-screen examples
  equals a target (6 dB in the paper). Each example's OSR is evaluated from
  precomputed energies and source Gram matrices, so a bisection step costs
  O(N M^2), independent of the clip length. `set_energies` keeps only those
  (`SetEnergies`, concatenable), so sets too long to hold as audio can be
  gathered piece by piece and calibrated with
  `calibrate_energies_with_details`; `suppression_db` gives each example's
  OSR at any theta.
* `osr_snr_curve`, `write_curve_csv`, `plot_curve_png`: the OSR/SNR
  trade-off as theta varies (the paper's Fig. 4).
* `IsotonicCalibrator` (arXiv 4.2.1): isotonic regression of labelled
  validation probabilities, saved as JSON.

OSR and SNR follow `audioscope.metrics` exactly: OSR = 10 log10((||x||^2 +
1e-8) / (||x_on||^2 + 1e-8)) (sums; 0 dB for a silent mixture), SNR =
10 log10((P(t) + 1e-8) / (P(t - x_on) + 1e-8)) (means).
"""

import csv
import dataclasses
import json
from typing import List, Optional, Sequence, Tuple

from absl import logging
import numpy as np
from scipy import special
from sklearn import isotonic

EPSILON = 1e-8
ACTIVITY_THRESHOLD = 1e-8
# Logit offsets beyond this magnitude saturate every sigmoid in float64 for
# logits of any trained model; the bracket never grows past it.
_MAX_ABS_THETA = 1e4


def _as_array(x, name, ndim, layout):
  """Converts to a finite float64 array of the given rank."""
  if hasattr(x, 'numpy'):
    x = x.numpy()
  array = np.asarray(x, dtype=np.float64)
  if array.ndim != ndim:
    raise ValueError(f'{name} must have shape {layout}, got {array.shape}.')
  if not np.all(np.isfinite(array)):
    raise ValueError(f'{name} contains NaN or Inf; calibration needs finite '
                     'model outputs and audio.')
  return array


def _check_set(logits, sources, mixtures=None, kind='off-screen'):
  """Validates one evaluation set; returns float64 arrays."""
  logits = _as_array(logits, 'logits', 2, '[N, M]')
  sources = _as_array(sources, 'sources', 3, '[N, M, time]')
  if sources.shape[:2] != logits.shape:
    raise ValueError(
        f'sources {sources.shape} must be [N, M, time] with [N, M] = logits '
        f'shape {logits.shape}.')
  if mixtures is not None:
    name = 'mixtures' if kind == 'off-screen' else 'on_screen_references'
    mixtures = _as_array(mixtures, name, 2, '[N, time]')
    if mixtures.shape != (sources.shape[0], sources.shape[2]):
      raise ValueError(
          f'{name} must have shape [N, time] = '
          f'{(sources.shape[0], sources.shape[2])} to match sources, got '
          f'{mixtures.shape}.')
  if logits.shape[0] == 0:
    raise ValueError(f'The {kind} set has no examples; calibration needs at '
                     'least one.')
  return logits, sources, mixtures


def _db(numerator, denominator):
  return 10.0 * np.log10((numerator + EPSILON) / (denominator + EPSILON))


def on_screen_estimate(logits, sources, offset=0.0):
  """Calibrated on-screen estimate (ECCV eq. 12).

  Args:
    logits: `[N, M]` on-screen logits.
    sources: `[N, M, time]` separated sources.
    offset: scalar logit offset theta.

  Returns:
    `[N, time]` float64 sum_m sigmoid(logits_m + offset) s_m.
  """
  logits, sources, _ = _check_set(logits, sources)
  probabilities = special.expit(logits + float(offset))
  return np.einsum('nm,nmt->nt', probabilities, sources)


def _probability_energy(probabilities, gram):
  """`[N]` energy p^T G p of sum_m p_m s_m, from the sources' Gram matrices."""
  return np.maximum(
      np.einsum('nm,nmk,nk->n', probabilities, gram, probabilities), 0.0)


@dataclasses.dataclass(frozen=True)
class SetEnergies:
  """What calibration needs of a set, without the audio (`set_energies`).

  The energy of x_on(theta) = sum_m sigmoid(l_m + theta) s_m is p^T G p with
  G the Gram matrix of the sources, so a set costs O(N M^2) memory here
  instead of O(N M time): long recordings can be gathered window by window
  (`concatenate`).

  Attributes:
    logits: `[N, M]` float64 on-screen logits.
    gram: `[N, M, M]` float64 inner products of the sources over time.
    mixture_energy: `[N]` float64 energy of the input audio (sum over time).
    active: `[N]` bool, the input's RMS is above 1e-8 (not silent).
  """
  logits: np.ndarray
  gram: np.ndarray
  mixture_energy: np.ndarray
  active: np.ndarray

  @property
  def num_examples(self) -> int:
    return int(self.logits.shape[0])

  def take(self, index) -> 'SetEnergies':
    """The examples at `index` (a boolean mask or integer indices)."""
    return SetEnergies(self.logits[index], self.gram[index],
                       self.mixture_energy[index], self.active[index])

  @classmethod
  def concatenate(cls, sets: Sequence['SetEnergies']) -> 'SetEnergies':
    """The examples of several sets with the same M, in order."""
    if not sets:
      raise ValueError('Nothing to concatenate: no sets given.')
    return cls(*(np.concatenate([getattr(e, field.name) for e in sets])
                 for field in dataclasses.fields(cls)))

  def probability_energy(self, probabilities):
    """`[N]` energy of sum_m p_m s_m for probabilities `[N, M]`."""
    return _probability_energy(probabilities, self.gram)

  def estimate_energy(self, theta):
    """`[N]` energy of the on-screen estimate at logit offset theta."""
    return self.probability_energy(special.expit(self.logits + theta))

  def suppression_db(self, offset=0.0):
    """`[N]` OSR of the input by x_on(offset), 0 dB where it is silent."""
    return np.where(
        self.active,
        _db(self.mixture_energy, self.estimate_energy(float(offset))), 0.0)


def set_energies(logits, sources, mixtures) -> SetEnergies:
  """The `SetEnergies` of logits `[N, M]`, sources `[N, M, time]` and input
  audio `[N, time]` (checked as calibration checks them)."""
  logits, sources, mixtures = _check_set(logits, sources, mixtures)
  return SetEnergies(
      logits=logits, gram=np.einsum('nmt,nkt->nmk', sources, sources),
      mixture_energy=np.sum(np.square(mixtures), axis=-1),
      active=np.sqrt(np.mean(np.square(mixtures), axis=-1)) > (
          ACTIVITY_THRESHOLD))


@dataclasses.dataclass(frozen=True)
class OnScreenEnergies:
  """What the on-screen SNR at any theta needs of a set, without the audio.

  SNR(x_on, x_on(theta)) follows from ||x_on||^2, the inner products
  <x_on, s_m> and the Gram matrix of the sources (`on_screen_energies`), so
  the SNR of a set at a new theta, or of a resample of its examples, costs
  O(N M^2).

  Attributes:
    logits: `[N, M]` float64 on-screen logits.
    gram: `[N, M, M]` float64 inner products of the sources over time.
    cross: `[N, M]` float64 inner products <x_on, s_m>.
    reference_energy: `[N]` float64 energy of x_on (sum over time).
    num_samples: the clips' length in samples (SNR uses mean squares).
    active: `[N]` bool, x_on's RMS is above 1e-8 (not silent).
  """
  logits: np.ndarray
  gram: np.ndarray
  cross: np.ndarray
  reference_energy: np.ndarray
  num_samples: int
  active: np.ndarray

  @property
  def num_examples(self) -> int:
    return int(self.logits.shape[0])

  def take(self, index) -> 'OnScreenEnergies':
    """The examples at `index` (a boolean mask or integer indices)."""
    return OnScreenEnergies(self.logits[index], self.gram[index],
                            self.cross[index], self.reference_energy[index],
                            self.num_samples, self.active[index])

  def snr_db(self, offset=0.0):
    """`[N]` SNR(x_on, x_on(offset)) as `audioscope.metrics.snr` gives it."""
    probabilities = special.expit(self.logits + float(offset))
    error_energy = np.maximum(
        self.reference_energy -
        2.0 * np.sum(probabilities * self.cross, axis=-1) +
        _probability_energy(probabilities, self.gram), 0.0)
    return _db(self.reference_energy / self.num_samples,
               error_energy / self.num_samples)


def on_screen_energies(logits, sources, on_screen_references
                      ) -> OnScreenEnergies:
  """The `OnScreenEnergies` of logits `[N, M]`, sources `[N, M, time]` and
  on-screen references x_on `[N, time]` (checked as calibration checks
  them)."""
  logits, sources, references = _check_set(
      logits, sources, on_screen_references, kind='on-screen')
  return OnScreenEnergies(
      logits=logits, gram=np.einsum('nmt,nkt->nmk', sources, sources),
      cross=np.einsum('nt,nmt->nm', references, sources),
      reference_energy=np.sum(np.square(references), axis=-1),
      num_samples=int(references.shape[-1]),
      active=np.sqrt(np.mean(np.square(references), axis=-1)) > (
          ACTIVITY_THRESHOLD))


def suppression_db(logits, sources, mixtures, offset=0.0):
  """Per-example suppression of the input by the on-screen estimate, in dB.

  10 log10((||x||^2 + 1e-8) / (||x_on(offset)||^2 + 1e-8)), the OSR of
  `audioscope.metrics.osr` (0 dB for a silent mixture, RMS <= 1e-8): on
  off-screen examples their OSR; on on-screen ones, how much of the input
  the estimate loses.

  Args:
    logits: `[N, M]` on-screen logits.
    sources: `[N, M, time]` separated sources.
    mixtures: `[N, time]` the input audio x.
    offset: scalar logit offset theta.

  Returns:
    `[N]` float64.
  """
  return set_energies(logits, sources, mixtures).suppression_db(offset)


class _OffScreenSet:
  """Median OSR of an off-screen set as a function of theta."""

  def __init__(self, energies: SetEnergies):
    if energies.num_examples == 0:
      raise ValueError('The off-screen set has no examples; calibration '
                       'needs at least one.')
    self.num_silent = int(np.sum(~energies.active))
    if not np.any(energies.active):
      raise ValueError(
          f'All {energies.num_examples} off-screen mixtures are silent (RMS '
          f'<= {ACTIVITY_THRESHOLD}); calibration needs non-silent examples.')
    if self.num_silent:
      logging.warning('Calibration skips %d silent off-screen mixtures.',
                      self.num_silent)
    self.energy = energies.take(energies.active)
    self.num_examples = self.energy.num_examples

  def median_osr(self, theta):
    return float(np.median(self.energy.suppression_db(theta)))

  def reachable_range(self):
    """(median OSR as theta -> +inf, median OSR as theta -> -inf)."""
    zeros = np.zeros_like(self.energy.logits)
    mixture_energy = self.energy.mixture_energy
    low = np.median(
        _db(mixture_energy, self.energy.probability_energy(zeros + 1.0)))
    high = np.median(_db(mixture_energy,
                         self.energy.probability_energy(zeros)))
    return float(low), float(high)


@dataclasses.dataclass(frozen=True)
class CalibrationResult:
  """Outcome of `calibrate_offset_with_details`.

  Attributes:
    theta: the logit offset.
    median_osr_db: median OSR over the (non-silent) off-screen examples at
      theta.
    target_osr_db: the requested median OSR.
    iterations: bisection steps taken.
    converged: whether |median_osr_db - target_osr_db| <= tolerance.
    num_examples: off-screen examples used.
    num_silent_skipped: silent off-screen mixtures left out.
    reachable_osr_db: (lowest, highest) median OSR any theta can give, i.e.
      at theta -> +inf and theta -> -inf.
  """
  theta: float
  median_osr_db: float
  target_osr_db: float
  iterations: int
  converged: bool
  num_examples: int
  num_silent_skipped: int
  reachable_osr_db: Tuple[float, float]


def calibrate_offset_with_details(logits,
                                  sources,
                                  mixtures,
                                  target_osr_db=6.0,
                                  tolerance_db=0.01,
                                  max_iterations=100,
                                  bracket=(-10.0, 10.0)):
  """Finds the logit offset theta giving a target median OSR (ECCV eq. 12).

  Median OSR decreases with theta (sigmoids open up): it tends to the OSR of
  the all-zero estimate as theta -> -inf and to the OSR of sum_m s_m (0 dB
  for mixture-consistent sources) as theta -> +inf. The bracket is doubled
  until it contains the target, then bisected until the median OSR is within
  `tolerance_db` of the target.

  Args:
    logits: `[N, M]` on-screen logits of off-screen-only examples.
    sources: `[N, M, time]` their separated sources.
    mixtures: `[N, time]` their input audio. Silent ones (RMS <= 1e-8) are
      skipped and counted.
    target_osr_db: desired median OSR in dB.
    tolerance_db: allowed |median OSR - target| in dB.
    max_iterations: bisection steps at most.
    bracket: (low, high) initial theta interval, expanded as needed.

  Returns:
    A `CalibrationResult`.

  Raises:
    ValueError: on bad shapes/values, no (non-silent) examples, or a target
      outside the reachable median-OSR range (named in the message).
  """
  return calibrate_energies_with_details(
      set_energies(logits, sources, mixtures), target_osr_db=target_osr_db,
      tolerance_db=tolerance_db, max_iterations=max_iterations,
      bracket=bracket)


def calibrate_energies_with_details(energies: SetEnergies,
                                    target_osr_db=6.0,
                                    tolerance_db=0.01,
                                    max_iterations=100,
                                    bracket=(-10.0, 10.0)):
  """`calibrate_offset_with_details` of an off-screen set's `SetEnergies`.

  For sets gathered piece by piece (`SetEnergies.concatenate`), whose
  sources would not fit in memory at once; same arguments otherwise.
  """
  if tolerance_db <= 0 or max_iterations < 1:
    raise ValueError(f'tolerance_db must be > 0 and max_iterations >= 1, got '
                     f'{tolerance_db} and {max_iterations}.')
  low, high = (float(b) for b in bracket)
  if not (np.isfinite(low) and np.isfinite(high) and low < high):
    raise ValueError(f'bracket must be finite (low, high) with low < high, '
                     f'got {bracket}.')
  data = _OffScreenSet(energies)
  reachable = data.reachable_range()
  target = float(target_osr_db)
  if not reachable[0] - tolerance_db <= target <= reachable[1] + tolerance_db:
    raise ValueError(
        f'Target median OSR {target:.2f} dB cannot be reached: over all logit '
        f'offsets the median OSR of these {data.num_examples} off-screen '
        f'examples lies in [{reachable[0]:.2f}, {reachable[1]:.2f}] dB '
        f'(theta -> +inf gives the lower end, theta -> -inf the upper); choose '
        f'a target inside it.')

  def result(theta, value, iterations):
    return CalibrationResult(
        theta=float(theta),
        median_osr_db=float(value),
        target_osr_db=target,
        iterations=iterations,
        converged=abs(value - target) <= tolerance_db,
        num_examples=data.num_examples,
        num_silent_skipped=data.num_silent,
        reachable_osr_db=reachable)

  # Expand: f(low) >= target >= f(high).
  f_low, f_high = data.median_osr(low), data.median_osr(high)
  while f_low < target and low > -_MAX_ABS_THETA:
    if abs(f_low - target) <= tolerance_db:
      return result(low, f_low, 0)
    low = max(low - 2.0 * (high - low), -_MAX_ABS_THETA)
    f_low = data.median_osr(low)
  while f_high > target and high < _MAX_ABS_THETA:
    if abs(f_high - target) <= tolerance_db:
      return result(high, f_high, 0)
    high = min(high + 2.0 * (high - low), _MAX_ABS_THETA)
    f_high = data.median_osr(high)
  for theta, value in ((low, f_low), (high, f_high)):
    if abs(value - target) <= tolerance_db:
      return result(theta, value, 0)

  best = (low, f_low) if abs(f_low - target) < abs(f_high - target) else (
      high, f_high)
  iterations = 0
  while iterations < max_iterations:
    iterations += 1
    middle = 0.5 * (low + high)
    value = data.median_osr(middle)
    if abs(value - target) < abs(best[1] - target):
      best = (middle, value)
    if abs(value - target) <= tolerance_db:
      break
    if value > target:
      low = middle
    else:
      high = middle
  calibration = result(best[0], best[1], iterations)
  if not calibration.converged:
    logging.warning(
        'Calibration did not reach %.3f dB within %.3f dB after %d steps '
        '(best %.3f dB at theta %.4f): median OSR is not monotonic in theta '
        'for this set.', target, tolerance_db, iterations, best[1], best[0])
  return calibration


def calibrate_offset(logits,
                     sources,
                     mixtures,
                     target_osr_db=6.0,
                     tolerance_db=0.01,
                     max_iterations=100,
                     bracket=(-10.0, 10.0)):
  """The logit offset theta giving `target_osr_db` median OSR.

  See `calibrate_offset_with_details` (same arguments) for the method; this
  returns only theta, as a Python float, to be written into
  `model.classifier.calibration_offset`.

  Args:
    logits: `[N, M]` on-screen logits of off-screen-only examples.
    sources: `[N, M, time]` their separated sources.
    mixtures: `[N, time]` their input audio.
    target_osr_db: desired median OSR in dB (6 in the paper).
    tolerance_db: allowed |median OSR - target| in dB.
    max_iterations: bisection steps at most.
    bracket: (low, high) initial theta interval, expanded as needed.

  Returns:
    theta (float).

  Raises:
    ValueError: see `calibrate_offset_with_details`.
  """
  return calibrate_offset_with_details(
      logits,
      sources,
      mixtures,
      target_osr_db=target_osr_db,
      tolerance_db=tolerance_db,
      max_iterations=max_iterations,
      bracket=bracket).theta


@dataclasses.dataclass(frozen=True)
class CurvePoint:
  """One operating point of the OSR/SNR curve.

  Attributes:
    theta: logit offset.
    median_osr_db: median OSR over the off-screen set.
    median_snr_db: median SNR(x_on, x_on(theta)) over the on-screen set.
  """
  theta: float
  median_osr_db: float
  median_snr_db: float


def osr_snr_curve(logits_off,
                  sources_off,
                  mixtures_off,
                  logits_on,
                  sources_on,
                  on_screen_references,
                  thetas=None) -> List[CurvePoint]:
  """Median OSR (off-screen set) and SNR (on-screen set) versus theta.

  Args:
    logits_off: `[N_off, M]` logits of off-screen-only examples.
    sources_off: `[N_off, M, time]` their separated sources.
    mixtures_off: `[N_off, time]` their input audio (silent ones skipped).
    logits_on: `[N_on, M]` logits of on-screen examples.
    sources_on: `[N_on, M, time]` their separated sources.
    on_screen_references: `[N_on, time]` their on-screen references x_on
      (silent ones skipped).
    thetas: offsets to evaluate; default 81 values in [-10, 10].

  Returns:
    `CurvePoint`s sorted by theta.

  Raises:
    ValueError: on bad shapes or values, or empty/silent sets.
  """
  off_set = _OffScreenSet(set_energies(logits_off, sources_off,
                                       mixtures_off))
  on_set = on_screen_energies(logits_on, sources_on, on_screen_references)
  if not np.any(on_set.active):
    raise ValueError('All on-screen references are silent; the OSR/SNR curve '
                     'needs non-silent on-screen examples.')
  on_set = on_set.take(on_set.active)
  if thetas is None:
    thetas = np.linspace(-10.0, 10.0, 81)
  thetas = np.sort(np.asarray(thetas, dtype=np.float64).reshape(-1))
  if thetas.size == 0 or not np.all(np.isfinite(thetas)):
    raise ValueError('thetas must be a non-empty list of finite offsets.')
  curve = []
  for theta in thetas:
    curve.append(
        CurvePoint(
            theta=float(theta),
            median_osr_db=off_set.median_osr(theta),
            median_snr_db=float(np.median(on_set.snr_db(theta)))))
  return curve


def _open(path, mode):
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return tf.io.gfile.GFile(path, mode)


def write_curve_csv(path, curve: Sequence[CurvePoint]):
  """Writes the curve as CSV: theta,median_osr_db,median_snr_db.

  Args:
    path: output path (local or any tf.io.gfile filesystem).
    curve: `CurvePoint`s, e.g. from `osr_snr_curve`.
  """
  if not curve:
    raise ValueError('The curve is empty; compute it with osr_snr_curve.')
  with _open(path, 'w') as f:
    writer = csv.writer(f)
    writer.writerow(['theta', 'median_osr_db', 'median_snr_db'])
    for point in curve:
      writer.writerow([
          repr(point.theta),
          repr(point.median_osr_db),
          repr(point.median_snr_db)
      ])


CURVE_COLUMNS = ('theta', 'median_osr_db', 'median_snr_db')


def read_curve_csv(path) -> List[CurvePoint]:
  """Reads a curve written by `write_curve_csv`, sorted by theta.

  Args:
    path: the CSV (e.g. `osr_snr_curve.csv` of an `audioscope_eval` run).

  Returns:
    The `CurvePoint`s.

  Raises:
    FileNotFoundError: no such file.
    ValueError: missing columns, a value that is not a finite number, or no
      rows.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  if not tf.io.gfile.exists(path):
    raise FileNotFoundError(
        f'No OSR/SNR curve {path!r}; audioscope_eval writes one '
        '(osr_snr_curve.csv in its --output_dir).')
  with _open(path, 'r') as f:
    reader = csv.DictReader(f)
    missing = set(CURVE_COLUMNS) - set(reader.fieldnames or ())
    if missing:
      raise ValueError(f'{path}: the curve needs the columns {CURVE_COLUMNS}; '
                       f'{sorted(missing)} are missing.')
    curve = []
    for line, row in enumerate(reader, 2):
      try:
        values = [float(row[name]) for name in CURVE_COLUMNS]
      except (TypeError, ValueError) as e:
        raise ValueError(f'{path} line {line}: {row} is not three '
                         'numbers.') from e
      if not all(np.isfinite(values)):
        raise ValueError(f'{path} line {line}: {row} is not finite.')
      curve.append(CurvePoint(*values))
  if not curve:
    raise ValueError(f'{path}: the curve has no rows.')
  return sorted(curve, key=lambda point: point.theta)


def offset_for_osr(curve: Sequence[CurvePoint],
                   target_osr_db: float) -> Tuple[float, float]:
  """The logit offset at which a measured curve reaches a median OSR.

  Lets a user pick the operating point of a trained model without its
  evaluation data (ECCV Fig. 1: a chosen tolerance for off-screen sounds):
  linear interpolation of the curve's median OSR between neighbouring
  thetas. The median OSR falls as theta grows; where the curve crosses the
  target more than once, the largest such theta (the most on-screen sound
  kept at that suppression) is taken.

  Args:
    curve: `CurvePoint`s, e.g. from `osr_snr_curve` or `read_curve_csv`.
    target_osr_db: the median OSR wanted.

  Returns:
    (theta, median SNR interpolated at it).

  Raises:
    ValueError: an empty curve, or a target outside the curve's OSR range
      (the message gives the range).
  """
  points = sorted(curve, key=lambda point: point.theta)
  if not points:
    raise ValueError('The curve is empty; compute it with osr_snr_curve.')
  target = float(target_osr_db)
  osr = np.array([point.median_osr_db for point in points])
  for i in range(len(points) - 1, -1, -1):
    if osr[i] == target:
      return points[i].theta, points[i].median_snr_db
    if i > 0 and (osr[i - 1] - target) * (osr[i] - target) < 0:
      weight = (osr[i - 1] - target) / (osr[i - 1] - osr[i])
      theta = points[i - 1].theta + weight * (points[i].theta -
                                              points[i - 1].theta)
      snr = points[i - 1].median_snr_db + weight * (
          points[i].median_snr_db - points[i - 1].median_snr_db)
      return float(theta), float(snr)
  raise ValueError(
      f'A median OSR of {target:g} dB is outside what the curve reaches: '
      f'{osr.min():.2f} to {osr.max():.2f} dB for theta '
      f'{points[0].theta:g} to {points[-1].theta:g}. Pick a target in that '
      'range, or set the offset itself.')


def plot_curve_png(path,
                   curve: Sequence[CurvePoint],
                   theta: Optional[float] = None,
                   target_osr_db: Optional[float] = None,
                   label: str = 'model'):
  """Plots median OSR versus median SNR (the paper's Fig. 4) as a PNG.

  Args:
    path: output .png path (local or any tf.io.gfile filesystem).
    curve: `CurvePoint`s, e.g. from `osr_snr_curve`.
    theta: chosen calibration offset; marked on the curve (linear
      interpolation between the curve's thetas).
    target_osr_db: if given, a horizontal line at this OSR.
    label: legend label of the curve.
  """
  if not curve:
    raise ValueError('The curve is empty; compute it with osr_snr_curve.')
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  from matplotlib import pyplot as plt  # pylint: disable=g-import-not-at-top

  points = sorted(curve, key=lambda p: p.theta)
  thetas = np.array([p.theta for p in points])
  osrs = np.array([p.median_osr_db for p in points])
  snrs = np.array([p.median_snr_db for p in points])
  figure, axes = plt.subplots(figsize=(5, 4), dpi=100)
  try:
    axes.plot(snrs, osrs, '-', label=label)
    if target_osr_db is not None:
      axes.axhline(target_osr_db, color='k', linewidth=0.8,
                   label=f'target {target_osr_db:g} dB OSR')
    if theta is not None:
      axes.plot(
          np.interp(theta, thetas, snrs), np.interp(theta, thetas, osrs), 'o',
          color='tab:red', label=f'theta = {theta:.3f}')
    axes.set_xlabel('median on-screen SNR (dB)')
    axes.set_ylabel('median off-screen OSR (dB)')
    axes.grid(True, alpha=0.3)
    axes.legend(loc='best')
    figure.tight_layout()
    with _open(path, 'wb') as f:
      figure.savefig(f, format='png')
  finally:
    plt.close(figure)


class IsotonicCalibrator:
  """Isotonic-regression calibration of on-screen probabilities (arXiv 4.2.1).

  Fit on labelled validation sources (1 = on-screen, 0 = off-screen); maps
  probabilities (or logits, with `from_logits=True`) through a non-decreasing
  piecewise-linear function, clipped outside the fitted range
  (`sklearn.isotonic.IsotonicRegression(out_of_bounds='clip',
  increasing=True)`). Saved as JSON holding the fitted thresholds, so a
  loaded calibrator needs no scikit-learn.

  Usable with any model: `calibrator(model_output['probabilities'])`.
  """

  def __init__(self, from_logits=False):
    self.from_logits = bool(from_logits)
    self.x_thresholds = None
    self.y_thresholds = None

  def _scores(self, values, name):
    if hasattr(values, 'numpy'):
      values = values.numpy()
    values = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
      raise ValueError(f'{name} contains NaN or Inf.')
    if not self.from_logits and (np.any(values < 0) or np.any(values > 1)):
      raise ValueError(
          f'{name} must be probabilities in [0, 1]; for logits build '
          'IsotonicCalibrator(from_logits=True).')
    return values

  def fit(self, scores, labels, sample_weight=None):
    """Fits the isotonic map.

    Args:
      scores: `[N, M]` (any shape) on-screen probabilities, or logits with
        `from_logits=True`.
      labels: same shape, binary on-screen labels.
      sample_weight: None or same shape, e.g. normalized source powers.

    Returns:
      self.

    Raises:
      ValueError: on shape mismatch, NaN, non-binary labels or fewer than
        two examples.
    """
    scores = self._scores(scores, 'scores')
    labels = np.asarray(labels, dtype=np.float64)
    if labels.shape != scores.shape:
      raise ValueError(f'labels {labels.shape} must have the shape of scores '
                       f'{scores.shape}.')
    if not np.all(np.isin(labels, (0.0, 1.0))):
      raise ValueError('labels must be binary (1 = on-screen, 0 = off-screen).')
    if scores.size < 2:
      raise ValueError('IsotonicCalibrator needs at least two labelled '
                       'sources to fit.')
    if sample_weight is not None:
      sample_weight = np.asarray(sample_weight, dtype=np.float64)
      if sample_weight.shape != scores.shape:
        raise ValueError(f'sample_weight {sample_weight.shape} must have the '
                         f'shape of scores {scores.shape}.')
      sample_weight = sample_weight.reshape(-1)
    regression = isotonic.IsotonicRegression(
        out_of_bounds='clip', increasing=True, y_min=0.0, y_max=1.0)
    regression.fit(scores.reshape(-1), labels.reshape(-1),
                   sample_weight=sample_weight)
    self.x_thresholds = np.asarray(regression.X_thresholds_, np.float64)
    self.y_thresholds = np.asarray(regression.y_thresholds_, np.float64)
    return self

  def transform(self, scores):
    """Calibrated on-screen probabilities, same shape as `scores`."""
    if self.x_thresholds is None:
      raise ValueError('IsotonicCalibrator is not fitted; call fit() or '
                       'IsotonicCalibrator.load(path) first.')
    scores = self._scores(scores, 'scores')
    return np.interp(scores, self.x_thresholds, self.y_thresholds)

  __call__ = transform

  def save(self, path):
    """Writes the fitted thresholds as JSON."""
    if self.x_thresholds is None:
      raise ValueError('IsotonicCalibrator is not fitted; nothing to save.')
    content = {
        'type': 'isotonic',
        'from_logits': self.from_logits,
        'x_thresholds': self.x_thresholds.tolist(),
        'y_thresholds': self.y_thresholds.tolist(),
    }
    with _open(path, 'w') as f:
      json.dump(content, f, indent=1)

  @classmethod
  def load(cls, path):
    """Reads a calibrator written by `save`."""
    with _open(path, 'r') as f:
      try:
        content = json.load(f)
      except json.JSONDecodeError as e:
        raise ValueError(
            f'{path} is not a JSON isotonic calibrator: {e}') from e
    if not isinstance(content, dict) or content.get('type') != 'isotonic':
      raise ValueError(f'{path} is not an isotonic calibrator file (no '
                       '"type": "isotonic").')
    calibrator = cls(from_logits=content.get('from_logits', False))
    x = np.asarray(content.get('x_thresholds', []), dtype=np.float64)
    y = np.asarray(content.get('y_thresholds', []), dtype=np.float64)
    if (x.ndim != 1 or x.shape != y.shape or x.size == 0 or
        np.any(np.diff(x) < 0) or np.any(np.diff(y) < 0)):
      raise ValueError(
          f'{path} holds malformed thresholds: they must be equal-length, '
          'non-empty and non-decreasing; refit and save the calibrator.')
    calibrator.x_thresholds = x
    calibrator.y_thresholds = y
    return calibrator
