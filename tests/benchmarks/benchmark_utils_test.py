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
"""Tests for benchmarks/benchmark_utils.py (helpers, no timings)."""

import json
import os
import sys
import types

from absl import app
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, os.pardir, 'benchmarks'))
import benchmark_utils  # pylint: disable=g-import-not-at-top,wrong-import-position


# Independent oracles for three seeds (2 degrees of freedom), where the t
# distribution has a closed form: P(T > t) = 1/2 - t / (2 sqrt(2 + t^2)).
_T_975_DF2 = 4.302652729911275  # Two-sided 95% quantile, df = 2 (tables).
_Z_95 = 1.6448536269514722  # Normal quantiles (tables).
_Z_975 = 1.959963984540054
_Z_80 = 0.8416212335729143


def _sf_df2(t):
  return 0.5 - t / (2 * np.sqrt(2 + t * t))


def _three_seeds_with_p(mean, p_value):
  """Differences [mean - d, mean, mean + d] whose one-sided p is p_value."""
  q = 1 - 2 * p_value
  t = np.sqrt(2 * q * q / (1 - q * q))
  spread = mean * np.sqrt(3) / t  # The sample std of the three is `spread`.
  return [mean - spread, mean, mean + spread]


class BenchmarkUtilsTest(parameterized.TestCase, tf.test.TestCase):

  def test_start_main_dispatches_point_or_requires_output_dir(self):
    ran = []
    self.assertFalse(benchmark_utils.start_main(
        ['prog'], '5.0', ran.append, None, '/tmp/x'))
    self.assertEqual(ran, ['5.0'])
    self.assertTrue(benchmark_utils.start_main(
        ['prog'], None, ran.append, '/tmp/out', '/tmp/x'))
    self.assertEqual(ran, ['5.0'])
    with self.assertRaisesRegex(app.UsageError, '--output_dir=/tmp/x'):
      benchmark_utils.start_main(['prog'], None, ran.append, '', '/tmp/x')
    with self.assertRaisesRegex(app.UsageError, 'Too many'):
      benchmark_utils.start_main(['prog', 'extra'], None, ran.append,
                                 '/tmp/out', '/tmp/x')

  def test_flag_values_checks_required_flags_and_arguments(self):
    holders = {'a': types.SimpleNamespace(value='x'),
               'b': types.SimpleNamespace(value=[]),
               'c': types.SimpleNamespace(value=3)}
    self.assertEqual(benchmark_utils.flag_values(['prog'], holders, ['a']),
                     {'a': 'x', 'b': [], 'c': 3})
    with self.assertRaisesRegex(app.UsageError,
                                r'Pass --a, --b \(b missing\)'):
      benchmark_utils.flag_values(['prog'], holders, ['a', 'b'])
    with self.assertRaisesRegex(app.UsageError, 'Too many'):
      benchmark_utils.flag_values(['prog', 'extra'], holders, ['a'])

  def test_check_choices_names_flag_and_allowed_values(self):
    benchmark_utils.check_choices('modes', ['a'], ('a', 'b'))
    with self.assertRaisesRegex(app.UsageError,
                                r"--modes value 'c'; use one of \['a', 'b'\]"):
      benchmark_utils.check_choices('modes', ['a', 'c'], ('b', 'a'))

  @parameterized.parameters(1.0, 2.0, 0.5)
  def test_loglog_slope_of_power_law(self, exponent):
    xs = [1.0, 2.0, 4.0, 8.0]
    ys = [3.0 * x**exponent for x in xs]
    self.assertAlmostEqual(benchmark_utils.loglog_slope(xs, ys), exponent,
                           places=6)
    self.assertIsNone(benchmark_utils.loglog_slope([1.0], [2.0]))

  def test_paired_seed_comparison_against_closed_form_t(self):
    reference = [1.0, 2.0, 0.5]
    differences = [0.9, 0.1, 0.35]
    result = benchmark_utils.paired_seed_comparison(
        reference, {'a': [r + d for r, d in zip(reference, differences)]})
    a = result['candidates']['a']
    mean = np.mean(differences)
    std = np.sqrt(np.sum((np.array(differences) - mean)**2) / 2)
    self.assertEqual(a['num_seeds'], 3)
    self.assertAllClose(a['differences'], differences)
    self.assertAllClose(a['mean_difference'], mean)
    self.assertAllClose(a['std_difference'], std)
    half_width = _T_975_DF2 * std / np.sqrt(3)
    self.assertAllClose([a['ci_low'], a['ci_high']],
                        [mean - half_width, mean + half_width])
    self.assertAllClose(a['p_value'], _sf_df2(mean / (std / np.sqrt(3))))
    self.assertAllClose(a['p_value'], 0.0986, atol=1e-4)  # Above 0.05.
    self.assertFalse(a['above'])
    self.assertAllClose(a['holm_alpha'], 0.05)
    # One candidate: sized at level 0.05 (normal approximation).
    self.assertEqual(a['seeds_for_power'],
                     int(np.ceil(((_Z_95 + _Z_80) * std / mean)**2)))
    self.assertEqual((result['best'], result['verdict']), ('a', 'undecided'))

  @parameterized.named_parameters(
      # Holm with two candidates: 0.02 <= 0.05 / 2, then 0.04 <= 0.05 / 1.
      ('both_above', {'a': 0.02, 'b': 0.04}, {'a': True, 'b': True},
       {'a': 0.025, 'b': 0.05}, 'above'),
      # 0.03 > 0.025 stops the procedure (Bonferroni's level for the best).
      ('none_above', {'a': 0.03, 'b': 0.04}, {'a': False, 'b': False},
       {'a': 0.025, 'b': None}, 'undecided'),
      # Three: 0.01 <= 0.05 / 3, 0.03 > 0.05 / 2 stops; 0.2 is not tested.
      ('step_down_stops', {'a': 0.01, 'b': 0.2, 'c': 0.03},
       {'a': True, 'b': False, 'c': False},
       {'a': 0.05 / 3, 'b': None, 'c': 0.025}, 'above'))
  def test_paired_seed_comparison_holm(self, p_values, above, levels,
                                       verdict):
    reference = [0.0, 0.0, 0.0]
    candidates = {name: _three_seeds_with_p(1.0, p)
                  for name, p in p_values.items()}
    result = benchmark_utils.paired_seed_comparison(reference, candidates)
    for name, p_value in p_values.items():
      got = result['candidates'][name]
      self.assertAllClose(got['p_value'], p_value, atol=1e-9)
      self.assertEqual(got['above'], above[name], name)
      if levels[name] is None:
        self.assertIsNone(got['holm_alpha'], name)
      else:
        self.assertAllClose(got['holm_alpha'], levels[name])
      # Sized at Bonferroni's level alpha / 2 or / 3 (normal approximation).
      z = {2: _Z_975, 3: 2.1280452038560776}[len(p_values)] + _Z_80
      self.assertEqual(got['seeds_for_power'],
                       int(np.ceil((z * got['std_difference']) ** 2)))
    self.assertEqual(result['verdict'], verdict)

  def test_paired_seed_comparison_not_above_missing_and_single_seed(self):
    result = benchmark_utils.paired_seed_comparison(
        [2.0, None, 1.0], {'a': [1.5, 3.0, 1.2], 'b': [1.0, 9.0, 0.0]})
    a, b = result['candidates']['a'], result['candidates']['b']
    self.assertAllClose(a['differences'], [-0.5, 0.2])  # Seed 1 left out.
    self.assertEqual(a['num_seeds'], 2)
    self.assertGreater(a['p_value'], 0.5)
    self.assertIsNone(a['seeds_for_power'])
    self.assertAllClose(b['p_value'], 1.0)  # Both seeds -1: no spread.
    self.assertAllClose([b['ci_low'], b['ci_high']], [-1.0, -1.0])
    self.assertEqual((result['best'], result['verdict']), ('a', 'not above'))
    one = benchmark_utils.paired_seed_comparison([1.0], {'a': [1.4]})
    self.assertAllClose(one['candidates']['a']['mean_difference'], 0.4)
    for key in ('std_difference', 'ci_low', 'p_value', 'seeds_for_power'):
      self.assertIsNone(one['candidates']['a'][key], key)
    self.assertEqual(one['verdict'], 'undecided')  # One seed cannot decide.
    same = benchmark_utils.paired_seed_comparison([0.0, 1.0], {'a': [1.0, 2.0]})
    self.assertEqual(same['candidates']['a']['p_value'], 0.0)
    self.assertEqual(same['verdict'], 'above')

  def test_paired_seed_comparison_rejects_unpaired_or_bad_levels(self):
    with self.assertRaisesRegex(ValueError, 'b has 2 seeds, the reference 3'):
      benchmark_utils.paired_seed_comparison([1.0, 2.0, 3.0],
                                             {'b': [1.0, 2.0]})
    with self.assertRaisesRegex(ValueError, 'at least one candidate'):
      benchmark_utils.paired_seed_comparison([1.0], {})
    with self.assertRaisesRegex(ValueError, r'alpha and power must be in'):
      benchmark_utils.paired_seed_comparison([1.0], {'a': [1.0]}, alpha=0.0)

  def test_markdown_table(self):
    lines = benchmark_utils.markdown_table(['Model', 'A', 'B'],
                                           [['x', '1.00', '-'],
                                            ['y', '2.50', '3']])
    self.assertEqual(lines, ['| Model | A | B |', '|---|---:|---:|',
                             '| x | 1.00 | - |', '| y | 2.50 | 3 |'])
    self.assertLen(benchmark_utils.markdown_table(['Only'], []), 2)

  def test_doubling_lengths(self):
    self.assertEqual(benchmark_utils.doubling_lengths(5.0, 40.0),
                     [5.0, 10.0, 20.0, 40.0])
    self.assertEqual(benchmark_utils.doubling_lengths(5.0, 39.0),
                     [5.0, 10.0, 20.0])

  def test_write_json_adds_machine_and_keeps_start(self):
    path = os.path.join(self.create_tempdir().full_path, 'r', 'out.json')
    benchmark_utils.write_json(
        path, {'machine': {'cpu_count': -1}, 'x': np.float32(1.5)})
    with open(path) as f:
      written = json.load(f)
    self.assertEqual(written['x'], 1.5)
    self.assertEqual(written['machine_at_start'], {'cpu_count': -1})
    self.assertEqual(written['machine']['cpu_count'], os.cpu_count())
    self.assertLen(written['machine']['load_average'], 3)
    self.assertIsInstance(written['machine']['cpu_model'], str)
    self.assertIsInstance(written['machine']['cpu_vector_extensions'], list)
    self.assertIn('note', written)

  @parameterized.parameters(None, 'a note')
  def test_write_report_writes_json_and_markdown(self, note):
    folder = os.path.join(self.create_tempdir().full_path, 'report')
    path = benchmark_utils.write_report(folder, 'r.json', 'r.md', {'x': 2},
                                        '# Title\n', note=note)
    self.assertEqual(path, os.path.join(folder, 'r.json'))
    with open(path) as f:
      written = json.load(f)
    self.assertEqual(written['x'], 2)
    self.assertEqual(written['markdown'], '# Title\n')
    self.assertEqual(written.get('note'), note)
    with open(os.path.join(folder, 'r.md')) as f:
      self.assertEqual(f.read(), '# Title\n')


if __name__ == '__main__':
  tf.test.main()
