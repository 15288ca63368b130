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
r"""Writes a synthetic audio-visual data set (TFRecords + clip and MoM CSVs).

Usage:
  python -m data_recipes.make_synthetic --output_dir=/tmp/synthetic \
      --num_train=2000 --num_validation=200 --num_test=200 --seed=0 \
      --clip_seconds=5 --frame_rate=16 --frame_size=128,128 --num_workers=2

  # Harder scenes: more events and distractors (any SceneOptions field).
  python -m data_recipes.make_synthetic --output_dir=/tmp/hard \
      --gin_param='SceneOptions.max_events = 4' \
      --gin_param='SceneOptions.max_distractors = 3'

Re-running with the same flags skips the shards already written.
"""

from absl import app
from absl import flags
from absl import logging

from audioscope import gin_utils
from audioscope.bin import console
from audioscope.data import records
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Output folder.')
_NUM_TRAIN = flags.DEFINE_integer('num_train', 1000, 'Training clips.')
_NUM_VALIDATION = flags.DEFINE_integer('num_validation', 100,
                                       'Validation clips.')
_NUM_TEST = flags.DEFINE_integer('num_test', 100, 'Test clips.')
_SEED = flags.DEFINE_integer('seed', 0, 'Data set seed.')
_CLIP_SECONDS = flags.DEFINE_float('clip_seconds', 5.0, 'Clip length in s.')
_SAMPLE_RATE = flags.DEFINE_integer('sample_rate', records.SAMPLE_RATE,
                                    'Audio sample rate in Hz.')
_FRAME_RATE = flags.DEFINE_float('frame_rate', records.FRAME_RATE,
                                 'Stored frame rate in frames per second.')
_FRAME_SIZE = flags.DEFINE_list('frame_size', ['128', '128'],
                                'Frame height,width in pixels.')
_CLIPS_PER_SHARD = flags.DEFINE_integer('clips_per_shard', 128,
                                        'Clips per TFRecord file.')
_ON_SCREEN_FRACTION = flags.DEFINE_float(
    'on_screen_fraction', 0.2, 'Fraction of on-screen-only clips per split.')
_OFF_SCREEN_FRACTION = flags.DEFINE_float(
    'off_screen_fraction', 0.2, 'Fraction of off-screen-only clips per split.')
_MOMS_PER_CLIP = flags.DEFINE_integer(
    'moms_per_clip', 5, 'MoM pairs per labelled clip in the pair lists.')
_FRAME_ENCODING = flags.DEFINE_enum('frame_encoding', 'jpeg',
                                    list(records.FRAME_ENCODINGS),
                                    'How frames are stored.')
_NUM_WORKERS = flags.DEFINE_integer('num_workers', 1,
                                    'Processes writing shards.')
_GIN_FILE = flags.DEFINE_multi_string('gin_file', [], 'Gin config files.')
_GIN_PARAM = flags.DEFINE_multi_string(
    'gin_param', [], 'Gin bindings, e.g. "SceneOptions.max_events = 4".')


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {argv[1:]}')
  if not _OUTPUT_DIR.value:
    raise app.UsageError('--output_dir is required.')
  if len(_FRAME_SIZE.value) != 2:
    raise app.UsageError('--frame_size must be height,width, e.g. 128,128.')
  gin_utils.parse_gin(_GIN_FILE.value, _GIN_PARAM.value)
  options = synthetic.SceneOptions(
      clip_seconds=_CLIP_SECONDS.value,
      sample_rate=_SAMPLE_RATE.value,
      frame_rate=_FRAME_RATE.value,
      frame_size=tuple(int(s) for s in _FRAME_SIZE.value))
  info = make_synthetic_lib.make_synthetic(
      _OUTPUT_DIR.value,
      {'train': _NUM_TRAIN.value, 'validation': _NUM_VALIDATION.value,
       'test': _NUM_TEST.value},
      seed=_SEED.value,
      options=options,
      clips_per_shard=_CLIPS_PER_SHARD.value,
      on_screen_fraction=_ON_SCREEN_FRACTION.value,
      off_screen_fraction=_OFF_SCREEN_FRACTION.value,
      moms_per_clip=_MOMS_PER_CLIP.value,
      frame_encoding=_FRAME_ENCODING.value,
      num_workers=_NUM_WORKERS.value)
  logging.info('Synthetic data set in %s: %s', _OUTPUT_DIR.value,
               info['files'])


def console_entry_point():
  console.run(main, __name__)


if __name__ == '__main__':
  console_entry_point()
