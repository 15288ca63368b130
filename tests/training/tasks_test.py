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
"""Tests for audioscope.training.tasks and the packaged training configs."""

import functools

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import pipeline
from audioscope.data import records
from audioscope.data import synthetic
from audioscope.training import tasks
from audioscope.training import train_lib

_ROWS = [f'{a}_{f}fps' for a in ('audioscope_v1', 'joint_sa', 'separable_sa',
                                 'joint_cma', 'separable_cma')
         for f in (1, 16)]


class TasksTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_audio_visual_targets(self):
    mixing = np.zeros([3, 2, 4], np.float32)
    mixing[:, 0, :2] = 1.0  # Sources 0, 1 to the primary.
    mixing[:, 1, 2:] = 1.0
    labels = np.array([-1, 1, 0])
    targets, exact = tasks.AudioVisualTask().targets(mixing, labels)
    expected = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]], np.float32)
    self.assertAllEqual(targets, expected)
    self.assertAllEqual(exact, [False, True, True])

  def test_energy_majority_pseudo_labels(self):
    """Targets: which sources hold mostly the primary's energy."""
    time = np.arange(4096) / 16000.0
    low = np.sin(2 * np.pi * 500 * time).astype(np.float32)
    high = np.sin(2 * np.pi * 3000 * time).astype(np.float32)
    # Mostly low (the primary's), low, mostly high, high.
    sources = np.stack([low + 0.3 * high, low, 0.3 * low + high, high])

    class FixedModel(tf.keras.Model):

      def call(self, inputs, training=None):
        count = tf.shape(inputs['audio'])[0]
        return {'sources': tf.tile(sources[np.newaxis], [count, 1, 1]),
                'logits': tf.tile([[0.5, -1.0, 2.0, 0.0]], [count, 1])}

    batch = {'audio': np.stack([low + high] * 3),
             'frames': np.zeros([3, 2, 3, 3, 3], np.float32),
             'reference_mixtures': np.stack([np.stack([low, high])] * 3),
             'labels': np.array([1, -1, 0], np.int32)}
    logits = np.array([0.5, -1.0, 2.0, 0.0])

    def bce(targets):
      return np.sum(np.log1p(np.exp(logits)) - targets * logits)

    losses_by_labels = {}
    for pseudo_labels in ('energy_majority', 'mixit'):
      task = tasks.AudioVisualTask(classifier_loss='exact',
                                   pseudo_labels=pseudo_labels)
      losses_by_labels[pseudo_labels] = task.compute_losses(
          FixedModel(), batch, training=False)['classifier'].numpy()
    energy = losses_by_labels['energy_majority']
    self.assertAllClose(energy[:2], [bce(np.array([1, 1, 0, 0]))] * 2,
                        rtol=1e-5)
    # Off-screen-only primaries: all 0 whatever the pseudo-labels.
    self.assertAllClose(energy[2], bce(np.zeros(4)), rtol=1e-5)
    self.assertAllClose(losses_by_labels['mixit'][2], energy[2], rtol=1e-5)
    with self.assertRaisesRegex(ValueError, 'pseudo_labels must be one of'):
      tasks.AudioVisualTask(pseudo_labels='share')

  @parameterized.parameters((4, 0.25, 1), (4, 0.5, 2), (8, 0.25, 2),
                            (3, 0.9, 3))
  def test_replace_frames(self, batch_size, fraction, count):
    frames = np.random.default_rng(0).random(
        [batch_size, 2, 3, 3, 3]).astype(np.float32)
    labels = np.array([-1, 1, 0, -1, 1, 0, -1, 1][:batch_size], np.int32)
    new_frames, new_labels = tasks.replace_frames(
        tf.constant(frames), tf.constant(labels), fraction)
    for i in range(batch_size):
      donor = (i - 1) % batch_size if i < count else i
      self.assertAllEqual(new_frames[i], frames[donor])
      self.assertEqual(int(new_labels[i]), 0 if i < count else labels[i])

  def test_replace_frames_zero_fraction_is_identity(self):
    frames = tf.random.uniform([2, 2, 3, 3, 3])
    labels = tf.constant([1, -1])
    new_frames, new_labels = tasks.replace_frames(frames, labels, 0.0)
    self.assertAllEqual(new_frames, frames)
    self.assertAllEqual(new_labels, labels)

  @parameterized.parameters((4, 1.0, r'in \[0, 1\)'), (4, -0.1, r'in \[0, 1\)'),
                            (4, 0.1, 'replaces no example'),
                            (1, 0.6, 'replaces no example'))
  def test_replace_frames_rejects(self, batch_size, fraction, message):
    with self.assertRaisesRegex(ValueError, message):
      tasks.replace_frames(tf.zeros([batch_size, 2, 3, 3, 3]),
                           tf.zeros([batch_size], tf.int32), fraction)

  def test_replaced_frames_negatives_in_the_classifier_loss(self):
    """The model sees the donor's frames; the loss targets all 0 for them."""

    class FrameMeanModel(tf.keras.Model):
      """Sources: the mixture split in 4; logit m: (m + 1) * mean frame."""

      def call(self, inputs, training=None):
        audio = inputs['audio']
        means = tf.reduce_mean(inputs['frames'], axis=[1, 2, 3, 4])
        return {'sources': tf.tile(audio[:, tf.newaxis] / 4, [1, 4, 1]),
                'logits': means[:, tf.newaxis] * tf.range(1.0, 5.0)}

    rng = np.random.default_rng(1)
    primary = rng.normal(size=[4, 64]).astype(np.float32)
    background = rng.normal(size=[4, 64]).astype(np.float32)
    frames = np.arange(1, 5, dtype=np.float32)[:, None, None, None, None] * (
        np.ones([4, 2, 3, 3, 3], np.float32)) / 4
    batch = {'audio': primary + background, 'frames': frames,
             'reference_mixtures': np.stack([primary, background], 1),
             'labels': np.array([1, 1, 0, 0], np.int32)}
    task = tasks.AudioVisualTask(classifier_loss='exact',
                                 replaced_frames_fraction=0.5)
    model = FrameMeanModel()
    trained = task.compute_losses(model, batch, training=True)['classifier']
    evaluated = task.compute_losses(model, batch, training=False)['classifier']

    def bce_of_zero_targets(mean_frame):
      logits = mean_frame * np.arange(1.0, 5.0)
      return np.sum(np.log1p(np.exp(logits)))

    # Examples 0 and 1 (on-screen-only) now show the frames of 3 and 0 and
    # are negatives; examples 2 and 3 were negatives already.
    for i, donor in enumerate([3, 0, 2, 3]):
      self.assertAllClose(trained[i], bce_of_zero_targets(frames[donor].mean()),
                          rtol=1e-5)
    # Evaluation batches are not touched: example 0 keeps its own frames.
    self.assertNotAllClose(evaluated[0], trained[0])
    self.assertAllClose(evaluated[2:], trained[2:], rtol=1e-5)

  @parameterized.parameters((4, 4, 0.25, 0, 1), (4, 5, 0.5, 1, 2),
                            (8, 2, 0.25, 2, 2), (3, 3, 0.6, 0, 2))
  def test_shift_frames(self, batch_size, num_frames, fraction, first, count):
    frames = np.random.default_rng(2).random(
        [batch_size, num_frames, 2, 2, 3]).astype(np.float32)
    labels = np.array([-1, 1, 0, -1, 1, 0, -1, 1][:batch_size], np.int32)
    new_frames, new_labels = tasks.shift_frames(
        tf.constant(frames), tf.constant(labels), fraction, first=first)
    for i in range(batch_size):
      shifted = first <= i < first + count
      for t in range(num_frames):
        source = (t - num_frames // 2) % num_frames if shifted else t
        self.assertAllEqual(new_frames[i, t], frames[i, source])
      self.assertEqual(int(new_labels[i]), 0 if shifted else labels[i])

  def test_shift_frames_zero_fraction_is_identity(self):
    frames = tf.random.uniform([2, 4, 3, 3, 3])
    labels = tf.constant([1, -1])
    new_frames, new_labels = tasks.shift_frames(frames, labels, 0.0)
    self.assertAllEqual(new_frames, frames)
    self.assertAllEqual(new_labels, labels)

  @parameterized.parameters(
      (4, 4, 1.0, 0, r'in \[0, 1\)'), (4, 4, 0.1, 0, 'shifts no example'),
      (4, 1, 0.5, 0, 'shifts no example'),
      (4, 4, 0.5, 2, 'leave no example'))
  def test_shift_frames_rejects(self, batch_size, num_frames, fraction, first,
                                message):
    with self.assertRaisesRegex(ValueError, message):
      tasks.shift_frames(tf.zeros([batch_size, num_frames, 3, 3, 3]),
                         tf.zeros([batch_size], tf.int32), fraction,
                         first=first)

  def test_replaced_and_shifted_negatives_in_the_classifier_loss(self):
    """Replaced examples first, then shifted ones; targets all 0 for both."""

    class FirstFrameModel(tf.keras.Model):
      """Sources: the mixture split in 4; logit m: (m + 1) * frame 0's mean."""

      def call(self, inputs, training=None):
        audio = inputs['audio']
        first = tf.reduce_mean(inputs['frames'][:, 0], axis=[1, 2, 3])
        return {'sources': tf.tile(audio[:, tf.newaxis] / 4, [1, 4, 1]),
                'logits': first[:, tf.newaxis] * tf.range(1.0, 5.0)}

    rng = np.random.default_rng(3)
    primary = rng.normal(size=[4, 64]).astype(np.float32)
    background = rng.normal(size=[4, 64]).astype(np.float32)
    # Frame t of example i has the value (i + 1) / 4 + t / 10.
    frames = (np.arange(1, 5)[:, None] / 4 + np.arange(4)[None, :] / 10)
    frames = frames[:, :, None, None, None] * np.ones([1, 1, 3, 3, 3])
    frames = frames.astype(np.float32)
    batch = {'audio': primary + background, 'frames': frames,
             'reference_mixtures': np.stack([primary, background], 1),
             'labels': np.array([1, 1, 1, 0], np.int32)}
    task = tasks.AudioVisualTask(classifier_loss='exact',
                                 replaced_frames_fraction=0.25,
                                 shifted_frames_fraction=0.25)
    trained = task.compute_losses(FirstFrameModel(), batch,
                                  training=True)['classifier']

    def bce_of_zero_targets(first_frame_value):
      return np.sum(np.log1p(np.exp(first_frame_value * np.arange(1.0, 5.0))))

    # Example 0 shows example 3's frames; example 1 its own frames shifted
    # by 2 (frame 0 is its frame 2); both are negatives. Example 3 was one.
    self.assertAllClose(trained[0], bce_of_zero_targets(frames[3, 0, 0, 0, 0]),
                        rtol=1e-5)
    self.assertAllClose(trained[1], bce_of_zero_targets(frames[1, 2, 0, 0, 0]),
                        rtol=1e-5)
    self.assertAllClose(trained[3], bce_of_zero_targets(frames[3, 0, 0, 0, 0]),
                        rtol=1e-5)
    # Example 2 stays an on-screen-only positive (not all-zero targets).
    self.assertNotAllClose(trained[2],
                           bce_of_zero_targets(frames[2, 0, 0, 0, 0]))

  def test_bad_shifted_frames_fraction(self):
    with self.assertRaisesRegex(ValueError, 'shifted_frames_fraction'):
      tasks.AudioVisualTask(shifted_frames_fraction=-0.5)
    with self.assertRaisesRegex(ValueError, 'leave part of the batch'):
      tasks.AudioVisualTask(replaced_frames_fraction=0.5,
                            shifted_frames_fraction=0.5)

  def test_bad_replaced_frames_fraction(self):
    with self.assertRaisesRegex(ValueError, 'replaced_frames_fraction'):
      tasks.AudioVisualTask(replaced_frames_fraction=1.0)

  def test_bad_classifier_loss(self):
    with self.assertRaisesRegex(ValueError, 'active_combinations'):
      tasks.AudioVisualTask(classifier_loss='focal')

  @parameterized.parameters(*_ROWS)
  def test_table1_configs_resolve(self, row):
    gin_utils.parse_gin([f'papers/audioscope_v2/{row}.gin'])
    alignment, fps = row.rsplit('_', 1)
    self.assertEqual(gin.query_parameter('AudioScopeV2.alignment'), alignment)
    self.assertEqual(gin.query_parameter('%frame_rate'),
                     float(fps[:-len('fps')]))
    self.assertEqual(gin.query_parameter('Trainer.learning_rate'), 1e-4)

  def _evaluation_set(self, seed=0, num_on=3, num_off=4, num_samples=64):
    """MoMs, their separated sources, logits and a model returning them.

    The model looks the outputs up by the example index written into the
    frames, so the task sees fixed sources and logits.
    """
    rng = np.random.default_rng(seed)
    count = num_on + num_off
    labels = np.array([1] * num_on + [0] * num_off)
    # Two sources per MoM; the first one is the on-screen sound of the
    # on-screen MoMs. Different gains, so the power weights differ.
    sources = rng.normal(size=[count, 2, num_samples]) * rng.uniform(
        0.2, 2.0, size=[count, 2, 1])
    sources = sources.astype(np.float32)
    logits = rng.normal(size=[count, 2]).astype(np.float32) * 2.0
    audio = sources.sum(axis=1)
    on_screen_audio = np.where(labels[:, None] == 1, sources[:, 0], 0.0)
    frames = np.zeros([count, 1, 2, 2, 3], np.float32)
    frames[:, 0, 0, 0, 0] = np.arange(count)

    def model(batch):
      index = np.asarray(batch['frames'])[:, 0, 0, 0, 0].astype(int)
      return {'sources': sources[index], 'logits': logits[index]}

    return dict(labels=labels, sources=sources, logits=logits, audio=audio,
                on_screen_audio=on_screen_audio.astype(np.float32),
                frames=frames, model=model)

  @staticmethod
  def _batches(data, batch_size, truth_key='on_screen_audio'):
    batches = []
    for start in range(0, len(data['labels']), batch_size):
      part = slice(start, start + batch_size)
      batch = {'audio': data['audio'][part], 'frames': data['frames'][part],
               'labels': data['labels'][part]}
      if truth_key == 'on_screen_audio':
        batch['on_screen_audio'] = data['on_screen_audio'][part]
      else:  # Semi-supervised layout: the primary is reference 0.
        batch['reference_mixtures'] = np.stack(
            [data['on_screen_audio'][part],
             data['audio'][part] - data['on_screen_audio'][part]], axis=1)
      batches.append(batch)
    return batches

  @staticmethod
  def _oracle(data, theta):
    """Median SNR / OSR and the power-weighted AUC, computed directly."""
    probabilities = 1.0 / (1.0 + np.exp(-(data['logits'].astype(np.float64) +
                                          theta)))
    estimate = np.einsum('nm,nmt->nt', probabilities, data['sources'])
    on = data['labels'] == 1
    truth = data['on_screen_audio'][on]
    snr = 10 * np.log10(np.sum(truth**2, -1) /
                        np.sum((truth - estimate[on])**2, -1))
    off_audio = data['audio'][~on]
    osr = 10 * np.log10(np.sum(off_audio**2, -1) /
                        np.sum(estimate[~on]**2, -1))
    # AUC over all sources: on-screen label only for the first source of the
    # on-screen MoMs; weights are the per-MoM normalised source powers.
    power = np.sum(data['sources'].astype(np.float64)**2, -1)
    weights = (power / power.sum(-1, keepdims=True)).ravel()
    source_labels = np.zeros_like(power)
    source_labels[on, 0] = 1
    source_labels = source_labels.ravel()
    scores = data['logits'].ravel()
    numerator = denominator = 0.0
    for i in np.flatnonzero(source_labels == 1):
      for j in np.flatnonzero(source_labels == 0):
        pair = weights[i] * weights[j]
        denominator += pair
        numerator += pair * ((scores[i] > scores[j]) +
                             0.5 * (scores[i] == scores[j]))
    return np.median(snr), np.median(osr), numerator / denominator

  @parameterized.parameters(('on_screen_audio', 3), ('reference_mixtures', 2))
  def test_audio_visual_evaluate_matches_direct_metrics(self, truth_key,
                                                         batch_size):
    data = self._evaluation_set()
    batches = self._batches(data, batch_size, truth_key)
    task = tasks.AudioVisualTask(eval_dataset_fn=lambda: batches,
                                 eval_num_batches=len(batches),
                                 eval_target_osr_db=6.0)
    results = task.evaluate(data['model'])
    snr, osr, auc = self._oracle(data, 0.0)
    self.assertAllClose(results['snr'], snr, atol=1e-4)
    self.assertAllClose(results['osr'], osr, atol=1e-4)
    self.assertAllClose(results['auc'], auc, atol=1e-6)
    self.assertEqual(results['num_on_screen'], 3)
    self.assertEqual(results['num_off_screen'], 4)
    # Calibration: at the reported offset the off-screen MoMs' median OSR is
    # the target, and the calibrated SNR is the on-screen median there.
    theta = results['calibration_offset']
    calibrated_snr, calibrated_osr, _ = self._oracle(data, theta)
    self.assertAllClose(calibrated_osr, 6.0, atol=0.02)
    self.assertAllClose(results['calibrated_snr'], calibrated_snr, atol=1e-4)
    self.assertNotAllClose(theta, 0.0)
    # Selection works on these metrics, e.g. the paper's min(snr, osr).
    self.assertAllClose(train_lib.selection_score(results, ('snr', 'osr')),
                        min(snr, osr), atol=1e-4)

  def test_audio_visual_evaluate_takes_eval_num_batches(self):
    data = self._evaluation_set(num_on=4, num_off=4)
    # Batches of 2 with labels [1, 1], [1, 1], [0, 0], [0, 0]: the first
    # three batches hold 4 on-screen and 2 off-screen MoMs.
    batches = self._batches(data, 2)
    task = tasks.AudioVisualTask(eval_dataset_fn=lambda: batches,
                                 eval_num_batches=3)
    results = task.evaluate(data['model'])
    self.assertEqual(results['num_on_screen'], 4)
    self.assertEqual(results['num_off_screen'], 2)
    self.assertNotIn('calibrated_snr', results)

  def test_audio_visual_evaluate_needs_both_kinds_of_mom(self):
    data = self._evaluation_set(num_on=4, num_off=4)
    batches = self._batches(data, 2)
    task = tasks.AudioVisualTask(eval_dataset_fn=lambda: batches,
                                 eval_num_batches=2)  # On-screen MoMs only.
    with self.assertRaisesRegex(ValueError, 'on-screen .* and off-screen'):
      task.evaluate(data['model'])
    self.assertIsNone(tasks.AudioVisualTask().evaluate(data['model']))

  def test_separator_pretraining_checkpoint_format(self):
    folder = self.create_tempdir().full_path
    options = synthetic.SceneOptions(clip_seconds=0.5, frame_size=(32, 32))
    path = f'{folder}/clips.tfrecord'
    records.write_clips(path, [
        synthetic.generate_scene((0, i), options=options).to_clip(
            f'c{i}', frame_encoding='raw') for i in range(6)])
    gin_utils.parse_gin(['training/separator_pretraining.gin',
                         'test/tiny_audioscope.gin'])
    model_dir = f'{folder}/separator'
    trainer = train_lib.train(
        model_dir, dataset_fn=functools.partial(
            pipeline.audio_mixit_dataset, file_pattern=path, clip_seconds=0.5),
        num_steps=1, steps_per_loop=1, batch_size=2)
    self.assertEqual(trainer.step, 1)
    self.assertTrue(np.isfinite(trainer.last_losses['mixit']))
    keys = [k for k, _ in tf.train.list_variables(model_dir)]
    # The format AudioScopeV2.load_separator_checkpoint reads.
    self.assertTrue(any(k.startswith('separator/') for k in keys))


if __name__ == '__main__':
  tf.test.main()
