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
"""The audio-only separator (paper sec. 3.1): TDCN++ and its checkpoints.

  from audioscope import separation
  separator = separation.ImprovedTDCN(num_sources=4)
  sources = separator(audio)            # [batch, time] -> [batch, 4, time]
  separator = separation.load_original_checkpoint('/path/model.ckpt-3223090')
"""

from audioscope.separation.basis import LearnedBasisDecoder
from audioscope.separation.basis import LearnedBasisEncoder
from audioscope.separation.basis import StftTransform
from audioscope.separation.consistency import enforce_mixture_consistency
from audioscope.separation.original_checkpoint import load_original_checkpoint
from audioscope.separation.tdcn import ImprovedTDCN
from audioscope.separation.tdcn import TDCNBlock

__all__ = [
    'ImprovedTDCN',
    'LearnedBasisDecoder',
    'LearnedBasisEncoder',
    'StftTransform',
    'TDCNBlock',
    'enforce_mixture_consistency',
    'load_original_checkpoint',
]
