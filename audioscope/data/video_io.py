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
"""MP4 (and any FFmpeg-readable media) input and output with PyAV.

tensorflow-io cannot read MP4 on current systems (its FFmpeg plugins need
FFmpeg <= 4.2), so every video read and write in audioscope goes through PyAV
(`av`), whose wheel bundles its own FFmpeg.

Reading (`read_video`) returns a `VideoClip`:

* audio: float32 mono `[samples]` at `sample_rate`. Several channels are
  mixed to mono by their mean (`VideoClip.mixed_to_mono` says so). The audio
  is decoded at its own rate and resampled with
  `scipy.signal.resample_poly`, a linear-phase polyphase FIR whose delay is
  compensated inside scipy, so the output has **no delay**: output sample k is
  the input at time `start + k / sample_rate`. A margin of decoded input on
  both sides of the clip (where the file has it) keeps the filter's edges out
  of the clip. (`av.AudioResampler` was not used: its swresample filter
  buffers a few samples and shifts the output.)
* frames: uint8 `[T, H, W, 3]` RGB at `frame_rate`: frame k is the decoded
  frame whose presentation time is nearest to `start + k / frame_rate`
  (exact rational arithmetic; a tie goes to the earlier frame), resized with
  FFmpeg's swscale (area filter) to `frame_size = (height, width)` without
  keeping the aspect ratio (`frame_size=None` keeps the original size).
* exact lengths: `round(duration * sample_rate)` samples and
  `round(duration * frame_rate)` frames. A stream that ends at most
  `max_pad_seconds` early is padded (zeros for audio, the last frame repeated
  for video); a clip further past the end of the file raises
  `ClipOutOfRangeError`.

Times are seconds from the start of the file (the container's start time).

Writing: `write_video` (H.264 or MPEG-4 Part 2 video, AAC audio, MP4),
`write_wav` and `read_wav` (16-bit PCM or float WAV via scipy).
"""

import dataclasses
import fractions
import math
import os
from typing import Optional, Sequence, Tuple, Union

import av
import numpy as np
from scipy import signal as scipy_signal
from scipy.io import wavfile

# File name endings treated as videos when a folder is searched.
VIDEO_EXTENSIONS = ('.mp4', '.m4v', '.mov', '.mkv', '.avi', '.webm')
# Input decoded on each side of the clip before resampling, in seconds.
_RESAMPLE_MARGIN_SECONDS = 0.05
# Seek this far before the clip start so the demuxer lands before it.
_SEEK_BACKOFF_SECONDS = 1.0


class VideoReadError(ValueError):
  """A video file cannot be read as asked."""


class UnreadableVideoError(VideoReadError):
  """The file is missing, is not a media file, or is corrupt."""


class VideoNotFoundError(UnreadableVideoError):
  """The file does not exist."""


class NoAudioStreamError(VideoReadError):
  """The file has no audio stream."""


class NoVideoStreamError(VideoReadError):
  """The file has no video stream."""


class ClipOutOfRangeError(VideoReadError):
  """The requested clip lies (partly) past the end of the file."""


@dataclasses.dataclass
class VideoClip:
  """A decoded clip.

  Attributes:
    audio: float32 `[samples]`, mono, at `sample_rate`.
    frames: uint8 `[T, H, W, 3]` RGB at `frame_rate`.
    sample_rate: the output sample rate in Hz.
    frame_rate: the output frame rate in frames per second.
    start: clip start in seconds from the start of the file.
    duration: clip length in seconds.
    original_sample_rate: the audio stream's sample rate.
    original_num_channels: the audio stream's number of channels.
    original_frame_rate: the video stream's average frame rate.
    original_size: `(height, width)` of the video stream.
    mixed_to_mono: True if the source audio had several channels that were
      averaged into one.
    audio_padding: output samples padded with zeros at the end because the
      audio stream was short.
    frame_padding: output frames that repeat the last decoded frame because
      the video stream was short.
    path: the file read.
  """
  audio: np.ndarray
  frames: np.ndarray
  sample_rate: int
  frame_rate: float
  start: float
  duration: float
  original_sample_rate: int
  original_num_channels: int
  original_frame_rate: float
  original_size: Tuple[int, int]
  mixed_to_mono: bool
  audio_padding: int = 0
  frame_padding: int = 0
  path: str = ''

  @property
  def end(self) -> float:
    return self.start + self.duration


# ------------------------------- helpers ----------------------------------


def _check_rates(sample_rate, frame_rate):
  if sample_rate is not None:
    if (not isinstance(sample_rate, (int, np.integer)) or
        isinstance(sample_rate, bool) or sample_rate <= 0):
      raise ValueError(
          f'sample_rate must be a positive integer number of Hz, got '
          f'{sample_rate!r}; pass e.g. sample_rate=16000.')
  if frame_rate is not None:
    if (isinstance(frame_rate, bool) or
        not isinstance(frame_rate, (int, float, np.integer, np.floating)) or
        not math.isfinite(frame_rate) or frame_rate <= 0):
      raise ValueError(
          f'frame_rate must be a positive finite number of frames per '
          f'second, got {frame_rate!r}; pass e.g. frame_rate=16.0.')


def _check_frame_size(frame_size):
  if frame_size is None:
    return None
  try:
    height, width = (int(v) for v in frame_size)
  except (TypeError, ValueError):
    raise ValueError(
        f'frame_size must be (height, width) or None, got {frame_size!r}.'
    ) from None
  if height <= 0 or width <= 0:
    raise ValueError(
        f'frame_size must be positive (height, width), got {frame_size!r}.')
  return height, width


def _open(path):
  """Opens `path` with PyAV, turning failures into UnreadableVideoError."""
  path = os.fspath(path)
  if not os.path.exists(path):
    raise VideoNotFoundError(
        f'Video file {path!r} does not exist; check the path (and the video '
        f'root it was joined with).')
  if os.path.isdir(path):
    raise UnreadableVideoError(
        f'{path!r} is a directory, not a video file; pass a file path.')
  try:
    return av.open(path, mode='r')
  except (av.FFmpegError, OSError, UnicodeDecodeError) as e:
    raise UnreadableVideoError(
        f'{path!r} is not a readable media file ({e}); check that it is a '
        f'complete MP4 (re-download or re-encode it with ffmpeg).') from e


def _file_duration(container):
  """Length of the file in seconds, or None if the container does not say."""
  if container.duration is not None and container.duration > 0:
    return container.duration / av.time_base
  durations = []
  for stream in container.streams:
    if stream.duration is not None and stream.time_base is not None:
      durations.append(float(stream.duration * stream.time_base))
  return max(durations) if durations else None


def _time_origin(container):
  if container.start_time is not None:
    return fractions.Fraction(container.start_time, av.time_base)
  return fractions.Fraction(0)


def _audio_frame_to_array(frame) -> np.ndarray:
  """An AudioFrame as float32 `[channels, samples]` in [-1, 1]."""
  channels = frame.layout.nb_channels
  data = frame.to_ndarray()
  if not frame.format.is_planar:
    data = data.reshape(-1, channels).T
  kind = data.dtype
  if kind == np.int16:
    data = data.astype(np.float32) / 32768.0
  elif kind == np.int32:
    data = data.astype(np.float32) / 2147483648.0
  elif kind == np.uint8:
    data = (data.astype(np.float32) - 128.0) / 128.0
  else:
    data = data.astype(np.float32)
  return data


def _seek(container, stream, seconds, origin):
  """Seeks `container` to a keyframe at or before `seconds` (file time)."""
  if seconds <= 0:
    container.seek(0)
    return
  target = (fractions.Fraction(seconds) + origin) / stream.time_base
  container.seek(int(math.floor(target)), stream=stream, backward=True,
                 any_frame=False)


class _FrameSampler:
  """Picks, for each target time, the decoded frame nearest to it."""

  def __init__(self, targets, frame_size, stream_time_base):
    self._targets = targets  # Fractions, increasing.
    self._frame_size = frame_size
    self._time_base = stream_time_base
    self._k = 0
    self._previous = None  # (time, frame, converted array or None)
    self.frames = []

  def done(self):
    return self._k >= len(self._targets)

  def starts_late(self, time):
    """True if `time` is the first frame and comes after the first target."""
    return (self._previous is None and not self.frames and
            bool(self._targets) and time > self._targets[0])

  def restart(self):
    return _FrameSampler(self._targets, self._frame_size, self._time_base)

  def _convert(self, entry):
    time, frame, array = entry
    if array is None:
      if self._frame_size is None:
        array = frame.to_ndarray(format='rgb24')
      else:
        height, width = self._frame_size
        array = frame.reformat(width=width, height=height, format='rgb24',
                               interpolation='AREA').to_ndarray()
    return (time, frame, array)

  def add(self, time, frame):
    """Adds a decoded frame at `time` (Fraction, clip-relative seconds)."""
    current = (time, frame, None)
    while not self.done() and time >= self._targets[self._k]:
      target = self._targets[self._k]
      if (self._previous is not None and
          target - self._previous[0] <= time - target):
        self._previous = self._convert(self._previous)
        self.frames.append(self._previous[2])
      else:
        current = self._convert(current)
        self.frames.append(current[2])
      self._k += 1
    self._previous = current

  def finish(self):
    """Fills the remaining targets with the last frame; returns the count."""
    missing = len(self._targets) - self._k
    if missing and self._previous is not None:
      self._previous = self._convert(self._previous)
      self.frames.extend([self._previous[2]] * missing)
      self._k = len(self._targets)
    return missing


def _decode(container, audio_stream, video_stream, audio_range, video_sampler,
            video_end, origin, seek_to):
  """One demux pass from `seek_to` seconds over the streams asked for.

  Returns:
    (audio chunks, first audio sample index at the original rate, whether
    the pass started late, i.e. after the ranges asked for). A pass that
    seeked (`seek_to > 0`) and started late stops early; the caller decodes
    again from the start of the file.
  """
  streams = [s for s in (audio_stream, video_stream) if s is not None]
  _seek(container, video_stream or audio_stream, seek_to, origin)
  chunks = []
  first_index = None
  next_index = None
  late = False
  audio_done = audio_stream is None
  video_done = video_stream is None
  for packet in container.demux(*streams):
    if audio_done and video_done:
      break
    for frame in packet.decode():
      if packet.stream is audio_stream and not audio_done:
        if frame.pts is None:
          continue
        time = frame.pts * frame.time_base - origin
        rate = audio_stream.codec_context.sample_rate
        index = int(round(time * rate))
        if first_index is None and index > audio_range[0]:
          late = True
        data = _audio_frame_to_array(frame)
        if next_index is not None and index != next_index:
          # A gap or overlap in the timestamps: trust the sample count.
          index = next_index
        next_index = index + data.shape[1]
        if next_index <= audio_range[0]:
          continue
        if first_index is None:
          first_index = index
        chunks.append(data)
        if next_index >= audio_range[1]:
          audio_done = True
      elif packet.stream is video_stream and not video_done:
        pts = frame.pts if frame.pts is not None else frame.dts
        if pts is None:
          continue
        time = pts * frame.time_base - origin
        if video_sampler.starts_late(time):
          late = True
        video_sampler.add(time, frame)
        if video_sampler.done() or time > video_end:
          video_done = True
    if late and seek_to > 0:
      return chunks, first_index, True
  return chunks, first_index, False


def _resample(audio, original_rate, sample_rate):
  """Zero-delay polyphase resampling of `[channels, samples]` audio."""
  if original_rate == sample_rate:
    return audio
  g = math.gcd(original_rate, sample_rate)
  return scipy_signal.resample_poly(
      audio, sample_rate // g, original_rate // g, axis=-1).astype(np.float32)


# ------------------------------- reading ----------------------------------


def probe(path):
  """Facts about a media file without decoding it.

  Args:
    path: the file.

  Returns:
    A dict: `duration` (seconds or None), `has_audio`, `has_video`,
    `sample_rate`, `num_channels`, `frame_rate`, `size` ((height, width)).

  Raises:
    UnreadableVideoError: the file is missing or unreadable.
  """
  with _open(path) as container:
    info = {'duration': _file_duration(container),
            'has_audio': bool(container.streams.audio),
            'has_video': bool(container.streams.video)}
    if container.streams.audio:
      ctx = container.streams.audio[0].codec_context
      info['sample_rate'] = ctx.sample_rate
      info['num_channels'] = ctx.layout.nb_channels if ctx.layout else None
    if container.streams.video:
      stream = container.streams.video[0]
      rate = stream.average_rate or stream.guessed_rate
      info['frame_rate'] = float(rate) if rate else None
      info['size'] = (stream.codec_context.height, stream.codec_context.width)
  return info


def read_video(path: Union[str, os.PathLike],
               sample_rate: int = 16000,
               frame_rate: float = 16.0,
               frame_size: Optional[Tuple[int, int]] = (128, 128),
               start: Optional[float] = None,
               end: Optional[float] = None,
               max_pad_seconds: float = 0.5,
               require_audio: bool = True,
               require_video: bool = True,
               with_frames: bool = True) -> VideoClip:
  """Decodes the clip `[start, end)` of a video file.

  Args:
    path: an MP4 (or any file FFmpeg reads).
    sample_rate: output audio rate in Hz (positive int).
    frame_rate: output frame rate in frames per second.
    frame_size: `(height, width)` of the output frames, or None for the
      original size.
    start: clip start in seconds (default 0).
    end: clip end in seconds (default: the end of the file).
    max_pad_seconds: how far a stream may fall short of `end` and be padded
      before the clip counts as out of range.
    require_audio: if False, a file without audio gives silent audio instead
      of NoAudioStreamError.
    require_video: if False, a file without video gives black frames of
      `frame_size` instead of NoVideoStreamError.
    with_frames: if False, the video stream is not decoded and `frames` is
      empty `[0, H, W, 3]` (audio-only reads).

  Returns:
    A `VideoClip`: audio float32 `[round(duration * sample_rate)]`, frames
    uint8 `[round(duration * frame_rate), H, W, 3]`.

  Raises:
    ValueError: bad rates, frame size or times.
    VideoNotFoundError, UnreadableVideoError: missing, non-media or corrupt
      file.
    NoAudioStreamError, NoVideoStreamError: a required stream is missing.
    ClipOutOfRangeError: the clip lies past the end of the file.
  """
  _check_rates(sample_rate, frame_rate)
  frame_size = _check_frame_size(frame_size)
  path = os.fspath(path)
  start = 0.0 if start is None else float(start)
  if not math.isfinite(start) or start < 0:
    raise ValueError(f'start must be a finite time >= 0 seconds, got {start} '
                     f'for {path!r}.')
  container = _open(path)
  try:
    audio_stream = (container.streams.audio[0]
                    if container.streams.audio else None)
    video_stream = (container.streams.video[0]
                    if container.streams.video else None)
    if audio_stream is None and require_audio:
      raise NoAudioStreamError(
          f'{path!r} has no audio stream; audioscope needs the soundtrack. '
          f'Drop this video from the list (or pass require_audio=False).')
    if video_stream is None and require_video:
      raise NoVideoStreamError(
          f'{path!r} has no video stream; audioscope needs frames. Drop this '
          f'file from the list (or pass require_video=False).')
    if not with_frames:
      video_stream = None
    file_duration = _file_duration(container)
    if end is None:
      if file_duration is None:
        raise UnreadableVideoError(
            f'{path!r} does not state its duration; pass `end` explicitly.')
      end = file_duration
    end = float(end)
    if not math.isfinite(end) or end <= start:
      raise ValueError(f'end ({end}) must be a finite time after start '
                       f'({start}) for {path!r}.')
    if file_duration is not None and (
        start >= file_duration or end > file_duration + max_pad_seconds):
      raise ClipOutOfRangeError(
          f'Clip [{start:.3f}, {end:.3f}] s lies past the end of {path!r} '
          f'({file_duration:.3f} s); check the clip list against this video '
          f'(it may be a truncated download).')
    duration = end - start
    num_samples = int(round(duration * sample_rate))
    num_frames = int(round(duration * frame_rate))
    origin = _time_origin(container)

    original_rate = 0
    channels = 0
    audio_range = (0, 0)
    if audio_stream is not None:
      ctx = audio_stream.codec_context
      original_rate = int(ctx.sample_rate or 0)
      channels = int(ctx.layout.nb_channels) if ctx.layout else 0
      if original_rate <= 0:
        raise UnreadableVideoError(
            f'{path!r}: the audio stream has no valid sample rate '
            f'({original_rate}); re-encode the audio with ffmpeg.')
      margin = int(round(_RESAMPLE_MARGIN_SECONDS * original_rate))
      clip_start = int(round(start * original_rate))
      clip_stop = clip_start + int(math.ceil(duration * original_rate))
      audio_range = (max(clip_start - margin, 0), clip_stop + margin)
    original_frame_rate = 0.0
    original_size = (0, 0)
    sampler = None
    start_f = fractions.Fraction(start)
    if video_stream is not None:
      video_stream.thread_type = 'AUTO'
      rate = video_stream.average_rate or video_stream.guessed_rate
      original_frame_rate = float(rate) if rate else 0.0
      original_size = (video_stream.codec_context.height,
                       video_stream.codec_context.width)
      step = fractions.Fraction(frame_rate)
      targets = [start_f + k / step for k in range(num_frames)]
      sampler = _FrameSampler(targets, frame_size, video_stream.time_base)
    video_end = fractions.Fraction(end + _SEEK_BACKOFF_SECONDS)

    seek_to = max(start - _SEEK_BACKOFF_SECONDS, 0.0)
    try:
      chunks, first_index, late = _decode(
          container, audio_stream, video_stream, audio_range, sampler,
          video_end, origin, seek_to)
      if late and seek_to > 0:
        # The seek overshot: decode from the beginning instead.
        if sampler is not None:
          sampler = sampler.restart()
        chunks, first_index, _ = _decode(
            container, audio_stream, video_stream, audio_range, sampler,
            video_end, origin, 0.0)
    except av.FFmpegError as e:
      raise UnreadableVideoError(
          f'{path!r} is corrupt: decoding failed ({e}); re-download or '
          f're-encode it.') from e
  finally:
    container.close()

  # Audio.
  audio_padding = 0
  mixed = channels > 1
  if audio_stream is not None:
    if chunks:
      decoded = np.concatenate(chunks, axis=1)
    else:
      decoded = np.zeros((max(channels, 1), 0), np.float32)
      first_index = audio_range[0]
    if decoded.shape[0] > 1:
      decoded = decoded.mean(axis=0, keepdims=True)
    # Place the decoded samples on the grid [audio_range[0], audio_range[1]).
    lo, hi = audio_range
    span = np.zeros((1, hi - lo), np.float32)
    offset = first_index - lo
    src_lo = max(-offset, 0)
    dst_lo = max(offset, 0)
    count = max(min(decoded.shape[1] - src_lo, span.shape[1] - dst_lo), 0)
    span[:, dst_lo:dst_lo + count] = decoded[:, src_lo:src_lo + count]
    available_end = first_index + decoded.shape[1]  # At the original rate.
    short_seconds = (clip_stop - available_end) / original_rate
    if short_seconds > max_pad_seconds:
      raise ClipOutOfRangeError(
          f'The audio of {path!r} ends {short_seconds:.3f} s before the clip '
          f'end ({end:.3f} s); the clip lies past the end of the file, check '
          f'the clip list against this video.')
    resampled = _resample(span, original_rate, sample_rate)[0]
    # Output sample 0 of `resampled` is at time lo / original_rate.
    shift = int(round((clip_start - lo) * sample_rate / original_rate))
    audio = resampled[shift:shift + num_samples]
    valid = int(math.floor(
        (available_end - clip_start) * sample_rate / original_rate))
    if valid < num_samples:
      audio = audio.copy()
      audio[max(valid, 0):] = 0.0
    if audio.shape[0] < num_samples:
      audio = np.pad(audio, (0, num_samples - audio.shape[0]))
    audio_padding = max(num_samples - max(valid, 0), 0)
  else:
    audio = np.zeros((num_samples,), np.float32)
  audio = np.ascontiguousarray(audio, dtype=np.float32)

  # Frames.
  frame_padding = 0
  if video_stream is not None:
    decoded_count = len(sampler.frames)
    missing = num_frames - decoded_count
    if missing and decoded_count == 0:
      raise ClipOutOfRangeError(
          f'No video frames of {path!r} fall in [{start:.3f}, {end:.3f}] s; '
          f'the clip lies past the end of the video stream.')
    if missing:
      # Time of the first frame that could not be matched.
      short_seconds = missing / frame_rate
      if short_seconds > max_pad_seconds + 1.0 / frame_rate:
        raise ClipOutOfRangeError(
            f'The video stream of {path!r} ends {short_seconds:.3f} s before '
            f'the clip end ({end:.3f} s); check the clip list against this '
            f'video.')
      frame_padding = sampler.finish()
    if num_frames:
      frames = np.stack(sampler.frames[:num_frames]).astype(np.uint8)
    else:
      height, width = frame_size or original_size
      frames = np.zeros((0, height, width, 3), np.uint8)
  else:
    height, width = frame_size or (128, 128)
    frames = np.zeros((num_frames if with_frames else 0, height, width, 3),
                      np.uint8)

  return VideoClip(
      audio=audio, frames=frames, sample_rate=int(sample_rate),
      frame_rate=float(frame_rate), start=start, duration=duration,
      original_sample_rate=original_rate, original_num_channels=channels,
      original_frame_rate=original_frame_rate, original_size=original_size,
      mixed_to_mono=mixed, audio_padding=audio_padding,
      frame_padding=frame_padding, path=path)


def read_audio_only(path, sample_rate=16000, start=None, end=None,
                    max_pad_seconds=0.5) -> Tuple[np.ndarray, VideoClip]:
  """Decodes only the soundtrack of a media file (MP4, M4A, WAV, ...).

  Args:
    path: the file.
    sample_rate: output rate in Hz.
    start: clip start in seconds (default 0).
    end: clip end in seconds (default: end of file).
    max_pad_seconds: as in `read_video`.

  Returns:
    (audio float32 `[samples]`, the `VideoClip` with empty frames).

  Raises:
    As `read_video`.
  """
  clip = read_video(path, sample_rate=sample_rate, frame_rate=1.0,
                    frame_size=(1, 1), start=start, end=end,
                    max_pad_seconds=max_pad_seconds, require_video=False,
                    with_frames=False)
  return clip.audio, clip


# ------------------------------- writing ----------------------------------


def _as_channels_first(audio):
  audio = np.asarray(audio)
  if audio.ndim == 1:
    audio = audio[np.newaxis]
  if audio.ndim != 2:
    raise ValueError(
        f'audio must be [samples] or [channels, samples], got shape '
        f'{audio.shape}.')
  if audio.shape[0] > 8 and audio.shape[1] <= 8:
    raise ValueError(
        f'audio of shape {audio.shape} looks like [samples, channels]; pass '
        f'[channels, samples] (transpose it).')
  if not np.issubdtype(audio.dtype, np.floating):
    raise ValueError(f'audio must be float in [-1, 1], got {audio.dtype}.')
  if not np.all(np.isfinite(audio)):
    raise ValueError('audio contains NaN or Inf; fix the signal first.')
  return audio.astype(np.float32)


def write_video(path: Union[str, os.PathLike],
                frames: Optional[np.ndarray],
                frame_rate: float,
                audio: Optional[np.ndarray] = None,
                sample_rate: int = 16000,
                video_codec: str = 'h264',
                audio_codec: str = 'aac',
                crf: int = 18,
                audio_bitrate: int = 192000) -> str:
  """Writes an MP4 with an optional video and an optional audio stream.

  Args:
    path: output file (the container follows the extension, e.g. .mp4).
    frames: uint8 `[T, H, W, 3]` RGB (H and W even), or None for audio only.
    frame_rate: frames per second of `frames` (fractional rates such as
      29.97 are stored as a fraction).
    audio: float32 `[samples]` or `[channels, samples]` in [-1, 1] (1 or 2
      channels), or None for video only.
    sample_rate: rate of `audio` in Hz.
    video_codec: 'h264' (libx264) or 'mpeg4'; if the encoder asked for is
      not in this FFmpeg build, 'mpeg4' is used.
    audio_codec: 'aac' or any FFmpeg audio encoder the container accepts.
    crf: H.264 quality (lower is better). 0 is lossless: the decoded frames
      are exactly the frames' yuv420p conversion, the same bytes in every
      process. Above 0 x264's decisions can change the last bits of the
      decoded frames from one process to the next (measured: up to 33 of
      255 levels on a 6 s synthetic clip at 18), so a video whose decoded
      frames must reproduce (the demo's) is written with 0.
    audio_bitrate: audio bit rate in bits per second.

  Returns:
    The path written.

  Raises:
    ValueError: bad shapes, dtypes, rates or empty input.
  """
  path = os.fspath(path)
  if frames is None and audio is None:
    raise ValueError('write_video needs frames, audio or both.')
  if frames is not None:
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
      raise ValueError(
          f'frames must be uint8 [T, H, W, 3], got shape {frames.shape}.')
    if frames.dtype != np.uint8:
      raise ValueError(
          f'frames must be uint8 [T, H, W, 3], got {frames.dtype}; convert '
          f'float frames in [0, 1] with (frames * 255).round().astype(uint8).')
    if frames.shape[0] == 0:
      raise ValueError('frames is empty (T = 0).')
    if frames.shape[1] % 2 or frames.shape[2] % 2:
      raise ValueError(
          f'frame height and width must be even for yuv420p video, got '
          f'{frames.shape[1:3]}; crop or pad the frames by one pixel.')
    _check_rates(None, frame_rate)
  if audio is not None:
    audio = _as_channels_first(audio)
    _check_rates(sample_rate, None)
    if audio.shape[0] not in (1, 2):
      raise ValueError(f'audio must have 1 or 2 channels, got '
                       f'{audio.shape[0]}.')
    if audio.shape[1] == 0:
      raise ValueError('audio is empty.')

  directory = os.path.dirname(path)
  if directory:
    os.makedirs(directory, exist_ok=True)
  with av.open(path, mode='w') as container:
    video_stream = None
    audio_stream = None
    if frames is not None:
      rate = fractions.Fraction(float(frame_rate)).limit_denominator(1001)
      codec = video_codec
      if codec == 'h264':
        codec = 'libx264'
      try:
        av.codec.Codec(codec, 'w')
      except (av.FFmpegError, ValueError):
        codec = 'mpeg4'
      video_stream = container.add_stream(codec, rate=rate)
      video_stream.width = frames.shape[2]
      video_stream.height = frames.shape[1]
      video_stream.pix_fmt = 'yuv420p'
      if codec == 'libx264':
        video_stream.options = {'crf': str(crf), 'preset': 'veryfast'}
      else:
        video_stream.bit_rate = 4_000_000
    if audio is not None:
      layout = 'mono' if audio.shape[0] == 1 else 'stereo'
      audio_stream = container.add_stream(audio_codec, rate=int(sample_rate),
                                          layout=layout)
      audio_stream.bit_rate = audio_bitrate
    if video_stream is not None:
      for i, image in enumerate(frames):
        # Converted here, not inside encode(): there the same frames gave
        # other H.264 bytes after the process had freed other frames
        # (uninitialised memory read on the way to x264).
        frame = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image), format='rgb24').reformat(
                format='yuv420p')
        frame.pts = i
        for packet in video_stream.encode(frame):
          container.mux(packet)
      for packet in video_stream.encode():
        container.mux(packet)
    if audio_stream is not None:
      frame = av.AudioFrame.from_ndarray(
          np.ascontiguousarray(np.clip(audio, -1.0, 1.0)), format='fltp',
          layout=layout)
      frame.sample_rate = int(sample_rate)
      frame.pts = 0
      for packet in audio_stream.encode(frame):
        container.mux(packet)
      for packet in audio_stream.encode():
        container.mux(packet)
  return path


def write_wav(path: Union[str, os.PathLike], audio: np.ndarray,
              sample_rate: int, pcm16: bool = True) -> str:
  """Writes float audio `[samples]` or `[channels, samples]` to a WAV file.

  Args:
    path: output path.
    audio: float audio in [-1, 1]; values outside are clipped when `pcm16`.
    sample_rate: Hz.
    pcm16: 16-bit PCM (default, readable everywhere) or 32-bit float.

  Returns:
    The path written.
  """
  _check_rates(sample_rate, None)
  audio = _as_channels_first(audio)
  directory = os.path.dirname(os.fspath(path))
  if directory:
    os.makedirs(directory, exist_ok=True)
  data = audio.T
  if pcm16:
    data = np.round(np.clip(data, -1.0, 32767.0 / 32768.0) * 32768.0)
    data = data.astype(np.int16)
  if data.shape[1] == 1:
    data = data[:, 0]
  wavfile.write(os.fspath(path), int(sample_rate), data)
  return os.fspath(path)


def read_wav(path: Union[str, os.PathLike]) -> Tuple[np.ndarray, int]:
  """Reads a WAV file as float32 `[channels, samples]` in [-1, 1].

  Args:
    path: the WAV file.

  Returns:
    (audio float32 `[channels, samples]`, sample rate).

  Raises:
    VideoNotFoundError: missing file. UnreadableVideoError: not a WAV file.
  """
  path = os.fspath(path)
  if not os.path.exists(path):
    raise VideoNotFoundError(f'WAV file {path!r} does not exist.')
  try:
    rate, data = wavfile.read(path)
  except ValueError as e:
    raise UnreadableVideoError(
        f'{path!r} is not a readable WAV file ({e}); for other formats use '
        f'read_audio_only.') from e
  if data.ndim == 1:
    data = data[:, np.newaxis]
  if data.dtype == np.int16:
    data = data.astype(np.float32) / 32768.0
  elif data.dtype == np.int32:
    data = data.astype(np.float32) / 2147483648.0
  elif data.dtype == np.uint8:
    data = (data.astype(np.float32) - 128.0) / 128.0
  else:
    data = data.astype(np.float32)
  return np.ascontiguousarray(data.T), int(rate)


def frames_for_times(times: Sequence[float], source_times: Sequence[float]):
  """Index of the source frame nearest to each time (ties: earlier).

  A reference for the frame selection of `read_video`, useful in tests.

  Args:
    times: target times, seconds.
    source_times: increasing presentation times of the source frames.

  Returns:
    int array `[len(times)]`.
  """
  source = np.asarray(source_times, np.float64)
  out = []
  for t in times:
    j = int(np.searchsorted(source, t, side='left'))
    if j == 0:
      out.append(0)
    elif j == len(source):
      out.append(len(source) - 1)
    else:
      out.append(j - 1 if t - source[j - 1] <= source[j] - t else j)
  return np.asarray(out, np.int64)
