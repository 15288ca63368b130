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
"""Tests for audioscope.evaluation.calibration."""

import csv
import json
import os

from absl.testing import parameterized
from matplotlib import image as mpl_image
import numpy as np
from sklearn import isotonic
import tensorflow as tf

from audioscope import metrics
from audioscope.evaluation import calibration


def _disjoint_sources(rng, num_examples, num_sources, num_samples):
  """Sources with disjoint time support (OSR is then monotonic in theta)."""
  sources = np.zeros((num_examples, num_sources, num_samples))
  segment = num_samples // num_sources
  for m in range(num_sources):
    gains = rng.uniform(0.1, 2.0, size=(num_examples, 1))
    sources[:, m, m * segment:(m + 1) * segment] = gains * rng.normal(
        size=(num_examples, segment))
  return sources


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


class OffsetCalibrationTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(0)
    self.sources = _disjoint_sources(rng, 21, 4, 64)
    self.mixtures = self.sources.sum(axis=1)
    self.logits = rng.normal(scale=2.0, size=(21, 4))

  def _median_osr(self, theta):
    estimate = self.mixtures * 0.0
    for m in range(4):
      estimate += _sigmoid(self.logits[:, m:m + 1] + theta) * self.sources[:, m]
    return np.median(metrics.osr(self.mixtures, estimate))

  def test_on_screen_estimate(self):
    expected = np.einsum('nm,nmt->nt', _sigmoid(self.logits + 0.7),
                         self.sources)
    self.assertAllClose(
        calibration.on_screen_estimate(self.logits, self.sources, 0.7),
        expected)

  @parameterized.named_parameters(('theta_0', 0.0), ('theta_neg', -1.3),
                                  ('theta_pos', 2.2))
  def test_suppression_db_is_the_osr_of_metrics(self, theta):
    mixtures = self.mixtures.copy()
    mixtures[3] = 0.0  # A silent mixture: 0 dB, as metrics.osr says.
    self.assertAllClose(
        calibration.suppression_db(self.logits, self.sources, mixtures,
                                   theta),
        metrics.osr(mixtures,
                    calibration.on_screen_estimate(self.logits, self.sources,
                                                   theta)),
        atol=1e-4)
    self.assertAllClose(
        np.median(calibration.suppression_db(self.logits, self.sources,
                                             self.mixtures, theta)),
        self._median_osr(theta), atol=1e-4)

  def test_energies_gathered_in_pieces_calibrate_as_the_whole_set(self):
    mixtures = self.mixtures.copy()
    mixtures[5] = 0.0  # Silent: skipped and counted either way.
    whole = calibration.calibrate_offset_with_details(
        self.logits, self.sources, mixtures, target_osr_db=7.0)
    pieces = [calibration.set_energies(self.logits[i:i + 4],
                                       self.sources[i:i + 4],
                                       mixtures[i:i + 4])
              for i in range(0, 21, 4)]
    energies = calibration.SetEnergies.concatenate(pieces)
    self.assertEqual(energies.num_examples, 21)
    self.assertEqual(
        calibration.calibrate_energies_with_details(energies,
                                                    target_osr_db=7.0),
        whole)
    self.assertEqual(whole.num_silent_skipped, 1)
    # The Gram matrices hold what the sources do: energies of any mix.
    self.assertAllClose(
        energies.estimate_energy(0.4),
        np.sum(np.square(calibration.on_screen_estimate(
            self.logits, self.sources, 0.4)), axis=-1))
    self.assertAllClose(energies.take([2, 7]).logits, self.logits[[2, 7]])
    with self.assertRaisesRegex(ValueError, 'no sets'):
      calibration.SetEnergies.concatenate([])

  @parameterized.named_parameters(('6db', 6.0), ('12db', 12.0), ('1db', 1.0))
  def test_bisection_reaches_target(self, target):
    result = calibration.calibrate_offset_with_details(
        self.logits, self.sources, self.mixtures, target_osr_db=target)
    self.assertTrue(result.converged)
    self.assertLessEqual(abs(result.median_osr_db - target), 0.01)
    # Independently: median of metrics.osr at the returned theta.
    self.assertLessEqual(abs(self._median_osr(result.theta) - target), 0.05)
    self.assertEqual(
        calibration.calibrate_offset(self.logits, self.sources, self.mixtures,
                                     target_osr_db=target), result.theta)
    self.assertEqual(result.num_examples, 21)

  def test_bracket_is_expanded(self):
    shifted = self.logits + 40.0  # The target theta is near -40.
    theta = calibration.calibrate_offset(shifted, self.sources, self.mixtures,
                                         bracket=(-1.0, 1.0))
    self.assertLess(theta, -30.0)

  def test_osr_is_monotonic_in_theta(self):
    thetas = np.linspace(-8.0, 8.0, 17)
    osrs = [self._median_osr(t) for t in thetas]
    self.assertTrue(np.all(np.diff(osrs) < 0), msg=str(osrs))

  def test_half_mixture_baseline(self):
    # Zero logits: sigmoid 0.5, x_on = x / 2, 6.02 dB at theta = 0.
    zeros = np.zeros_like(self.logits)
    self.assertAllClose(
        metrics.osr(self.mixtures,
                    calibration.on_screen_estimate(zeros, self.sources)),
        np.full(21, 20 * np.log10(2.0)), atol=1e-6)
    theta = calibration.calibrate_offset(
        zeros, self.sources, self.mixtures, target_osr_db=20 * np.log10(2.0),
        tolerance_db=1e-4, bracket=(-3.0, 5.0))
    self.assertAllClose(theta, 0.0, atol=1e-3)

  def test_all_ones_probabilities_give_zero_osr(self):
    estimate = calibration.on_screen_estimate(
        np.full_like(self.logits, 50.0), self.sources)
    self.assertAllClose(metrics.osr(self.mixtures, estimate), np.zeros(21),
                        atol=1e-6)

  def test_unreachable_targets_and_empty_sets(self):
    with self.assertRaisesRegex(ValueError, r'cannot be reached.*\[-?0\.00, '):
      calibration.calibrate_offset(self.logits, self.sources, self.mixtures,
                                   target_osr_db=300.0)
    with self.assertRaisesRegex(ValueError, 'cannot be reached'):
      calibration.calibrate_offset(self.logits, self.sources, self.mixtures,
                                   target_osr_db=-3.0)
    with self.assertRaisesRegex(ValueError, 'no examples'):
      calibration.calibrate_offset(np.zeros((0, 4)), np.zeros((0, 4, 8)),
                                   np.zeros((0, 8)))
    with self.assertRaisesRegex(ValueError, 'silent'):
      calibration.calibrate_offset(np.zeros((2, 4)), np.zeros((2, 4, 8)),
                                   np.zeros((2, 8)))
    with self.assertRaisesRegex(ValueError, r'\[N, time\]'):
      calibration.calibrate_offset(self.logits, self.sources,
                                   self.mixtures[:, :10])
    bad = self.logits.copy()
    bad[0, 0] = np.nan
    with self.assertRaisesRegex(ValueError, 'NaN'):
      calibration.calibrate_offset(bad, self.sources, self.mixtures)

  def test_silent_mixtures_are_skipped_and_counted(self):
    sources = np.concatenate([self.sources, np.zeros((2, 4, 64))])
    mixtures = sources.sum(axis=1)
    logits = np.concatenate([self.logits, np.zeros((2, 4))])
    result = calibration.calibrate_offset_with_details(logits, sources,
                                                       mixtures)
    self.assertEqual(result.num_silent_skipped, 2)
    self.assertEqual(result.num_examples, 21)
    self.assertLessEqual(abs(self._median_osr(result.theta) - 6.0), 0.05)


class CurveTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(1)
    # Off-screen set: all sources off-screen, logits negative.
    self.sources_off = _disjoint_sources(rng, 9, 4, 32)
    self.mixtures_off = self.sources_off.sum(axis=1)
    self.logits_off = rng.normal(loc=-2.0, size=(9, 4))
    # On-screen set: sources 0 and 1 on-screen (oracle separation).
    self.sources_on = _disjoint_sources(rng, 7, 4, 32)
    self.references_on = self.sources_on[:, :2].sum(axis=1)
    self.labels_on = np.tile([1, 1, 0, 0], (7, 1))
    self.logits_on = np.where(self.labels_on == 1, 20.0, -20.0)

  def test_curve_matches_metrics(self):
    thetas = [-3.0, 0.0, 2.5]
    curve = calibration.osr_snr_curve(
        self.logits_off, self.sources_off, self.mixtures_off, self.logits_on,
        self.sources_on, self.references_on, thetas=thetas)
    self.assertEqual([p.theta for p in curve], thetas)
    for point in curve:
      off_estimate = calibration.on_screen_estimate(
          self.logits_off, self.sources_off, point.theta)
      on_estimate = calibration.on_screen_estimate(
          self.logits_on, self.sources_on, point.theta)
      self.assertAllClose(
          point.median_osr_db,
          np.median(metrics.osr(self.mixtures_off, off_estimate)), atol=1e-4)
      self.assertAllClose(
          point.median_snr_db,
          np.median(metrics.snr(self.references_on, on_estimate)), atol=1e-3)
    self.assertGreater(curve[0].median_osr_db, curve[-1].median_osr_db)

  def test_oracle_separation_and_labels(self):
    curve = calibration.osr_snr_curve(
        self.logits_off, self.sources_off, self.mixtures_off, self.logits_on,
        self.sources_on, self.references_on, thetas=[0.0])
    # Oracle on-screen estimate: only the 1e-8 eps limits the SNR.
    power = np.mean(self.references_on**2, axis=-1)
    expected_snr = np.median(10 * np.log10((power + 1e-8) / 1e-8))
    self.assertAllClose(curve[0].median_snr_db, expected_snr, atol=0.05)
    self.assertAllClose(
        metrics.power_weighted_auc(self.labels_on, _sigmoid(self.logits_on),
                                   self.sources_on), 1.0)
    # Off-screen oracle: logits -20 everywhere give nearly silent estimates.
    oracle = calibration.osr_snr_curve(
        np.full((9, 4), -20.0), self.sources_off, self.mixtures_off,
        self.logits_on, self.sources_on, self.references_on, thetas=[0.0])
    energy = np.sum(self.mixtures_off**2, axis=-1)
    estimate_energy = energy * _sigmoid(-20.0)**2
    self.assertAllClose(
        oracle[0].median_osr_db,
        np.median(10 * np.log10((energy + 1e-8) / (estimate_energy + 1e-8))),
        atol=1e-3)

  def test_csv_and_png(self):
    curve = calibration.osr_snr_curve(
        self.logits_off, self.sources_off, self.mixtures_off, self.logits_on,
        self.sources_on, self.references_on)
    self.assertLen(curve, 81)
    directory = self.create_tempdir().full_path
    csv_path = os.path.join(directory, 'curve.csv')
    calibration.write_curve_csv(csv_path, curve)
    with open(csv_path) as f:
      rows = list(csv.DictReader(f))
    self.assertLen(rows, 81)
    self.assertAllClose([float(r['median_osr_db']) for r in rows],
                        [p.median_osr_db for p in curve])
    png_path = os.path.join(directory, 'curve.png')
    calibration.plot_curve_png(png_path, curve, theta=0.3, target_osr_db=6.0)
    image = mpl_image.imread(png_path)
    self.assertEqual(image.shape, (400, 500, 4))
    self.assertGreater(np.std(image[..., :3]), 0.0)


  def test_read_curve_csv_round_trip_and_errors(self):
    curve = calibration.osr_snr_curve(
        self.logits_off, self.sources_off, self.mixtures_off, self.logits_on,
        self.sources_on, self.references_on, thetas=[-1.0, 0.5, 2.0])
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'curve.csv')
    calibration.write_curve_csv(path, curve)
    self.assertEqual(calibration.read_curve_csv(path), curve)
    # Rows in any order come back sorted by theta.
    with open(path, 'w') as f:
      f.write('median_snr_db,theta,median_osr_db\n1.0,2.0,3.0\n'
              '4.0,-1.0,9.0\n')
    self.assertEqual(calibration.read_curve_csv(path), [
        calibration.CurvePoint(-1.0, 9.0, 4.0),
        calibration.CurvePoint(2.0, 3.0, 1.0)])
    for text, message in (('theta,median_osr_db\n1,2\n', 'median_snr_db'),
                          ('theta,median_osr_db,median_snr_db\n1,x,2\n',
                           'line 2.*not three numbers'),
                          ('theta,median_osr_db,median_snr_db\n1,nan,2\n',
                           'not finite'),
                          ('theta,median_osr_db,median_snr_db\n', 'no rows')):
      with open(path, 'w') as f:
        f.write(text)
      with self.assertRaisesRegex(ValueError, message):
        calibration.read_curve_csv(path)
    with self.assertRaisesRegex(FileNotFoundError, 'audioscope_eval'):
      calibration.read_curve_csv(os.path.join(directory, 'none.csv'))

  @parameterized.parameters(4.0, 6.0, 10.0)
  def test_offset_for_osr_agrees_with_bisection(self, target):
    # On a fine curve, interpolation lands where the exact bisection does.
    curve = calibration.osr_snr_curve(
        self.logits_off, self.sources_off, self.mixtures_off, self.logits_on,
        self.sources_on, self.references_on,
        thetas=np.linspace(-10.0, 10.0, 2001))
    theta, snr = calibration.offset_for_osr(curve, target)
    exact = calibration.calibrate_offset(
        self.logits_off, self.sources_off, self.mixtures_off,
        target_osr_db=target, tolerance_db=1e-6)
    self.assertAllClose(theta, exact, atol=0.02)
    on_estimate = calibration.on_screen_estimate(self.logits_on,
                                                 self.sources_on, theta)
    self.assertAllClose(
        snr, np.median(metrics.snr(self.references_on, on_estimate)),
        atol=0.05)

  def test_offset_for_osr_interpolates_and_names_the_range(self):
    point = calibration.CurvePoint
    curve = [point(2.0, 2.0, 9.0), point(-2.0, 12.0, 1.0),
             point(0.0, 6.0, 5.0)]
    # Exact grid points, and linear interpolation between neighbours.
    self.assertEqual(calibration.offset_for_osr(curve, 6.0), (0.0, 5.0))
    self.assertAllClose(calibration.offset_for_osr(curve, 9.0),
                        (-1.0, 3.0))
    self.assertAllClose(calibration.offset_for_osr(curve, 3.0),
                        (1.5, 8.0))
    # A curve that crosses the target twice: the larger theta.
    wiggly = curve + [point(4.0, 4.0, 9.5), point(6.0, 1.0, 10.0)]
    self.assertAllClose(calibration.offset_for_osr(wiggly, 3.0)[0],
                        4.0 + 2.0 / 3.0)
    with self.assertRaisesRegex(ValueError, '20 dB.*2.00 to 12.00 dB for '
                                'theta -2 to 2'):
      calibration.offset_for_osr(curve, 20.0)
    with self.assertRaisesRegex(ValueError, 'empty'):
      calibration.offset_for_osr([], 6.0)


class IsotonicCalibratorTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(2)
    self.labels = rng.integers(0, 2, size=(40, 4))
    self.probabilities = np.clip(
        0.3 * self.labels + rng.uniform(0.0, 0.7, size=(40, 4)), 0.0, 1.0)
    self.weights = rng.uniform(0.0, 1.0, size=(40, 4))

  def test_matches_sklearn_and_is_monotonic(self):
    calibrator = calibration.IsotonicCalibrator().fit(
        self.probabilities, self.labels, sample_weight=self.weights)
    reference = isotonic.IsotonicRegression(
        out_of_bounds='clip', increasing=True).fit(
            self.probabilities.ravel(), self.labels.ravel(),
            sample_weight=self.weights.ravel())
    queries = np.linspace(-0.0, 1.0, 101)
    self.assertAllClose(calibrator(queries), reference.predict(queries))
    self.assertTrue(np.all(np.diff(calibrator(queries)) >= 0))
    self.assertEqual(calibrator(self.probabilities).shape, (40, 4))

  def test_save_load_round_trip(self):
    calibrator = calibration.IsotonicCalibrator(from_logits=True).fit(
        np.log(self.probabilities + 1e-3) - np.log1p(1e-3 -
                                                     self.probabilities),
        self.labels)
    path = os.path.join(self.create_tempdir().full_path, 'isotonic.json')
    calibrator.save(path)
    loaded = calibration.IsotonicCalibrator.load(path)
    self.assertTrue(loaded.from_logits)
    queries = np.linspace(-8.0, 8.0, 33)
    self.assertAllEqual(loaded.transform(queries), calibrator(queries))

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, 'not fitted'):
      calibration.IsotonicCalibrator()([0.5])
    with self.assertRaisesRegex(ValueError, 'from_logits=True'):
      calibration.IsotonicCalibrator().fit([[2.0, -1.0]], [[1, 0]])
    with self.assertRaisesRegex(ValueError, 'binary'):
      calibration.IsotonicCalibrator().fit([[0.2, 0.4]], [[0.5, 0]])
    path = os.path.join(self.create_tempdir().full_path, 'bad.json')
    with open(path, 'w') as f:
      json.dump({'type': 'isotonic', 'x_thresholds': [0.0, 1.0],
                 'y_thresholds': [1.0, 0.0]}, f)
    with self.assertRaisesRegex(ValueError, 'non-decreasing'):
      calibration.IsotonicCalibrator.load(path)


if __name__ == '__main__':
  tf.test.main()
