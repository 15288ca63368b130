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
"""Separating a user's own video: files in, WAV / MP4 / JSON out.

`separate_file` reads an MP4 (or a WAV plus a folder of frame images),
converts it to the model's rates and frame size, separates it in windows of
the model's training length (`stitching.separate_long`: overlapping windows,
sources matched across windows, weights summing to one so that on-screen +
off-screen = the mixture) and writes to `output_dir`:

* `on_screen.wav`, `off_screen.wav`, `source_<i>.wav` (model sample rate,
  32-bit float by default so nothing is clipped);
* `on_screen.mp4`: the video (original size when it fits in memory, at the
  model frame rate) with the on-screen estimate as its soundtrack;
* `separation.json`: per-source on-screen probabilities, overall and per
  window, and how the input was converted (durations, rates, stereo to
  mono, theta).

Audio-only separators (exported `ImprovedTDCN`s) write the sources and the
JSON only.
"""

import dataclasses
import glob
import json
import math
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from absl import logging
import numpy as np
from scipy import signal as scipy_signal
from scipy import special
import tensorflow as tf

from audioscope import version
from audioscope.data import video_io
from audioscope.evaluation import calibration
from audioscope.inference import export_lib
from audioscope.inference import stitching

MIN_SAMPLE_RATE = 8000
MIN_FRAME_RATE = 1.0
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.gif')
# Decode the video at its own size for the output MP4 only below this size.
MAX_ORIGINAL_FRAMES_BYTES = 1 << 30
JSON_FILE = 'separation.json'
BATCH_JSON_FILE = 'separate_batch.json'
# What a folder --input is searched for.
VIDEO_EXTENSIONS = video_io.VIDEO_EXTENSIONS
VIDEO_FILE = 'on_screen.mp4'
# Windows per model call: on the demo's model on 2 CPU cores a window costs
# 15 ms alone and 8 ms in a batch of 8.
BATCH_WINDOWS = 8

# Errors callers may catch; all are ValueErrors naming the problem and fix.
VideoReadError = video_io.VideoReadError
NoAudioStreamError = video_io.NoAudioStreamError
NoVideoStreamError = video_io.NoVideoStreamError
UnreadableVideoError = video_io.UnreadableVideoError
VideoNotFoundError = video_io.VideoNotFoundError
IncompatibleSavedModelError = export_lib.IncompatibleSavedModelError


class UnsupportedRateError(ValueError):
  """The input's sample rate or frame rate cannot be converted."""


class OperatingPointError(ValueError):
  """An operating point (theta or OSR target) the model cannot take."""


class NonFiniteAudioError(ValueError):
  """The input's audio holds NaN or Inf samples (a float WAV can)."""


class FrameImageError(ValueError):
  """A frame image cannot be decoded, or differs in size from the first."""


# What a missing, unreadable or unsuitable input or model raises (the
# command-line tool reports these in one line, without a traceback).
INPUT_ERRORS = (VideoReadError, UnsupportedRateError,
                IncompatibleSavedModelError, FileNotFoundError,
                OperatingPointError, NonFiniteAudioError, FrameImageError)


@dataclasses.dataclass
class Inputs:
  """An input converted to the model's format.

  Attributes:
    audio: float32 `[samples]` mono at the model sample rate.
    frames: uint8 `[T, H, W, 3]` at the model frame rate and frame size.
    output_frames: uint8 `[T, H', W', 3]` for the output MP4 (the original
      size when affordable, else `frames`).
    info: facts for the JSON (rates, channels, durations, notes).
  """
  audio: np.ndarray
  frames: np.ndarray
  output_frames: np.ndarray
  info: Dict[str, Any]


# ------------------------------- Reading ------------------------------------


def _check_sample_rate(rate, what):
  if rate is None or rate < MIN_SAMPLE_RATE:
    raise UnsupportedRateError(
        f'{what} has an audio sample rate of {rate} Hz; audioscope needs at '
        f'least {MIN_SAMPLE_RATE} Hz. Re-encode the audio at 16 kHz or more '
        '(e.g. ffmpeg -i in.mp4 -ar 16000 out.mp4).')


def _check_frame_rate(rate, what):
  if rate is None or not math.isfinite(rate) or rate < MIN_FRAME_RATE:
    raise UnsupportedRateError(
        f'{what} has a frame rate of {rate} FPS, which cannot be resampled '
        f'to the model frame rate; it needs at least {MIN_FRAME_RATE} FPS. '
        'Re-encode the video with a constant frame rate (ffmpeg -r 25), or '
        'give the rate of a frame folder with --frame_rate.')


def resize_frames(frames: np.ndarray, frame_size: Tuple[int, int],
                  chunk: int = 256) -> np.ndarray:
  """uint8 `[T, H, W, 3]` -> uint8 `[T, height, width, 3]` (area filter)."""
  if tuple(frames.shape[1:3]) == tuple(frame_size):
    return frames
  out = []
  for start in range(0, frames.shape[0], chunk):
    resized = tf.image.resize(frames[start:start + chunk], frame_size,
                              method='area')
    out.append(tf.cast(tf.round(resized), tf.uint8).numpy())
  return np.concatenate(out) if out else np.zeros(
      (0,) + tuple(frame_size) + (3,), np.uint8)


def _aspect_note(original_size: Sequence[int],
                 frame_size: Tuple[int, int]) -> Optional[str]:
  """A note when (height, width) frames change aspect ratio to the model's."""
  height, width = original_size
  model_aspect = frame_size[1] / frame_size[0]
  if not height or abs(width / height - model_aspect) <= 0.01 * model_aspect:
    return None
  return (f'The {width}x{height} frames were resized to the model\'s '
          f'{frame_size[1]}x{frame_size[0]} without keeping the aspect '
          'ratio, as the training frames were.')


def _even(frames: np.ndarray) -> np.ndarray:
  """Crops a pixel so height and width are even (yuv420p video)."""
  height, width = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
  return frames[:, :height, :width]


def read_video_input(path: str, sample_rate: int, frame_rate: float,
                     frame_size: Tuple[int, int],
                     start: Optional[float] = None,
                     end: Optional[float] = None,
                     keep_original_frames: bool = True) -> Inputs:
  """Reads an MP4 (any FFmpeg-readable video) for the model.

  Args:
    path: the video.
    sample_rate, frame_rate, frame_size: the model's.
    start, end: the part to read, in seconds (None: from the start, to the
      end).
    keep_original_frames: also keep the frames at their own size for an
      output video, when they fit in memory; False decodes at the model's
      size only (`output_frames` is then `frames`).

  Raises:
    VideoNotFoundError, UnreadableVideoError, NoAudioStreamError,
    NoVideoStreamError: from `video_io`.
    UnsupportedRateError: audio below 8 kHz or video below 1 FPS.
  """
  info = video_io.probe(path)
  if not info['has_audio']:
    raise NoAudioStreamError(
        f'{path!r} has no audio stream: there is nothing to separate. Use a '
        'video with a soundtrack (or a WAV file with its frames: --input=WAV '
        '--frames_dir=FOLDER).')
  if not info['has_video']:
    raise NoVideoStreamError(
        f'{path!r} has no video stream; audioscope needs the frames to tell '
        'on-screen sounds. Pass a video, or --frames_dir with the frames.')
  _check_sample_rate(info.get('sample_rate'), repr(path))
  _check_frame_rate(info.get('frame_rate'), repr(path))
  height, width = info.get('size') or frame_size
  duration = info.get('duration') or 0.0
  keep_size = keep_original_frames and (
      duration * frame_rate * height * width * 3 <= MAX_ORIGINAL_FRAMES_BYTES)
  clip = video_io.read_video(
      path, sample_rate=sample_rate, frame_rate=frame_rate,
      frame_size=None if keep_size else frame_size, start=start, end=end)
  frames = resize_frames(clip.frames, frame_size)
  notes = []
  if clip.mixed_to_mono:
    notes.append(f'The {clip.original_num_channels}-channel audio was mixed '
                 'to mono (mean of the channels).')
  if clip.original_sample_rate != sample_rate:
    notes.append(f'The audio was resampled from {clip.original_sample_rate} '
                 f'Hz to {sample_rate} Hz.')
  if abs(clip.original_frame_rate - frame_rate) > 1e-6:
    notes.append(f'The video was resampled from {clip.original_frame_rate:g} '
                 f'FPS to {frame_rate:g} FPS (nearest frame).')
  aspect_note = _aspect_note(clip.original_size, frame_size)
  if aspect_note:
    notes.append(aspect_note)
  if keep_original_frames and not keep_size:
    notes.append('The output video has the model frame size: the original '
                 'size would not fit in memory.')
  return Inputs(
      audio=clip.audio, frames=frames, output_frames=_even(clip.frames),
      info={
          'input': path,
          'duration_seconds': clip.duration,
          'original_sample_rate': clip.original_sample_rate,
          'original_num_channels': clip.original_num_channels,
          'mixed_to_mono': clip.mixed_to_mono,
          'original_frame_rate': clip.original_frame_rate,
          'original_frame_size': list(clip.original_size),
          'notes': notes,
      })


def _image_files(frames_dir: str) -> List[str]:
  if not os.path.isdir(frames_dir):
    raise FileNotFoundError(f'The frames folder {frames_dir!r} does not '
                            'exist.')
  files = sorted(
      path for path in glob.glob(os.path.join(frames_dir, '*'))
      if path.lower().endswith(IMAGE_EXTENSIONS))
  if not files:
    raise NoVideoStreamError(
        f'The frames folder {frames_dir!r} has no images '
        f'({", ".join(IMAGE_EXTENSIONS)}); put one image per frame there, '
        'named so that they sort in time order (frame_00001.png, ...).')
  return files


def read_wav_and_frames_input(audio_path: str, frames_dir: str,
                              input_frame_rate: float, sample_rate: int,
                              frame_rate: float,
                              frame_size: Tuple[int, int]) -> Inputs:
  """Reads a WAV file and a folder of frame images for the model.

  Args:
    audio_path: the WAV file (any rate >= 8 kHz, any channel count).
    frames_dir: images (PNG, JPEG, BMP, GIF) in time order by file name.
    input_frame_rate: frames per second of the images.
    sample_rate: the model's rate in Hz.
    frame_rate: the model's FPS.
    frame_size: the model's (height, width).

  Returns:
    `Inputs`; the video is as long as the audio (the last image repeats,
    extra images are dropped).

  Raises:
    VideoNotFoundError, UnreadableVideoError: missing / non-WAV audio.
    NoVideoStreamError: no images. UnsupportedRateError: bad rates.
    FrameImageError: images of different sizes or undecodable.
  """
  audio, original_rate = video_io.read_wav(audio_path)
  _check_sample_rate(original_rate, repr(audio_path))
  _check_frame_rate(input_frame_rate, f'The frames folder {frames_dir!r}')
  files = _image_files(frames_dir)
  notes = []
  channels = audio.shape[0]
  if channels > 1:
    notes.append(f'The {channels}-channel audio was mixed to mono (mean of '
                 'the channels).')
  audio = audio.mean(axis=0)
  if original_rate != sample_rate:
    g = math.gcd(int(original_rate), int(sample_rate))
    audio = scipy_signal.resample_poly(audio, sample_rate // g,
                                       original_rate // g)
    notes.append(f'The audio was resampled from {original_rate} Hz to '
                 f'{sample_rate} Hz.')
  audio = audio.astype(np.float32)
  duration = audio.shape[0] / sample_rate
  num_frames = max(int(round(duration * frame_rate)), 1)
  # Frame k shows the image nearest to time k / frame_rate.
  index = np.minimum(
      np.round(np.arange(num_frames) * input_frame_rate / frame_rate),
      len(files) - 1).astype(int)
  frames = []
  previous_index, image, first_shape = None, None, None
  for i in index:
    if i != previous_index:
      try:
        image = tf.io.decode_image(tf.io.read_file(files[i]), channels=3,
                                   expand_animations=False).numpy()
      except tf.errors.InvalidArgumentError as e:
        raise FrameImageError(
            f'Cannot decode the image {files[i]!r}: {e.message}') from e
      first_shape = first_shape or image.shape
      if image.shape != first_shape:
        raise FrameImageError(
            f'The image {files[i]!r} has shape {image.shape}, unlike the '
            'first one; all frames must have the same size.')
      previous_index = i
    frames.append(image)
  output_frames = np.stack(frames)
  if abs(input_frame_rate - frame_rate) > 1e-6:
    notes.append(f'The frames were resampled from {input_frame_rate:g} FPS '
                 f'to {frame_rate:g} FPS (nearest frame).')
  aspect_note = _aspect_note(output_frames.shape[1:3], frame_size)
  if aspect_note:
    notes.append(aspect_note)
  return Inputs(
      audio=audio, frames=resize_frames(output_frames, frame_size),
      output_frames=_even(output_frames),
      info={
          'input': audio_path,
          'frames_dir': frames_dir,
          'duration_seconds': duration,
          'original_sample_rate': int(original_rate),
          'original_num_channels': int(channels),
          'mixed_to_mono': channels > 1,
          'original_frame_rate': float(input_frame_rate),
          'original_frame_size': list(output_frames.shape[1:3]),
          'notes': notes,
      })


# ------------------------------ Separating ----------------------------------


class TextProgressBar:
  """A `[#####.....] k/n windows` bar on stderr (no dependencies)."""

  def __init__(self, stream=None, width: int = 30):
    self.stream = stream or sys.stderr
    self.width = width
    self.start = time.monotonic()

  def __call__(self, done: int, total: int) -> None:
    filled = int(round(self.width * done / max(total, 1)))
    elapsed = time.monotonic() - self.start
    self.stream.write(f'\r[{"#" * filled}{"." * (self.width - filled)}] '
                      f'{done}/{total} windows, {elapsed:.1f} s')
    if done == total:
      self.stream.write('\n')
    self.stream.flush()


def whole_frame_samples(seconds: float, sample_rate: int,
                        frame_rate: float) -> int:
  """Samples in `seconds` rounded to whole frames (at least one frame).

  Windows and hops of whole frames keep the audio and the video aligned.
  """
  frames = max(int(round(seconds * frame_rate)), 1)
  return int(round(frames * sample_rate / frame_rate))


def window_frames(frames: np.ndarray, start: int, length: int,
                  sample_rate: int, frame_rate: float) -> np.ndarray:
  """The frames of the audio window `[start, start + length)`, padded."""
  first = int(round(start * frame_rate / sample_rate))
  count = max(int(round(length * frame_rate / sample_rate)), 1)
  index = np.minimum(np.arange(first, first + count), frames.shape[0] - 1)
  return frames[index]


def check_finite_audio(audio: np.ndarray, name: str, sample_rate: int
                       ) -> None:
  """Raises `NonFiniteAudioError` naming the input if audio has NaN or Inf."""
  finite = np.isfinite(audio)
  if not np.all(finite):
    first = int(np.argmin(finite))
    raise NonFiniteAudioError(
        f'The audio of {name!r} has {int(np.sum(~finite))} NaN or Inf '
        f'samples (the first at {first / sample_rate:.3f} s after '
        'resampling); re-encode it or replace them (e.g. numpy.nan_to_num) '
        'first.')


def default_windows(model: export_lib.InferenceModel,
                    window_seconds: Optional[float] = None,
                    overlap_seconds: Optional[float] = None
                    ) -> Tuple[float, float]:
  """(window, overlap) in seconds: the given ones, else the model's.

  The window defaults to the training clip length of the model
  (`model.clip_seconds`), the overlap to a fifth of the window.
  """
  if window_seconds is None:
    window_seconds = model.clip_seconds
  if overlap_seconds is None:
    overlap_seconds = window_seconds / 5
  return float(window_seconds), float(overlap_seconds)


def separate_arrays(model: export_lib.InferenceModel,
                    audio: np.ndarray,
                    frames: Optional[np.ndarray] = None,
                    window_seconds: Optional[float] = None,
                    overlap_seconds: Optional[float] = None,
                    progress: Optional[Callable[[int, int], None]] = None,
                    calibration_offset: Optional[float] = None,
                    batch_windows: int = BATCH_WINDOWS
                    ) -> Dict[str, Any]:
  """Separates a whole recording window by window.

  Args:
    model: an `export_lib.InferenceModel` (loaded SavedModel or in memory).
    audio: float32 `[samples]` mono at `model.sample_rate`.
    frames: uint8 or float `[T, H, W, 3]` at the model rate and size
      (audio-visual models).
    window_seconds: window length; default `model.clip_seconds`, the
      training clip length the export recorded.
    overlap_seconds: overlap of consecutive windows, `< window_seconds`;
      default a fifth of the window (1 s of the papers' 5 s).
    progress: called as `progress(done, total)` after each window.
    calibration_offset: the logit offset theta of the on-screen estimate
      (ECCV eq. 12), in place of the one the model stores: probabilities
      sigmoid(logits + theta), on-screen sum_m p_m s_m, off-screen the rest.
    batch_windows: windows per model call (`stitching.batched_separate_fn`;
      the results do not depend on it beyond float rounding).

  Returns:
    The dict of `stitching.separate_long`: `sources [M, samples]` and, for
    audio-visual models, `on_screen`, `off_screen` `[samples]`,
    `probabilities` and `logits` `[K, M]` per window.

  Raises:
    ValueError: bad window sizes or missing frames.
  """
  window_seconds, overlap_seconds = default_windows(model, window_seconds,
                                                    overlap_seconds)
  if not 0 < window_seconds or not 0 <= overlap_seconds < window_seconds:
    raise ValueError(
        f'Need window_seconds > 0 and 0 <= overlap_seconds < window_seconds, '
        f'got {window_seconds} and {overlap_seconds}.')
  rate = model.sample_rate
  window_samples = whole_frame_samples(window_seconds, rate, model.frame_rate)
  hop_samples = whole_frame_samples(window_seconds - overlap_seconds, rate,
                                    model.frame_rate)
  if model.audio_visual:
    if frames is None or np.asarray(frames).ndim != 4:
      raise ValueError('An audio-visual model needs frames [T, H, W, 3].')
    frames = np.asarray(frames)
    if frames.dtype == np.uint8:
      to_float = lambda f: f.astype(np.float32) / 255.0
    else:
      to_float = lambda f: f.astype(np.float32)

    def separate_batch_fn(starts, window_audio):
      window = np.stack([
          to_float(window_frames(frames, start, window_audio.shape[1], rate,
                                 model.frame_rate)) for start in starts])
      outputs = model(window_audio, window)
      if calibration_offset is not None:
        outputs.update(_remix(outputs['sources'], outputs['logits'],
                              calibration_offset))
      return outputs

    return stitching.separate_long(
        stitching.batched_separate_fn(separate_batch_fn, audio,
                                      window_samples, hop_samples,
                                      batch_windows),
        audio, window_samples, hop_samples,
        per_source_keys=('probabilities', 'logits'),
        signal_keys=('on_screen', 'off_screen'), progress=progress)

  def separate_audio_batch_fn(starts, window_audio):
    del starts
    return {'sources': model.separate(window_audio)}

  return stitching.separate_long(
      stitching.batched_separate_fn(separate_audio_batch_fn, audio,
                                    window_samples, hop_samples,
                                    batch_windows),
      audio, window_samples, hop_samples, progress=progress)


def _remix(sources: np.ndarray, logits: np.ndarray,
           calibration_offset: float) -> Dict[str, np.ndarray]:
  """Probabilities and mixes of sources `[B, M, samples]` at another theta."""
  on_screen = calibration.on_screen_estimate(logits, sources,
                                             calibration_offset)
  off_screen = np.sum(sources.astype(np.float64), axis=1) - on_screen
  probabilities = special.expit(logits.astype(np.float64) +
                                calibration_offset)
  return {'probabilities': probabilities.astype(np.float32),
          'on_screen': on_screen.astype(np.float32),
          'off_screen': off_screen.astype(np.float32)}


def operating_point(model: export_lib.InferenceModel,
                    calibration_offset: Optional[float] = None,
                    target_osr_db: Optional[float] = None
                    ) -> Dict[str, Any]:
  """The logit offset theta to separate with, and where it comes from.

  Args:
    model: an audio-visual `export_lib.InferenceModel`.
    calibration_offset: theta itself.
    target_osr_db: a median OSR, turned into theta with the curve the
      export stores (`InferenceModel.offset_for_osr`).

  Returns:
    {'calibration_offset': theta, 'stored_calibration_offset',
    'source': 'stored' | 'calibration_offset' | 'target_osr_db'} and, for
    a target, 'target_osr_db' and 'expected_median_snr_db' (on the set the
    curve was measured on).

  Raises:
    OperatingPointError: both given, either for an audio-only model, a
      non-finite theta, or a target the export cannot turn into an offset.
  """
  stored = model.calibration_offset
  if calibration_offset is None and target_osr_db is None:
    return {'calibration_offset': stored, 'stored_calibration_offset': stored,
            'source': 'stored'}
  if calibration_offset is not None and target_osr_db is not None:
    raise OperatingPointError(
        'Pass --calibration_offset or --target_osr_db, not both.')
  if not model.audio_visual:
    raise OperatingPointError(
        f'{model.source or "The model"} is an audio-only separator; an '
        'operating point (--calibration_offset, --target_osr_db) applies to '
        'audio-visual models.')
  if calibration_offset is not None:
    theta = float(calibration_offset)
    if not math.isfinite(theta):
      raise OperatingPointError(
          f'calibration_offset must be finite, got {theta}.')
    return {'calibration_offset': theta, 'stored_calibration_offset': stored,
            'source': 'calibration_offset'}
  try:
    theta, snr = model.offset_for_osr(target_osr_db)
  except ValueError as e:
    raise OperatingPointError(str(e)) from None
  return {'calibration_offset': theta, 'stored_calibration_offset': stored,
          'source': 'target_osr_db', 'target_osr_db': float(target_osr_db),
          'expected_median_snr_db': snr}


def load_model(saved_model: Optional[str] = None,
               model_dir: Optional[str] = None,
               checkpoint: str = 'latest',
               gin_files: Sequence[str] = (),
               gin_params: Sequence[str] = ()) -> export_lib.InferenceModel:
  """A SavedModel, or a model dir's checkpoint rebuilt from its gin config."""
  if bool(saved_model) == bool(model_dir):
    raise ValueError('Pass exactly one of saved_model (an export folder) and '
                     'model_dir (a training folder, with checkpoint).')
  if saved_model:
    return export_lib.load_saved_model(saved_model)
  model, prefix, constants = export_lib.restore_model(
      model_dir, checkpoint, gin_files, gin_params)
  inference_model = export_lib.from_model(model, **constants)
  inference_model.source = prefix
  return inference_model


def _overall_probabilities(result) -> List[float]:
  """Per-source probability, windows weighted by their share of time."""
  weights = result['weights'] / result['weights'].sum()
  return [float(p) for p in np.tensordot(weights, result['probabilities'], 1)]


def separate_file(model: export_lib.InferenceModel,
                  output_dir: str,
                  video_path: Optional[str] = None,
                  audio_path: Optional[str] = None,
                  frames_dir: Optional[str] = None,
                  input_frame_rate: Optional[float] = None,
                  window_seconds: Optional[float] = None,
                  overlap_seconds: Optional[float] = None,
                  pcm16: bool = False,
                  write_mp4: bool = True,
                  progress: Optional[Callable[[int, int], None]] = None,
                  operating: Optional[Dict[str, Any]] = None
                  ) -> Dict[str, Any]:
  """Separates one input and writes the outputs (see the module docstring).

  Args:
    model: an `export_lib.InferenceModel`.
    output_dir: created if needed.
    video_path: an MP4 (or other video); or else
    audio_path: a WAV file, with `frames_dir` (audio-visual models) and
      `input_frame_rate` (default: the model frame rate).
    frames_dir: folder of frame images.
    input_frame_rate: FPS of the images in `frames_dir`.
    window_seconds: window length in seconds (default: the model's
      training clip length).
    overlap_seconds: overlap of consecutive windows in seconds (default: a
      fifth of the window).
    pcm16: write 16-bit WAVs (clipped to [-1, 1]) instead of float32.
    write_mp4: write `on_screen.mp4`.
    progress: see `separate_arrays`.
    operating: the operating point of `operating_point` (default: the
      model's stored theta), recorded in the report.

  Returns:
    The JSON report as a dict (also written to `separation.json`).

  Raises:
    ValueError: no or conflicting inputs; the reading errors of
      `read_video_input` / `read_wav_and_frames_input`.
  """
  if bool(video_path) == bool(audio_path):
    raise ValueError('Pass exactly one of video_path (an MP4) and audio_path '
                     '(a WAV, with frames_dir).')
  rate, fps = model.sample_rate, model.frame_rate
  if video_path:
    inputs = read_video_input(video_path, rate, fps, model.frame_size)
  elif model.audio_visual and not frames_dir:
    raise ValueError(
        f'{model.source or "The model"} is audio-visual: pass frames_dir '
        '(a folder of frame images) with audio_path, or a video_path.')
  elif frames_dir:
    inputs = read_wav_and_frames_input(
        audio_path, frames_dir, input_frame_rate or fps, rate, fps,
        model.frame_size)
  else:
    audio, original_rate = video_io.read_wav(audio_path)
    _check_sample_rate(original_rate, repr(audio_path))
    mono = audio.mean(axis=0)
    if original_rate != rate:
      g = math.gcd(int(original_rate), int(rate))
      mono = scipy_signal.resample_poly(mono, rate // g, original_rate // g)
    empty = np.zeros((0, 2, 2, 3), np.uint8)
    inputs = Inputs(mono.astype(np.float32), empty, empty, {
        'input': audio_path, 'duration_seconds': mono.shape[0] / rate,
        'original_sample_rate': int(original_rate),
        'original_num_channels': int(audio.shape[0]),
        'mixed_to_mono': audio.shape[0] > 1, 'notes': []})
  input_name = video_path or audio_path
  check_finite_audio(inputs.audio, input_name, rate)
  if not np.any(inputs.audio):
    logging.warning('The audio of %s is silent; the outputs will be too.',
                    input_name)
    inputs.info['notes'].append(
        'The audio is silent (every sample is 0), so every output is too.')
  for note in inputs.info['notes']:
    logging.info('%s', note)
  window_seconds, overlap_seconds = default_windows(model, window_seconds,
                                                    overlap_seconds)
  if operating is None:
    operating = operating_point(model)
  offset = (None if operating['source'] == 'stored' else
            operating['calibration_offset'])
  start = time.monotonic()
  result = separate_arrays(model, inputs.audio, inputs.frames, window_seconds,
                           overlap_seconds, progress,
                           calibration_offset=offset)
  elapsed = time.monotonic() - start
  tf.io.gfile.makedirs(output_dir)
  files = {}

  def write(name, signal):
    path = os.path.join(output_dir, name)
    video_io.write_wav(path, signal, rate, pcm16=pcm16)
    files[name.rsplit('.', 1)[0]] = path

  for m, source in enumerate(result['sources']):
    write(f'source_{m}.wav', source)
  report = dict(inputs.info)
  report.update({
      'audioscope_version': version.__version__,
      'model': model.source,
      'sample_rate': rate,
      'num_samples': int(inputs.audio.shape[0]),
      'output_duration_seconds': inputs.audio.shape[0] / rate,
      'window_seconds': window_seconds,
      'overlap_seconds': overlap_seconds,
      'num_windows': len(result['windows']),
      'separation_seconds': elapsed,
  })
  if model.audio_visual:
    write('on_screen.wav', result['on_screen'])
    write('off_screen.wav', result['off_screen'])
    report.update({'frame_rate': fps, 'frame_size': list(model.frame_size)})
    report.update(operating)
    overall = _overall_probabilities(result)
    report['sources'] = [
        {'index': m, 'file': files[f'source_{m}'],
         'on_screen_probability': overall[m]}
        for m in range(result['sources'].shape[0])]
    report['windows'] = [
        {'start_seconds': w.start / rate, 'end_seconds': w.end / rate,
         'on_screen_probabilities': [float(p) for p in probabilities],
         'logits': [float(v) for v in logits]}
        for w, probabilities, logits in zip(
            result['windows'], result['probabilities'], result['logits'])]
    if write_mp4:
      path = os.path.join(output_dir, VIDEO_FILE)
      num_frames = max(int(round(inputs.audio.shape[0] / rate * fps)), 1)
      index = np.minimum(np.arange(num_frames),
                         inputs.output_frames.shape[0] - 1)
      video_io.write_video(path, inputs.output_frames[index], fps,
                           audio=np.clip(result['on_screen'], -1.0, 1.0),
                           sample_rate=rate)
      files['on_screen_video'] = path
  else:
    report['sources'] = [{'index': m, 'file': files[f'source_{m}']}
                         for m in range(result['sources'].shape[0])]
    report['windows'] = [{'start_seconds': w.start / rate,
                          'end_seconds': w.end / rate}
                         for w in result['windows']]
  report['files'] = files
  path = os.path.join(output_dir, JSON_FILE)
  with tf.io.gfile.GFile(path, 'w') as f:
    json.dump(report, f, indent=2)
  logging.info('Separated %s (%.1f s of audio, %d windows) in %.1f s into %s.',
               video_path or audio_path, report['output_duration_seconds'],
               report['num_windows'], elapsed, output_dir)
  return report


def list_inputs(input_pattern: str) -> List[str]:
  """The videos an `audioscope_separate --input` names.

  Args:
    input_pattern: a file; a folder (its videos, `VIDEO_EXTENSIONS`, not
      recursive); or a glob pattern (`videos/*.mp4`).

  Returns:
    Sorted paths; one for a file.

  Raises:
    VideoNotFoundError: nothing there, or a folder or pattern without videos.
  """
  if tf.io.gfile.isdir(input_pattern):
    paths = sorted(
        os.path.join(input_pattern, name)
        for name in tf.io.gfile.listdir(input_pattern)
        if name.lower().endswith(VIDEO_EXTENSIONS))
    if not paths:
      raise VideoNotFoundError(
          f'The folder {input_pattern!r} holds no videos '
          f'({", ".join(VIDEO_EXTENSIONS)}); check the path.')
    return paths
  if tf.io.gfile.exists(input_pattern):
    return [input_pattern]
  if any(c in input_pattern for c in '*?['):
    paths = sorted(tf.io.gfile.glob(input_pattern))
    if not paths:
      raise VideoNotFoundError(f'No file matches {input_pattern!r}; check the '
                               'pattern.')
    return paths
  raise VideoNotFoundError(f'The input {input_pattern!r} does not exist; '
                           'check the path.')


def output_names(paths: Sequence[str]) -> List[str]:
  """A distinct output folder name per input: its stem (+ a count)."""
  names, seen = [], {}
  for path in paths:
    stem = os.path.splitext(os.path.basename(path))[0] or 'input'
    seen[stem] = seen.get(stem, 0) + 1
    names.append(stem if seen[stem] == 1 else f'{stem}_{seen[stem]}')
  return names


def run_separation(input_path: str,
                   output_dir: str,
                   saved_model: Optional[str] = None,
                   model_dir: Optional[str] = None,
                   checkpoint: str = 'latest',
                   gin_files: Sequence[str] = (),
                   gin_params: Sequence[str] = (),
                   frames_dir: Optional[str] = None,
                   input_frame_rate: Optional[float] = None,
                   window_seconds: Optional[float] = None,
                   overlap_seconds: Optional[float] = None,
                   pcm16: bool = False,
                   progress: bool = True,
                   calibration_offset: Optional[float] = None,
                   target_osr_db: Optional[float] = None) -> Dict[str, Any]:
  """`audioscope_separate`: checks the paths, loads the model, separates.

  The input paths are checked before the model loads (which takes seconds),
  so that a mistyped path fails at once.

  One input (a video, or a WAV file with `frames_dir`) is written to
  `output_dir` itself. Several (`input_path` a folder of videos or a glob
  pattern) are separated with one model load, each into
  `output_dir/<video name>/`: a video whose folder already holds
  `separation.json` is skipped (so an interrupted run resumes), one that
  cannot be read is logged, counted and skipped, and `BATCH_JSON_FILE` in
  `output_dir` lists what happened to each.

  Args:
    input_path: a video, a WAV file (with `frames_dir` for audio-visual
      models), a folder of videos or a glob pattern.
    output_dir: see `separate_file`.
    saved_model, model_dir, checkpoint, gin_files, gin_params: see
      `load_model`.
    frames_dir, input_frame_rate, window_seconds, overlap_seconds, pcm16:
      see `separate_file` (frames_dir only with one WAV input).
    progress: progress on stderr (a bar per input, a log line per video).
    calibration_offset, target_osr_db: the operating point (see
      `operating_point`; default: the theta the model stores).

  Returns:
    One input: the report of `separate_file`. Several: the batch summary
    (`num_inputs`, `num_separated`, `num_skipped_done`, `num_failed`,
    `inputs`: per video its `status`, `output_dir` and `error`).

  Raises:
    One of `INPUT_ERRORS` for a missing, unreadable or unsuitable single
    input or model, or no input at all; ValueError for conflicting
    arguments.
  """
  paths = list_inputs(input_path)
  single = len(paths) == 1 and paths[0] == input_path
  if frames_dir and not single:
    raise ValueError('frames_dir goes with one WAV input, not a folder or '
                     'pattern of videos.')
  if frames_dir:
    _image_files(frames_dir)  # A missing or empty folder fails before loading.
  model = load_model(saved_model=saved_model, model_dir=model_dir,
                     checkpoint=checkpoint, gin_files=gin_files,
                     gin_params=gin_params)
  operating = operating_point(model, calibration_offset, target_osr_db)
  if operating['source'] != 'stored':
    logging.info('Separating at theta %.4f (%s; the model stores %.4f).',
                 operating['calibration_offset'], operating['source'],
                 operating['stored_calibration_offset'])
  options = dict(input_frame_rate=input_frame_rate,
                 window_seconds=window_seconds,
                 overlap_seconds=overlap_seconds, pcm16=pcm16,
                 operating=operating)
  if single:
    is_wav = input_path.lower().endswith('.wav')
    return separate_file(
        model, output_dir,
        video_path=None if is_wav else input_path,
        audio_path=input_path if is_wav else None, frames_dir=frames_dir,
        progress=TextProgressBar() if progress else None, **options)
  entries = []
  start = time.monotonic()
  for index, (path, name) in enumerate(zip(paths, output_names(paths))):
    folder = os.path.join(output_dir, name)
    entry = {'input': path, 'output_dir': folder}
    if tf.io.gfile.exists(os.path.join(folder, JSON_FILE)):
      entry['status'] = 'skipped_done'
    else:
      try:
        separate_file(model, folder, video_path=path, **options)
        entry['status'] = 'separated'
      except INPUT_ERRORS as e:
        entry.update(status='failed', error=f'{type(e).__name__}: {e}')
        logging.warning('Skipped %s: %s', path, e)
    entries.append(entry)
    if progress:
      logging.info('[%d/%d] %s: %s (%.0f s so far)', index + 1, len(paths),
                   path, entry['status'], time.monotonic() - start)
  summary = {
      'input': input_path,
      'model': model.source,
      'num_inputs': len(entries),
      'num_separated': sum(e['status'] == 'separated' for e in entries),
      'num_skipped_done': sum(e['status'] == 'skipped_done'
                              for e in entries),
      'num_failed': sum(e['status'] == 'failed' for e in entries),
      'inputs': entries,
  }
  tf.io.gfile.makedirs(output_dir)
  with tf.io.gfile.GFile(os.path.join(output_dir, BATCH_JSON_FILE), 'w') as f:
    json.dump(summary, f, indent=2)
  logging.info('%d videos: %d separated, %d already done, %d failed (see %s).',
               summary['num_inputs'], summary['num_separated'],
               summary['num_skipped_done'], summary['num_failed'],
               os.path.join(output_dir, BATCH_JSON_FILE))
  return summary
