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
"""The published YFCC100M clip lists (CSV) of AudioScope, V2 and MixIT.

Formats (google-research/sound-separation, datasets/{audioscope,
audioscope-v2,yfcc100m}/README.md):

* clip lists: `video path, start (s), end (s)`; the YFCC100M MixIT lists add
  a 4th column, the output offset (s) of the clip inside a 10 s output.
* MoM (pair) lists: `path1, start1, end1, path2, start2, end2`; the MixIT
  MoM test list has 8 columns (an offset after each end). A MoM takes its
  frames from clip 1; its soundtrack is audio1 + audio2.

The READMEs do not say whether the files have a header row, so both are
accepted: a first row whose time columns are not numbers is a header.
Blank lines are skipped. Errors name the file and line.

`gcloud storage cp --recursive gs://gresearch/sound_separation/
audioscope_v2_yfcc100m_clip_lists .` gives a folder of CSVs named like
`unfiltered_test_onscreen_unanimous_clips.csv`; `find_published_lists` finds
them (in that folder or anywhere below a parent) and says what each one is.
"""

import csv
import dataclasses
import io
import math
import os
import re
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

import tensorflow as tf

UNLABELLED = -1
OFF_SCREEN_ONLY = 0
ON_SCREEN_ONLY = 1


class ClipListError(ValueError):
  """A clip list is malformed; the message names the file and line."""


@dataclasses.dataclass(frozen=True)
class ClipRow:
  """One clip of a list.

  Attributes:
    video_path: path of the video as listed (relative to a video root).
    start: start time in seconds.
    end: end time in seconds.
    offset: output offset in seconds (YFCC100M MixIT lists) or None.
    line: 1-based line number in the CSV (0 if not read from a file).
  """
  video_path: str
  start: float
  end: float
  offset: Optional[float] = None
  line: int = 0

  @property
  def duration(self) -> float:
    return self.end - self.start

  @property
  def clip_id(self) -> str:
    """A unique id: the video path and the times in milliseconds."""
    return f'{self.video_path}:{self.start:.3f}-{self.end:.3f}'

  def fields(self) -> List[str]:
    values = [self.video_path, _format_time(self.start),
              _format_time(self.end)]
    if self.offset is not None:
      values.append(_format_time(self.offset))
    return values


@dataclasses.dataclass(frozen=True)
class MomRow:
  """One mixture-of-mixtures pair: frames from clip1, audio1 + audio2.

  Attributes:
    clip1: the primary clip (its frames are the MoM's frames).
    clip2: the second clip.
    line: 1-based line number in the CSV.
  """
  clip1: ClipRow
  clip2: ClipRow
  line: int = 0

  def fields(self) -> List[str]:
    return self.clip1.fields() + self.clip2.fields()


@dataclasses.dataclass(frozen=True)
class PublishedList:
  """What a published CSV is, from its file name.

  Attributes:
    path: the file.
    name: the file name.
    collection: 'audioscope_v1' (filtered_*), 'audioscope_v2'
      (unfiltered_*) or 'yfcc100m' (anything else).
    split: 'train', 'validate', 'test' or '' if unknown.
    label: -1 unlabelled, 1 on-screen-only, 0 off-screen-only (for MoM
      lists: the label of clip 1).
    is_mom: whether it is a pair list.
  """
  path: str
  name: str
  collection: str
  split: str
  label: int
  is_mom: bool


def _format_time(value: float) -> str:
  return repr(float(value)) if value != int(value) else f'{value:.1f}'


def _parse_time(text, what, where):
  try:
    value = float(text)
  except ValueError:
    raise ClipListError(
        f'{where}: {what} {text!r} is not a number of seconds; each row must '
        f'be `video path, start, end` (times as floats).') from None
  if not math.isfinite(value):
    raise ClipListError(f'{where}: {what} is {text!r}; times must be finite.')
  return value


def parse_clip_fields(fields: Sequence[str], where: str = '<row>',
                      line: int = 0) -> ClipRow:
  """Parses `[path, start, end]` or `[path, start, end, offset]`.

  Args:
    fields: the CSV fields of one clip.
    where: `file:line` for error messages.
    line: the line number stored in the row.

  Returns:
    A validated `ClipRow`.

  Raises:
    ClipListError: a bad path, time, order or column count.
  """
  fields = [f.strip() for f in fields]
  if len(fields) not in (3, 4):
    raise ClipListError(
        f'{where}: expected 3 columns (video path, start, end) or 4 (with '
        f'an output offset), got {len(fields)}: {fields!r}.')
  path = fields[0]
  if not path:
    raise ClipListError(f'{where}: the video path is empty.')
  start = _parse_time(fields[1], 'start time', where)
  end = _parse_time(fields[2], 'end time', where)
  if start < 0:
    raise ClipListError(f'{where}: start time {start} is negative.')
  if end <= start:
    raise ClipListError(
        f'{where}: end time {end} is not after start time {start}; fix or '
        f'drop the row.')
  offset = None
  if len(fields) == 4:
    offset = _parse_time(fields[3], 'output offset', where)
    if offset < 0:
      raise ClipListError(f'{where}: output offset {offset} is negative.')
  return ClipRow(path, start, end, offset, line)


def parse_mom_fields(fields: Sequence[str], where: str = '<row>',
                     line: int = 0) -> MomRow:
  """Parses the 6 (or 8, with offsets) fields of a MoM pair."""
  fields = [f.strip() for f in fields]
  if len(fields) not in (6, 8):
    raise ClipListError(
        f'{where}: a MoM row needs 6 columns (path1, start1, end1, path2, '
        f'start2, end2) or 8 (with offsets), got {len(fields)}.')
  half = len(fields) // 2
  return MomRow(parse_clip_fields(fields[:half], where, line),
                parse_clip_fields(fields[half:], where, line), line)


def _is_number(text):
  try:
    float(text)
    return True
  except ValueError:
    return False


def _rows(path):
  """Yields (line number, fields) of the non-blank CSV rows; drops a header."""
  path = os.fspath(path)
  if not tf.io.gfile.exists(path):
    raise FileNotFoundError(
        f'Clip list {path!r} does not exist; download the lists with '
        f'`gcloud storage cp --recursive gs://gresearch/sound_separation/'
        f'audioscope_v2_yfcc100m_clip_lists .` (see data_recipes/README.md).')
  with tf.io.gfile.GFile(path, 'r') as f:
    text = f.read()
  first = True
  for line_number, fields in enumerate(csv.reader(io.StringIO(text)), 1):
    if not fields or all(not f.strip() for f in fields):
      continue
    if first:
      first = False
      if len(fields) >= 3 and not _is_number(fields[1].strip()):
        continue  # Header row.
    yield line_number, fields


def iter_clip_list(path: Union[str, os.PathLike]) -> Iterator[ClipRow]:
  """Yields the rows of a clip list one by one (for lists of millions).

  Args:
    path: the CSV (local or any `tf.io.gfile` path, e.g. gs://).

  Yields:
    The rows, in file order, with their line numbers.

  Raises:
    FileNotFoundError: no such file.
    ClipListError: a malformed row, named by file and line; or an empty list.
  """
  empty = True
  for n, fields in _rows(path):
    empty = False
    yield parse_clip_fields(fields, f'{os.fspath(path)}:{n}', n)
  if empty:
    raise ClipListError(f'{os.fspath(path)}: the clip list has no rows.')


def read_clip_list(path: Union[str, os.PathLike]) -> List[ClipRow]:
  """Reads a clip list (3 or 4 columns, header row optional).

  Args:
    path: the CSV (local or any `tf.io.gfile` path, e.g. gs://).

  Returns:
    The rows, in file order, with their line numbers.

  Raises:
    FileNotFoundError: no such file.
    ClipListError: a malformed row, named by file and line; or an empty list.
  """
  return list(iter_clip_list(path))


def read_mom_list(path: Union[str, os.PathLike]) -> List[MomRow]:
  """Reads a MoM pair list (6 or 8 columns, header row optional).

  Args:
    path: the CSV.

  Returns:
    The pairs in file order.

  Raises:
    FileNotFoundError: no such file.
    ClipListError: a malformed row, named by file and line; or an empty list.
  """
  rows = [parse_mom_fields(fields, f'{os.fspath(path)}:{n}', n)
          for n, fields in _rows(path)]
  if not rows:
    raise ClipListError(f'{os.fspath(path)}: the MoM list has no rows.')
  return rows


def is_mom_list(path: Union[str, os.PathLike]) -> bool:
  """True if the first row of the CSV has 6 or 8 columns."""
  for _, fields in _rows(path):
    return len(fields) in (6, 8)
  raise ClipListError(f'{os.fspath(path)}: the list has no rows.')


def _write(path, rows, header):
  path = os.fspath(path)
  directory = os.path.dirname(path)
  if directory:
    tf.io.gfile.makedirs(directory)
  buffer = io.StringIO()
  writer = csv.writer(buffer, lineterminator='\n')
  if header:
    writer.writerow(header)
  for row in rows:
    writer.writerow(row.fields())
  with tf.io.gfile.GFile(path, 'w') as f:
    f.write(buffer.getvalue())
  return path


def write_clip_list(path, rows: Iterable[ClipRow], header: bool = False):
  """Writes clip rows as CSV (no header by default, like the published lists).

  Args:
    path: output CSV.
    rows: `ClipRow`s (all with or all without offsets).
    header: write a header row.

  Returns:
    The path.
  """
  rows = list(rows)
  names = None
  if header:
    names = ['video_path', 'start', 'end']
    if rows and rows[0].offset is not None:
      names.append('offset')
  return _write(path, rows, names)


def write_mom_list(path, rows: Iterable[MomRow], header: bool = False):
  """Writes MoM rows as CSV."""
  rows = list(rows)
  names = None
  if header:
    names = ['path1', 'start1', 'end1', 'path2', 'start2', 'end2']
  return _write(path, rows, names)


# ------------------------- the published folder ----------------------------

_SPLITS = ('train', 'validate', 'test')
_NAME = re.compile(
    r'^(?P<filter>filtered|unfiltered)_(?P<split>train|validate|test)_'
    r'(?:(?P<label>onscreen|offscreen)_unanimous_)?'
    r'(?:plus_(?P<second>[a-z_]+?)_)?(?P<mom>mom_)?clips\.csv$')


def describe_list(path: Union[str, os.PathLike]) -> PublishedList:
  """Says what a published CSV is from its name (see the READMEs).

  Args:
    path: a CSV path.

  Returns:
    A `PublishedList`. Unknown names get collection 'yfcc100m', the split if
    the name contains one, label -1, and `is_mom` if the name says 'mom'.
  """
  path = os.fspath(path)
  name = os.path.basename(path)
  match = _NAME.match(name)
  if match:
    label = {'onscreen': ON_SCREEN_ONLY, 'offscreen': OFF_SCREEN_ONLY,
             None: UNLABELLED}[match.group('label')]
    collection = ('audioscope_v1' if match.group('filter') == 'filtered'
                  else 'audioscope_v2')
    return PublishedList(path, name, collection, match.group('split'), label,
                         bool(match.group('mom')))
  split = next((s for s in _SPLITS if s in name), '')
  return PublishedList(path, name, 'yfcc100m', split, label_from_name(name),
                       'mom' in name)


def label_from_name(path: Union[str, os.PathLike]) -> int:
  """Label of a list from its name: on-screen 1, off-screen 0, else -1.

  For MoM names (`..._onscreen_unanimous_plus_..._mom_clips.csv`) it is the
  label of clip 1, the part before 'plus'.
  """
  name = os.path.basename(os.fspath(path)).lower().split('plus')[0]
  if 'offscreen' in name or 'off_screen' in name:
    return OFF_SCREEN_ONLY
  if 'onscreen' in name or 'on_screen' in name:
    return ON_SCREEN_ONLY
  return UNLABELLED


def find_published_lists(folder: Union[str, os.PathLike]
                        ) -> Dict[str, PublishedList]:
  """Finds the CSVs of a downloaded list folder (or anywhere below it).

  Args:
    folder: e.g. `./audioscope_v2_yfcc100m_clip_lists` or its parent.

  Returns:
    {file name: PublishedList}, sorted by name.

  Raises:
    FileNotFoundError: the folder does not exist or holds no CSV.
    ClipListError: two CSVs below the folder have the same name.
  """
  folder = os.fspath(folder)
  if not tf.io.gfile.isdir(folder):
    raise FileNotFoundError(
        f'{folder!r} is not a folder; pass the folder made by `gcloud storage '
        f'cp --recursive gs://gresearch/sound_separation/'
        f'audioscope_v2_yfcc100m_clip_lists .`.')
  found = {}
  for root, _, names in tf.io.gfile.walk(folder):
    for name in sorted(names):
      if not name.endswith('.csv'):
        continue
      path = os.path.join(root, name)
      if name in found:
        raise ClipListError(
            f'Two lists named {name!r} below {folder!r}: {found[name].path} '
            f'and {path}; pass the one collection folder you want.')
      found[name] = describe_list(path)
  if not found:
    raise FileNotFoundError(
        f'No .csv clip list below {folder!r}; download them first (see '
        f'data_recipes/README.md).')
  return dict(sorted(found.items()))


def select_lists(folder, split: str, is_mom: bool = False,
                 collection: Optional[str] = None) -> List[PublishedList]:
  """The published lists of one split (and kind) below `folder`."""
  if split not in _SPLITS:
    raise ValueError(f'split must be one of {_SPLITS}, got {split!r}.')
  return [entry for entry in find_published_lists(folder).values()
          if entry.split == split and entry.is_mom == is_mom and
          (collection is None or entry.collection == collection)]
