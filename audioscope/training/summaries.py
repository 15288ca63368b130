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
"""TensorBoard summaries and the progress line of training.

Everything here runs eagerly, outside the compiled train step, on values
already reduced across replicas (scalars) or on one local batch (audio,
frames), so the same code serves the CPU, GPU and TPU paths.

Names in TensorBoard:
  losses/<name>        each loss term and `total_loss`
  learning_rate, steps_per_sec, examples_per_sec
  metrics/<name>       validation metrics
  audio/<role>         mixture, sources/<m>, on_screen, off_screen, ...
  frames               a strip of video frames per example
  gin/operative_config the operative gin config (markdown)
"""

import datetime
import time
from typing import Mapping, Optional

from absl import logging
import gin
import numpy as np
import tensorflow as tf


def write_scalars(values: Mapping[str, float], step: int,
                  prefix: str = '') -> None:
  """Writes one scalar summary per entry, named `<prefix>/<name>`.

  Args:
    values: name -> scalar (Python number, NumPy or tf scalar).
    step: the global step.
    prefix: folder in TensorBoard; '' for none.
  """
  for name, value in values.items():
    tag = f'{prefix}/{name}' if prefix else name
    tf.summary.scalar(tag, tf.cast(value, tf.float32), step=step)


def audio_summary(name: str, audio, sample_rate: int, step: int,
                  max_outputs: int = 2) -> None:
  """Writes waveforms as playable audio.

  Args:
    name: summary name.
    audio: `[batch, time]` waveforms, or `[batch, source, time]`, which is
      written as one summary per source (`<name>/<m>`).
    sample_rate: samples per second.
    step: the global step.
    max_outputs: the most examples written.

  Raises:
    ValueError: if `audio` is not rank 2 or 3.
  """
  audio = tf.convert_to_tensor(audio, tf.float32)
  if audio.shape.rank == 3:
    for m in range(audio.shape[1]):
      audio_summary(f'{name}/{m}', audio[:, m], sample_rate, step, max_outputs)
    return
  if audio.shape.rank != 2:
    raise ValueError(
        f'audio_summary({name!r}) needs [batch, time] or [batch, source, '
        f'time] audio, got shape {audio.shape}.')
  # Peak-normalised per example so quiet sources stay audible and WAV
  # encoding does not clip.
  peak = tf.reduce_max(tf.abs(audio), axis=-1, keepdims=True)
  audio = audio / tf.maximum(peak, 1e-8) * 0.9
  tf.summary.audio(name, audio[:max_outputs, :, tf.newaxis],
                   sample_rate=sample_rate, step=step,
                   max_outputs=max_outputs, encoding='wav')


def frame_strip(frames, max_frames: int = 8) -> tf.Tensor:
  """Lays out up to `max_frames` frames of each example side by side.

  Args:
    frames: `[batch, T, H, W, 3]` float in [0, 1].
    max_frames: frames taken, evenly spaced over T.

  Returns:
    `[batch, H, n * W, 3]` images, n = min(T, max_frames).

  Raises:
    ValueError: if `frames` is not rank 5.
  """
  frames = tf.convert_to_tensor(frames, tf.float32)
  if frames.shape.rank != 5:
    raise ValueError(
        f'frame_strip needs [batch, T, H, W, 3] frames, got {frames.shape}.')
  num_frames = frames.shape[1]
  n = min(num_frames, max_frames)
  index = np.linspace(0, num_frames - 1, n).round().astype(np.int32)
  picked = tf.gather(frames, index, axis=1)  # [batch, n, H, W, 3]
  picked = tf.transpose(picked, [0, 2, 1, 3, 4])  # [batch, H, n, W, 3]
  shape = tf.shape(picked)
  return tf.reshape(picked, [shape[0], shape[1], n * shape[3], shape[4]])


def frames_summary(name: str, frames, step: int, max_outputs: int = 2,
                   max_frames: int = 8) -> None:
  """Writes a strip of frames per example (see `frame_strip`)."""
  tf.summary.image(name, tf.clip_by_value(frame_strip(frames, max_frames),
                                          0.0, 1.0),
                   step=step, max_outputs=max_outputs)


def gin_config_markdown(config_str: Optional[str] = None) -> str:
  """The operative gin config as markdown (code-indented, with headings).

  Args:
    config_str: a gin config string; the operative config by default.

  Returns:
    Markdown text for `tf.summary.text`.
  """
  if config_str is None:
    config_str = gin.operative_config_str()
  lines = []
  for line in config_str.splitlines():
    if line.startswith('#') and line.strip('# '):
      lines.append('#### ' + line.lstrip('# '))
    else:
      lines.append('    ' + line)
  return '\n'.join(lines)


def gin_config_summary(step: int, config_str: Optional[str] = None) -> None:
  """Writes the operative gin config as a TensorBoard text summary."""
  tf.summary.text('gin/operative_config', gin_config_markdown(config_str),
                  step=step)


def format_duration(seconds: float) -> str:
  """h:mm:ss, e.g. `1:02:03`."""
  return str(datetime.timedelta(seconds=int(max(seconds, 0))))


class ProgressLogger:
  """Logs a progress line per interval and writes the rate scalars.

  The line reads
  `train | step 200/1000 | total_loss -12.3456 | mixit -12.3456 |
   4.21 steps/s | ETA 0:03:10`.
  """

  def __init__(self, num_steps: int, global_batch_size: int, start_step: int,
               clock=None):
    """Initialises the logger.

    Args:
      num_steps: the final step of training.
      global_batch_size: examples per step, for `examples_per_sec`.
      start_step: the step training (re)starts from.
      clock: a function returning seconds (tests); `time.monotonic` by
        default.
    """
    self._clock = clock or time.monotonic
    self._num_steps = num_steps
    self._global_batch_size = global_batch_size
    self._last_step = start_step
    self._last_time = self._clock()

  def log(self, step: int, losses: Mapping[str, float],
          learning_rate: Optional[float] = None,
          write_summaries: bool = True) -> str:
    """Logs the line for `step` and (optionally) writes the scalars.

    Args:
      step: the global step now.
      losses: name -> reduced scalar; `total_loss` is printed first.
      learning_rate: the current learning rate, written when given.
      write_summaries: also write `losses/*`, `learning_rate`,
        `steps_per_sec` and `examples_per_sec` to the default writer.

    Returns:
      The logged line.
    """
    now = self._clock()
    elapsed = max(now - self._last_time, 1e-9)
    steps_per_sec = (step - self._last_step) / elapsed
    self._last_step, self._last_time = step, now
    remaining = self._num_steps - step
    eta = remaining / steps_per_sec if steps_per_sec > 0 else 0.0
    values = {k: float(v) for k, v in losses.items()}
    names = sorted(values, key=lambda k: (k != 'total_loss', k))
    parts = [f'train | step {step}/{self._num_steps}']
    parts += [f'{name} {values[name]:.4f}' for name in names]
    parts += [f'{steps_per_sec:.2f} steps/s', f'ETA {format_duration(eta)}']
    line = ' | '.join(parts)
    logging.info(line)
    if write_summaries:
      write_scalars(values, step, prefix='losses')
      rates = {'steps_per_sec': steps_per_sec,
               'examples_per_sec': steps_per_sec * self._global_batch_size}
      if learning_rate is not None:
        rates['learning_rate'] = learning_rate
      write_scalars(rates, step)
    return line
