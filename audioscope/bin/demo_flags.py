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
"""Budget flags shared by the demo binary and benchmarks/quality.py.

Each flag overrides the `demo_lib.DemoConfig` field of the same name when set
(unset: the demo's budgets, or its --fast ones); --gin_param gives the
config's `gin_params`. A binary defines them once, at import time:

  _BUDGET = demo_flags.define_budget_flags()
  flags.adopt_module_key_flags(demo_flags)   # listed by the binary's --help
  ...
  demo_lib.run_demo(output_dir, **demo_flags.budget_overrides(_BUDGET))

absl defines a flag once per process: two binaries calling
`define_budget_flags` cannot be imported into the same process.
"""

from typing import Any, Dict, Mapping

from absl import flags

CONSISTENCIES = ('pred_source', 'uniform', 'none')


def define_budget_flags(
    audioscope_steps_help: str = 'AudioScopeV2 training steps.'
) -> Dict[str, flags.FlagHolder]:
  """Defines the budget flags and --gin_param.

  Args:
    audioscope_steps_help: help text of --audioscope_steps (e.g. "per
      module").

  Returns:
    {DemoConfig field: flag holder}, for `budget_overrides`.
  """
  return {
      'num_train': flags.DEFINE_integer('num_train', None, 'Training clips.'),
      'num_validation': flags.DEFINE_integer(
          'num_validation', None, 'Validation clips (calibration).'),
      'num_test': flags.DEFINE_integer('num_test', None, 'Test clips.'),
      'separator_steps': flags.DEFINE_integer(
          'separator_steps', None,
          'MixIT pre-training steps of the separator.'),
      'coincidence_steps': flags.DEFINE_integer(
          'coincidence_steps', None, 'Coincidence pre-training steps.'),
      'coincidence_loss': flags.DEFINE_enum(
          'coincidence_loss', None, ['contrastive', 'binary'],
          "Coincidence pre-training loss (default 'contrastive': every clip "
          "of the batch a negative of every other; 'binary': one negative "
          'per clip, Jansen et al. 2020).'),
      'coincidence_shifted_negatives': flags.DEFINE_integer(
          'coincidence_shifted_negatives', None,
          'Negatives per clip that are its own frames shifted in time, for '
          'the contrastive coincidence loss (0: none).'),
      'audioscope_steps': flags.DEFINE_integer(
          'audioscope_steps', None, audioscope_steps_help),
      'labelled_weight': flags.DEFINE_float(
          'labelled_weight', None,
          'Share of AudioScopeV2 training examples with a labelled '
          '(on-screen-only or off-screen-only) primary; 0: purely '
          'unsupervised NOn batches as in the ECCV paper.'),
      'replaced_frames_fraction': flags.DEFINE_float(
          'replaced_frames_fraction', None,
          'Share of every AudioScopeV2 training batch given another '
          "example's frames and label 0 (replaced-frame negatives); 0 as in "
          'the papers.'),
      'shifted_frames_fraction': flags.DEFINE_float(
          'shifted_frames_fraction', None,
          'Share of every AudioScopeV2 training batch given its own frames '
          'shifted in time by half the clip and label 0 (time-shifted '
          'negatives); 0 in the papers.'),
      'audioscope_steps_per_eval': flags.DEFINE_integer(
          'audioscope_steps_per_eval', None,
          'AudioScopeV2 steps between validations; the evaluation and the '
          'export use the checkpoint that validated best (the paper\'s '
          'early stopping). 0: no validation, the last checkpoint.'),
      'selection_metrics': flags.DEFINE_list(
          'selection_metrics', None,
          'Validation metrics whose min picks the best AudioScopeV2 '
          'checkpoint: snr,osr (default; the paper\'s min(SNR, OSR) at '
          'theta 0), auc, within_auc or calibrated_snr.'),
      'batch_size': flags.DEFINE_integer(
          'batch_size', None, 'Batch size of every training stage.'),
      'consistency': flags.DEFINE_enum(
          'consistency', None, list(CONSISTENCIES),
          'Mixture consistency of the separator (default pred_source).'),
      'learning_rate': flags.DEFINE_float(
          'learning_rate', None, 'Learning rate of every stage.'),
      'pseudo_labels': flags.DEFINE_enum(
          'pseudo_labels', None, ['mixit', 'energy_majority'],
          "On-screen pseudo-labels of the AudioScopeV2 stage: 'mixit' "
          "(default, the papers) or 'energy_majority' (most of a source's "
          "energy is the primary's)."),
      'separator_learning_rate': flags.DEFINE_float(
          'separator_learning_rate', None,
          'Learning rate of the separator stage (default --learning_rate).'),
      'max_eval_examples': flags.DEFINE_integer(
          'max_eval_examples', None,
          'Examples per evaluation set (default all).'),
      'num_workers': flags.DEFINE_integer(
          'num_workers', None, 'Processes writing the data set.'),
      'gin_params': flags.DEFINE_multi_string(
          'gin_param', [], 'Extra gin bindings for every stage.'),
  }


def budget_overrides(
    holders: Mapping[str, flags.FlagHolder]) -> Dict[str, Any]:
  """The DemoConfig overrides of the flags that are set.

  Args:
    holders: {DemoConfig field: flag holder}, e.g. `define_budget_flags()`
      plus a binary's own flags.

  Returns:
    {field: value} of every flag that is not None; list values (the
    multi-string --gin_param) as tuples.
  """
  overrides = {}
  for name, holder in holders.items():
    value = holder.value
    if isinstance(value, list):
      value = tuple(value)
    if value is not None:
      overrides[name] = value
  return overrides
