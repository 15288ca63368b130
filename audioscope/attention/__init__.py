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
"""Audio-visual attention of AudioScopeV2 (sec. 3.3).

* `MultiHeadAxisAttention`: multi-head attention over the X and/or T axes of
  `[batch, X, T, D]` tensors (eq. 1-2), plain or memory-efficient (chunked).
* `SelfAttentionBlock`, `CrossModalAttentionBlock`: the SA and CMA blocks
  (eq. 3, 6).
* `alignment_module(name, **config)`: the alignment modules `audioscope_v1`,
  `joint_sa`, `separable_sa`, `joint_cma`, `separable_cma`, each mapping
  audio features `[batch, M, T, D]` and video features `[batch, G, T, D]` to
  `[batch, M, D]`.
"""

from audioscope.attention.alignment import ALIGNMENT_MODULES
from audioscope.attention.alignment import alignment_module
from audioscope.attention.alignment import AlignmentModule
from audioscope.attention.alignment import AttentionalPooling
from audioscope.attention.alignment import AudioScopeV1Attention
from audioscope.attention.alignment import JointCrossModalAttention
from audioscope.attention.alignment import JointSelfAttention
from audioscope.attention.alignment import SeparableCrossModalAttention
from audioscope.attention.alignment import SeparableSelfAttention
from audioscope.attention.alignment import sinusoidal_time_embedding
from audioscope.attention.axis_attention import chunked_softmax_attention
from audioscope.attention.axis_attention import masked_softmax_attention
from audioscope.attention.axis_attention import MultiHeadAxisAttention
from audioscope.attention.axis_attention import normalize_attention_axes
from audioscope.attention.blocks import CrossModalAttentionBlock
from audioscope.attention.blocks import SelfAttentionBlock
