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
"""Tests of the per-element logic of the Beam YFCC path (no Beam needed).

The Beam pipeline itself (DirectRunner, end to end) is tested in
yfcc_beam_pipeline_test.py, which needs `pip install 'audioscope[beam]'`.
"""

import os
import types
from unittest import mock

from absl.testing import parameterized
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import records
from audioscope.data import testing
from data_recipes import make_yfcc_tfrecords_lib
from data_recipes import yfcc_beam


class YfccBeamFunctionsTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path

  def test_without_beam_the_error_says_how_to_install_it(self):
    with mock.patch.object(yfcc_beam, 'beam', None):
      with self.assertRaisesRegex(ImportError,
                                  r"pip install 'audioscope\[beam\]'"):
        yfcc_beam.require_beam()
      with self.assertRaisesRegex(ImportError, r'--runner=local'):
        yfcc_beam.run(['x.csv'], self.root, self.root)
    # The module itself imports with or without Beam.
    self.assertIsInstance(yfcc_beam, types.ModuleType)

  def test_iter_rows_streams_the_list_with_line_numbers(self):
    path = os.path.join(self.root, 'l.csv')
    with open(path, 'w') as f:
      f.write('video path,start,end\n'
              'a.mp4,0.0,5.0\n'
              '\n'
              'b.mp4,1.0,6.0\n'
              'c.mp4,2.0,7.0\n')
    rows = yfcc_beam.iter_rows(path)
    self.assertNotIsInstance(rows, list)
    self.assertEqual([(r.video_path, r.start, r.line) for r in rows],
                     [('a.mp4', 0.0, 2), ('b.mp4', 1.0, 4),
                      ('c.mp4', 2.0, 5)])
    self.assertEqual([r.line for r in yfcc_beam.iter_rows(path, 2)], [2, 4])
    self.assertEqual(yfcc_beam.count_rows(path), 3)
    self.assertEqual(yfcc_beam.count_rows(path, max_rows=1), 1)
    self.assertEqual(list(yfcc_beam.iter_rows(path)),
                     clip_lists.read_clip_list(path))
    with self.assertRaisesRegex(ValueError, 'max_rows'):
      yfcc_beam.iter_rows(path, 0)
    with open(path, 'a') as f:
      f.write('d.mp4,9.0,8.0\n')
    with self.assertRaisesRegex(clip_lists.ClipListError, 'l.csv:6'):
      yfcc_beam.count_rows(path)

  @parameterized.named_parameters(
      ('explicit', 10, 256, 3, 3),
      ('per_rows', 10, 4, 0, 3),
      ('exact', 8, 4, 0, 2),
      ('at_least_one', 0, 4, 0, 1),
      ('runner_chooses', 10, None, 0, 0))
  def test_num_shards_for(self, rows, rows_per_shard, num_shards, expected):
    self.assertEqual(
        yfcc_beam.num_shards_for(rows, rows_per_shard, num_shards), expected)

  def test_num_shards_for_bad_arguments(self):
    with self.assertRaisesRegex(ValueError, 'num_shards'):
      yfcc_beam.num_shards_for(10, 4, -1)
    with self.assertRaisesRegex(ValueError, 'rows_per_shard'):
      yfcc_beam.num_shards_for(10, 0, 0)

  def test_process_element_calls_the_local_per_clip_function(self):
    videos = testing.make_yfcc_like_videos(self.root, duration=1.0)
    options = make_yfcc_tfrecords_lib.ClipOptions(
        frame_size=(16, 16), frame_encoding='raw', label=1)
    good = clip_lists.ClipRow(videos['b'], 0.0, 0.5, line=4)
    tag, value, counters = yfcc_beam.process_element(good, self.root, options,
                                                     'l.csv')
    self.assertEqual(tag, yfcc_beam.WRITTEN)
    self.assertEqual(counters, ['rows', 'written'])
    local = make_yfcc_tfrecords_lib.process_clip(good, self.root, options,
                                                 'l.csv')
    self.assertEqual(value, local.serialized)
    clip = records.deserialize_clip(value)
    self.assertEqual((clip.label, clip.audio.shape, clip.frames.shape),
                     (1, (8000,), (8, 16, 16, 3)))

    with mock.patch.object(make_yfcc_tfrecords_lib, 'process_clip',
                           wraps=make_yfcc_tfrecords_lib.process_clip) as spy:
      for path, reason in (('gone.mp4', 'missing'),
                           (videos['text'], 'corrupt')):
        row = clip_lists.ClipRow(path, 0.0, 0.5, line=9)
        tag, entry, counters = yfcc_beam.process_element(row, self.root,
                                                         options, 'l.csv')
        self.assertEqual(tag, yfcc_beam.SKIPPED)
        self.assertEqual((entry['reason'], entry['line'], entry['list']),
                         (reason, 9, 'l.csv'))
        self.assertNotEmpty(entry['message'])
        self.assertEqual(counters, ['rows', 'skipped', f'skipped_{reason}'])
      self.assertEqual(spy.call_count, 2)

  def test_process_video_copies_a_remote_video_once(self):
    videos = testing.make_yfcc_like_videos(self.root, duration=1.0)
    remote_root = 'ram://yfcc_beam_test'
    remote = f'{remote_root}/{videos["b"]}'
    tf.io.gfile.makedirs(os.path.dirname(remote))
    tf.io.gfile.copy(os.path.join(self.root, videos['b']), remote,
                     overwrite=True)
    options = make_yfcc_tfrecords_lib.ClipOptions(frame_size=(16, 16),
                                                  frame_encoding='raw')
    rows = [clip_lists.ClipRow(videos['b'], 0.5, 1.0, line=8),
            clip_lists.ClipRow(videos['b'], 0.0, 0.5, line=3),
            clip_lists.ClipRow(videos['b'], 0.5, 3.0, line=5)]
    self.assertEqual(yfcc_beam.video_key(rows[0]), (videos['b'], rows[0]))
    with mock.patch.object(
        make_yfcc_tfrecords_lib.tf.io.gfile, 'copy',
        wraps=make_yfcc_tfrecords_lib.tf.io.gfile.copy) as copy:
      results = list(yfcc_beam.process_video(videos['b'], rows, remote_root,
                                             options, 'l.csv'))
    self.assertEqual(copy.call_count, 1)
    self.assertEqual([(tag, counters[-1]) for tag, _, counters in results],
                     [('written', 'written'), ('skipped',
                                               'skipped_out_of_range'),
                      ('written', 'written')])
    self.assertEqual(results[1][1]['line'], 5)
    # The same bytes as from the local copy, row by row (in line order).
    for (_, value, _), row in zip(results[::2], (rows[1], rows[0])):
      local = make_yfcc_tfrecords_lib.process_clip(row, self.root, options)
      self.assertEqual(value, local.serialized)
      self.assertEqual(records.deserialize_clip(value).video_path,
                       videos['b'])
    # A missing remote video skips all its rows.
    gone = list(yfcc_beam.process_video('gone.mp4', rows[:2], remote_root,
                                        options, 'l.csv'))
    self.assertEqual([(v['line'], v['reason']) for _, v, _ in gone],
                     [(3, 'missing'), (8, 'missing')])
    self.assertIn('ram://yfcc_beam_test/gone.mp4', gone[0][1]['message'])

  def test_route_and_counter_names(self):
    ok = make_yfcc_tfrecords_lib.ClipResult(serialized=b'x')
    bad = make_yfcc_tfrecords_lib.ClipResult(
        skipped={'reason': 'out_of_range', 'line': 3})
    self.assertEqual(yfcc_beam.route(ok), ('written', b'x'))
    self.assertEqual(yfcc_beam.route(bad), ('skipped', bad.skipped))
    self.assertEqual(yfcc_beam.counter_names(bad),
                     ['rows', 'skipped', 'skipped_out_of_range'])

  def test_report_has_the_local_format(self):
    skipped = [
        {'reason': 'corrupt', 'message': 'm', 'line': 5},
        {'reason': 'missing', 'message': 'm', 'line': 2},
        {'reason': 'missing', 'message': 'm', 'line': 9},
    ]
    path = os.path.join(self.root, 'x.report.json')
    self.assertEqual(
        yfcc_beam.write_report(path, 4, skipped, 2, {'list': 'x.csv'}), path)
    report = yfcc_beam.build_report(4, skipped, 2, {'list': 'x.csv'})
    self.assertEqual((report['rows'], report['written'], report['skipped'],
                      report['shards'], report['list']),
                     (7, 4, 3, 2, 'x.csv'))
    self.assertEqual(report['skipped_by_reason']['missing'], 2)
    self.assertEqual(report['skipped_by_reason']['corrupt'], 1)
    self.assertEqual(set(report['skipped_by_reason']),
                     set(make_yfcc_tfrecords_lib.SKIP_REASONS))
    self.assertEqual([e['line'] for e in report['skipped_rows']], [2, 5, 9])
    local = make_yfcc_tfrecords_lib.make_report(
        {'summaries': [{'rows': 7, 'written': 4, 'skipped': skipped}],
         'shards_run': 2, 'shards_already_done': 0}, {'list': 'x.csv'})
    self.assertEqual(set(report), set(local))
    with open(path) as f:
      self.assertIn('"written": 4', f.read())

  def test_names(self):
    self.assertEqual(yfcc_beam.list_prefix('/a/b/unfiltered_test_clips.csv'),
                     'unfiltered_test_clips')
    self.assertEqual(yfcc_beam.list_prefix('/a/b/x.csv', 'p'), 'p')
    self.assertEqual(yfcc_beam.report_path_for('/o', 'p'),
                     '/o/p.report.json')


if __name__ == '__main__':
  tf.test.main()
