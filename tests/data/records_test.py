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
"""Tests for audioscope.data.records."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import records


def _clip(clip_id='clip-0', samples=400, frame_shape=(3, 8, 10), seed=0,
          **kwargs):
  rng = np.random.default_rng(seed)
  values = dict(
      clip_id=clip_id,
      audio=rng.uniform(-0.5, 0.5, samples).astype(np.float32),
      frames=rng.integers(0, 256, frame_shape + (3,), dtype=np.uint8),
      frame_encoding='raw')
  values.update(kwargs)
  return records.Clip(**values)


def _example_with(serialized, **changes):
  """Re-serialises a record with some features replaced or removed."""
  example = tf.train.Example.FromString(serialized)
  for name, value in changes.items():
    feature = example.features.feature
    if value is None:
      del feature[name]
    elif isinstance(value, bytes):
      feature[name].bytes_list.value[:] = [value]
    elif isinstance(value, list):
      feature[name].bytes_list.value[:] = value
    elif isinstance(value, float):
      feature[name].float_list.value[:] = [value]
    else:
      feature[name].int64_list.value[:] = [value]
  return example.SerializeToString()


@tf.function(input_signature=[tf.TensorSpec([], tf.string)] * 2)
def _graph_parse(serialized, source):
  return records.parse_clip(serialized, sample_rate=16000, frame_size=(8, 10),
                            source=source)


class RecordsTest(parameterized.TestCase, tf.test.TestCase):

  def test_raw_round_trip_is_exact(self):
    clip = _clip(label=1, video_path='a/b.mp4', start_time=2.0,
                 on_screen_audio=np.full(400, 0.25, np.float32),
                 off_screen_audio=np.full(400, -0.5, np.float32))
    serialized = records.serialize_clip(clip)
    parsed = records.parse_clip(tf.constant(serialized))
    self.assertAllEqual(parsed['audio'], clip.audio)
    self.assertAllEqual(parsed['frames'], clip.frames)
    self.assertAllEqual(parsed['on_screen_audio'], clip.on_screen_audio)
    self.assertAllEqual(parsed['off_screen_audio'], clip.off_screen_audio)
    self.assertTrue(parsed['has_ground_truth'])
    self.assertEqual(parsed['clip_id'], b'clip-0')
    self.assertEqual(parsed['video_path'], b'a/b.mp4')
    self.assertEqual(parsed['label'], 1)
    self.assertAllClose(parsed['start_time'], 2.0)
    self.assertAllClose(parsed['end_time'], 2.0 + 400 / 16000)
    back = records.deserialize_clip(serialized)
    self.assertAllEqual(back.audio, clip.audio)
    self.assertAllEqual(back.frames, clip.frames)
    self.assertEqual((back.clip_id, back.video_path, back.label),
                     ('clip-0', 'a/b.mp4', 1))
    self.assertAllEqual(back.off_screen_audio, clip.off_screen_audio)

  def test_jpeg_round_trip_is_close(self):
    # Smooth frames, as JPEG is meant for.
    ramp = np.linspace(0, 255, 32)
    frame = np.stack(np.broadcast_arrays(
        ramp[:, None], ramp[None, :], 128 + 0 * ramp[None, :]), -1)
    frames = np.repeat(frame[None], 4, 0).round().astype(np.uint8)
    clip = _clip(frame_shape=(4, 32, 32), frame_encoding='jpeg')
    clip.frames = frames
    parsed = records.parse_clip(tf.constant(records.serialize_clip(clip)))
    self.assertEqual(parsed['frames'].shape, (4, 32, 32, 3))
    error = np.abs(parsed['frames'].numpy().astype(float) - frames)
    self.assertLess(error.mean(), 3.0)
    self.assertFalse(parsed['has_ground_truth'])
    self.assertAllEqual(parsed['on_screen_audio'], np.zeros(400))

  def test_frame_step_selects_every_kth_frame(self):
    clip = _clip(frame_shape=(7, 4, 4))
    parsed = records.parse_clip(
        tf.constant(records.serialize_clip(clip)), frame_step=3)
    self.assertAllEqual(parsed['frames'], clip.frames[::3])

  def test_write_and_read_files(self):
    path = os.path.join(self.create_tempdir().full_path, 'clips.tfrecord')
    clips = [_clip(f'c{i}', seed=i, label=(-1, 0, 1)[i]) for i in range(3)]
    self.assertEqual(records.write_clips(path, clips), 3)
    self.assertFalse(os.path.exists(path + '.tmp'))
    read = list(records.read_clips(path))
    self.assertEqual([c.clip_id for c in read], ['c0', 'c1', 'c2'])
    for a, b in zip(read, clips):
      self.assertAllEqual(a.audio, b.audio)
      self.assertAllEqual(a.frames, b.frames)
      self.assertEqual(a.label, b.label)
    dataset = tf.data.TFRecordDataset(path).map(records.parse_clip)
    self.assertEqual([x['clip_id'] for x in dataset.as_numpy_iterator()],
                     [b'c0', b'c1', b'c2'])

  def test_write_is_atomic(self):
    path = os.path.join(self.create_tempdir().full_path, 'clips.tfrecord')
    bad = _clip('bad', label=5)
    with self.assertRaisesRegex(records.RecordError, 'clip_id=bad:.*label'):
      records.write_clips(path, [_clip('good'), bad])
    self.assertFalse(os.path.exists(path))
    self.assertFalse(os.path.exists(path + '.tmp'))

  @parameterized.named_parameters(
      ('dtype', dict(audio=np.zeros(10, np.float64)), 'float32'),
      ('stereo', dict(audio=np.zeros((2, 10), np.float32)), 'mono'),
      ('nan', dict(audio=np.full(10, np.nan, np.float32)), 'NaN'),
      ('frames_dtype', dict(frames=np.zeros((2, 4, 4, 3), np.float32)),
       'uint8'),
      ('frames_shape', dict(frames=np.zeros((2, 4, 4), np.uint8)), 'RGB'),
      ('label', dict(label=3), 'label'),
      ('encoding', dict(frame_encoding='png'), 'frame_encoding'),
      ('ground_truth', dict(on_screen_audio=np.zeros(5, np.float32)),
       'on_screen_audio'),
      ('clip_id', dict(clip_id=''), 'clip_id'))
  def test_serialize_rejects_bad_clips(self, kwargs, pattern):
    with self.assertRaisesRegex(records.RecordError, pattern):
      records.serialize_clip(_clip(**{'clip_id': 'x', **kwargs}))

  @parameterized.named_parameters(
      ('sample_rate', dict(sample_rate=8000), 'sample_rate is 8000'),
      ('num_samples', dict(num_samples=3), 'num_samples is 3'),
      ('num_frames', dict(num_frames=9), 'num_frames is 9'),
      ('frame_height', dict(frame_height=5), 'frames are 5x10'),
      ('label', dict(label=4), 'label is 4'),
      ('encoding', dict(frame_encoding=b'gif'), 'frame_encoding'),
      ('missing_rate', dict(sample_rate=None), 'sample_rate'),
      ('ground_truth', dict(on_screen_audio=b'\0' * 8), 'on_screen_audio'))
  def test_invalid_records_name_the_clip_and_file(self, changes, pattern):
    serialized = _example_with(
        records.serialize_clip(_clip('clip-7')), **changes)
    # Eager Python reader.
    with self.assertRaisesRegex(records.RecordError,
                                'clip_id=clip-7 in shard-3.tfrecord.*' + pattern):
      records.deserialize_clip(serialized, source='shard-3.tfrecord',
                               sample_rate=16000, frame_size=(8, 10))
    # Graph reader, as in tf.data (traced once for all the cases).
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                'clip_id=clip-7 in shard-3.tfrecord.*' + pattern):
      _graph_parse(tf.constant(serialized), tf.constant('shard-3.tfrecord'))

  def test_tf_data_errors_name_the_clip_and_file(self):
    serialized = _example_with(
        records.serialize_clip(_clip('clip-8')), sample_rate=8000)
    dataset = tf.data.Dataset.from_tensors(serialized).map(
        lambda s: records.parse_clip(s, source='shard-4.tfrecord'))
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        'clip_id=clip-8 in shard-4.tfrecord: sample_rate is 8000 but 16000'):
      list(dataset.as_numpy_iterator())

  def test_stored_frame_rate_is_checked(self):
    serialized = records.serialize_clip(_clip('r', frame_rate=25.0))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError,
                                'clip_id=r:.*frame_rate is 25'):
      records.parse_clip(tf.constant(serialized), frame_rate=16.0)
    with self.assertRaisesRegex(records.RecordError, 'clip_id=r:.*frame_rate is 25'):
      records.deserialize_clip(serialized, frame_rate=16.0)

  def test_read_clips_names_the_file(self):
    directory = self.create_tempdir().full_path
    path = os.path.join(directory, 'bad.tfrecord')
    with tf.io.TFRecordWriter(path) as writer:
      writer.write(_example_with(records.serialize_clip(_clip('z')),
                                 num_samples=1))
    with self.assertRaisesRegex(records.RecordError,
                                'clip_id=z in .*bad.tfrecord.*num_samples'):
      list(records.read_clips(path))
    with self.assertRaisesRegex(FileNotFoundError, 'make_synthetic'):
      list(records.read_clips(os.path.join(directory, 'none-*.tfrecord')))


if __name__ == '__main__':
  tf.test.main()
