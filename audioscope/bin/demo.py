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
r"""The end-to-end synthetic demo: `audioscope_demo`.

Generates a synthetic audio-visual data set, pre-trains the separator (MixIT)
and the embedding networks (audio-visual coincidence), trains AudioScopeV2,
calibrates it to a 6 dB median OSR, evaluates it next to the no-processing
baselines with the negative probes, exports a SavedModel and separates a demo
video; 7 to 21 minutes on 2 CPU cores, depending on the CPU (see
audioscope/demo_lib.py and gin/demo/synthetic_demo.gin for the sizes).
Re-running resumes: finished stages are skipped.

  audioscope_demo --output_dir=outputs/demo
  audioscope_demo --output_dir=/tmp/demo_fast --fast   # ~1 minute smoke run
"""

from absl import app
from absl import flags
from absl import logging

from audioscope.bin import console
from audioscope.bin import demo_flags

_OUTPUT_DIR = flags.DEFINE_string(
    'output_dir', 'outputs/demo', 'Folder of every artefact; an earlier run '
    'there is resumed.')
_FAST = flags.DEFINE_bool(
    'fast', False, 'Smoke run: tiny data and models, a few steps per stage.')
_BUDGET = demo_flags.define_budget_flags()
_ALIGNMENT = flags.DEFINE_enum(
    'alignment', None, ['audioscope_v1', 'joint_sa', 'separable_sa',
                        'joint_cma', 'separable_cma'],
    'Alignment module (default separable_sa).')
flags.adopt_module_key_flags(demo_flags)


def run(argv) -> None:
  """Runs the demo and prints the results table and the artefacts."""
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  from audioscope import demo_lib  # pylint: disable=g-import-not-at-top
  overrides = demo_flags.budget_overrides({**_BUDGET,
                                           'alignment': _ALIGNMENT})
  summary = demo_lib.run_demo(_OUTPUT_DIR.value, fast=_FAST.value,
                              **overrides)
  report = demo_lib.format_report(summary)
  logging.info('Demo finished.')
  print(report, flush=True)


def main() -> None:
  """Console-script entry point `audioscope_demo`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
