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
r"""Cuts a folder of your own videos into train / validate / test clip lists.

  audioscope_make_clip_lists --video_root=/data/my_videos \
    --output_dir=/data/my_lists --name=own --clip_seconds=5

Writes `<output_dir>/<name>_{train,validate,test}_clips.csv` in the format of
the published YFCC100M lists (rows `video path, start, end`, paths relative
to --video_root; a whole video goes to one split, chosen by a hash of its
path) and `<name>_clip_lists.report.json` (clips per split, every skipped
video with its reason). Then make the records and train on them:

  audioscope_make_yfcc_tfrecords --video_root=/data/my_videos \
    --clip_list=/data/my_lists/own_train_clips.csv \
    --clip_list=/data/my_lists/own_validate_clips.csv \
    --output_dir=/data/my_records
  audioscope_train --gin_file=training/separator_pretraining.gin \
    --gin_file=datasets/own_videos.gin \
    --gin_param="RECORDS_DIR = '/data/my_records'" --model_dir=...

See data_recipes/README.md, "Your own videos".
"""

from absl import app
from absl import flags

from audioscope.bin import console
from audioscope.bin import user_errors
from data_recipes import make_clip_lists_lib

_VIDEO_ROOT = flags.DEFINE_string(
    'video_root', None,
    'Folder of videos (searched recursively); the lists name paths relative '
    'to it.')
_OUTPUT_DIR = flags.DEFINE_string('output_dir', None,
                                  'Where the lists and the report go.')
_NAME = flags.DEFINE_string(
    'name', 'own', 'Prefix of the lists: <name>_<split>_clips.csv '
    '(LIST_NAME in gin/datasets/own_videos.gin).')
_CLIP_SECONDS = flags.DEFINE_float(
    'clip_seconds', 5.0, 'Clip length in seconds (the papers: 5).')
_HOP_SECONDS = flags.DEFINE_float(
    'hop_seconds', None,
    'Seconds between clip starts (default: --clip_seconds, back to back).')
_SPLIT_FRACTIONS = flags.DEFINE_list(
    'split_fractions', ['0.8', '0.1', '0.1'],
    'Fractions of the videos for train,validate,test (summing to 1).')
_MAX_CLIPS_PER_VIDEO = flags.DEFINE_integer(
    'max_clips_per_video', None, 'At most this many clips of a video.')


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {argv[1:]}')
  try:
    fractions = tuple(float(v) for v in _SPLIT_FRACTIONS.value)
  except ValueError:
    raise app.UsageError(
        f'--split_fractions must be three numbers, e.g. 0.8,0.1,0.1; got '
        f'{",".join(_SPLIT_FRACTIONS.value)}.') from None
  # A bad folder or option: the message names it and the fix.
  with user_errors.exit_on('audioscope_make_clip_lists',
                           (ValueError, FileNotFoundError)):
    options = make_clip_lists_lib.ListOptions(
        clip_seconds=_CLIP_SECONDS.value, hop_seconds=_HOP_SECONDS.value,
        split_fractions=fractions,
        max_clips_per_video=_MAX_CLIPS_PER_VIDEO.value)
    report = make_clip_lists_lib.make_clip_lists(
        _VIDEO_ROOT.value, _OUTPUT_DIR.value, name=_NAME.value,
        options=options)
  for path in report['lists'].values():
    print(path)


def console_entry_point():
  flags.mark_flags_as_required(['video_root', 'output_dir'])
  console.run(main, __name__)


if __name__ == '__main__':
  console_entry_point()
