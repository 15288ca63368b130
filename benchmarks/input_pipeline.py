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
r"""Input pipeline throughput: NOn training examples per second.

Writes a synthetic data set with data_recipes/make_synthetic into a temporary
folder (paper settings by default: 5 s clips, 16 kHz, 16 FPS, 128x128 JPEG
frames) and times `pipeline.non_dataset` batches. With `--train_step`
(default on) it also measures the AudioScopeV2 training step's examples/s at
the same settings and batch size (benchmarks/train_throughput.py, one point in
a subprocess, without XLA) and reports `pipeline_over_train_step`: issue #5
asks for the input to be faster than the training step (ratio > 1).

  python benchmarks/input_pipeline.py --output=/tmp/input_pipeline.json
  python benchmarks/input_pipeline.py --quick --train_step=false

The JSON records the machine's CPU count and load average (shared machines
slow both measurements; compare the ratio).
"""

import json
import os
import sys
import tempfile
import time

from absl import app
from absl import flags
import numpy as np

from audioscope.data import pipeline
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

_QUICK = flags.DEFINE_bool('quick', False, 'Small data set, few batches.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 8, 'Global batch size.')
_CLIP_SECONDS = flags.DEFINE_float('clip_seconds', 5.0, 'Clip length (s).')
_FRAME_RATE = flags.DEFINE_float('frame_rate', 16.0, 'Output frame rate.')
_FRAME_SIZE = flags.DEFINE_list('frame_size', ['128', '128'],
                                'Frame height, width.')
_NUM_CLIPS = flags.DEFINE_integer('num_clips', 64, 'Clips written.')
_NUM_BATCHES = flags.DEFINE_integer('num_batches', 30, 'Timed batches.')
_TRAIN_STEP = flags.DEFINE_bool(
    'train_step', True,
    'Also time the training step at these settings (paper shapes only: '
    '5 s, 16 FPS, 128 x 128).')
_TRAIN_STEP_BATCH_SIZE = flags.DEFINE_integer(
    'train_step_batch_size', None,
    'Batch size of the timed training step (default --batch_size); '
    'examples/s are compared, so a smaller batch saves memory.')
_OUTPUT = flags.DEFINE_string('output', None, 'JSON output file.')


def measure_pipeline(batch_size, clip_seconds=5.0, frame_rate=16.0,
                     frame_size=(128, 128), num_clips=64, num_batches=30):
  """Examples/s of `pipeline.non_dataset` on a fresh synthetic data set."""
  options = synthetic.SceneOptions(clip_seconds=clip_seconds,
                                   frame_rate=frame_rate,
                                   frame_size=tuple(frame_size))
  with tempfile.TemporaryDirectory() as directory:
    start = time.time()
    make_synthetic_lib.make_synthetic(
        directory, {'train': num_clips}, seed=0, options=options,
        clips_per_shard=max(num_clips // 4, 1))
    write_seconds = time.time() - start
    dataset = pipeline.non_dataset(
        f'{directory}/train-*.tfrecord', batch_size, seed=0,
        stored_frame_rate=frame_rate, frame_rate=frame_rate,
        frame_size=tuple(frame_size), clip_seconds=clip_seconds)
    iterator = iter(dataset)
    next(iterator)  # Warm-up: tracing and buffers.
    times = []
    for _ in range(num_batches):
      start = time.time()
      batch = next(iterator)
      _ = batch['audio'].numpy()
      times.append(time.time() - start)
  return {
      'benchmark': 'input_pipeline',
      'pipeline': 'non_dataset',
      'batch_size': batch_size,
      'clip_seconds': options.clip_seconds,
      'sample_rate': options.sample_rate,
      'frame_rate': frame_rate,
      'frame_size': list(frame_size),
      'num_batches': num_batches,
      'examples_per_second': batch_size * num_batches / sum(times),
      'batch_seconds_median': float(np.median(times)),
      'batch_seconds_min': float(np.min(times)),
      'synthetic_clips_per_second_written': num_clips / write_seconds,
      'load_average': benchmark_utils.load_average(),
  }


def measure_train_step(batch_size, quick):
  """The paper-settings training step, one subprocess point."""
  script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'train_throughput.py')
  steps, repeats = (1, 1) if quick else (2, 3)
  command = [sys.executable, script, f'--point=paper,false,{batch_size}',
             f'--steps={steps}', f'--repeats={repeats}']
  record = benchmark_utils.run_point(command, 'TRAIN_THROUGHPUT_RESULT ',
                                     memory_limit_gb=24.0, timeout_s=1800.0)
  result = dict(status=record['status'], peak_rss_mb=record['peak_rss_mb'])
  result.update(record['result'] or {})
  if record['status'] != 'ok':
    result['error'] = record.get('error')
  return result


def main(argv):
  del argv
  num_clips = 16 if _QUICK.value else _NUM_CLIPS.value
  num_batches = 5 if _QUICK.value else _NUM_BATCHES.value
  frame_size = tuple(int(s) for s in _FRAME_SIZE.value)
  result = measure_pipeline(_BATCH_SIZE.value, _CLIP_SECONDS.value,
                            _FRAME_RATE.value, frame_size, num_clips,
                            num_batches)
  paper = (_CLIP_SECONDS.value == 5.0 and _FRAME_RATE.value == 16.0 and
           frame_size == (128, 128))
  if _TRAIN_STEP.value and paper:
    step = measure_train_step(_TRAIN_STEP_BATCH_SIZE.value or
                              _BATCH_SIZE.value, _QUICK.value)
    result['train_step'] = step
    if step.get('examples_per_second'):
      result['train_step_examples_per_second'] = step['examples_per_second']
      result['pipeline_over_train_step'] = (
          result['examples_per_second'] / step['examples_per_second'])
  result['machine'] = benchmark_utils.machine_info()
  text = json.dumps(result, indent=2, default=str)
  print(text)
  if _OUTPUT.value:
    benchmark_utils.write_json(_OUTPUT.value, result)


if __name__ == '__main__':
  app.run(main)
