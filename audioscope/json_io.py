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
"""Atomic JSON and text files for results, summaries and resume records.

Every writer goes through a temporary file and a rename, so an interrupted
job never leaves a half-written summary that a resumed job would misread.
Paths may be local or any `tf.io.gfile` file system (gs://...).

  json_io.write_json('/tmp/run/summary.json', {'snr_db': np.float32(3.2)})
  json_io.read_json('/tmp/run/summary.json')  # {'snr_db': 3.2...}
"""

import json
import math
import os
from typing import Any

import numpy as np
import tensorflow as tf


def to_json_value(value: Any) -> Any:
  """`json.dump` default: NumPy values to Python, NaN to None, else str."""
  if isinstance(value, (np.floating, np.integer, np.bool_)):
    value = value.item()
  elif isinstance(value, np.ndarray):
    return value.tolist()
  elif hasattr(value, 'numpy'):  # Eager tensors.
    return to_json_value(value.numpy())
  if isinstance(value, float) and math.isnan(value):
    return None
  if isinstance(value, (bool, int, float)):
    return value
  return str(value)


def write_text(path: str, text: str) -> str:
  """Writes `text` to `path` atomically (temporary file + rename).

  Args:
    path: the file; its folder is created.
    text: the contents.

  Returns:
    `path`.
  """
  folder = os.path.dirname(path)
  if folder:
    tf.io.gfile.makedirs(folder)
  tmp = path + '.tmp'
  with tf.io.gfile.GFile(tmp, 'w') as f:
    f.write(text)
  tf.io.gfile.rename(tmp, path, overwrite=True)
  return path


def write_json(path: str, value: Any) -> str:
  """Writes `value` as indented JSON (NumPy values converted), atomically."""
  return write_text(
      path, json.dumps(value, indent=2, default=to_json_value) + '\n')


def read_json(path: str) -> Any:
  """Reads a JSON file, naming the file in the error if it is not JSON."""
  with tf.io.gfile.GFile(path) as f:
    text = f.read()
  try:
    return json.loads(text)
  except json.JSONDecodeError as e:
    raise ValueError(
        f'{path} is not valid JSON ({e}); delete it (it is rewritten by the '
        'job that made it) or restore it.') from e
