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
"""Tests for audioscope.evaluation.probing."""

import csv
import json
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.evaluation import probing
from tests.evaluation import oracles

_T = 32
# Clip RMS levels; each clip's frames have its level as brightness.
_LEVELS = np.array([0.2, 0.4, 0.6, 0.8, 1.0, 1.2])


def _clips(labels=None):
  """On-screen-only clips whose frames' brightness equals the audio RMS."""
  rng = np.random.default_rng(0)
  audio = rng.normal(size=(len(_LEVELS), _T))
  audio *= (_LEVELS / np.sqrt(np.mean(audio**2, axis=-1)))[:, None]
  frames = np.broadcast_to(_LEVELS[:, None, None, None, None],
                           (len(_LEVELS), 2, 3, 3, 3))
  data = {'audio': audio.astype(np.float32),
          'frames': frames.astype(np.float32)}
  if labels is not None:
    data['labels'] = np.asarray(labels, np.int32)
  return data


def _logit(brightness, audio):
  """High when the frames match the audio (brightness = RMS), else low."""
  rms = np.sqrt(np.mean(np.square(audio), axis=-1))
  return 10.0 - 100.0 * np.abs(brightness - rms)


def _matching_model_fn(batch):
  """Sources [first half, second half], both with the matching logit."""
  audio = np.asarray(batch['audio'], np.float64)
  mask = (np.arange(_T) < _T // 2).astype(np.float64)
  sources = np.stack([audio * mask, audio * (1.0 - mask)], axis=1)
  brightness = np.mean(np.asarray(batch['frames']), axis=(1, 2, 3, 4))
  logit = _logit(brightness, audio)
  return {'sources': sources.astype(np.float32),
          'logits': np.stack([logit, logit], axis=1).astype(np.float32)}


def _expected(audio, brightness, theta):
  probability = oracles.sigmoid(_logit(brightness, audio) + theta)
  estimate = probability[:, None] * audio
  return oracles.np_snr(audio, estimate), oracles.np_osr(audio, estimate)


class ProbeNegativesTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('theta_0', 0.0), ('theta_2', 2.0))
  def test_matches_numpy_oracle(self, theta):
    data = _clips()
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(3)
    result = probing.probe_negatives(_matching_model_fn, dataset, theta=theta)
    audio = data['audio'].astype(np.float64)
    # Within each batch of 3, clip i gets the frames of clip i - 1.
    replaced_levels = _LEVELS[[2, 0, 1, 5, 3, 4]]
    expected = {
        'true_video': _expected(audio, _LEVELS, theta),
        'blank_video': _expected(audio, np.zeros(6), theta),
        'replaced_video': _expected(audio, replaced_levels, theta),
    }
    for condition, (snr, osr) in expected.items():
      values = result['conditions'][condition]
      self.assertAllClose(values['median_snr_db'], np.median(snr), atol=1e-3)
      self.assertAllClose(values['median_osr_db'], np.median(osr), atol=1e-3)
    conditions = result['conditions']
    # Expected directions: the true video reconstructs x, negatives suppress.
    self.assertGreater(conditions['true_video']['median_snr_db'], 40.0)
    self.assertLess(abs(conditions['true_video']['median_osr_db']), 0.01)
    for negative in ('blank_video', 'replaced_video'):
      self.assertLess(conditions[negative]['median_snr_db'], 0.01)
      self.assertGreater(conditions[negative]['median_osr_db'], 30.0)
    self.assertEqual(result['num_examples'], 6)
    self.assertEqual(result['num_identical_replacements'], 0)
    self.assertLen(result['rows'], 6)

  def test_batches_of_one_and_labels(self):
    data = _clips(labels=[1, 0, 1, 1, 0, 1])
    dataset = tf.data.Dataset.from_tensor_slices(data).batch(1)
    result = probing.probe_negatives(_matching_model_fn, dataset)
    self.assertEqual(result['num_other_labels_skipped'], 2)
    self.assertEqual(result['num_examples'], 4)
    self.assertEqual(result['num_identical_replacements'], 0)
    # The first clip waits for the next on-screen-only clip's frames, the
    # others get the previous one's.
    audio = data['audio'][[0, 2, 3, 5]].astype(np.float64)
    replaced_levels = _LEVELS[[2, 0, 2, 3]]
    snr, osr = _expected(audio, replaced_levels, 0.0)
    by_clip = {row['clip_id']: row for row in result['rows']}
    for i, clip_id in enumerate(['example-0', 'example-2', 'example-3',
                                 'example-5']):
      self.assertAllClose(by_clip[clip_id]['replaced_video_snr_db'], snr[i],
                          atol=1e-3)
      self.assertAllClose(by_clip[clip_id]['replaced_video_osr_db'], osr[i],
                          atol=1e-3)

  def test_max_examples(self):
    dataset = tf.data.Dataset.from_tensor_slices(_clips()).batch(4)
    result = probing.probe_negatives(_matching_model_fn, dataset,
                                     max_examples=5)
    self.assertEqual(result['num_examples'], 5)

  def test_report_renders_the_json(self):
    output_dir = self.create_tempdir().full_path
    dataset = tf.data.Dataset.from_tensor_slices(_clips()).batch(2)
    result = probing.probe_negatives(_matching_model_fn, dataset, theta=1.0,
                                     output_dir=output_dir)
    with open(os.path.join(output_dir, probing.JSON_FILE)) as f:
      written = json.load(f)
    self.assertEqual(written['conditions'], result['conditions'])
    with open(os.path.join(output_dir, probing.REPORT_FILE)) as f:
      lines = [l for l in f.read().splitlines() if l.startswith('| Model')]
    cells = [c.strip() for c in lines[-1].strip('|').split('|')]
    conditions = written['conditions']
    self.assertEqual(cells[1:], [
        f'{written["theta"]:.3f}',
        f'{conditions["true_video"]["median_snr_db"]:.2f}',
        f'{conditions["true_video"]["median_osr_db"]:.2f}',
        f'{conditions["blank_video"]["median_snr_db"]:.2f}',
        f'{conditions["blank_video"]["median_osr_db"]:.2f}',
        f'{conditions["replaced_video"]["median_snr_db"]:.2f}',
        f'{conditions["replaced_video"]["median_osr_db"]:.2f}',
    ])
    # The margins: each negative's median OSR minus the true video's.
    for condition in ('blank_video', 'replaced_video'):
      self.assertAllClose(
          written['osr_margins_db'][condition],
          np.median([row[f'{condition}_osr_db'] for row in result['rows']]) -
          np.median([row['true_video_osr_db'] for row in result['rows']]))
    # With their bootstrap intervals over the clips (paired, theta fixed).
    intervals = written['margin_intervals']['metrics']
    self.assertEqual(written['margin_intervals']['num_resamples'], 1000)
    for condition in ('blank_video', 'replaced_video'):
      self.assertAllClose(intervals[condition]['estimate'],
                          written['osr_margins_db'][condition])
      self.assertBetween(written['osr_margins_db'][condition],
                         intervals[condition]['low'],
                         intervals[condition]['high'])
    with open(os.path.join(output_dir, probing.REPORT_FILE)) as f:
      text = f.read()
    for name, condition in (('blank', 'blank_video'),
                            ('replaced', 'replaced_video')):
      interval = intervals[condition]
      self.assertIn(
          f'{name} {written["osr_margins_db"][condition]:+.2f} dB '
          f'({interval["low"]:.2f} to {interval["high"]:.2f})', text)
    result = probing.probe_negatives(_matching_model_fn, dataset, theta=1.0,
                                     bootstrap_resamples=0)
    self.assertIsNone(result['margin_intervals'])
    self.assertNotIn('percentile-bootstrap', probing.markdown_table(result))
    with open(os.path.join(output_dir, probing.CSV_FILE)) as f:
      rows = list(csv.DictReader(f))
    self.assertLen(rows, 6)
    self.assertAllClose(float(rows[0]['blank_video_osr_db']),
                        result['rows'][0]['blank_video_osr_db'])

  def test_errors(self):
    data = _clips(labels=[1, 0, 0, 0, 0, 0])
    with self.assertRaisesRegex(ValueError, 'at least two on-screen-only'):
      probing.probe_negatives(
          _matching_model_fn,
          tf.data.Dataset.from_tensor_slices(data).batch(2))
    with self.assertRaisesRegex(ValueError, 'max_examples must be >= 2'):
      probing.probe_negatives(_matching_model_fn, [], max_examples=1)
    first = {k: v[:2] for k, v in _clips().items()}
    second = {'audio': first['audio'],
              'frames': np.zeros((2, 3, 3, 3, 3), np.float32)}
    with self.assertRaisesRegex(ValueError, 'pad or crop'):
      probing.probe_negatives(_matching_model_fn, [first, second])


if __name__ == '__main__':
  tf.test.main()
