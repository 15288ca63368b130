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
"""Sharding, worker and decode flags shared by the recipe binaries.

make_yfcc_tfrecords and make_mom_sets define them once, at import time:

  _FLAGS = recipe_flags.define_recipe_flags('Rows per output shard.')
  ...
  make_yfcc_tfrecords_lib.make_from_lists(
      ..., rows_per_shard=_FLAGS.rows_per_shard.value,
      **_FLAGS.decode_options())
"""

import dataclasses
from typing import Any, Dict

from absl import flags


@dataclasses.dataclass(frozen=True)
class RecipeFlags:
  """Holders of the shared recipe flags."""
  rows_per_shard: flags.FlagHolder
  num_workers: flags.FlagHolder
  start_method: flags.FlagHolder
  frame_encoding: flags.FlagHolder
  jpeg_quality: flags.FlagHolder
  sample_rate: flags.FlagHolder
  frame_rate: flags.FlagHolder
  frame_size: flags.FlagHolder
  max_pad_seconds: flags.FlagHolder

  def decode_options(self) -> Dict[str, Any]:
    """The decode and encoding options of the flags (frame_size a tuple)."""
    return dict(
        frame_encoding=self.frame_encoding.value,
        jpeg_quality=self.jpeg_quality.value,
        sample_rate=self.sample_rate.value, frame_rate=self.frame_rate.value,
        frame_size=tuple(int(v) for v in self.frame_size.value),
        max_pad_seconds=self.max_pad_seconds.value)


def define_recipe_flags(rows_per_shard_help: str) -> RecipeFlags:
  """Defines the sharding, worker and decode flags of a recipe binary.

  Args:
    rows_per_shard_help: help text of --rows_per_shard (what a row is).

  Returns:
    Their holders.
  """
  return RecipeFlags(
      rows_per_shard=flags.DEFINE_integer('rows_per_shard', 256,
                                          rows_per_shard_help),
      num_workers=flags.DEFINE_integer('num_workers', 1, 'Worker processes.'),
      start_method=flags.DEFINE_enum(
          'start_method', 'forkserver', ['forkserver', 'spawn', 'fork'],
          'multiprocessing start method (fork is unsafe with TensorFlow).'),
      frame_encoding=flags.DEFINE_enum(
          'frame_encoding', 'jpeg', ['jpeg', 'raw'], 'How frames are stored.'),
      jpeg_quality=flags.DEFINE_integer('jpeg_quality', 90, 'JPEG quality.'),
      sample_rate=flags.DEFINE_integer('sample_rate', 16000,
                                       'Audio rate, Hz.'),
      frame_rate=flags.DEFINE_float('frame_rate', 16.0, 'Stored frame rate.'),
      frame_size=flags.DEFINE_list('frame_size', ['128', '128'],
                                   'Frame height,width.'),
      max_pad_seconds=flags.DEFINE_float(
          'max_pad_seconds', 0.5,
          'A stream ending at most this early is padded; later: '
          'out_of_range.'))
