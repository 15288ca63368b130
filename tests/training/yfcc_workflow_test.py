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
"""The paper's data path: published list names -> records -> train -> eval.

Tiny MP4s in a YFCC100M-like layout are listed in CSVs named like the
published AudioScopeV2 lists (train / validate / test; unlabelled,
on-screen-only, off-screen-only; the two MoM lists per split, one pair with
a video that the "partial copy" lacks), decoded by
`make_yfcc_tfrecords_lib` into one records folder, and read through
`gin/datasets/yfcc100m.gin`: every training pipeline, AudioScopeV2's
validation with checkpoint selection and `audioscope_eval`'s sets.
"""

import json
import math
import os
import tempfile

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import pipeline
from audioscope.data import testing
from audioscope.data import video_io
from audioscope.evaluation import evaluate_lib
from audioscope.training import train_lib
from data_recipes import make_yfcc_tfrecords_lib

CLIP_SECONDS = 1.0
FRAME_SIZE = (32, 32)
_VIDEOS = {  # name: (tone Hz, square step)
    'a': (440.0, 1), 'b': (1000.0, 2), 'c': (660.0, 3), 'd': (1500.0, 1)}
_MISSING = 'data/videos/mp4/fff/fff/missing.mp4'
_BACKGROUND = 'random_unfiltered'


def _path(name):
  return f'data/videos/mp4/{name * 3}/{name * 3}/{name}.mp4'


def _clip_rows(clips):
  return ''.join(f'{_path(v)},{s:.1f},{s + CLIP_SECONDS:.1f}\n'
                 for v, s in clips)


def _mom_rows(pairs):
  rows = []
  for (v1, s1), (v2, s2) in pairs:
    path2 = _MISSING if v2 is None else _path(v2)
    rows.append(f'{_path(v1)},{s1:.1f},{s1 + CLIP_SECONDS:.1f},'
                f'{path2},{s2:.1f},{s2 + CLIP_SECONDS:.1f}\n')
  return ''.join(rows)


# Per split: the lists' clips (video, start) and the MoM pairs. The labelled
# clips are also in the split's unlabelled list, as in the published data.
_UNLABELLED = [(v, s) for v in 'abcd' for s in (0.0, 1.0)]
_ON_SCREEN = [('a', 0.0), ('c', 0.0)]
_OFF_SCREEN = [('b', 0.0), ('d', 0.0)]
_ON_SCREEN_MOMS = [(('a', 0.0), ('c', 1.0)), (('c', 0.0), ('d', 1.0))]
_OFF_SCREEN_MOMS = [(('b', 0.0), ('a', 1.0)), (('d', 0.0), (None, 0.0)),
                    (('b', 0.0), ('c', 1.0))]


class YfccWorkflowTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    root = tempfile.mkdtemp()
    cls.video_root = os.path.join(root, 'yfcc100m')
    for name, (tone_hz, step) in _VIDEOS.items():
      path = os.path.join(cls.video_root, _path(name))
      os.makedirs(os.path.dirname(path))
      testing.make_test_video(path, duration=2.0, frame_rate=16.0,
                              size=(32, 48), sample_rate=16000,
                              num_channels=1, tone_hz=tone_hz, step=step)
    # A parent folder of the download, as gcloud storage cp leaves it.
    cls.lists_dir = os.path.join(root, 'lists')
    download = os.path.join(cls.lists_dir, 'audioscope_v2_yfcc100m_clip_lists')
    os.makedirs(download)
    cls.records_dir = os.path.join(root, 'records')
    for split in pipeline.PUBLISHED_SPLITS:
      for kind, clips in (('clips', _UNLABELLED),
                          ('onscreen_unanimous_clips', _ON_SCREEN),
                          ('offscreen_unanimous_clips', _OFF_SCREEN)):
        clip_list = os.path.join(download, f'unfiltered_{split}_{kind}.csv')
        with open(clip_list, 'w') as f:
          f.write(_clip_rows(clips))
        report = make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
            clip_list, cls.video_root, cls.records_dir, rows_per_shard=4,
            frame_size=FRAME_SIZE)
        assert report['written'] == len(clips), report
      if split == 'train':
        continue
      for label, pairs in (('onscreen', _ON_SCREEN_MOMS),
                           ('offscreen', _OFF_SCREEN_MOMS)):
        name = f'unfiltered_{split}_{label}_unanimous_plus_{_BACKGROUND}'
        with open(os.path.join(download, f'{name}_mom_clips.csv'), 'w') as f:
          # The first published row may be a header.
          f.write('path1,start1,end1,path2,start2,end2\n' + _mom_rows(pairs))

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _gin_params(self):
    return [f"CLIP_LISTS_DIR = '{self.lists_dir}'",
            f"RECORDS_DIR = '{self.records_dir}'",
            f'CLIP_SECONDS = {CLIP_SECONDS}', f'FRAME_SIZE = {FRAME_SIZE}']

  def _audio(self, name, start):
    clip = video_io.read_video(os.path.join(self.video_root, _path(name)),
                               frame_size=FRAME_SIZE, start=start,
                               end=start + CLIP_SECONDS)
    return clip.audio

  def test_published_records_and_pairs(self):
    patterns = pipeline.published_records(self.records_dir, 'validate')
    self.assertEqual(
        [os.path.basename(p) for p in patterns],
        ['unfiltered_validate_clips-*.tfrecord',
         'unfiltered_validate_onscreen_unanimous_clips-*.tfrecord',
         'unfiltered_validate_offscreen_unanimous_clips-*.tfrecord'])
    # 8 unlabelled clips in shards of 4, then 2 + 2 labelled ones.
    self.assertEqual(
        [len(tf.io.gfile.glob(p)) for p in patterns], [2, 1, 1])
    pairs = pipeline.published_mom_pairs(self.lists_dir, 'test')
    self.assertLen(pairs, len(_ON_SCREEN_MOMS) + len(_OFF_SCREEN_MOMS))
    self.assertEqual(pairs[0], ((_path('a'), 0.0), (_path('c'), 1.0)))
    self.assertEqual(pairs[3], ((_path('d'), 0.0), (_MISSING, 0.0)))

    with self.assertRaisesRegex(FileNotFoundError,
                                'filtered_test_clips.csv.*--output_dir='):
      pipeline.published_records(self.records_dir, 'test', 'filtered')
    with self.assertRaisesRegex(
        FileNotFoundError, 'filtered_test_onscreen_unanimous_plus_'
        'offscreen_unanimous_mom_clips.csv.*audioscope_yfcc100m_clip_lists'):
      pipeline.published_mom_pairs(self.lists_dir, 'test', 'filtered')
    with self.assertRaisesRegex(ValueError, 'validate, not validation'):
      pipeline.published_records(self.records_dir, 'validation')
    with self.assertRaisesRegex(ValueError, 'collection'):
      pipeline.published_mom_pairs(self.lists_dir, 'test', 'v2')

  def test_mom_sets_take_labels_and_skip_missing_videos(self):
    files = pipeline.published_records(self.records_dir, 'test')
    pairs = pipeline.published_mom_pairs(self.lists_dir, 'test')
    with self.assertRaisesRegex(KeyError, '1 clips.*missing_clips=.*skip'):
      pipeline.mom_eval_dataset(files, pairs, 8, frame_size=FRAME_SIZE,
                                clip_seconds=CLIP_SECONDS)
    dataset = pipeline.mom_eval_dataset(
        files, pairs, 8, frame_size=FRAME_SIZE, clip_seconds=CLIP_SECONDS,
        include_ids=True, missing_clips='skip')
    batch, = list(dataset.as_numpy_iterator())
    kept = _ON_SCREEN_MOMS + [_OFF_SCREEN_MOMS[0], _OFF_SCREEN_MOMS[2]]
    # Clip 1 of every pair is also in the unlabelled list, whose records
    # come first: the MoM still gets the label of its labelled list.
    self.assertAllEqual(batch['labels'], [1, 1, 0, 0])
    self.assertAllEqual(batch['has_on_screen_audio'], [True] * 4)
    for i, ((v1, s1), (v2, s2)) in enumerate(kept):
      audio1, audio2 = self._audio(v1, s1), self._audio(v2, s2)
      self.assertAllEqual(batch['audio'][i], audio1 + audio2)
      expected = audio1 if batch['labels'][i] == 1 else np.zeros_like(audio1)
      self.assertAllEqual(batch['on_screen_audio'][i], expected)
    with self.assertRaisesRegex(ValueError, 'None of the 1 MoM pairs'):
      pipeline.mom_eval_dataset(files, [pairs[3]], 8, frame_size=FRAME_SIZE,
                                clip_seconds=CLIP_SECONDS,
                                missing_clips='skip')
    with self.assertRaisesRegex(ValueError, "'error' or 'skip'"):
      pipeline.mom_eval_dataset(files, pairs, 8, missing_clips='drop')

  def test_conflicting_labels_are_an_error(self):
    folder = self.create_tempdir().full_path
    clip_list = os.path.join(folder, 'x_offscreen_unanimous_clips.csv')
    with open(clip_list, 'w') as f:
      f.write(_clip_rows([('a', 0.0)]))
    make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        clip_list, self.video_root, folder, frame_size=FRAME_SIZE)
    on_screen = pipeline.published_records(
        self.records_dir, 'test', lists=('onscreen_unanimous_clips',))
    with self.assertRaisesRegex(ValueError, 'label 1 .* label 0'):
      pipeline.mom_eval_dataset(
          on_screen + [os.path.join(folder, '*.tfrecord')],
          [((_path('a'), 0.0), (_path('a'), 0.0))], 8,
          frame_size=FRAME_SIZE, clip_seconds=CLIP_SECONDS)

  @parameterized.named_parameters(
      ('separable_sa', 'papers/audioscope_v2/separable_sa_16fps.gin', 16),
      ('joint_cma_1fps', 'papers/audioscope_v2/joint_cma_1fps.gin', 1),
      ('semi_supervised', 'papers/audioscope_v2/semi_supervised.gin', 16),
      ('coincidence', 'training/coincidence_pretraining.gin', 16),
      ('separator', 'training/separator_pretraining.gin', 0))
  def test_training_pipelines(self, gin_file, fps):
    gin_utils.parse_gin([gin_file, 'test/tiny_audioscope.gin',
                         'datasets/yfcc100m.gin'], self._gin_params())
    dataset_fn = gin.query_parameter('train.dataset_fn').scoped_configurable_fn
    labels = []
    for batch in dataset_fn(global_batch_size=4, seed=0).take(8):
      self.assertEqual(batch['audio'].shape, (4, int(CLIP_SECONDS * 16000)))
      if fps:
        self.assertEqual(batch['frames'].shape,
                         (4, int(CLIP_SECONDS * fps)) + FRAME_SIZE + (3,))
        labels += batch['labels'].numpy().tolist()
    if fps:
      # NOn primaries come from the unlabelled train list; the
      # semi-supervised pipeline adds the labelled lists' primaries.
      expected = {-1, 0, 1} if 'semi' in gin_file else {-1}
      self.assertEqual(set(labels), expected)

  def test_train_and_evaluate(self):
    model_dir = self.create_tempdir().full_path
    gin_utils.parse_gin(
        ['papers/audioscope_v2/separable_sa_16fps.gin',
         'test/tiny_audioscope.gin', 'datasets/yfcc100m.gin'],
        self._gin_params() + [
            'train.num_steps = 2', 'train.steps_per_eval = 2',
            'train.steps_per_checkpoint = 2', 'train.steps_per_loop = 2'],
        model_dir=model_dir)
    train_lib.train(model_dir=model_dir)
    # Validation on the validate MoMs, less the pair with a missing video.
    best = train_lib.read_best(model_dir)
    self.assertEqual(best['step'], 2)
    metrics = best['metrics']
    self.assertEqual((metrics['num_on_screen'], metrics['num_off_screen']),
                     (2, 2))
    for name in ('snr', 'osr', 'auc'):
      self.assertTrue(math.isfinite(metrics[name]), msg=name)

    gin.clear_config()
    output_dir = self.create_tempdir().full_path
    evaluate_lib.run_evaluation(
        output_dir=output_dir, model_dir=model_dir, checkpoint='best',
        gin_files=['datasets/yfcc100m.gin'], gin_params=self._gin_params(),
        probe_negatives=True)
    with open(os.path.join(output_dir, 'summary.json')) as f:
      summary = json.load(f)
    self.assertEqual(
        (summary['counts']['num_on_screen'],
         summary['counts']['num_off_screen']), (2, 2))
    self.assertEqual(summary['calibration']['set'], 'validation')
    self.assertEqual(summary['calibration']['num_examples'], 2)
    single = summary['single_mixture']['calibrated']
    self.assertEqual((single['num_on_screen'], single['num_off_screen']),
                     (len(_ON_SCREEN), len(_OFF_SCREEN)))
    self.assertTrue(math.isfinite(
        summary['results']['calibrated']['median_snr_db']))


if __name__ == '__main__':
  tf.test.main()
