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
"""Tests for benchmarks/separator_purity.py against NumPy oracles."""

import itertools
import json
import os
import sys
import types
from unittest import mock

from absl import app
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import separator_purity  # pylint: disable=g-import-not-at-top,wrong-import-position

from audioscope import demo_lib  # pylint: disable=g-import-not-at-top,wrong-import-position
from audioscope import gin_utils  # pylint: disable=g-import-not-at-top,wrong-import-position
from audioscope.training import train_lib  # pylint: disable=g-import-not-at-top,wrong-import-position

from tests.benchmarks import feature_synchrony_test  # pylint: disable=g-import-not-at-top,wrong-import-position

_SAMPLES = feature_synchrony_test._SAMPLES  # pylint: disable=protected-access
_tone = feature_synchrony_test._tone  # pylint: disable=protected-access


def _brute_force_remix_snr(reference_1, reference_2, sources):
  """Mean over the refs of the SNR of the best of all 2^M remixes."""
  snrs = []
  for n in range(sources.shape[0]):
    best_loss, best_snr = np.inf, None
    for mask in itertools.product([0, 1], repeat=sources.shape[1]):
      mask = np.array(mask, np.float64)
      loss, snr = 0.0, 0.0
      for reference, weights in ((reference_1[n], mask),
                                 (reference_2[n], 1 - mask)):
        reference = reference.astype(np.float64)
        estimate = np.tensordot(weights, sources[n].astype(np.float64), 1)
        power, error = (np.sum(np.square(reference)),
                        np.sum(np.square(reference - estimate)))
        loss += -10 * np.log10(power / (error + 1e-3 * power))
        snr += 10 * np.log10((np.mean(np.square(reference)) + 1e-8) /
                             (np.mean(np.square(reference - estimate)) + 1e-8))
      if loss < best_loss - 1e-9:
        best_loss, best_snr = loss, snr / 2
    snrs.append(best_snr)
  return np.array(snrs)


class SeparatorPurityTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters(
      ('demo:', 'demo', [], {}),
      ('lr: Trainer.learning_rate = 3e-4', 'lr',
       ['Trainer.learning_rate = 3e-4'], {}),
      ('two: A.x = 1; B.y = 2 ;', 'two', ['A.x = 1', 'B.y = 2'], {}),
      ("big: batch_size = 16; A.x = 'a=b'; consistency = 'none'", 'big',
       ["A.x = 'a=b'"], {'batch_size': 16, 'consistency': 'none'}))
  def test_parse_variant(self, text, name, bindings, overrides):
    self.assertEqual(separator_purity.parse_variant(text),
                     (name, bindings, overrides))

  @parameterized.parameters((': A.x = 1', 'name'), ('a b: A.x = 1', 'name'),
                            ('a: bach_size = 16', 'DemoConfig field'),
                            ('a: batch_size', 'DemoConfig field'))
  def test_parse_variant_refuses(self, text, message):
    with self.assertRaisesRegex(ValueError, message):
      separator_purity.parse_variant(text)

  def test_draw_moms_pairs_two_different_clips(self):
    clip_1, clip_2 = separator_purity.draw_moms(5, 400, seed=3)
    self.assertTrue(np.all(clip_1 != clip_2))
    self.assertEqual(set(clip_1) | set(clip_2), set(range(5)))
    again = separator_purity.draw_moms(5, 400, seed=3)
    self.assertAllEqual(clip_1, again[0])
    self.assertAllEqual(clip_2, again[1])
    with self.assertRaisesRegex(ValueError, 'at least 2 clips'):
      separator_purity.draw_moms(1, 4, seed=0)

  def test_remix_snr_matches_brute_force(self):
    rng = np.random.default_rng(0)
    reference_1 = rng.normal(size=(3, 800)).astype(np.float32)
    reference_2 = rng.normal(size=(3, 800)).astype(np.float32)
    sources = np.stack([reference_1 * 0.7, reference_2 * 0.4,
                        reference_1 * 0.3 + reference_2 * 0.2,
                        reference_2 * 0.4], axis=1)
    sources += 0.05 * rng.normal(size=sources.shape).astype(np.float32)
    self.assertAllClose(
        separator_purity.mixit_remix_snr(reference_1, reference_2, sources),
        _brute_force_remix_snr(reference_1, reference_2, sources), atol=1e-3)

  def test_purity_of_pure_mixed_and_silent_sources(self):
    clip_1 = _tone(500.0)[np.newaxis]
    clip_2 = _tone(2000.0)[np.newaxis]
    sources = np.stack([clip_1, clip_2, 0.5 * (clip_1 + clip_2),
                        np.zeros_like(clip_1)], axis=1)
    parts = separator_purity.purity(clip_1, clip_2, sources)
    self.assertAllClose(parts['share'][0, :3], [1.0, 0.0, 0.5], atol=0.02)
    self.assertAllClose(parts['oracle_share'][0], [1.0, 0.0], atol=0.02)
    summary = separator_purity.summarise(parts)
    # The silent source is not counted; 2 of the 3 active ones are pure.
    self.assertEqual(summary['num_active_sources'], 3)
    self.assertAllClose(summary['pure_fraction'], 2 / 3)
    power = np.mean(np.square(sources[0, :3].astype(np.float64)), axis=-1)
    self.assertAllClose(summary['pure_power_fraction'],
                        np.sum(power[:2]) / np.sum(power))
    self.assertEqual(summary['oracle_pure_fraction'], 1.0)
    # MixIT puts the mixed source with either clip: it agrees with the
    # majority on the two pure ones and the 0.5 one counts as clip 2's.
    self.assertEqual(parts['mixit'][0, 0], 1.0)
    self.assertEqual(parts['mixit'][0, 1], 0.0)
    self.assertGreater(summary['mixit_snr'], 5.0)

  def test_measure_refuses_non_finite_sources(self):
    audio = np.stack([_tone(500.0), _tone(900.0), _tone(2000.0)])
    with self.assertRaisesRegex(FloatingPointError, 'non-finite'):
      separator_purity.measure(
          lambda x: np.full([len(x), 2, _SAMPLES], np.nan), audio, 4, 0)

  def test_measure_of_an_ideal_separator_is_pure(self):
    audio = np.stack([_tone(f) for f in (300.0, 800.0, 1900.0, 3100.0)])
    clip_1, clip_2 = separator_purity.draw_moms(len(audio), 6, seed=1)
    pairs = {audio[a].tobytes() + audio[b].tobytes(): (a, b)
             for a, b in zip(clip_1, clip_2)}

    def ideal(mixtures):  # Looks up the MoM's clips: a perfect separator.
      out = []
      for mixture in mixtures:
        for key, (a, b) in pairs.items():
          if np.allclose(audio[a] + audio[b], mixture):
            out.append(np.stack([audio[a], audio[b], 0 * audio[a]]))
            break
      return np.stack(out)

    summary = separator_purity.measure(ideal, audio, 6, seed=1, chunk=4)
    self.assertEqual(summary['num_moms'], 6)
    self.assertEqual(summary['num_active_sources'], 12)
    self.assertEqual(summary['pure_fraction'], 1.0)
    self.assertEqual(summary['mixit_agrees_with_majority'], 1.0)
    self.assertGreater(summary['mixit_snr'], 25.0)


  def test_event_shares_of_tones_in_disjoint_bins(self):
    low, high = _tone(500.0), _tone(2000.0, 2.0)
    events = np.stack([low, high])
    sources = np.stack([low, high, low + high, 0.5 * low])
    share, capture = separator_purity.event_shares(events, sources)
    # Energies 1 : 4 (amplitudes 1 and 2) in the mixed source.
    self.assertAllClose(share, [[1, 0], [0, 1], [0.2, 0.8], [1, 0]],
                        atol=0.02)
    # Source 3 holds a quarter of the low tone's energy (amplitude 0.5).
    self.assertAllClose(capture, [[1, 0], [0, 1], [1, 1], [0.25, 0]],
                        atol=0.02)

  def test_mom_events_against_a_hand_count(self):
    # Clip 1: a 'harmonic' at 300 Hz and a 'chirp' at 1200 Hz; clip 2: a
    # 'harmonic' at 2500 Hz. Sources: the first event alone, the second
    # with clip 2's event, and a silent one.
    first = (np.stack([_tone(300.0), _tone(1200.0)]), ('harmonic', 'chirp'))
    second = (_tone(2500.0)[np.newaxis], ('harmonic',))
    sources = np.stack([first[0][0], first[0][1] + second[0][0],
                        np.zeros(_SAMPLES, np.float32)])
    parts = separator_purity.purity(
        first[0].sum(0)[np.newaxis], second[0].sum(0)[np.newaxis],
        sources[np.newaxis])
    active = parts['power'][0] > 1e-8
    self.assertAllEqual(active, [True, True, False])
    mom = separator_purity.mom_events(first, second, sources,
                                      parts['share'][0], active)
    self.assertAllEqual(mom['event_pure'], [True, False])
    self.assertAllEqual(mom['num_events'], [1, 2])
    self.assertAllEqual(mom['clip_pure'], [True, False])
    # The impure source's largest events: 'chirp' (clip 1), 'harmonic'.
    self.assertEqual(mom['same_kind'], [None, False])
    self.assertAllClose(mom['capture'], [1, 1, 1], atol=0.02)
    self.assertEqual((mom['kind_pairs'], mom['same_kind_pairs']), (2, 1))
    summary = separator_purity.summarise_events([mom, mom])
    self.assertEqual(summary['events_per_mom'], 3.0)
    self.assertEqual(summary['moms_with_more_events_than_sources'], 0.0)
    self.assertEqual(summary['event_pure_fraction'], 0.5)
    self.assertEqual((summary['sources_with_1_event'],
                      summary['sources_with_2_events'],
                      summary['sources_with_3_or_more_events']),
                     (0.5, 0.5, 0.0))
    self.assertAllClose(summary['event_capture_median'], 1.0, atol=0.02)
    self.assertEqual(summary['events_captured_over_90'], 1.0)
    self.assertEqual(summary['pure_fraction_moms_with_at_most_m_events'],
                     0.5)
    self.assertEqual(summary['impure_same_kind_fraction'], 0.0)
    self.assertEqual(summary['same_kind_base_rate'], 0.5)

  def test_scene_events_refuses_data_it_cannot_regenerate(self):
    folder = self.create_tempdir().full_path
    with self.assertRaisesRegex(ValueError, 'does not describe a synthetic'):
      separator_purity.scene_events(folder, 'test', np.zeros((2, 8)))

  @parameterized.parameters(
      (dict(shared_dir=None), '--shared_dir'),
      (dict(splits=['train', 'dev']), "--splits value 'dev'"),
      (dict(checkpoint_every=0), '--checkpoint_every'))
  def test_main_refuses_bad_flags(self, overrides, message):
    values = dict(shared_dir='/tmp/s', output_dir='/tmp/o', variant=[],
                  steps=0, checkpoint_every=250, num_moms=8,
                  splits=['train', 'test'], last_only=False, fast=False,
                  events=False)
    values.update(overrides)
    holders = {name: types.SimpleNamespace(value=value)
               for name, value in values.items()}
    with self.assertRaisesRegex(app.UsageError, message):
      separator_purity.main(['separator_purity.py'], holders)


class SeparatorPurityRunTest(tf.test.TestCase):

  def test_variant_is_trained_and_every_checkpoint_measured(self):
    shared = self.create_tempdir().full_path
    output = self.create_tempdir().full_path
    demo_lib.Demo(shared, demo_lib.fast_config()).run(last_stage='data')
    with mock.patch.object(train_lib, 'train', wraps=train_lib.train) as spy:
      results = separator_purity.run(
          shared, output,
          variants=['tiny: Trainer.learning_rate = 3e-3; batch_size = 3'],
          num_moms=4, splits=('train', 'test'), checkpoint_every=2, steps=4,
          fast=True)
    self.assertEqual(spy.call_args.kwargs['batch_size'], 3)
    self.assertEqual(spy.call_args.kwargs['num_steps'], 4)
    variant = results['variants']['tiny']
    self.assertEqual(variant['bindings'], ['Trainer.learning_rate = 3e-3'])
    self.assertEqual(variant['config'], {'batch_size': 3})
    self.assertEqual([row['step'] for row in variant['rows']], [2, 4])
    # The variant trained on the shared data set, in its own folder.
    self.assertStartsWith(variant['model_dir'], output)
    self.assertFalse(os.path.exists(os.path.join(output, 'tiny', 'data')))
    for row in variant['rows']:
      for split in ('train', 'test'):
        self.assertEqual(row[split]['num_moms'], 4)
        self.assertTrue(np.isfinite(row[split]['mixit_snr']))
    with open(gin_utils.latest_operative_config(variant['model_dir'])) as f:
      self.assertIn('Trainer.learning_rate = 0.003', f.read())
    table = separator_purity.markdown(results)
    self.assertIn('| tiny | 4 |', table)
    self.assertNotIn('Event by event', table)
    self.assertIn('Trainer.learning_rate = 3e-3', table)
    json.dumps(results)


  def test_events_of_the_synthetic_scenes(self):
    shared = self.create_tempdir().full_path
    demo = demo_lib.Demo(shared, demo_lib.fast_config())
    demo.run(last_stage='separator')
    results = separator_purity.run(
        shared, self.create_tempdir().full_path, num_moms=6,
        splits=('test',), last_only=True, fast=True, events=True)
    events = results['variants']['shared']['rows'][-1]['test']['events']
    for key, value in events.items():
      if value is not None:
        self.assertBetween(value, 0.0, 8.0, msg=key)
    self.assertGreaterEqual(events['events_per_mom'], 2.0)
    self.assertIn('Event by event', separator_purity.markdown(results))
    # Each stored clip maps to its own scene: the events sum to the clip.
    audio, _, _ = separator_purity.feature_synchrony.clip_arrays(
        demo, 'test', None)
    clip_events = separator_purity.scene_events(demo.dirs['data'], 'test',
                                                audio)
    for clip, (waveforms, kinds) in zip(audio, clip_events):
      self.assertLen(kinds, len(waveforms))
      self.assertAllClose(waveforms.sum(0), clip, atol=1e-5)
    with self.assertRaisesRegex(ValueError, 'matches no scene'):
      separator_purity.scene_events(demo.dirs['data'], 'test', audio * 0.5)


if __name__ == '__main__':
  tf.test.main()
