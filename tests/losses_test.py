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
"""Tests for audioscope.losses against NumPy oracles."""

import functools
import itertools

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import losses


def _np_thresholded_snr(reference, estimate, snr_max_db=30.0):
  reference = np.asarray(reference, np.float64)
  estimate = np.asarray(estimate, np.float64)
  tau = 10.0**(-snr_max_db / 10.0)
  error = np.sum((reference - estimate)**2, axis=-1)
  return 10.0 * np.log10(error + tau * np.sum(reference**2, axis=-1) + 1e-8)


def _np_mixit(references, estimates, assignments=None):
  """Brute force over assignments, one example at a time."""
  batch, num_references, _ = references.shape
  num_sources = estimates.shape[1]
  if assignments is None:
    assignments = list(
        itertools.product(range(num_references), repeat=num_sources))
  best_losses, best_matrices = [], []
  for b in range(batch):
    best_loss, best_matrix = None, None
    for assignment in assignments:
      matrix = np.zeros((num_references, num_sources))
      matrix[list(assignment), np.arange(num_sources)] = 1.0
      remix = matrix @ estimates[b].astype(np.float64)
      loss = np.mean(_np_thresholded_snr(references[b], remix))
      if best_loss is None or loss < best_loss:
        best_loss, best_matrix = loss, matrix
    best_losses.append(best_loss)
    best_matrices.append(best_matrix)
  return np.array(best_losses), np.array(best_matrices)


def _np_bce(label, logit):
  probability = 1.0 / (1.0 + np.exp(-np.float64(logit)))
  return -(label * np.log(probability) + (1 - label) * np.log1p(-probability))


def _np_active_combinations(labels, logits, restrict):
  """Minimum over enumerated label settings (at least one 1)."""
  result = []
  for label_row, logit_row in zip(labels, logits):
    num_sources = len(logit_row)
    best = None
    for setting in itertools.product((0, 1), repeat=num_sources):
      setting = np.array(setting)
      if restrict and np.any(setting > label_row):
        continue
      if not np.any(setting):
        continue
      value = sum(_np_bce(l, z) for l, z in zip(setting, logit_row))
      best = value if best is None else min(best, value)
    if best is None:  # No allowed active setting: BCE against zeros.
      best = sum(_np_bce(0, z) for z in logit_row)
    result.append(best)
  return np.array(result)


class NegativeThresholdedSnrTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('default', 30.0), ('20db', 20.0))
  def test_random(self, snr_max_db):
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(3, 2, 40)).astype(np.float32)
    estimate = rng.normal(size=(3, 2, 40)).astype(np.float32)
    self.assertAllClose(
        losses.negative_thresholded_snr(reference, estimate, snr_max_db),
        _np_thresholded_snr(reference, estimate, snr_max_db), rtol=1e-5,
        atol=1e-4)

  def test_zeros_give_the_floor(self):
    zeros = np.zeros((2, 16), np.float32)
    self.assertAllClose(
        losses.negative_thresholded_snr(zeros, zeros), [-80.0, -80.0])

  def test_silent_reference_and_perfect_estimate(self):
    rng = np.random.default_rng(1)
    estimate = rng.normal(size=(16,)).astype(np.float32)
    reference = np.stack([np.zeros(16, np.float32), estimate])
    value = losses.negative_thresholded_snr(reference, np.stack([estimate,
                                                                 estimate]))
    self.assertAllClose(value, _np_thresholded_snr(reference, [estimate,
                                                               estimate]),
                        rtol=1e-5)
    # A perfect estimate sits 30 dB below the reference power.
    self.assertAllClose(value[1] + 30.0,
                        10 * np.log10(np.sum(estimate.astype(np.float64)**2)),
                        atol=1e-3)
    self.assertTrue(np.all(np.isfinite(value)))

  def test_nan_names_the_tensor(self):
    estimate = np.array([[0.0, np.nan]], np.float32)
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'estimate'):
      losses.negative_thresholded_snr(np.ones((1, 2), np.float32), estimate)

  def test_time_mismatch(self):
    with self.assertRaisesRegex(ValueError, 'same time length'):
      losses.negative_thresholded_snr(tf.ones([2, 8]), tf.ones([2, 9]))


class MixitTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('m2', 2), ('m4', 4), ('m8', 8))
  def test_matches_brute_force(self, num_sources):
    rng = np.random.default_rng(num_sources)
    references = rng.normal(size=(3, 2, 24)).astype(np.float32)
    # Estimates close to a random split of the references, plus noise.
    estimates = rng.normal(scale=0.3, size=(3, num_sources, 24))
    truth = rng.integers(0, 2, size=(3, num_sources))
    for b in range(3):
      for r in range(2):
        chosen = np.flatnonzero(truth[b] == r)
        if chosen.size:
          estimates[b, chosen] += references[b, r] / chosen.size
    estimates = estimates.astype(np.float32)
    loss, matrix = losses.mixit(references, estimates)
    expected_loss, expected_matrix = _np_mixit(references, estimates)
    self.assertEqual(matrix.shape, (3, 2, num_sources))
    self.assertAllClose(loss, expected_loss, rtol=1e-4, atol=1e-4)
    self.assertAllEqual(matrix, expected_matrix)

  @parameterized.named_parameters(
      ('m2_30db', 2, 30.0), ('m4_30db', 4, 30.0), ('m8_30db', 8, 30.0),
      ('m4_10db', 4, 10.0), ('m8_60db', 8, 60.0))
  def test_inner_product_search_matches_remix_search(self, num_sources,
                                                     snr_max_db):
    # The thresholded SNR searches from inner products; a wrapped loss_fn
    # builds every remix. Near-perfect, perfect and silent estimates.
    rng = np.random.default_rng(10 + num_sources)
    references = rng.normal(size=(6, 2, 64)).astype(np.float32)
    truth = rng.integers(0, 2, size=(6, num_sources))
    truth[:, :2] = [0, 1]  # Every reference gets an estimate.
    estimates = np.zeros((6, num_sources, 64), np.float32)
    for b in range(6):
      for r in range(2):
        chosen = np.flatnonzero(truth[b] == r)
        if chosen.size:
          estimates[b, chosen] += references[b, r] / chosen.size
    noise = rng.normal(size=estimates.shape).astype(np.float32)
    estimates[1:4] += noise[1:4] * np.float32([[[1e-4]], [[1e-2]], [[1.0]]])
    estimates[4, 0] = 0.0  # A silent estimate: both references tie on it.
    snr_loss = functools.partial(losses.negative_thresholded_snr,
                                 snr_max_db=snr_max_db)
    loss, matrix = losses.mixit(references, estimates, loss_fn=snr_loss)
    expected_loss, expected_matrix = losses.mixit(
        references, estimates, loss_fn=lambda r, e: snr_loss(r, e))
    self.assertAllEqual(matrix, expected_matrix)
    self.assertAllClose(loss, expected_loss, rtol=1e-5, atol=1e-5)
    # Exact splits are found (example 0) and score the threshold.
    self.assertAllEqual(matrix[0], np.stack([truth[0] == 0, truth[0] == 1]))
    self.assertAllClose(loss[0], np.mean(
        _np_thresholded_snr(references[0], references[0], snr_max_db)),
                        atol=1e-3)

  def test_no_threshold_searches_the_remixes(self):
    # Without a threshold the loss floor is 1e-8: a perfect split must win.
    rng = np.random.default_rng(12)
    references = rng.normal(size=(2, 2, 32)).astype(np.float32)
    estimates = np.stack([references[:, 1], references[:, 0] * 0.5,
                          references[:, 0] * 0.5], axis=1)
    loss, matrix = losses.mixit(
        references, estimates,
        loss_fn=functools.partial(losses.negative_thresholded_snr,
                                  snr_max_db=None))
    self.assertAllEqual(matrix, np.tile([[[0, 1, 1], [1, 0, 0]]], (2, 1, 1)))
    self.assertAllLess(loss, -60.0)

  def test_three_references(self):
    rng = np.random.default_rng(3)
    references = rng.normal(size=(2, 3, 20)).astype(np.float32)
    estimates = rng.normal(size=(2, 4, 20)).astype(np.float32)
    loss, matrix = losses.mixit(references, estimates)
    expected_loss, expected_matrix = _np_mixit(references, estimates)
    self.assertAllClose(loss, expected_loss, rtol=1e-4, atol=1e-4)
    self.assertAllEqual(matrix, expected_matrix)

  def test_ties_go_to_the_first_candidate(self):
    # All estimates silent: every candidate has the same loss.
    references = np.ones((1, 2, 8), np.float32)
    _, matrix = losses.mixit(references, np.zeros((1, 3, 8), np.float32))
    self.assertAllEqual(matrix[0], [[1, 1, 1], [0, 0, 0]])

  @parameterized.named_parameters(('tuples', False), ('matrices', True))
  def test_allowlist_and_denylist(self, as_matrices):
    rng = np.random.default_rng(5)
    references = rng.normal(size=(4, 2, 16)).astype(np.float32)
    estimates = rng.normal(size=(4, 4, 16)).astype(np.float32)
    # Only balanced 2 + 2 assignments, minus one of them.
    allowed = [a for a in itertools.product(range(2), repeat=4)
               if sum(a) == 2]
    denied = [allowed[0]]

    def encode(assignment):
      if not as_matrices:
        return assignment
      matrix = np.zeros((2, 4), np.int64)
      matrix[list(assignment), np.arange(4)] = 1
      return matrix

    loss, matrix = losses.mixit(
        references, estimates, allowlist=[encode(a) for a in allowed],
        denylist=[encode(a) for a in denied])
    expected_loss, expected_matrix = _np_mixit(references, estimates,
                                               allowed[1:])
    self.assertAllClose(loss, expected_loss, rtol=1e-4, atol=1e-4)
    self.assertAllEqual(matrix, expected_matrix)
    self.assertAllEqual(tf.reduce_sum(matrix, axis=-1), np.full((4, 2), 2.0))

  @parameterized.named_parameters(
      ('inner_product_search', losses.negative_thresholded_snr),
      ('remix_search', lambda r, e: losses.negative_thresholded_snr(r, e)))
  def test_gradient_only_through_the_chosen_assignment(self, loss_fn):
    rng = np.random.default_rng(7)
    references = rng.normal(size=(2, 2, 12)).astype(np.float32)
    estimates = tf.constant(rng.normal(size=(2, 4, 12)).astype(np.float32))
    with tf.GradientTape() as tape:
      tape.watch(estimates)
      loss, matrix = losses.mixit(references, estimates, loss_fn=loss_fn)
      total = tf.reduce_sum(loss)
    gradient = tape.gradient(total, estimates).numpy()
    # NumPy gradient of the loss of the fixed chosen assignment.
    matrix = matrix.numpy().astype(np.float64)
    expected = np.zeros((2, 4, 12))
    tau = 1e-3
    for b in range(2):
      remix = matrix[b] @ estimates.numpy()[b].astype(np.float64)
      for r in range(2):
        residual = references[b, r] - remix[r]
        power = (np.sum(residual**2) + tau * np.sum(references[b, r]**2) +
                 1e-8)
        scale = 10.0 / np.log(10.0) / power / 2.0  # Mean over 2 references.
        expected[b] += np.outer(matrix[b, r], -2.0 * residual * scale)
    self.assertAllClose(gradient, expected, rtol=1e-3, atol=1e-4)

  def test_runs_in_graph_and_xla_with_unknown_batch_and_time(self):
    rng = np.random.default_rng(9)
    references = rng.normal(size=(2, 2, 10)).astype(np.float32)
    estimates = rng.normal(size=(2, 4, 10)).astype(np.float32)
    expected_loss, expected_matrix = _np_mixit(references, estimates)
    signature = [tf.TensorSpec([None, 2, None]), tf.TensorSpec([None, 4, None])]
    for jit in (False, True):
      fn = tf.function(losses.mixit, input_signature=signature,
                       jit_compile=jit)
      loss, matrix = fn(references, estimates)
      self.assertAllClose(loss, expected_loss, rtol=1e-4, atol=1e-4)
      self.assertAllEqual(matrix, expected_matrix)

  def test_bad_inputs(self):
    with self.assertRaisesRegex(ValueError, 'at least as many estimates'):
      losses.mixit(tf.ones([1, 3, 8]), tf.ones([1, 2, 8]))
    with self.assertRaisesRegex(ValueError, r'\[batch, source, time\]'):
      losses.mixit(tf.ones([1, 2, 8]), tf.ones([2, 8]))
    with self.assertRaisesRegex(ValueError, 'same time length'):
      losses.mixit(tf.ones([1, 2, 8]), tf.ones([1, 4, 9]))
    with self.assertRaisesRegex(ValueError, 'one index per estimate'):
      losses.mixit(tf.ones([1, 2, 8]), tf.ones([1, 4, 8]),
                   allowlist=[(0, 1)])
    with self.assertRaisesRegex(ValueError, 'exactly one 1 per column'):
      losses.mixit(tf.ones([1, 2, 8]), tf.ones([1, 2, 8]),
                   allowlist=[np.ones((2, 2))])
    with self.assertRaisesRegex(ValueError, 'leaves no assignment'):
      losses.mixit(tf.ones([1, 2, 8]), tf.ones([1, 2, 8]),
                   allowlist=[(0, 1)], denylist=[(0, 1)])
    nan_estimates = np.ones((1, 2, 8), np.float32)
    nan_estimates[0, 1, 3] = np.nan
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'estimates'):
      losses.mixit(tf.ones([1, 2, 8]), nan_estimates)


class ClassifierLossTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('restricted_m3', True, 3), ('restricted_m4', True, 4),
      ('all_settings_m3', False, 3), ('all_settings_m4', False, 4),
      ('restricted_m1', True, 1))
  def test_active_combinations_matches_enumeration(self, restrict, num_sources):
    rng = np.random.default_rng(num_sources)
    labels = rng.integers(0, 2, size=(12, num_sources))
    labels[0] = 0  # An example with no on-screen source.
    labels[1] = 1
    logits = rng.normal(scale=3.0, size=(12, num_sources)).astype(np.float32)
    logits[2] = -np.abs(logits[2])  # All sources look off-screen.
    value = losses.active_combinations_loss(labels, logits,
                                            restrict_to_labels=restrict)
    self.assertAllClose(
        value, _np_active_combinations(labels, logits, restrict), rtol=1e-5,
        atol=1e-5)

  def test_all_zero_labels_give_exact_bce(self):
    logits = np.array([[0.5, -2.0, 3.0]], np.float32)
    labels = np.zeros_like(logits)
    self.assertAllClose(
        losses.active_combinations_loss(labels, logits),
        losses.exact_classifier_loss(labels, logits))

  def test_stable_for_large_logits_with_gradients(self):
    logits = tf.constant([[200.0, -200.0, 0.0], [-300.0, -250.0, -400.0]])
    labels = tf.constant([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    with tf.GradientTape() as tape:
      tape.watch(logits)
      value = losses.active_combinations_loss(labels, logits)
    gradient = tape.gradient(value, logits)
    self.assertAllClose(value, [np.log(2.0), 250.0], rtol=1e-5)
    self.assertTrue(np.all(np.isfinite(gradient.numpy())))

  def test_exact_matches_numpy(self):
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, size=(5, 4)).astype(np.float32)
    logits = rng.normal(scale=2.0, size=(5, 4)).astype(np.float32)
    expected = np.sum(_np_bce(labels, logits), axis=-1)
    self.assertAllClose(losses.exact_classifier_loss(labels, logits), expected,
                        rtol=1e-5)

  def test_coincidence_matches_numpy(self):
    labels = np.array([1.0, 0.0, 1.0], np.float32)
    logits = np.array([2.0, 0.5, -1.0], np.float32)
    self.assertAllClose(losses.coincidence_loss(labels, logits),
                        _np_bce(labels, logits), rtol=1e-5)

  @parameterized.parameters(2, 3, 6)
  def test_contrastive_coincidence_matches_numpy(self, batch):
    pair_logits = np.random.default_rng(batch).normal(
        scale=3.0, size=[batch, batch]).astype(np.float32)
    expected = np.zeros(batch)
    for i in range(batch):
      row, column = pair_logits[i], pair_logits[:, i]
      row_nll = np.log(np.sum(np.exp(row))) - row[i]
      column_nll = np.log(np.sum(np.exp(column))) - column[i]
      expected[i] = 0.5 * (row_nll + column_nll)
    self.assertAllClose(losses.contrastive_coincidence_loss(pair_logits),
                        expected, rtol=1e-5)

  def test_contrastive_coincidence_extra_negatives_match_numpy(self):
    rng = np.random.default_rng(7)
    pair_logits = rng.normal(size=[3, 3]).astype(np.float32)
    extra = rng.normal(size=[3, 2]).astype(np.float32)
    expected = []
    for i in range(3):
      row = np.concatenate([pair_logits[i], extra[i]])
      column = pair_logits[:, i]
      expected.append(0.5 * (np.log(np.sum(np.exp(row))) - row[i] +
                             np.log(np.sum(np.exp(column))) - column[i]))
    self.assertAllClose(
        losses.contrastive_coincidence_loss(pair_logits, extra), expected,
        rtol=1e-5)
    with self.assertRaisesRegex(ValueError, r'\[batch, S\]'):
      losses.contrastive_coincidence_loss(pair_logits, extra[:2])

  def test_contrastive_coincidence_prefers_the_diagonal(self):
    matched = 10.0 * np.eye(3, dtype=np.float32)
    crossed = np.roll(matched, 1, axis=1)
    self.assertAllLess(losses.contrastive_coincidence_loss(matched), 1e-3)
    self.assertAllGreater(losses.contrastive_coincidence_loss(crossed), 9.0)

  def test_contrastive_coincidence_bad_inputs(self):
    with self.assertRaisesRegex(ValueError, 'square'):
      losses.contrastive_coincidence_loss(tf.zeros([2, 3]))
    with self.assertRaisesRegex(ValueError, 'at least 2 clips'):
      losses.contrastive_coincidence_loss(tf.zeros([1, 1]))
    with self.assertRaisesRegex(ValueError, r'\[batch, batch\]'):
      losses.contrastive_coincidence_loss(tf.zeros([4]))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'pair_logits'):
      losses.contrastive_coincidence_loss([[0.0, np.inf], [0.0, 0.0]])

  def test_bad_inputs(self):
    with self.assertRaisesRegex(ValueError, 'same shape'):
      losses.exact_classifier_loss(tf.ones([2, 4]), tf.ones([2, 3]))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'binary'):
      losses.active_combinations_loss([[0.5, 1.0]], [[0.0, 1.0]])
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, r'\[0, 1\]'):
      losses.exact_classifier_loss([[2.0, 1.0]], [[0.0, 1.0]])
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'logits'):
      losses.exact_classifier_loss([[1.0, 1.0]], [[np.nan, 1.0]])
    with self.assertRaisesRegex(ValueError, r'\[batch\]'):
      losses.coincidence_loss(tf.ones([2, 1]), tf.ones([2, 1]))



def _numpy_power_spectrogram(x, frame_length, frame_step):
  """|STFT|^2 with a periodic Hann window, frames without padding."""
  window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(frame_length) /
                              frame_length)
  count = 1 + (x.shape[-1] - frame_length) // frame_step
  frames = np.stack([x[..., i * frame_step:i * frame_step + frame_length]
                     for i in range(count)], axis=-2)
  return np.abs(np.fft.rfft(frames * window, axis=-1)) ** 2


class ReferenceEnergyShareTest(parameterized.TestCase, tf.test.TestCase):

  def test_matches_numpy_mask_average(self):
    rng = np.random.default_rng(0)
    references = rng.normal(size=(2, 2, 2048)).astype(np.float32)
    references[1, 1, :1024] = 0.0  # A half-silent background.
    sources = rng.normal(size=(2, 3, 2048)).astype(np.float32)
    sources[0, 2] = 0.0  # A silent source.
    share = losses.reference_energy_share(references, sources, 256, 64)
    power_refs = _numpy_power_spectrogram(references.astype(np.float64),
                                          256, 64)
    power_sources = _numpy_power_spectrogram(sources.astype(np.float64),
                                             256, 64)
    total = power_refs[:, 0] + power_refs[:, 1]
    ratio = np.where(total > 0, power_refs[:, 0] / np.maximum(total, 1e-30),
                     0.5)
    expected = np.zeros((2, 3))
    for n in range(2):
      for m in range(3):
        energy = power_sources[n, m].sum()
        if energy > 0:
          expected[n, m] = (power_sources[n, m] * ratio[n]).sum() / energy
    self.assertAllClose(share, expected, atol=1e-4)
    self.assertEqual(float(share[0, 2]), 0.0)

  def test_pure_and_mixed_sources(self):
    time = np.arange(4096) / 8000.0
    low = np.sin(2 * np.pi * 500 * time).astype(np.float32)
    high = np.sin(2 * np.pi * 2500 * time).astype(np.float32)
    references = np.stack([low, high])[np.newaxis]
    sources = np.stack([low, high, low + high])[np.newaxis]
    self.assertAllClose(losses.reference_energy_share(references, sources),
                        [[1.0, 0.0, 0.5]], atol=0.01)

  @parameterized.parameters(((2, 3, 100), (2, 1, 100)),
                            ((2, 2, 100), (3, 1, 100)),
                            ((2, 2, 100), (2, 1, 90)))
  def test_bad_shapes(self, reference_shape, source_shape):
    with self.assertRaises(ValueError):
      losses.reference_energy_share(tf.zeros(reference_shape),
                                    tf.zeros(source_shape), 32, 8)


if __name__ == '__main__':
  tf.test.main()
