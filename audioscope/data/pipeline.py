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
"""tf.data pipelines over the clip TFRecords (`records.py`).

Every builder takes a `tf.distribute.InputContext` (or None), reads its own
shard of the data (whole files when there are at least as many files as input
pipelines, records otherwise), batches to the per-replica batch size
(`global_batch_size / num_replicas_in_sync`), maps in parallel and
prefetches. With a `seed` the examples come in the same order every run.

  dataset_fn = make_dataset_fn('non', file_pattern='train-*.tfrecord',
                               global_batch_size=8, seed=0)
  dataset = strategy.distribute_datasets_from_function(dataset_fn)

Builders (gin-configurable; use scopes, e.g. `train/non_dataset.seed = 1`):
* `audio_mixit_dataset`: audio-only MoMs for separator pre-training:
  {'audio' [batch, samples] = a1 + a2, 'reference_mixtures' [batch, 2, samples]}.
* `non_dataset`: noisy-labelled on-screen examples (paper sec. 3.5): frames
  and audio of a primary clip plus a random background clip's audio:
  {'audio' = primary + background, 'frames' [batch, T, H, W, 3],
  'reference_mixtures' = [primary, background], 'labels' = -1}.
* `semi_supervised_dataset`: NOn examples mixed with on-screen-only (label 1)
  and off-screen-only (label 0) primaries, each with a random background, at
  the given weights (`tf.data.Dataset.sample_from_datasets`).
* `mom_eval_dataset`: evaluation MoMs from a pair list: frames of clip 1,
  audio1 + audio2, 'labels' = clip 1's label, 'on_screen_audio' = clip 1's
  audio if it is on-screen-only, zeros if off-screen-only.
* `single_mixture_dataset`: single clips with their labels.

Frames are decoded to float32 in [0, 1] at `frame_rate` (every k-th stored
frame, k = stored_frame_rate / frame_rate must be an integer) and audio and
frames are cropped or zero-padded to `clip_seconds`.
"""

import csv
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope.data import clip_lists
from audioscope.data import records

AUTOTUNE = tf.data.AUTOTUNE
FilePattern = Union[str, Sequence[str]]
ClipKey = Union[str, Tuple[str, float]]


def frame_step(stored_frame_rate: float, frame_rate: float) -> int:
  """The k with frame_rate = stored_frame_rate / k; raises if not integer."""
  if not frame_rate > 0 or not stored_frame_rate > 0:
    raise ValueError(f'Frame rates must be positive, got frame_rate='
                     f'{frame_rate}, stored_frame_rate={stored_frame_rate}.')
  ratio = float(stored_frame_rate) / float(frame_rate)
  step = int(round(ratio))
  if step < 1 or abs(ratio - step) > 1e-6:
    divisors = [
        stored_frame_rate / k for k in range(1, int(stored_frame_rate) + 1)
        if abs(stored_frame_rate / k - round(stored_frame_rate / k)) < 1e-9
    ]
    raise ValueError(
        f'frame_rate {frame_rate} is not the stored frame rate '
        f'{stored_frame_rate} divided by an integer; choose one of '
        f'{divisors} or rewrite the records at another rate.')
  return step


def _per_replica_batch_size(global_batch_size, input_context):
  if int(global_batch_size) < 1:
    raise ValueError(
        f'global_batch_size must be >= 1, got {global_batch_size}.')
  if input_context is None:
    return int(global_batch_size)
  return input_context.get_per_replica_batch_size(int(global_batch_size))


def _shard_files(files, input_context):
  """Files of this input pipeline, and whether records still need sharding."""
  if input_context is None or input_context.num_input_pipelines == 1:
    return files, False
  n, index = input_context.num_input_pipelines, input_context.input_pipeline_id
  if len(files) >= n:
    return files[index::n], False
  return files, True


def _fit(x, length):
  """Crops or zero-pads x to `length` along its leading axis."""
  x = x[:length]
  pad = length - tf.shape(x)[0]
  paddings = [[0, pad]] + [[0, 0]] * (x.shape.rank - 1)
  x = tf.pad(x, paddings)
  x.set_shape([length] + x.shape.as_list()[1:])
  return x


def _label_of(serialized):
  return tf.io.parse_single_example(
      serialized, {'label': records.FEATURES['label']})['label']


@gin.configurable(denylist=['input_context'])
def clip_dataset(file_pattern: FilePattern = gin.REQUIRED,
                 input_context: Optional[tf.distribute.InputContext] = None,
                 labels: Optional[Sequence[int]] = None,
                 with_frames: bool = True,
                 sample_rate: int = records.SAMPLE_RATE,
                 stored_frame_rate: float = records.FRAME_RATE,
                 frame_rate: float = records.FRAME_RATE,
                 frame_size: Optional[Tuple[int, int]] = (128, 128),
                 clip_seconds: float = 5.0,
                 shuffle: bool = False,
                 shuffle_buffer: int = 64,
                 repeat: bool = False,
                 seed: Optional[int] = None,
                 cycle_length: int = 8) -> tf.data.Dataset:
  """Unbatched, validated clips of this input pipeline's shard.

  Args:
    file_pattern: TFRecord file(s) or glob pattern(s).
    input_context: the `tf.distribute.InputContext`, or None.
    labels: keep only clips with these labels (None: all).
    with_frames: decode frames; if False there is no 'frames' key.
    sample_rate: the sample rate every record must have.
    stored_frame_rate: the frame rate every record must have.
    frame_rate: output frame rate; stored_frame_rate / frame_rate must be an
      integer.
    frame_size: (height, width) every record must have (None: any).
    clip_seconds: audio and frames are cropped or zero-padded to this.
    shuffle: shuffle files and records.
    shuffle_buffer: records in the shuffle buffer (serialized, ~0.5 MB each
      at paper settings).
    repeat: repeat forever.
    seed: shuffling seed (None: non-deterministic).
    cycle_length: files read at once.

  Returns:
    A dataset of dicts: 'clip_id' string, 'label' int32, 'audio' float32
    [samples], 'frames' float32 [T, H, W, 3] in [0, 1] (if with_frames),
    'on_screen_audio', 'off_screen_audio' float32 [samples] (zeros when not
    stored), 'has_ground_truth' bool.
  """
  files = list(records.list_files(file_pattern))
  step = frame_step(stored_frame_rate, frame_rate)
  num_samples = int(round(clip_seconds * sample_rate))
  num_frames = int(round(clip_seconds * frame_rate))
  if num_samples < 1 or num_frames < 1:
    raise ValueError(f'clip_seconds={clip_seconds} gives no samples or '
                     'frames; use a positive clip length.')
  files, shard_records = _shard_files(files, input_context)
  dataset = tf.data.Dataset.from_tensor_slices(files)
  if shuffle:
    dataset = dataset.shuffle(len(files), seed=seed)
  dataset = dataset.interleave(
      lambda f: tf.data.TFRecordDataset(f).map(lambda s: (s, f)),
      cycle_length=max(1, min(cycle_length, len(files))),
      num_parallel_calls=AUTOTUNE, deterministic=True)
  if shard_records:
    dataset = dataset.shard(input_context.num_input_pipelines,
                            input_context.input_pipeline_id)
  if labels is not None:
    allowed = tf.constant(sorted(int(l) for l in labels), tf.int64)
    dataset = dataset.filter(
        lambda s, f: tf.reduce_any(tf.equal(_label_of(s), allowed)))
  if shuffle:
    dataset = dataset.shuffle(shuffle_buffer, seed=seed)
  if repeat:
    dataset = dataset.repeat()

  def parse(serialized, filename):
    clip = records.parse_clip(
        serialized, sample_rate=sample_rate,
        # Audio-only pipelines accept records of any stored frame rate.
        frame_rate=stored_frame_rate if with_frames else None,
        frame_size=frame_size, frame_step=step, decode_frames=with_frames,
        source=filename)
    out = {
        'clip_id': clip['clip_id'],
        'label': tf.cast(clip['label'], tf.int32),
        'audio': _fit(clip['audio'], num_samples),
        'on_screen_audio': _fit(clip['on_screen_audio'], num_samples),
        'off_screen_audio': _fit(clip['off_screen_audio'], num_samples),
        'has_ground_truth': clip['has_ground_truth'],
    }
    if with_frames:
      frames = _fit(clip['frames'], num_frames)
      if frame_size is not None:
        frames.set_shape([num_frames, frame_size[0], frame_size[1], 3])
      out['frames'] = tf.image.convert_image_dtype(frames, tf.float32)
    return out

  return dataset.map(parse, num_parallel_calls=AUTOTUNE, deterministic=True)


def _finish(dataset, batch_size, drop_remainder, include_ids):
  if not include_ids:
    dataset = dataset.map(
        lambda x: {k: v for k, v in x.items() if k != 'clip_id'})
  dataset = dataset.batch(batch_size, drop_remainder=drop_remainder)
  options = tf.data.Options()
  options.deterministic = True
  return dataset.with_options(options).prefetch(AUTOTUNE)


def _with_background(primary, background, background_gain_db):
  """A primary clip plus a background clip's audio (NOn construction)."""
  gain = 10.0**(background_gain_db / 20.0)
  background_audio = background['audio'] * gain
  example = {
      'clip_id': primary['clip_id'],
      'audio': primary['audio'] + background_audio,
      'frames': primary['frames'],
      'reference_mixtures': tf.stack([primary['audio'], background_audio]),
      'labels': primary['label'],
  }
  return example


def _primary_with_background(file_pattern, input_context, primary_labels,
                             background_file_pattern, background_labels,
                             background_gain_db, seed, seed_offset,
                             clip_options):
  primary = clip_dataset(
      file_pattern, input_context, labels=primary_labels, with_frames=True,
      shuffle=True, repeat=True,
      seed=None if seed is None else seed + seed_offset, **clip_options)
  background = clip_dataset(
      background_file_pattern or file_pattern, input_context,
      labels=background_labels, with_frames=False, shuffle=True, repeat=True,
      seed=None if seed is None else seed + seed_offset + 1, **clip_options)
  pairs = tf.data.Dataset.zip((primary, background))
  pairs = pairs.filter(lambda p, b: tf.not_equal(p['clip_id'], b['clip_id']))
  return pairs.map(
      lambda p, b: _with_background(p, b, background_gain_db),
      num_parallel_calls=AUTOTUNE, deterministic=True)


def _clip_options(sample_rate, stored_frame_rate, frame_rate, frame_size,
                  clip_seconds, shuffle_buffer):
  return dict(sample_rate=sample_rate, stored_frame_rate=stored_frame_rate,
              frame_rate=frame_rate, frame_size=frame_size,
              clip_seconds=clip_seconds, shuffle_buffer=shuffle_buffer)


@gin.configurable(denylist=['input_context'])
def audio_mixit_dataset(
    file_pattern: FilePattern = gin.REQUIRED,
    global_batch_size: int = 8,
    input_context: Optional[tf.distribute.InputContext] = None,
    labels: Optional[Sequence[int]] = None,
    sample_rate: int = records.SAMPLE_RATE,
    clip_seconds: float = 5.0,
    shuffle_buffer: int = 64,
    seed: Optional[int] = None,
    include_ids: bool = False) -> tf.data.Dataset:
  """Audio-only mixtures of mixtures for separator MixIT pre-training.

  Args:
    file_pattern: clip TFRecords.
    global_batch_size: MoMs per step over all replicas.
    input_context: the `tf.distribute.InputContext`, or None.
    labels: clips with these labels are used (None: all).
    sample_rate: expected sample rate.
    clip_seconds: clip length.
    shuffle_buffer: shuffle buffer in records.
    seed: shuffling seed.
    include_ids: add 'clip_id' [batch, 2] strings.

  Returns:
    Batches {'audio' [batch, samples] = sum of the references,
    'reference_mixtures' [batch, 2, samples]}, repeated forever.
  """
  batch_size = _per_replica_batch_size(global_batch_size, input_context)
  clips = clip_dataset(
      file_pattern, input_context, labels=labels, with_frames=False,
      sample_rate=sample_rate, stored_frame_rate=records.FRAME_RATE,
      frame_rate=records.FRAME_RATE, frame_size=None,
      clip_seconds=clip_seconds, shuffle=True, shuffle_buffer=shuffle_buffer,
      repeat=True, seed=seed)
  pairs = clips.map(lambda c: {'clip_id': c['clip_id'], 'audio': c['audio']})
  pairs = pairs.batch(2, drop_remainder=True)
  pairs = pairs.filter(
      lambda p: tf.not_equal(p['clip_id'][0], p['clip_id'][1]))

  def mom(pair):
    references = pair['audio']
    return {
        'clip_id': pair['clip_id'],
        'audio': references[0] + references[1],
        'reference_mixtures': references,
    }

  return _finish(pairs.map(mom, num_parallel_calls=AUTOTUNE), batch_size,
                 True, include_ids)


@gin.configurable(denylist=['input_context'])
def non_dataset(file_pattern: FilePattern = gin.REQUIRED,
                global_batch_size: int = 8,
                input_context: Optional[tf.distribute.InputContext] = None,
                primary_labels: Optional[Sequence[int]] = (-1,),
                background_file_pattern: Optional[FilePattern] = None,
                background_labels: Optional[Sequence[int]] = (-1,),
                background_gain_db: float = 0.0,
                sample_rate: int = records.SAMPLE_RATE,
                stored_frame_rate: float = records.FRAME_RATE,
                frame_rate: float = records.FRAME_RATE,
                frame_size: Optional[Tuple[int, int]] = (128, 128),
                clip_seconds: float = 5.0,
                shuffle_buffer: int = 64,
                seed: Optional[int] = None,
                include_ids: bool = False) -> tf.data.Dataset:
  """Noisy-labelled on-screen (NOn) training examples (paper sec. 3.5).

  Args:
    file_pattern: clip TFRecords of the primary clips.
    global_batch_size: examples per step over all replicas.
    input_context: the `tf.distribute.InputContext`, or None.
    primary_labels: labels of the clips used as primaries (None: all).
    background_file_pattern: clips of the off-screen backgrounds (None: the
      primary files).
    background_labels: labels of the background clips (None: all).
    background_gain_db: gain applied to the background audio.
    sample_rate: expected sample rate.
    stored_frame_rate: the records' frame rate.
    frame_rate: output frame rate (an integer divisor of the stored one).
    frame_size: expected (height, width).
    clip_seconds: clip length.
    shuffle_buffer: shuffle buffer in records.
    seed: shuffling seed (None: non-deterministic).
    include_ids: add the primary 'clip_id' [batch].

  Returns:
    Batches {'audio' [batch, samples], 'frames' [batch, T, H, W, 3],
    'reference_mixtures' [batch, 2, samples] (primary, background),
    'labels' [batch] int32 = -1}, repeated forever; audio equals the sum of
    the references exactly.
  """
  batch_size = _per_replica_batch_size(global_batch_size, input_context)
  examples = _primary_with_background(
      file_pattern, input_context, primary_labels, background_file_pattern,
      background_labels, background_gain_db, seed, 0,
      _clip_options(sample_rate, stored_frame_rate, frame_rate, frame_size,
                    clip_seconds, shuffle_buffer))
  examples = examples.map(
      lambda x: dict(x, labels=tf.fill([], tf.constant(-1, tf.int32))))
  return _finish(examples, batch_size, True, include_ids)


@gin.configurable(denylist=['input_context'])
def semi_supervised_dataset(
    file_pattern: FilePattern = gin.REQUIRED,
    global_batch_size: int = 8,
    input_context: Optional[tf.distribute.InputContext] = None,
    labelled_file_pattern: Optional[FilePattern] = None,
    weights: Tuple[float, float, float] = (0.8, 0.1, 0.1),
    background_file_pattern: Optional[FilePattern] = None,
    background_labels: Optional[Sequence[int]] = (-1,),
    background_gain_db: float = 0.0,
    sample_rate: int = records.SAMPLE_RATE,
    stored_frame_rate: float = records.FRAME_RATE,
    frame_rate: float = records.FRAME_RATE,
    frame_size: Optional[Tuple[int, int]] = (128, 128),
    clip_seconds: float = 5.0,
    shuffle_buffer: int = 64,
    seed: Optional[int] = None,
    include_ids: bool = False) -> tf.data.Dataset:
  """NOn examples mixed with labelled on-screen-/off-screen-only examples.

  Args:
    file_pattern: clip TFRecords of the unlabelled (NOn) primaries.
    global_batch_size: examples per step over all replicas.
    input_context: the `tf.distribute.InputContext`, or None.
    labelled_file_pattern: TFRecords with the labelled clips (None: the
      unlabelled files, filtered by label).
    weights: sampling weights of (NOn, on-screen-only, off-screen-only)
      examples; they are normalised. A zero weight leaves a kind out.
    background_file_pattern: clips of the backgrounds (None: file_pattern).
    background_labels: labels of the background clips (None: all).
    background_gain_db: gain applied to the background audio.
    sample_rate: expected sample rate.
    stored_frame_rate: the records' frame rate.
    frame_rate: output frame rate.
    frame_size: expected (height, width).
    clip_seconds: clip length.
    shuffle_buffer: shuffle buffer in records.
    seed: shuffling and sampling seed.
    include_ids: add the primary 'clip_id' [batch].

  Returns:
    Batches as `non_dataset`, with 'labels' -1 (NOn), 1 (on-screen-only
    primary) or 0 (off-screen-only primary).
  """
  weights = [float(w) for w in weights]
  if len(weights) != 3 or min(weights) < 0 or sum(weights) <= 0:
    raise ValueError(f'weights must be 3 non-negative numbers (NOn, '
                     f'on-screen-only, off-screen-only) with a positive sum, '
                     f'got {weights}.')
  batch_size = _per_replica_batch_size(global_batch_size, input_context)
  options = _clip_options(sample_rate, stored_frame_rate, frame_rate,
                          frame_size, clip_seconds, shuffle_buffer)
  kinds = ((file_pattern, -1), (labelled_file_pattern or file_pattern, 1),
           (labelled_file_pattern or file_pattern, 0))
  datasets, used_weights = [], []
  for index, ((pattern, label), weight) in enumerate(zip(kinds, weights)):
    if weight == 0:
      continue
    datasets.append(_primary_with_background(
        pattern, input_context, (label,), background_file_pattern or
        file_pattern, background_labels, background_gain_db, seed,
        10 * index, options))
    used_weights.append(weight / sum(weights))
  examples = tf.data.Dataset.sample_from_datasets(
      datasets, weights=used_weights, seed=seed, stop_on_empty_dataset=False)
  return _finish(examples, batch_size, True, include_ids)


def read_mom_pairs(csv_path: str) -> Sequence[Tuple[ClipKey, ClipKey]]:
  """Reads a MoM pair list.

  Two formats: a CSV with a header holding `clip_id1` and `clip_id2` columns
  (as written by data_recipes/make_synthetic), or the published format, rows
  of `path1, start1, end1, path2, start2, end2` (a header row optional, see
  `clip_lists.read_mom_list`), whose clips are identified by
  (video_path, start_time).

  Args:
    csv_path: the CSV file.

  Returns:
    A list of (key1, key2): clip_id strings or (video_path, start) tuples.

  Raises:
    ValueError: an empty list, or a malformed row (named by file and line).
  """
  with tf.io.gfile.GFile(csv_path) as f:
    rows = [row for row in csv.reader(f) if row]
  if not rows:
    raise ValueError(f'MoM pair list {csv_path} is empty; it needs one row '
                     'per mixture of mixtures.')
  header = [c.strip() for c in rows[0]]
  if 'clip_id1' in header and 'clip_id2' in header:
    i, j = header.index('clip_id1'), header.index('clip_id2')
    return [(row[i], row[j]) for row in rows[1:]]
  try:
    published = clip_lists.read_mom_list(csv_path)
  except clip_lists.ClipListError as e:
    raise ValueError(
        f'{e} (expected rows path1,start1,end1,path2,start2,end2, or a '
        'header with clip_id1, clip_id2).') from e
  return [((row.clip1.video_path, row.clip1.start),
           (row.clip2.video_path, row.clip2.start)) for row in published]


def _normalise_key(key):
  if isinstance(key, str):
    return key
  path, start = key
  return (str(path), round(float(start), 3))


def _collect_records(files, keys):
  """Serialized records (and files) of the clips named by `keys`.

  A clip stored more than once (the published lists name a labelled clip in
  its split's unlabelled list too) is taken from a labelled record, so that a
  MoM gets the label of its on-screen-only or off-screen-only list.

  Returns:
    ({key: (serialized, filename)}, the set of keys not in the records).

  Raises:
    ValueError: two records of one clip have different labels (0 and 1).
  """
  wanted = set(keys)
  found, labels = {}, {}
  for filename in files:
    for serialized in tf.data.TFRecordDataset(filename).as_numpy_iterator():
      example = tf.train.Example.FromString(serialized)
      feature = example.features.feature
      clip_id = feature['clip_id'].bytes_list.value[0].decode('utf-8')
      path = feature['video_path'].bytes_list.value[0].decode('utf-8') if (
          'video_path' in feature) else ''
      start = feature['start_time'].float_list.value[0] if (
          'start_time' in feature) else 0.0
      label = feature['label'].int64_list.value[0] if (
          'label' in feature) else records.UNLABELLED
      for key in (clip_id, (path, round(float(start), 3))):
        if key not in wanted:
          continue
        if key not in found or labels[key] == records.UNLABELLED:
          found[key] = (serialized, filename)
          labels[key] = label
        elif label not in (records.UNLABELLED, labels[key]):
          raise ValueError(
              f'Clip {key} is stored with label {labels[key]} in '
              f'{found[key][1]} and with label {label} in {filename}; a clip '
              'can be on-screen-only or off-screen-only, not both. Check '
              'the clip lists the records were written from.')
  return found, wanted - set(found)


@gin.configurable(denylist=['input_context'])
def mom_eval_dataset(file_pattern: FilePattern = gin.REQUIRED,
                     pairs: Union[str, Sequence[Tuple[ClipKey,
                                                      ClipKey]]] = gin.REQUIRED,
                     global_batch_size: int = 8,
                     input_context: Optional[tf.distribute.InputContext] = None,
                     sample_rate: int = records.SAMPLE_RATE,
                     stored_frame_rate: float = records.FRAME_RATE,
                     frame_rate: float = records.FRAME_RATE,
                     frame_size: Optional[Tuple[int, int]] = (128, 128),
                     clip_seconds: float = 5.0,
                     include_ids: bool = False,
                     missing_clips: str = 'error') -> tf.data.Dataset:
  """Evaluation mixtures of mixtures from a pair list (paper sec. 4.3).

  The clips the pairs name are held in memory as serialized records (fine for
  evaluation sets of a few thousand clips). A clip stored both unlabelled and
  labelled is taken with its label.

  Args:
    file_pattern: clip TFRecords holding every clip of the pairs.
    pairs: a CSV path (see `read_mom_pairs`) or (key1, key2) pairs, each key a
      clip_id or (video_path, start_time).
    global_batch_size: examples per step over all replicas.
    input_context: the `tf.distribute.InputContext`, or None; pairs are
      sharded round-robin over input pipelines.
    sample_rate: expected sample rate.
    stored_frame_rate: the records' frame rate.
    frame_rate: output frame rate.
    frame_size: expected (height, width).
    clip_seconds: clip length.
    include_ids: add 'clip_id' [batch, 2] strings.
    missing_clips: 'error' (default) stops when a pair names a clip that is
      not in the records; 'skip' leaves such pairs out, counts them in the
      log and stops only when no pair is left (a partial copy of YFCC100M,
      whose recipes skip unavailable videos).

  Returns:
    Batches (not repeated, the last may be smaller) {'audio' [batch, samples]
    = audio1 + audio2, 'frames' [batch, T, H, W, 3] of clip 1,
    'reference_mixtures' [batch, 2, samples], 'labels' [batch] (clip 1's
    label), 'on_screen_audio' [batch, samples] (clip 1's stored ground
    truth where it has one, else clip 1's audio if it is on-screen-only,
    zeros if off-screen-only or unlabelled) and 'has_on_screen_audio'
    [batch] bool.
  """
  if isinstance(pairs, str):
    pairs = read_mom_pairs(pairs)
  pairs = [(_normalise_key(a), _normalise_key(b)) for a, b in pairs]
  if not pairs:
    raise ValueError('The MoM pair list is empty; give at least one pair.')
  if missing_clips not in ('error', 'skip'):
    raise ValueError(f"missing_clips must be 'error' or 'skip', got "
                     f'{missing_clips!r}.')
  batch_size = _per_replica_batch_size(global_batch_size, input_context)
  if input_context is not None and input_context.num_input_pipelines > 1:
    pairs = pairs[input_context.input_pipeline_id::
                  input_context.num_input_pipelines]
  files = list(records.list_files(file_pattern))
  found, missing = _collect_records(files, [k for pair in pairs for k in pair])
  if missing:
    examples = ', '.join(sorted(
        key if isinstance(key, str) else f'{key[0]} at {key[1]:g} s'
        for key in missing)[:3])
    if missing_clips != 'skip':
      raise KeyError(
          f'{len(missing)} clips of the pair list are not in the records '
          f'{files[:3]}...: e.g. {examples}. Check that the pair list and '
          "the TFRecords come from the same data set, or pass missing_clips="
          "'skip' to leave those pairs out.")
    kept = [pair for pair in pairs if pair[0] in found and pair[1] in found]
    logging.warning(
        'MoM evaluation set: %d of %d pairs skipped, %d of their clips are '
        'not in the records (e.g. %s).', len(pairs) - len(kept), len(pairs),
        len(missing), examples)
    if not kept:
      raise ValueError(
          f'None of the {len(pairs)} MoM pairs has both clips in the records '
          f'{files[:3]}...: e.g. {examples} are missing. Write the records of '
          "the pair list's clips first (audioscope_make_yfcc_tfrecords).")
    pairs = kept
  logging.info('MoM evaluation set: %d pairs of %d clips.', len(pairs),
               len(found))
  step = frame_step(stored_frame_rate, frame_rate)
  num_samples = int(round(clip_seconds * sample_rate))
  num_frames = int(round(clip_seconds * frame_rate))

  def generate():
    for key1, key2 in pairs:
      yield found[key1] + found[key2]

  spec = tf.TensorSpec([], tf.string)
  dataset = tf.data.Dataset.from_generator(
      generate, output_signature=(spec, spec, spec, spec))

  def make(serialized1, file1, serialized2, file2):
    clip1 = records.parse_clip(
        serialized1, sample_rate=sample_rate, frame_rate=stored_frame_rate,
        frame_size=frame_size, frame_step=step, source=file1)
    clip2 = records.parse_clip(
        serialized2, sample_rate=sample_rate, frame_rate=stored_frame_rate,
        frame_size=frame_size, decode_frames=False, source=file2)
    audio1 = _fit(clip1['audio'], num_samples)
    audio2 = _fit(clip2['audio'], num_samples)
    frames = _fit(clip1['frames'], num_frames)
    if frame_size is not None:
      frames.set_shape([num_frames, frame_size[0], frame_size[1], 3])
    example = {
        'clip_id': tf.stack([clip1['clip_id'], clip2['clip_id']]),
        'audio': audio1 + audio2,
        'frames': tf.image.convert_image_dtype(frames, tf.float32),
        'reference_mixtures': tf.stack([audio1, audio2]),
        'labels': tf.cast(clip1['label'], tf.int32),
    }
    example.update(_on_screen_truth(clip1, audio1, num_samples))
    return example

  examples = dataset.map(make, num_parallel_calls=AUTOTUNE,
                         deterministic=True)
  return _finish(examples, batch_size, False, include_ids)


def _on_screen_truth(clip, audio, num_samples):
  """On-screen ground truth of a clip: the stored one, else its audio or zeros.

  A stored `on_screen_audio` wins over the label: a MoM record of
  data_recipes/make_mom_sets has label 1 (clip 1 is on-screen-only) but its
  audio is audio1 + audio2, and its stored on-screen truth is audio1.
  """
  label = clip['label']
  stored = _fit(clip['on_screen_audio'], num_samples)
  from_label = tf.where(
      tf.equal(label, records.ON_SCREEN_ONLY), audio,
      tf.where(tf.equal(label, records.OFF_SCREEN_ONLY), tf.zeros_like(audio),
               stored))
  on_screen = tf.where(clip['has_ground_truth'], stored, from_label)
  known = tf.logical_or(tf.not_equal(label, records.UNLABELLED),
                        clip['has_ground_truth'])
  return {'on_screen_audio': on_screen, 'has_on_screen_audio': known}


@gin.configurable(denylist=['input_context'])
def single_mixture_dataset(
    file_pattern: FilePattern = gin.REQUIRED,
    global_batch_size: int = 8,
    input_context: Optional[tf.distribute.InputContext] = None,
    labels: Optional[Sequence[int]] = (0, 1),
    sample_rate: int = records.SAMPLE_RATE,
    stored_frame_rate: float = records.FRAME_RATE,
    frame_rate: float = records.FRAME_RATE,
    frame_size: Optional[Tuple[int, int]] = (128, 128),
    clip_seconds: float = 5.0,
    include_ids: bool = False) -> tf.data.Dataset:
  """Single-mixture evaluation examples: each clip on its own.

  Args:
    file_pattern: clip TFRecords.
    global_batch_size: examples per step over all replicas.
    input_context: the `tf.distribute.InputContext`, or None.
    labels: keep clips with these labels (None: all).
    sample_rate: expected sample rate.
    stored_frame_rate: the records' frame rate.
    frame_rate: output frame rate.
    frame_size: expected (height, width).
    clip_seconds: clip length.
    include_ids: add 'clip_id' [batch].

  Returns:
    Batches (not repeated) {'audio' [batch, samples], 'frames',
    'reference_mixtures' [batch, 2, samples] (the clip, zeros), 'labels',
    'on_screen_audio', 'has_on_screen_audio'}.
  """
  batch_size = _per_replica_batch_size(global_batch_size, input_context)
  num_samples = int(round(clip_seconds * sample_rate))
  clips = clip_dataset(
      file_pattern, input_context, labels=labels, with_frames=True,
      sample_rate=sample_rate, stored_frame_rate=stored_frame_rate,
      frame_rate=frame_rate, frame_size=frame_size, clip_seconds=clip_seconds)

  def make(clip):
    example = {
        'clip_id': clip['clip_id'],
        'audio': clip['audio'],
        'frames': clip['frames'],
        'reference_mixtures': tf.stack(
            [clip['audio'], tf.zeros_like(clip['audio'])]),
        'labels': clip['label'],
    }
    example.update(_on_screen_truth(clip, clip['audio'], num_samples))
    return example

  return _finish(clips.map(make, num_parallel_calls=AUTOTUNE,
                           deterministic=True), batch_size, False, include_ids)


@gin.configurable
def dataset_path(data_dir: str = gin.REQUIRED, split: str = 'train') -> str:
  """The TFRecord glob of a split written by data_recipes/make_synthetic."""
  return os.path.join(data_dir, f'{split}-*.tfrecord')


@gin.configurable
def mom_pairs_path(data_dir: str = gin.REQUIRED, split: str = 'validation',
                   style: str = 'filtered_on_screen') -> str:
  """A MoM pair list of make_synthetic: style is filtered_on_screen,
  filtered_off_screen, random_on_screen or random_off_screen."""
  return os.path.join(data_dir, f'{split}_mom_{style}.csv')


@gin.configurable
def synthetic_mom_pairs(
    data_dir: str = gin.REQUIRED, split: str = 'validation',
    styles: Sequence[str] = ('filtered_on_screen', 'filtered_off_screen')
) -> List[Tuple[ClipKey, ClipKey]]:
  """The MoM pairs of several make_synthetic pair lists of a split, in order.

  make_synthetic writes on-screen and off-screen MoMs to separate lists;
  evaluation and validation need both in one set (median SNR on the first,
  median OSR on the second), like the published YFCC100M lists.

  Args:
    data_dir: the make_synthetic output folder.
    split: 'train', 'validation' or 'test'.
    styles: the lists (see `mom_pairs_path`).

  Returns:
    The pairs of every list, concatenated.

  Raises:
    FileNotFoundError: a list is missing.
  """
  pairs = []
  for style in styles:
    path = mom_pairs_path(data_dir, split, style)
    if not tf.io.gfile.exists(path):
      raise FileNotFoundError(
          f'No MoM pair list {path!r}: is {data_dir!r} (DATA_DIR) a folder '
          f'written by audioscope_make_synthetic, with a {split} split?')
    pairs += list(read_mom_pairs(path))
  return pairs


# The published YFCC100M lists (google-research/sound-separation,
# datasets/audioscope and datasets/audioscope-v2): the folder each collection
# downloads to, and the background clips of its evaluation MoMs.
PUBLISHED_COLLECTIONS = {
    'unfiltered': ('audioscope_v2_yfcc100m_clip_lists', 'random_unfiltered'),
    'filtered': ('audioscope_yfcc100m_clip_lists', 'offscreen_unanimous'),
}
PUBLISHED_SPLITS = ('train', 'validate', 'test')
PUBLISHED_CLIP_LISTS = ('clips', 'onscreen_unanimous_clips',
                        'offscreen_unanimous_clips')


def _check_published(split, collection):
  if collection not in PUBLISHED_COLLECTIONS:
    raise ValueError(f'collection must be one of {sorted(PUBLISHED_COLLECTIONS)}'
                     f' (the published lists unfiltered_* and filtered_*), '
                     f'got {collection!r}.')
  if split not in PUBLISHED_SPLITS:
    raise ValueError(f'split must be one of {PUBLISHED_SPLITS} (the published '
                     f'lists say validate, not validation), got {split!r}.')


@gin.configurable
def published_records(records_dir: str = gin.REQUIRED, split: str = 'train',
                      collection: str = 'unfiltered',
                      lists: Sequence[str] = PUBLISHED_CLIP_LISTS
                     ) -> List[str]:
  """The TFRecord globs of published clip lists, for any builder.

  `audioscope_make_yfcc_tfrecords --output_dir=RECORDS_DIR` names the shards
  of `<collection>_<split>_<list>.csv` `<collection>_<split>_<list>-*.tfrecord`
  (data_recipes/README.md), so one folder holds every list.

  Args:
    records_dir: the recipe's output folder (local or any tf.io.gfile path).
    split: 'train', 'validate' or 'test'.
    collection: 'unfiltered' (AudioScopeV2) or 'filtered' (AudioScope).
    lists: which lists of the split: 'clips' (unlabelled),
      'onscreen_unanimous_clips', 'offscreen_unanimous_clips'.

  Returns:
    One glob per list.

  Raises:
    FileNotFoundError: a list has no records yet; the message gives the
      recipe's command line.
  """
  _check_published(split, collection)
  return [_list_records(records_dir, f'{collection}_{split}_{kind}',
                        'the published list', '<YFCC100M copy>')
          for kind in lists]


def _list_records(records_dir: str, list_name: str, what: str,
                  video_root: str) -> str:
  """The glob of a list's shards; an error with the recipe if it has none."""
  pattern = os.path.join(records_dir, f'{list_name}-*.tfrecord')
  if not tf.io.gfile.glob(pattern):
    raise FileNotFoundError(
        f'No TFRecords of {what} {list_name}.csv in {records_dir!r} '
        f'(RECORDS_DIR). Write them with: audioscope_make_yfcc_tfrecords '
        f'--clip_list=<lists>/{list_name}.csv --video_root={video_root} '
        f'--output_dir={records_dir} (data_recipes/README.md).')
  return pattern


@gin.configurable
def own_records(records_dir: str = gin.REQUIRED, list_name: str = 'own',
                split: str = 'train') -> List[str]:
  """The TFRecord glob of a split of your own videos' clip lists.

  `audioscope_make_clip_lists --name=LIST_NAME` writes
  `<list_name>_<split>_clips.csv`; `audioscope_make_yfcc_tfrecords` turns it
  into shards `<list_name>_<split>_clips-*.tfrecord` in RECORDS_DIR
  (data_recipes/README.md, "Your own videos"; gin/datasets/own_videos.gin).

  Args:
    records_dir: the records recipe's output folder.
    list_name: the clip lists' prefix (`--name`).
    split: 'train', 'validate' or 'test'.

  Returns:
    One glob.

  Raises:
    FileNotFoundError: the list has no records yet; the message gives the
      recipe's command line.
    ValueError: an unknown split.
  """
  if split not in PUBLISHED_SPLITS:
    raise ValueError(f'split must be one of {PUBLISHED_SPLITS}, got '
                     f'{split!r}.')
  return [_list_records(records_dir, f'{list_name}_{split}_clips',
                        'the clip list', '<your video folder>')]


@gin.configurable
def published_mom_pairs(
    lists_dir: str = gin.REQUIRED, split: str = 'validate',
    collection: str = 'unfiltered',
    labels: Sequence[str] = ('onscreen', 'offscreen')
) -> List[Tuple[ClipKey, ClipKey]]:
  """The MoM pairs of a split's published evaluation lists, in order.

  The on-screen list (`<collection>_<split>_onscreen_unanimous_plus_<background>
  _mom_clips.csv`) and the off-screen one, concatenated: the median SNR is
  taken on the first, the median OSR on the second. The background is
  'random_unfiltered' for the unfiltered collection (ECCV Table 1, "unfiltered
  random background") and 'offscreen_unanimous' for the filtered one
  ("filtered off-screen background").

  Args:
    lists_dir: the downloaded list folder, or a folder above it (searched
      with `clip_lists.find_published_lists`).
    split: 'validate' or 'test'.
    collection: 'unfiltered' or 'filtered'.
    labels: which lists: 'onscreen', 'offscreen'.

  Returns:
    (key1, key2) pairs, each key (video_path, start).

  Raises:
    FileNotFoundError: a list is missing; the message says which download
      holds it.
  """
  _check_published(split, collection)
  folder, background = PUBLISHED_COLLECTIONS[collection]
  available = clip_lists.find_published_lists(lists_dir)
  pairs = []
  for label in labels:
    name = (f'{collection}_{split}_{label}_unanimous_plus_{background}_mom_'
            'clips.csv')
    if name not in available:
      raise FileNotFoundError(
          f'No published MoM list {name} below {lists_dir!r} '
          f'(CLIP_LISTS_DIR). It is in gs://gresearch/sound_separation/'
          f'{folder}: gcloud storage cp --recursive '
          f'gs://gresearch/sound_separation/{folder} {lists_dir}')
    pairs += list(read_mom_pairs(available[name].path))
  return pairs


BUILDERS: Dict[str, Callable[..., tf.data.Dataset]] = {
    'audio_mixit': audio_mixit_dataset,
    'non': non_dataset,
    'semi_supervised': semi_supervised_dataset,
    'mom_eval': mom_eval_dataset,
    'single_mixture': single_mixture_dataset,
}


@gin.configurable
def make_dataset_fn(
    kind: str = gin.REQUIRED, **kwargs
) -> Callable[[Optional[tf.distribute.InputContext]], tf.data.Dataset]:
  """A `dataset_fn(input_context)` for `distribute_datasets_from_function`.

  The gin scope active when this is called (e.g. `train` or `eval`) is the
  scope the builder is configured in when `dataset_fn` later runs.

  Args:
    kind: one of BUILDERS: 'audio_mixit', 'non', 'semi_supervised',
      'mom_eval', 'single_mixture'.
    **kwargs: arguments of the builder (e.g. file_pattern,
      global_batch_size, seed).

  Returns:
    dataset_fn(input_context=None) -> the builder's batched dataset.
  """
  if kind not in BUILDERS:
    raise ValueError(f'Unknown dataset kind {kind!r}; choose one of '
                     f'{sorted(BUILDERS)}.')
  builder = BUILDERS[kind]
  scope = list(gin.current_scope())

  def dataset_fn(input_context=None):
    with gin.config_scope(scope):
      return builder(input_context=input_context, **kwargs)

  return dataset_fn


def as_numpy_batches(dataset: tf.data.Dataset, num_batches: int):
  """The first `num_batches` batches as dicts of NumPy arrays (for tests)."""
  return [
      {k: np.asarray(v) for k, v in batch.items()}
      for batch in dataset.take(num_batches).as_numpy_iterator()
  ]

