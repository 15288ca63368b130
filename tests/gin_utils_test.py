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
"""Tests for audioscope.gin_utils."""

import importlib
import os
import sys

import gin
import tensorflow as tf

from audioscope import gin_utils


@gin.configurable
def _scaled(value=1.0, scale=1.0):
  return value * scale


class GinUtilsTest(tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def test_config_dir_is_the_gin_folder(self):
    self.assertTrue(
        os.path.exists(os.path.join(gin_utils.gin_config_dir(), 'README.md')))

  def test_gin_config_is_not_shadowed(self):
    self.assertTrue(hasattr(gin, 'configurable'), msg=gin.__file__)

  def test_operative_config_is_reparsed_before_user_bindings(self):
    model_dir = self.create_tempdir().full_path
    gin.parse_config(['_scaled.value = 3.0', '_scaled.scale = 2.0'])
    self.assertEqual(_scaled(), 6.0)
    gin_utils.write_operative_config(model_dir, step=5)
    gin_utils.write_operative_config(model_dir, step=12)
    self.assertEndsWith(
        gin_utils.latest_operative_config(model_dir), 'operative_config-12.gin')
    gin.clear_config()
    gin_utils.parse_gin(gin_params=['_scaled.scale = 10.0'],
                        model_dir=model_dir)
    self.assertEqual(_scaled(), 30.0)

  def test_packaged_configs_parse_beside_a_folder_of_the_same_name(self):
    # A user's `training/` or `demo/` folder on sys.path (the working
    # directory of `python -m ...`) is a namespace package that gin's
    # package-resource probe used to crash on (TypeError).
    root = self.create_tempdir().full_path
    for folder in ('training', 'demo'):
      os.makedirs(os.path.join(root, folder))
    sys.path.insert(0, root)
    importlib.invalidate_caches()
    try:
      gin_utils.parse_gin(['demo/synthetic_demo.gin',
                           'training/separator_pretraining.gin'])
      self.assertEqual(
          gin.query_parameter('ImprovedTDCN.conv_channels'), 128)
      self.assertEqual(gin.query_parameter('train.max_to_keep'), 5)
    finally:
      sys.path.remove(root)
      for folder in ('training', 'demo'):
        sys.modules.pop(folder, None)

  def test_no_operative_config(self):
    self.assertIsNone(
        gin_utils.latest_operative_config(self.create_tempdir().full_path))


if __name__ == '__main__':
  tf.test.main()
