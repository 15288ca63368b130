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
"""Evaluation metrics of AudioScopeV2 (ECCV sec. 4.4, arXiv sec. 4.3).

Signal metrics reduce the last (time) axis, return dB and are finite for any
finite input, silent ones included:

* `snr(reference, estimate)`: 10 log10((P(t) + eps) / (P(t - e) + eps)) with
  P the mean square over time and eps = 1e-8, as Google's code; equal to ECCV
  eq. 11 up to eps.
* `si_snr(reference, estimate)`: the gain-invariant SNR of Google's code.
* `osr(mixture, on_screen_estimate)`: off-screen suppression ratio, eq. 11.
* `rms`, `is_active`: RMS level and the 1e-8 activity rule used to mask
  silent references.

Inputs may be NumPy arrays or tensors. With all-NumPy (or Python) inputs and
eager execution the result is a NumPy array; otherwise it is a tf.Tensor.
Float64 inputs are computed in float64, everything else in float32.

Classifier metrics work on NumPy (scikit-learn): `power_weighted_auc`.
`mixit_oracle_si_snr` is the MixIT* oracle of the arXiv paper.
"""

import numpy as np
from sklearn import metrics as sk_metrics
import tensorflow as tf

from audioscope import losses

# eps of Google's SNR code; also the activity threshold on RMS.
EPSILON = 1e-8
ACTIVITY_THRESHOLD = 1e-8


def _prepare(named_inputs):
  """Converts inputs to tensors of one float dtype.

  Args:
    named_inputs: list of (name, value).

  Returns:
    (tensors, return_numpy).
  """
  return_numpy = tf.executing_eagerly() and not any(
      isinstance(v, (tf.Tensor, tf.Variable)) for _, v in named_inputs)
  converted = []
  for name, value in named_inputs:
    tensor = tf.convert_to_tensor(value)
    if not (tensor.dtype.is_floating or tensor.dtype.is_integer):
      raise TypeError(f'{name} must be real-valued audio, got dtype '
                      f'{tensor.dtype.name}; convert it to float32.')
    if tensor.shape.rank is not None and tensor.shape.rank < 1:
      raise ValueError(f'{name} must have shape [..., time], got a scalar.')
    converted.append((name, tensor))
  dtype = tf.float64 if any(
      t.dtype == tf.float64 for _, t in converted) else tf.float32
  tensors = []
  for name, tensor in converted:
    tensor = tf.cast(tensor, dtype)
    tensors.append(
        tf.debugging.check_numerics(
            tensor, f'{name} contains NaN or Inf; metrics need finite audio'))
  if len(tensors) == 2:
    a, b = tensors
    if not a.shape.is_compatible_with(b.shape):
      raise ValueError(
          f'{named_inputs[0][0]} and {named_inputs[1][0]} must have the same '
          f'shape [..., time], got {a.shape} and {b.shape}.')
  return tensors, return_numpy


def _finish(result, return_numpy):
  return result.numpy() if return_numpy else result


def _db(numerator, denominator):
  ratio = (numerator + EPSILON) / (denominator + EPSILON)
  return 10.0 * tf.math.log(ratio) / tf.math.log(tf.constant(10.0, ratio.dtype))


def rms(x):
  """Root mean square over the last axis.

  Args:
    x: `[..., time]` audio.

  Returns:
    `[...]` RMS.
  """
  (x,), return_numpy = _prepare([('x', x)])
  return _finish(tf.sqrt(tf.reduce_mean(tf.square(x), axis=-1)), return_numpy)


def is_active(reference, threshold=ACTIVITY_THRESHOLD):
  """Whether each signal is active: RMS > threshold (1e-8, Google's rule).

  Args:
    reference: `[..., time]` audio.
    threshold: RMS threshold.

  Returns:
    `[...]` bool.
  """
  (reference,), return_numpy = _prepare([('reference', reference)])
  level = tf.sqrt(tf.reduce_mean(tf.square(reference), axis=-1))
  return _finish(level > threshold, return_numpy)


def snr(reference, estimate):
  """Signal-to-noise ratio in dB, over the last axis.

  10 log10((P(t) + 1e-8) / (P(t - e) + 1e-8)), P the mean square over time.
  A silent reference with a silent estimate gives 0 dB; a silent reference
  with a non-silent estimate a negative value; a perfect estimate of an active
  reference 10 log10(P(t) / 1e-8 + 1) (e.g. 70 dB at unit power).

  Args:
    reference: `[..., time]` target t.
    estimate: `[..., time]` estimate e.

  Returns:
    `[...]` SNR in dB.
  """
  (reference, estimate), return_numpy = _prepare([('reference', reference),
                                                  ('estimate', estimate)])
  signal_power = tf.reduce_mean(tf.square(reference), axis=-1)
  noise_power = tf.reduce_mean(tf.square(reference - estimate), axis=-1)
  return _finish(_db(signal_power, noise_power), return_numpy)


def si_snr(reference, estimate):
  """Scale-invariant SNR in dB (Google's gain-invariant formulation).

  Both signals are scaled to unit norm (dividing by sqrt(max(||.||^2,
  1e-16))); with c their inner product, the signal power is c^2 and the noise
  power 1 - c^2, or ||e_hat - c t_hat||^2 computed directly when 1 - c^2 <
  0.01 (more accurate for near-perfect estimates). The result is
  10 log10((c^2 + 1e-8) / (noise + 1e-8)).

  A silent reference or estimate gives c = 0 and 10 log10(1e-8 / (1 + 1e-8))
  = -80 dB, without error: mask silent references with `is_active`.

  Args:
    reference: `[..., time]` target.
    estimate: `[..., time]` estimate.

  Returns:
    `[...]` SI-SNR in dB.
  """
  (reference, estimate), return_numpy = _prepare([('reference', reference),
                                                  ('estimate', estimate)])

  def normalize(x):
    power = tf.reduce_sum(tf.square(x), axis=-1, keepdims=True)
    return x * tf.math.rsqrt(tf.maximum(power, 1e-16))

  unit_reference = normalize(reference)
  unit_estimate = normalize(estimate)
  cosine = tf.reduce_sum(unit_reference * unit_estimate, axis=-1)
  signal_power = tf.square(cosine)
  noise_power = 1.0 - signal_power
  direct_noise_power = tf.reduce_sum(
      tf.square(unit_estimate - unit_reference * cosine[..., tf.newaxis]),
      axis=-1)
  noise_power = tf.where(noise_power >= 0.01, noise_power, direct_noise_power)
  return _finish(_db(signal_power, noise_power), return_numpy)


def osr(mixture, on_screen_estimate):
  """Off-screen suppression ratio in dB (ECCV eq. 11), over the last axis.

  OSR = 10 log10((||x||^2 + 1e-8) / (||x_on||^2 + 1e-8)) with squared norms
  SUMMED over time (the paper's 20 log10(||x|| / ||x_on||) up to eps), and
  exactly 0 dB where the mixture is silent (RMS <= 1e-8: nothing to
  suppress). A silent estimate of an active mixture gives the large finite
  value 10 log10(||x||^2 / 1e-8 + 1) (80 dB for ||x|| = 1); the baseline
  x_on = x / 2 gives 6.02 dB and x_on = x gives 0 dB.

  Args:
    mixture: `[..., time]` input audio x (entirely off-screen where OSR is
      meant).
    on_screen_estimate: `[..., time]` on-screen estimate x_on.

  Returns:
    `[...]` OSR in dB.
  """
  (mixture, on_screen_estimate), return_numpy = _prepare([
      ('mixture', mixture), ('on_screen_estimate', on_screen_estimate)])
  mixture_energy = tf.reduce_sum(tf.square(mixture), axis=-1)
  estimate_energy = tf.reduce_sum(tf.square(on_screen_estimate), axis=-1)
  active = tf.sqrt(tf.reduce_mean(tf.square(mixture),
                                  axis=-1)) > ACTIVITY_THRESHOLD
  value = _db(mixture_energy, estimate_energy)
  return _finish(tf.where(active, value, tf.zeros_like(value)), return_numpy)


def _source_weights(labels, scores, sources, metric: str):
  """Checked AUC inputs and each source's share of its example's power.

  Args:
    labels: `[N, M]` binary on-screen labels.
    scores: `[N, M]` probabilities or logits.
    sources: `[N, M, time]` separated sources.
    metric: the caller's name, for the error messages.

  Returns:
    (labels, scores float64, weights `[N, M]` float64: ||s_m||^2 over the
    example's total, 0 for an all-silent example).

  Raises:
    ValueError: on mismatched shapes, no examples, NaN/Inf or non-binary
      labels.
  """
  labels = np.asarray(labels)
  scores = np.asarray(scores, dtype=np.float64)
  sources = np.asarray(sources, dtype=np.float64)
  if labels.ndim != 2 or scores.shape != labels.shape:
    raise ValueError(
        f'{metric}: labels and probabilities must both have shape [N, M], '
        f'got {labels.shape} and {scores.shape}.')
  if sources.ndim != 3 or sources.shape[:2] != labels.shape:
    raise ValueError(
        f'{metric}: sources must have shape [N, M, time] matching labels '
        f'{labels.shape}, got {sources.shape}.')
  if labels.size == 0:
    raise ValueError(f'{metric} got no examples (N * M = 0).')
  if not (np.all(np.isfinite(scores)) and np.all(np.isfinite(sources))):
    raise ValueError('probabilities and sources must be finite (no NaN/Inf).')
  if not np.all(np.isin(labels, (0, 1))):
    raise ValueError('labels must be binary (0 = off-screen, 1 = on-screen).')
  return labels, scores, power_shares(np.sum(np.square(sources), axis=-1))


def power_shares(power):
  """`[N, M]` each source's share of its example's power (0 if all silent).

  Args:
    power: `[N, M]` energies ||s_m||^2 of the separated sources (or the
      diagonals of their Gram matrices).
  """
  power = np.asarray(power, dtype=np.float64)
  total = np.sum(power, axis=-1, keepdims=True)
  return np.divide(power, total, out=np.zeros_like(power), where=total > 0)


def power_weighted_auc(labels, probabilities, sources):
  """Power-weighted AUC-ROC of the on-screen classifier (ECCV sec. 4.4).

  Each probability y_m of each example is weighted by the normalized power of
  its source, ||s_m||^2 / sum_m' ||s_m'||^2, and all N x M pairs enter one
  `sklearn.metrics.roc_auc_score(..., sample_weight=...)`. Examples whose
  sources are all silent get weight 0 (they carry no power).

  Args:
    labels: `[N, M]` binary on-screen labels (1 = on-screen).
    probabilities: `[N, M]` predicted on-screen probabilities (or any score
      monotonic in them, e.g. logits).
    sources: `[N, M, time]` separated sources.

  Returns:
    Python float AUC in [0, 1].

  Raises:
    ValueError: on mismatched shapes, NaN/Inf, non-binary labels, no source
      power, or when only one class carries weight.
  """
  labels, probabilities, weights = _source_weights(
      labels, probabilities, sources, 'power_weighted_auc')
  return weighted_auc(labels, probabilities, weights)


def weighted_auc(labels, scores, weights):
  """`power_weighted_auc` from the weights of the sources instead of them.

  Args:
    labels: `[N, M]` binary on-screen labels.
    scores: `[N, M]` probabilities or logits.
    weights: `[N, M]` non-negative weights (`power_shares`).

  Returns:
    Python float AUC in [0, 1].

  Raises:
    ValueError: when no weight is positive or only one class carries weight.
  """
  labels = np.asarray(labels).reshape(-1).astype(np.int64)
  probabilities = np.asarray(scores, dtype=np.float64).reshape(-1)
  weights = np.asarray(weights, dtype=np.float64).reshape(-1)
  weighted = weights > 0
  if not np.any(weighted):
    raise ValueError('power_weighted_auc: every source is silent, so every '
                     'weight is 0; evaluate on non-silent examples.')
  classes = np.unique(labels[weighted])
  if classes.size < 2:
    raise ValueError(
        f'power_weighted_auc needs both on-screen (1) and off-screen (0) '
        f'labels among sources with power, got only class {classes[0]}; '
        f'evaluate on a set with both on-screen and off-screen sources.')
  return float(
      sk_metrics.roc_auc_score(
          labels[weighted], probabilities[weighted],
          sample_weight=weights[weighted]))


def within_example_auc(labels, scores, sources):
  """Power-weighted AUC of the on-screen classifier within each example.

  The share of (on-screen, off-screen) source pairs of the same example that
  the scores rank the right way (ties count half), each pair weighted by the
  product of the two sources' normalised powers (as in `power_weighted_auc`)
  and pooled over the examples. Unlike the AUC over every source of a set,
  it ignores how examples compare with one another: a classifier that only
  tells clips with a sounding object in view from clips without one (the
  same score for every source of a clip) gets 0.5 here, whatever its AUC.
  Such a classifier's on-screen estimate of a MoM is p * x, whose SNR on a
  0 dB MoM is at most that of x/2 (3 dB, at p = 1/2): this is the number to
  watch when the calibrated SNR sits at the x/2 baseline. For one example it
  equals `power_weighted_auc` on that example. Not a metric of the papers.

  Args:
    labels: `[N, M]` binary on-screen labels (1 = on-screen).
    scores: `[N, M]` probabilities or logits.
    sources: `[N, M, time]` separated sources.

  Returns:
    Python float in [0, 1].

  Raises:
    ValueError: on mismatched shapes, NaN/Inf, non-binary labels, or when no
      example has both an on-screen and an off-screen source with power.
  """
  labels, scores, weights = _source_weights(labels, scores, sources,
                                            'within_example_auc')
  correct, total = within_example_pair_weights(labels, scores, weights)
  total_weight = np.sum(total)
  if total_weight <= 0:
    raise ValueError(
        'within_example_auc needs an example with both an on-screen and an '
        'off-screen source with power (e.g. on-screen MoMs); got none.')
  return float(np.sum(correct) / total_weight)


def within_example_pair_weights(labels, scores, weights):
  """Per example, the pair weight ranked right and the total pair weight.

  `within_example_auc` is sum(correct) / sum(total) over the examples, so a
  subset or a resample of the examples needs only these sums.

  Args:
    labels: `[N, M]` binary on-screen labels.
    scores: `[N, M]` probabilities or logits.
    weights: `[N, M]` source weights (`power_shares`).

  Returns:
    (correct `[N]`, total `[N]`), float64: the summed weights of the
    example's (on-screen, off-screen) source pairs that the scores rank the
    right way (ties count half), and of all its such pairs.
  """
  labels = np.asarray(labels)
  scores = np.asarray(scores, dtype=np.float64)
  weights = np.asarray(weights, dtype=np.float64)
  positive = weights * (labels == 1)
  negative = weights * (labels == 0)
  # pair_weights[n, a, b]: on-screen source a against off-screen source b.
  pair_weights = positive[:, :, np.newaxis] * negative[:, np.newaxis, :]
  difference = scores[:, :, np.newaxis] - scores[:, np.newaxis, :]
  correct = (difference > 0) + 0.5 * (difference == 0)
  return (np.sum(pair_weights * correct, axis=(1, 2)),
          np.sum(pair_weights, axis=(1, 2)))


def mixit_oracle_si_snr(on_screen_reference, off_screen_reference, sources):
  """MixIT* oracle on-screen SI-SNR (arXiv sec. 4.3).

  The separated sources are assigned to the references [on-screen,
  off-screen] by MixIT (negative thresholded SNR, as in training); the sum of
  the sources assigned to the on-screen reference is scored by SI-SNR against
  it. Meaningful on MoMs.

  Args:
    on_screen_reference: `[batch, time]` on-screen reference x_on.
    off_screen_reference: `[batch, time]` off-screen reference x_off.
    sources: `[batch, M, time]` separated sources, M >= 2.

  Returns:
    `[batch]` SI-SNR in dB (NumPy for NumPy inputs).
  """
  (on_screen_reference, off_screen_reference), return_numpy = _prepare([
      ('on_screen_reference', on_screen_reference),
      ('off_screen_reference', off_screen_reference)])
  (sources,), sources_numpy = _prepare([('sources', sources)])
  return_numpy = return_numpy and sources_numpy
  references = tf.stack([on_screen_reference, off_screen_reference], axis=1)
  _, mixing_matrix = losses.mixit(references, sources)
  on_screen_estimate = tf.einsum('bm,bmt->bt', mixing_matrix[:, 0],
                                 tf.cast(sources, tf.float32))
  result = si_snr(tf.cast(on_screen_reference, tf.float32), on_screen_estimate)
  return _finish(result, return_numpy)
