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
video; about 30 minutes on 2 CPU cores (see audioscope/demo_lib.py and
gin/demo/synthetic_demo.gin for the sizes). Re-running resumes: finished
stages are skipped.

  audioscope_demo --output_dir=outputs/demo
  audioscope_demo --output_dir=/tmp/demo_fast --fast   # ~1 minute smoke run
"""

from absl import app
from absl import flags
from absl import logging

_OUTPUT_DIR = flags.DEFINE_string(
    'output_dir', 'outputs/demo', 'Folder of every artefact; an earlier run '
    'there is resumed.')
_FAST = flags.DEFINE_bool(
    'fast', False, 'Smoke run: tiny data and models, a few steps per stage.')
_NUM_TRAIN = flags.DEFINE_integer('num_train', None, 'Training clips.')
_NUM_VALIDATION = flags.DEFINE_integer('num_validation', None,
                                       'Validation clips.')
_NUM_TEST = flags.DEFINE_integer('num_test', None, 'Test clips.')
_SEPARATOR_STEPS = flags.DEFINE_integer(
    'separator_steps', None, 'MixIT pre-training steps of the separator.')
_COINCIDENCE_STEPS = flags.DEFINE_integer(
    'coincidence_steps', None, 'Coincidence pre-training steps.')
_AUDIOSCOPE_STEPS = flags.DEFINE_integer(
    'audioscope_steps', None, 'AudioScopeV2 training steps.')
_BATCH_SIZE = flags.DEFINE_integer('batch_size', None,
                                   'Batch size of every training stage.')
_ALIGNMENT = flags.DEFINE_enum(
    'alignment', None, ['audioscope_v1', 'joint_sa', 'separable_sa',
                        'joint_cma', 'separable_cma'],
    'Alignment module (default separable_sa).')
_CONSISTENCY = flags.DEFINE_enum(
    'consistency', None, ['pred_source', 'uniform', 'none'],
    'Mixture consistency of the separator (default pred_source).')
_LEARNING_RATE = flags.DEFINE_float('learning_rate', None,
                                    'Learning rate of every stage.')
_MAX_EVAL_EXAMPLES = flags.DEFINE_integer(
    'max_eval_examples', None, 'Examples per evaluation set (default all).')
_NUM_WORKERS = flags.DEFINE_integer(
    'num_workers', None, 'Processes writing the data set.')
_GIN_PARAM = flags.DEFINE_multi_string(
    'gin_param', [], 'Extra gin bindings for every stage.')

_OVERRIDES = {
    'num_train': _NUM_TRAIN, 'num_validation': _NUM_VALIDATION,
    'num_test': _NUM_TEST, 'separator_steps': _SEPARATOR_STEPS,
    'coincidence_steps': _COINCIDENCE_STEPS,
    'audioscope_steps': _AUDIOSCOPE_STEPS, 'batch_size': _BATCH_SIZE,
    'alignment': _ALIGNMENT, 'consistency': _CONSISTENCY,
    'learning_rate': _LEARNING_RATE, 'max_eval_examples': _MAX_EVAL_EXAMPLES,
    'num_workers': _NUM_WORKERS,
}


def run(argv) -> None:
  """Runs the demo and prints the results table and the artefacts."""
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  from audioscope import demo_lib  # pylint: disable=g-import-not-at-top
  overrides = {name: flag.value for name, flag in _OVERRIDES.items()
               if flag.value is not None}
  summary = demo_lib.run_demo(_OUTPUT_DIR.value, fast=_FAST.value,
                              gin_params=tuple(_GIN_PARAM.value), **overrides)
  report = demo_lib.format_report(summary)
  logging.info('Demo finished.')
  print(report, flush=True)


def main() -> None:
  """Console-script entry point `audioscope_demo`."""
  app.run(run)


if __name__ == '__main__':
  main()
