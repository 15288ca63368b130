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
"""Writes a synthetic audio-visual data set in the audioscope TFRecord schema.

For each split (train, validation, test) the recipe writes:
* `<split>-NNNNN-of-MMMMM.tfrecord`: sharded clips (`records.py` schema) of
  three kinds, like the human labels of the paper: unlabelled (-1),
  on-screen-only (1) and off-screen-only (0), with ground-truth on-screen and
  off-screen audio;
* `<split>_clips.csv`, `<split>_unlabelled.csv`, `<split>_on_screen.csv`,
  `<split>_off_screen.csv`: clip lists with the header
  `clip_id,video_path,start_time,end_time,label` (video_path is '' for
  synthetic clips, so the clip_id identifies them);
* `<split>_mom_<style>_<kind>.csv` for validation and test: MoM pair lists
  with the header `path1,start1,end1,path2,start2,end2,clip_id1,clip_id2`
  (the published six columns plus the clip ids; frames of clip 1, audio of
  clip 1 + clip 2), for the two evaluation styles of the paper (sec. 4.3):
  - `filtered`: on-screen-only + off-screen-only (`_on_screen`) and
    off-screen-only + off-screen-only (`_off_screen`);
  - `random`: on-screen-only or off-screen-only + a random unlabelled clip.
* `dataset_info.json`: the options, seed and counts.

The recipe is deterministic given the seed and idempotent: complete shards
are skipped (shards are written atomically), so an interrupted run resumes.
"""

import csv
import dataclasses
import json
import math
import multiprocessing
import os
import time
from typing import Dict, List, Optional, Sequence, Tuple

from absl import logging
import numpy as np
import tensorflow as tf

from audioscope.data import records
from audioscope.data import synthetic

SPLITS = ('train', 'validation', 'test')
EVAL_SPLITS = ('validation', 'test')
KIND_NAMES = {-1: 'unlabelled', 1: 'on_screen', 0: 'off_screen'}
MOM_HEADER = ('path1', 'start1', 'end1', 'path2', 'start2', 'end2',
              'clip_id1', 'clip_id2')
CLIP_HEADER = ('clip_id', 'video_path', 'start_time', 'end_time', 'label')
INFO_FILE = 'dataset_info.json'


@dataclasses.dataclass(frozen=True)
class PlannedClip:
  clip_id: str
  label: int
  seed: Tuple[int, ...]


def shard_name(split: str, index: int, num_shards: int) -> str:
  return f'{split}-{index:05d}-of-{num_shards:05d}.tfrecord'


def plan_split(split: str, num_clips: int, seed: int,
               on_screen_fraction: float,
               off_screen_fraction: float) -> List[PlannedClip]:
  """The clips of a split: ids, labels (shuffled) and per-clip seeds."""
  split_index = SPLITS.index(split)
  num_on = int(round(num_clips * on_screen_fraction))
  num_off = int(round(num_clips * off_screen_fraction))
  if num_on + num_off > num_clips:
    raise ValueError(
        f'on_screen_fraction + off_screen_fraction must be <= 1, got '
        f'{on_screen_fraction} + {off_screen_fraction}.')
  labels = np.array([1] * num_on + [0] * num_off +
                    [-1] * (num_clips - num_on - num_off))
  np.random.default_rng((seed, split_index, 0)).shuffle(labels)
  return [
      PlannedClip(f'{split}-{i:06d}', int(label), (seed, split_index, 1, i))
      for i, label in enumerate(labels)
  ]


def _write_shard(args) -> Tuple[str, int, float]:
  path, planned, options, frame_encoding, jpeg_quality = args
  start = time.time()

  def clips():
    for clip in planned:
      scene = synthetic.generate_scene(clip.seed, clip.label, options)
      yield scene.to_clip(clip.clip_id, frame_encoding=frame_encoding)

  count = records.write_clips(path, clips(), jpeg_quality=jpeg_quality)
  return path, count, time.time() - start


def _write_csv(path, header, rows):
  tmp = path + '.tmp'
  with tf.io.gfile.GFile(tmp, 'w') as f:
    writer = csv.writer(f, lineterminator='\n')
    writer.writerow(header)
    writer.writerows(rows)
  tf.io.gfile.rename(tmp, path, overwrite=True)


def mom_pairs(planned: Sequence[PlannedClip], seed: int, split: str,
              moms_per_clip: int) -> Dict[str, List[Tuple[str, str]]]:
  """MoM pair lists (clip_id1, clip_id2) of both evaluation styles."""
  rng = np.random.default_rng((seed, SPLITS.index(split), 2))
  by_label = {label: [c.clip_id for c in planned if c.label == label]
              for label in (-1, 0, 1)}

  def pair(primaries, backgrounds):
    pairs = []
    if not backgrounds:
      return pairs
    for primary in primaries:
      choices = [b for b in backgrounds if b != primary]
      if not choices:
        continue
      picks = rng.choice(len(choices), size=min(moms_per_clip, len(choices)),
                         replace=False)
      pairs.extend((primary, choices[i]) for i in sorted(picks))
    return pairs

  return {
      'filtered_on_screen': pair(by_label[1], by_label[0]),
      'filtered_off_screen': pair(by_label[0], by_label[0]),
      'random_on_screen': pair(by_label[1], by_label[-1]),
      'random_off_screen': pair(by_label[0], by_label[-1]),
  }


def make_synthetic(output_dir: str,
                   num_clips: Dict[str, int],
                   seed: int = 0,
                   options: Optional[synthetic.SceneOptions] = None,
                   clips_per_shard: int = 128,
                   on_screen_fraction: float = 0.2,
                   off_screen_fraction: float = 0.2,
                   moms_per_clip: int = 5,
                   frame_encoding: str = 'jpeg',
                   jpeg_quality: int = records.DEFAULT_JPEG_QUALITY,
                   num_workers: int = 1) -> Dict[str, object]:
  """Writes the synthetic data set (see the module docstring).

  Args:
    output_dir: the output folder (created).
    num_clips: clips per split, e.g. {'train': 1000, 'validation': 100,
      'test': 100}; splits with 0 clips are left out.
    seed: the data set's seed; every clip's seed derives from it.
    options: scene options (default: `synthetic.SceneOptions()`, i.e. gin).
    clips_per_shard: clips per TFRecord file.
    on_screen_fraction: fraction of on-screen-only clips per split.
    off_screen_fraction: fraction of off-screen-only clips per split.
    moms_per_clip: MoM pairs per labelled primary clip in the pair lists (the
      paper's lists have 5).
    frame_encoding: 'jpeg' or 'raw'.
    jpeg_quality: JPEG quality.
    num_workers: processes writing shards (1: in this process).

  Returns:
    The data set info (also written to `dataset_info.json`).

  Raises:
    ValueError: on bad arguments, or if `output_dir` holds a data set made
      with other settings.
  """
  options = options or synthetic.SceneOptions()
  options.validate()
  unknown = set(num_clips) - set(SPLITS)
  if unknown:
    raise ValueError(f'Unknown splits {sorted(unknown)}; use {SPLITS}.')
  if any(int(n) < 0 for n in num_clips.values()) or not any(
      int(n) > 0 for n in num_clips.values()):
    raise ValueError(f'num_clips must be non-negative with at least one '
                     f'clip, got {num_clips}.')
  if clips_per_shard < 1 or num_workers < 1 or moms_per_clip < 1:
    raise ValueError('clips_per_shard, num_workers and moms_per_clip must be '
                     '>= 1.')
  if frame_encoding not in records.FRAME_ENCODINGS:
    raise ValueError(f'frame_encoding must be one of '
                     f'{records.FRAME_ENCODINGS}, got {frame_encoding!r}.')
  tf.io.gfile.makedirs(output_dir)
  info = {
      'seed': int(seed),
      'num_clips': {s: int(num_clips.get(s, 0)) for s in SPLITS},
      'options': {k: (list(v) if isinstance(v, tuple) else v)
                  for k, v in dataclasses.asdict(options).items()},
      'clips_per_shard': int(clips_per_shard),
      'on_screen_fraction': float(on_screen_fraction),
      'off_screen_fraction': float(off_screen_fraction),
      'moms_per_clip': int(moms_per_clip),
      'frame_encoding': frame_encoding,
      'jpeg_quality': int(jpeg_quality),
  }
  info_path = os.path.join(output_dir, INFO_FILE)
  if tf.io.gfile.exists(info_path):
    with tf.io.gfile.GFile(info_path) as f:
      previous = json.load(f)
    previous.pop('files', None)
    if previous != info:
      raise ValueError(
          f'{output_dir} already holds a synthetic data set made with other '
          f'settings ({info_path}); use a new --output_dir or delete it.')
  with tf.io.gfile.GFile(info_path + '.tmp', 'w') as f:
    json.dump(info, f, indent=2, sort_keys=True)
  tf.io.gfile.rename(info_path + '.tmp', info_path, overwrite=True)

  jobs, files = [], {}
  for split in SPLITS:
    count = int(num_clips.get(split, 0))
    if not count:
      continue
    planned = plan_split(split, count, seed, on_screen_fraction,
                         off_screen_fraction)
    num_shards = math.ceil(count / clips_per_shard)
    files[split] = []
    for index in range(num_shards):
      path = os.path.join(output_dir, shard_name(split, index, num_shards))
      files[split].append(path)
      shard = planned[index * clips_per_shard:(index + 1) * clips_per_shard]
      if tf.io.gfile.exists(path):
        logging.info('Skipping complete shard %s.', path)
      else:
        jobs.append((path, shard, options, frame_encoding, jpeg_quality))
    _write_lists(output_dir, split, planned, options, seed, moms_per_clip)

  logging.info('Writing %d shards with %d workers.', len(jobs), num_workers)
  start, done_clips = time.time(), 0
  if num_workers == 1 or len(jobs) <= 1:
    results = map(_write_shard, jobs)
  else:
    pool = multiprocessing.get_context('spawn').Pool(num_workers)
    results = pool.imap_unordered(_write_shard, jobs)
  try:
    for done, (path, count, seconds) in enumerate(results, 1):
      done_clips += count
      logging.info('[%d/%d] wrote %s: %d clips in %.1f s (%.1f clips/s '
                   'overall).', done, len(jobs), os.path.basename(path), count,
                   seconds, done_clips / max(time.time() - start, 1e-9))
  finally:
    if num_workers > 1 and len(jobs) > 1:
      pool.close()
      pool.join()
  info['files'] = {s: [os.path.basename(p) for p in v]
                   for s, v in files.items()}
  return info


def _write_lists(output_dir, split, planned, options, seed, moms_per_clip):
  """Writes the clip CSVs and (for evaluation splits) the MoM CSVs."""
  end = float(options.clip_seconds)
  rows = {c.clip_id: ('', 0.0, end) for c in planned}
  _write_csv(os.path.join(output_dir, f'{split}_clips.csv'), CLIP_HEADER,
             [(c.clip_id, '', 0.0, end, c.label) for c in planned])
  for label, name in KIND_NAMES.items():
    _write_csv(os.path.join(output_dir, f'{split}_{name}.csv'), CLIP_HEADER,
               [(c.clip_id, '', 0.0, end, c.label)
                for c in planned if c.label == label])
  if split not in EVAL_SPLITS:
    return
  for name, pairs in mom_pairs(planned, seed, split, moms_per_clip).items():
    _write_csv(
        os.path.join(output_dir, f'{split}_mom_{name}.csv'), MOM_HEADER,
        [rows[a] + rows[b] + (a, b) for a, b in pairs])
