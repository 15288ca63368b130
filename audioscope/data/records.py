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
"""The one TFRecord schema of audioscope: a `tf.train.Example` per clip.

Every source of data (synthetic scenes, YFCC100M clips, the user's own MP4s)
is written in this schema, and every pipeline reads it:

| feature | type | meaning |
|---|---|---|
| `clip_id` | bytes | unique id |
| `video_path` | bytes | source video ('' for synthetic) |
| `start_time`, `end_time` | float | seconds in the source video |
| `sample_rate` | int64 | always 16000 |
| `audio` | bytes | mono float32 little-endian PCM, `num_samples` values |
| `num_samples` | int64 | |
| `frame_rate` | float | stored frame rate (16.0) |
| `num_frames`, `frame_height`, `frame_width` | int64 | |
| `frame_encoding` | bytes | `jpeg` (one JPEG per frame) or `raw` (uint8 RGB) |
| `frames` | bytes list | `num_frames` entries |
| `label` | int64 | -1 unlabelled, 1 on-screen-only, 0 off-screen-only |
| `on_screen_audio`, `off_screen_audio` | bytes (optional) | float32 ground truth |

Frame encodings: `jpeg` (the default, quality 90 through `tf.io.encode_jpeg`;
about 10x smaller, lossy) or `raw` (uint8 RGB bytes, row-major [H, W, 3];
bit-exact, for tests and for data whose pixels must survive unchanged).

Two readers share the same checks (sample rate, `num_samples == len(audio)`,
`num_frames == len(frames)`, frame sizes, label range, ground-truth lengths)
and name the offending record by its `clip_id` and file:
* `parse_clip(serialized)` works on tensors, inside `tf.data`;
* `read_clips(path)` / `deserialize_clip(serialized)` return `Clip`s (NumPy).
"""

import dataclasses
import os
from typing import Dict, Iterable, Iterator, Optional, Sequence, Tuple, Union

import numpy as np
import tensorflow as tf

SAMPLE_RATE = 16000
FRAME_RATE = 16.0
FRAME_ENCODINGS = ('jpeg', 'raw')
LABELS = (-1, 0, 1)
UNLABELLED = -1
OFF_SCREEN_ONLY = 0
ON_SCREEN_ONLY = 1
DEFAULT_JPEG_QUALITY = 90

# Every feature has a default so that a missing one is reported by the
# validation below, with the record's clip_id, instead of a bare parse error.
_MISSING_INT = -1
_MISSING_FLOAT = -1.0
FEATURES = {
    'clip_id': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'video_path': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'start_time': tf.io.FixedLenFeature(
        [], tf.float32, default_value=_MISSING_FLOAT),
    'end_time': tf.io.FixedLenFeature(
        [], tf.float32, default_value=_MISSING_FLOAT),
    'sample_rate': tf.io.FixedLenFeature(
        [], tf.int64, default_value=_MISSING_INT),
    'audio': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'num_samples': tf.io.FixedLenFeature(
        [], tf.int64, default_value=_MISSING_INT),
    'frame_rate': tf.io.FixedLenFeature(
        [], tf.float32, default_value=_MISSING_FLOAT),
    'num_frames': tf.io.FixedLenFeature(
        [], tf.int64, default_value=_MISSING_INT),
    'frame_height': tf.io.FixedLenFeature(
        [], tf.int64, default_value=_MISSING_INT),
    'frame_width': tf.io.FixedLenFeature(
        [], tf.int64, default_value=_MISSING_INT),
    'frame_encoding': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'frames': tf.io.RaggedFeature(tf.string),
    'label': tf.io.FixedLenFeature([], tf.int64, default_value=-2),
    'on_screen_audio': tf.io.FixedLenFeature([], tf.string, default_value=''),
    'off_screen_audio': tf.io.FixedLenFeature([], tf.string, default_value=''),
}


class RecordError(ValueError):
  """A clip record breaks the schema; the message names the record."""


@dataclasses.dataclass
class Clip:
  """One clip of the schema, with its audio and frames as NumPy arrays.

  Attributes:
    clip_id: unique id.
    audio: float32 [samples], mono, at `sample_rate`.
    frames: uint8 [T, H, W, 3] RGB, at `frame_rate`.
    video_path: source video ('' for synthetic clips).
    start_time: start in the source video, seconds.
    end_time: end in the source video, seconds; None means
      `start_time + len(audio) / sample_rate`.
    sample_rate: audio sample rate in Hz.
    frame_rate: stored frame rate in frames per second.
    label: -1 unlabelled, 1 on-screen-only, 0 off-screen-only.
    frame_encoding: 'jpeg' or 'raw' (how `serialize_clip` stores frames).
    on_screen_audio: optional float32 [samples] ground truth.
    off_screen_audio: optional float32 [samples] ground truth.
  """
  clip_id: str
  audio: np.ndarray
  frames: np.ndarray
  video_path: str = ''
  start_time: float = 0.0
  end_time: Optional[float] = None
  sample_rate: int = SAMPLE_RATE
  frame_rate: float = FRAME_RATE
  label: int = UNLABELLED
  frame_encoding: str = 'jpeg'
  on_screen_audio: Optional[np.ndarray] = None
  off_screen_audio: Optional[np.ndarray] = None

  def __post_init__(self):
    if self.end_time is None and self.sample_rate:
      self.end_time = float(self.start_time) + (
          np.shape(self.audio)[0] / float(self.sample_rate)
          if np.ndim(self.audio) else 0.0)

  @property
  def num_samples(self) -> int:
    return int(self.audio.shape[0])

  @property
  def num_frames(self) -> int:
    return int(self.frames.shape[0])

  @property
  def frame_height(self) -> int:
    return int(self.frames.shape[1])

  @property
  def frame_width(self) -> int:
    return int(self.frames.shape[2])

  def validate(self, source: str = '') -> None:
    """Checks types, shapes and ranges; raises RecordError naming the clip."""

    def fail(problem):
      raise RecordError(f'{_where(self.clip_id, source)}: {problem}')

    if not isinstance(self.clip_id, str) or not self.clip_id:
      fail('clip_id must be a non-empty string; give every clip a unique id.')
    audio = np.asarray(self.audio)
    if audio.ndim != 1:
      fail(f'audio must be mono [samples], got shape {audio.shape}; '
           'mix channels down before writing.')
    if audio.dtype != np.float32:
      fail(f'audio must be float32, got {audio.dtype}; convert with '
           '`audio.astype(np.float32)` (scaled to [-1, 1]).')
    if audio.size == 0:
      fail('audio is empty; clips need at least one sample.')
    if not np.all(np.isfinite(audio)):
      fail('audio contains NaN or Inf; fix the source before writing.')
    frames = np.asarray(self.frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
      fail(f'frames must be RGB [T, H, W, 3], got shape {frames.shape}.')
    if frames.dtype != np.uint8:
      fail(f'frames must be uint8, got {frames.dtype}; convert float frames '
           'in [0, 1] with `np.round(frames * 255).astype(np.uint8)`.')
    if frames.shape[0] == 0 or frames.shape[1] == 0 or frames.shape[2] == 0:
      fail(f'frames are empty (shape {frames.shape}); clips need frames.')
    if int(self.sample_rate) <= 0:
      fail(f'sample_rate must be positive, got {self.sample_rate}.')
    if not float(self.frame_rate) > 0:
      fail(f'frame_rate must be positive, got {self.frame_rate}.')
    if self.label not in LABELS:
      fail(f'label must be one of {LABELS} (-1 unlabelled, 1 on-screen-only, '
           f'0 off-screen-only), got {self.label!r}.')
    if self.frame_encoding not in FRAME_ENCODINGS:
      fail(f'frame_encoding must be one of {FRAME_ENCODINGS}, got '
           f'{self.frame_encoding!r}.')
    if self.end_time is not None and self.end_time < self.start_time:
      fail(f'end_time {self.end_time} is before start_time '
           f'{self.start_time}.')
    for name in ('on_screen_audio', 'off_screen_audio'):
      value = getattr(self, name)
      if value is None:
        continue
      value = np.asarray(value)
      if value.dtype != np.float32 or value.shape != audio.shape:
        fail(f'{name} must be float32 with the shape of audio {audio.shape}, '
             f'got {value.dtype} {value.shape}.')
      if not np.all(np.isfinite(value)):
        fail(f'{name} contains NaN or Inf.')


def _where(clip_id, source) -> str:
  where = f'Clip record clip_id={clip_id}'
  if source:
    where += f' in {source}'
  return where


def _bytes_feature(values: Sequence[bytes]) -> tf.train.Feature:
  return tf.train.Feature(bytes_list=tf.train.BytesList(value=list(values)))


def _int_feature(value: int) -> tf.train.Feature:
  return tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))


def _float_feature(value: float) -> tf.train.Feature:
  return tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))


def _pcm_bytes(audio: np.ndarray) -> bytes:
  return np.asarray(audio, dtype='<f4').tobytes()


def encode_frames(frames: np.ndarray, frame_encoding: str = 'jpeg',
                  jpeg_quality: int = DEFAULT_JPEG_QUALITY) -> Sequence[bytes]:
  """Encodes uint8 frames [T, H, W, 3] to one bytes entry per frame."""
  if frame_encoding == 'raw':
    return [np.ascontiguousarray(frame).tobytes() for frame in frames]
  if frame_encoding == 'jpeg':
    return [
        tf.io.encode_jpeg(frame, quality=jpeg_quality, format='rgb').numpy()
        for frame in frames
    ]
  raise ValueError(f'frame_encoding must be one of {FRAME_ENCODINGS}, got '
                   f'{frame_encoding!r}.')


def serialize_clip(clip: Clip,
                   jpeg_quality: int = DEFAULT_JPEG_QUALITY) -> bytes:
  """Validates `clip` and serialises it to a `tf.train.Example`.

  Args:
    clip: the clip; frames are stored with `clip.frame_encoding`.
    jpeg_quality: JPEG quality (1-100) for 'jpeg' frames.

  Returns:
    The serialised `tf.train.Example`.

  Raises:
    RecordError: if the clip breaks the schema (the message names it).
  """
  clip.validate()
  if not 1 <= int(jpeg_quality) <= 100:
    raise ValueError(f'jpeg_quality must be in [1, 100], got {jpeg_quality}.')
  feature = {
      'clip_id': _bytes_feature([clip.clip_id.encode('utf-8')]),
      'video_path': _bytes_feature([clip.video_path.encode('utf-8')]),
      'start_time': _float_feature(clip.start_time),
      'end_time': _float_feature(clip.end_time),
      'sample_rate': _int_feature(clip.sample_rate),
      'audio': _bytes_feature([_pcm_bytes(clip.audio)]),
      'num_samples': _int_feature(clip.num_samples),
      'frame_rate': _float_feature(clip.frame_rate),
      'num_frames': _int_feature(clip.num_frames),
      'frame_height': _int_feature(clip.frame_height),
      'frame_width': _int_feature(clip.frame_width),
      'frame_encoding': _bytes_feature([clip.frame_encoding.encode('utf-8')]),
      'frames': _bytes_feature(
          encode_frames(clip.frames, clip.frame_encoding, jpeg_quality)),
      'label': _int_feature(clip.label),
  }
  for name in ('on_screen_audio', 'off_screen_audio'):
    value = getattr(clip, name)
    if value is not None:
      feature[name] = _bytes_feature([_pcm_bytes(value)])
  example = tf.train.Example(features=tf.train.Features(feature=feature))
  return example.SerializeToString()


def _check_expectations(sample_rate, frame_rate, frame_size):
  if sample_rate is not None and int(sample_rate) <= 0:
    raise ValueError(f'sample_rate must be positive, got {sample_rate}.')
  if frame_rate is not None and not float(frame_rate) > 0:
    raise ValueError(f'frame_rate must be positive, got {frame_rate}.')
  if frame_size is not None and (len(frame_size) != 2 or
                                 min(int(s) for s in frame_size) <= 0):
    raise ValueError(
        f'frame_size must be (height, width), got {frame_size!r}.')


def parse_clip(serialized: tf.Tensor,
               sample_rate: Optional[int] = SAMPLE_RATE,
               frame_rate: Optional[float] = None,
               frame_size: Optional[Tuple[int, int]] = None,
               frame_step: int = 1,
               decode_frames: bool = True,
               source: Union[str, tf.Tensor] = '') -> Dict[str, tf.Tensor]:
  """Parses and validates one serialised clip (graph mode, for `tf.data`).

  Args:
    serialized: scalar string tensor, a `tf.train.Example` of the schema.
    sample_rate: the sample rate the record must have (None: any).
    frame_rate: the stored frame rate the record must have (None: any).
    frame_size: (height, width) the record's frames must have (None: any).
    frame_step: keep every `frame_step`-th frame (before decoding, so frame
      rate reduction saves the JPEG decoding too).
    decode_frames: decode the frames to uint8; if False, 'frames' holds the
      encoded (selected) frame strings [T'].
    source: the file the record came from, named in errors.

  Returns:
    A dict of tensors: 'clip_id', 'video_path' (string scalars), 'start_time',
    'end_time', 'frame_rate' (float32 scalars), 'sample_rate', 'label' (int64
    scalars), 'audio' float32 [samples], 'frames' uint8 [T', H, W, 3] with
    T' = ceil(num_frames / frame_step), 'on_screen_audio' and
    'off_screen_audio' float32 [samples] (zeros when not stored) and
    'has_ground_truth' (bool scalar, whether both were stored).

  Raises:
    tf.errors.InvalidArgumentError (when the tensors are evaluated) naming the
    clip_id and source if the record breaks the schema.
  """
  _check_expectations(sample_rate, frame_rate, frame_size)
  if int(frame_step) < 1:
    raise ValueError(f'frame_step must be >= 1, got {frame_step}.')
  parsed = tf.io.parse_single_example(serialized, FEATURES)
  clip_id = parsed['clip_id']
  source = tf.convert_to_tensor(source, tf.string)
  prefix = tf.strings.join([
      'Clip record clip_id=', clip_id,
      tf.where(tf.strings.length(source) > 0,
               tf.strings.join([' in ', source]), '')])

  # All checks are gathered into one assertion (a small graph traces fast);
  # it reports the first failing check.
  conditions, messages = [], []

  def check(condition, template, *values):
    conditions.append(condition)
    messages.append(tf.strings.format(template, list(values)) if values
                    else tf.constant(template))

  check(tf.strings.length(clip_id) > 0,
        'has no clip_id; every record needs a unique clip_id.')
  check(parsed['sample_rate'] > 0, 'has no sample_rate feature.')
  if sample_rate is not None:
    check(tf.equal(parsed['sample_rate'], sample_rate),
          'sample_rate is {} but ' + str(int(sample_rate)) +
          ' is expected; resample the source and rewrite the record.',
          parsed['sample_rate'])
  if frame_rate is not None:
    check(tf.abs(parsed['frame_rate'] - float(frame_rate)) < 1e-3,
          'stored frame_rate is {} but ' + str(float(frame_rate)) +
          ' is expected; rewrite the records at that rate or set the '
          'pipeline stored_frame_rate.', parsed['frame_rate'])
  label = parsed['label']
  check(tf.equal(label * (label + 1) * (label - 1), 0),
        'label is {}, expected -1 (unlabelled), 1 (on-screen-only) or 0 '
        '(off-screen-only).', label)
  audio_bytes = tf.cast(tf.strings.length(parsed['audio']), tf.int64)
  check(tf.logical_and(audio_bytes > 0, tf.equal(audio_bytes % 4, 0)),
        'audio is missing or not float32 PCM ({} bytes).', audio_bytes)
  check(tf.equal(audio_bytes // 4, parsed['num_samples']),
        'num_samples is {} but audio has {} samples.', parsed['num_samples'],
        audio_bytes // 4)
  encoded = parsed['frames']
  if isinstance(encoded, tf.RaggedTensor):
    encoded = encoded.flat_values
  num_frames = tf.cast(tf.shape(encoded)[0], tf.int64)
  check(tf.equal(num_frames, parsed['num_frames']),
        'num_frames is {} but the record has {} frames.', parsed['num_frames'],
        num_frames)
  check(num_frames > 0, 'has no frames.')
  height, width = parsed['frame_height'], parsed['frame_width']
  check(tf.logical_and(height > 0, width > 0),
        'frame size {}x{} is invalid.', height, width)
  if frame_size is not None:
    check(tf.logical_and(tf.equal(height, int(frame_size[0])),
                         tf.equal(width, int(frame_size[1]))),
          'frames are {}x{} but ' + f'{int(frame_size[0])}x{int(frame_size[1])}'
          ' is expected; rewrite the records at that size or change '
          'frame_size.', height, width)
  encoding = parsed['frame_encoding']
  is_jpeg = tf.equal(encoding, 'jpeg')
  check(tf.logical_or(is_jpeg, tf.equal(encoding, 'raw')),
        'frame_encoding is {}, expected jpeg or raw.', encoding)
  for name in ('on_screen_audio', 'off_screen_audio'):
    length = tf.cast(tf.strings.length(parsed[name]), tf.int64)
    check(tf.logical_or(tf.equal(length, 0), tf.equal(length, audio_bytes)),
          name + ' has {} samples but audio has {}.', length // 4,
          audio_bytes // 4)
  ok = tf.stack(conditions)
  first_failure = tf.argmin(tf.cast(ok, tf.int32))
  message = tf.strings.join(
      [prefix, ': ', tf.gather(tf.stack(messages), first_failure)])
  assertion = tf.debugging.Assert(tf.reduce_all(ok), [message], summarize=1)

  with tf.control_dependencies([assertion]):
    audio = tf.io.decode_raw(parsed['audio'], tf.float32, little_endian=True)
    encoded = encoded[::frame_step]
    if decode_frames:
      frames = _decode_frames(encoded, is_jpeg, height, width, prefix)
    else:
      frames = tf.identity(encoded)

  def ground_truth(name):
    # Empty (not stored) decodes to [0] values and is padded with zeros.
    values = tf.io.decode_raw(parsed[name], tf.float32, little_endian=True)
    return tf.pad(values, [[0, tf.shape(audio)[0] - tf.shape(values)[0]]])

  return {
      'clip_id': clip_id,
      'video_path': parsed['video_path'],
      'start_time': parsed['start_time'],
      'end_time': parsed['end_time'],
      'sample_rate': parsed['sample_rate'],
      'frame_rate': parsed['frame_rate'],
      'label': parsed['label'],
      'audio': audio,
      'frames': frames,
      'on_screen_audio': ground_truth('on_screen_audio'),
      'off_screen_audio': ground_truth('off_screen_audio'),
      'has_ground_truth': tf.logical_and(
          tf.strings.length(parsed['on_screen_audio']) > 0,
          tf.strings.length(parsed['off_screen_audio']) > 0),
  }


def _decode_frames(encoded, is_jpeg, height, width, prefix):
  """Decodes encoded frames [T] to uint8 [T, H, W, 3] and checks sizes."""

  def decode_jpeg():
    frames = tf.map_fn(
        lambda x: tf.io.decode_jpeg(x, channels=3), encoded,
        fn_output_signature=tf.TensorSpec([None, None, 3], tf.uint8))
    shape = tf.cast(tf.shape(frames), tf.int64)
    ok = tf.logical_and(tf.equal(shape[1], height), tf.equal(shape[2], width))
    message = tf.strings.join([
        prefix, ': JPEG frames decode to ', tf.strings.as_string(shape[1]),
        'x', tf.strings.as_string(shape[2]), ' but frame_height x frame_width '
        'is ', tf.strings.as_string(height), 'x', tf.strings.as_string(width),
        '.'])
    with tf.control_dependencies([tf.debugging.Assert(ok, [message])]):
      return tf.identity(frames)

  def decode_raw():
    expected = height * width * 3
    lengths = tf.cast(tf.strings.length(encoded), tf.int64)
    ok = tf.reduce_all(tf.equal(lengths, expected))
    message = tf.strings.join([
        prefix, ': raw frames must have frame_height * frame_width * 3 = ',
        tf.strings.as_string(expected), ' bytes each.'])
    with tf.control_dependencies([tf.debugging.Assert(ok, [message])]):
      flat = tf.io.decode_raw(encoded, tf.uint8)
      return tf.reshape(flat, tf.stack(
          [tf.cast(tf.shape(encoded)[0], tf.int64), height, width,
           tf.constant(3, tf.int64)]))

  frames = tf.cond(is_jpeg, decode_jpeg, decode_raw)
  frames.set_shape([None, None, None, 3])
  return frames


def deserialize_clip(serialized: bytes,
                     sample_rate: Optional[int] = SAMPLE_RATE,
                     frame_rate: Optional[float] = None,
                     frame_size: Optional[Tuple[int, int]] = None,
                     source: str = '') -> Clip:
  """Parses one serialised record into a validated `Clip` (eager, NumPy).

  Args:
    serialized: a serialised `tf.train.Example` of the schema.
    sample_rate: the sample rate the record must have (None: any).
    frame_rate: the stored frame rate the record must have (None: any).
    frame_size: (height, width) the frames must have (None: any).
    source: the file the record came from, named in errors.

  Returns:
    The clip, frames decoded to uint8 [T, H, W, 3].

  Raises:
    RecordError: naming the clip_id and source if the record is invalid.
  """
  _check_expectations(sample_rate, frame_rate, frame_size)
  try:
    example = tf.train.Example.FromString(serialized)
  except Exception as e:  # pylint: disable=broad-except
    raise RecordError(
        f'A record in {source or "<bytes>"} is not a tf.train.Example ({e}); '
        'the file is corrupt or not a clip TFRecord.') from e
  feature = example.features.feature

  def get(name, kind):
    if name not in feature:
      return None
    values = getattr(feature[name], kind).value
    return values[0] if len(values) else None  # pylint: disable=g-explicit-length-test

  clip_id = (get('clip_id', 'bytes_list') or b'').decode('utf-8')

  def fail(problem):
    raise RecordError(f'{_where(clip_id, source)}: {problem}')

  if not clip_id:
    fail('has no clip_id; every record needs a unique clip_id.')
  required = {
      'sample_rate': 'int64_list', 'audio': 'bytes_list',
      'num_samples': 'int64_list', 'frame_rate': 'float_list',
      'num_frames': 'int64_list', 'frame_height': 'int64_list',
      'frame_width': 'int64_list', 'frame_encoding': 'bytes_list',
      'label': 'int64_list'
  }
  values = {}
  for name, kind in required.items():
    values[name] = get(name, kind)
    if values[name] is None:
      fail(f'has no {name} feature; rewrite it with records.write_clips.')
  if values['label'] not in LABELS:
    fail(f'label is {values["label"]}, expected -1 (unlabelled), 1 '
         '(on-screen-only) or 0 (off-screen-only).')
  if sample_rate is not None and values['sample_rate'] != int(sample_rate):
    fail(f'sample_rate is {values["sample_rate"]} but {int(sample_rate)} is '
         'expected; resample the source and rewrite the record.')
  if frame_rate is not None and abs(values['frame_rate'] -
                                    float(frame_rate)) >= 1e-3:
    fail(f'stored frame_rate is {values["frame_rate"]} but {float(frame_rate)}'
         ' is expected; rewrite the records at that rate.')
  audio_bytes = values['audio']
  if len(audio_bytes) % 4:
    fail(f'audio has {len(audio_bytes)} bytes, not float32 PCM.')
  audio = np.frombuffer(audio_bytes, dtype='<f4').astype(np.float32)
  if audio.shape[0] != values['num_samples']:
    fail(f'num_samples is {values["num_samples"]} but audio has '
         f'{audio.shape[0]} samples.')
  encoded = list(feature['frames'].bytes_list.value) if (
      'frames' in feature) else []
  if len(encoded) != values['num_frames']:
    fail(f'num_frames is {values["num_frames"]} but the record has '
         f'{len(encoded)} frames.')
  height, width = values['frame_height'], values['frame_width']
  if frame_size is not None and (height, width) != tuple(
      int(s) for s in frame_size):
    fail(f'frames are {height}x{width} but {frame_size[0]}x{frame_size[1]} '
         'is expected; rewrite the records at that size or change frame_size.')
  encoding = values['frame_encoding'].decode('utf-8')
  if encoding == 'raw':
    if any(len(f) != height * width * 3 for f in encoded):
      fail(f'raw frames must have {height}*{width}*3 bytes each.')
    frames = np.frombuffer(b''.join(encoded), np.uint8).reshape(
        len(encoded), height, width, 3)
  elif encoding == 'jpeg':
    try:
      frames = np.stack([
          tf.io.decode_jpeg(f, channels=3).numpy() for f in encoded
      ]) if encoded else np.zeros((0, height, width, 3), np.uint8)
    except tf.errors.InvalidArgumentError as e:
      fail(f'has a corrupt JPEG frame ({e.message}).')
    if frames.shape[1:3] != (height, width):
      fail(f'JPEG frames decode to {frames.shape[1]}x{frames.shape[2]} but '
           f'frame_height x frame_width is {height}x{width}.')
  else:
    fail(f'frame_encoding is {encoding!r}, expected one of {FRAME_ENCODINGS}.')

  ground_truth = {}
  for name in ('on_screen_audio', 'off_screen_audio'):
    raw = get(name, 'bytes_list')
    ground_truth[name] = None if not raw else np.frombuffer(
        raw, dtype='<f4').astype(np.float32)
  start_time = get('start_time', 'float_list')
  end_time = get('end_time', 'float_list')
  clip = Clip(
      clip_id=clip_id,
      audio=audio,
      frames=np.array(frames, dtype=np.uint8),
      video_path=(get('video_path', 'bytes_list') or b'').decode('utf-8'),
      start_time=0.0 if start_time is None else float(start_time),
      end_time=end_time,
      sample_rate=int(values['sample_rate']),
      frame_rate=float(values['frame_rate']),
      label=int(values['label']),
      frame_encoding=encoding,
      **ground_truth)
  clip.validate(source)
  return clip


def write_clips(path: str, clips: Iterable[Clip],
                jpeg_quality: int = DEFAULT_JPEG_QUALITY) -> int:
  """Writes clips to one TFRecord file, atomically.

  The records go to `path + '.tmp'`, renamed to `path` when complete, so a
  file at `path` is always whole (resumable recipes skip existing files).

  Args:
    path: the output file.
    clips: the clips, each validated and serialised with `serialize_clip`.
    jpeg_quality: JPEG quality for 'jpeg' frames.

  Returns:
    The number of clips written.

  Raises:
    RecordError: if a clip breaks the schema (nothing is left at `path`).
  """
  directory = os.path.dirname(path)
  if directory:
    tf.io.gfile.makedirs(directory)
  tmp_path = path + '.tmp'
  count = 0
  try:
    with tf.io.TFRecordWriter(tmp_path) as writer:
      for clip in clips:
        try:
          writer.write(serialize_clip(clip, jpeg_quality=jpeg_quality))
        except RecordError as e:
          raise RecordError(f'{e} (while writing {path})') from e
        count += 1
  except BaseException:
    if tf.io.gfile.exists(tmp_path):
      tf.io.gfile.remove(tmp_path)
    raise
  tf.io.gfile.rename(tmp_path, path, overwrite=True)
  return count


def read_clips(path: Union[str, Sequence[str]],
               sample_rate: Optional[int] = SAMPLE_RATE,
               frame_rate: Optional[float] = None,
               frame_size: Optional[Tuple[int, int]] = None) -> Iterator[Clip]:
  """Reads and validates the clips of TFRecord files (eager, NumPy).

  Args:
    path: a file, a glob pattern or a list of them.
    sample_rate: the sample rate every record must have (None: any).
    frame_rate: the stored frame rate every record must have (None: any).
    frame_size: (height, width) every record's frames must have (None: any).

  Yields:
    `Clip`s in file order.

  Raises:
    FileNotFoundError: if no file matches.
    RecordError: naming the clip_id and file of an invalid record.
  """
  for filename in list_files(path):
    for serialized in tf.data.TFRecordDataset(filename).as_numpy_iterator():
      yield deserialize_clip(serialized, sample_rate=sample_rate,
                             frame_rate=frame_rate, frame_size=frame_size,
                             source=filename)


def list_files(path: Union[str, Sequence[str]]) -> Sequence[str]:
  """Expands files and glob patterns; raises if nothing matches."""
  patterns = [path] if isinstance(path, str) else list(path)
  if not patterns:
    raise FileNotFoundError('No TFRecord files given; pass a file, a glob '
                            'pattern or a list of them.')
  files = []
  for pattern in patterns:
    matched = sorted(tf.io.gfile.glob(pattern))
    if not matched:
      raise FileNotFoundError(
          f'No TFRecord file matches {pattern!r}; check the path, or write '
          'the data set first (audioscope_make_synthetic, or '
          'audioscope_make_yfcc_tfrecords for the YFCC100M lists).')
    files.extend(matched)
  return files
