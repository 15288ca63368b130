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
"""Audio and video embedding networks (paper sec. 3.2).

* `VideoEmbedding`: frames `[batch, T, H, W, 3]` -> Z_V `[batch, G, T, D]`.
* `AudioEmbedding`: (sources `[batch, M, samples]`, T) -> Z_A `[batch, M, T, D]`.
* `MobileNetV1`: the trunk both use, with TF-slim endpoint names;
  `save_weights` / `load_weights` write and read its pretrained weights.
"""

from audioscope.embeddings.audio import area_resample
from audioscope.embeddings.audio import area_resample_matrix
from audioscope.embeddings.audio import AudioEmbedding
from audioscope.embeddings.mobilenet import endpoint_for_layer
from audioscope.embeddings.mobilenet import endpoint_names
from audioscope.embeddings.mobilenet import load_weights
from audioscope.embeddings.mobilenet import MobileNetV1
from audioscope.embeddings.mobilenet import save_weights
from audioscope.embeddings.video import frames_to_float
from audioscope.embeddings.video import VideoEmbedding
