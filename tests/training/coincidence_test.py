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
"""Tests of the coincidence pre-training model and task."""

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import synthetic
from audioscope.training import tasks


def _numpy_correlation(audio, video, epsilon):
  """Oracle: explicit loops over batch, location and channel."""
  batch, num_locations, _, channels = video.shape
  out = np.zeros([batch, num_locations, channels])
  for b in range(batch):
    for g in range(num_locations):
      for k in range(channels):
        a, v = audio[b, 0, :, k], video[b, g, :, k]
        a = (a - a.mean()) / np.sqrt(a.var() + epsilon)
        v = (v - v.mean()) / np.sqrt(v.var() + epsilon)
        out[b, g, k] = np.mean(a * v)
  return out


def _clips(count):
  """`count` synthetic clips of 0.5 s: audio [count, samples], frames."""
  options = synthetic.SceneOptions(clip_seconds=0.5, frame_rate=8.0,
                                   frame_size=(32, 32))
  scenes = [synthetic.generate_scene((1, i), 1, options)
            for i in range(count)]
  audio = np.stack([s.audio for s in scenes])
  frames = np.stack([s.frames for s in scenes]).astype(np.float32) / 255.0
  return audio, frames


class CoincidenceTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_temporal_correlation_matches_numpy(self):
    rng = np.random.default_rng(0)
    audio = rng.normal(size=[2, 1, 7, 3]).astype(np.float32)
    video = rng.normal(size=[2, 5, 7, 3]).astype(np.float32)
    got = tasks.temporal_correlation(audio, video, epsilon=1e-3)
    self.assertAllClose(got, _numpy_correlation(audio, video, 1e-3),
                        atol=1e-5)

  def test_temporal_correlation_ignores_offset_and_scale(self):
    # Synchrony, not presence or loudness: an affine change of a channel over
    # time leaves it unchanged (up to epsilon), a shifted time course not.
    t = np.linspace(0, 2 * np.pi, 16, dtype=np.float32)
    envelope = np.sin(2 * t)
    audio = envelope[None, None, :, None]
    video = np.stack([5.0 + 10.0 * envelope, 5.0 + 10.0 * np.roll(envelope, 4)
                     ])[None, :, :, None]
    got = self.evaluate(tasks.temporal_correlation(audio, video, 1e-6))
    self.assertAllClose(got[0, 0, 0], 1.0, atol=1e-4)
    self.assertLess(got[0, 1, 0], 0.2)

  def test_pairwise_temporal_correlation_matches_numpy(self):
    rng = np.random.default_rng(1)
    audio = rng.normal(size=[3, 1, 6, 2]).astype(np.float32)
    video = rng.normal(size=[2, 4, 6, 2]).astype(np.float32)
    got = self.evaluate(tasks.pairwise_temporal_correlation(audio, video))
    self.assertEqual(got.shape, (3, 2, 4, 2))
    for i in range(3):
      for j in range(2):
        self.assertAllClose(
            got[i, j],
            _numpy_correlation(audio[i:i + 1], video[j:j + 1], 1e-3)[0],
            atol=1e-5)

  @parameterized.parameters('synchrony', 'concat')
  def test_model_logits_and_config(self, fusion):
    gin_utils.parse_gin(['training/coincidence_pretraining.gin',
                         'test/tiny_audioscope.gin'])
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4,
                                   fusion=fusion)
    options = synthetic.SceneOptions(clip_seconds=0.5, frame_rate=8.0,
                                     frame_size=(32, 32))
    scenes = [synthetic.generate_scene((1, i), 1, options) for i in range(2)]
    audio = np.stack([s.audio for s in scenes])
    frames = np.stack([s.frames for s in scenes]).astype(np.float32) / 255.0
    logits = model(audio, frames, training=False)
    self.assertEqual(logits.shape, (2,))
    self.assertTrue(np.all(np.isfinite(logits)))
    config = model.get_config()
    self.assertEqual(config['fusion'], fusion)
    self.assertEqual(tasks.CoincidenceModel.from_config(config).fusion_type,
                     fusion)

  @parameterized.parameters('synchrony', 'concat')
  def test_pair_logits_match_matched_calls(self, fusion):
    # Entry [i, j] is the logit of clip i's audio with clip j's frames.
    gin_utils.parse_gin(['training/coincidence_pretraining.gin',
                         'test/tiny_audioscope.gin'])
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4,
                                   fusion=fusion)
    audio, frames = _clips(3)
    pair_logits = self.evaluate(model.pair_logits(audio, frames,
                                                  training=False))
    self.assertEqual(pair_logits.shape, (3, 3))
    for i in range(3):
      for j in range(3):
        single = model(audio[i:i + 1], frames[j:j + 1], training=False)
        self.assertAllClose(pair_logits[i, j], single[0], atol=1e-4)

  @parameterized.named_parameters(('binary', 'binary', 0),
                                  ('contrastive', 'contrastive', 0),
                                  ('contrastive_shifted', 'contrastive', 2))
  def test_task_losses_and_metrics(self, loss, shifted_negatives):
    gin_utils.parse_gin(['training/coincidence_pretraining.gin',
                         'test/tiny_audioscope.gin'])
    audio, frames = _clips(4)  # 4 frames each.
    batch = {'audio': tf.constant(audio), 'frames': tf.constant(frames)}
    task = tasks.CoincidencePretrainingTask(
        eval_dataset_fn=lambda: [batch, batch], eval_num_batches=2, loss=loss,
        shifted_negatives=shifted_negatives)
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4)
    got = self.evaluate(task.compute_losses(model, batch,
                                            training=False)['coincidence'])
    # Oracle logits from matched calls, the shifted frames rolled in pixels.
    def logits(audio_index, frames_of_clip):
      return float(model(audio[audio_index:audio_index + 1],
                         frames_of_clip[np.newaxis], training=False)[0])
    pair_logits = np.array([[logits(i, frames[j]) for j in range(4)]
                            for i in range(4)])
    shifts = [1, 3][:shifted_negatives]
    self.assertEqual(task.frame_shifts(4), shifts)
    shifted = np.array([[logits(i, np.roll(frames[i], shift, axis=0))
                         for shift in shifts] for i in range(4)])
    positive = np.diag(pair_logits)
    negative = np.array([pair_logits[i, (i - 1) % 4] for i in range(4)])
    if loss == 'binary':
      expected = 0.5 * (np.log1p(np.exp(-positive)) +
                        np.log1p(np.exp(negative)))
    else:
      rows = np.concatenate([pair_logits, shifted.reshape(4, -1)], axis=1)
      expected = [0.5 * (np.log(np.sum(np.exp(rows[i]))) +
                         np.log(np.sum(np.exp(pair_logits[:, i]))))
                  - pair_logits[i, i] for i in range(4)]
    self.assertAllClose(got, expected, atol=1e-4)
    metrics = task.evaluate(model)
    ranked = [pair_logits[i, i] > pair_logits[i, j]
              for i in range(4) for j in range(4) if i != j]
    self.assertAllClose(metrics['ranking_accuracy'], np.mean(ranked))
    self.assertAllClose(
        metrics['accuracy'],
        (np.sum(positive > 0) + np.sum(negative <= 0)) / 8.0)
    half_shifted = [logits(i, np.roll(frames[i], 2, axis=0))
                    for i in range(4)]
    self.assertAllClose(metrics['synchrony_accuracy'],
                        np.mean(positive > half_shifted))
    self.assertAllClose(metrics['coincidence_loss'], np.mean(expected),
                        atol=1e-4)

  @parameterized.parameters((16, 3, [4, 8, 12]), (16, 1, [8]), (8, 2, [2, 6]),
                            (16, 0, []))
  def test_frame_shifts(self, num_frames, count, expected):
    task = tasks.CoincidencePretrainingTask(loss='contrastive',
                                            shifted_negatives=count)
    self.assertEqual(task.frame_shifts(num_frames), expected)

  def test_frame_shifts_errors(self):
    with self.assertRaisesRegex(ValueError, 'distinct shifts'):
      tasks.CoincidencePretrainingTask(
          loss='contrastive', shifted_negatives=3).frame_shifts(2)
    with self.assertRaisesRegex(ValueError, 'needs the contrastive loss'):
      tasks.CoincidencePretrainingTask(loss='binary', shifted_negatives=1)
    with self.assertRaisesRegex(ValueError, 'needs the contrastive loss'):
      tasks.CoincidencePretrainingTask(loss='contrastive',
                                       shifted_negatives=-1)

  def test_task_rejects_unknown_loss_and_single_clip(self):
    with self.assertRaisesRegex(ValueError, 'contrastive'):
      tasks.CoincidencePretrainingTask(loss='triplet')
    gin_utils.parse_gin(['training/coincidence_pretraining.gin',
                         'test/tiny_audioscope.gin'])
    audio, frames = _clips(1)
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4)
    for loss in tasks.COINCIDENCE_LOSSES:
      with self.assertRaisesRegex(ValueError, 'at least 2 clips'):
        tasks.CoincidencePretrainingTask(loss=loss).compute_losses(
            model, {'audio': audio, 'frames': frames}, training=True)

  def test_unknown_fusion(self):
    with self.assertRaisesRegex(ValueError, 'synchrony'):
      tasks.CoincidenceModel(fusion='bilinear')


if __name__ == '__main__':
  tf.test.main()
