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
"""Apache Beam path of the YFCC recipe: clip lists -> clip TFRecords at scale.

The same work as `make_yfcc_tfrecords_lib.make_yfcc_tfrecords`, as a Beam
pipeline that runs on Dataflow, Flink or Spark (or the DirectRunner). Apache
Beam is an optional extra: `pip install 'audioscope[beam]'`. This module
imports without it; building a pipeline without it raises an `ImportError`
that says how to install it.

Per clip list, the pipeline
* reads the list in one worker (`clip_lists.iter_clip_list`, streaming, so
  the 4.85M-row training list is never held as objects in memory) and groups
  the rows by video (`GroupByKey`), which spreads them over the workers;
* decodes the clips of each video with `ProcessVideoDoFn`, which calls
  `make_yfcc_tfrecords_lib.process_clip`, the per-clip function of the local
  path, for each clip: one implementation, one TFRecord schema. A remote
  video (a gs:// video root) is copied to the worker once for all its clips;
* writes the records with `WriteToTFRecord` to
  `<output_dir>/<prefix>-SSSSS-of-NNNNN.tfrecord` (the local path's names);
  Beam writes them to temporary files and renames them when the write is
  final;
* counts rows, written clips and skipped clips per reason with Beam Metrics
  counters (namespace `audioscope.yfcc`), and writes
  `<output_dir>/<prefix>.report.json` in the local path's report format
  (totals, counts per reason and every skipped row with its line number and
  message). Bad clips are skipped, never fatal.

The per-element logic lives in plain functions (`iter_rows`,
`process_element`, `process_video`, `counter_names`, `build_report`, ...)
that are tested without Beam.
"""

import dataclasses
import itertools
import json
import math
import os
from typing import (Any, Dict, Iterable, Iterator, List, Optional,
                    Sequence, Tuple)

from absl import logging
import tensorflow as tf

from audioscope.data import clip_lists
from data_recipes import make_yfcc_tfrecords_lib as yfcc_lib

try:
  import apache_beam as beam  # pylint: disable=g-import-not-at-top
except ImportError:
  beam = None

INSTALL_HINT = "pip install 'audioscope[beam]'"
COUNTER_NAMESPACE = 'audioscope.yfcc'
WRITTEN = 'written'
SKIPPED = 'skipped'

# The DoFn is a module-level class (so that runners pickle it by reference);
# without Beam its base is `object` and building a pipeline raises first.
_DoFn = beam.DoFn if beam is not None else object


def require_beam():
  """The `apache_beam` module, or an ImportError saying how to install it."""
  if beam is None:
    raise ImportError(
        'The Beam path of the YFCC recipe (data_recipes/yfcc_beam.py, '
        '--runner=beam) needs Apache Beam, which is not installed. Install '
        f'the optional extra with `{INSTALL_HINT}` (apache-beam==2.61.0), or '
        'use the local path (--runner=local, multiprocessing, no Beam).')
  return beam


# --------------------- per-element logic (no Beam needed) -------------------


def iter_rows(clip_list: str,
              max_rows: Optional[int] = None) -> Iterator[clip_lists.ClipRow]:
  """The rows of a clip list, streamed, with their line numbers.

  Args:
    clip_list: the CSV (local or any `tf.io.gfile` path, e.g. gs://).
    max_rows: only the first rows (for trials), or None for all.

  Returns:
    An iterator of `ClipRow`s; a malformed row raises `ClipListError` naming
    the file and line.
  """
  rows = clip_lists.iter_clip_list(clip_list)
  if max_rows is not None:
    if max_rows < 1:
      raise ValueError(f'max_rows must be >= 1 or None, got {max_rows}.')
    rows = itertools.islice(rows, max_rows)
  return rows


def count_rows(clip_list: str, max_rows: Optional[int] = None) -> int:
  """Reads (and so validates) a whole list, returning its number of rows."""
  return sum(1 for _ in iter_rows(clip_list, max_rows))


def num_shards_for(num_rows: int, rows_per_shard: Optional[int] = None,
                   num_shards: int = 0) -> int:
  """Output shards: `num_shards`, else ceil(rows / rows_per_shard), else 0.

  Args:
    num_rows: rows of the list.
    rows_per_shard: rows per shard, as in the local path (None: unused).
    num_shards: an explicit number of shards (0: not given).

  Returns:
    The shard count for `WriteToTFRecord`; 0 lets the runner choose (no
    shuffle of the encoded clips before writing, the cheapest at scale).
  """
  if num_shards < 0:
    raise ValueError(f'num_shards must be >= 0, got {num_shards}.')
  if num_shards:
    return num_shards
  if rows_per_shard is None:
    return 0
  if rows_per_shard < 1:
    raise ValueError(f'rows_per_shard must be >= 1, got {rows_per_shard}.')
  return max(1, math.ceil(num_rows / rows_per_shard))


def counter_names(result: yfcc_lib.ClipResult) -> List[str]:
  """The Metrics counters one processed row increments."""
  if result.serialized is not None:
    return ['rows', WRITTEN]
  return ['rows', SKIPPED, f'{SKIPPED}_{result.skipped["reason"]}']


def route(result: yfcc_lib.ClipResult) -> Tuple[str, Any]:
  """(WRITTEN, record bytes) or (SKIPPED, skip entry) for a processed row."""
  if result.serialized is not None:
    return WRITTEN, result.serialized
  return SKIPPED, result.skipped


def process_element(row: clip_lists.ClipRow, video_root: str,
                    options: yfcc_lib.ClipOptions, source: str = '',
                    local_path: Optional[str] = None
                   ) -> Tuple[str, Any, List[str]]:
  """The work on one row: (output tag, value, counter names).

  Calls `make_yfcc_tfrecords_lib.process_clip`, the per-clip function of the
  local path; never raises for bad videos.

  Args:
    row: the listed clip.
    video_root: folder the listed video paths are relative to.
    options: decoding and storage options.
    source: the list file, named in skip entries.
    local_path: a local copy of the row's video, or None.
  """
  result = yfcc_lib.process_clip(row, video_root, options, source,
                                 local_path=local_path)
  tag, value = route(result)
  return tag, value, counter_names(result)


def video_key(row: clip_lists.ClipRow) -> Tuple[str, clip_lists.ClipRow]:
  """(listed video path, row): the rows of a video are processed together."""
  return row.video_path, row


def process_video(video_path: str, rows: Iterable[clip_lists.ClipRow],
                  video_root: str, options: yfcc_lib.ClipOptions,
                  source: str = '') -> Iterator[Tuple[str, Any, List[str]]]:
  """The DoFn's work on the rows of one video, in line order.

  A remote video is copied to a local temporary file once for all its clips
  (`make_yfcc_tfrecords_lib.local_video`); if that fails (e.g. the video does
  not exist), every row is skipped with the reason.

  Args:
    video_path: the listed video path shared by `rows`.
    rows: its rows.
    video_root: folder the listed video paths are relative to.
    options: decoding and storage options.
    source: the list file, named in skip entries.

  Yields:
    (output tag, value, counter names) per row, as `process_element`.
  """
  rows = sorted(rows, key=lambda r: r.line)
  try:
    with yfcc_lib.local_video(
        yfcc_lib.resolve_path(video_root, video_path)) as local_path:
      results = [process_element(row, video_root, options, source, local_path)
                 for row in rows]
  except Exception as e:  # pylint: disable=broad-except
    results = []
    for row in rows:
      result = yfcc_lib.ClipResult(skipped=yfcc_lib.skip_entry(row, e, source))
      tag, value = route(result)
      results.append((tag, value, counter_names(result)))
  yield from results


def build_report(written: int, skipped: Sequence[Dict[str, Any]],
                 num_shards: int, extra: Dict[str, Any]) -> Dict[str, Any]:
  """The report of a Beam run, in the local path's format.

  Args:
    written: clips written.
    skipped: the skip entries (any order; sorted by line in the report).
    num_shards: output shards (0: chosen by the runner).
    extra: fields added to the report (list, video_root, options...).

  Returns:
    {**extra, rows, written, skipped, skipped_by_reason, shards, shards_run,
    shards_already_done, skipped_rows}.
  """
  summary = {'rows': written + len(skipped), 'written': written,
             'skipped': list(skipped)}
  run = {'summaries': [summary], 'shards_run': num_shards,
         'shards_already_done': 0}
  report = yfcc_lib.make_report(run, extra)
  report['shards'] = num_shards
  return report


def write_report(report_path: str, written: int,
                 skipped: Sequence[Dict[str, Any]], num_shards: int,
                 extra: Dict[str, Any]) -> str:
  """Builds and writes a report (the pipeline's last step); returns path."""
  report = build_report(written, skipped, num_shards, extra)
  yfcc_lib.write_report(report_path, report)
  return report_path


def list_prefix(clip_list: str, prefix: Optional[str] = None) -> str:
  """Output prefix of a list: `prefix`, else its file name without .csv."""
  return prefix or os.path.splitext(os.path.basename(clip_list))[0]


def report_path_for(output_dir: str, prefix: str) -> str:
  return os.path.join(output_dir, f'{prefix}.report.json')


# ------------------------------- the pipeline --------------------------------


class ProcessVideoDoFn(_DoFn):
  """Decodes the clips of one video, (video path, rows) -> records and skips.

  Records go to the main output, skip entries to the 'skipped' output; the
  `audioscope.yfcc` counters count rows, written and skipped clips (per
  reason) and videos.
  """

  def __init__(self, video_root: str, options: yfcc_lib.ClipOptions,
               source: str = ''):
    super().__init__()
    self._video_root = video_root
    self._options = options
    self._source = source
    self._counters = {}

  def _counter(self, name):
    if name not in self._counters:
      self._counters[name] = beam.metrics.Metrics.counter(COUNTER_NAMESPACE,
                                                          name)
    return self._counters[name]

  def process(self, element):
    video_path, rows = element
    self._counter('videos').inc()
    for tag, value, names in process_video(video_path, rows, self._video_root,
                                           self._options, self._source):
      for name in names:
        self._counter(name).inc()
      if tag == WRITTEN:
        yield value
      else:
        yield beam.pvalue.TaggedOutput(SKIPPED, value)


def add_list_to_pipeline(pipeline, clip_list: str, video_root: str,
                         output_dir: str, options: yfcc_lib.ClipOptions,
                         prefix: str, num_shards: int = 0,
                         max_rows: Optional[int] = None,
                         extra: Optional[Dict[str, Any]] = None) -> None:
  """Adds the steps of one clip list to a Beam pipeline.

  Args:
    pipeline: a `beam.Pipeline`.
    clip_list: CSV of `video path, start, end[, offset]`.
    video_root: folder the listed paths are relative to.
    output_dir: where the shards and the report go.
    options: decoding and storage options (`ClipOptions`).
    prefix: shard and report name prefix (unique within the pipeline).
    num_shards: output shards (0: the runner chooses).
    max_rows: only the first rows of the list.
    extra: fields added to the report.
  """
  b = require_beam()
  source = os.fspath(clip_list)
  videos = (pipeline
            | f'{prefix}/ListPath' >> b.Create([source])
            | f'{prefix}/ReadRows' >> b.FlatMap(iter_rows, max_rows)
            | f'{prefix}/KeyByVideo' >> b.Map(video_key)
            | f'{prefix}/GroupByVideo' >> b.GroupByKey())
  results = videos | f'{prefix}/ProcessVideos' >> b.ParDo(
      ProcessVideoDoFn(video_root, options, source)).with_outputs(
          SKIPPED, main=WRITTEN)
  records = results[WRITTEN]
  _ = records | f'{prefix}/WriteTFRecords' >> b.io.WriteToTFRecord(
      os.path.join(output_dir, prefix), file_name_suffix='.tfrecord',
      num_shards=num_shards)
  written = records | f'{prefix}/CountWritten' >> b.combiners.Count.Globally()
  skipped = results[SKIPPED] | f'{prefix}/CollectSkipped' >> (
      b.combiners.ToList())
  _ = (pipeline
       | f'{prefix}/ReportPath' >> b.Create(
           [report_path_for(output_dir, prefix)])
       | f'{prefix}/WriteReport' >> b.Map(
           write_report, written=b.pvalue.AsSingleton(written),
           skipped=b.pvalue.AsSingleton(skipped), num_shards=num_shards,
           extra=dict(extra or {})))


def read_counters(result) -> Dict[str, int]:
  """The committed `audioscope.yfcc` counters of a finished pipeline."""
  b = require_beam()
  query = result.metrics().query(
      b.metrics.MetricsFilter().with_namespace(COUNTER_NAMESPACE))
  counters = {}
  for counter in query['counters']:
    name = counter.key.metric.name
    counters[name] = counters.get(name, 0) + int(counter.committed or 0)
  return counters


def run(clip_list_paths: Sequence[str], video_root: str, output_dir: str,
        pipeline_args: Sequence[str] = (), label: str = 'auto',
        rows_per_shard: Optional[int] = None, num_shards: int = 0,
        max_rows: Optional[int] = None, prefix: Optional[str] = None,
        **option_overrides) -> Dict[str, Any]:
  """Runs the Beam pipeline over one or more clip lists and waits for it.

  Args:
    clip_list_paths: clip list CSVs; each gets its own shards and report.
    video_root: folder the listed video paths are relative to (local, or
      gs:// etc. for a cluster: it must be readable by the workers).
    output_dir: where shards and reports go (readable by the launcher for the
      returned reports).
    pipeline_args: Beam pipeline options, e.g. ['--runner=DataflowRunner',
      '--project=...', '--region=...', '--temp_location=gs://...',
      '--setup_file=./setup.py']; none: the DirectRunner.
    label: 'auto' (from each list name), 'unlabelled', 'on_screen' or
      'off_screen'.
    rows_per_shard: rows per output shard, as in the local path (the lists
      are counted first, which also validates them); None with num_shards=0
      lets the runner choose the shards.
    num_shards: an explicit number of shards per list (overrides
      rows_per_shard).
    max_rows: only the first rows of each list.
    prefix: output prefix (only with a single list; default its name).
    **option_overrides: fields of `make_yfcc_tfrecords_lib.ClipOptions`.

  Returns:
    {'reports': the reports (as written), 'counters': the Beam counters,
    'state': the final pipeline state}.
  """
  b = require_beam()
  clip_list_paths = [os.fspath(p) for p in clip_list_paths]
  if not clip_list_paths:
    raise ValueError('Give at least one clip list (--clip_list).')
  if prefix and len(clip_list_paths) > 1:
    raise ValueError('prefix names the output of a single list; leave it out '
                     'with several lists (each uses its file name).')
  if not tf.io.gfile.isdir(video_root):
    raise FileNotFoundError(
        f'video_root {video_root!r} is not a folder; pass the folder that '
        f'holds the listed video paths (e.g. data/videos/mp4/...).')
  prefixes = [list_prefix(p, prefix) for p in clip_list_paths]
  if len(set(prefixes)) != len(prefixes):
    raise ValueError(f'Two clip lists have the same file name ({prefixes}); '
                     f'their outputs would collide. Rename one.')
  tf.io.gfile.makedirs(output_dir)
  pipeline_options = b.options.pipeline_options.PipelineOptions(
      list(pipeline_args))
  report_paths = []
  with b.Pipeline(options=pipeline_options) as pipeline:
    for clip_list, list_name in zip(clip_list_paths, prefixes):
      options = yfcc_lib.ClipOptions(
          label=yfcc_lib.label_for(label, clip_list), **option_overrides)
      if num_shards or rows_per_shard is None:
        shards = num_shards_for(0, None, num_shards)
      else:
        shards = num_shards_for(count_rows(clip_list, max_rows),
                                rows_per_shard)
      logging.info('Beam: %s -> %s/%s-*.tfrecord (%s shards).', clip_list,
                   output_dir, list_name, shards or 'runner-chosen')
      add_list_to_pipeline(
          pipeline, clip_list, video_root, output_dir, options, list_name,
          num_shards=shards, max_rows=max_rows,
          extra={'list': clip_list, 'video_root': video_root,
                 'output_pattern': os.path.join(output_dir,
                                                f'{list_name}-*.tfrecord'),
                 'label': options.label, 'runner': 'beam',
                 'options': dataclasses.asdict(options)})
      report_paths.append(report_path_for(output_dir, list_name))
  result = pipeline.result
  counters = read_counters(result)
  logging.info('Beam pipeline %s; counters %s.', result.state, counters)
  reports = []
  for path in report_paths:
    with tf.io.gfile.GFile(path, 'r') as f:
      reports.append(json.load(f))
  return {'reports': reports, 'counters': counters,
          'state': str(result.state)}
