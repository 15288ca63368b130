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
