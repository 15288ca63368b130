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
"""Library of make_clip_lists: a folder of your own videos -> clip lists.

The published YFCC100M lists name 5 s clips of the videos of one collection;
this recipe writes lists of the same format for any folder of videos, so
that the rest of the data path (`make_yfcc_tfrecords`, the training
pipelines, `gin/datasets/own_videos.gin`) works on them unchanged:

* every video below `video_root` (recursively; `video_io.VIDEO_EXTENSIONS`)
  is probed with PyAV, without decoding;
* each is cut into clips of `clip_seconds` every `hop_seconds` (the last
  clip ends at most at the end of the file; a shorter tail is dropped);
* a whole video goes to one split (train / validate / test), chosen by a
  hash of its path relative to `video_root`: clips of one video never land
  in two splits, and adding videos later leaves the others where they were
  (the Speech Commands data set splits its files the same way);
* the lists are `<output_dir>/<name>_<split>_clips.csv` (rows `video path,
  start, end`, paths relative to `video_root`, no header, as the published
  lists), one per split that got a video;
* videos that give no clip are skipped and counted, never fatal: `corrupt`
  (not a readable media file), `no_audio`, `no_video`, `unknown_duration`
  (the container does not say how long it is), `too_short` (shorter than
  one clip). `<output_dir>/<name>_clip_lists.report.json` has the totals,
  the clips and seconds per split, the counts per reason and every skipped
  video with its message.

Probing takes milliseconds per video, so a re-run simply redoes the lists;
it writes the same files for the same videos and options.
"""

import dataclasses
import hashlib
import json
import os
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from absl import logging
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import video_io

SPLITS = ('train', 'validate', 'test')
SKIP_REASONS = ('corrupt', 'no_audio', 'no_video', 'unknown_duration',
                'too_short')
REPORT_SUFFIX = '_clip_lists.report.json'
# Clip ends are kept within the file's duration up to this rounding slack.
_DURATION_SLACK_SECONDS = 1e-3
_LOG_EVERY_VIDEOS = 100


@dataclasses.dataclass(frozen=True)
class ListOptions:
  """How videos are cut into clips and split.

  Attributes:
    clip_seconds: clip length in seconds (5 s in the papers; the training
      pipelines' `clip_seconds` must match).
    hop_seconds: seconds between clip starts; None means `clip_seconds`
      (back-to-back clips, as the published lists).
    split_fractions: fractions of the videos for (train, validate, test);
      non-negative, summing to 1.
    max_clips_per_video: at most this many clips of a video (the first
      ones); None for all.
  """
  clip_seconds: float = 5.0
  hop_seconds: Optional[float] = None
  split_fractions: Tuple[float, float, float] = (0.8, 0.1, 0.1)
  max_clips_per_video: Optional[int] = None

  def __post_init__(self):
    if not self.clip_seconds > 0:
      raise ValueError(
          f'clip_seconds must be positive, got {self.clip_seconds}.')
    if self.hop_seconds is not None and not self.hop_seconds > 0:
      raise ValueError(
          f'hop_seconds must be positive (or None for clip_seconds), got '
          f'{self.hop_seconds}.')
    fractions = tuple(float(f) for f in self.split_fractions)
    if (len(fractions) != len(SPLITS) or any(not f >= 0 for f in fractions)
        or abs(sum(fractions) - 1.0) > 1e-6):
      raise ValueError(
          f'split_fractions must be 3 non-negative numbers (train, validate, '
          f'test) summing to 1, e.g. 0.8,0.1,0.1; got {self.split_fractions!r}.')
    object.__setattr__(self, 'split_fractions', fractions)
    if self.max_clips_per_video is not None and self.max_clips_per_video < 1:
      raise ValueError(
          f'max_clips_per_video must be >= 1 (or None for all), got '
          f'{self.max_clips_per_video}.')

  @property
  def hop(self) -> float:
    return self.clip_seconds if self.hop_seconds is None else self.hop_seconds


def find_videos(video_root: str) -> List[str]:
  """Paths of the videos below `video_root`, relative to it, sorted.

  Args:
    video_root: a local folder.

  Returns:
    Relative paths ('/'-separated) of the files whose names end in one of
    `video_io.VIDEO_EXTENSIONS` (any case), in every sub-folder.

  Raises:
    FileNotFoundError: `video_root` is not a folder.
    ValueError: `video_root` is remote (PyAV probes local files only).
  """
  if '://' in video_root:
    raise ValueError(
        f'video_root {video_root!r} is remote; PyAV probes local files only. '
        'Mount the bucket (e.g. gcsfuse) or copy the videos, and list them '
        'from there.')
  if not tf.io.gfile.isdir(video_root):
    raise FileNotFoundError(
        f'video_root {video_root!r} is not a folder; pass the folder that '
        f'holds your videos.')
  found = []
  for folder, _, names in tf.io.gfile.walk(video_root):
    for name in names:
      if name.lower().endswith(video_io.VIDEO_EXTENSIONS):
        relative = os.path.relpath(os.path.join(folder, name), video_root)
        found.append(relative.replace(os.sep, '/'))
  return sorted(found)


def split_of(video_path: str,
             split_fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> str:
  """The split of a video: where a hash of its path falls in the fractions.

  Args:
    video_path: the path as listed (relative to the video root).
    split_fractions: fractions for `SPLITS`.

  Returns:
    'train', 'validate' or 'test'.
  """
  digest = hashlib.sha1(video_path.encode('utf-8')).hexdigest()
  position = int(digest[:15], 16) / float(16**15)  # uniform in [0, 1)
  cumulative = 0.0
  for split, fraction in zip(SPLITS, split_fractions):
    cumulative += fraction
    if position < cumulative:
      return split
  # Rounding: the last split with a non-zero fraction.
  return [s for s, f in zip(SPLITS, split_fractions) if f > 0][-1]


def clip_windows(duration: float, clip_seconds: float, hop_seconds: float,
                 max_clips: Optional[int] = None
                ) -> List[Tuple[float, float]]:
  """(start, end) of the clips cut from a file of `duration` seconds.

  Starts are k * hop_seconds, k = 0, 1, ...; a clip is kept if it ends by
  the end of the file (within 1 ms of rounding).

  Args:
    duration: length of the file in seconds.
    clip_seconds: clip length.
    hop_seconds: seconds between starts.
    max_clips: at most this many (the first); None for all.

  Returns:
    The windows, in order (empty if the file is shorter than one clip).
  """
  windows = []
  k = 0
  while max_clips is None or len(windows) < max_clips:
    start = round(k * hop_seconds, 6)
    end = round(start + clip_seconds, 6)
    if end > duration + _DURATION_SLACK_SECONDS:
      break
    windows.append((start, end))
    k += 1
  return windows


class _SkipVideo(Exception):

  def __init__(self, reason, message):
    super().__init__(message)
    self.reason = reason


def clips_of_video(video_root: str, video_path: str,
                   options: ListOptions) -> List[clip_lists.ClipRow]:
  """The clip rows of one video.

  Args:
    video_root: the folder the path is relative to.
    video_path: the video, relative to `video_root`.
    options: the `ListOptions`.

  Returns:
    Its clips (at least one).

  Raises:
    _SkipVideo: with the reason (one of `SKIP_REASONS`) and a message.
  """
  path = os.path.join(video_root, video_path)
  try:
    info = video_io.probe(path)
  except video_io.UnreadableVideoError as e:
    raise _SkipVideo('corrupt', str(e)) from e
  if not info['has_audio']:
    raise _SkipVideo('no_audio', f'{path!r} has no audio stream.')
  if not info['has_video']:
    raise _SkipVideo('no_video', f'{path!r} has no video stream (audio only).')
  duration = info['duration']
  if duration is None:
    raise _SkipVideo(
        'unknown_duration',
        f'{path!r}: the container does not give its duration; re-mux it '
        f'(ffmpeg -i in -c copy out.mp4).')
  windows = clip_windows(duration, options.clip_seconds, options.hop,
                         options.max_clips_per_video)
  if not windows:
    raise _SkipVideo(
        'too_short',
        f'{path!r} lasts {duration:.3f} s, shorter than one clip of '
        f'{options.clip_seconds} s (--clip_seconds).')
  return [clip_lists.ClipRow(video_path, start, end)
          for start, end in windows]


def list_path(output_dir: str, name: str, split: str) -> str:
  """Where the clip list of a split goes: `<name>_<split>_clips.csv`."""
  return os.path.join(output_dir, f'{name}_{split}_clips.csv')


def make_clip_lists(video_root: str, output_dir: str, name: str = 'own',
                    options: Optional[ListOptions] = None) -> Dict[str, Any]:
  """Writes train / validate / test clip lists for a folder of videos.

  Args:
    video_root: the folder of videos (searched recursively); the lists'
      paths are relative to it, so pass the same folder as
      `audioscope_make_yfcc_tfrecords --video_root`.
    output_dir: where the lists and the report go.
    name: the lists' prefix; `gin/datasets/own_videos.gin` reads
      `LIST_NAME`. A name with 'onscreen' or 'offscreen' in it makes the
      records recipe label every clip so (`--label=auto`).
    options: `ListOptions` (default: 5 s clips, 80/10/10 split).

  Returns:
    The report, also written to `<output_dir>/<name>_clip_lists.report.json`.

  Raises:
    FileNotFoundError: `video_root` is not a folder.
    ValueError: no videos in it, no video gave a clip (the message gives
      the counts per reason), or a bad `name`.
  """
  options = options or ListOptions()
  if not name or os.sep in name or '/' in name:
    raise ValueError(f'name must be a file name prefix such as "own", got '
                     f'{name!r}.')
  videos = find_videos(video_root)
  if not videos:
    raise ValueError(
        f'No videos below {video_root!r} (looked for '
        f'{", ".join(video_io.VIDEO_EXTENSIONS)} in every sub-folder); check '
        '--video_root.')
  logging.info('Probing %d videos below %s.', len(videos), video_root)
  began = time.time()
  rows = {split: [] for split in SPLITS}
  videos_per_split = {split: 0 for split in SPLITS}
  skipped = []
  for index, video_path in enumerate(videos, 1):
    try:
      clips = clips_of_video(video_root, video_path, options)
    except _SkipVideo as e:
      skipped.append({'video_path': video_path, 'reason': e.reason,
                      'message': str(e)})
    else:
      split = split_of(video_path, options.split_fractions)
      rows[split] += clips
      videos_per_split[split] += 1
    if index % _LOG_EVERY_VIDEOS == 0 or index == len(videos):
      logging.info('Probed %d / %d videos (%d skipped), %.0f s.', index,
                   len(videos), len(skipped), time.time() - began)
  counts = {reason: 0 for reason in SKIP_REASONS}
  for entry in skipped:
    counts[entry['reason']] += 1
  if not any(rows.values()):
    raise ValueError(
        f'None of the {len(videos)} videos below {video_root!r} gave a clip '
        f'of {options.clip_seconds} s; skipped per reason: '
        f'{ {k: v for k, v in counts.items() if v} }. Check the videos (they '
        'need audio and video) or use a shorter --clip_seconds.')
  tf.io.gfile.makedirs(output_dir)
  lists = {}
  for split in SPLITS:
    path = list_path(output_dir, name, split)
    if rows[split]:
      clip_lists.write_clip_list(path, rows[split])
      lists[split] = path
    elif tf.io.gfile.exists(path):
      # A list from an earlier run over other videos would be stale.
      tf.io.gfile.remove(path)
  empty = [s for s, f in zip(SPLITS, options.split_fractions)
           if f > 0 and not rows[s]]
  if empty:
    logging.warning(
        'No video fell into the %s split(s) (%d videos used; the split is '
        'by a hash of each path, so a few videos may leave a split empty). '
        'Add videos or change --split_fractions.', ', '.join(empty),
        sum(videos_per_split.values()))
  single = [s for s in SPLITS if len(rows[s]) == 1]
  if single:
    logging.warning(
        'The %s split(s) hold one clip: a mixture of mixtures needs two '
        'different clips, so the MixIT pipelines cannot use them. Add videos '
        'or use a shorter --clip_seconds / --hop_seconds.', ', '.join(single))
  report = {
      'video_root': video_root,
      'name': name,
      'options': dict(dataclasses.asdict(options),
                      split_fractions=list(options.split_fractions)),
      'videos': len(videos),
      'videos_used': sum(videos_per_split.values()),
      'skipped': len(skipped),
      'skipped_by_reason': counts,
      'lists': lists,
      'videos_per_split': videos_per_split,
      'clips_per_split': {s: len(rows[s]) for s in SPLITS},
      'seconds_per_split': {
          s: round(len(rows[s]) * options.clip_seconds, 3) for s in SPLITS},
      'empty_splits': empty,
      'skipped_videos': skipped,
  }
  report_path = os.path.join(output_dir, name + REPORT_SUFFIX)
  with tf.io.gfile.GFile(report_path, 'w') as f:
    json.dump(report, f, indent=1)
  logging.info(
      '%d of %d videos -> clips per split %s; %d skipped %s; report %s.',
      report['videos_used'], len(videos), report['clips_per_split'],
      len(skipped), {k: v for k, v in counts.items() if v}, report_path)
  for entry in skipped[:20]:
    logging.warning('Skipped %s (%s): %s', entry['video_path'],
                    entry['reason'], entry['message'])
  return report
