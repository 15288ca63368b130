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
"""Data for audioscope: one TFRecord schema, synthetic scenes, tf.data.

Sub-modules load on first use:
  records     the TFRecord schema (`Clip`, `serialize_clip`, `parse_clip`,
              `write_clips`, `read_clips`)
  synthetic   procedurally generated audio-visual scenes
  pipeline    tf.data pipelines: audio MoMs, NOn, semi-supervised, evaluation
  video_io    MP4 reading and writing (PyAV)
  clip_lists  the published clip and MoM CSV formats
"""

import importlib

_SUBMODULES = ('clip_lists', 'pipeline', 'records', 'synthetic', 'video_io')


def __getattr__(name):
  if name in _SUBMODULES:
    module = importlib.import_module('audioscope.data.' + name)
    globals()[name] = module
    return module
  raise AttributeError(f'module audioscope.data has no attribute {name!r}')


def __dir__():
  return sorted(list(globals()) + list(_SUBMODULES))
