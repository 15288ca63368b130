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
"""End-to-end test of the train binary (audioscope_train) on the toy config."""

import os

from absl.testing import flagsaver
from absl.testing import parameterized
import gin
import tensorflow as tf

from audioscope.bin import train as train_bin
from audioscope.training import train_lib


class TrainBinaryTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_two_steps_of_the_tiny_config(self):
    model_dir = self.create_tempdir().full_path
    with flagsaver.flagsaver(
        model_dir=model_dir, gin_file=['test/tiny_toy.gin'],
        gin_param=['train.num_steps = 2', 'train.steps_per_eval = 2']):
      train_bin.run(['audioscope_train'])
    self.assertEndsWith(tf.train.latest_checkpoint(model_dir), 'ckpt-2')
    self.assertTrue(
        os.path.exists(os.path.join(model_dir, 'operative_config-2.gin')))
    self.assertEqual(train_lib.read_best(model_dir)['step'], 2)
    # A restart with a larger num_steps resumes from step 2, re-reading the
    # operative config.
    gin.clear_config()
    with flagsaver.flagsaver(
        model_dir=model_dir, gin_file=['test/tiny_toy.gin'],
        gin_param=['train.num_steps = 4', 'train.steps_per_eval = 2']):
      train_bin.run(['audioscope_train'])
    self.assertEndsWith(tf.train.latest_checkpoint(model_dir), 'ckpt-4')

  def test_extra_arguments_are_rejected(self):
    with flagsaver.flagsaver(model_dir=self.create_tempdir().full_path):
      with self.assertRaisesRegex(Exception, 'Too many command-line'):
        train_bin.run(['audioscope_train', 'extra'])

  @parameterized.named_parameters(
      ('missing_gin_file', ['papers/no_such.gin'], [],
       'audioscope_train: Unable to open file: papers/no_such.gin'),
      ('unknown_parameter', ['test/tiny_toy.gin'], ['train.num_stepz = 2'],
       "audioscope_train: Configurable 'train' doesn't have a parameter "
       "named 'num_stepz'"),
      ('missing_data', ['training/separator_pretraining.gin',
                        'datasets/synthetic.gin'],
       ["DATA_DIR = '/no/such/data'", 'train.num_steps = 2'],
       "audioscope_train: No TFRecord file matches '/no/such/data/"),
  )
  def test_command_line_mistakes_end_in_one_message(self, gin_files,
                                                    gin_params, message):
    with flagsaver.flagsaver(
        model_dir=self.create_tempdir().full_path, gin_file=gin_files,
        gin_param=gin_params):
      with self.assertRaises(SystemExit) as raised:
        train_bin.run(['audioscope_train'])
    self.assertStartsWith(str(raised.exception), message)

  def test_model_dir_is_required(self):
    with flagsaver.flagsaver(model_dir=None):
      with self.assertRaisesRegex(Exception, '--model_dir is required'):
        train_bin.run(['audioscope_train'])


if __name__ == '__main__':
  tf.test.main()
