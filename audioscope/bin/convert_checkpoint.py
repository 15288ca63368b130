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
r"""Converts a Google sound-separation TDCN++ checkpoint for audioscope.

  gsutil -m cp -r gs://gresearch/sound_separation/yfcc100m_mixit_model_checkpoint .
  audioscope_convert_checkpoint \
    --original=yfcc100m_mixit_model_checkpoint/dm3/model.ckpt-XXXX \
    --output=/tmp/separator_dm3 --saved_model_dir=/tmp/separator_dm3_saved

`--original` is a checkpoint prefix or the folder holding it; `--override`
takes `ImprovedTDCN` arguments as name=value (e.g. --override=hop_samples=20).
"""

import ast

from absl import app
from absl import flags

from audioscope.bin import console

_ORIGINAL = flags.DEFINE_string(
    'original', None, 'Original TF1 checkpoint prefix or folder.')
_OUTPUT = flags.DEFINE_string(
    'output', None, 'Output folder for tf.train.Checkpoint(separator=...).')
_SAVED_MODEL_DIR = flags.DEFINE_string(
    'saved_model_dir', None, 'Optional folder for a SavedModel.')
_OVERRIDE = flags.DEFINE_multi_string(
    'override', [], 'ImprovedTDCN argument as name=value.')


def run(argv) -> None:
  if len(argv) > 1:
    raise app.UsageError('Too many command-line arguments.')
  if not _ORIGINAL.value or not _OUTPUT.value:
    raise app.UsageError('Pass --original=<checkpoint> and --output=<dir>.')
  from audioscope.separation import convert_checkpoint_lib  # pylint: disable=g-import-not-at-top
  overrides = {}
  for item in _OVERRIDE.value:
    if '=' not in item:
      raise app.UsageError(f'--override needs name=value, got {item!r}.')
    key, value = item.split('=', 1)
    try:
      overrides[key.strip()] = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
      overrides[key.strip()] = value.strip()
  paths = convert_checkpoint_lib.convert(
      _ORIGINAL.value, _OUTPUT.value, _SAVED_MODEL_DIR.value, **overrides)
  print(paths)


def main() -> None:
  """Console-script entry point `audioscope_convert_checkpoint`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
