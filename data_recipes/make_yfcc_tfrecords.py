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
r"""Makes clip TFRecords from the published YFCC100M clip lists (PyAV decode).

  python -m data_recipes.make_yfcc_tfrecords \
    --clip_list=audioscope_v2_yfcc100m_clip_lists/unfiltered_test_clips.csv \
    --video_root=/data/yfcc100m --output_dir=/data/audioscope/test \
    --num_workers=8

Writes `<output_dir>/<list name>-0000i-of-0000n.tfrecord`, a `.done.json`
marker per finished shard (a restarted run skips those) and
`<list name>.report.json` with the skipped rows per reason. See
data_recipes/README.md.

On a cluster, `--runner=beam` runs the Apache Beam pipeline
(data_recipes/yfcc_beam.py, `pip install 'audioscope[beam]'`); the Beam
pipeline options come after `--`:

  python -m data_recipes.make_yfcc_tfrecords --runner=beam \
    --clip_list=gs://bucket/lists/unfiltered_train_clips.csv \
    --video_root=gs://bucket/yfcc100m \
    --output_dir=gs://bucket/audioscope/train \
    -- --runner=DataflowRunner --project=my-project --region=us-central1 \
    --temp_location=gs://bucket/tmp --setup_file=./setup.py

With no options after `--` it runs on the local DirectRunner.
"""

from absl import app
from absl import flags

from audioscope.bin import console
from audioscope.bin import user_errors
from audioscope.data import clip_lists
from data_recipes import make_yfcc_tfrecords_lib
from data_recipes import recipe_flags
from data_recipes import yfcc_beam

_CLIP_LIST = flags.DEFINE_multi_string(
    'clip_list', None, 'Clip list CSV(s): video path, start, end.')
_VIDEO_ROOT = flags.DEFINE_string(
    'video_root', None, 'Folder the listed video paths are relative to.')
_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Output folder.')
_LABEL = flags.DEFINE_enum(
    'label', 'auto', ['auto', 'unlabelled', 'on_screen', 'off_screen'],
    'Label stored in the clips; auto reads it from the list name.')
_FLAGS = recipe_flags.define_recipe_flags('Rows per output shard.')
_MAX_ROWS = flags.DEFINE_integer('max_rows', None,
                                 'Only the first rows of each list.')
_RUNNER = flags.DEFINE_enum(
    'runner', 'local', ['local', 'beam'],
    'local: multiprocessing pool on this machine (no Beam needed); beam: the '
    'Apache Beam pipeline (data_recipes/yfcc_beam.py), with the Beam pipeline '
    'options after `--` (e.g. -- --runner=DataflowRunner --project=...).')
_NUM_SHARDS = flags.DEFINE_integer(
    'num_shards', None,
    'Beam only: output shards per list; 0 lets the runner choose (no '
    'shuffle of the encoded clips, cheapest at scale). Unset: '
    'ceil(rows / rows_per_shard), as the local path.')
flags.adopt_module_key_flags(recipe_flags)


def main(argv):
  # A missing or malformed clip list or video root: its message alone.
  with user_errors.exit_on('audioscope_make_yfcc_tfrecords',
                           tuple(user_errors.path_errors()) +
                           (clip_lists.ClipListError,)):
    _make(argv)


def _make(argv):
  pipeline_args = argv[1:]
  option_overrides = _FLAGS.decode_options()
  if _RUNNER.value == 'beam':
    yfcc_beam.run(
        _CLIP_LIST.value, _VIDEO_ROOT.value, _OUTPUT_DIR.value,
        pipeline_args=pipeline_args, label=_LABEL.value,
        rows_per_shard=(_FLAGS.rows_per_shard.value
                        if _NUM_SHARDS.value is None else None),
        num_shards=_NUM_SHARDS.value or 0, max_rows=_MAX_ROWS.value,
        **option_overrides)
    return
  if pipeline_args:
    raise app.UsageError(
        f'Unexpected arguments: {pipeline_args}. Beam pipeline options (after '
        f'`--`) need --runner=beam.')
  if _NUM_SHARDS.value is not None:
    raise app.UsageError('--num_shards is for --runner=beam; the local path '
                         'shards by --rows_per_shard.')
  make_yfcc_tfrecords_lib.make_from_lists(
      _CLIP_LIST.value, video_root=_VIDEO_ROOT.value,
      output_dir=_OUTPUT_DIR.value, label=_LABEL.value,
      rows_per_shard=_FLAGS.rows_per_shard.value,
      num_workers=_FLAGS.num_workers.value,
      start_method=_FLAGS.start_method.value, max_rows=_MAX_ROWS.value,
      **option_overrides)


def console_entry_point():
  flags.mark_flags_as_required(['clip_list', 'video_root', 'output_dir'])
  console.run(main, __name__)


if __name__ == '__main__':
  console_entry_point()
