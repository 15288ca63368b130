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
"""Own videos -> clip lists -> records -> the own_videos.gin pipelines."""

import collections
import json
import math
import os

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import clip_lists
from audioscope.data import pipeline
from audioscope.data import testing
from audioscope.data import video_io
from audioscope.training import train_lib
from data_recipes import make_clip_lists_lib
from data_recipes import make_yfcc_tfrecords_lib

CLIP_SECONDS = 1.0
FRAME_SIZE = (32, 32)
# name: seconds (None: not a good video; see _write_videos).
_GOOD = {'a.mp4': 3.2, 'sub/deeper/b.MP4': 2.0}
_SKIPPED = {'c.mp4': 'too_short', 'mute.mp4': 'no_audio',
            'audio_only.mp4': 'no_video', 'broken.mp4': 'corrupt'}


def _write_videos(root):
  os.makedirs(os.path.join(root, 'sub', 'deeper'))
  for (name, seconds), tone_hz in zip(_GOOD.items(), (440.0, 1000.0)):
    testing.make_test_video(os.path.join(root, name), duration=seconds,
                            frame_rate=16.0, size=(32, 48),
                            sample_rate=16000, num_channels=1,
                            tone_hz=tone_hz)
  testing.make_test_video(os.path.join(root, 'c.mp4'), duration=0.6)
  testing.make_test_video(os.path.join(root, 'mute.mp4'), duration=2.0,
                          with_audio=False)
  testing.make_test_video(os.path.join(root, 'audio_only.mp4'),
                          duration=2.0, with_video=False)
  testing.write_text_file(os.path.join(root, 'broken.mp4'))
  testing.write_text_file(os.path.join(root, 'notes.txt'))  # Not a video.


class ClipWindowsTest(parameterized.TestCase):

  @parameterized.named_parameters(
      ('back_to_back', 10.0, 5.0, 5.0, None, [(0.0, 5.0), (5.0, 10.0)]),
      ('tail_dropped', 12.3, 5.0, 5.0, None, [(0.0, 5.0), (5.0, 10.0)]),
      ('overlapping', 12.3, 5.0, 2.5, None,
       [(0.0, 5.0), (2.5, 7.5), (5.0, 10.0)]),
      ('shorter_than_a_clip', 4.99, 5.0, 5.0, None, []),
      ('rounding_slack', 4.9995, 5.0, 5.0, None, [(0.0, 5.0)]),
      ('at_most', 30.0, 5.0, 5.0, 2, [(0.0, 5.0), (5.0, 10.0)]),
      ('tenths', 0.35, 0.1, 0.1, None, [(0.0, 0.1), (0.1, 0.2), (0.2, 0.3)]))
  def test_windows(self, duration, clip, hop, max_clips, expected):
    windows = make_clip_lists_lib.clip_windows(duration, clip, hop, max_clips)
    self.assertEqual(windows, expected)

  @parameterized.parameters((7.3, 1.0, 0.5), (60.0, 5.0, 5.0), (9.0, 2.0, 3.0))
  def test_count_and_coverage(self, duration, clip, hop):
    windows = make_clip_lists_lib.clip_windows(duration, clip, hop)
    self.assertLen(windows, math.floor((duration - clip) / hop) + 1)
    for start, end in windows:
      self.assertAlmostEqual(end - start, clip)
      self.assertLessEqual(end, duration)
    self.assertGreater(windows[-1][1] + hop, duration)


class SplitTest(parameterized.TestCase):

  def test_fractions_and_stability(self):
    paths = [f'videos/{i:05d}.mp4' for i in range(4000)]
    splits = [make_clip_lists_lib.split_of(p, (0.7, 0.2, 0.1)) for p in paths]
    counts = collections.Counter(splits)
    for split, fraction in zip(make_clip_lists_lib.SPLITS, (0.7, 0.2, 0.1)):
      self.assertAlmostEqual(counts[split] / len(paths), fraction, delta=0.025)
    # A pure function of the path: other videos do not move it.
    self.assertEqual(
        splits[:10],
        [make_clip_lists_lib.split_of(p, (0.7, 0.2, 0.1)) for p in paths[:10]])

  @parameterized.parameters(((1.0, 0.0, 0.0), 'train'),
                            ((0.0, 1.0, 0.0), 'validate'),
                            ((0.0, 0.0, 1.0), 'test'))
  def test_one_split(self, fractions, expected):
    for i in range(200):
      self.assertEqual(make_clip_lists_lib.split_of(f'{i}.mp4', fractions),
                       expected)

  @parameterized.named_parameters(
      ('clip', dict(clip_seconds=0.0), 'clip_seconds'),
      ('hop', dict(hop_seconds=-1.0), 'hop_seconds'),
      ('sum', dict(split_fractions=(0.5, 0.2, 0.2)), 'summing to 1'),
      ('negative', dict(split_fractions=(1.2, -0.2, 0.0)), 'non-negative'),
      ('count', dict(split_fractions=(0.5, 0.5)), 'train, validate'),
      ('max_clips', dict(max_clips_per_video=0), 'max_clips_per_video'))
  def test_bad_options(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, message):
      make_clip_lists_lib.ListOptions(**kwargs)


class MakeClipListsTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.video_root = os.path.join(
        tf.compat.v1.test.get_temp_dir(), 'my_videos')
    _write_videos(cls.video_root)

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _make(self, fractions=(1.0, 0.0, 0.0), **kwargs):
    output_dir = self.create_tempdir().full_path
    options = make_clip_lists_lib.ListOptions(
        clip_seconds=CLIP_SECONDS, split_fractions=fractions, **kwargs)
    report = make_clip_lists_lib.make_clip_lists(
        self.video_root, output_dir, name='mine', options=options)
    return output_dir, report

  def test_lists_and_report(self):
    output_dir, report = self._make()
    self.assertEqual(
        make_clip_lists_lib.find_videos(self.video_root),
        sorted(list(_GOOD) + list(_SKIPPED)))
    rows = clip_lists.read_clip_list(
        os.path.join(output_dir, 'mine_train_clips.csv'))
    # 3.2 s -> 3 clips of 1 s, 2.0 s -> 2; paths relative to the root.
    self.assertEqual(
        [(r.video_path, r.start, r.end) for r in rows],
        [('a.mp4', 0.0, 1.0), ('a.mp4', 1.0, 2.0), ('a.mp4', 2.0, 3.0),
         ('sub/deeper/b.MP4', 0.0, 1.0), ('sub/deeper/b.MP4', 1.0, 2.0)])
    self.assertEqual(sorted(os.listdir(output_dir)),
                     ['mine_clip_lists.report.json', 'mine_train_clips.csv'])
    with open(os.path.join(output_dir,
                           'mine_clip_lists.report.json')) as f:
      self.assertEqual(json.load(f), report)
    self.assertEqual((report['videos'], report['videos_used'],
                      report['skipped']), (6, 2, 4))
    self.assertEqual({e['video_path']: e['reason']
                      for e in report['skipped_videos']}, _SKIPPED)
    self.assertEqual(report['skipped_by_reason'],
                     {'corrupt': 1, 'no_audio': 1, 'no_video': 1,
                      'unknown_duration': 0, 'too_short': 1})
    self.assertEqual(report['clips_per_split'],
                     {'train': 5, 'validate': 0, 'test': 0})
    self.assertEqual(report['seconds_per_split']['train'], 5.0)
    self.assertEqual(report['empty_splits'], [])

  def test_whole_videos_go_to_their_hash_split(self):
    _, report = self._make(fractions=(0.5, 0.25, 0.25), hop_seconds=0.5)
    by_video = collections.defaultdict(set)
    clips = 0
    for split, path in report['lists'].items():
      for row in clip_lists.read_clip_list(path):
        by_video[row.video_path].add(split)
        clips += 1
    self.assertEqual(
        dict(by_video),
        {v: {make_clip_lists_lib.split_of(v, (0.5, 0.25, 0.25))}
         for v in _GOOD})
    # Hop 0.5 s: 5 clips of the 3.2 s video, 3 of the 2 s one.
    self.assertEqual(clips, 8)
    self.assertEqual(sum(report['clips_per_split'].values()), 8)
    empty = [s for s in make_clip_lists_lib.SPLITS
             if s not in {x for splits in by_video.values() for x in splits}]
    self.assertEqual(report['empty_splits'], empty)

  def test_rerun_removes_stale_lists(self):
    output_dir, _ = self._make(fractions=(0.0, 1.0, 0.0))
    self.assertTrue(os.path.exists(
        os.path.join(output_dir, 'mine_validate_clips.csv')))
    make_clip_lists_lib.make_clip_lists(
        self.video_root, output_dir, name='mine',
        options=make_clip_lists_lib.ListOptions(
            clip_seconds=CLIP_SECONDS, split_fractions=(1.0, 0.0, 0.0),
            max_clips_per_video=1))
    self.assertFalse(os.path.exists(
        os.path.join(output_dir, 'mine_validate_clips.csv')))
    rows = clip_lists.read_clip_list(
        os.path.join(output_dir, 'mine_train_clips.csv'))
    self.assertEqual([(r.video_path, r.start) for r in rows],
                     [('a.mp4', 0.0), ('sub/deeper/b.MP4', 0.0)])

  def test_bad_folders(self):
    output_dir = self.create_tempdir().full_path
    with self.assertRaisesRegex(FileNotFoundError, 'not a folder'):
      make_clip_lists_lib.make_clip_lists(
          os.path.join(self.video_root, 'nope'), output_dir)
    with self.assertRaisesRegex(ValueError, 'remote.*gcsfuse'):
      make_clip_lists_lib.make_clip_lists('gs://bucket/videos', output_dir)
    empty = self.create_tempdir().full_path
    with self.assertRaisesRegex(ValueError, 'No videos below'):
      make_clip_lists_lib.make_clip_lists(empty, output_dir)
    with self.assertRaisesRegex(
        ValueError, r"None of the 6 videos .* 'too_short': 3"):
      make_clip_lists_lib.make_clip_lists(
          self.video_root, output_dir,
          options=make_clip_lists_lib.ListOptions(clip_seconds=4.0))
    with self.assertRaisesRegex(ValueError, 'file name prefix'):
      make_clip_lists_lib.make_clip_lists(self.video_root, output_dir,
                                          name='a/b')
    self.assertEqual(os.listdir(output_dir), [])

  def test_records_and_own_videos_gin(self):
    lists_dir, report = self._make()
    records_dir = self.create_tempdir().full_path
    train_list = report['lists']['train']
    made = make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        train_list, self.video_root, records_dir, frame_size=FRAME_SIZE)
    self.assertEqual((made['written'], made['skipped'], made['label']),
                     (5, 0, -1))
    # The validate split of this tiny folder is empty (every video went to
    # train): the same clips stand in for it, to exercise the binding.
    make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        train_list, self.video_root, records_dir, frame_size=FRAME_SIZE,
        prefix='mine_validate_clips')
    params = [f"RECORDS_DIR = '{records_dir}'", "LIST_NAME = 'mine'",
              f'CLIP_SECONDS = {CLIP_SECONDS}', f'FRAME_SIZE = {FRAME_SIZE}']

    # AudioScopeV2's NOn pipeline reads the train records, unlabelled.
    gin_utils.parse_gin(['papers/audioscope_v2/separable_sa_16fps.gin',
                         'test/tiny_audioscope.gin', 'datasets/own_videos.gin'],
                        params)
    dataset_fn = gin.query_parameter('train.dataset_fn').scoped_configurable_fn
    batch = next(iter(dataset_fn(global_batch_size=2, seed=0)))
    self.assertEqual(batch['frames'].shape, (2, 16) + FRAME_SIZE + (3,))
    self.assertAllEqual(batch['labels'], [-1, -1])

    # Separator MixIT on the clips, validated on the validate records.
    gin.clear_config()
    model_dir = self.create_tempdir().full_path
    gin_utils.parse_gin(
        ['training/separator_pretraining.gin', 'test/tiny_audioscope.gin',
         'datasets/own_videos.gin'],
        params + ['train.num_steps = 2', 'train.steps_per_eval = 2',
                  'train.steps_per_checkpoint = 2', 'train.steps_per_loop = 2',
                  'SeparatorPretrainingTask.eval_num_batches = 1'],
        model_dir=model_dir)
    dataset_fn = gin.query_parameter('train.dataset_fn').scoped_configurable_fn
    batch = next(iter(dataset_fn(global_batch_size=2, seed=0)))
    samples = int(CLIP_SECONDS * 16000)
    self.assertEqual(batch['reference_mixtures'].shape, (2, 2, samples))
    clip_audio = {}
    for row in clip_lists.read_clip_list(train_list):
      clip = video_io.read_video(os.path.join(self.video_root, row.video_path),
                                 frame_size=FRAME_SIZE, start=row.start,
                                 end=row.end)
      clip_audio[row.clip_id] = clip.audio
    # Every reference is one clip of the list, decoded by PyAV; the MoM is
    # their sum.
    for example in range(2):
      for reference in batch['reference_mixtures'][example].numpy():
        errors = [np.max(np.abs(reference - audio))
                  for audio in clip_audio.values()]
        self.assertLess(min(errors), 1e-4)
      self.assertAllClose(batch['audio'][example],
                          np.sum(batch['reference_mixtures'][example], 0))
    train_lib.train(model_dir=model_dir)
    best = train_lib.read_best(model_dir)
    self.assertEqual(best['step'], 2)
    self.assertTrue(math.isfinite(best['metrics']['mixit_snr']))

    # A missing validate list names the recipe to run.
    gin.clear_config()
    gin_utils.parse_gin(['datasets/own_videos.gin'],
                        [f"RECORDS_DIR = '{lists_dir}'"])
    with gin.config_scope('validation'):
      with self.assertRaisesRegex(
          FileNotFoundError,
          'own_validate_clips.csv .*audioscope_make_yfcc_tfrecords'):
        pipeline.own_records()


if __name__ == '__main__':
  tf.test.main()
