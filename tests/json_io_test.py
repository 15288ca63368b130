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
"""Tests for audioscope.json_io."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import json_io


class JsonIoTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('float32', np.float32(0.5), 0.5), ('int64', np.int64(7), 7),
      ('bool', np.bool_(True), True), ('array', np.arange(3), [0, 1, 2]),
      ('nan', np.float64('nan'), None), ('tensor', tf.constant(2.0), 2.0),
      ('other', object, str(object)))
  def test_to_json_value(self, value, expected):
    self.assertEqual(json_io.to_json_value(value), expected)

  def test_round_trip_is_atomic_and_creates_folders(self):
    path = os.path.join(self.create_tempdir().full_path, 'a', 'b.json')
    value = {'snr_db': np.float32(3.25), 'counts': np.array([1, 2])}
    self.assertEqual(json_io.write_json(path, value), path)
    self.assertEqual(json_io.read_json(path),
                     {'snr_db': 3.25, 'counts': [1, 2]})
    json_io.write_json(path, {'step': 2})
    self.assertEqual(json_io.read_json(path), {'step': 2})
    self.assertEqual(os.listdir(os.path.dirname(path)), ['b.json'])

  def test_corrupt_file_names_path_and_fix(self):
    path = os.path.join(self.create_tempdir().full_path, 'summary.json')
    json_io.write_text(path, '{"step": ')
    with self.assertRaisesRegex(ValueError, 'summary.json is not valid JSON'):
      json_io.read_json(path)


if __name__ == '__main__':
  tf.test.main()
