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
"""Tests for benchmarks/video_cue.py against brute-force regrouping."""

import csv
import dataclasses
import json
import os
import subprocess
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import video_cue  # pylint: disable=g-import-not-at-top,wrong-import-position

_OPTIONS = synthetic.SceneOptions(clip_seconds=0.5, frame_rate=8.0,
                                  frame_size=(32, 32), min_event_seconds=0.25)
_FIELDS = ('operating_point', 'split', 'clip_id', 'set', 'label', 'theta',
           'osr_db', 'probabilities')


def _write_info(folder, num_test, options=_OPTIONS, seed=5):
  info = {'seed': seed, 'num_clips': {'train': 0, 'validation': 0,
                                      'test': num_test},
          'on_screen_fraction': 0.25, 'off_screen_fraction': 0.5,
          'options': dataclasses.asdict(options)}
  with open(os.path.join(folder, make_synthetic_lib.INFO_FILE), 'w') as f:
    json.dump(info, f)
  return make_synthetic_lib.plan_split('test', num_test, seed, 0.25, 0.5)


def _write_per_example(folder, rows):
  with open(os.path.join(folder, video_cue.PER_EXAMPLE_FILE), 'w') as f:
    writer = csv.DictWriter(f, _FIELDS)
    writer.writeheader()
    for row in rows:
      writer.writerow(row)


class VideoCueTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(0.0, 1.0)
  def test_pulsing_distractor_follows_the_option(self, pulse_probability):
    options = dataclasses.replace(
        _OPTIONS, distractor_pulse_probability=pulse_probability)
    distractors = []
    for i in range(12):
      scene = synthetic.generate_scene((7, i), 0, options)
      count = int(np.sum(np.asarray(scene.object_event) < 0))
      distractors.append(count)
      # Off-screen-only scenes show only distractors; with probability 1
      # every one of them pulses, with 0 none does.
      self.assertEqual(video_cue.has_pulsing_distractor(scene),
                       pulse_probability == 1.0 and count > 0)
    self.assertGreater(max(distractors), 0)
    self.assertIn(0, distractors)

  def test_on_screen_objects_are_not_distractors(self):
    # An on-screen-only scene without distractors: its objects pulse with
    # their sounds, and none of them is a silent distractor.
    options = dataclasses.replace(_OPTIONS, max_distractors=0)
    scene = synthetic.generate_scene((8, 0), 1, options)
    self.assertNotEmpty(scene.object_event)
    self.assertGreater(np.ptp(scene.object_brightness[0]), 0)
    self.assertFalse(video_cue.has_pulsing_distractor(scene))

  def test_analyse_regroups_like_brute_force(self):
    root = self.create_tempdir().full_path
    planned = _write_info(root, num_test=16)
    off = [clip for clip in planned if clip.label == 0]
    self.assertLen(off, 8)
    rng = np.random.default_rng(0)
    rows, expected = [], {'pulsing': [], 'still': []}
    for i, clip in enumerate(off):
      scene = synthetic.generate_scene(clip.seed, clip.label, _OPTIONS)
      pulsing = any(np.ptp(b) > 0 for e, b in zip(scene.object_event,
                                                  scene.object_brightness)
                    if e == -1)
      probabilities = rng.uniform(size=4)
      osr = float(rng.uniform(0, 20))
      expected['pulsing' if pulsing else 'still'].append(
          (probabilities.mean(), osr))
      partner = off[(i + 1) % len(off)].clip_id
      common = dict(split='test', set='off_screen', label=0, theta=0.5,
                    osr_db=osr, clip_id=f'{clip.clip_id}+{partner}',
                    probabilities=';'.join(map(str, probabilities)))
      rows.append(dict(common, operating_point='calibrated'))
      # Rows that must be left out: uncalibrated, another split or set.
      rows.append(dict(common, operating_point='uncalibrated', osr_db=-99))
      rows.append(dict(common, operating_point='calibrated',
                       split='single_mixture', osr_db=-99))
    self.assertNotEmpty(expected['pulsing'])
    self.assertNotEmpty(expected['still'])
    evaluation = os.path.join(root, 'evaluation')
    os.makedirs(evaluation)
    _write_per_example(evaluation, rows)
    results = video_cue.analyse(root, {'run': evaluation})
    groups = results['groups']['run']
    for name, members in expected.items():
      self.assertEqual(groups[name]['num_moms'], len(members))
      self.assertAllClose(groups[name]['mean_probability'],
                          np.mean([p for p, _ in members]))
      self.assertAllClose(groups[name]['median_osr_db'],
                          np.median([o for _, o in members]))
    markdown = video_cue.markdown(results)
    self.assertIn(f'| run | {len(expected["pulsing"])} |', markdown)

    # The command (a subprocess: the binary's absl flags are its own)
    # writes the same groups.
    output_dir = os.path.join(root, 'out')
    script = os.path.join(os.path.dirname(video_cue.__file__),
                          'video_cue.py')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', CUDA_VISIBLE_DEVICES='')
    done = subprocess.run(
        [sys.executable, script, f'--data_dir={root}',
         f'--evaluation_dirs=run={evaluation}', f'--output_dir={output_dir}'],
        capture_output=True, text=True, env=env, timeout=300, check=False)
    self.assertEqual(done.returncode, 0, msg=done.stderr[-3000:])
    with open(os.path.join(output_dir, video_cue.RESULTS_FILE)) as f:
      self.assertEqual(json.load(f)['groups'], results['groups'])
    with open(os.path.join(output_dir, video_cue.MARKDOWN_FILE)) as f:
      self.assertEqual(f.read(), markdown)

    # The same rows named by their position in the pair lists (evaluations
    # written before MoM ids): on-screen pairs first, then off-screen.
    on_pairs = [('test-000900', 'test-000901')] * 3
    for kind, pairs in (('on_screen', on_pairs),
                        ('off_screen', [row['clip_id'].split('+')
                                        for row in rows[::3]])):
      with open(os.path.join(root, f'test_mom_filtered_{kind}.csv'),
                'w') as f:
        writer = csv.writer(f)
        writer.writerow(['clip_id1', 'clip_id2'])
        writer.writerows(pairs)
    for i, row in enumerate(rows):
      row['clip_id'] = f'example-{len(on_pairs) + i // 3}'
    numbered = os.path.join(root, 'numbered')
    os.makedirs(numbered)
    _write_per_example(numbered, rows)
    again = video_cue.analyse(root, {'run': numbered}, example_order=True)
    self.assertEqual(again['groups'], results['groups'])

  def test_rows_without_mom_ids_are_refused(self):
    root = self.create_tempdir().full_path
    _write_per_example(root, [dict(
        operating_point='calibrated', split='test', clip_id='example-3',
        set='off_screen', label=0, theta=0.0, osr_db=6.0,
        probabilities='0.5;0.5')])
    with self.assertRaisesRegex(ValueError, 'example_order'):
      video_cue.off_screen_rows(os.path.join(root,
                                             video_cue.PER_EXAMPLE_FILE))

  def test_unknown_clip_and_missing_info_name_the_fix(self):
    root = self.create_tempdir().full_path
    with self.assertRaisesRegex(FileNotFoundError, 'dataset_info.json'):
      video_cue.pulsing_flags(root, 'test', ['test-000000'])
    _write_info(root, num_test=4)
    with self.assertRaisesRegex(KeyError, 'not in the test split'):
      video_cue.pulsing_flags(root, 'test', ['test-000099'])


if __name__ == '__main__':
  tf.test.main()
