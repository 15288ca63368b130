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
"""Tests for data_recipes.make_synthetic_lib (end to end on a tiny set)."""

import csv
import os

import numpy as np
import tensorflow as tf

from audioscope.data import records
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib


def _read_csv(path):
  with open(path) as f:
    return list(csv.DictReader(f))


class MakeSyntheticLibTest(tf.test.TestCase):

  def test_end_to_end(self):
    directory = self.create_tempdir().full_path
    options = synthetic.SceneOptions(clip_seconds=0.25, frame_size=(16, 16))
    kwargs = dict(num_clips={'train': 5, 'validation': 5}, seed=3,
                  options=options, clips_per_shard=3, on_screen_fraction=0.4,
                  off_screen_fraction=0.4, moms_per_clip=1)
    info = make_synthetic_lib.make_synthetic(directory, **kwargs)
    self.assertEqual(info['files']['train'], [
        'train-00000-of-00002.tfrecord', 'train-00001-of-00002.tfrecord'])
    for split in ('train', 'validation'):
      clips = list(records.read_clips(
          os.path.join(directory, f'{split}-*.tfrecord'), frame_size=(16, 16)))
      listed = _read_csv(os.path.join(directory, f'{split}_clips.csv'))
      self.assertEqual([c.clip_id for c in clips],
                       [row['clip_id'] for row in listed])
      self.assertEqual([c.label for c in clips],
                       [int(row['label']) for row in listed])
      self.assertEqual(sorted(c.label for c in clips), [-1, 0, 0, 1, 1])
      for clip in clips:
        self.assertEqual(clip.audio.shape, (4000,))
        self.assertEqual(clip.frames.shape, (4, 16, 16, 3))
        np.testing.assert_allclose(
            clip.audio, clip.on_screen_audio + clip.off_screen_audio,
            atol=1e-6)
    labels = {c.clip_id: c.label for c in records.read_clips(
        os.path.join(directory, 'validation-*.tfrecord'))}
    expected = {'filtered_on_screen': (1, 0), 'filtered_off_screen': (0, 0),
                'random_on_screen': (1, -1), 'random_off_screen': (0, -1)}
    for name, (label1, label2) in expected.items():
      rows = _read_csv(os.path.join(directory, f'validation_mom_{name}.csv'))
      self.assertNotEmpty(rows)
      for row in rows:
        self.assertEqual(labels[row['clip_id1']], label1)
        self.assertEqual(labels[row['clip_id2']], label2)
        self.assertNotEqual(row['clip_id1'], row['clip_id2'])
    # Idempotent: complete shards are skipped, not rewritten.
    shard = os.path.join(directory, 'train-00000-of-00002.tfrecord')
    before = os.stat(shard).st_mtime_ns
    make_synthetic_lib.make_synthetic(directory, **kwargs)
    self.assertEqual(os.stat(shard).st_mtime_ns, before)
    # Other settings in the same folder are refused.
    with self.assertRaisesRegex(ValueError, 'other settings'):
      make_synthetic_lib.make_synthetic(directory, **dict(kwargs, seed=4))

  def test_deterministic(self):
    options = synthetic.SceneOptions(clip_seconds=0.25, frame_size=(16, 16))
    contents = []
    for _ in range(2):
      directory = self.create_tempdir().full_path
      make_synthetic_lib.make_synthetic(
          directory, {'test': 3}, seed=1, options=options,
          frame_encoding='raw')
      with open(os.path.join(directory, 'test-00000-of-00001.tfrecord'),
                'rb') as f:
        contents.append(f.read())
    self.assertEqual(contents[0], contents[1])

  def test_bad_arguments(self):
    directory = self.create_tempdir().full_path
    with self.assertRaisesRegex(ValueError, 'Unknown splits'):
      make_synthetic_lib.make_synthetic(directory, {'dev': 3})
    with self.assertRaisesRegex(ValueError, 'fraction'):
      make_synthetic_lib.make_synthetic(directory, {'train': 3},
                                        on_screen_fraction=0.8,
                                        off_screen_fraction=0.8)


if __name__ == '__main__':
  tf.test.main()
