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
"""Tests for benchmarks/determinism.py: its helpers, then a --fast run.

The --fast run (the demo's smoke budgets, two fresh-process runs of two
AudioScopeV2 steps with `train.deterministic_ops`) takes about 1.5 minutes
on 2 CPU cores and asserts that the two runs give the same model.
"""

import json
import os
import subprocess
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

_BENCHMARKS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           os.pardir, os.pardir, 'benchmarks')
sys.path.insert(0, _BENCHMARKS)
import determinism  # pylint: disable=g-import-not-at-top,wrong-import-position


def _run(index, losses, md5='a', seconds=1.0):
  return {'mode': 'deterministic_ops', 'index': index,
          'train_seconds': seconds, 'losses': losses, 'checkpoint_md5': md5}


class HelpersTest(parameterized.TestCase, tf.test.TestCase):

  def test_summarize_groups_identical_runs(self):
    losses = {'1': 3.0, '2': 2.5}
    summary = determinism.summarize(
        [_run(0, losses), _run(1, dict(losses)), _run(2, dict(losses))])
    self.assertEqual(summary['distinct'], 1)
    self.assertTrue(summary['identical'])
    self.assertEqual(summary['outcomes'][0]['runs'], [0, 1, 2])
    self.assertEqual(summary['outcomes'][0]['last_loss'], 2.5)

  @parameterized.named_parameters(
      ('loss', {'1': 3.0, '2': 2.5000001}, 'a'),
      ('weights', {'1': 3.0, '2': 2.5}, 'b'))
  def test_summarize_tells_runs_apart(self, other_losses, other_md5):
    summary = determinism.summarize(
        [_run(0, {'1': 3.0, '2': 2.5}), _run(1, other_losses, other_md5),
         None])
    self.assertEqual(summary['distinct'], 2)
    self.assertFalse(summary['identical'])
    self.assertEqual(summary['failed'], 1)
    self.assertEqual([o['runs'] for o in summary['outcomes']], [[0], [1]])

  def test_summarize_with_every_run_failed_is_not_identical(self):
    summary = determinism.summarize([None, None])
    self.assertEqual((summary['distinct'], summary['failed']), (0, 2))
    self.assertFalse(summary['identical'])

  def _save(self, values, iterator_steps):
    directory = self.create_tempdir().full_path
    iterator = iter(tf.data.Dataset.range(10))
    for _ in range(iterator_steps):
      next(iterator)
    checkpoint = tf.train.Checkpoint(
        weights=tf.Variable(np.asarray(values, np.float32)),
        iterator=iterator)
    return checkpoint.save(os.path.join(directory, 'ckpt'))

  def test_checkpoint_md5_compares_weights_not_the_iterator(self):
    first = determinism.checkpoint_md5(self._save([1.0, 2.0], 1))
    # Another iterator position: the saved variant differs, not the weights.
    self.assertEqual(first, determinism.checkpoint_md5(
        self._save([1.0, 2.0], 4)))
    self.assertNotEqual(first, determinism.checkpoint_md5(
        self._save([1.0, np.nextafter(np.float32(2.0), np.float32(3.0))],
                   1)))

  def test_logged_losses_reads_the_summaries(self):
    directory = self.create_tempdir().full_path
    writer = tf.summary.create_file_writer(directory)
    with writer.as_default():
      for step, value in [(2, 1.5), (4, 1.25)]:
        tf.summary.scalar('losses/total_loss', value, step=step)
        tf.summary.scalar('losses/mixit', 9.0, step=step)
    writer.close()
    self.assertEqual(determinism.logged_losses(directory),
                     {2: 1.5, 4: 1.25})

  def test_unknown_mode_and_too_few_runs_are_errors(self):
    output_dir = self.create_tempdir().full_path
    with self.assertRaisesRegex(ValueError, 'Unknown mode'):
      determinism.run_benchmark(output_dir, modes=['fastest'])
    with self.assertRaisesRegex(ValueError, 'runs must be >= 2'):
      determinism.run_benchmark(output_dir, runs=1)
    with self.assertRaisesRegex(ValueError, 'lacks the finished stages'):
      determinism.run_benchmark(output_dir, demo_dir=output_dir)


class FastRunTest(tf.test.TestCase):

  def test_two_fast_runs_give_the_same_model(self):
    output_dir = self.create_tempdir().full_path
    completed = subprocess.run(
        [sys.executable, os.path.join(_BENCHMARKS, 'determinism.py'),
         f'--output_dir={output_dir}', '--fast', '--steps=2', '--runs=2',
         '--modes=deterministic_ops'],
        capture_output=True, text=True, timeout=900, check=False,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2'))
    self.assertEqual(completed.returncode, 0, completed.stderr[-3000:])
    with open(os.path.join(output_dir, determinism.JSON_FILE)) as f:
      report = json.load(f)
    summary = report['modes']['deterministic_ops']
    self.assertEqual((summary['runs'], summary['failed']), (2, 0))
    self.assertTrue(summary['identical'], summary)
    outcome = summary['outcomes'][0]
    self.assertEqual(outcome['runs'], [0, 1])
    self.assertEqual(sorted(outcome['losses'], key=int), ['1', '2'])
    self.assertTrue(all(np.isfinite(v) for v in outcome['losses'].values()))
    self.assertLen(outcome['checkpoint_md5'], 32)
    with open(os.path.join(output_dir, determinism.MARKDOWN_FILE)) as f:
      self.assertIn('| deterministic_ops | 2 | 1 | yes |', f.read())


if __name__ == '__main__':
  tf.test.main()
