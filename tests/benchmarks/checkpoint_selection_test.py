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
"""Tests for benchmarks/checkpoint_selection.py.

The selection and correlation helpers against NumPy oracles; the binary in
--fast mode (a subprocess: its flags are its own), trained, evaluated,
then resumed with more steps.
"""

import json
import math
import os
import subprocess
import sys

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import checkpoint_selection  # pylint: disable=g-import-not-at-top,wrong-import-position

_SCRIPT = checkpoint_selection.__file__


def _rule(name):
  return {n: score for n, _, score in checkpoint_selection.RULES}[name]


def _rows(seed=0, num=9, every=50):
  """Trajectory rows with random metrics (a few None, one tie)."""
  rng = np.random.default_rng(seed)
  rows = []
  for i in range(num):
    point = lambda: {k: float(rng.normal())  # pylint: disable=g-long-lambda
                     for k in checkpoint_selection.METRICS}
    rows.append({'step': (i + 1) * every, 'validation_raw': point(),
                 'validation_calibrated': point(), 'test_raw': point(),
                 'test_calibrated': point()})
  rows[2]['validation_raw']['auc'] = None
  rows[5]['validation_raw']['auc'] = rows[6]['validation_raw']['auc'] = 5.0
  return rows


def _ranks(x):
  """Average ranks (ties share the mean rank)."""
  x = np.asarray(x, np.float64)
  order = np.argsort(x, kind='stable')
  ranks = np.empty(len(x))
  ranks[order] = np.arange(len(x), dtype=np.float64)
  for value in np.unique(x):
    ranks[x == value] = ranks[x == value].mean()
  return ranks


class SelectionTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(100, 250, 450, 1000)
  def test_every_rule_picks_the_largest_score_within_the_budget(self, within):
    rows = _rows()
    for name, _, score in checkpoint_selection.RULES:
      candidates = [(r['step'], score(r)) for r in rows
                    if r['step'] <= within and score(r) is not None]
      best = max(value for _, value in candidates)
      expected = min(step for step, value in candidates if value == best)
      picked = checkpoint_selection.select(rows, score, within)
      self.assertEqual(picked['step'], expected, name)

  def test_ties_go_to_the_earliest_and_none_is_skipped(self):
    rows = _rows()
    auc = _rule('validation_auc')
    self.assertEqual(checkpoint_selection.select(rows, auc, 1000)['step'],
                     300)  # Rows 5 and 6 tie at 5.0: step 300, not 350.
    self.assertIsNone(checkpoint_selection.select(rows, auc, 40))
    only_none = [dict(rows[2])]
    self.assertIsNone(checkpoint_selection.select(only_none, auc, 1000))

  def test_paper_rule_is_min_of_validation_snr_and_osr(self):
    rows = _rows(seed=1)
    paper = _rule('paper')
    scores = [min(r['validation_raw']['median_snr_db'],
                  r['validation_raw']['median_osr_db']) for r in rows]
    self.assertEqual(checkpoint_selection.select(rows, paper, 1000)['step'],
                     rows[int(np.argmax(scores))]['step'])

  def test_spearman_against_pearson_of_ranks(self):
    rng = np.random.default_rng(4)
    x = rng.normal(size=12)
    y = x + rng.normal(size=12)
    y[3] = y[4]  # A tie.
    expected = np.corrcoef(_ranks(x), _ranks(y))[0, 1]
    self.assertAllClose(checkpoint_selection.spearman(list(x), list(y)),
                        expected, atol=1e-12)
    x_with_none = list(x) + [None, 1.0]
    y_with_none = list(y) + [2.0, float('nan')]
    self.assertAllClose(
        checkpoint_selection.spearman(x_with_none, y_with_none), expected,
        atol=1e-12)
    self.assertIsNone(checkpoint_selection.spearman([1.0, 2.0], [2.0, 1.0]))
    self.assertIsNone(checkpoint_selection.spearman([1.0] * 4, [1, 2, 3, 4]))

  def test_analyse(self):
    rows = _rows(seed=2)
    result = checkpoint_selection.analyse(rows, [200, 450])
    self.assertEqual(result['selections']['last']['200']['step'], 200)
    self.assertEqual(result['selections']['last']['450']['step'], 450)
    test = [r['test_calibrated'] for r in rows]
    self.assertAllClose(
        result['correlations']['test_snr_vs_test_auc'],
        np.corrcoef(_ranks([t['median_snr_db'] for t in test]),
                    _ranks([t['auc'] for t in test]))[0, 1])
    self.assertNotIn('last_vs_test_auc', result['correlations'])


class FastBenchmarkTest(tf.test.TestCase):

  def _run(self, output_dir, steps):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    command = [sys.executable, _SCRIPT, f'--output_dir={output_dir}',
               '--fast', '--seeds=3', '--separator_steps=1',
               '--coincidence_steps=1', f'--audioscope_steps={steps}',
               '--checkpoint_every=2']
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-6000:])
    with open(os.path.join(output_dir, checkpoint_selection.JSON_FILE)) as f:
      return json.load(f), result.stderr

  def test_fast_mode_trains_evaluates_selects_and_resumes(self):
    output_dir = self.create_tempdir().full_path
    report, _ = self._run(output_dir, 4)
    rows = report['trajectories']['3']
    self.assertEqual([r['step'] for r in rows], [2, 4])
    for row in rows:
      for point in ('validation_raw', 'validation_calibrated', 'test_raw',
                    'test_calibrated'):
        for key in ('theta', 'median_snr_db', 'median_osr_db'):
          value = row[point][key]
          self.assertTrue(value is not None and math.isfinite(value),
                          f'{row["step"]} {point} {key} = {value}')
      self.assertEqual(row['validation_raw']['theta'], 0.0)
      # Calibrated on validation: the same theta on test.
      self.assertEqual(row['validation_calibrated']['theta'],
                       row['test_calibrated']['theta'])
    self.assertEqual(report['budget']['select_within'], [4])
    selections = report['analysis']['3']['selections']
    self.assertEqual(selections['last']['4']['step'], 4)
    for name, _, score in checkpoint_selection.RULES:
      expected = checkpoint_selection.select(rows, score, 4)
      picked = selections[name]['4']
      self.assertEqual(None if picked is None else picked['step'],
                       None if expected is None else expected['step'], name)
    with open(os.path.join(output_dir,
                           checkpoint_selection.MARKDOWN_FILE)) as f:
      markdown = f.read()
    self.assertIn('## Seed 3', markdown)
    self.assertIn('| paper: min(SNR, OSR)', markdown)

    # More steps: training resumes, only the new checkpoint is evaluated.
    report, log = self._run(output_dir, 6)
    again = report['trajectories']['3']
    self.assertEqual([r['step'] for r in again], [2, 4, 6])
    self.assertEqual(again[:2], rows)
    self.assertIn('checkpoint 1/1 (step 6', log)
    self.assertEqual(report['budget']['select_within'], [6])


if __name__ == '__main__':
  tf.test.main()
