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
r"""Separates the on-screen sounds of your own video: `audioscope_separate`.

Writes on_screen.wav, off_screen.wav, source_<i>.wav, separation.json
(per-source on-screen probabilities, overall and per window) and
on_screen.mp4 (the video with the on-screen estimate as its soundtrack) to
`--output_dir`. Videos of any length are separated in overlapping windows of
the training clip length (recorded in the export; `--window_seconds` to
change it); any sample rate >= 8 kHz, frame rate and size is converted to
the model's. A missing, unreadable or unsuitable input ends the run with
one line that says what is wrong (exit status 1).

With an exported SavedModel:

  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=my_video.mp4 --output_dir=/tmp/my_video_separated

Straight from a training folder (its best checkpoint):

  audioscope_separate --model_dir=/tmp/audioscope/run --checkpoint=best \
    --input=my_video.mp4 --output_dir=/tmp/out

Every video of a folder (or a glob pattern such as 'clips/*.mp4'), the model
loaded once, each into OUT/<video name>/; videos already done are skipped, so
an interrupted run resumes, and unreadable ones are skipped and listed in
OUT/separate_batch.json (exit status 1 if any failed):

  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=/data/my_videos --output_dir=/tmp/my_videos_separated

The operating point (ECCV sec. 4.4): the export stores the logit offset
theta calibrated for 6 dB median OSR. More suppression of off-screen sounds
(a median OSR of 10 dB on the set the export's curve was measured on; the
export needs that curve, `audioscope_export --calibration_curve`), or a
theta of your own (lower: less of every source on screen):

  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=my_video.mp4 --output_dir=/tmp/out --target_osr_db=10
  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=my_video.mp4 --output_dir=/tmp/out --calibration_offset=-1

A WAV file plus a folder of frames (PNG/JPEG named in time order) at 25 FPS:

  audioscope_separate --saved_model=/tmp/audioscope/export \
    --input=sound.wav --frames_dir=/tmp/frames --frame_rate=25 \
    --output_dir=/tmp/out
"""

from absl import app
from absl import flags
from absl import logging

from audioscope.bin import console
from audioscope.bin import model_flags

_INPUT = flags.DEFINE_string(
    'input', None, 'An MP4 (any FFmpeg-readable video), a folder of videos, '
    'a glob pattern of videos, or a WAV file with --frames_dir.')
_FRAMES_DIR = flags.DEFINE_string(
    'frames_dir', None, 'Folder of frame images for a WAV --input.')
_FRAME_RATE = flags.DEFINE_float(
    'frame_rate', None, 'Frames per second of --frames_dir (default: the '
    "model's).")
_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Output folder.')
_WINDOW_SECONDS = flags.DEFINE_float(
    'window_seconds', None, "Window length (default: the model's training "
    'clip length, from the export).')
_OVERLAP_SECONDS = flags.DEFINE_float(
    'overlap_seconds', None, 'Overlap of consecutive windows (default: a '
    'fifth of the window).')
_PCM16 = flags.DEFINE_bool(
    'pcm16', False, 'Write 16-bit WAVs (clipped) instead of float32.')
_PROGRESS = flags.DEFINE_bool('progress', True, 'Progress bar on stderr.')
_CALIBRATION_OFFSET = flags.DEFINE_float(
    'calibration_offset', None, 'Logit offset theta of the on-screen '
    "estimate, in place of the export's (ECCV eq. 12).")
_TARGET_OSR_DB = flags.DEFINE_float(
    'target_osr_db', None, 'Median off-screen suppression wanted, in dB: '
    "theta is read from the calibration curve stored with the export "
    '(audioscope_export --calibration_curve).')

flags.adopt_module_key_flags(model_flags)


def run(argv) -> None:
  """Loads the model and separates the input."""
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not _INPUT.value or not _OUTPUT_DIR.value:
    raise app.UsageError('--input and --output_dir are required.')
  model_kwargs = model_flags.load_model_kwargs()
  from audioscope.bin import user_errors  # pylint: disable=g-import-not-at-top
  from audioscope.inference import separate_lib  # pylint: disable=g-import-not-at-top
  # The user's input or model path: the message names the problem and the
  # fix, and a traceback would bury it.
  with user_errors.exit_on('audioscope_separate', separate_lib.INPUT_ERRORS):
    report = separate_lib.run_separation(
        _INPUT.value, _OUTPUT_DIR.value, frames_dir=_FRAMES_DIR.value,
        input_frame_rate=_FRAME_RATE.value,
        window_seconds=_WINDOW_SECONDS.value,
        overlap_seconds=_OVERLAP_SECONDS.value, pcm16=_PCM16.value,
        progress=_PROGRESS.value,
        calibration_offset=_CALIBRATION_OFFSET.value,
        target_osr_db=_TARGET_OSR_DB.value, **model_kwargs)
  if 'inputs' in report:  # A folder or pattern of videos.
    print(_OUTPUT_DIR.value)
    if report['num_failed']:
      raise SystemExit(
          f"audioscope_separate: {report['num_failed']} of "
          f"{report['num_inputs']} videos could not be separated; see "
          f'{separate_lib.BATCH_JSON_FILE} in {_OUTPUT_DIR.value}.')
    return
  for source in report['sources']:
    logging.info('source %d: on-screen probability %s', source['index'],
                 source.get('on_screen_probability', 'n/a (audio-only)'))
  print(_OUTPUT_DIR.value)


def main() -> None:
  """Console-script entry point `audioscope_separate`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
