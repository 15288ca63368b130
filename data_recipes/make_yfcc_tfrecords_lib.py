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
"""Library of make_yfcc_tfrecords: published clip lists -> clip TFRecords.

For each row `video path, start, end` of a clip list, the clip is decoded
from `video_root/<video path>` with PyAV (`video_io.read_video`: 16 kHz mono,
16 FPS frames resized to 128x128) and written in the one TFRecord schema of
`audioscope.data.records`. The video root may be remote (gs://..., any
`tf.io.gfile` file system): each video is then copied to a temporary local
file, which PyAV can open.

Local path (no Apache Beam needed):
* the list is cut into shards of `rows_per_shard` consecutive rows; shard i
  becomes `<output_dir>/<prefix>-0000i-of-0000n.tfrecord`;
* shards are processed by a `multiprocessing` pool of `num_workers`
  processes (start method 'spawn' by default: TensorFlow, used for JPEG
  encoding, is not fork-safe);
* each finished shard is written atomically (a `.tmp` file renamed) and then
  gets a completion marker `<shard>.done.json` with its counts, its skipped
  rows and a fingerprint of its rows and options; a restarted run skips the
  shards whose marker matches, so it resumes where it stopped;
* clips that cannot be made are skipped and counted, never fatal: `missing`
  video, clip `out_of_range` (past the video's end), `no_audio`, `no_video`,
  `corrupt` (not a media file / decoding failed), `silent` (digital
  silence), `error` (anything else). The run writes
  `<output_dir>/<prefix>.report.json` (totals, counts per reason and every
  skipped row with its line number) and logs a summary.

The per-clip function `process_clip` is shared with the Beam pipeline
(`yfcc_beam.py`), whose DoFn calls it.
"""

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from typing import (Any, Callable, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple)

from absl import logging
import numpy as np
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import records
from audioscope.data import video_io

SKIP_REASONS = ('missing', 'out_of_range', 'no_audio', 'no_video', 'corrupt',
                'silent', 'invalid', 'error')
LABEL_NAMES = {'unlabelled': -1, 'on_screen': 1, 'off_screen': 0}
_SILENCE_RMS = 1e-8


@dataclasses.dataclass(frozen=True)
class ClipOptions:
  """How clips are decoded and stored (picklable, shared with Beam).

  Attributes:
    sample_rate: audio rate in Hz.
    frame_rate: stored frame rate.
    frame_size: (height, width) of the stored frames.
    label: -1, 0 or 1, stored in every clip.
    frame_encoding: 'jpeg' or 'raw' (records.FRAME_ENCODINGS).
    jpeg_quality: 1-100.
    max_pad_seconds: how far a stream may end before the clip end and be
      padded (video_io.read_video); beyond it the clip is 'out_of_range'.
    skip_silent: skip clips whose audio is digital silence.
  """
  sample_rate: int = records.SAMPLE_RATE
  frame_rate: float = records.FRAME_RATE
  frame_size: Tuple[int, int] = (128, 128)
  label: int = records.UNLABELLED
  frame_encoding: str = 'jpeg'
  jpeg_quality: int = records.DEFAULT_JPEG_QUALITY
  max_pad_seconds: float = 0.5
  skip_silent: bool = True

  def __post_init__(self):
    if self.label not in records.LABELS:
      raise ValueError(f'label must be one of {records.LABELS}, got '
                       f'{self.label!r}.')
    if self.frame_encoding not in records.FRAME_ENCODINGS:
      raise ValueError(f'frame_encoding must be one of '
                       f'{records.FRAME_ENCODINGS}, got '
                       f'{self.frame_encoding!r}.')
    if not 1 <= self.jpeg_quality <= 100:
      raise ValueError(f'jpeg_quality must be in [1, 100], got '
                       f'{self.jpeg_quality}.')


@dataclasses.dataclass
class ClipResult:
  """What became of one row: a serialised record or a skip.

  Attributes:
    serialized: the `tf.train.Example` bytes, or None if skipped.
    skipped: None, or a dict with `reason`, `message`, `line`,
      `video_path`, `start`, `end`.
  """
  serialized: Optional[bytes] = None
  skipped: Optional[Dict[str, Any]] = None


class SkipClip(Exception):
  """Raised inside a per-clip function to skip the clip with a reason."""

  def __init__(self, reason, message):
    super().__init__(message)
    self.reason = reason


def reason_of(error: BaseException) -> str:
  """The skip reason for an exception raised while making a clip."""
  if isinstance(error, SkipClip):
    return error.reason
  if isinstance(error, video_io.VideoNotFoundError):
    return 'missing'
  if isinstance(error, video_io.ClipOutOfRangeError):
    return 'out_of_range'
  if isinstance(error, video_io.NoAudioStreamError):
    return 'no_audio'
  if isinstance(error, video_io.NoVideoStreamError):
    return 'no_video'
  if isinstance(error, video_io.UnreadableVideoError):
    return 'corrupt'
  if isinstance(error, records.RecordError):
    return 'invalid'
  return 'error'


def skip_entry(row: clip_lists.ClipRow, error: BaseException,
               source: str = '') -> Dict[str, Any]:
  """A JSON-able description of a skipped row."""
  return {'reason': reason_of(error), 'message': str(error), 'line': row.line,
          'list': source, 'video_path': row.video_path, 'start': row.start,
          'end': row.end}


def resolve_path(video_root: str, video_path: str) -> str:
  """`video_root/video_path` (absolute listed paths are kept)."""
  if os.path.isabs(video_path) or not video_root:
    return video_path
  return os.path.join(video_root, video_path)


def is_remote(path: str) -> bool:
  """Whether `path` names a file system PyAV cannot open (gs://, s3://...)."""
  return '://' in os.fspath(path)


@contextlib.contextmanager
def local_video(path: str) -> Iterator[str]:
  """A local file path for a video: `path` itself, or a temporary copy.

  PyAV opens local files only; a remote video (gs://..., any
  `tf.io.gfile` file system) is copied to a temporary file for the duration
  of the `with` block.

  Args:
    path: the video path.

  Yields:
    A path PyAV can open.

  Raises:
    video_io.VideoNotFoundError: a remote video that does not exist.
  """
  path = os.fspath(path)
  if not is_remote(path):
    yield path
    return
  if not tf.io.gfile.exists(path):
    raise video_io.VideoNotFoundError(
        f'Video file {path!r} does not exist; check the path (and the video '
        f'root it was joined with).')
  handle, local = tempfile.mkstemp(suffix=os.path.splitext(path)[1],
                                   prefix='audioscope_video_')
  os.close(handle)
  try:
    tf.io.gfile.copy(path, local, overwrite=True)
    yield local
  finally:
    os.remove(local)


def decode_row(row: clip_lists.ClipRow, video_root: str,
               options: ClipOptions,
               local_path: Optional[str] = None) -> video_io.VideoClip:
  """Decodes one listed clip (raises video_io errors or SkipClip).

  Args:
    row: the listed clip.
    video_root: folder the listed video paths are relative to (local or
      remote, e.g. gs://; remote videos are copied to a temporary file).
    options: decoding options.
    local_path: a local copy of the row's video, already made by the caller
      (the Beam path copies each remote video once for all its clips).

  Returns:
    The decoded clip.
  """
  if local_path is None:
    with local_video(resolve_path(video_root, row.video_path)) as path:
      return decode_row(row, video_root, options, local_path=path)
  decoded = video_io.read_video(
      local_path,
      sample_rate=options.sample_rate, frame_rate=options.frame_rate,
      frame_size=options.frame_size, start=row.start, end=row.end,
      max_pad_seconds=options.max_pad_seconds)
  if options.skip_silent:
    rms = float(np.sqrt(np.mean(np.square(decoded.audio, dtype=np.float64))))
    if rms <= _SILENCE_RMS:
      raise SkipClip('silent', f'{row.video_path} [{row.start}, {row.end}] '
                     f'is digitally silent (RMS {rms:.2e}); it carries no '
                     f'sound to separate.')
  return decoded


def make_clip(row: clip_lists.ClipRow, video_root: str,
              options: ClipOptions,
              local_path: Optional[str] = None) -> records.Clip:
  """Decodes one listed clip into a `records.Clip` (see `decode_row`)."""
  decoded = decode_row(row, video_root, options, local_path)
  return records.Clip(
      clip_id=row.clip_id, audio=decoded.audio, frames=decoded.frames,
      video_path=row.video_path, start_time=row.start, end_time=row.end,
      sample_rate=options.sample_rate, frame_rate=options.frame_rate,
      label=options.label, frame_encoding=options.frame_encoding)


def process_clip(row: clip_lists.ClipRow, video_root: str,
                 options: ClipOptions, source: str = '',
                 local_path: Optional[str] = None) -> ClipResult:
  """The per-clip step of the local and the Beam paths.

  Args:
    row: the listed clip.
    video_root: folder the listed video paths are relative to.
    options: decoding and storage options.
    source: the list file, named in skip entries.
    local_path: a local copy of the row's video made by the caller, or None
      (`decode_row`).

  Returns:
    A `ClipResult`: serialised record, or the skip entry. Never raises for
    bad videos.
  """
  try:
    clip = make_clip(row, video_root, options, local_path)
    return ClipResult(serialized=records.serialize_clip(
        clip, jpeg_quality=options.jpeg_quality))
  except Exception as e:  # pylint: disable=broad-except
    return ClipResult(skipped=skip_entry(row, e, source))


# ------------------------------ sharding ------------------------------------


def shard_name(prefix: str, index: int, num_shards: int) -> str:
  return f'{prefix}-{index:05d}-of-{num_shards:05d}.tfrecord'


def marker_path(shard_path: str) -> str:
  return shard_path + '.done.json'


def fingerprint(items: Sequence[Any], options: Any) -> str:
  """A hash of a shard's rows and the options, stored in its marker."""
  digest = hashlib.sha256()
  digest.update(repr(options).encode('utf-8'))
  for item in items:
    digest.update(repr(item).encode('utf-8'))
  return digest.hexdigest()


@dataclasses.dataclass
class ShardTask:
  """One shard of work (picklable).

  Attributes:
    index: shard index.
    path: output TFRecord path.
    items: the rows (ClipRow or MomRow).
    process: module-level function (item, context) -> ClipResult.
    context: passed to `process`.
    fingerprint: of items and options.
  """
  index: int
  path: str
  items: List[Any]
  process: Callable[[Any, Any], ClipResult]
  context: Any
  fingerprint: str


def is_done(task: ShardTask) -> bool:
  """Whether a previous run finished this shard with the same rows."""
  marker = marker_path(task.path)
  if not (tf.io.gfile.exists(marker) and tf.io.gfile.exists(task.path)):
    return False
  try:
    with tf.io.gfile.GFile(marker, 'r') as f:
      summary = json.load(f)
  except (ValueError, tf.errors.OpError):
    return False
  return summary.get('fingerprint') == task.fingerprint


def run_shard(task: ShardTask) -> Dict[str, Any]:
  """Processes one shard: writes its records atomically, then its marker."""
  began = time.time()
  tmp_path = task.path + '.tmp'
  written = 0
  skipped = []
  with tf.io.TFRecordWriter(tmp_path) as writer:
    for item in task.items:
      result = task.process(item, task.context)
      if result.serialized is not None:
        writer.write(result.serialized)
        written += 1
      else:
        skipped.append(result.skipped)
  tf.io.gfile.rename(tmp_path, task.path, overwrite=True)
  summary = {'shard': os.path.basename(task.path), 'index': task.index,
             'rows': len(task.items), 'written': written, 'skipped': skipped,
             'fingerprint': task.fingerprint,
             'seconds': round(time.time() - began, 3)}
  with tf.io.gfile.GFile(marker_path(task.path) + '.tmp', 'w') as f:
    json.dump(summary, f)
  tf.io.gfile.rename(marker_path(task.path) + '.tmp', marker_path(task.path),
                     overwrite=True)
  return summary


def _read_marker(task):
  with tf.io.gfile.GFile(marker_path(task.path), 'r') as f:
    return json.load(f)


def run_shards(tasks: Sequence[ShardTask], num_workers: int = 1,
               start_method: str = 'forkserver') -> Dict[str, Any]:
  """Runs the unfinished shards (in a pool if num_workers > 1).

  Args:
    tasks: all shards of the output.
    num_workers: worker processes; 1 runs in this process.
    start_method: multiprocessing start method ('spawn', 'forkserver' or
      'fork'; 'fork' is unsafe once TensorFlow has run an op).

  Returns:
    {'summaries': per-shard summaries in shard order (from markers for the
    shards done before), 'shards_run': n, 'shards_already_done': n}.
  """
  if num_workers < 1:
    raise ValueError(f'num_workers must be >= 1, got {num_workers}.')
  todo = [t for t in tasks if not is_done(t)]
  todo_indices = {t.index for t in todo}
  done_before = [t for t in tasks if t.index not in todo_indices]
  summaries = {t.index: _read_marker(t) for t in done_before}
  logging.info('%d shards to run, %d already done.', len(todo),
               len(done_before))
  if todo:
    if num_workers == 1 or len(todo) == 1:
      results = map(run_shard, todo)
      for summary in results:
        summaries[summary['index']] = summary
        _log_shard(summary, len(summaries), len(tasks))
    else:
      context = multiprocessing.get_context(start_method)
      if start_method == 'forkserver':
        # The server imports TensorFlow once (running no op) and forks the
        # workers from it.
        context.set_forkserver_preload([__name__])
      with context.Pool(min(num_workers, len(todo))) as pool:
        for summary in pool.imap_unordered(run_shard, todo):
          summaries[summary['index']] = summary
          _log_shard(summary, len(summaries), len(tasks))
  return {'summaries': [summaries[t.index] for t in tasks],
          'shards_run': len(todo), 'shards_already_done': len(done_before)}


def _log_shard(summary, finished, total):
  logging.info('Shard %s: %d written, %d skipped in %.1f s (%d/%d shards).',
               summary['shard'], summary['written'], len(summary['skipped']),
               summary['seconds'], finished, total)


def make_report(run: Dict[str, Any], extra: Dict[str, Any]) -> Dict[str, Any]:
  """Totals and counts per skip reason over all shards."""
  summaries = run['summaries']
  skipped = [entry for s in summaries for entry in s['skipped']]
  counts = {reason: 0 for reason in SKIP_REASONS}
  for entry in skipped:
    counts[entry['reason']] = counts.get(entry['reason'], 0) + 1
  report = dict(extra)
  report.update({
      'rows': sum(s['rows'] for s in summaries),
      'written': sum(s['written'] for s in summaries),
      'skipped': len(skipped),
      'skipped_by_reason': counts,
      'shards': len(summaries),
      'shards_run': run['shards_run'],
      'shards_already_done': run['shards_already_done'],
      'skipped_rows': sorted(skipped, key=lambda e: e['line']),
  })
  return report


def write_report(path: str, report: Dict[str, Any]) -> None:
  with tf.io.gfile.GFile(path, 'w') as f:
    json.dump(report, f, indent=1)
  logging.info('%s: %d rows, %d written, %d skipped %s; report %s.',
               report.get('list', ''), report['rows'], report['written'],
               report['skipped'],
               {k: v for k, v in report['skipped_by_reason'].items() if v},
               path)
  for entry in report['skipped_rows'][:20]:
    logging.warning('Skipped line %d (%s): %s', entry['line'],
                    entry['reason'], entry['message'])


def plan_shards(items: Sequence[Any], output_dir: str, prefix: str,
                rows_per_shard: int, process, context,
                options: Any) -> List[ShardTask]:
  """Cuts `items` into consecutive shards of `rows_per_shard`."""
  if rows_per_shard < 1:
    raise ValueError(f'rows_per_shard must be >= 1, got {rows_per_shard}.')
  num_shards = max(1, -(-len(items) // rows_per_shard))
  tasks = []
  for index in range(num_shards):
    chunk = list(items[index * rows_per_shard:(index + 1) * rows_per_shard])
    tasks.append(ShardTask(
        index=index,
        path=os.path.join(output_dir, shard_name(prefix, index, num_shards)),
        items=chunk, process=process, context=context,
        fingerprint=fingerprint(chunk, options)))
  return tasks


# ---------------------------- the YFCC recipe --------------------------------


def label_for(label: str, list_path: str) -> int:
  """Label from a flag value ('auto' reads the list name)."""
  if label == 'auto':
    return clip_lists.label_from_name(list_path)
  if label in LABEL_NAMES:
    return LABEL_NAMES[label]
  raise ValueError(f'label must be auto or one of {sorted(LABEL_NAMES)}, got '
                   f'{label!r}.')


def _process_listed_clip(row, context):
  video_root, options, source = context
  return process_clip(row, video_root, options, source)


def make_yfcc_tfrecords(clip_list: str, video_root: str, output_dir: str,
                        prefix: Optional[str] = None,
                        label: str = 'auto',
                        rows_per_shard: int = 256,
                        num_workers: int = 1,
                        start_method: str = 'forkserver',
                        max_rows: Optional[int] = None,
                        **option_overrides) -> Dict[str, Any]:
  """Makes clip TFRecords from one published clip list.

  Args:
    clip_list: CSV of `video path, start, end[, offset]`.
    video_root: folder the listed video paths are relative to (the folder
      that holds `data/videos/mp4/...` for YFCC100M).
    output_dir: where shards, markers and the report go.
    prefix: shard name prefix (default: the list's file name without .csv).
    label: 'auto' (from the list name), 'unlabelled', 'on_screen' or
      'off_screen'.
    rows_per_shard: rows per output shard.
    num_workers: worker processes.
    start_method: multiprocessing start method.
    max_rows: only the first rows of the list (for trials).
    **option_overrides: fields of `ClipOptions` (sample_rate, frame_rate,
      frame_size, frame_encoding, jpeg_quality, max_pad_seconds,
      skip_silent).

  Returns:
    The report (also written to `<output_dir>/<prefix>.report.json`).
  """
  rows = clip_lists.read_clip_list(clip_list)
  if max_rows is not None:
    rows = rows[:max_rows]
  if not tf.io.gfile.isdir(video_root):
    raise FileNotFoundError(
        f'video_root {video_root!r} is not a folder; pass the folder that '
        f'holds the listed video paths (e.g. data/videos/mp4/...).')
  options = ClipOptions(label=label_for(label, clip_list), **option_overrides)
  prefix = prefix or os.path.splitext(os.path.basename(clip_list))[0]
  tf.io.gfile.makedirs(output_dir)
  context = (video_root, options, os.fspath(clip_list))
  tasks = plan_shards(rows, output_dir, prefix, rows_per_shard,
                      _process_listed_clip, context, options)
  began = time.time()
  run = run_shards(tasks, num_workers, start_method)
  report = make_report(run, {
      'list': os.fspath(clip_list), 'video_root': video_root,
      'output_pattern': os.path.join(output_dir, f'{prefix}-*.tfrecord'),
      'label': options.label, 'options': dataclasses.asdict(options),
      'seconds': round(time.time() - began, 3)})
  write_report(os.path.join(output_dir, f'{prefix}.report.json'), report)
  return report


def make_from_lists(clip_list_paths: Iterable[str], **kwargs
                   ) -> List[Dict[str, Any]]:
  """`make_yfcc_tfrecords` for each list (each to its own prefix)."""
  return [make_yfcc_tfrecords(path, **kwargs) for path in clip_list_paths]
