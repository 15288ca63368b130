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
"""Tests of audioscope.inference.stitching against NumPy oracles."""

import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.inference import stitching


def _known_sources(num_sources, num_samples, seed=0):
  """Distinct sources: tones of different pitch and loudness plus noise."""
  rng = np.random.RandomState(seed)
  t = np.arange(num_samples)
  sources = []
  for m in range(num_sources):
    tone = (m + 1) * 0.2 * np.sin(2 * np.pi * (0.01 + 0.03 * m) * t)
    sources.append(tone + 0.01 * rng.randn(num_samples))
  return np.stack(sources).astype(np.float32)


class _ShufflingSeparator:
  """A fake separator: the true sources of the window in a random order."""

  def __init__(self, sources, seed=1):
    self.sources = sources
    self.rng = np.random.RandomState(seed)
    self.orders = []

  def __call__(self, k, start, audio):
    del k
    num_sources, num_samples = self.sources.shape
    length = audio.shape[0]
    window = np.zeros((num_sources, length), np.float32)
    valid = min(length, num_samples - start)
    window[:, :valid] = self.sources[:, start:start + valid]
    np.testing.assert_allclose(window.sum(0), audio, atol=1e-5)
    order = self.rng.permutation(num_sources)
    self.orders.append(order)
    probabilities = np.linspace(0.1, 0.9, num_sources)
    return {'sources': window[order],
            'probabilities': probabilities[order],
            'on_screen': window[0],
            'off_screen': window[1:].sum(0)}


class StitchingTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('short', 50, 100, 60, [(0, 50, 50)]),
      ('exact', 100, 100, 60, [(0, 100, 100)]),
      ('two', 130, 100, 60, [(0, 100, 100), (60, 100, 70)]),
      ('three', 221, 100, 60, [(0, 100, 100), (60, 100, 100),
                               (120, 100, 100), (180, 100, 41)]),
      ('no_overlap', 250, 100, 100, [(0, 100, 100), (100, 100, 100),
                                     (200, 100, 50)]),
  )
  def test_plan_windows(self, num_samples, window, hop, expected):
    windows = stitching.plan_windows(num_samples, window, hop)
    self.assertEqual([(w.start, w.length, w.valid) for w in windows],
                     expected)

  @parameterized.named_parameters(
      ('half', 1000, 200, 100),
      ('fifth', 1013, 250, 200),
      ('heavy', 777, 300, 50),
      ('no_overlap', 500, 100, 100),
  )
  def test_weights_sum_to_one(self, num_samples, window, hop):
    windows = stitching.plan_windows(num_samples, window, hop)
    weights = stitching.crossfade_weights(windows, num_samples)
    total = np.zeros(num_samples)
    for w, curve in zip(windows, weights):
      self.assertEqual(curve.shape, (w.valid,))
      self.assertTrue(np.all(curve > 0))
      total[w.start:w.end] += curve
    np.testing.assert_allclose(total, np.ones(num_samples), atol=1e-12)
    # Before the second window starts, the first has weight one.
    np.testing.assert_allclose(weights[0][:hop], np.ones(hop), atol=1e-12)

  @parameterized.parameters('stft', 'time')
  def test_match_permutation_brute_force_oracle(self, domain):
    rng = np.random.RandomState(3)
    reference = _known_sources(4, 600, seed=2)
    for _ in range(3):
      perm = rng.permutation(4)
      estimate = reference[perm] + 0.01 * rng.randn(4, 600)
      found = stitching.match_permutation(reference, estimate, domain,
                                          frame_length=128)
      np.testing.assert_allclose(estimate[found], reference, atol=0.05)
      # Independent oracle: the full M! search on total time-domain error.
      best = min(itertools.permutations(range(4)),
                 key=lambda p: np.sum((estimate[list(p)] - reference)**2))
      self.assertEqual(list(found), list(best))

  def test_match_permutation_many_sources_uses_same_optimum(self):
    rng = np.random.RandomState(4)
    reference = rng.randn(10, 64)
    perm = rng.permutation(10)
    found = stitching.match_permutation(reference, reference[perm], 'time')
    np.testing.assert_allclose(reference[perm][found], reference)

  @parameterized.named_parameters(
      ('overlap_20pct', 2317, 500, 400),
      ('overlap_50pct', 2000, 400, 200),
      ('single_window', 300, 400, 200),
  )
  def test_separate_long_recovers_consistent_sources(self, num_samples,
                                                     window, hop):
    sources = _known_sources(4, num_samples)
    mixture = sources.sum(0)
    fake = _ShufflingSeparator(sources)
    calls = []
    result = stitching.separate_long(
        fake, mixture, window, hop, per_source_keys=('probabilities',),
        signal_keys=('on_screen', 'off_screen'),
        progress=lambda done, total: calls.append((done, total)))
    # The stitched order is the first window's order throughout.
    first = fake.orders[0]
    np.testing.assert_allclose(result['sources'], sources[first], atol=1e-5)
    np.testing.assert_allclose(result['sources'].sum(0), mixture, atol=1e-5)
    np.testing.assert_allclose(result['on_screen'], sources[0], atol=1e-5)
    np.testing.assert_allclose(result['on_screen'] + result['off_screen'],
                               mixture, atol=1e-5)
    probabilities = np.linspace(0.1, 0.9, 4)
    for k in range(len(fake.orders)):
      np.testing.assert_allclose(result['probabilities'][k],
                                 probabilities[first])
    self.assertAlmostEqual(result['weights'].sum(), num_samples, places=6)
    self.assertEqual(calls[-1], (len(fake.orders), len(fake.orders)))

  @parameterized.named_parameters(
      ('batches_of_3', 2317, 500, 400, 3),   # 6 windows: 3 + 3.
      ('batches_of_4', 2317, 500, 400, 4),   # 4 + 2.
      ('batch_of_one', 2000, 400, 200, 1),
      ('single_window', 300, 400, 200, 8),
  )
  def test_batched_windows_give_the_window_by_window_result(
      self, num_samples, window, hop, batch_windows):
    sources = _known_sources(4, num_samples)
    mixture = sources.sum(0)
    one_by_one = stitching.separate_long(
        _ShufflingSeparator(sources), mixture, window, hop,
        per_source_keys=('probabilities',),
        signal_keys=('on_screen', 'off_screen'))
    separator = _ShufflingSeparator(sources)  # The same orders, seed 1.
    batch_sizes = []

    def separate_batch(starts, window_audio):
      batch_sizes.append(len(starts))
      outputs = [separator(None, start, audio)
                 for start, audio in zip(starts, window_audio)]
      return {key: np.stack([o[key] for o in outputs]) for key in outputs[0]}

    batched = stitching.separate_long(
        stitching.batched_separate_fn(separate_batch, mixture, window, hop,
                                      batch_windows),
        mixture, window, hop, per_source_keys=('probabilities',),
        signal_keys=('on_screen', 'off_screen'))
    num_windows = len(one_by_one['windows'])
    self.assertEqual(sum(batch_sizes), num_windows)
    self.assertEqual(batch_sizes[:-1],
                     [batch_windows] * (len(batch_sizes) - 1))
    for key in ('sources', 'on_screen', 'off_screen', 'probabilities',
                'permutations'):
      np.testing.assert_array_equal(batched[key], one_by_one[key])
    with self.assertRaisesRegex(ValueError, 'batch_windows'):
      stitching.batched_separate_fn(separate_batch, mixture, window, hop, 0)

  def test_bad_inputs_name_the_problem(self):
    with self.assertRaisesRegex(ValueError, 'hop_samples'):
      stitching.plan_windows(100, 10, 20)
    with self.assertRaisesRegex(ValueError, 'window_samples'):
      stitching.plan_windows(100, 0, 20)
    with self.assertRaisesRegex(ValueError, 'mono'):
      stitching.separate_long(lambda *a: None, np.zeros((2, 10)), 5, 5)
    with self.assertRaisesRegex(ValueError, 'NaN'):
      stitching.separate_long(lambda *a: None, np.full(10, np.nan), 5, 5)
    with self.assertRaisesRegex(ValueError, r'sources \[M, 5\]'):
      stitching.separate_long(lambda k, s, a: {'sources': np.zeros((2, 4))},
                              np.zeros(10), 5, 5)
    with self.assertRaisesRegex(ValueError, "'stft' or 'time'"):
      stitching.pairwise_cost(np.zeros((2, 8)), np.zeros((2, 8)), 'mel')


if __name__ == '__main__':
  tf.test.main()
