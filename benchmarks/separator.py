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
r"""CPU benchmark of the default TDCN++ separator; writes JSON.

  python benchmarks/separator.py --output_dir=/tmp/bench            # minutes
  python benchmarks/separator.py --output_dir=/tmp/bench --quick    # smoke

Times forward and forward+backward of `ImprovedTDCN()` (M = 4) on a batch of
`--seconds` s at 16 kHz (min and median of `--repeats`), the real-time factor
(compute seconds per audio second), and the achieved GFLOP/s from an analytic
count next to the machine's float32 matmul GFLOP/s measured in the same run
(a chain of matmuls, so graph optimisation cannot drop any).

Analytic forward FLOPs (multiply-add = 2), F frames, N = 256, B = 256,
H = 512, k = 3, 32 blocks, M sources, window 40:
  encoder 2*F*40*N + decoder 2*M*F*N*40 + initial 2*F*N*B
  + blocks 32*(2*F*B*H*2 + 2*F*H*k) + mask head 2*F*B*M*N;
normalisation, PReLU and mask products are ignored (memory-bound, small
FLOPs). Backward is counted as 2x forward. XLA (`--xla`) is off by default:
it makes dilated depthwise convolutions far slower on CPU.
"""

import json
import os

from absl import app
from absl import flags
from absl import logging
import tensorflow as tf

from audioscope.separation import tdcn

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Where to write JSON.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 1, 'Batch size.')
_SECONDS = flags.DEFINE_float('seconds', 5.0, 'Clip length in seconds.')
_REPEATS = flags.DEFINE_integer('repeats', 5, 'Timed repeats.')
_XLA = flags.DEFINE_bool('xla', False, 'Also time jit_compile=True.')
_QUICK = flags.DEFINE_bool('quick', False, 'Smoke run: 0.5 s, 2 repeats.')


def forward_flops(model, num_samples, batch):
  f = model.num_frames(num_samples)
  n, b, h, k = (model.num_basis, model.bottleneck, model.conv_channels,
                model.kernel_size)
  m, w = model.num_sources, model.window_samples
  blocks = len(model.blocks) * (2 * f * b * h * 2 + 2 * f * h * k)
  return batch * (2 * f * w * n + 2 * m * f * n * w + 2 * f * n * b + blocks +
                  2 * f * b * m * n)


def _time(fn, repeats):
  return benchmark_utils.time_calls(fn, repeats, log=logging.info)


def run(argv):
  del argv
  if not _OUTPUT_DIR.value:
    raise app.UsageError('Pass --output_dir.')
  seconds = 0.5 if _QUICK.value else _SECONDS.value
  repeats = 2 if _QUICK.value else _REPEATS.value
  batch = _BATCH_SIZE.value
  num_samples = int(seconds * 16000)
  model = tdcn.ImprovedTDCN()
  audio = tf.random.normal([batch, num_samples]) * 0.1
  flops = forward_flops(model, num_samples, batch)
  results = dict(batch_size=batch, seconds=seconds, num_samples=num_samples,
                 num_parameters=None, forward_gflop=flops / 1e9,
                 cpu_count=os.cpu_count(),
                 load_average_at_start=benchmark_utils.load_average(),
                 machine=benchmark_utils.machine_info())

  logging.info('Measuring float32 matmul GFLOP/s ...')
  results['matmul'] = benchmark_utils.matmul_gflops(repeats)
  model.build()
  results['num_parameters'] = int(model.count_params())

  for jit in ([False, True] if _XLA.value else [False]):
    forward = tf.function(lambda x: tf.reduce_sum(model(x)), jit_compile=jit)

    def grad_fn(x):
      with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(model(x)))
      return tape.gradient(loss, model.trainable_variables)[0]

    backward = tf.function(grad_fn, jit_compile=jit)
    key = 'xla' if jit else 'graph'
    logging.info('Timing forward (%s) ...', key)
    fwd = _time(lambda: forward(audio).numpy(), repeats)  # pylint: disable=cell-var-from-loop
    logging.info('Timing forward+backward (%s) ...', key)
    fb = _time(lambda: backward(audio).numpy(), repeats)  # pylint: disable=cell-var-from-loop
    audio_seconds = batch * seconds
    results[key] = dict(
        forward=fwd, forward_backward=fb,
        forward_real_time_factor=fwd['min_s'] / audio_seconds,
        forward_backward_real_time_factor=fb['min_s'] / audio_seconds,
        forward_gflops=flops / fwd['min_s'] / 1e9,
        forward_backward_gflops=3 * flops / fb['min_s'] / 1e9)
    logging.info('%s: %s', key, results[key])

  path = benchmark_utils.write_json(
      os.path.join(_OUTPUT_DIR.value, 'separator.json'), results)
  print(json.dumps(results, indent=2))
  logging.info('Wrote %s', path)


if __name__ == '__main__':
  app.run(run)
