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
"""Tests for audioscope.evaluation.bootstrap."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import metrics
from audioscope.evaluation import bootstrap
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib
from tests.evaluation import oracles


def _sets(num_on=12, num_off=10, num_validation=9, seed=0):
  return (oracles.random_predictions(seed, num_on, 1, logit_shift=1.5),
          oracles.random_predictions(seed + 1, num_off, 0),
          oracles.random_predictions(seed + 2, num_validation, 0))


def _tile(predictions, times):
  return evaluate_lib.Predictions.concatenate([predictions] * times)


class ResampleMetricsTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('validation', 'validation'), ('test', 'test'), ('fixed', 'fixed'))
  def test_resample_matches_the_evaluation_of_the_resampled_audio(self,
                                                                  protocol):
    on, off, validation = _sets()
    sample = evaluate_lib.evaluation_sample(
        on, off,
        calibration_off_screen=validation if protocol == 'validation' else None,
        calibrate_on_off_screen=protocol == 'test')
    statistic = bootstrap.ResampleMetrics(
        sample, theta=0.7,
        target_osr_db=None if protocol == 'fixed' else 6.0)
    rng = np.random.default_rng(3)
    for _ in range(3):
      on_index = rng.integers(0, on.num_examples, on.num_examples)
      off_index = rng.integers(0, off.num_examples, off.num_examples)
      validation_index = rng.integers(0, validation.num_examples,
                                      validation.num_examples)
      indices = [on_index, off_index] + (
          [validation_index] if protocol == 'validation' else [])
      values = statistic(*indices)

      # Oracle: the resampled audio, through the evaluation's own path.
      on_r, off_r = on.select(on_index), off.select(off_index)
      calibration_set = {'validation': validation.select(validation_index),
                         'test': off_r}.get(protocol)
      if calibration_set is None:
        theta = 0.7
        self.assertNotIn('theta', values)
      else:
        theta = calibration.calibrate_offset(
            calibration_set.logits, calibration_set.sources,
            calibration_set.mixtures, target_osr_db=6.0)
        self.assertAllClose(values['theta'], theta, atol=1e-9)
      expected, _ = evaluate_lib.evaluate_predictions(on_r, off_r, theta)
      half = evaluate_lib.baselines(on_r, off_r)[
          evaluate_lib.ROW_NO_PROCESSING_HALF]
      self.assertAllClose(values['median_snr_db'],
                          expected['median_snr_db'], atol=1e-4)
      self.assertAllClose(
          values['median_snr_db'],
          np.median(oracles.np_snr(on_r.on_screen_references,
                            on_r.on_screen_estimate(theta))), atol=1e-6)
      self.assertAllClose(values['snr_above_half_mixture_db'],
                          expected['median_snr_db'] - half['median_snr_db'],
                          atol=1e-4)
      self.assertAllClose(
          values['median_osr_db'],
          np.median(oracles.np_osr(off_r.mixtures,
                                   off_r.on_screen_estimate(theta))),
          atol=1e-6)
      self.assertAllClose(values['median_osr_db'],
                          expected['median_osr_db'], atol=1e-4)
      self.assertAllClose(values['auc'], expected['auc'], atol=1e-9)
      self.assertAllClose(values['within_auc'], expected['within_auc'],
                          atol=1e-9)

  def test_calibration_indices_refer_to_non_silent_examples(self):
    on, off, validation = _sets()
    validation.mixtures[[2, 5]] = 0.0
    validation.sources[[2, 5]] = 0.0
    sample = evaluate_lib.evaluation_sample(
        on, off, calibration_off_screen=validation)
    statistic = bootstrap.ResampleMetrics(sample, theta=0.0)
    active = np.delete(np.arange(validation.num_examples), [2, 5])
    index = np.arange(len(active))[::-1]
    values = statistic(np.arange(on.num_examples),
                       np.arange(off.num_examples), index)
    kept = validation.select(active[index])
    self.assertAllClose(
        values['theta'],
        calibration.calibrate_offset(kept.logits, kept.sources,
                                     kept.mixtures), atol=1e-9)

  def test_bad_samples(self):
    on, off, validation = _sets()
    sample = evaluate_lib.evaluation_sample(on, off, validation)
    with self.assertRaisesRegex(ValueError, 'on_screen_labels'):
      bootstrap.EvaluationSample(
          sample.on_screen, sample.on_screen_labels[:, :2],
          sample.half_mixture_snr_db, sample.off_screen)
    with self.assertRaisesRegex(ValueError, 'half_mixture_snr_db'):
      bootstrap.EvaluationSample(
          sample.on_screen, sample.on_screen_labels,
          sample.half_mixture_snr_db[:3], sample.off_screen)
    with self.assertRaisesRegex(ValueError, 'not both'):
      bootstrap.EvaluationSample(
          sample.on_screen, sample.on_screen_labels,
          sample.half_mixture_snr_db, sample.off_screen,
          calibration_set=sample.calibration_set,
          calibrate_on_off_screen=True)
    with self.assertRaisesRegex(ValueError, 'num_resamples'):
      bootstrap.evaluation_intervals(sample, 0.0, num_resamples=1)
    with self.assertRaisesRegex(ValueError, 'confidence_level'):
      bootstrap.evaluation_intervals(sample, 0.0, confidence_level=95)


class EvaluationIntervalsTest(parameterized.TestCase, tf.test.TestCase):

  def test_estimates_are_the_full_sample_and_intervals_bracket_them(self):
    on, off, validation = _sets(num_on=40, num_off=40, num_validation=40)
    theta = calibration.calibrate_offset(validation.logits,
                                         validation.sources,
                                         validation.mixtures)
    sample = evaluate_lib.evaluation_sample(on, off, validation)
    intervals = bootstrap.evaluation_intervals(sample, theta,
                                               num_resamples=300)
    expected, _ = evaluate_lib.evaluate_predictions(on, off, theta)
    table = intervals['metrics']
    self.assertEqual(list(table), [name for name, _ in
                                   bootstrap.METRIC_TITLES])
    self.assertTrue(intervals['recalibrated'])
    self.assertEqual(intervals['num_resamples'], 300)
    self.assertAllClose(table['theta']['estimate'], theta)
    for name in ('median_snr_db', 'median_osr_db', 'auc', 'within_auc'):
      self.assertAllClose(table[name]['estimate'], expected[name], atol=1e-4)
    for name, values in table.items():
      self.assertLess(values['low'], values['high'], name)
      self.assertBetween(values['estimate'], values['low'], values['high'])

  def test_intervals_halve_with_four_times_the_examples(self):
    on, off, validation = _sets(num_on=40, num_off=40, num_validation=40)
    widths = []
    for times in (1, 4):
      sample = evaluate_lib.evaluation_sample(
          _tile(on, times), _tile(off, times),
          calibration_off_screen=_tile(validation, times))
      table = bootstrap.evaluation_intervals(
          sample, 0.0, num_resamples=400)['metrics']
      widths.append({name: v['high'] - v['low'] for name, v in table.items()})
    # The AUCs are smooth in the examples: 1 / sqrt(4) to Monte Carlo error.
    for name in ('auc', 'within_auc'):
      self.assertBetween(widths[1][name] / widths[0][name], 0.4, 0.6)
    # The medians' bootstrap distributions are lumpy on 40 examples.
    for name in ('theta', 'median_snr_db', 'snr_above_half_mixture_db',
                 'median_osr_db'):
      self.assertBetween(widths[1][name] / widths[0][name], 0.1, 0.8)

  def test_calibrating_on_the_test_set_pins_its_osr(self):
    on, off, _ = _sets(num_on=30, num_off=30)
    sample = evaluate_lib.evaluation_sample(on, off,
                                            calibrate_on_off_screen=True)
    table = bootstrap.evaluation_intervals(
        sample, 0.0, target_osr_db=6.0, tolerance_db=0.01,
        num_resamples=200)['metrics']
    self.assertBetween(table['median_osr_db']['low'], 5.99, 6.01)
    self.assertBetween(table['median_osr_db']['high'], 5.99, 6.01)
    self.assertGreater(table['theta']['high'] - table['theta']['low'], 0.05)

  def test_fixed_theta_has_no_theta_interval(self):
    on, off, _ = _sets()
    sample = evaluate_lib.evaluation_sample(on, off)
    intervals = bootstrap.evaluation_intervals(sample, 0.5,
                                               target_osr_db=None,
                                               num_resamples=50)
    self.assertFalse(intervals['recalibrated'])
    self.assertNotIn('theta', intervals['metrics'])

  def test_sets_too_small_or_resamples_undefined(self):
    on, off, validation = _sets()
    sample = evaluate_lib.evaluation_sample(on.select([0]), off, validation)
    self.assertIsNone(bootstrap.evaluation_intervals(sample, 0.0,
                                                     num_resamples=20))
    summary = evaluate_lib.evaluate(None, on.select([0]), off,
                                    calibration_off_screen=validation,
                                    bootstrap_resamples=20)
    self.assertIsNone(summary['intervals'])
    # Two on-screen MoMs, one with a silent reference: a quarter of the
    # resamples hold only that one and have no median SNR.
    two = on.select([0, 1])
    two.on_screen_references[1] = 0.0
    sample = evaluate_lib.evaluation_sample(two, off, validation)
    with self.assertLogs(level='WARNING') as logs:
      table = bootstrap.evaluation_intervals(sample, 0.0,
                                             num_resamples=100)['metrics']
    self.assertIn('No bootstrap interval of median_snr_db', logs.output[0])
    self.assertAllClose(table['median_snr_db']['estimate'],
                        evaluate_lib.evaluate_predictions(
                            two, off, table['theta']['estimate'])[0][
                                'median_snr_db'], atol=1e-4)
    self.assertIsNone(table['median_snr_db']['low'])
    self.assertIsNotNone(table['median_osr_db']['low'])

  def test_seed_repeats(self):
    on, off, validation = _sets()
    sample = evaluate_lib.evaluation_sample(on, off, validation)
    first, second, other = (
        bootstrap.evaluation_intervals(sample, 0.0, num_resamples=50,
                                       seed=seed) for seed in (1, 1, 2))
    self.assertEqual(first, second)
    self.assertNotEqual(first['metrics'], other['metrics'])


class ThetaIntervalTest(tf.test.TestCase):

  def _energies(self, num_examples=30):
    predictions = oracles.random_predictions(5, num_examples, 0)
    return calibration.set_energies(predictions.logits, predictions.sources,
                                    predictions.mixtures)

  def test_groups_are_resampled_whole(self):
    # Every example three times, grouped with its copies: resampling groups
    # is resampling the original examples (the median OSR does not change
    # when every example is repeated), so the intervals agree exactly; an
    # interval over the copies as if independent is narrower.
    energies = self._energies()
    copies = energies.take(np.repeat(np.arange(30), 3))
    groups = np.repeat(np.arange(30), 3)
    original = bootstrap.theta_interval(energies, num_resamples=300, seed=2)
    grouped = bootstrap.theta_interval(copies, groups=groups,
                                       num_resamples=300, seed=2)
    independent = bootstrap.theta_interval(copies, num_resamples=300, seed=2)
    self.assertEqual((original['num_groups'], grouped['num_groups']),
                     (30, 30))
    self.assertAllClose(grouped['metrics']['theta'],
                        original['metrics']['theta'], atol=1e-12)
    self.assertAllClose(
        grouped['metrics']['theta']['estimate'],
        calibration.calibrate_energies_with_details(energies).theta)

    def width(result):
      return result['metrics']['theta']['high'] - result['metrics'][
          'theta']['low']
    self.assertLess(width(independent), 0.8 * width(grouped))

  def test_silent_examples_and_single_groups(self):
    energies = self._energies(12)
    silent = calibration.SetEnergies(
        energies.logits, energies.gram, energies.mixture_energy,
        np.arange(12) < 6)
    # Only groups 0 and 1 have sound; group 2's examples are all silent.
    # With groups [0] * 6 + [1] * 6 only group 0 has sound: no interval.
    result = bootstrap.theta_interval(silent,
                                      groups=np.repeat([0, 1, 2], 4),
                                      num_resamples=50)
    self.assertEqual(result['num_groups'], 2)
    self.assertIsNone(bootstrap.theta_interval(
        silent, groups=np.repeat([0, 1], 6), num_resamples=50))
    with self.assertRaisesRegex(ValueError, 'one entry per example'):
      bootstrap.theta_interval(energies, groups=np.zeros(5))


class ProbeMarginIntervalsTest(parameterized.TestCase, tf.test.TestCase):

  def test_a_constant_shift_of_every_clip_is_known_exactly(self):
    # Paired resampling keeps a clip's conditions together, so a margin that
    # is the same for every clip has a zero-width interval, however widely
    # the clips' own OSRs vary.
    true_osr = np.random.default_rng(0).normal(scale=5.0, size=50)
    result = bootstrap.probe_margin_intervals(
        {'true_video': true_osr, 'blank_video': true_osr + 5.0,
         'replaced_video': true_osr - 1.0}, num_resamples=200)
    table = result['metrics']
    for name, margin in (('blank_video', 5.0), ('replaced_video', -1.0)):
      self.assertAllClose(
          [table[name]['estimate'], table[name]['low'], table[name]['high']],
          [margin] * 3, atol=1e-9)

  def test_against_a_numpy_bootstrap(self):
    rng = np.random.default_rng(1)
    osr = {'true_video': rng.normal(2.0, 1.0, 60),
           'blank_video': rng.normal(10.0, 4.0, 60),
           'replaced_video': rng.normal(3.0, 2.0, 60)}
    result = bootstrap.probe_margin_intervals(osr, num_resamples=2000,
                                              seed=4)
    # An independent percentile bootstrap of the same statistic.
    draws = np.random.default_rng(7).integers(0, 60, size=(2000, 60))
    for name in ('blank_video', 'replaced_video'):
      margins = (np.median(osr[name][draws], axis=1) -
                 np.median(osr['true_video'][draws], axis=1))
      low, high = np.percentile(margins, [2.5, 97.5])
      interval = result['metrics'][name]
      self.assertAllClose(interval['estimate'],
                          np.median(osr[name]) - np.median(osr['true_video']))
      # Two bootstraps of 2000 draws agree to Monte Carlo error.
      self.assertAllClose([interval['low'], interval['high']], [low, high],
                          atol=0.35)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, 'same clips'):
      bootstrap.probe_margin_intervals({'true_video': np.zeros(4),
                                        'blank_video': np.zeros(4),
                                        'replaced_video': np.zeros(3)})
    with self.assertRaisesRegex(ValueError, 'at least two clips'):
      bootstrap.probe_margin_intervals({name: np.zeros(1) for name in (
          'true_video', 'blank_video', 'replaced_video')})


class MetricsPiecesTest(tf.test.TestCase):

  def test_within_example_pair_weights_sum_to_the_within_auc(self):
    on, _, _ = _sets(num_on=20)
    labels = evaluate_lib.mixit_assignments(on)
    weights = metrics.power_shares(np.sum(np.square(on.sources), axis=-1))
    correct, total = metrics.within_example_pair_weights(labels, on.logits,
                                                         weights)
    for subset in (np.arange(20), np.arange(0, 20, 3)):
      self.assertAllClose(
          np.sum(correct[subset]) / np.sum(total[subset]),
          metrics.within_example_auc(labels[subset], on.logits[subset],
                                     on.sources[subset]))
    self.assertAllClose(
        metrics.weighted_auc(labels, on.logits, weights),
        metrics.power_weighted_auc(labels, on.logits, on.sources))


if __name__ == '__main__':
  tf.test.main()
