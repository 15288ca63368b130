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
"""audioscope: AudioScopeV2 on-screen sound separation in TensorFlow 2 / Keras.

Sub-packages are imported lazily, so `import audioscope` is cheap and
`audioscope.losses`, `audioscope.separation`, ... load on first use:

  import audioscope
  model = audioscope.separation.ImprovedTDCN(num_sources=4)
"""

import importlib

from audioscope.version import __version__

_SUBMODULES = (
    'attention',
    'data',
    'embeddings',
    'evaluation',
    'gin_utils',
    'inference',
    'losses',
    'metrics',
    'model',
    'separation',
    'training',
)


def __getattr__(name):
  if name in _SUBMODULES:
    module = importlib.import_module('audioscope.' + name)
    globals()[name] = module
    return module
  raise AttributeError(f'module audioscope has no attribute {name!r}')


def __dir__():
  return sorted(list(globals()) + list(_SUBMODULES))
