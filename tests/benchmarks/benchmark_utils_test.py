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
