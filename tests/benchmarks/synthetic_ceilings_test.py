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
"""Tests for benchmarks/synthetic_ceilings.py against closed forms."""

import os
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import synthetic

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import synthetic_ceilings  # pylint: disable=g-import-not-at-top,wrong-import-position

_OPTIONS = synthetic.SceneOptions(clip_seconds=1.0, frame_rate=8.0,
                                  frame_size=(32, 32), min_event_seconds=0.5)


class SyntheticCeilingsTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.moms = synthetic_ceilings.make_moms(_OPTIONS, num_moms=6, seed=3)

  def test_moms_are_the_filtered_pairs(self):
    on, off = self.moms['on'], self.moms['off']
    samples = _OPTIONS.num_samples
    self.assertEqual(on['split'].shape, (6, 2, samples))
    self.assertEqual(on['events'].shape, (6, 2 * _OPTIONS.max_events, samples))
    self.assertEqual(on['frames'].shape[:2], (6, _OPTIONS.num_frames))
    for kind in (on, off):
      # The split and the events both add up to the MoM.
      self.assertAllClose(kind['split'].sum(axis=1), kind['mixture'],
                          atol=1e-5)
      self.assertAllClose(kind['events'].sum(axis=1), kind['mixture'],
                          atol=1e-5)
    # On-screen MoMs: the shown clip is all on screen; off-screen: nothing.
    self.assertAllClose(on['on_screen'], on['split'][:, 0])
    self.assertAllEqual(off['on_screen'], np.zeros_like(off['on_screen']))
    self.assertAllEqual(on['event_labels'][:, :_OPTIONS.max_events],
                        np.ones((6, _OPTIONS.max_events)))
    self.assertAllEqual(off['event_labels'], np.zeros_like(
        off['event_labels']))

  def test_uniform_oracle_is_x_over_two_plus_six_db_of_background(self):
    row = synthetic_ceilings.oracle_rows(self.moms, seed=0, spreads=(0.0,))
    snr = row['oracle_spread_0']['calibrated_snr_db']
    # Every off-screen source has the same probability p, which the
    # calibration sets to a median OSR of 6 dB: p = 10^(-6/20) on every
    # off-screen MoM. On an on-screen MoM the shown clip keeps probability
    # sigmoid(20) ~ 1, so the error is p times the background.
    p = 10**(-6.0 / 20)
    on = self.moms['on']['split']
    expected = np.median(10 * np.log10(
        np.sum(on[:, 0]**2, -1) / np.sum((p * on[:, 1])**2, -1)))
    self.assertAllClose(snr, expected, atol=0.05)

  def test_detector_row_matches_the_library_detector(self):
    labels = np.tile([[1, 0]], (6, 1))
    row = synthetic_ceilings.detector_row(self.moms, 'split', labels)
    self.assertBetween(row['auc'], 0.0, 1.0)
    self.assertBetween(row['within_auc'], 0.0, 1.0)
    for scale in synthetic_ceilings.DETECTOR_SCALES:
      self.assertTrue(np.isfinite(
          row[f'calibrated_snr_db_scale_{scale:g}']))
    # Within-MoM AUC by hand: the fraction of on-screen MoMs whose shown
    # clip scores above the background, weighted by the pair's power.
    from audioscope.evaluation import synchrony_baseline  # pylint: disable=g-import-not-at-top
    scores = synchrony_baseline.synchrony_scores(
        self.moms['on']['split'], self.moms['on']['frames'],
        synthetic_ceilings.GRID)
    power = np.sum(self.moms['on']['split']**2, axis=-1)
    weights = power / power.sum(axis=1, keepdims=True)
    pair = weights[:, 0] * weights[:, 1]
    wins = (scores[:, 0] > scores[:, 1]) + 0.5 * (scores[:, 0] == scores[:, 1])
    self.assertAllClose(row['within_auc'], np.sum(pair * wins) / pair.sum(),
                        atol=1e-6)

  def test_probe_sources_add_up_to_the_shown_clip(self):
    clips = self.moms['on']['split'][:, 0]
    for key in ('split', 'events'):
      sources = synthetic_ceilings.probe_sources(self.moms, key)
      self.assertAllClose(sources.sum(axis=1), clips, atol=1e-5)
    self.assertEqual(
        synthetic_ceilings.probe_sources(self.moms, 'events').shape[1],
        _OPTIONS.max_events + 1)

  def test_uniform_oracle_probes_sit_at_the_calibrated_osr(self):
    row = synthetic_ceilings.oracle_rows(
        self.moms, seed=0, spreads=(0.0,))['oracle_spread_0']
    theta, probes = row['theta'], row['probes']
    # One source, the clip: x_on = sigmoid(l + theta) x, so the OSR is
    # -20 log10 sigmoid(l + theta) for every clip.
    def osr(logit):
      return -20 * np.log10(1 / (1 + np.exp(-(logit + theta))))
    self.assertAllClose(probes['true_video_osr_db'], osr(10.0), atol=1e-4)
    for condition in ('blank', 'replaced'):
      self.assertAllClose(probes[f'{condition}_video_osr_db'], osr(-10.0),
                          atol=1e-4)
      # The negatives get the off-screen sources' probability, which the
      # calibration set to a 6 dB OSR: the margin is 6 dB and no more.
      self.assertAllClose(probes[f'{condition}_minus_true_db'], 6.0,
                          atol=0.02)

  @parameterized.parameters('split', 'events')
  def test_detector_probes_match_direct_sums(self, sources_key):
    labels = (np.tile([[1, 0]], (6, 1)) if sources_key == 'split' else
              self.moms['on']['event_labels'])
    row = synthetic_ceilings.detector_row(self.moms, sources_key, labels)
    from audioscope.evaluation import synchrony_baseline  # pylint: disable=g-import-not-at-top
    clips = self.moms['on']['split'][:, 0].astype(np.float64)
    sources = synthetic_ceilings.probe_sources(self.moms, sources_key)
    frames = self.moms['on']['frames']
    previous = np.stack([frames[i - 1] for i in range(len(frames))])
    conditions = {'true': frames, 'blank': 0 * frames, 'replaced': previous}
    for scale in synthetic_ceilings.DETECTOR_SCALES:
      theta = row[f'theta_scale_{scale:g}']
      probes = row[f'probes_scale_{scale:g}']
      expected = {}
      for condition, condition_frames in conditions.items():
        scores = synchrony_baseline.synchrony_scores(
            sources, condition_frames, synthetic_ceilings.GRID)
        probability = 1 / (1 + np.exp(-(scale * scores.astype(np.float64) +
                                        theta)))
        estimate = np.sum(probability[..., None] * sources, axis=1)
        expected[condition] = np.median(10 * np.log10(
            (np.sum(clips**2, -1) + 1e-8) / (np.sum(estimate**2, -1) + 1e-8)))
        self.assertAllClose(probes[f'{condition}_video_osr_db'],
                            expected[condition], atol=1e-4)
      self.assertAllClose(probes['replaced_minus_true_db'],
                          expected['replaced'] - expected['true'], atol=1e-4)

  def test_markdown_has_a_row_per_length(self):
    rows = synthetic_ceilings.ceilings(_OPTIONS, num_moms=4, seed=1)
    table = synthetic_ceilings.markdown({'clip_seconds': {'1': rows}})
    lines = table.splitlines()
    # SNR table: header, rule, one row; a blank line; probe table: header,
    # rule, a row per oracle spread and per detector row and scale.
    num_probe_rows = (len(synthetic_ceilings.ORACLE_SPREADS) +
                      2 * len(synthetic_ceilings.DETECTOR_SCALES))
    self.assertLen(lines, 3 + 1 + 2 + num_probe_rows)
    self.assertStartsWith(lines[2], '| 1 | ')
    self.assertIn(f"{rows['oracle_spread_0']['calibrated_snr_db']:.2f}",
                  lines[2])
    self.assertEqual(lines[3], '')
    margin = rows['synchrony_events']['probes_scale_10'][
        'replaced_minus_true_db']
    self.assertIn('| 1 | synchrony on the events, x10 |', table)
    self.assertIn(f'{margin:+.2f} |', table)


if __name__ == '__main__':
  tf.test.main()
