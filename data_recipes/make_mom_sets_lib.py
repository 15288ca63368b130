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
"""Library of make_mom_sets: evaluation MoM TFRecords from published pair lists.

Each row `path1, start1, end1, path2, start2, end2` becomes one clip record:
frames of clip 1, audio = audio1 + audio2 (both decoded with PyAV from a video
root), label from the list kind (on-screen list: 1 with on_screen_audio =
audio1; off-screen list: 0 with on_screen_audio = zeros) and off_screen_audio =
audio - on_screen_audio. Sharding, resuming, skipping and the report are those
of `make_yfcc_tfrecords_lib`. (From existing clip TFRecords, use
`audioscope.data.pipeline.mom_eval_dataset`, which pairs them on the fly.)
"""

import dataclasses
import os
import time
from typing import Any, Dict, Optional

import numpy as np
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import records
from data_recipes import make_yfcc_tfrecords_lib as yfcc_lib


def make_mom_clip(row: clip_lists.MomRow, video_root: str,
                  options: yfcc_lib.ClipOptions) -> records.Clip:
  """Decodes both clips of a pair and builds the MoM record."""
  decode_options = dataclasses.replace(options, skip_silent=False)
  first = yfcc_lib.decode_row(row.clip1, video_root, decode_options)
  second = yfcc_lib.decode_row(row.clip2, video_root, decode_options)
  audio = (first.audio + second.audio).astype(np.float32)
  if options.label == records.ON_SCREEN_ONLY:
    on_screen = first.audio.astype(np.float32)
  else:
    on_screen = np.zeros_like(audio)
  return records.Clip(
      clip_id=f'{row.clip1.clip_id}+{row.clip2.clip_id}', audio=audio,
      frames=first.frames, video_path=row.clip1.video_path,
      start_time=row.clip1.start, end_time=row.clip1.end,
      sample_rate=options.sample_rate, frame_rate=options.frame_rate,
      label=options.label, frame_encoding=options.frame_encoding,
      on_screen_audio=on_screen,
      off_screen_audio=(audio - on_screen).astype(np.float32))


def process_pair(row: clip_lists.MomRow, video_root: str,
                 options: yfcc_lib.ClipOptions,
                 source: str = '') -> yfcc_lib.ClipResult:
  """Per-pair step: a serialised MoM record or a skip entry (never raises)."""
  try:
    clip = make_mom_clip(row, video_root, options)
    return yfcc_lib.ClipResult(serialized=records.serialize_clip(
        clip, jpeg_quality=options.jpeg_quality))
  except Exception as e:  # pylint: disable=broad-except
    entry = yfcc_lib.skip_entry(row.clip1, e, source)
    entry['video_path2'] = row.clip2.video_path
    return yfcc_lib.ClipResult(skipped=entry)


def _process(row, context):
  video_root, options, source = context
  return process_pair(row, video_root, options, source)


def make_mom_sets(mom_list: str, video_root: str, output_dir: str,
                  prefix: Optional[str] = None, label: str = 'auto',
                  rows_per_shard: int = 256, num_workers: int = 1,
                  start_method: str = 'forkserver',
                  **option_overrides) -> Dict[str, Any]:
  """Makes MoM TFRecords from one pair list; returns (and writes) the report.

  Args:
    mom_list: pair CSV.
    video_root: folder the listed video paths are relative to.
    output_dir: output folder.
    prefix: shard prefix (default: the list name).
    label: 'auto' (from the list name: clip 1's kind), 'on_screen' or
      'off_screen'.
    rows_per_shard: pairs per shard.
    num_workers: worker processes.
    start_method: multiprocessing start method.
    **option_overrides: fields of `make_yfcc_tfrecords_lib.ClipOptions`.
  """
  rows = clip_lists.read_mom_list(mom_list)
  options = yfcc_lib.ClipOptions(label=yfcc_lib.label_for(label, mom_list),
                                 **option_overrides)
  if options.label == records.UNLABELLED:
    raise ValueError(
        f'{mom_list}: the MoM label is unknown (the name says neither '
        f'onscreen nor offscreen); pass --label=on_screen or off_screen.')
  if not tf.io.gfile.isdir(video_root):
    raise FileNotFoundError(f'video_root {video_root!r} is not a folder.')
  prefix = prefix or os.path.splitext(os.path.basename(mom_list))[0]
  tf.io.gfile.makedirs(output_dir)
  tasks = yfcc_lib.plan_shards(rows, output_dir, prefix, rows_per_shard,
                               _process, (video_root, options, mom_list),
                               options)
  began = time.time()
  run = yfcc_lib.run_shards(tasks, num_workers, start_method)
  report = yfcc_lib.make_report(run, {
      'list': mom_list, 'video_root': video_root, 'label': options.label,
      'output_pattern': os.path.join(output_dir, f'{prefix}-*.tfrecord'),
      'seconds': round(time.time() - began, 3)})
  yfcc_lib.write_report(os.path.join(output_dir, f'{prefix}.report.json'),
                        report)
  return report
