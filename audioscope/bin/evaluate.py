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
r"""Evaluates an audioscope model: `audioscope_eval`.

Runs a trained AudioScopeV2 (a model directory's checkpoint, or an exported
SavedModel) over the evaluation sets configured in gin
(`evaluate_lib.evaluate_model`), calibrates the logit offset to a target
median OSR, and writes to --output_dir: results.md (laid out like ECCV
Table 1: no-processing baselines, the model uncalibrated and calibrated;
SNR, SI-SNR, OSR, AUC, MixIT*), summary.json, per_example.csv,
osr_snr_curve.csv/.png, TensorBoard scalars in eval/ and, with
--probe_negatives, probe_negatives.md/.json/.csv.

The evaluation sets are gin bindings. `datasets/yfcc100m.gin` binds the
paper's (the published YFCC100M lists and the records data_recipes writes
from them), `datasets/synthetic.gin` the synthetic data set's. The best
checkpoint of a run on the paper's unfiltered random background test MoMs,
calibrated on validation (arXiv sec. 4.2.1):

  audioscope_eval --model_dir=/tmp/audioscope/separable_sa_16fps \
    --checkpoint=best --gin_file=datasets/yfcc100m.gin \
    --gin_param="CLIP_LISTS_DIR = '/data/lists'" \
    --gin_param="RECORDS_DIR = '/data/records'"

Calibrated on each test set itself, as ECCV Table 1, here the filtered
off-screen background one, with negative probing:

  audioscope_eval --model_dir=/tmp/audioscope/separable_sa_16fps \
    --gin_file=datasets/yfcc100m.gin --gin_param="TEST_COLLECTION = 'filtered'" \
    --gin_param="CLIP_LISTS_DIR = '/data/lists'" \
    --gin_param="RECORDS_DIR = '/data/records'" \
    --calibrate_on=test --probe_negatives

Other data, e.g. in my_eval.gin:

  import audioscope.data.pipeline
  evaluate_model.test_dataset = @test/mom_eval_dataset
  test/mom_eval_dataset.file_pattern = '/data/mine/test-*.tfrecord'
  test/mom_eval_dataset.pairs = '/data/mine/test_moms.csv'
  evaluate_model.validation_dataset = @validation/mom_eval_dataset
  validation/mom_eval_dataset.file_pattern = '/data/mine/val-*.tfrecord'
  validation/mom_eval_dataset.pairs = '/data/mine/val_moms.csv'
  evaluate_model.single_mixture_dataset = @test/single_mixture_dataset
  test/single_mixture_dataset.file_pattern = '/data/mine/test-*.tfrecord'

An exported SavedModel, 100 examples per set, a 10 dB OSR target:

  audioscope_eval --saved_model=/tmp/audioscope/export \
    --gin_file=/path/to/my_eval.gin --max_examples=100 --target_osr_db=10
"""

from absl import app
from absl import flags
from absl import logging

from audioscope.bin import console

_MODEL_DIR = flags.DEFINE_string(
    'model_dir', None, 'Training folder: checkpoints and the operative gin '
    'config the model is rebuilt from.')
_CHECKPOINT = flags.DEFINE_string(
    'checkpoint', 'latest', "'latest', 'best' (the model-selection "
    'checkpoint in <model_dir>/best) or a checkpoint prefix.')
_SAVED_MODEL = flags.DEFINE_string(
    'saved_model', None, 'An exported SavedModel folder (audioscope_export) '
    'to evaluate instead of a checkpoint.')
_GIN_FILE = flags.DEFINE_multi_string(
    'gin_file', [], 'gin files (the evaluation datasets, overrides), relative '
    'to the packaged gin folder or absolute.')
_GIN_PARAM = flags.DEFINE_multi_string(
    'gin_param', [], "gin bindings, e.g. 'test/mom_eval_dataset.pairs = "
    "\"/data/pairs.csv\"'.")
_OUTPUT_DIR = flags.DEFINE_string(
    'output_dir', None, 'Report folder; default <model_dir>/evaluation/'
    '<checkpoint> or <saved_model>/evaluation.')
_TARGET_OSR_DB = flags.DEFINE_float(
    'target_osr_db', None, 'Calibration target median OSR in dB (default 6, '
    'the papers\' value, or the gin binding).')
_CALIBRATE_ON = flags.DEFINE_enum(
    'calibrate_on', None, ['validation', 'test', 'none'],
    'Set to calibrate the logit offset on (default validation, or the gin '
    'binding).')
_MAX_EXAMPLES = flags.DEFINE_integer(
    'max_examples', None, 'At most this many examples per evaluation set.')
_BOOTSTRAP_RESAMPLES = flags.DEFINE_integer(
    'bootstrap_resamples', None, 'Resamples of the 95% bootstrap intervals '
    'of the calibrated metrics and the probe margins (default 1000, or the '
    'gin binding); 0 computes none.', lower_bound=0)
_PROBE_NEGATIVES = flags.DEFINE_bool(
    'probe_negatives', None, 'Also probe with blank and replaced video '
    'frames of on-screen-only clips.')


def run(argv) -> None:
  """Loads the model, parses gin and evaluates."""
  if len(argv) > 1:
    raise app.UsageError(
        f'Too many command-line arguments: {argv[1:]}. Pass configuration as '
        '--gin_file / --gin_param.')
  if not _MODEL_DIR.value and not _SAVED_MODEL.value:
    raise app.UsageError('Give --model_dir (with --checkpoint) or '
                         '--saved_model.')
  from audioscope.bin import user_errors  # pylint: disable=g-import-not-at-top
  from audioscope.evaluation import evaluate_lib  # pylint: disable=g-import-not-at-top

  # A missing model, checkpoint, gin file or data set: its message alone.
  with user_errors.exit_on('audioscope_eval'):
    summary = evaluate_lib.run_evaluation(
        output_dir=_OUTPUT_DIR.value,
        model_dir=_MODEL_DIR.value,
        checkpoint=_CHECKPOINT.value,
        saved_model=_SAVED_MODEL.value,
        gin_files=_GIN_FILE.value,
        gin_params=_GIN_PARAM.value,
        target_osr_db=_TARGET_OSR_DB.value,
        calibrate_on=_CALIBRATE_ON.value,
        max_examples=_MAX_EXAMPLES.value,
        probe_negatives=_PROBE_NEGATIVES.value,
        bootstrap_resamples=_BOOTSTRAP_RESAMPLES.value)
  logging.info('Evaluation results:\n%s',
               evaluate_lib.markdown_report(summary))


def main() -> None:
  """Console-script entry point `audioscope_eval`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
