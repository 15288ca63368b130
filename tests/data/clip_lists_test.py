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
"""Tests for audioscope.data.clip_lists (the published CSV formats)."""

import os

from absl.testing import parameterized
import tensorflow as tf

from audioscope.data import clip_lists

_PATH = 'data/videos/mp4/827/f6b/827f6b53467db2d5218ed8247418c4c.mp4'


class ClipListsTest(parameterized.TestCase, tf.test.TestCase):

  def _write(self, name, text):
    path = os.path.join(self.create_tempdir().full_path, name)
    with open(path, 'w') as f:
      f.write(text)
    return path

  @parameterized.named_parameters(
      ('no_header', ''), ('header', 'video_path,start,end\n'))
  def test_clip_list_with_and_without_header(self, header):
    path = self._write('clips.csv', header + f'{_PATH},10.0,15.0\n\n'
                       'a/b.mp4, 0 ,5.5\n')
    rows = clip_lists.read_clip_list(path)
    self.assertLen(rows, 2)
    self.assertEqual(rows[0].video_path, _PATH)
    self.assertEqual((rows[0].start, rows[0].end), (10.0, 15.0))
    self.assertIsNone(rows[0].offset)
    self.assertEqual(rows[1].line, 4 if header else 3)
    self.assertAllClose(rows[1].duration, 5.5)
    self.assertEqual(rows[0].clip_id, f'{_PATH}:10.000-15.000')

  def test_mixit_list_with_offset(self):
    path = self._write('train.csv', 'a.mp4,0.0,7.5,1.25\nb.mp4,3,13,0\n')
    rows = clip_lists.read_clip_list(path)
    self.assertEqual(rows[0].offset, 1.25)
    self.assertEqual(rows[1].offset, 0.0)

  def test_mom_list(self):
    path = self._write('moms.csv', 'a.mp4,0,5,b.mp4,10,15\n'
                       'c.mp4,1.5,6.5,d.mp4,2,7\n')
    rows = clip_lists.read_mom_list(path)
    self.assertLen(rows, 2)
    self.assertEqual(rows[1].clip1.video_path, 'c.mp4')
    self.assertEqual((rows[1].clip2.start, rows[1].clip2.end), (2.0, 7.0))
    self.assertTrue(clip_lists.is_mom_list(path))
    eight = self._write('moms8.csv', 'a.mp4,0,5,2.5,b.mp4,10,15,0\n')
    row = clip_lists.read_mom_list(eight)[0]
    self.assertEqual((row.clip1.offset, row.clip2.offset), (2.5, 0.0))

  @parameterized.named_parameters(
      ('columns', 'a.mp4,1\n', r'x.csv:1: expected 3 columns'),
      ('number', 'a.mp4,0,5\na.mp4,zero,5\n', r'x.csv:2: start time'),
      ('order', 'a.mp4,5,5\n', r'x.csv:1: end time 5.0 is not after'),
      ('negative', 'a.mp4,-1,5\n', r'negative'),
      ('nan', 'a.mp4,0,nan\n', r'finite'),
      ('empty_path', ',0,5\n', r'video path is empty'),
      ('empty_file', '\n\n', r'no rows'))
  def test_errors_name_file_and_line(self, text, message):
    path = self._write('x.csv', text)
    with self.assertRaisesRegex(clip_lists.ClipListError, message):
      clip_lists.read_clip_list(path)

  def test_missing_file(self):
    with self.assertRaisesRegex(FileNotFoundError, 'gcloud storage cp'):
      clip_lists.read_clip_list('/nonexistent/list.csv')

  def test_mom_row_with_wrong_columns(self):
    path = self._write('m.csv', 'a.mp4,0,5,b.mp4,0\n')
    with self.assertRaisesRegex(clip_lists.ClipListError, 'm.csv:1: a MoM'):
      clip_lists.read_mom_list(path)

  def test_round_trip(self):
    rows = [clip_lists.ClipRow('a.mp4', 0.0, 5.0),
            clip_lists.ClipRow('b c.mp4', 1.25, 6.25)]
    path = os.path.join(self.create_tempdir().full_path, 'out.csv')
    clip_lists.write_clip_list(path, rows, header=True)
    back = clip_lists.read_clip_list(path)
    self.assertEqual([(r.video_path, r.start, r.end) for r in back],
                     [(r.video_path, r.start, r.end) for r in rows])
    moms = [clip_lists.MomRow(rows[0], rows[1])]
    mom_path = os.path.join(self.create_tempdir().full_path, 'mom.csv')
    clip_lists.write_mom_list(mom_path, moms)
    self.assertEqual(clip_lists.read_mom_list(mom_path)[0].fields(),
                     moms[0].fields())

  def test_published_folder_layout(self):
    parent = self.create_tempdir().full_path
    folder = os.path.join(parent, 'audioscope_v2_yfcc100m_clip_lists')
    os.makedirs(folder)
    names = [
        'unfiltered_train_clips.csv',
        'unfiltered_test_onscreen_unanimous_clips.csv',
        'unfiltered_test_offscreen_unanimous_clips.csv',
        'unfiltered_test_onscreen_unanimous_plus_random_unfiltered_'
        'mom_clips.csv',
        'unfiltered_test_offscreen_unanimous_plus_random_unfiltered_'
        'mom_clips.csv',
        'filtered_validate_onscreen_unanimous_plus_offscreen_unanimous_'
        'mom_clips.csv',
    ]
    for name in names:
      with open(os.path.join(folder, name), 'w') as f:
        f.write('a.mp4,0,5\n')
    found = clip_lists.find_published_lists(parent)
    self.assertLen(found, 6)
    train = found['unfiltered_train_clips.csv']
    self.assertEqual((train.collection, train.split, train.label,
                      train.is_mom), ('audioscope_v2', 'train', -1, False))
    on = found['unfiltered_test_onscreen_unanimous_clips.csv']
    self.assertEqual((on.split, on.label, on.is_mom), ('test', 1, False))
    mom_off = found[names[4]]
    self.assertEqual((mom_off.label, mom_off.is_mom), (0, True))
    v1 = found[names[5]]
    self.assertEqual((v1.collection, v1.split, v1.label, v1.is_mom),
                     ('audioscope_v1', 'validate', 1, True))
    test_moms = clip_lists.select_lists(folder, 'test', is_mom=True)
    self.assertEqual(sorted(e.label for e in test_moms), [0, 1])
    with self.assertRaisesRegex(FileNotFoundError, 'not a folder'):
      clip_lists.find_published_lists(os.path.join(parent, 'nope'))

  @parameterized.named_parameters(
      ('on', 'my_onscreen_list.csv', 1), ('off', 'offscreen.csv', 0),
      ('none', 'unfiltered_train_clips.csv', -1),
      ('mom_off_first', 'x_offscreen_unanimous_plus_offscreen_mom.csv', 0))
  def test_label_from_name(self, name, label):
    self.assertEqual(clip_lists.label_from_name(name), label)


if __name__ == '__main__':
  tf.test.main()
