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
r"""CPU cost of the MixIT loss: inner-product search against remix search.

  python benchmarks/mixit_search.py --output_dir=/tmp/mixit_search
  python benchmarks/mixit_search.py --output_dir=/tmp/mixit_search --quick

`losses.mixit` searches the R^M assignments of M estimates to R = 2
reference mixtures. With the thresholded SNR (the training loss) it scores
every candidate from the inner products of references and estimates; with
any other `loss_fn` it builds all `[batch, 2^M, 2, time]` remixes, as
Google's code does. Both then compute the loss of the chosen remix, so the
losses, the assignments and the gradients are the same (checked here on the
timed batch). For M in `--num_sources`, this times a tf.function of the
loss and its gradient with respect to the estimates (min and median of
`--repeats`) with each search, the second forced by wrapping the SNR in a
lambda, and writes JSON and Markdown with the remix tensor's size.
"""

import functools
import os
from typing import Any, Dict, Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from audioscope import losses

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

JSON_FILE = 'mixit_search.json'
MARKDOWN_FILE = 'mixit_search.md'
SEARCHES = ('inner_products', 'remixes')


def define_flags() -> Dict[str, Any]:
  return {
      'output_dir': flags.DEFINE_string('output_dir', None,
                                        'Where to write JSON and Markdown.'),
      'num_sources': flags.DEFINE_list('num_sources', ['2', '4', '8'],
                                       'Values of M.'),
      'batch_size': flags.DEFINE_integer('batch_size', 8, 'MoMs per call.'),
      'seconds': flags.DEFINE_float('seconds', 2.0,
                                    'Clip length at 16 kHz.'),
      'repeats': flags.DEFINE_integer('repeats', 5, 'Timed calls.'),
      'quick': flags.DEFINE_bool('quick', False,
                                 'Smoke run: 0.25 s clips, 2 repeats.'),
  }


def loss_fn_of(search: str):
  """The `loss_fn` that makes `losses.mixit` use `search`."""
  snr = functools.partial(losses.negative_thresholded_snr, snr_max_db=30.0)
  if search == 'inner_products':
    return snr
  if search == 'remixes':
    return lambda reference, estimate: snr(reference, estimate)
  raise ValueError(f'search must be one of {SEARCHES}, got {search!r}.')


def loss_and_gradient(search: str):
  """tf.function (references, estimates) -> (mean loss, mixing, gradient)."""
  loss_fn = loss_fn_of(search)

  @tf.function
  def fn(references, estimates):
    with tf.GradientTape() as tape:
      tape.watch(estimates)
      loss, mixing = losses.mixit(references, estimates, loss_fn=loss_fn)
      total = tf.reduce_mean(loss)
    return total, mixing, tape.gradient(total, estimates)

  return fn


def measure(num_sources: int, batch_size: int, num_samples: int,
            repeats: int, seed: int = 0) -> Dict[str, Any]:
  """Times both searches on one random batch and checks they agree."""
  rng = np.random.default_rng(seed)
  references = tf.constant(
      rng.normal(size=(batch_size, 2, num_samples)).astype(np.float32))
  estimates = tf.constant(
      rng.normal(size=(batch_size, num_sources, num_samples)).astype(
          np.float32))
  result = dict(num_sources=num_sources, num_candidates=2**num_sources,
                remix_tensor_mb=batch_size * 2**num_sources * 2 *
                num_samples * 4 / 2**20)
  outputs = {}
  for search in SEARCHES:
    fn = loss_and_gradient(search)
    outputs[search] = [t.numpy() for t in fn(references, estimates)]
    logging.info('M = %d, %s search:', num_sources, search)
    result[search] = benchmark_utils.time_calls(
        lambda: fn(references, estimates)[0].numpy(), repeats,  # pylint: disable=cell-var-from-loop
        log=logging.info)
  (loss_a, mixing_a, grad_a), (loss_b, mixing_b, grad_b) = (
      outputs[s] for s in SEARCHES)
  result['same_assignments'] = bool(np.array_equal(mixing_a, mixing_b))
  result['loss_difference'] = float(abs(loss_a - loss_b))
  result['gradient_max_difference'] = float(np.max(np.abs(grad_a - grad_b)))
  result['speedup'] = (result['remixes']['min_s'] /
                       result['inner_products']['min_s'])
  return result


def markdown(results: Dict[str, Any]) -> str:
  header = ['M', 'candidates', 'remix tensor (MB)',
            'inner products, min (ms)', 'remixes, min (ms)', 'speed-up',
            'same assignments', 'max gradient difference']
  rows = [[str(r['num_sources']), str(r['num_candidates']),
           f"{r['remix_tensor_mb']:.1f}",
           f"{1e3 * r['inner_products']['min_s']:.1f}",
           f"{1e3 * r['remixes']['min_s']:.1f}", f"{r['speedup']:.1f}x",
           'yes' if r['same_assignments'] else 'NO',
           f"{r['gradient_max_difference']:.1e}"]
          for r in results['points']]
  lines = [f"MixIT loss and gradient, batch {results['batch_size']}, "
           f"{results['seconds']} s at 16 kHz, min of {results['repeats']} "
           f"calls:", ''] + benchmark_utils.markdown_table(header, rows)
  return '\n'.join(lines) + '\n'


def run(values: Dict[str, Any]) -> Dict[str, Any]:
  seconds = 0.25 if values['quick'] else values['seconds']
  repeats = 2 if values['quick'] else values['repeats']
  try:
    num_sources = [int(m) for m in values['num_sources']]
  except ValueError as e:
    raise app.UsageError(f'--num_sources must be integers, got '
                         f"{values['num_sources']}.") from e
  results = dict(batch_size=values['batch_size'], seconds=seconds,
                 repeats=repeats, machine=benchmark_utils.machine_info(),
                 load_average_at_start=benchmark_utils.load_average())
  results['points'] = [
      measure(m, values['batch_size'], int(round(seconds * 16000)), repeats)
      for m in num_sources]
  benchmark_utils.write_report(values['output_dir'], JSON_FILE,
                               MARKDOWN_FILE, results, markdown(results))
  return results


def main(argv: Sequence[str], holders: Dict[str, Any]) -> None:
  run(benchmark_utils.flag_values(argv, holders, ['output_dir']))


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
