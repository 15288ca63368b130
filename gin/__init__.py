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
"""gin configs of audioscope, installed as the package `audioscope_gin`.

Layout (one file per experiment; see gin/README.md):
  separation/   separator pre-training (audio-only MixIT)
  models/       model building blocks
  datasets/     data sources
  training/     optimisation defaults
  papers/audioscope_v2/   one file per Table 1 row
  demo/         the synthetic end-to-end demo
  test/         tiny shapes for tests
"""
