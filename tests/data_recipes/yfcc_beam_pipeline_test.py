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
"""The Beam path of the YFCC recipe on the DirectRunner, end to end.

Needs Apache Beam: `pip install 'audioscope[beam]'` (the functions of the
pipeline are tested without Beam in yfcc_beam_test.py).
"""

import glob
import json
import os
import subprocess
import sys

import apache_beam as beam
from apache_beam.testing import test_pipeline
from apache_beam.testing import util as beam_util
import numpy as np
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import pipeline
from audioscope.data import records
from audioscope.data import testing
from data_recipes import make_yfcc_tfrecords_lib
from data_recipes import yfcc_beam

_PREFIX = 'unfiltered_test_clips'
_OPTIONS = dict(frame_size=(32, 32), frame_encoding='raw')


class YfccBeamPipelineTest(tf.test.TestCase):

  def setUp(self):
    super().setUp()
    self.root = self.create_tempdir().full_path
    self.list_path = testing.write_yfcc_like_clip_list(
        os.path.join(self.root, f'{_PREFIX}.csv'),
        testing.make_yfcc_like_videos(self.root))

  def _check_report(self, report, shards):
    self.assertEqual((report['rows'], report['written'], report['skipped'],
                      report['shards'], report['label'], report['runner']),
                     (7, 4, 3, shards, -1, 'beam'))
    self.assertEqual(
        tuple((e['line'], e['reason']) for e in report['skipped_rows']),
        testing.YFCC_LIKE_SKIPPED_ROWS)
    for entry in report['skipped_rows']:
      self.assertNotEmpty(entry['message'])
      self.assertEqual(entry['list'], self.list_path)

  def test_direct_runner_matches_the_local_path(self):
    out = os.path.join(self.root, 'beam')
    result = yfcc_beam.run([self.list_path], self.root, out,
                           pipeline_args=['--runner=DirectRunner'],
                           rows_per_shard=2, **_OPTIONS)
    self.assertEqual(result['state'], 'DONE')
    report, = result['reports']
    self._check_report(report, 4)
    with open(os.path.join(out, f'{_PREFIX}.report.json')) as f:
      self.assertEqual(json.load(f), report)
    self.assertEqual(result['counters'], {
        'rows': 7, 'written': 4, 'skipped': 3, 'skipped_missing': 1,
        'skipped_out_of_range': 1, 'skipped_corrupt': 1, 'videos': 4})
    files = sorted(glob.glob(os.path.join(out, f'{_PREFIX}-*.tfrecord')))
    self.assertEqual([os.path.basename(f) for f in files],
                     [f'{_PREFIX}-0000{i}-of-00004.tfrecord' for i in range(4)])
    self.assertEmpty(glob.glob(os.path.join(out, 'beam-temp*')))

    # The same records as the local (multiprocessing) path.
    local_out = os.path.join(self.root, 'local')
    make_yfcc_tfrecords_lib.make_yfcc_tfrecords(
        self.list_path, self.root, local_out, rows_per_shard=2, **_OPTIONS)
    def serialized(pattern):
      return sorted(tf.data.TFRecordDataset(sorted(glob.glob(pattern)))
                    .as_numpy_iterator())
    beam_records = serialized(os.path.join(out, '*.tfrecord'))
    self.assertLen(beam_records, 4)
    self.assertEqual(beam_records,
                     serialized(os.path.join(local_out, '*.tfrecord')))

    # And through the training pipeline.
    non = pipeline.non_dataset(files, 2, seed=0, frame_size=(32, 32),
                               clip_seconds=1.0)
    batch, = pipeline.as_numpy_batches(non, 1)
    self.assertEqual(batch['frames'].shape, (2, 16, 32, 32, 3))
    self.assertEqual(batch['audio'].shape, (2, 16000))
    self.assertAllEqual(batch['audio'], batch['reference_mixtures'].sum(1))

  def test_dofn_routes_records_and_skips_from_a_remote_root(self):
    # A remote video root (the in-process ram:// file system standing in for
    # gs://): each video is copied to the worker once.
    remote_root = 'ram://yfcc_beam_pipeline_test'
    for path in testing.YFCC_LIKE_PATHS.values():
      tf.io.gfile.makedirs(os.path.dirname(f'{remote_root}/{path}'))
      tf.io.gfile.copy(os.path.join(self.root, path), f'{remote_root}/{path}',
                       overwrite=True)
    options = make_yfcc_tfrecords_lib.ClipOptions(label=1, **_OPTIONS)
    rows = clip_lists.read_clip_list(self.list_path)
    with test_pipeline.TestPipeline() as p:
      results = (
          p | beam.Create(rows) | beam.Map(yfcc_beam.video_key)
          | beam.GroupByKey() | beam.ParDo(
              yfcc_beam.ProcessVideoDoFn(remote_root, options, 'l.csv'))
          .with_outputs(yfcc_beam.SKIPPED, main=yfcc_beam.WRITTEN))
      labels = results[yfcc_beam.WRITTEN] | 'Labels' >> beam.Map(
          lambda x: records.deserialize_clip(x).label)
      reasons = results[yfcc_beam.SKIPPED] | 'Reasons' >> beam.Map(
          lambda e: (e['line'], e['reason']))
      beam_util.assert_that(labels, beam_util.equal_to([1] * 4),
                            label='CheckLabels')
      beam_util.assert_that(
          reasons, beam_util.equal_to(
              [(2, 'missing'), (4, 'out_of_range'), (5, 'corrupt')]),
          label='CheckReasons')

  def test_binary_passes_the_beam_options_through(self):
    out = os.path.join(self.root, 'binary')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    done = subprocess.run(
        [sys.executable, '-m', 'data_recipes.make_yfcc_tfrecords',
         '--runner=beam', f'--clip_list={self.list_path}',
         f'--video_root={self.root}', f'--output_dir={out}', '--num_shards=1',
         '--frame_size=32,32', '--', '--runner=DirectRunner',
         '--direct_num_workers=1'],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    self.assertEqual(done.returncode, 0, done.stderr[-3000:])
    with open(os.path.join(out, f'{_PREFIX}.report.json')) as f:
      self._check_report(json.load(f), 1)
    files = glob.glob(os.path.join(out, f'{_PREFIX}-*.tfrecord'))
    self.assertEqual([os.path.basename(f) for f in files],
                     [f'{_PREFIX}-00000-of-00001.tfrecord'])
    clips = list(records.read_clips(files))
    self.assertLen(clips, 4)
    for clip in clips:
      self.assertEqual(clip.frame_encoding, 'jpeg')
      self.assertEqual(clip.frames.shape, (16, 32, 32, 3))
      self.assertGreater(np.abs(clip.audio).max(), 0.1)


if __name__ == '__main__':
  tf.test.main()
