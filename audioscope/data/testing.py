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
"""Tiny test media: MP4s with a moving square and a tone, written with PyAV.

The square's left edge is at `step * i` pixels in source frame i, so the
source frame a decoded frame came from can be read back from the square's
position (`square_position`). Used by the video I/O and data recipe tests.
"""

import dataclasses
import os
from typing import Optional, Tuple

import numpy as np

from audioscope.data import video_io


@dataclasses.dataclass
class TestVideo:
  """What was written, to check decoding against.

  Attributes:
    path: the file.
    duration: seconds.
    frame_rate: source frames per second.
    num_frames: source frames.
    size: (height, width).
    sample_rate: source audio rate.
    audio: float32 `[channels, samples]` as written (before AAC coding).
    tone_hz: tone frequency (channel c has amplitude `amplitude / (c + 1)`).
    step: pixels the square moves per source frame.
    square: square side in pixels.
  """
  path: str
  duration: float
  frame_rate: float
  num_frames: int
  size: Tuple[int, int]
  sample_rate: int
  audio: Optional[np.ndarray]
  tone_hz: float
  step: int
  square: int


def pattern_frames(num_frames, size=(48, 64), step=1, square=8):
  """Black frames with a white square whose left edge is at `step * i`.

  Args:
    num_frames: T.
    size: (height, width).
    step: horizontal pixels per frame (wraps around the width).
    square: side of the square.

  Returns:
    uint8 `[T, H, W, 3]`.
  """
  height, width = size
  frames = np.zeros((num_frames, height, width, 3), np.uint8)
  top = (height - square) // 2
  for i in range(num_frames):
    left = (step * i) % (width - square + 1)
    frames[i, top:top + square, left:left + square] = 255
  return frames


def square_position(frame):
  """Left edge (pixels, float) of the bright square in `[H, W, 3]` frame."""
  luma = frame.astype(np.float64).mean(axis=-1)
  columns = luma.mean(axis=0)
  weights = np.maximum(columns - 0.5 * columns.max(), 0.0)
  centre = float((weights * np.arange(columns.size)).sum() / weights.sum())
  half_width = float((columns > 0.5 * columns.max()).sum()) / 2.0
  return centre - half_width + 0.5


def tone(duration, sample_rate, tone_hz=440.0, num_channels=1,
         amplitude=0.5):
  """float32 `[channels, samples]` sine; channel c has amplitude / (c + 1)."""
  t = np.arange(int(round(duration * sample_rate))) / sample_rate
  wave = np.sin(2.0 * np.pi * tone_hz * t)
  return np.stack([amplitude / (c + 1) * wave
                   for c in range(num_channels)]).astype(np.float32)


def make_test_video(path, duration=2.0, frame_rate=30.0, size=(48, 64),
                    sample_rate=44100, num_channels=2, tone_hz=440.0,
                    step=1, square=8, with_audio=True,
                    with_video=True) -> TestVideo:
  """Writes an MP4 with a moving square and a tone.

  Args:
    path: output MP4 path.
    duration: seconds.
    frame_rate: source frame rate.
    size: (height, width), both even.
    sample_rate: audio rate.
    num_channels: 1 or 2.
    tone_hz: tone frequency.
    step: pixels per frame of square motion.
    square: square side.
    with_audio: write an audio stream.
    with_video: write a video stream.

  Returns:
    A `TestVideo`.
  """
  num_frames = int(round(duration * frame_rate))
  frames = pattern_frames(num_frames, size, step, square) if with_video else None
  audio = (tone(duration, sample_rate, tone_hz, num_channels)
           if with_audio else None)
  video_io.write_video(path, frames, frame_rate, audio, sample_rate)
  return TestVideo(path=os.fspath(path), duration=duration,
                   frame_rate=frame_rate, num_frames=num_frames, size=size,
                   sample_rate=sample_rate, audio=audio, tone_hz=tone_hz,
                   step=step, square=square)


def write_text_file(path, text='this is not a video\n'):
  """Writes a text file (e.g. named .mp4) and returns its path."""
  with open(path, 'w') as f:
    f.write(text)
  return os.fspath(path)


YFCC_LIKE_PATHS = {
    'a': 'data/videos/mp4/827/f6b/aaa.mp4',
    'b': 'data/videos/mp4/123/456/bbb.mp4',
    'text': 'data/videos/mp4/000/000/text.mp4',
}


def make_yfcc_like_videos(root, duration=2.0):
  """Two tiny MP4s in a YFCC100M-like layout under `root`, plus a text file.

  'a': 30 FPS 48x64, 44.1 kHz stereo 440 Hz tone, square step 1;
  'b': 25 FPS 32x48, 16 kHz mono 1 kHz tone, square step 2;
  'text': a text file named .mp4 (not a video).

  Args:
    root: the video root (the folder holding `data/`).
    duration: seconds of each video.

  Returns:
    {'a' | 'b' | 'text': path relative to root}, as a clip list names them.
  """
  for path in YFCC_LIKE_PATHS.values():
    os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
  make_test_video(os.path.join(root, YFCC_LIKE_PATHS['a']), duration=duration,
                  frame_rate=30.0, size=(48, 64), sample_rate=44100,
                  num_channels=2, tone_hz=440.0, step=1)
  make_test_video(os.path.join(root, YFCC_LIKE_PATHS['b']), duration=duration,
                  frame_rate=25.0, size=(32, 48), sample_rate=16000,
                  num_channels=1, tone_hz=1000.0, step=2)
  write_text_file(os.path.join(root, YFCC_LIKE_PATHS['text']))
  return dict(YFCC_LIKE_PATHS)


# (line, reason) of the rows that `write_yfcc_like_clip_list` writes to be
# skipped.
YFCC_LIKE_SKIPPED_ROWS = ((2, 'missing'), (4, 'out_of_range'), (5, 'corrupt'))


def write_yfcc_like_clip_list(path, videos):
  """Writes a 7-row clip list over `make_yfcc_like_videos`, with bad rows.

  Rows 1, 3, 6 and 7 are 1 s clips of 'a' and 'b'; row 2 names a missing
  file, row 4 ends past the end of 'a' and row 5 is the text file (see
  YFCC_LIKE_SKIPPED_ROWS).

  Args:
    path: the CSV to write.
    videos: the paths returned by `make_yfcc_like_videos` (2 s videos).

  Returns:
    `path`.
  """
  a, b, text = videos['a'], videos['b'], videos['text']
  with open(path, 'w') as f:
    f.write(f'{a},0.0,1.0\n'                              # 1: ok
            'data/videos/mp4/fff/fff/missing.mp4,0,1\n'  # 2: missing
            f'{b},0.5,1.5\n'                              # 3: ok
            f'{a},1.5,4.5\n'                              # 4: past the end
            f'{text},0,1\n'                               # 5: not a video
            f'{b},1.0,2.0\n'                              # 6: ok
            f'{a},1.0,2.0\n')                             # 7: ok
  return os.fspath(path)
