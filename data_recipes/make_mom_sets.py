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

from data_recipes import make_mom_sets_lib

_MOM_LIST = flags.DEFINE_multi_string(
    'mom_list', None,
    'MoM pair list CSV(s): path1, start1, end1, path2, start2, end2.')
_VIDEO_ROOT = flags.DEFINE_string(
    'video_root', None, 'Folder the listed video paths are relative to.')
_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Output folder.')
_LABEL = flags.DEFINE_enum(
    'label', 'auto', ['auto', 'on_screen', 'off_screen'],
    'Label of clip 1 (the MoM label); auto reads it from the list name.')
_ROWS_PER_SHARD = flags.DEFINE_integer('rows_per_shard', 256,
                                       'Pairs per output shard.')
_NUM_WORKERS = flags.DEFINE_integer('num_workers', 1, 'Worker processes.')
_START_METHOD = flags.DEFINE_enum(
    'start_method', 'forkserver', ['forkserver', 'spawn', 'fork'],
    'multiprocessing start method (fork is unsafe with TensorFlow).')
_FRAME_ENCODING = flags.DEFINE_enum('frame_encoding', 'jpeg', ['jpeg', 'raw'],
                                    'How frames are stored.')
_JPEG_QUALITY = flags.DEFINE_integer('jpeg_quality', 90, 'JPEG quality.')
_SAMPLE_RATE = flags.DEFINE_integer('sample_rate', 16000, 'Audio rate, Hz.')
_FRAME_RATE = flags.DEFINE_float('frame_rate', 16.0, 'Stored frame rate.')
_FRAME_SIZE = flags.DEFINE_list('frame_size', ['128', '128'],
                                'Frame height,width.')
_MAX_PAD_SECONDS = flags.DEFINE_float(
    'max_pad_seconds', 0.5,
    'A stream ending at most this early is padded; later: out_of_range.')


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Unexpected arguments: {argv[1:]}')
  if len(_FRAME_SIZE.value) != 2:
    raise app.UsageError('--frame_size must be height,width, e.g. 128,128.')
  for mom_list in _MOM_LIST.value:
    make_mom_sets_lib.make_mom_sets(
        mom_list, _VIDEO_ROOT.value, _OUTPUT_DIR.value, label=_LABEL.value,
        rows_per_shard=_ROWS_PER_SHARD.value, num_workers=_NUM_WORKERS.value,
        start_method=_START_METHOD.value,
        frame_encoding=_FRAME_ENCODING.value,
        jpeg_quality=_JPEG_QUALITY.value, sample_rate=_SAMPLE_RATE.value,
        frame_rate=_FRAME_RATE.value,
        frame_size=tuple(int(v) for v in _FRAME_SIZE.value),
        max_pad_seconds=_MAX_PAD_SECONDS.value)


def console_entry_point():
  flags.mark_flags_as_required(['mom_list', 'video_root', 'output_dir'])
  app.run(main)


if __name__ == '__main__':
  console_entry_point()
