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
"""Tests for audioscope.evaluation.evaluate_lib."""

import csv
import dataclasses
import glob
import json
import os

from absl.testing import parameterized
from matplotlib import image as mpl_image
import numpy as np
import tensorflow as tf

from audioscope import metrics
from audioscope import model as model_lib
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib
from tests.evaluation import oracles

_T = 64  # Samples per clip.


def _oracle_set(seed=0, num_on=4, num_off=5):
  """MoMs: x_on in the first half of the clip, x_off in the second.

  Frames are bright (1) for on-screen examples and dark (0) for off-screen
  ones, so `_oracle_model_fn` knows which is which from the video alone.
  """
  rng = np.random.default_rng(seed)
  half = _T // 2
  on_screen = np.zeros((num_on + num_off, _T), np.float32)
  off_screen = np.zeros((num_on + num_off, _T), np.float32)
  on_screen[:num_on, :half] = rng.normal(size=(num_on, half)) * rng.uniform(
      0.5, 2.0, size=(num_on, 1))
  off_screen[:num_on, half:] = rng.normal(size=(num_on, half))
  off_screen[num_on:] = rng.normal(size=(num_off, _T)) * rng.uniform(
      0.5, 2.0, size=(num_off, 1))
  labels = np.array([1] * num_on + [0] * num_off, np.int32)
  frames = np.broadcast_to(
      labels.astype(np.float32)[:, None, None, None, None],
      (num_on + num_off, 2, 4, 4, 3)).copy()
  return {
      'audio': on_screen + off_screen,
      'frames': frames,
      'reference_mixtures': np.stack([on_screen, off_screen], axis=1),
      'labels': labels,
      'on_screen_audio': on_screen,
  }


def _oracle_model_fn(batch):
  """Oracle separation [first half, second half]; logits from brightness."""
  audio = tf.convert_to_tensor(batch['audio'], tf.float32)
  mask = tf.cast(tf.range(_T) < _T // 2, tf.float32)
  sources = tf.stack([audio * mask, audio * (1.0 - mask)], axis=1)
  brightness = tf.reduce_mean(batch['frames'], axis=[1, 2, 3, 4])
  logits = tf.stack([40.0 * (brightness - 0.5),
                     tf.fill(tf.shape(brightness), -20.0)], axis=1)
  return {'sources': sources, 'logits': logits}


def _dataset(data, batch_size=3):
  return tf.data.Dataset.from_tensor_slices(data).batch(batch_size)


def _parse_markdown_tables(text):
  """{row label: [cells]} of every Markdown table row (not headers)."""
  rows = {}
  for line in text.splitlines():
    if not line.startswith('|') or line.startswith('|---'):
      continue
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    rows.setdefault(cells[0], []).append(cells[1:])
  return rows


def _fmt(value, digits=2):
  return '-' if value is None else f'{value:.{digits}f}'


class PredictTest(parameterized.TestCase, tf.test.TestCase):

  def test_gathers_batches(self):
    data = _oracle_set(num_on=4, num_off=3)
    predictions = evaluate_lib.predict(_oracle_model_fn, _dataset(data, 3),
                                       log_every=1)
    self.assertEqual(predictions.num_examples, 7)
    self.assertEqual(predictions.sources.shape, (7, 2, _T))
    self.assertAllClose(predictions.mixtures, data['audio'])
    self.assertAllClose(predictions.sources.sum(axis=1), data['audio'],
                        atol=1e-6)
    self.assertAllEqual(predictions.labels, data['labels'])
    self.assertAllClose(predictions.on_screen_references,
                        data['on_screen_audio'])
    self.assertAllClose(predictions.off_screen_references,
                        data['reference_mixtures'][:, 1], atol=1e-6)
    self.assertAllClose(predictions.logits[:, 0], [20.0] * 4 + [-20.0] * 3)
    self.assertEqual(predictions.clip_ids[6], 'example-6')
    on_screen, off_screen = predictions.split_by_label()
    self.assertEqual((on_screen.num_examples, off_screen.num_examples), (4, 3))

  def test_max_examples_and_clip_ids(self):
    data = _oracle_set(num_on=3, num_off=3)
    data['clip_id'] = np.array([[f'a{i}', f'b{i}'] for i in range(6)])
    predictions = evaluate_lib.predict(_oracle_model_fn, _dataset(data, 4),
                                       max_examples=5)
    self.assertEqual(predictions.num_examples, 5)
    self.assertEqual(predictions.clip_ids, [f'a{i}+b{i}' for i in range(5)])

  def test_missing_on_screen_audio_uses_primary_reference(self):
    data = _oracle_set(num_on=2, num_off=2)
    del data['on_screen_audio']
    predictions = evaluate_lib.predict(_oracle_model_fn, _dataset(data))
    expected = data['reference_mixtures'][:, 0] * (data['labels'] == 1)[:,
                                                                        None]
    self.assertAllClose(predictions.on_screen_references, expected)

  def test_bad_inputs_raise(self):
    data = _oracle_set(num_on=2, num_off=2)
    with self.assertRaisesRegex(ValueError, "'audio'.*'frames'"):
      evaluate_lib.predict(_oracle_model_fn,
                           [{'audio': data['audio']}])
    with self.assertRaisesRegex(ValueError, "'sources'.*'logits'"):
      evaluate_lib.predict(lambda b: {'sources': b['audio']},
                           _dataset(data))
    with self.assertRaisesRegex(ValueError, 'no examples'):
      evaluate_lib.predict(_oracle_model_fn, _dataset(data).take(0))
    with self.assertRaisesRegex(ValueError, 'logits has shape'):
      evaluate_lib.Predictions(
          mixtures=np.zeros((2, 8)), sources=np.zeros((2, 3, 8)),
          logits=np.zeros((2, 2)), labels=[1, 0],
          on_screen_references=np.zeros((2, 8)))
    with self.assertRaisesRegex(ValueError, 'NaN'):
      evaluate_lib.Predictions(
          mixtures=np.full((1, 8), np.nan), sources=np.zeros((1, 3, 8)),
          logits=np.zeros((1, 3)), labels=[1],
          on_screen_references=np.zeros((1, 8)))


class EvaluatePredictionsTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    data = _oracle_set(num_on=4, num_off=5)
    cls.data = data
    cls.on_screen, cls.off_screen = evaluate_lib.predict(
        _oracle_model_fn, _dataset(data)).split_by_label()

  def test_oracle_model(self):
    summary, rows = evaluate_lib.evaluate_predictions(self.on_screen,
                                                      self.off_screen)
    x = self.data['audio'].astype(np.float64)
    x_on = self.data['on_screen_audio'].astype(np.float64)
    x_off = self.data['reference_mixtures'][:, 1].astype(np.float64)
    estimate = oracles.sigmoid(20.0) * x_on + oracles.sigmoid(-20.0) * x_off
    snr = oracles.np_snr(x_on[:4], estimate[:4])
    off_estimate = oracles.sigmoid(-20.0) * x[4:]
    osr = oracles.np_osr(x[4:], off_estimate)
    self.assertAllClose(summary['median_snr_db'], np.median(snr), atol=1e-3)
    self.assertGreater(summary['median_snr_db'], 60.0)
    self.assertAllClose(summary['median_osr_db'], np.median(osr), atol=1e-3)
    self.assertGreater(summary['median_osr_db'], 60.0)
    self.assertGreater(summary['median_si_snr_db'], 60.0)
    self.assertEqual(summary['auc'], 1.0)
    self.assertEqual(summary['within_auc'], 1.0)
    self.assertAllClose(
        summary['median_mixit_oracle_si_snr_db'],
        np.median(metrics.mixit_oracle_si_snr(x_on[:4], x_off[:4],
                                              self.on_screen.sources)),
        atol=1e-4)
    self.assertEqual((summary['num_on_screen'], summary['num_off_screen']),
                     (4, 5))
    self.assertLen(rows, 9)
    self.assertAllClose(rows[0]['snr_db'], snr[0], atol=1e-3)
    self.assertIsNone(rows[0]['osr_db'])
    self.assertAllClose(rows[4]['osr_db'], osr[0], atol=1e-3)

  def test_mixit_assignments_of_oracle_sources(self):
    self.assertAllEqual(evaluate_lib.mixit_assignments(self.on_screen),
                        [[1, 0]] * 4)

  def test_all_ones_probabilities_give_zero_osr(self):
    summary, _ = evaluate_lib.evaluate_predictions(self.on_screen,
                                                   self.off_screen, theta=100.)
    self.assertAllClose(summary['median_osr_db'], 0.0, atol=1e-5)
    x = self.data['audio'][:4].astype(np.float64)
    x_on = self.data['on_screen_audio'][:4].astype(np.float64)
    self.assertAllClose(summary['median_snr_db'],
                        np.median(oracles.np_snr(x_on, x)), atol=1e-4)
    self.assertEqual(summary['auc'], 1.0)  # AUC does not depend on theta.

  def test_presence_only_logits_are_at_chance_within_moms(self):
    """One logit per clip: an AUC above 0.5, but 0.5 within the MoMs."""
    on_screen = dataclasses.replace(
        self.on_screen, logits=np.full_like(self.on_screen.logits, 3.0))
    off_screen = dataclasses.replace(
        self.off_screen, logits=np.full_like(self.off_screen.logits, -3.0))
    summary, _ = evaluate_lib.evaluate_predictions(on_screen, off_screen)
    labels = np.concatenate([evaluate_lib.mixit_assignments(on_screen),
                             np.zeros_like(off_screen.logits)])
    self.assertAllClose(summary['auc'], metrics.power_weighted_auc(
        labels, np.concatenate([on_screen.logits, off_screen.logits]),
        np.concatenate([on_screen.sources, off_screen.sources])))
    self.assertGreater(summary['auc'], 0.5)
    self.assertEqual(summary['within_auc'], 0.5)
    # The estimate is sigmoid(3) times the sum of the sources.
    x_on = self.data['on_screen_audio'][:4].astype(np.float64)
    estimate = oracles.sigmoid(3.0) * on_screen.sources.astype(
        np.float64).sum(1)
    self.assertAllClose(summary['median_snr_db'],
                        np.median(oracles.np_snr(x_on, estimate)), atol=1e-3)

  def test_single_mixtures_have_no_within_auc(self):
    summary, rows = evaluate_lib.evaluate_predictions(
        self.on_screen, self.off_screen, single_mixture=True)
    self.assertIsNone(summary['within_auc'])
    self.assertIsNone(summary['median_on_screen_part_suppression_db'])
    self.assertIsNone(summary['median_off_screen_part_suppression_db'])
    self.assertIsNone(rows[0]['off_screen_part_suppression_db'])

  @parameterized.parameters(0.0, 0.7, -1.5)
  def test_part_suppressions_against_numpy(self, theta):
    """Each part of an on-screen MoM is scaled by its source's probability.

    The oracle sources are [x_on, x_off], so the on-screen part keeps
    sigmoid(l_0 + theta) x_on and the off-screen part sigmoid(l_1 + theta)
    x_off. The second MoM's off-screen part is silenced: it is left out of
    that median and its row has None.
    """
    rng = np.random.default_rng(3)
    sources = self.on_screen.sources.copy()
    sources[1, 1] = 0.0
    on_screen = dataclasses.replace(
        self.on_screen, sources=sources,
        mixtures=self.on_screen.mixtures - self.on_screen.sources[:, 1] *
        (np.arange(4) == 1)[:, None],
        off_screen_references=sources[:, 1],
        logits=rng.normal(scale=2.0, size=self.on_screen.logits.shape))
    summary, rows = evaluate_lib.evaluate_predictions(on_screen,
                                                      self.off_screen, theta)
    p = oracles.sigmoid(on_screen.logits.astype(np.float64) + theta)
    x_on = self.data['on_screen_audio'][:4].astype(np.float64)
    x_off = sources[:, 1].astype(np.float64)
    on_part = oracles.np_osr(x_on, p[:, :1] * x_on)
    off_part = oracles.np_osr(x_off, p[:, 1:] * x_off)
    self.assertAllClose(on_part, -20 * np.log10(p[:, 0]), atol=1e-4)
    self.assertAllClose(summary['median_on_screen_part_suppression_db'],
                        np.median(on_part), atol=1e-4)
    self.assertAllClose(summary['median_off_screen_part_suppression_db'],
                        np.median(off_part[[0, 2, 3]]), atol=1e-4)
    self.assertAllClose([r['on_screen_part_suppression_db'] for r in rows[:4]],
                        on_part, atol=1e-4)
    self.assertIsNone(rows[1]['off_screen_part_suppression_db'])
    self.assertAllClose(rows[2]['off_screen_part_suppression_db'],
                        off_part[2], atol=1e-4)
    self.assertIsNone(rows[4]['on_screen_part_suppression_db'])

  def test_presence_only_logits_suppress_both_parts_alike(self):
    """The clip-level classifier: both parts lose -20 log10 sigmoid(l)."""
    on_screen = dataclasses.replace(
        self.on_screen, logits=np.full_like(self.on_screen.logits, 0.4))
    summary, _ = evaluate_lib.evaluate_predictions(on_screen, self.off_screen)
    expected = -20 * np.log10(oracles.sigmoid(0.4))
    self.assertAllClose(summary['median_on_screen_part_suppression_db'],
                        expected, atol=1e-4)
    self.assertAllClose(summary['median_off_screen_part_suppression_db'],
                        expected, atol=1e-4)

  def test_baselines(self):
    results = evaluate_lib.baselines(self.on_screen, self.off_screen)
    x = self.data['audio'].astype(np.float64)
    x_on = self.data['on_screen_audio'].astype(np.float64)
    full = results[evaluate_lib.ROW_NO_PROCESSING]
    half = results[evaluate_lib.ROW_NO_PROCESSING_HALF]
    self.assertAllClose(full['median_osr_db'], 0.0, atol=1e-6)
    self.assertAllClose(half['median_osr_db'], 20 * np.log10(2.0), atol=1e-6)
    self.assertAllClose(half['median_osr_db'], 6.0206, atol=1e-4)
    self.assertAllClose(full['median_snr_db'],
                        np.median(oracles.np_snr(x_on[:4], x[:4])), atol=1e-4)
    self.assertAllClose(half['median_snr_db'],
                        np.median(oracles.np_snr(x_on[:4], x[:4] / 2)),
                        atol=1e-4)
    self.assertAllClose(full['median_si_snr_db'], half['median_si_snr_db'],
                        atol=1e-4)
    self.assertIsNone(full['auc'])

  def test_silent_examples_are_skipped_and_counted(self):
    silent_on = self.on_screen.select([0, 1])
    silent_on.on_screen_references[0] = 0.0
    silent_off = self.off_screen.select([0, 1])
    silent_off.mixtures[1] = 0.0
    summary, _ = evaluate_lib.evaluate_predictions(silent_on, silent_off)
    self.assertEqual(summary['num_on_screen_silent'], 1)
    self.assertEqual(summary['num_off_screen_silent'], 1)
    x_on = self.data['on_screen_audio'][1].astype(np.float64)
    self.assertAllClose(
        summary['median_snr_db'],
        oracles.np_snr(x_on, silent_on.on_screen_estimate(0.0)[1]), atol=1e-3)

  def test_one_set_only_has_no_auc(self):
    summary, _ = evaluate_lib.evaluate_predictions(None, self.off_screen)
    self.assertIsNone(summary['auc'])
    self.assertIsNone(summary['median_snr_db'])
    self.assertGreater(summary['median_osr_db'], 60.0)
    with self.assertRaisesRegex(ValueError, 'both sets are empty'):
      evaluate_lib.evaluate_predictions(None, None)


class EvaluateTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.on_screen = oracles.random_predictions(1, 9, label=1)
    cls.off_screen = oracles.random_predictions(2, 11, label=0)

  def test_reports(self):
    output_dir = self.create_tempdir().full_path
    single_on = oracles.random_predictions(3, 4, label=1)
    single_on.on_screen_references[:] = single_on.mixtures
    single_off = oracles.random_predictions(4, 5, label=0)
    summary = evaluate_lib.evaluate(
        output_dir, self.on_screen, self.off_screen,
        single_mixture_on_screen=single_on,
        single_mixture_off_screen=single_off, target_osr_db=6.0, step=7)
    results = summary['results']

    # Calibrated on the test set itself: reaches the target.
    calibrated = results[evaluate_lib.ROW_CALIBRATED]
    self.assertAllClose(calibrated['median_osr_db'], 6.0, atol=0.05)
    estimate = np.einsum('nm,nmt->nt',
                         oracles.sigmoid(self.off_screen.logits +
                                  calibrated['theta']),
                         self.off_screen.sources)
    self.assertAllClose(
        calibrated['median_osr_db'],
        np.median(oracles.np_osr(self.off_screen.mixtures, estimate)),
        atol=1e-3)
    self.assertEqual(summary['calibration']['set'], 'test')
    self.assertEqual(results[evaluate_lib.ROW_UNCALIBRATED]['theta'], 0.0)

    # Single mixtures: SNR against x_on = x at both operating points.
    single = summary['single_mixture'][evaluate_lib.ROW_CALIBRATED]
    estimate = np.einsum(
        'nm,nmt->nt', oracles.sigmoid(single_on.logits + calibrated['theta']),
        single_on.sources)
    self.assertAllClose(single['median_snr_db'],
                        np.median(oracles.np_snr(single_on.mixtures, estimate)),
                        atol=1e-3)
    self.assertIsNone(single['median_mixit_oracle_si_snr_db'])

    # The JSON holds the summary; the Markdown renders the same numbers.
    with open(os.path.join(output_dir, 'summary.json')) as f:
      written = json.load(f)
    self.assertEqual(written['results'], results)
    with open(os.path.join(output_dir, 'results.md')) as f:
      tables = _parse_markdown_tables(f.read())
    labels = {
        evaluate_lib.ROW_NO_PROCESSING: 'No processing (x_on = x, 0 dB OSR)',
        evaluate_lib.ROW_NO_PROCESSING_HALF:
            'No processing (x_on = x/2, 6 dB OSR)',
        evaluate_lib.ROW_UNCALIBRATED: 'Model, uncalibrated',
        evaluate_lib.ROW_CALIBRATED:
            'Model, calibrated to 6 dB OSR on test',
    }
    keys = ('median_snr_db', 'median_si_snr_db', 'median_osr_db', 'auc',
            'within_auc', 'median_mixit_oracle_si_snr_db',
            'median_on_screen_part_suppression_db',
            'median_off_screen_part_suppression_db')
    for row, label in labels.items():
      cells = tables[label][0]
      values = written['results'][row]
      self.assertEqual(cells[0], _fmt(values['theta'], 3))
      self.assertEqual(cells[1:], [_fmt(values[k]) for k in keys])
    single_keys = ('median_snr_db', 'median_si_snr_db', 'median_osr_db',
                   'auc')
    for row in (evaluate_lib.ROW_UNCALIBRATED, evaluate_lib.ROW_CALIBRATED):
      cells = tables[labels[row]][1]  # The single-mixture table.
      values = written['single_mixture'][row]
      self.assertEqual(cells[1:], [_fmt(values[k]) for k in single_keys])
    self.assertEqual(tables['No processing (x_on = x/2, 6 dB OSR)'][0][3],
                     '6.02')

    # Per-example CSV: 2 operating points x (9 + 11 + 4 + 5) examples.
    with open(os.path.join(output_dir, 'per_example.csv')) as f:
      csv_rows = list(csv.DictReader(f))
    self.assertLen(csv_rows, 2 * (9 + 11 + 4 + 5))
    first = [r for r in csv_rows if r['operating_point'] == 'calibrated' and
             r['split'] == 'test' and r['set'] == 'off_screen'][0]
    first_estimate = np.einsum(
        'm,mt->t',
        oracles.sigmoid(self.off_screen.logits[0] + calibrated['theta']),
        self.off_screen.sources[0])
    self.assertAllClose(float(first['osr_db']),
                        oracles.np_osr(self.off_screen.mixtures[0],
                                       first_estimate),
                        atol=1e-3)
    self.assertEqual(first['snr_db'], '')

    # The curve and its plot.
    with open(os.path.join(output_dir, 'osr_snr_curve.csv')) as f:
      curve_rows = list(csv.DictReader(f))
    self.assertGreater(len(curve_rows), 80)
    image = mpl_image.imread(os.path.join(output_dir, 'osr_snr_curve.png'))
    self.assertEqual(image.ndim, 3)
    self.assertGreater(image.shape[0], 100)

    # TensorBoard scalars.
    events = glob.glob(os.path.join(output_dir, 'eval', 'events.*'))
    self.assertLen(events, 1)
    scalars = {}
    for event in tf.compat.v1.train.summary_iterator(events[0]):
      for value in event.summary.value:
        if value.metadata.plugin_data.plugin_name == 'scalars':
          scalars[value.tag] = (event.step,
                                float(tf.make_ndarray(value.tensor)))
    self.assertEqual(scalars['test/calibrated/median_osr_db'][0], 7)
    self.assertAllClose(scalars['test/calibrated/median_osr_db'][1],
                        calibrated['median_osr_db'], atol=1e-4)
    self.assertIn('test/no_processing_half_x/median_osr_db', scalars)
    self.assertIn('test/single_mixture/calibrated/median_snr_db', scalars)

  def test_calibrates_on_validation(self):
    validation = oracles.random_predictions(5, 13, label=0)
    summary = evaluate_lib.evaluate(
        None, self.on_screen, self.off_screen,
        calibration_off_screen=validation, stored_theta=0.25,
        target_osr_db=8.0)
    theta = calibration.calibrate_offset(validation.logits,
                                         validation.sources,
                                         validation.mixtures,
                                         target_osr_db=8.0)
    self.assertAllClose(summary['calibration']['theta'], theta)
    self.assertEqual(summary['calibration']['set'], 'validation')
    self.assertEqual(
        summary['results'][evaluate_lib.ROW_UNCALIBRATED]['theta'], 0.25)
    self.assertAllClose(summary['calibration']['median_osr_db'], 8.0,
                        atol=0.05)

  def test_no_calibration(self):
    summary = evaluate_lib.evaluate(None, self.on_screen, self.off_screen,
                                    target_osr_db=None)
    self.assertNotIn(evaluate_lib.ROW_CALIBRATED, summary['results'])
    self.assertIsNone(summary['calibration'])
    # Intervals of the uncalibrated row, theta fixed.
    intervals = summary['intervals']
    self.assertEqual(intervals['operating_point'],
                     evaluate_lib.ROW_UNCALIBRATED)
    self.assertFalse(intervals['recalibrated'])
    self.assertAllClose(
        intervals['metrics']['median_snr_db']['estimate'],
        summary['results'][evaluate_lib.ROW_UNCALIBRATED]['median_snr_db'])

  def test_uncertainty_section(self):
    output_dir = self.create_tempdir().full_path
    validation = oracles.random_predictions(5, 13, label=0)
    summary = evaluate_lib.evaluate(
        output_dir, self.on_screen, self.off_screen,
        calibration_off_screen=validation, target_osr_db=6.0,
        bootstrap_resamples=200, bootstrap_seed=3)
    intervals = summary['intervals']
    self.assertEqual((intervals['operating_point'],
                      intervals['calibration_set'],
                      intervals['num_resamples'], intervals['seed']),
                     (evaluate_lib.ROW_CALIBRATED, 'validation', 200, 3))
    self.assertTrue(intervals['recalibrated'])
    calibrated = summary['results'][evaluate_lib.ROW_CALIBRATED]
    half = summary['results'][evaluate_lib.ROW_NO_PROCESSING_HALF]
    table = intervals['metrics']
    self.assertAllClose(table['theta']['estimate'], calibrated['theta'])
    for name in ('median_snr_db', 'median_osr_db', 'auc', 'within_auc'):
      self.assertAllClose(table[name]['estimate'], calibrated[name],
                          atol=1e-4)
    self.assertAllClose(table['snr_above_half_mixture_db']['estimate'],
                        calibrated['median_snr_db'] - half['median_snr_db'],
                        atol=1e-4)
    with open(os.path.join(output_dir, evaluate_lib.SUMMARY_FILE)) as f:
      self.assertEqual(json.load(f)['intervals'], intervals)
    with open(os.path.join(output_dir, evaluate_lib.REPORT_FILE)) as f:
      report = f.read()
    self.assertIn('## Uncertainty', report)
    self.assertIn("the validation set's off-screen examples", report)
    rows = _parse_markdown_tables(report)
    snr = table['median_snr_db']
    self.assertEqual(rows['SNR (dB)'][0], [
        _fmt(snr['estimate']), f'{snr["low"]:.2f} to {snr["high"]:.2f}'])
    theta = table['theta']
    self.assertEqual(rows['theta (calibrated on each resample)'][0], [
        _fmt(theta['estimate'], 3),
        f'{theta["low"]:.3f} to {theta["high"]:.3f}'])

    summary = evaluate_lib.evaluate(
        output_dir, self.on_screen, self.off_screen,
        calibration_off_screen=validation, bootstrap_resamples=0)
    self.assertIsNone(summary['intervals'])
    with open(os.path.join(output_dir, evaluate_lib.REPORT_FILE)) as f:
      self.assertNotIn('Uncertainty', f.read())

  def test_errors(self):
    empty = self.on_screen.select([])
    with self.assertRaisesRegex(ValueError, 'on_screen set is empty'):
      evaluate_lib.evaluate(None, empty, self.off_screen)
    with self.assertRaisesRegex(ValueError, 'cannot be reached'):
      evaluate_lib.evaluate(None, self.on_screen, self.off_screen,
                            target_osr_db=-3.0)
    with self.assertRaisesRegex(ValueError, 'validation_dataset'):
      evaluate_lib.evaluate_model(_oracle_model_fn, None,
                                  test_dataset=_dataset(_oracle_set()),
                                  calibrate_on='validation')
    with self.assertRaisesRegex(ValueError, 'calibrate_on must be'):
      evaluate_lib.evaluate_model(_oracle_model_fn, None,
                                  test_dataset=_dataset(_oracle_set()),
                                  calibrate_on='train')


class AudioScopeV2EvaluationTest(parameterized.TestCase, tf.test.TestCase):
  """evaluate_model on a real (tiny) AudioScopeV2."""

  def test_evaluate_model(self):
    tf.random.set_seed(0)
    model = model_lib.AudioScopeV2(
        alignment='separable_sa', num_sources=2, sample_rate=16000,
        frame_rate=4.0, embedding_dim=8,
        alignment_config=dict(num_layers=1, num_heads=2),
        separator_config=dict(num_basis=8, bottleneck=8, conv_channels=8,
                              num_dilations=2, num_repeats=1),
        audio_embedding_config=dict(width_multiplier=0.125),
        video_embedding_config=dict(width_multiplier=0.125),
        calibration_offset=0.5)
    rng = np.random.default_rng(0)
    num_samples = 8000  # 0.5 s: 2 frames at 4 FPS.
    on_audio = rng.normal(size=(4, num_samples)).astype(np.float32) * 0.1
    off_audio = rng.normal(size=(4, num_samples)).astype(np.float32) * 0.1
    labels = np.array([1, 0, 1, 0], np.int32)
    on_audio *= labels[:, None]
    data = {
        'audio': on_audio + off_audio,
        'frames': rng.uniform(size=(4, 2, 32, 32, 3)).astype(np.float32),
        'reference_mixtures': np.stack([on_audio, off_audio], axis=1),
        'labels': labels,
        'on_screen_audio': on_audio,
    }
    output_dir = self.create_tempdir().full_path
    summary = evaluate_lib.evaluate_model(
        model, output_dir, test_dataset=lambda: _dataset(data, 2),
        calibrate_on='test', target_osr_db=6.0)
    results = summary['results']
    self.assertEqual(results[evaluate_lib.ROW_UNCALIBRATED]['theta'], 0.5)
    self.assertAllClose(results[evaluate_lib.ROW_CALIBRATED]['median_osr_db'],
                        6.0, atol=0.05)
    for row in evaluate_lib.ROWS:
      for key in ('median_snr_db', 'median_si_snr_db', 'median_osr_db'):
        self.assertTrue(np.isfinite(results[row][key]), (row, key))
    self.assertTrue(os.path.exists(os.path.join(output_dir, 'results.md')))

    # predict keeps the RAW logits: the model's probabilities add theta.
    predictions = evaluate_lib.predict(model, _dataset(data, 2))
    outputs = model({'audio': data['audio'], 'frames': data['frames']})
    self.assertAllClose(predictions.logits, outputs['logits'], atol=1e-5)
    self.assertAllClose(oracles.sigmoid(predictions.logits + 0.5),
                        outputs['probabilities'], atol=1e-5)
    self.assertAllClose(predictions.sources, outputs['sources'], atol=1e-5)


if __name__ == '__main__':
  tf.test.main()
