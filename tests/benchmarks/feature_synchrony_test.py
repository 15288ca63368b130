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
"""Tests for benchmarks/feature_synchrony.py against NumPy oracles."""

import itertools
import os
import sys
import types

from absl import app
from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import feature_synchrony  # pylint: disable=g-import-not-at-top,wrong-import-position

from audioscope import demo_lib  # pylint: disable=g-import-not-at-top,wrong-import-position

_RATE = 8000
_SAMPLES = 4096


def _tone(frequency, amplitude=1.0):
  time = np.arange(_SAMPLES) / _RATE
  return (amplitude * np.sin(2 * np.pi * frequency * time)).astype(np.float32)


def _brute_force_mixit(reference_1, reference_2, sources):
  """Labels of the assignment with the smallest mean negative SNR (30 dB)."""
  tau = 10 ** (-30 / 10)
  labels = []
  for n in range(sources.shape[0]):
    best, best_loss = None, np.inf
    for mask in itertools.product([0, 1], repeat=sources.shape[1]):
      mask = np.array(mask, np.float64)
      loss = 0.0
      for reference, weights in ((reference_1[n], mask),
                                 (reference_2[n], 1 - mask)):
        estimate = np.tensordot(weights, sources[n].astype(np.float64), 1)
        power = np.sum(np.square(reference.astype(np.float64)))
        error = np.sum(np.square(reference - estimate))
        loss += -10 * np.log10(power / (error + tau * power)) / 2
      if loss < best_loss - 1e-9:
        best, best_loss = mask, loss
    labels.append(best)
  return np.array(labels)


def _features(num_clips=12, num_moms=40, sources=3, frames=4, grid=2, dim=8,
              seed=0):
  """Fake cached features: clip n's audio and video both encode n."""
  rng = np.random.default_rng(seed)
  codes = rng.normal(size=(num_clips, dim)).astype(np.float32)
  video = np.repeat(np.repeat(codes[:, None, None], grid, 1), frames, 2)
  clip_audio = np.repeat(codes[:, None, None], frames, 2)
  labels = np.array([1, 0] * (num_clips // 2))
  clip_1 = rng.integers(0, num_clips, num_moms)
  clip_2 = (clip_1 + 1 + rng.integers(0, num_clips - 1, num_moms)) % num_clips
  share = rng.uniform(size=(num_moms, sources))
  # Source m is mostly clip 1 when its share is above 1/2.
  source_audio = np.where(share[..., None, None] > 0.5,
                          clip_audio[clip_1][:, :1], clip_audio[clip_2][:, :1])
  source_audio += 1e-3 * np.arange(num_moms)[:, None, None, None]  # Unique.
  return {'clip_1': clip_1, 'clip_2': clip_2, 'clip_audio': clip_audio,
          'clip_rms': np.ones(num_clips), 'video': video, 'labels': labels,
          'source_audio': source_audio.astype(np.float32),
          'source_rms': rng.uniform(0.1, 1.0, size=(num_moms, sources)),
          'mixit': (rng.uniform(size=(num_moms, sources)) > 0.5).astype(
              np.float32),
          'share': share}


def _matching_scores(audio, video):
  """Logit: minus the distance of a source's code to the video's code."""
  return -np.linalg.norm(audio[:, :, 0] - video[:, :1, 0], axis=-1)


class FeatureSynchronyTest(parameterized.TestCase, tf.test.TestCase):

  def test_energy_share_of_tones_in_disjoint_bins(self):
    first, second = _tone(500.0), _tone(2000.0, 2.0)
    sources = np.stack([first, second, first + second, 0 * first,
                        0.5 * first + second])[np.newaxis]
    share = feature_synchrony.energy_share(first[None], second[None], sources)
    # Energies 1 : 4 (amplitudes 1 and 2); 0.25 : 4 in the last source.
    self.assertAllClose(share[0], [1.0, 0.0, 0.2, 0.0, 0.25 / 4.25],
                        atol=0.02)

  def test_mixit_labels_match_brute_force(self):
    rng = np.random.default_rng(3)
    first = rng.normal(size=(3, 800)).astype(np.float32)
    second = rng.normal(size=(3, 800)).astype(np.float32)
    sources = np.stack([0.7 * first, 0.3 * first + 0.1 * second,
                        0.9 * second, 0.2 * second + 0.05 * first], axis=1)
    labels = feature_synchrony.mixit_labels(first, second, sources)
    self.assertAllEqual(labels, _brute_force_mixit(first, second, sources))
    self.assertAllEqual(labels[:, 0], [1, 1, 1])
    self.assertAllEqual(labels[:, 2], [0, 0, 0])

  @parameterized.parameters('mixit', 'share')
  def test_examples_labels_and_video(self, label_kind):
    features = _features()
    rng = np.random.default_rng(1)
    audio, video, labels, rms, replaced, truth = feature_synchrony.examples(
        features, 'sources', label_kind, 64, rng, off_screen_share=0.5,
        replaced_share=0.5)
    self.assertEqual(audio.shape, (64, 3, 4, 8))
    self.assertEqual(rms.shape, (64, 3))
    expected = (features['share'] > 0.5 if label_kind == 'share'
                else features['mixit'])
    # Recover each example's MoM from its audio, then check its labels.
    for n in range(64):
      moms = [m for m in range(len(features['clip_1']))
              if np.array_equal(features['source_audio'][m], audio[n])]
      self.assertNotEmpty(moms)
      first = features['clip_1'][moms[0]]
      self.assertAllEqual(truth[n], expected[moms[0]])
      on_screen = features['labels'][first] == 1
      self.assertAllEqual(labels[n], truth[n] * (on_screen and
                                                 not replaced[n]))
      if not replaced[n]:
        self.assertAllEqual(video[n], features['video'][first])
      else:
        self.assertTrue(on_screen)
        self.assertNotAllEqual(video[n], features['video'][first])
    self.assertTrue(replaced.any())
    self.assertTrue((labels.sum(1) == 0).any())

  def test_clip_examples_are_clip_1_then_clip_2(self):
    features = _features()
    audio, video, labels, _, replaced, _ = feature_synchrony.examples(
        features, 'clips', 'mixit', 32, np.random.default_rng(2))
    self.assertFalse(replaced.any())
    self.assertAllEqual(labels, np.tile([[1.0, 0.0]], (32, 1)))
    # Clip 1's audio and video carry the same code; clip 2's another.
    self.assertAllClose(audio[:, 0, 0], video[:, 0, 0])
    self.assertGreater(np.min(np.abs(audio[:, 1, 0] - video[:, 0, 0]).sum(-1)),
                       0)

  def test_evaluate_scores_of_a_matching_and_a_constant_scorer(self):
    features = _features(num_moms=80)
    matching = feature_synchrony.evaluate_scores(
        _matching_scores, features, 'clips', count=128)
    self.assertEqual(matching['within_auc_mixit'], 1.0)
    self.assertGreater(matching['replaced_drop'], 0.5)
    self.assertEqual(matching['num_true'] + matching['num_replaced'], 128)
    constant = feature_synchrony.evaluate_scores(
        lambda audio, video: np.zeros(audio.shape[:2]), features, 'sources',
        count=128)
    self.assertEqual(constant['within_auc_mixit'], 0.5)
    self.assertEqual(constant['within_auc_share'], 0.5)
    self.assertEqual(constant['replaced_drop'], 0.0)

  def test_pure_source_aucs_against_brute_force_pairs(self):
    features = _features(num_moms=80, sources=4, seed=2)

    def scorer(audio, video):  # Arbitrary but a function of the inputs.
      del video
      return np.sin(1e3 * audio.sum(axis=(2, 3)))

    result = feature_synchrony.evaluate_scores(scorer, features, 'sources',
                                               count=96, seed=5)
    audio, video, _, rms, replaced, truth, moms = feature_synchrony.examples(
        features, 'sources', 'mixit', 96, np.random.default_rng(5), 0.0, 0.5,
        return_moms=True)
    scores = scorer(audio, video)
    share = features['share'][moms]
    pure = (share < 0.1) | (share > 0.9)
    for name, labels in (('mixit', truth), ('share', share > 0.5)):
      correct = total = 0.0
      for n in np.flatnonzero(~replaced):
        for a in range(4):
          for b in range(4):
            if labels[n, a] and not labels[n, b] and pure[n, a] and pure[n, b]:
              # Power shares within the MoM's pure sources.
              weight = rms[n, a] ** 2 * rms[n, b] ** 2 / np.sum(
                  rms[n, pure[n]] ** 2) ** 2
              correct += weight * ((scores[n, a] > scores[n, b]) +
                                   0.5 * (scores[n, a] == scores[n, b]))
              total += weight
      self.assertGreater(total, 0)
      self.assertAllClose(result[f'within_auc_pure_{name}'], correct / total)
    self.assertNotIn('within_auc_pure_mixit',
                     feature_synchrony.evaluate_scores(
                         _matching_scores, features, 'clips', count=32))

  def test_evaluate_scores_refuses_nan(self):
    with self.assertRaisesRegex(FloatingPointError, 'NaN'):
      feature_synchrony.evaluate_scores(
          lambda audio, video: np.full(audio.shape[:2], np.nan), _features(),
          'clips', count=16)

  def test_separation_summary_against_direct_counts(self):
    features = {'share': np.array([[0.05, 0.95, 0.5], [0.6, 0.2, 0.99]]),
                'mixit': np.array([[0, 1, 1], [0, 0, 1]], np.float32),
                'source_rms': np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]])}
    summary = feature_synchrony.separation_summary(features)
    self.assertEqual(summary['num_sources'], 5)
    self.assertAlmostEqual(summary['pure_fraction'], 3 / 5)
    # Agreement: 0.05/0, 0.95/1, 0.5/1 (no), 0.6/0 (no), 0.99/1.
    self.assertAlmostEqual(summary['mixit_agrees_with_majority'], 3 / 5)

  def test_pure_condition_trains_only_on_clip_pure_sources(self):
    features = _features(num_moms=48)
    kwargs = dict(alignment='separable_sa', steps=2, batch_size=4,
                  learning_rate=1e-3, eval_every=2,
                  alignment_config={'num_layers': 1, 'num_heads': 2})
    mixed = dict(features, share=np.full_like(features['share'], 0.5))
    # No source of an on-screen MoM is pure: nothing to train on.
    log = feature_synchrony.train_condition(
        mixed, mixed, ('sources_pure', 'sources', 'pure', 0.0), **kwargs)
    self.assertEqual(log[-1]['loss'], 0.0)
    log = feature_synchrony.train_condition(
        mixed, mixed, ('sources_mixit', 'sources', 'mixit', 0.0), **kwargs)
    self.assertGreater(log[-1]['loss'], 0.1)
    # Off-screen MoMs train on every source, pure or not.
    log = feature_synchrony.train_condition(
        mixed, mixed, ('sources_pure', 'sources', 'pure', 1.0), **kwargs)
    self.assertGreater(log[-1]['loss'], 0.1)

  def test_train_condition_logs_finite_numbers(self):
    features = _features(num_moms=48)
    log = feature_synchrony.train_condition(
        features, features, ('sources_share', 'sources', 'share', 0.5),
        'separable_sa', steps=4, batch_size=4, learning_rate=1e-3,
        eval_every=2, alignment_config={'num_layers': 1, 'num_heads': 2})
    self.assertEqual([entry['step'] for entry in log], [2, 4])
    for entry in log:
      self.assertTrue(np.isfinite(entry['loss']))
      self.assertBetween(entry['test']['within_auc_share'], 0.0, 1.0)
    results = {'alignment': 'separable_sa', 'steps': 4, 'batch_size': 4,
               'learning_rate': 1e-3, 'num_eval': 512,
               'separation': feature_synchrony.separation_summary(features),
               'coincidence_head': {'clips': {'train': log[-1]['train'],
                                              'test': log[-1]['test']}},
               'conditions': {'sources_share': log}}
    text = feature_synchrony.markdown(results)
    self.assertIn('| sources_share |', text)
    self.assertIn('coincidence head, clips', text)

  def test_clip_conditions_are_also_scored_on_sources(self):
    features = _features(num_moms=48)
    log = feature_synchrony.train_condition(
        features, features, ('clips', 'clips', 'mixit', 0.0), 'separable_sa',
        steps=2, batch_size=4, learning_rate=1e-3, eval_every=2,
        alignment_config={'num_layers': 1, 'num_heads': 2})
    self.assertLen(log, 1)
    # The same module on M = 3 separated sources instead of 2 clips.
    self.assertEqual(log[0]['test_sources']['num_true'] +
                     log[0]['test_sources']['num_replaced'], 512)
    self.assertBetween(log[0]['test_sources']['within_auc_share'], 0.0, 1.0)
    results = {'alignment': 'separable_sa', 'steps': 2, 'batch_size': 4,
               'learning_rate': 1e-3, 'num_eval': 512,
               'separation': feature_synchrony.separation_summary(features),
               'coincidence_head': {}, 'conditions': {'clips': log}}
    text = feature_synchrony.markdown(results)
    self.assertIn('| clips, applied to sources |', text)
    self.assertIn('Best test within-MoM AUC (share labels)', text)

  def test_feature_cache_is_read_only_for_its_key(self):
    path = os.path.join(self.create_tempdir().full_path, 'sub', 'f.npz')
    self.assertEqual(feature_synchrony.read_features(path, np.array(['a'])),
                     {})
    features = {'train': _features(), 'test': _features(seed=1)}
    key = np.array(['separator-1', 'coincidence-2', '40'])
    feature_synchrony.write_features(path, key, features)
    stored = feature_synchrony.read_features(path, key)
    self.assertCountEqual(stored, ['train', 'test'])
    for split in features:
      self.assertCountEqual(stored[split], features[split])
      for name, value in features[split].items():
        self.assertAllEqual(stored[split][name], value)
    other = np.array(['separator-9', 'coincidence-2', '40'])
    self.assertEqual(feature_synchrony.read_features(path, other), {})

  def test_main_needs_its_folders(self):
    holders = {name: types.SimpleNamespace(value=value) for name, value in (
        ('shared_dir', None), ('output_dir', None), ('conditions', []))}
    with self.assertRaisesRegex(app.UsageError, '--shared_dir'):
      feature_synchrony.main(['feature_synchrony.py'], holders)


class FeatureSynchronyRunTest(tf.test.TestCase):

  def test_fine_tuned_separator_and_trunks_replace_the_pre_trained(self):
    shared = self.create_tempdir().full_path
    config = demo_lib.fast_config()
    demo_lib.Demo(shared, config).run(last_stage='audioscope')
    kwargs = dict(steps=2, eval_every=2, num_train_moms=4, num_test_moms=4,
                  conditions=['sources_mixit'], fast=True)
    outputs = {}
    for name, audioscope_dir in (('pre_trained', None),
                                 ('fine_tuned', shared)):
      outputs[name] = self.create_tempdir().full_path
      results = feature_synchrony.run(shared, outputs[name],
                                      audioscope_dir=audioscope_dir, **kwargs)
      self.assertIn('sources_mixit', results['conditions'])
    trained, prefix, _ = demo_lib.Demo(shared, config).restore_audioscope()
    gin.clear_config()
    self.assertEqual(results['audioscope_checkpoint'], prefix)
    self.assertEqual(results['separator_checkpoint'], prefix)
    self.assertIn('fine-tuned', feature_synchrony.markdown(results))
    # The cached features are the fine-tuned model's own.
    features = {
        name: np.load(os.path.join(path, feature_synchrony.FEATURES_FILE))
        for name, path in outputs.items()}
    audio, video, _ = feature_synchrony.clip_arrays(
        demo_lib.Demo(shared, config), 'test',
        lambda frames: trained.video_embedding(frames, training=False))
    clip_audio = trained.audio_embedding(
        tf.constant(audio[:, np.newaxis]), video.shape[2], training=False)
    self.assertAllClose(features['fine_tuned']['test/video'], video,
                        atol=1e-5)
    self.assertAllClose(features['fine_tuned']['test/clip_audio'],
                        clip_audio, atol=1e-5)
    for name in ('video', 'clip_audio', 'source_rms'):
      self.assertNotAllClose(features['fine_tuned'][f'test/{name}'],
                             features['pre_trained'][f'test/{name}'])

if __name__ == '__main__':
  tf.test.main()
