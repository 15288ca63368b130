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
"""An untrained on-screen classifier: loudness-brightness synchrony.

Not in the papers. A yardstick for the synthetic task
(`audioscope.data.synthetic`), where the only cue that tells an on-screen
sound from an off-screen one is that a visible object's brightness follows the
sound's envelope. For every separated source it correlates the source's
loudness per frame (log RMS over the frame's samples) with the mean
brightness of each cell of a `grid x grid` partition of the frames, over
time, and takes the largest correlation over the cells:

  score[b, m] = max_g mean_t z(loudness[b, m, t]) * z(brightness[b, g, t])

with z standardising over time (zero mean, unit variance; a constant series
gives 0). The logits are `scale * score`. It learns nothing, so it shows what
a classifier that only detects synchrony reaches with a given separator's
sources: run it with `evaluate_lib.evaluate_model` (or
`demo_lib.Demo.evaluate_model_fn`) next to a trained model;
`benchmarks/quality.py` reports it next to the five alignment modules.
"""

from typing import Any, Callable, Dict, Mapping

import numpy as np
import tensorflow as tf

_EPSILON = 1e-6


def _standardise(x: np.ndarray, axis: int) -> np.ndarray:
  centred = x - x.mean(axis=axis, keepdims=True)
  return centred / (centred.std(axis=axis, keepdims=True) + _EPSILON)


def frame_loudness(sources: np.ndarray, num_frames: int,
                   floor: float = 1e-4) -> np.ndarray:
  """Log RMS of `sources` `[..., samples]` over each frame `[..., T]`.

  The samples are cut into `num_frames` equal parts (a remainder of fewer
  than `num_frames` samples at the end is dropped).

  Raises:
    ValueError: fewer samples than frames.
  """
  sources = np.asarray(sources, np.float64)
  samples = sources.shape[-1]
  if num_frames < 1 or samples < num_frames:
    raise ValueError(f'Cannot cut {samples} samples into {num_frames} frames; '
                     'pass audio at least one sample per frame long.')
  per_frame = samples // num_frames
  cut = sources[..., :per_frame * num_frames].reshape(
      sources.shape[:-1] + (num_frames, per_frame))
  return np.log(np.sqrt(np.mean(np.square(cut), axis=-1)) + floor)


def cell_brightness(frames: np.ndarray, grid: int) -> np.ndarray:
  """Mean brightness of `grid x grid` cells: `[B, T, H, W, C]` -> `[B, T, G]`.

  G = grid**2, row-major; H and W are cropped to multiples of `grid`.

  Raises:
    ValueError: frames of the wrong rank, or smaller than the grid.
  """
  frames = np.asarray(frames, np.float64)
  if frames.ndim != 5:
    raise ValueError(f'frames must be [batch, T, H, W, channels], got shape '
                     f'{frames.shape}.')
  batch, num_frames, height, width, _ = frames.shape
  if grid < 1 or height < grid or width < grid:
    raise ValueError(f'A {grid} x {grid} grid needs frames of at least that '
                     f'many pixels, got {height} x {width}.')
  rows, cols = height // grid, width // grid
  gray = frames[:, :, :rows * grid, :cols * grid].mean(axis=-1)
  cells = gray.reshape(batch, num_frames, grid, rows, grid, cols)
  return cells.mean(axis=(3, 5)).reshape(batch, num_frames, grid * grid)


def synchrony_scores(sources: np.ndarray, frames: np.ndarray,
                     grid: int = 4) -> np.ndarray:
  """Largest loudness-brightness correlation over the cells.

  Args:
    sources: `[batch, M, samples]` separated sources.
    frames: `[batch, T, H, W, C]` frames (any brightness scale).
    grid: cells per side.

  Returns:
    `[batch, M]` scores in [-1, 1].

  Raises:
    ValueError: mismatched batch sizes or malformed shapes.
  """
  sources = np.asarray(sources)
  frames = np.asarray(frames)
  if sources.ndim != 3:
    raise ValueError(f'sources must be [batch, M, samples], got shape '
                     f'{sources.shape}.')
  if frames.ndim != 5 or frames.shape[0] != sources.shape[0]:
    raise ValueError(f'frames must be [batch, T, H, W, C] with the batch of '
                     f'sources {sources.shape}, got {frames.shape}.')
  num_frames = frames.shape[1]
  loudness = _standardise(frame_loudness(sources, num_frames), axis=-1)
  brightness = _standardise(cell_brightness(frames, grid), axis=1)
  # [B, M, T] x [B, T, G] -> [B, M, G]
  correlation = np.einsum('bmt,btg->bmg', loudness, brightness) / num_frames
  return correlation.max(axis=-1).astype(np.float32)


class SynchronyBaseline:
  """`model_fn` for `evaluate_lib`: a separator plus synchrony logits.

  Attributes:
    separator: `[batch, samples] -> [batch, M, samples]`, e.g. a trained
      AudioScopeV2's `separator` (its sources are the ones its classifier
      sees).
    grid: cells per side of the brightness grid.
    scale: logits are `scale * score`.
  """

  def __init__(self, separator: Callable[..., Any], grid: int = 4,
               scale: float = 10.0):
    if grid < 1 or scale <= 0:
      raise ValueError(f'grid must be >= 1 and scale > 0, got {grid} and '
                       f'{scale}.')
    self.separator = separator
    self.grid = int(grid)
    self.scale = float(scale)
    self._separate = tf.function(
        lambda audio: separator(audio, training=False), reduce_retracing=True,
        autograph=False)

  def __call__(self, batch: Mapping[str, Any]) -> Dict[str, np.ndarray]:
    """{'audio' [B, samples], 'frames' [B, T, H, W, 3]} -> sources, logits."""
    sources = self._separate(tf.cast(batch['audio'], tf.float32)).numpy()
    scores = synchrony_scores(sources, np.asarray(batch['frames']), self.grid)
    return {'sources': sources, 'logits': self.scale * scores}
