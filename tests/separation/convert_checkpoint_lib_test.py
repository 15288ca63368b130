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
"""Test of converting an original checkpoint (checkpoint + SavedModel)."""

import os

import numpy as np
import tensorflow as tf

from audioscope.separation import convert_checkpoint_lib
from audioscope.separation import tdcn
from tests.separation import original_checkpoint_test as original_test


class ConvertCheckpointLibTest(tf.test.TestCase):

  def test_convert_round_trip(self):
    root = self.create_tempdir().full_path
    prefix, values = original_test._write_tf1_checkpoint(  # pylint: disable=protected-access
        os.path.join(root, 'orig', 'model.ckpt'),
        original_test._original_shapes(2))  # pylint: disable=protected-access
    paths = convert_checkpoint_lib.convert(
        prefix, os.path.join(root, 'out'), os.path.join(root, 'saved'),
        num_dilations=original_test._D)  # pylint: disable=protected-access
    import json  # pylint: disable=g-import-not-at-top
    with open(paths['config']) as f:
      config = json.load(f)
    model = tdcn.ImprovedTDCN(**config)
    model.build()
    tf.train.Checkpoint(separator=model).read(
        paths['checkpoint']).assert_existing_objects_matched()
    self.assertAllClose(model.mask_dense.kernel, values['dense/kernel'])
    audio = np.random.RandomState(0).randn(1, 90).astype(np.float32)
    loaded = tf.saved_model.load(paths['saved_model'])
    out = loaded.signatures['serving_default'](
        mixture_waveform=tf.constant(audio))['separated_waveforms']
    self.assertAllClose(out, model(audio), atol=1e-5)


if __name__ == '__main__':
  tf.test.main()
