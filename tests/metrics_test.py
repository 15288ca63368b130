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
"""Tests for audioscope.metrics against NumPy oracles."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import metrics


def _np_snr(reference, estimate):
  reference = np.asarray(reference, np.float64)
  estimate = np.asarray(estimate, np.float64)
  signal = np.mean(reference**2, axis=-1)
  noise = np.mean((reference - estimate)**2, axis=-1)
  return 10 * np.log10((signal + 1e-8) / (noise + 1e-8))


def _np_si_snr(reference, estimate):
  """Projection formula of SI-SNR (Le Roux et al.), float64."""
  reference = np.asarray(reference, np.float64)
  estimate = np.asarray(estimate, np.float64)
  scale = (np.sum(reference * estimate, axis=-1, keepdims=True) /
           np.sum(reference**2, axis=-1, keepdims=True))
  target = scale * reference
  return 10 * np.log10(
      np.sum(target**2, axis=-1) / np.sum((estimate - target)**2, axis=-1))


def _np_osr(mixture, estimate):
  mixture = np.asarray(mixture, np.float64)
  estimate = np.asarray(estimate, np.float64)
  return 10 * np.log10((np.sum(mixture**2, -1) + 1e-8) /
                       (np.sum(estimate**2, -1) + 1e-8))


def _np_weighted_auc(labels, scores, weights):
  """Weighted probability that a positive outranks a negative (ties 1/2)."""
  positives = [(s, w) for l, s, w in zip(labels, scores, weights) if l == 1]
  negatives = [(s, w) for l, s, w in zip(labels, scores, weights) if l == 0]
  numerator = 0.0
  for (sp, wp), (sn, wn) in itertools.product(positives, negatives):
    numerator += wp * wn * (1.0 if sp > sn else 0.5 if sp == sn else 0.0)
  return numerator / (sum(w for _, w in positives) *
                      sum(w for _, w in negatives))


class SignalMetricsTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(0)
    self.reference = rng.normal(size=(2, 3, 64)).astype(np.float32)
    self.estimate = (self.reference +
                     rng.normal(scale=0.5, size=(2, 3, 64))).astype(np.float32)

  def test_snr(self):
    value = metrics.snr(self.reference, self.estimate)
    self.assertIsInstance(value, np.ndarray)
    self.assertAllClose(value, _np_snr(self.reference, self.estimate),
                        rtol=1e-5, atol=1e-4)
    tensor_value = metrics.snr(tf.constant(self.reference), self.estimate)
    self.assertIsInstance(tensor_value, tf.Tensor)
    self.assertAllClose(tensor_value, value)

  @parameterized.named_parameters(('noisy', 0.5), ('near_perfect', 1e-3))
  def test_si_snr(self, noise_scale):
    rng = np.random.default_rng(1)
    estimate = 0.3 * self.reference + rng.normal(
        scale=noise_scale, size=self.reference.shape)
    self.assertAllClose(
        metrics.si_snr(self.reference, estimate),
        _np_si_snr(self.reference, estimate), atol=0.02)

  def test_si_snr_is_gain_invariant(self):
    self.assertAllClose(
        metrics.si_snr(self.reference, self.estimate),
        metrics.si_snr(self.reference, 7.0 * self.estimate), atol=1e-3)

  def test_silent_signals_are_finite(self):
    silent = np.zeros((2, 64), np.float32)
    signal = self.reference[:, 0]
    self.assertAllClose(metrics.si_snr(silent, signal), [-80.0, -80.0])
    self.assertAllClose(metrics.si_snr(signal, silent), [-80.0, -80.0])
    self.assertAllClose(metrics.si_snr(silent, silent), [-80.0, -80.0])
    self.assertAllClose(metrics.snr(silent, silent), [0.0, 0.0])
    self.assertAllClose(metrics.snr(silent, signal), _np_snr(silent, signal),
                        rtol=1e-5)
    self.assertAllClose(metrics.snr(signal, silent), [0.0, 0.0], atol=1e-5)
    for value in (metrics.snr(silent, signal), metrics.osr(silent, signal),
                  metrics.osr(signal, silent), metrics.si_snr(silent, silent)):
      self.assertTrue(np.all(np.isfinite(value)))

  def test_osr(self):
    mixture = self.reference[:, 0]
    self.assertAllClose(metrics.osr(mixture, self.estimate[:, 0]),
                        _np_osr(mixture, self.estimate[:, 0]), rtol=1e-5)
    self.assertAllClose(metrics.osr(mixture, mixture / 2),
                        [20 * np.log10(2.0)] * 2, atol=1e-4)
    self.assertAllClose(metrics.osr(mixture, mixture), [0.0, 0.0])
    silent = np.zeros_like(mixture)
    self.assertAllClose(metrics.osr(mixture, silent), _np_osr(mixture, silent),
                        rtol=1e-6)
    self.assertAllClose(metrics.osr(silent, mixture), [0.0, 0.0])

  def test_rms_and_is_active(self):
    x = np.array([[3.0, -3.0, 3.0, -3.0], [0.0, 0.0, 0.0, 0.0],
                  [1e-9, 0.0, 0.0, 0.0]])
    self.assertAllClose(metrics.rms(x), [3.0, 0.0, 5e-10])
    self.assertAllEqual(metrics.is_active(x), [True, False, False])
    self.assertAllEqual(metrics.is_active(x, threshold=1e-10),
                        [True, False, True])

  def test_graph_mode_and_errors(self):
    fn = tf.function(metrics.snr)
    self.assertAllClose(fn(self.reference, self.estimate),
                        _np_snr(self.reference, self.estimate), rtol=1e-5,
                        atol=1e-4)
    with self.assertRaisesRegex(ValueError, 'same shape'):
      metrics.snr(np.ones((2, 8)), np.ones((2, 9)))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'estimate'):
      metrics.osr(np.ones(8), np.full(8, np.nan))


class ClassifierMetricsTest(parameterized.TestCase, tf.test.TestCase):

  def test_power_weighted_auc_matches_direct_computation(self):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, size=(6, 4))
    labels[0] = (1, 0, 1, 0)
    probabilities = np.round(rng.uniform(size=(6, 4)), 1)  # Includes ties.
    sources = rng.normal(size=(6, 4, 32)) * rng.uniform(
        0.1, 2.0, size=(6, 4, 1))
    sources[1] = 0.0  # A silent example gets no weight.
    power = np.sum(sources**2, axis=-1)
    weights = np.zeros_like(power)
    for n in range(6):
      if power[n].sum() > 0:
        weights[n] = power[n] / power[n].sum()
    expected = _np_weighted_auc(labels.ravel(), probabilities.ravel(),
                                weights.ravel())
    self.assertAlmostEqual(
        metrics.power_weighted_auc(labels, probabilities, sources), expected,
        places=10)

  @parameterized.parameters(0, 1, 2)
  def test_within_example_auc_of_one_example_is_its_auc(self, seed):
    rng = np.random.default_rng(seed)
    labels = np.array([[1, 0, 1, 0, 0]])
    scores = rng.normal(size=(1, 5))
    sources = rng.normal(size=(1, 5, 40)) * rng.uniform(0.1, 2, (1, 5, 1))
    self.assertAllClose(
        metrics.within_example_auc(labels, scores, sources),
        metrics.power_weighted_auc(labels, scores, sources))

  def test_within_example_auc_pools_pairs_and_ignores_clip_offsets(self):
    labels = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0]])
    sources = np.ones((3, 3, 8))
    sources[1, 0] *= 2.0  # Power 4 of total 6 in example 1.
    # Example 0 ranks both its pairs wrongly and example 1 both rightly, with
    # a large offset between the examples; example 2 has no pair.
    scores = np.array([[0.1, 0.9, 0.5], [10.2, 10.5, 10.1], [5.0, 6.0, 7.0]])
    w0 = 2 * (1 / 3) * (1 / 3)  # Two pairs, both wrong.
    w1 = (4 / 6) * (1 / 6) + (1 / 6) * (1 / 6)  # Two pairs, both right.
    expected = w1 / (w0 + w1)
    self.assertAllClose(metrics.within_example_auc(labels, scores, sources),
                        expected)
    # Presence only: one score per clip gives 0.5 however clips differ.
    self.assertAllClose(metrics.within_example_auc(
        labels, np.array([[3.0] * 3, [-1.0] * 3, [0.0] * 3]), sources), 0.5)

  def test_within_example_auc_errors(self):
    sources = np.ones((2, 2, 4))
    with self.assertRaisesRegex(ValueError, 'both an on-screen and an'):
      metrics.within_example_auc(np.array([[1, 1], [0, 0]]), np.ones((2, 2)),
                                 sources)
    with self.assertRaisesRegex(ValueError, 'binary'):
      metrics.within_example_auc(np.full((2, 2), 0.5), np.ones((2, 2)),
                                 sources)
    with self.assertRaisesRegex(ValueError, 'finite'):
      metrics.within_example_auc(np.array([[1, 0], [1, 0]]),
                                 np.array([[np.nan, 0], [1, 0]]), sources)

  def test_power_weighted_auc_errors(self):
    sources = np.ones((2, 2, 8))
    with self.assertRaisesRegex(ValueError, 'both on-screen'):
      metrics.power_weighted_auc(np.ones((2, 2)), np.ones((2, 2)), sources)
    with self.assertRaisesRegex(ValueError, 'binary'):
      metrics.power_weighted_auc(np.full((2, 2), 0.5), np.ones((2, 2)),
                                 sources)
    with self.assertRaisesRegex(ValueError, r'\[N, M, time\]'):
      metrics.power_weighted_auc(np.ones((2, 2)), np.ones((2, 2)),
                                 np.ones((2, 3, 8)))
    with self.assertRaisesRegex(ValueError, 'silent'):
      metrics.power_weighted_auc([[0, 1]], [[0.1, 0.9]], np.zeros((1, 2, 8)))

  def test_mixit_oracle_si_snr(self):
    rng = np.random.default_rng(3)
    on_sources = rng.normal(size=(2, 2, 48))
    off_sources = rng.normal(size=(2, 2, 48))
    on_screen = on_sources.sum(axis=1)
    off_screen = off_sources.sum(axis=1)
    # Oracle separation in scrambled order: MixIT* recovers x_on exactly.
    sources = np.concatenate([off_sources[:, :1], on_sources,
                              off_sources[:, 1:]], axis=1).astype(np.float32)
    value = metrics.mixit_oracle_si_snr(on_screen, off_screen, sources)
    self.assertTrue(np.all(value > 60.0), msg=str(value))
    # Noisy sources: compare with a brute-force assignment + NumPy SI-SNR.
    noisy = (sources + rng.normal(scale=0.7, size=sources.shape)).astype(
        np.float32)
    expected = []
    for b in range(2):
      best = None
      for assignment in itertools.product(range(2), repeat=4):
        mask = np.array(assignment)
        remixes = [noisy[b][mask == r].sum(axis=0) for r in range(2)]
        loss = np.mean([
            10 * np.log10(np.sum((ref - rem)**2) + 1e-3 * np.sum(ref**2) +
                          1e-8)
            for ref, rem in zip((on_screen[b], off_screen[b]), remixes)
        ])
        if best is None or loss < best[0]:
          best = (loss, remixes[0])
      expected.append(_np_si_snr(on_screen[b], best[1]))
    self.assertAllClose(
        metrics.mixit_oracle_si_snr(on_screen, off_screen, noisy), expected,
        atol=0.02)


if __name__ == '__main__':
  tf.test.main()
