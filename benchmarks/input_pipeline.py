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
folder (paper settings: 5 s clips, 16 kHz, 16 FPS, 128x128 JPEG frames) and
times `pipeline.non_dataset` batches. Compare examples/s with the training
step's examples/s (benchmarks/train_throughput.py): the input must be faster.

  python benchmarks/input_pipeline.py --output=/tmp/input_pipeline.json
  python benchmarks/input_pipeline.py --quick
"""

import json
import tempfile
import time

from absl import app
from absl import flags
import numpy as np

from audioscope.data import pipeline
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

_QUICK = flags.DEFINE_bool('quick', False, 'Small data set, few batches.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', 8, 'Global batch size.')
_FRAME_RATE = flags.DEFINE_float('frame_rate', 16.0, 'Output frame rate.')
_NUM_CLIPS = flags.DEFINE_integer('num_clips', 64, 'Clips written.')
_NUM_BATCHES = flags.DEFINE_integer('num_batches', 30, 'Timed batches.')
_OUTPUT = flags.DEFINE_string('output', None, 'JSON output file.')


def main(argv):
  del argv
  num_clips = 16 if _QUICK.value else _NUM_CLIPS.value
  num_batches = 5 if _QUICK.value else _NUM_BATCHES.value
  options = synthetic.SceneOptions()
  with tempfile.TemporaryDirectory() as directory:
    start = time.time()
    make_synthetic_lib.make_synthetic(
        directory, {'train': num_clips}, seed=0, options=options,
        clips_per_shard=max(num_clips // 4, 1))
    write_seconds = time.time() - start
    dataset = pipeline.non_dataset(
        f'{directory}/train-*.tfrecord', _BATCH_SIZE.value, seed=0,
        frame_rate=_FRAME_RATE.value)
    iterator = iter(dataset)
    next(iterator)  # Warm-up: tracing and buffers.
    times = []
    for _ in range(num_batches):
      start = time.time()
      batch = next(iterator)
      _ = batch['audio'].numpy()
      times.append(time.time() - start)
  result = {
      'benchmark': 'input_pipeline',
      'pipeline': 'non_dataset',
      'batch_size': _BATCH_SIZE.value,
      'clip_seconds': options.clip_seconds,
      'sample_rate': options.sample_rate,
      'frame_rate': _FRAME_RATE.value,
      'frame_size': list(options.frame_size),
      'num_batches': num_batches,
      'examples_per_second': _BATCH_SIZE.value * num_batches / sum(times),
      'batch_seconds_median': float(np.median(times)),
      'batch_seconds_min': float(np.min(times)),
      'synthetic_clips_per_second_written': num_clips / write_seconds,
  }
  text = json.dumps(result, indent=2)
  print(text)
  if _OUTPUT.value:
    with open(_OUTPUT.value, 'w') as f:
      f.write(text + '\n')


if __name__ == '__main__':
  app.run(main)
