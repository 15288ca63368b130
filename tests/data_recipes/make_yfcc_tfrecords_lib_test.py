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
"""End-to-end tests of the YFCC100M clip-list -> TFRecord recipe."""

import glob
import json
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import records
from audioscope.data import testing
from audioscope.data import video_io
from data_recipes import make_yfcc_tfrecords_lib


class MakeYfccTfrecordsTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path
    self.videos = testing.make_yfcc_like_videos(self.root)
    self.options = make_yfcc_tfrecords_lib.ClipOptions(
        frame_size=(32, 32), frame_encoding='raw')

  def test_process_clip_shared_by_local_and_beam_paths(self):
    row = clip_lists.ClipRow(self.videos['a'], 0.5, 1.5, line=7)
    result = make_yfcc_tfrecords_lib.process_clip(row, self.root,
                                                  self.options)
    self.assertIsNone(result.skipped)
    clip = records.deserialize_clip(result.serialized)
    expected = video_io.read_video(
        os.path.join(self.root, self.videos['a']), frame_size=(32, 32),
        start=0.5, end=1.5)
    self.assertAllEqual(clip.audio, expected.audio)
    self.assertAllEqual(clip.frames, expected.frames)
    self.assertEqual(clip.clip_id, row.clip_id)
    self.assertEqual(clip.video_path, self.videos['a'])
    self.assertAllClose([clip.start_time, clip.end_time], [0.5, 1.5])

    missing = make_yfcc_tfrecords_lib.process_clip(
        clip_lists.ClipRow('nope.mp4', 0.0, 1.0, line=3), self.root,
        self.options)
    self.assertIsNone(missing.serialized)
    self.assertEqual(missing.skipped['reason'], 'missing')
    self.assertEqual(missing.skipped['line'], 3)

  def test_recipe_end_to_end_with_bad_rows_and_resume(self):
    list_path = os.path.join(self.root, 'unfiltered_test_onscreen_'
                             'unanimous_clips.csv')
    with open(list_path, 'w') as f:
      f.write(f'{self.videos["a"]},0.0,1.0\n'              # line 1: ok
              f'data/videos/mp4/fff/fff/missing.mp4,0,1\n'  # 2: missing
              f'{self.videos["b"]},0.5,1.5\n'              # 3: ok
              f'{self.videos["a"]},1.5,4.5\n'              # 4: past the end
              f'{self.videos["text"]},0,1\n'               # 5: not a video
              f'{self.videos["b"]},1.0,2.0\n')             # 6: ok
    output_dir = os.path.join(self.root, 'out')
    report = make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        list_path, self.root, output_dir, rows_per_shard=2, num_workers=2,
        start_method='forkserver', frame_size=(32, 32), frame_encoding='raw')
    self.assertEqual(report['rows'], 6)
    self.assertEqual(report['written'], 3)
    self.assertEqual(report['skipped'], 3)
    self.assertEqual(report['shards'], 3)
    self.assertEqual(report['shards_run'], 3)
    self.assertEqual(report['label'], 1)  # From the list name.
    by_reason = report['skipped_by_reason']
    self.assertEqual((by_reason['missing'], by_reason['out_of_range'],
                      by_reason['corrupt']), (1, 1, 1))
    self.assertEqual([(e['line'], e['reason'])
                      for e in report['skipped_rows']],
                     [(2, 'missing'), (4, 'out_of_range'), (5, 'corrupt')])
    with open(os.path.join(output_dir, 'unfiltered_test_onscreen_unanimous_'
                           'clips.report.json')) as f:
      self.assertEqual(json.load(f)['written'], 3)

    files = sorted(glob.glob(os.path.join(output_dir, '*.tfrecord')))
    self.assertLen(files, 3)
    clips = list(records.read_clips(files))
    self.assertLen(clips, 3)
    expected_rows = [(self.videos['a'], 0.0, 1.0), (self.videos['b'], 0.5, 1.5),
                     (self.videos['b'], 1.0, 2.0)]
    for clip, (path, start, end) in zip(clips, expected_rows):
      self.assertEqual(clip.video_path, path)
      self.assertEqual(clip.label, 1)
      self.assertEqual(clip.sample_rate, 16000)
      self.assertEqual(clip.audio.shape, (16000,))
      self.assertEqual(clip.frames.shape, (16, 32, 32, 3))
      expected = video_io.read_video(os.path.join(self.root, path),
                                     frame_size=(32, 32), start=start, end=end)
      self.assertAllEqual(clip.audio, expected.audio)
      self.assertAllEqual(clip.frames, expected.frames)
    # Video b: 1 kHz tone at amplitude 0.5.
    spectrum = np.abs(np.fft.rfft(clips[1].audio))
    self.assertEqual(np.argmax(spectrum), 1000)

    # The same through tf.data and records.parse_clip.
    dataset = tf.data.TFRecordDataset(files).map(records.parse_clip)
    parsed = list(dataset.as_numpy_iterator())
    self.assertLen(parsed, 3)
    self.assertAllEqual(parsed[2]['frames'], clips[2].frames)

    # Resume: a second run finds every shard done and does no work.
    mtimes = [os.path.getmtime(f) for f in files]
    again = make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        list_path, self.root, output_dir, rows_per_shard=2, num_workers=2,
        frame_size=(32, 32), frame_encoding='raw')
    self.assertEqual(again['shards_run'], 0)
    self.assertEqual(again['shards_already_done'], 3)
    self.assertEqual(again['written'], 3)
    self.assertEqual(again['skipped_by_reason'], by_reason)
    self.assertEqual([os.path.getmtime(f) for f in files], mtimes)

    # An interrupted run (one marker lost) redoes only that shard.
    os.remove(files[1] + '.done.json')
    third = make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        list_path, self.root, output_dir, rows_per_shard=2, num_workers=1,
        frame_size=(32, 32), frame_encoding='raw')
    self.assertEqual((third['shards_run'], third['written']), (1, 3))

  def test_remote_video_root(self):
    # ram:// (in-process) stands in for gs://: PyAV reads a local copy.
    remote_root = 'ram://make_yfcc_tfrecords_lib_test'
    remote = f'{remote_root}/{self.videos["a"]}'
    tf.io.gfile.makedirs(os.path.dirname(remote))
    tf.io.gfile.copy(os.path.join(self.root, self.videos['a']), remote,
                     overwrite=True)
    row = clip_lists.ClipRow(self.videos['a'], 0.5, 1.5, line=2)
    from_remote = make_yfcc_tfrecords_lib.process_clip(row, remote_root,
                                                       self.options)
    from_local = make_yfcc_tfrecords_lib.process_clip(row, self.root,
                                                      self.options)
    self.assertIsNone(from_remote.skipped)
    self.assertEqual(from_remote.serialized, from_local.serialized)
    missing = make_yfcc_tfrecords_lib.process_clip(
        clip_lists.ClipRow('x/none.mp4', 0.0, 1.0, line=4), remote_root,
        self.options)
    self.assertEqual(missing.skipped['reason'], 'missing')
    with make_yfcc_tfrecords_lib.local_video(remote) as local:
      self.assertTrue(os.path.exists(local))
      self.assertFalse(make_yfcc_tfrecords_lib.is_remote(local))
    self.assertFalse(os.path.exists(local))
    with make_yfcc_tfrecords_lib.local_video('/a/b.mp4') as local:
      self.assertEqual(local, '/a/b.mp4')

  @parameterized.named_parameters(
      ('auto_off', 'auto', 'x_offscreen_unanimous_clips.csv', 0),
      ('auto_none', 'auto', 'unfiltered_train_clips.csv', -1),
      ('flag', 'on_screen', 'unfiltered_train_clips.csv', 1))
  def test_label_for(self, flag, name, label):
    self.assertEqual(make_yfcc_tfrecords_lib.label_for(flag, name), label)

  def test_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, 'label must be'):
      make_yfcc_tfrecords_lib.label_for('maybe', 'x.csv')
    with self.assertRaisesRegex(ValueError, 'frame_encoding'):
      make_yfcc_tfrecords_lib.ClipOptions(frame_encoding='png')
    list_path = os.path.join(self.root, 'l.csv')
    with open(list_path, 'w') as f:
      f.write('a.mp4,0,1\n')
    with self.assertRaisesRegex(FileNotFoundError, 'video_root'):
      make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
          list_path, os.path.join(self.root, 'none'), self.root)


if __name__ == '__main__':
  tf.test.main()
