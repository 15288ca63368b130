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
r"""Makes evaluation MoM TFRecords from the published pair lists (PyAV decode).

  python -m data_recipes.make_mom_sets \
    --mom_list=audioscope_v2_yfcc100m_clip_lists/unfiltered_test_onscreen_unanimous_plus_random_unfiltered_mom_clips.csv \
    --video_root=/data/yfcc100m --output_dir=/data/audioscope/test_moms \
    --num_workers=8

Each row `path1, start1, end1, path2, start2, end2` becomes one record: frames
of clip 1, audio = audio1 + audio2, label from the list name (on-screen list:
1 with on_screen_audio = audio1; off-screen list: 0 with on_screen_audio =
zeros). Writes `<output_dir>/<list name>-0000i-of-0000n.tfrecord`, a
`.done.json` marker per finished shard (a restarted run skips those) and
`<list name>.report.json` with the skipped pairs per reason. See
data_recipes/README.md.
"""

from absl import app
from absl import flags

from audioscope.bin import console
from audioscope.bin import user_errors
from audioscope.data import clip_lists
from data_recipes import make_mom_sets_lib
from data_recipes import recipe_flags

_MOM_LIST = flags.DEFINE_multi_string(
    'mom_list', None,
    'MoM pair list CSV(s): path1, start1, end1, path2, start2, end2.')
_VIDEO_ROOT = flags.DEFINE_string(
    'video_root', None, 'Folder the listed video paths are relative to.')
_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Output folder.')
_LABEL = flags.DEFINE_enum(
    'label', 'auto', ['auto', 'on_screen', 'off_screen'],
    'Label of clip 1 (the MoM label); auto reads it from the list name.')
_FLAGS = recipe_flags.define_recipe_flags('Pairs per output shard.')
flags.adopt_module_key_flags(recipe_flags)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {argv[1:]}')
  if len(_FLAGS.frame_size.value) != 2:
    raise app.UsageError('--frame_size must be height,width, e.g. 128,128.')
  # A missing or malformed MoM list or video root: its message alone.
  with user_errors.exit_on('audioscope_make_mom_sets',
                           tuple(user_errors.path_errors()) +
                           (clip_lists.ClipListError,)):
    for mom_list in _MOM_LIST.value:
      make_mom_sets_lib.make_mom_sets(
          mom_list, _VIDEO_ROOT.value, _OUTPUT_DIR.value, label=_LABEL.value,
          rows_per_shard=_FLAGS.rows_per_shard.value,
          num_workers=_FLAGS.num_workers.value,
          start_method=_FLAGS.start_method.value, **_FLAGS.decode_options())


def console_entry_point():
  flags.mark_flags_as_required(['mom_list', 'video_root', 'output_dir'])
  console.run(main, __name__)


if __name__ == '__main__':
  console_entry_point()
