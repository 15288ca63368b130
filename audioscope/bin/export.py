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
r"""Exports a trained model as a SavedModel: `audioscope_export`.

The model is rebuilt from the operative gin config of `--model_dir`, the
chosen checkpoint is restored and a SavedModel with float32 signatures of any
batch size and length is written (`serving_default`: audio + frames ->
sources, logits, probabilities, on_screen, off_screen; `separate`:
receiver_audio [batch, 1, samples] -> denoised_waveforms; `metadata`).

The best model (by validation) of a run, with its calibrated theta:

  audioscope_export --model_dir=/tmp/audioscope/separable_sa_16fps \
    --checkpoint=best --export_dir=/tmp/audioscope/export

A given checkpoint, overriding theta:

  audioscope_export --model_dir=/tmp/audioscope/run \
    --checkpoint=/tmp/audioscope/run/ckpt-20000 --calibration_offset=-1.5

With the OSR/SNR curve of its evaluation, so that audioscope_separate can
take a median OSR target (--target_osr_db) instead of a theta; here the
stored theta is the one that gives 10 dB on that curve:

  audioscope_eval --model_dir=/tmp/audioscope/separable_sa_16fps \
    --checkpoint=best --gin_file=... --output_dir=/tmp/eval_best
  audioscope_export --model_dir=/tmp/audioscope/separable_sa_16fps \
    --checkpoint=best --calibration_curve=/tmp/eval_best/osr_snr_curve.csv \
    --target_osr_db=10

An audio-only separator (MixIT pre-training run):

  audioscope_export --model_dir=/tmp/audioscope/separator \
    --model_type=separator
"""

from absl import app
from absl import flags
from absl import logging

from audioscope.bin import console

_MODEL_DIR = flags.DEFINE_string(
    'model_dir', None, 'Training folder: checkpoints and the operative gin '
    'config.')
_CHECKPOINT = flags.DEFINE_string(
    'checkpoint', 'latest', "'latest', 'best' (<model_dir>/best) or a "
    'checkpoint prefix.')
_EXPORT_DIR = flags.DEFINE_string(
    'export_dir', None, 'Output folder (default '
    '<model_dir>/export/<checkpoint name>).')
_GIN_FILE = flags.DEFINE_multi_string(
    'gin_file', [], 'More gin files, parsed after the operative config.')
_GIN_PARAM = flags.DEFINE_multi_string('gin_param', [], 'More gin bindings.')
_CALIBRATION_OFFSET = flags.DEFINE_float(
    'calibration_offset', None, "theta to store (default: the checkpoint's).")
_CALIBRATION_CURVE = flags.DEFINE_string(
    'calibration_curve', None, 'osr_snr_curve.csv of an audioscope_eval run '
    'of this checkpoint, stored with the export (audioscope_separate '
    '--target_osr_db reads it).')
_TARGET_OSR_DB = flags.DEFINE_float(
    'target_osr_db', None, 'Store the theta at which --calibration_curve '
    'reaches this median OSR (dB), instead of --calibration_offset.')
_MODEL_TYPE = flags.DEFINE_enum(
    'model_type', 'auto', ['auto', 'audioscope_v2', 'separator'],
    'What the checkpoint holds; auto reads the operative config.')
_FRAME_SIZE = flags.DEFINE_list(
    'frame_size', None, 'height,width of the model frames when the gin '
    'config has no %frame_size macro (default 128,128).')


def run(argv) -> None:
  """Restores and exports."""
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not _MODEL_DIR.value:
    raise app.UsageError('--model_dir is required (the training folder).')
  from audioscope.bin import user_errors  # pylint: disable=g-import-not-at-top
  from audioscope.inference import export_lib  # pylint: disable=g-import-not-at-top
  frame_size = None
  if _FRAME_SIZE.value:
    if len(_FRAME_SIZE.value) != 2:
      raise app.UsageError('--frame_size is height,width, e.g. 128,128.')
    frame_size = tuple(int(v) for v in _FRAME_SIZE.value)
  # A missing model folder, checkpoint, gin file or curve: its message alone.
  with user_errors.exit_on('audioscope_export'):
    export_dir = export_lib.export_from_model_dir(
        _MODEL_DIR.value, _EXPORT_DIR.value, checkpoint=_CHECKPOINT.value,
        gin_files=_GIN_FILE.value, gin_params=_GIN_PARAM.value,
        calibration_offset=_CALIBRATION_OFFSET.value,
        model_type=_MODEL_TYPE.value, frame_size=frame_size,
        calibration_curve=_CALIBRATION_CURVE.value,
        target_osr_db=_TARGET_OSR_DB.value)
  logging.info('SavedModel written to %s', export_dir)
  print(export_dir)


def main() -> None:
  """Console-script entry point `audioscope_export`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
