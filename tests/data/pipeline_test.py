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
"""Tests for audioscope.data.pipeline."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope.data import pipeline
from audioscope.data import records
from audioscope.data import synthetic

_SECONDS = 0.5
_SAMPLES = 8000
_FRAMES = 8
_SIZE = (16, 16)
_KW = dict(frame_size=_SIZE, clip_seconds=_SECONDS)
_LABELS = (-1, -1, 1, 0, -1, -1, 1, 0, -1, -1, 1, 0)

# Runs in a fresh interpreter: logical devices must be set before TF starts.
_MIRRORED_SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices('CPU')[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from audioscope.data import pipeline
    strategy = tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1'])
    dataset_fn = pipeline.make_dataset_fn(
        'non', file_pattern=sys.argv[1], global_batch_size=4, seed=0,
        frame_size=(16, 16), clip_seconds=0.5, include_ids=True)
    batch = next(iter(strategy.distribute_datasets_from_function(dataset_fn)))
    out = []
    for ids, audio, refs in zip(
        strategy.experimental_local_results(batch['clip_id']),
        strategy.experimental_local_results(batch['audio']),
        strategy.experimental_local_results(batch['reference_mixtures'])):
      out.append({'ids': [i.decode() for i in ids.numpy()],
                  'device': audio.device,
                  'exact': bool(np.array_equal(
                      audio.numpy(), refs.numpy().sum(axis=1)))})
    print('RESULT' + json.dumps(out))
''')


def _fixture_clips():
  options = synthetic.SceneOptions(clip_seconds=_SECONDS, frame_size=_SIZE)
  clips = []
  for i, label in enumerate(_LABELS):
    clip = synthetic.generate_scene(i, label, options).to_clip(
        f'c{i:02d}', frame_encoding='raw', start_time=float(i))
    clip.video_path = f'v{i}.mp4'
    clips.append(clip)
  return clips


class PipelineTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.dir = tempfile.mkdtemp()
    cls.clips = {c.clip_id: c for c in _fixture_clips()}
    ordered = list(cls.clips.values())
    for shard in range(3):
      records.write_clips(
          os.path.join(cls.dir, f'train-{shard:05d}-of-00003.tfrecord'),
          ordered[shard::3])
    cls.pattern = os.path.join(cls.dir, 'train-*.tfrecord')

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.dir)
    super().tearDownClass()

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _which_clip(self, audio):
    """The id of the fixture clip whose audio this is (NumPy oracle)."""
    matches = [i for i, c in self.clips.items()
               if np.array_equal(c.audio, audio)]
    self.assertLen(matches, 1)
    return matches[0]

  def test_non_examples(self):
    dataset = pipeline.non_dataset(self.pattern, 4, seed=0, include_ids=True,
                                   **_KW)
    self.assertEqual(dataset.element_spec['frames'].shape,
                     (4, _FRAMES) + _SIZE + (3,))
    batches = pipeline.as_numpy_batches(dataset, 2)
    for batch in batches:
      references = batch['reference_mixtures']
      self.assertEqual(references.shape, (4, 2, _SAMPLES))
      np.testing.assert_array_equal(batch['audio'],
                                    references[:, 0] + references[:, 1])
      self.assertAllEqual(batch['labels'], [-1] * 4)
      for i, clip_id in enumerate(batch['clip_id']):
        clip = self.clips[clip_id.decode()]
        self.assertEqual(clip.label, -1)
        np.testing.assert_array_equal(references[i, 0], clip.audio)
        np.testing.assert_allclose(batch['frames'][i], clip.frames / 255.0,
                                   atol=1e-6)
        background = self._which_clip(references[i, 1])
        self.assertNotEqual(background, clip.clip_id)
        self.assertEqual(self.clips[background].label, -1)

  def test_audio_mixit_moms(self):
    dataset = pipeline.audio_mixit_dataset(
        self.pattern, 4, seed=1, clip_seconds=_SECONDS, include_ids=True)
    self.assertNotIn('frames', dataset.element_spec)
    batch = pipeline.as_numpy_batches(dataset, 1)[0]
    references = batch['reference_mixtures']
    self.assertEqual(references.shape, (4, 2, _SAMPLES))
    np.testing.assert_array_equal(batch['audio'],
                                  references[:, 0] + references[:, 1])
    for i, (id1, id2) in enumerate(batch['clip_id']):
      self.assertNotEqual(id1, id2)
      np.testing.assert_array_equal(references[i, 0],
                                    self.clips[id1.decode()].audio)
      np.testing.assert_array_equal(references[i, 1],
                                    self.clips[id2.decode()].audio)
    # Seeded: the same examples in the same order.
    again = pipeline.as_numpy_batches(pipeline.audio_mixit_dataset(
        self.pattern, 4, seed=1, clip_seconds=_SECONDS, include_ids=True), 1)
    self.assertAllEqual(again[0]['clip_id'], batch['clip_id'])
    self.assertAllEqual(again[0]['audio'], batch['audio'])

  def test_frame_rate_selection_and_clip_length(self):
    # 4 FPS from 16 FPS: every 4th frame; 0.75 s: padded with zeros.
    dataset = pipeline.single_mixture_dataset(
        self.pattern, 12, labels=None, frame_rate=4.0, frame_size=_SIZE,
        clip_seconds=0.75, include_ids=True)
    batch = pipeline.as_numpy_batches(dataset, 1)[0]
    self.assertEqual(batch['frames'].shape, (12, 3) + _SIZE + (3,))
    self.assertEqual(batch['frames'].dtype, np.float32)
    for i, clip_id in enumerate(batch['clip_id']):
      clip = self.clips[clip_id.decode()]
      np.testing.assert_allclose(batch['frames'][i, :2],
                                 clip.frames[::4] / 255.0, atol=1e-6)
      self.assertAllEqual(batch['frames'][i, 2], np.zeros(_SIZE + (3,)))
      np.testing.assert_array_equal(batch['audio'][i, :_SAMPLES], clip.audio)
      self.assertAllEqual(batch['audio'][i, _SAMPLES:], np.zeros(4000))
      self.assertEqual(batch['labels'][i], clip.label)
    # Cropped to 0.25 s at 1 FPS... 0.25 s has no frame at 1 FPS, so 2 FPS.
    clip_ids = [c['clip_id'] for c in pipeline.clip_dataset(
        self.pattern, frame_rate=2.0, frame_size=_SIZE,
        clip_seconds=0.5).as_numpy_iterator()]
    self.assertLen(clip_ids, 12)

  def test_clip_cropping(self):
    clip = next(pipeline.clip_dataset(
        self.pattern, frame_size=_SIZE, clip_seconds=0.25).as_numpy_iterator())
    original = self.clips[clip['clip_id'].decode()]
    np.testing.assert_array_equal(clip['audio'], original.audio[:4000])
    np.testing.assert_allclose(clip['frames'], original.frames[:4] / 255.0,
                               atol=1e-6)

  @parameterized.named_parameters(('five', 5.0), ('three', 3.0),
                                  ('faster', 32.0))
  def test_frame_rate_must_divide_the_stored_rate(self, frame_rate):
    with self.assertRaisesRegex(ValueError, 'choose one of'):
      pipeline.non_dataset(self.pattern, 4, frame_rate=frame_rate, **_KW)

  def test_semi_supervised_mixes_labelled_clips(self):
    dataset = pipeline.semi_supervised_dataset(
        self.pattern, 8, weights=(1.0, 1.0, 1.0), seed=3, include_ids=True,
        **_KW)
    labels = []
    for batch in pipeline.as_numpy_batches(dataset, 3):
      references = batch['reference_mixtures']
      np.testing.assert_array_equal(batch['audio'],
                                    references[:, 0] + references[:, 1])
      for i, clip_id in enumerate(batch['clip_id']):
        clip = self.clips[clip_id.decode()]
        self.assertEqual(batch['labels'][i], clip.label)
        np.testing.assert_array_equal(references[i, 0], clip.audio)
        self.assertEqual(self.clips[self._which_clip(references[i, 1])].label,
                         -1)
      labels.extend(batch['labels'].tolist())
    self.assertEqual(set(labels), {-1, 0, 1})
    with self.assertRaisesRegex(ValueError, 'weights'):
      pipeline.semi_supervised_dataset(self.pattern, 8, weights=(1, -1, 0))

  def test_mom_evaluation_sets(self):
    path = os.path.join(self.create_tempdir().full_path, 'moms.csv')
    # The published format: clips identified by (video path, start).
    with open(path, 'w') as f:
      f.write('v2.mp4,2.0,2.5,v3.mp4,3.0,3.5\n'
              'v3.mp4,3.0,3.5,v7.mp4,7.0,7.5\n'
              'v0.mp4,0.0,0.5,v1.mp4,1.0,1.5\n')
    from_csv = pipeline.mom_eval_dataset(self.pattern, path, 2,
                                         include_ids=True, **_KW)
    from_ids = pipeline.mom_eval_dataset(
        self.pattern, [('c02', 'c03'), ('c03', 'c07'), ('c00', 'c01')], 2,
        include_ids=True, **_KW)
    for dataset in (from_csv, from_ids):
      batches = list(dataset.as_numpy_iterator())
      self.assertEqual([len(b['labels']) for b in batches], [2, 1])
      got = {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}
      self.assertAllEqual(got['labels'], [1, 0, -1])
      for i, (id1, id2) in enumerate(got['clip_id']):
        clip1 = self.clips[id1.decode()]
        clip2 = self.clips[id2.decode()]
        np.testing.assert_array_equal(got['audio'][i],
                                      clip1.audio + clip2.audio)
        np.testing.assert_allclose(got['frames'][i], clip1.frames / 255.0,
                                   atol=1e-6)
        expected = {1: clip1.audio, 0: np.zeros(_SAMPLES),
                    -1: clip1.on_screen_audio}[clip1.label]
        np.testing.assert_array_equal(got['on_screen_audio'][i], expected)
      self.assertAllEqual(got['has_on_screen_audio'], [True] * 3)

  def test_mom_pairs_must_exist(self):
    with self.assertRaisesRegex(KeyError, 'not in the records'):
      pipeline.mom_eval_dataset(self.pattern, [('c00', 'nope')], 2, **_KW)

  def test_input_pipelines_read_disjoint_shards(self):
    seen = []
    for index in range(2):
      context = tf.distribute.InputContext(
          num_input_pipelines=2, input_pipeline_id=index,
          num_replicas_in_sync=2)
      seen.append({c['clip_id'].decode() for c in pipeline.clip_dataset(
          self.pattern, context, with_frames=False, frame_size=None,
          clip_seconds=_SECONDS).as_numpy_iterator()})
      # The per-replica batch: global 6 over 2 replicas.
      spec = pipeline.audio_mixit_dataset(
          self.pattern, 6, context, clip_seconds=_SECONDS).element_spec
      self.assertEqual(spec['audio'].shape, (3, _SAMPLES))
    self.assertEmpty(seen[0] & seen[1])
    self.assertEqual(seen[0] | seen[1], set(self.clips))

  def test_mirrored_strategy_replicas_get_their_own_examples(self):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    env['PYTHONPATH'] = os.pathsep.join(
        [root] + [p for p in [env.get('PYTHONPATH')] if p])
    result = subprocess.run(
        [sys.executable, '-c', _MIRRORED_SCRIPT, self.pattern], env=env,
        capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(result.returncode, 0, msg=result.stderr[-3000:])
    line = [l for l in result.stdout.splitlines() if l.startswith('RESULT')]
    replicas = json.loads(line[0][len('RESULT'):])
    self.assertLen(replicas, 2)
    self.assertNotEqual(replicas[0]['device'], replicas[1]['device'])
    for replica in replicas:
      self.assertLen(replica['ids'], 2)
      self.assertTrue(replica['exact'])
    self.assertEmpty(set(replicas[0]['ids']) & set(replicas[1]['ids']))

  def test_invalid_records_name_the_clip_and_file(self):
    dataset = pipeline.clip_dataset(self.pattern, frame_size=(8, 8),
                                    clip_seconds=_SECONDS)
    with self.assertRaisesRegex(
        tf.errors.InvalidArgumentError,
        r'clip_id=c\d+ in .*train-0000\d-of-00003.tfrecord: frames are 16x16 '
        'but 8x8 is expected'):
      next(dataset.as_numpy_iterator())

  def test_make_dataset_fn_uses_the_gin_scope(self):
    gin.parse_config('train/audio_mixit_dataset.clip_seconds = 0.25')
    with gin.config_scope('train'):
      dataset_fn = pipeline.make_dataset_fn(
          'audio_mixit', file_pattern=self.pattern, global_batch_size=4)
    spec = dataset_fn(tf.distribute.InputContext(1, 0, 2)).element_spec
    self.assertEqual(spec['audio'].shape, (2, 4000))
    with self.assertRaisesRegex(ValueError, 'Unknown dataset kind'):
      pipeline.make_dataset_fn('video')

  def test_synthetic_mom_pairs_concatenates_the_lists_in_order(self):
    directory = self.create_tempdir().full_path
    for style, rows in (('filtered_on_screen', ['a,b', 'c,d']),
                        ('filtered_off_screen', ['e,f'])):
      with open(os.path.join(directory, f'test_mom_{style}.csv'), 'w') as f:
        f.write('\n'.join(['clip_id1,clip_id2'] + rows) + '\n')
    self.assertEqual(pipeline.synthetic_mom_pairs(directory, 'test'),
                     [('a', 'b'), ('c', 'd'), ('e', 'f')])
    self.assertEqual(
        pipeline.synthetic_mom_pairs(directory, 'test',
                                     styles=['filtered_off_screen']),
        [('e', 'f')])
    with self.assertRaisesRegex(FileNotFoundError,
                                'validation_mom_filtered_on_screen.csv.*'
                                'audioscope_make_synthetic'):
      pipeline.synthetic_mom_pairs(directory, 'validation')


if __name__ == '__main__':
  tf.test.main()
