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
"""The YFCC and MoM recipe binaries, end to end, read back by the pipelines.

Tiny MP4s (moving square + tone, PyAV) are listed in clip and pair CSVs with
bad rows (a missing file, a clip past the video's end, a file that is not a
video); the binaries `make_yfcc_tfrecords` and `make_mom_sets` run as
subprocesses (their absl flags would clash in one process) and the output is
read through `audioscope.data.pipeline`: NOn training batches, audio-only
MoMs, single-mixture evaluation of the MoM records and the on-the-fly
evaluation MoMs of `mom_eval_dataset`, which must agree with them.
"""

import glob
import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from audioscope.data import pipeline
from audioscope.data import records
from audioscope.data import testing
from audioscope.data import video_io

_SIZE = (32, 32)
_KW = dict(frame_size=_SIZE, clip_seconds=1.0)
_UNLABELLED = 'unfiltered_test_clips'
_ON_SCREEN = 'unfiltered_test_onscreen_unanimous_clips'
_MOMS = 'unfiltered_test_onscreen_unanimous_plus_random_unfiltered_mom_clips'


def _run_binary(module, args):
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  done = subprocess.run([sys.executable, '-m', module, *args],
                        capture_output=True, text=True, env=env,
                        timeout=300, check=False)
  return done


class RecipesEndToEndTest(tf.test.TestCase):

  def _check_ok(self, done):
    self.assertEqual(done.returncode, 0,
                     f'exit {done.returncode}\n{done.stderr[-3000:]}')

  def test_binaries_to_pipelines(self):
    root = self.create_tempdir().full_path
    videos = testing.make_yfcc_like_videos(root)
    a, b, text = videos['a'], videos['b'], videos['text']
    lists = os.path.join(root, 'lists')
    os.makedirs(lists)
    unlabelled = testing.write_yfcc_like_clip_list(
        os.path.join(lists, f'{_UNLABELLED}.csv'), videos)
    on_screen = os.path.join(lists, f'{_ON_SCREEN}.csv')
    with open(on_screen, 'w') as f:
      f.write(f'{a},0.25,1.25\n')
    good_pairs = [f'{a},0.25,1.25,{b},0.5,1.5', f'{a},0.25,1.25,{b},1.0,2.0']
    moms = os.path.join(lists, f'{_MOMS}.csv')
    with open(moms, 'w') as f:
      f.write(f'{good_pairs[0]}\n'                          # 1: ok
              f'missing.mp4,0,1,{b},0,1\n'                  # 2: missing
              f'{a},0.25,1.25,{b},1.5,4.0\n'                # 3: past the end
              f'{good_pairs[1]}\n'                          # 4: ok
              f'{a},0,1,{text},0,1\n')                      # 5: not a video
    clips_dir = os.path.join(root, 'clips')
    moms_dir = os.path.join(root, 'moms')

    self._check_ok(_run_binary('data_recipes.make_yfcc_tfrecords', [
        f'--clip_list={unlabelled}', f'--clip_list={on_screen}',
        f'--video_root={root}', f'--output_dir={clips_dir}',
        '--rows_per_shard=3', '--frame_size=32,32', '--num_workers=1']))
    self._check_ok(_run_binary('data_recipes.make_mom_sets', [
        f'--mom_list={moms}', f'--video_root={root}',
        f'--output_dir={moms_dir}', '--rows_per_shard=2',
        '--frame_size=32,32', '--num_workers=1']))

    # Reports: bad rows are listed with their reason, not fatal.
    with open(os.path.join(clips_dir, f'{_UNLABELLED}.report.json')) as f:
      report = json.load(f)
    self.assertEqual((report['rows'], report['written'], report['skipped'],
                      report['shards'], report['label']), (7, 4, 3, 3, -1))
    self.assertEqual(
        tuple((e['line'], e['reason']) for e in report['skipped_rows']),
        testing.YFCC_LIKE_SKIPPED_ROWS)
    for entry in report['skipped_rows']:
      self.assertNotEmpty(entry['message'])
    with open(os.path.join(clips_dir, f'{_ON_SCREEN}.report.json')) as f:
      self.assertEqual(json.load(f)['label'], 1)
    with open(os.path.join(moms_dir, f'{_MOMS}.report.json')) as f:
      mom_report = json.load(f)
    self.assertEqual((mom_report['written'], mom_report['skipped']), (2, 3))
    self.assertEqual(
        [(e['line'], e['reason']) for e in mom_report['skipped_rows']],
        [(2, 'missing'), (3, 'out_of_range'), (5, 'corrupt')])

    unlabelled_files = sorted(
        glob.glob(os.path.join(clips_dir, f'{_UNLABELLED}-*.tfrecord')))
    on_screen_files = sorted(
        glob.glob(os.path.join(clips_dir, f'{_ON_SCREEN}-*.tfrecord')))
    mom_files = sorted(glob.glob(os.path.join(moms_dir, '*.tfrecord')))
    self.assertLen(unlabelled_files, 3)
    self.assertLen(mom_files, 3)

    # The expected content, decoded directly with PyAV.
    expected = {}
    for path, start, end in ((a, 0.0, 1.0), (b, 0.5, 1.5), (b, 1.0, 2.0),
                             (a, 1.0, 2.0), (a, 0.25, 1.25)):
      clip = video_io.read_video(os.path.join(root, path), frame_size=_SIZE,
                                 start=start, end=end)
      expected[f'{path}:{start:.3f}-{end:.3f}'] = clip
    for clip in expected.values():
      self.assertEqual(clip.audio.shape, (16000,))
      self.assertEqual(clip.frames.shape, (16, 32, 32, 3))

    # Example counts, rate and stored shapes.
    stored = list(records.read_clips(unlabelled_files))
    self.assertLen(stored, 4)
    for clip in stored:
      self.assertEqual((clip.sample_rate, clip.frame_rate, clip.label),
                       (16000, 16.0, -1))
      self.assertEqual(clip.frames.shape, (16, 32, 32, 3))
      self.assertAllEqual(clip.audio, expected[clip.clip_id].audio)
    single = pipeline.single_mixture_dataset(unlabelled_files, 8, labels=None,
                                             **_KW)
    self.assertEqual(sum(len(x['labels']) for x in single), 4)

    # NOn training batches.
    non = pipeline.non_dataset(unlabelled_files, 2, seed=0, include_ids=True,
                               **_KW)
    for batch in pipeline.as_numpy_batches(non, 3):
      self.assertEqual(batch['frames'].shape, (2, 16, 32, 32, 3))
      self.assertEqual(batch['frames'].dtype, np.float32)
      self.assertEqual(batch['audio'].shape, (2, 16000))
      self.assertEqual(batch['reference_mixtures'].shape, (2, 2, 16000))
      self.assertAllEqual(batch['audio'],
                          batch['reference_mixtures'].sum(axis=1))
      self.assertAllEqual(batch['labels'], [-1, -1])
      for i, clip_id in enumerate(batch['clip_id']):
        source = expected[clip_id.decode()]
        self.assertAllEqual(batch['reference_mixtures'][i, 0], source.audio)
        # JPEG-coded frames of the moving square.
        self.assertLess(
            np.abs(batch['frames'][i] - source.frames / 255.0).mean(), 0.02)
        self.assertBetween(float(batch['frames'][i].max()), 0.9, 1.0)

    # Audio-only MoMs (separator pre-training).
    mixit = pipeline.audio_mixit_dataset(unlabelled_files, 2, seed=0,
                                         clip_seconds=1.0, include_ids=True)
    for batch in pipeline.as_numpy_batches(mixit, 2):
      self.assertEqual(batch['reference_mixtures'].shape, (2, 2, 16000))
      self.assertAllEqual(batch['audio'],
                          batch['reference_mixtures'].sum(axis=1))
      for i in range(2):
        for j in range(2):
          self.assertAllEqual(
              batch['reference_mixtures'][i, j],
              expected[batch['clip_id'][i, j].decode()].audio)
    # Video b's 1 kHz tone at 16 kHz: bin 1000 of a 1 s spectrum.
    b_audio = expected[f'{b}:0.500-1.500'].audio
    self.assertEqual(np.argmax(np.abs(np.fft.rfft(b_audio))), 1000)

    # The MoM records of make_mom_sets, read as single mixtures ...
    from_records = pipeline.single_mixture_dataset(
        mom_files, 8, labels=None, include_ids=True, **_KW)
    got = {k: np.concatenate([x[k] for x in from_records.as_numpy_iterator()])
           for k in ('clip_id', 'audio', 'frames', 'labels', 'on_screen_audio',
                     'has_on_screen_audio')}
    self.assertLen(got['labels'], 2)
    self.assertAllEqual(got['labels'], [1, 1])
    self.assertAllEqual(got['has_on_screen_audio'], [True, True])
    # ... agree with the MoMs built on the fly from the clip records.
    pairs_csv = os.path.join(lists, 'good_pairs.csv')
    with open(pairs_csv, 'w') as f:
      f.write('\n'.join(good_pairs) + '\n')
    on_the_fly = pipeline.mom_eval_dataset(
        unlabelled_files + on_screen_files, pairs_csv, 8, include_ids=True,
        **_KW)
    fly, = list(on_the_fly.as_numpy_iterator())
    self.assertLen(fly['labels'], 2)
    for i, (id1, id2) in enumerate(fly['clip_id']):
      first, second = expected[id1.decode()], expected[id2.decode()]
      k = [c.decode() for c in got['clip_id']].index(
          f'{id1.decode()}+{id2.decode()}')
      self.assertAllEqual(fly['audio'][i], first.audio + second.audio)
      self.assertAllEqual(got['audio'][k], fly['audio'][i])
      self.assertAllEqual(got['frames'][k], fly['frames'][i])
      self.assertLess(np.abs(fly['frames'][i] - first.frames / 255.0).mean(),
                      0.02)
      self.assertEqual(got['labels'][k], fly['labels'][i])
      # On-screen truth: clip 1's audio, not the mixture.
      self.assertAllEqual(fly['on_screen_audio'][i], first.audio)
      self.assertAllEqual(got['on_screen_audio'][k], first.audio)

  def test_beam_options_need_the_beam_runner(self):
    root = self.create_tempdir().full_path
    done = _run_binary('data_recipes.make_yfcc_tfrecords', [
        '--clip_list=x.csv', f'--video_root={root}', f'--output_dir={root}',
        '--', '--runner=DirectRunner'])
    self.assertNotEqual(done.returncode, 0)
    self.assertIn('need --runner=beam', done.stderr)

  def test_bad_lists_and_folders_end_in_one_line(self):
    root = self.create_tempdir().full_path
    empty = os.path.join(root, 'empty.csv')
    with open(empty, 'w') as f:
      f.write('path,start,end\n')
    missing = os.path.join(root, 'missing.csv')
    cases = [
        ('data_recipes.make_yfcc_tfrecords', f'--clip_list={missing}',
         f"audioscope_make_yfcc_tfrecords: Clip list '{missing}' does not "
         'exist'),
        ('data_recipes.make_yfcc_tfrecords', f'--clip_list={empty}',
         f'audioscope_make_yfcc_tfrecords: {empty}: the clip list has no '
         'rows.'),
        ('data_recipes.make_mom_sets', f'--mom_list={missing}',
         f"audioscope_make_mom_sets: Clip list '{missing}' does not exist"),
        ('data_recipes.make_clip_lists', None,
         f"audioscope_make_clip_lists: No videos below '{root}'"),
    ]
    for module, list_flag, message in cases:
      done = _run_binary(module, [flag for flag in (
          list_flag, f'--video_root={root}', f'--output_dir={root}/out')
                                  if flag])
      self.assertEqual(done.returncode, 1, msg=done.stderr[-2000:])
      self.assertNotIn('Traceback', done.stderr)
      self.assertStartsWith(done.stderr.strip().splitlines()[-1], message)


if __name__ == '__main__':
  tf.test.main()
