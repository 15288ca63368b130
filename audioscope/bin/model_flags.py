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
"""The model flags of the tools that run a trained model on your videos.

`audioscope_separate` and `audioscope_calibrate` take an export
(--saved_model) or a training folder with a checkpoint and gin
(--model_dir, --checkpoint, --gin_file, --gin_param), as
`separate_lib.load_model` does. Defined here, at import, once per process;
a binary lists them in its --help with `flags.adopt_module_key_flags`.
"""

from typing import Any, Dict

from absl import app
from absl import flags

SAVED_MODEL = flags.DEFINE_string(
    'saved_model', None, 'An audioscope_export folder.')
MODEL_DIR = flags.DEFINE_string(
    'model_dir', None, 'A training folder (instead of --saved_model).')
CHECKPOINT = flags.DEFINE_string(
    'checkpoint', 'latest', "With --model_dir: 'latest', 'best' or a prefix.")
GIN_FILE = flags.DEFINE_multi_string(
    'gin_file', [], 'With --model_dir: more gin files.')
GIN_PARAM = flags.DEFINE_multi_string(
    'gin_param', [], 'With --model_dir: more gin bindings.')


def load_model_kwargs() -> Dict[str, Any]:
  """The flags as `separate_lib.load_model` arguments.

  Raises:
    app.UsageError: neither or both of --saved_model and --model_dir.
  """
  if bool(SAVED_MODEL.value) == bool(MODEL_DIR.value):
    raise app.UsageError('Pass exactly one of --saved_model and --model_dir.')
  return dict(saved_model=SAVED_MODEL.value, model_dir=MODEL_DIR.value,
              checkpoint=CHECKPOINT.value, gin_files=GIN_FILE.value,
              gin_params=GIN_PARAM.value)
