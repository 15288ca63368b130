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
"""Tests for audioscope.training.strategy (in-process parts).

The multi-device path needs a fresh process (logical devices are fixed when
TensorFlow initialises); it is tested in distributed_test.py.
"""

from absl.testing import parameterized
import tensorflow as tf

from audioscope.training import strategy as strategy_lib


class StrategyTest(parameterized.TestCase, tf.test.TestCase):

  def test_default_strategy_has_one_replica(self):
    strategy = strategy_lib.get_strategy()
    self.assertEqual(strategy.num_replicas_in_sync, 1)
    self.assertIs(strategy, tf.distribute.get_strategy())

  def test_mirrored_over_the_visible_cpu(self):
    strategy = strategy_lib.get_strategy(strategy='mirrored')
    self.assertIsInstance(strategy, tf.distribute.MirroredStrategy)
    self.assertEqual(strategy.num_replicas_in_sync,
                     len(tf.config.list_logical_devices('CPU')))

  def test_unknown_strategy_names_the_choices(self):
    with self.assertRaisesRegex(ValueError, 'mirrored'):
      strategy_lib.get_strategy(strategy='horovod')

  @parameterized.named_parameters(('zero', 0), ('negative', -2))
  def test_bad_device_count(self, count):
    with self.assertRaisesRegex(ValueError, '>= 1'):
      strategy_lib.configure_logical_cpu_devices(count)

  def test_too_late_to_split_the_cpu(self):
    tf.config.list_logical_devices('CPU')  # Initialises the devices.
    count = len(tf.config.list_logical_devices('CPU')) + 2
    with self.assertRaisesRegex(RuntimeError, 'before any TensorFlow op'):
      strategy_lib.configure_logical_cpu_devices(count)

  def test_device_type_on_this_machine(self):
    expected = ('TPU' if tf.config.list_logical_devices('TPU') else
                'GPU' if tf.config.list_logical_devices('GPU') else 'CPU')
    self.assertEqual(strategy_lib.device_type(), expected)


if __name__ == '__main__':
  tf.test.main()
