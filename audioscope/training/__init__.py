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
"""Training: strategies, the custom loop, summaries and the jobs (tasks).

* `strategy.get_strategy`: TPU / multi-worker / mirrored / default.
* `train_lib.train`, `train_lib.Trainer`, `train_lib.Task`: the loop.
* `summaries`: TensorBoard scalars, audio, frames, gin text, progress line.
* `tasks`: separator pre-training, coincidence pre-training, AudioScopeV2.

`tasks` imports the whole model stack; import it explicitly
(`from audioscope.training import tasks`).
"""

from audioscope.training.strategy import get_strategy
from audioscope.training.train_lib import Task
from audioscope.training.train_lib import train
from audioscope.training.train_lib import Trainer
