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
r"""Calibrates a model on your own off-screen videos: `audioscope_calibrate`.

The export's logit offset theta gives a 6 dB median OSR on the off-screen
MoMs of its own validation data (ECCV sec. 4.4). This finds the theta that
gives `--target_osr_db` on videos of yours whose sounds are all off screen
(nothing in view makes them), cut into windows of the training clip length,
and writes it with what it costs to `--output_dir`/calibration.json. Videos
whose sounds are on screen (`--on_screen`) are optional: the report then
also says how much of their input the on-screen estimate loses at that theta
(near 0 dB: kept). Unreadable and silent videos are skipped and counted; a
missing path, or no usable off-screen video, ends the run with one line.
Each video's windows are kept in `--output_dir`/windows/: a rerun (after an
interruption, or with another target) computes only what is new.

  audioscope_calibrate --saved_model=/tmp/audioscope/export \
    --off_screen=/data/voice_over_videos --on_screen='/data/talks/*.mp4' \
    --target_osr_db=6 --output_dir=/tmp/my_calibration

It prints the `audioscope_separate` command that separates at that theta:

  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=my_video.mp4 --output_dir=/tmp/out --calibration_offset=1.2345

Straight from a training folder: --model_dir=... --checkpoint=best instead
of --saved_model.
"""

import os

from absl import app
from absl import flags

from audioscope.bin import console
from audioscope.bin import model_flags

_OFF_SCREEN = flags.DEFINE_string(
    'off_screen', None, 'Videos whose sounds are all off screen: a video, '
    'a folder of videos or a glob pattern.')
_ON_SCREEN = flags.DEFINE_string(
    'on_screen', None, 'Optional videos whose sounds are on screen (a video, '
    'folder or glob pattern): what the operating point costs them.')
_OUTPUT_DIR = flags.DEFINE_string(
    'output_dir', None, 'Folder of calibration.json.')
_TARGET_OSR_DB = flags.DEFINE_float(
    'target_osr_db', 6.0, 'Median OSR wanted on the off-screen windows, dB.')
_WINDOW_SECONDS = flags.DEFINE_float(
    'window_seconds', None, "Window length (default: the model's training "
    'clip length).')
_PROGRESS = flags.DEFINE_bool('progress', True, 'Log a line per video.')

flags.adopt_module_key_flags(model_flags)


def run(argv) -> None:
  """Loads the model, calibrates, prints the report path and the command."""
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not _OFF_SCREEN.value or not _OUTPUT_DIR.value:
    raise app.UsageError('--off_screen and --output_dir are required.')
  model_kwargs = model_flags.load_model_kwargs()
  from audioscope.bin import user_errors  # pylint: disable=g-import-not-at-top
  from audioscope.inference import calibrate_lib  # pylint: disable=g-import-not-at-top
  with user_errors.exit_on('audioscope_calibrate', calibrate_lib.INPUT_ERRORS):
    report = calibrate_lib.run_calibration(
        _OFF_SCREEN.value, _OUTPUT_DIR.value, on_screen=_ON_SCREEN.value,
        target_osr_db=_TARGET_OSR_DB.value,
        window_seconds=_WINDOW_SECONDS.value, progress=_PROGRESS.value,
        **model_kwargs)
  print(os.path.join(_OUTPUT_DIR.value, calibrate_lib.JSON_FILE))
  print(calibrate_lib.separate_command(report, model_kwargs['saved_model'],
                                       model_kwargs['model_dir'],
                                       model_kwargs['checkpoint']))


def main() -> None:
  """Console-script entry point `audioscope_calibrate`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
