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
"""Tests for benchmarks/mixit_search.py."""

import itertools
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
import mixit_search  # pylint: disable=g-import-not-at-top,wrong-import-position


def _np_best_assignment(references, estimates):
  """Brute-force MixIT with the thresholded SNR: [R, M] mixing matrix."""
  references = references.astype(np.float64)
  estimates = estimates.astype(np.float64)
  best, best_loss = None, np.inf
  for assignment in itertools.product(range(2), repeat=estimates.shape[0]):
    matrix = np.zeros((2, estimates.shape[0]))
    matrix[list(assignment), np.arange(estimates.shape[0])] = 1.0
    error = np.sum((references - matrix @ estimates)**2, axis=-1)
    loss = np.mean(10 * np.log10(
        error + 1e-3 * np.sum(references**2, axis=-1) + 1e-8))
    if loss < best_loss:
      best, best_loss = matrix, loss
  return best


class MixitSearchTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters('inner_products', 'remixes')
  def test_both_searches_find_the_brute_force_assignment(self, search):
    rng = np.random.default_rng(1)
    references = rng.normal(size=(3, 2, 40)).astype(np.float32)
    estimates = rng.normal(size=(3, 5, 40)).astype(np.float32)
    estimates[:, 0] += references[:, 0]
    estimates[:, 1] += references[:, 1]
    _, mixing, gradient = mixit_search.loss_and_gradient(search)(
        tf.constant(references), tf.constant(estimates))
    for b in range(3):
      self.assertAllEqual(mixing[b],
                          _np_best_assignment(references[b], estimates[b]))
    self.assertEqual(gradient.shape, (3, 5, 40))

  def test_unknown_search(self):
    with self.assertRaisesRegex(ValueError, 'inner_products'):
      mixit_search.loss_fn_of('gram')

  def test_run_writes_agreeing_points(self):
    output = self.create_tempdir().full_path
    results = mixit_search.run(dict(
        output_dir=output, num_sources=['2', '3'], batch_size=2, seconds=0.01,
        repeats=1, quick=False))
    with open(os.path.join(output, mixit_search.JSON_FILE)) as f:
      written = json.load(f)
    self.assertEqual([p['num_sources'] for p in written['points']], [2, 3])
    for point in results['points']:
      self.assertTrue(point['same_assignments'])
      self.assertLess(point['gradient_max_difference'], 1e-5)
      self.assertAlmostEqual(point['remix_tensor_mb'],
                             2 * 2**point['num_sources'] * 2 * 160 * 4 / 2**20)
      for search in mixit_search.SEARCHES:
        self.assertGreater(point[search]['min_s'], 0.0)
    with open(os.path.join(output, mixit_search.MARKDOWN_FILE)) as f:
      self.assertIn('| 3 | 8 |', f.read())

  def test_main_refuses_bad_flags(self):
    holders = {name: types.SimpleNamespace(value=value) for name, value in
               dict(output_dir='', num_sources=['4'], batch_size=1,
                    seconds=0.1, repeats=1, quick=True).items()}
    with self.assertRaisesRegex(app.UsageError, '--output_dir'):
      mixit_search.main(['mixit_search.py'], holders)
    holders['output_dir'] = types.SimpleNamespace(value='/tmp/o')
    holders['num_sources'] = types.SimpleNamespace(value=['four'])
    with self.assertRaisesRegex(app.UsageError, 'integers'):
      mixit_search.main(['mixit_search.py'], holders)


if __name__ == '__main__':
  tf.test.main()
