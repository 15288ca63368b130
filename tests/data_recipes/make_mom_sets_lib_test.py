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
"""Tests of the MoM evaluation-set recipe."""

import glob
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import records
from audioscope.data import testing
from audioscope.data import video_io
from data_recipes import make_mom_sets_lib


class MakeMomSetsTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('on', 'onscreen', 1), ('off', 'offscreen', 0))
  def test_mom_is_sum_with_frames_of_clip1(self, kind, label):
    root = self.create_tempdir().full_path
    a = testing.make_test_video(os.path.join(root, 'a.mp4'), duration=1.5,
                                tone_hz=440.0)
    b = testing.make_test_video(os.path.join(root, 'b.mp4'), duration=1.5,
                                size=(32, 48), step=2, tone_hz=1000.0)
    mom_list = os.path.join(
        root, f'unfiltered_test_{kind}_unanimous_plus_random_mom_clips.csv')
    with open(mom_list, 'w') as f:
      f.write('a.mp4,0.0,1.0,b.mp4,0.5,1.5\nmissing.mp4,0,1,b.mp4,0,1\n')
    out = os.path.join(root, 'out')
    report = make_mom_sets_lib.make_mom_sets(
        mom_list, root, out, frame_size=(32, 32), frame_encoding='raw')
    self.assertEqual((report['written'], report['skipped']), (1, 1))
    self.assertEqual(report['skipped_rows'][0]['reason'], 'missing')
    clip, = records.read_clips(glob.glob(os.path.join(out, '*.tfrecord')))
    first = video_io.read_video(a.path, frame_size=(32, 32), start=0.0,
                                end=1.0)
    second = video_io.read_video(b.path, frame_size=(32, 32), start=0.5,
                                 end=1.5)
    self.assertAllEqual(clip.audio, first.audio + second.audio)
    self.assertAllEqual(clip.frames, first.frames)
    self.assertEqual(clip.label, label)
    expected_on = first.audio if label == 1 else np.zeros_like(first.audio)
    self.assertAllEqual(clip.on_screen_audio, expected_on)
    self.assertAllClose(clip.on_screen_audio + clip.off_screen_audio,
                        clip.audio)


if __name__ == '__main__':
  tf.test.main()
