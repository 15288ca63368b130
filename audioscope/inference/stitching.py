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
"""Separating recordings of any length with a fixed-length separator.

Model-independent (NumPy only), after the original `process_wav_stitching`:

1. `plan_windows`: windows of `window_samples` every `hop_samples`; the last
   window is zero-padded past the end of the signal. A signal no longer than
   one window is one window of its own length (no padding), so short clips
   are separated exactly as in a single pass.
2. `crossfade_weights`: one weight curve per window, a sin^2 fade over the
   overlap, normalised so the weights of all windows **sum to one at every
   sample**. Hence a mixture-consistent separator (sources sum to the window
   mixture) gives stitched sources that sum to the whole mixture.
3. `match_permutation`: the order of the M sources of a window is arbitrary;
   each window is permuted to agree best with the already stitched sources
   on the overlap (brute force over the M! permutations of a cost that is the
   sum of per-pair magnitude-STFT (or waveform) mean squared errors).
4. `separate_long`: runs a separator window by window, matches, and
   overlap-adds the sources and any per-window signals (`on_screen`,
   `off_screen`), and permutes per-source values (`probabilities`, ...);
   `batched_separate_fn` lets the separator run several windows per call.
"""

import dataclasses
import itertools
import math
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np
from scipy import optimize

# Above this many sources the brute force (M! permutations) is replaced by the
# Hungarian algorithm, which finds the same optimum of the separable cost.
_MAX_BRUTE_FORCE_SOURCES = 8


@dataclasses.dataclass(frozen=True)
class Window:
  """One analysis window.

  Attributes:
    start: first sample of the window in the signal.
    length: samples the window spans (padding included).
    valid: samples of the window inside the signal (`<= length`).
  """
  start: int
  length: int
  valid: int

  @property
  def end(self) -> int:
    """One past the last valid sample."""
    return self.start + self.valid


def plan_windows(num_samples: int, window_samples: int,
                 hop_samples: int) -> List[Window]:
  """Windows covering `[0, num_samples)`.

  Args:
    num_samples: length of the signal (> 0).
    window_samples: length of a window (> 0).
    hop_samples: distance between window starts, `0 < hop <= window`.

  Returns:
    A list of `Window`s. If `num_samples <= window_samples` a single window of
    length `num_samples`; otherwise windows at `0, hop, 2 hop, ...` until one
    reaches the end; the last is padded to `window_samples`.

  Raises:
    ValueError: non-positive sizes or a hop longer than the window.
  """
  for name, value in (('num_samples', num_samples),
                      ('window_samples', window_samples),
                      ('hop_samples', hop_samples)):
    if int(value) != value or value <= 0:
      raise ValueError(f'{name} must be a positive integer, got {value!r}.')
  if hop_samples > window_samples:
    raise ValueError(
        f'hop_samples ({hop_samples}) must not exceed window_samples '
        f'({window_samples}): the windows would leave gaps. Use an overlap '
        f'>= 0.')
  num_samples, window_samples, hop_samples = (
      int(num_samples), int(window_samples), int(hop_samples))
  if num_samples <= window_samples:
    return [Window(0, num_samples, num_samples)]
  count = 1 + math.ceil((num_samples - window_samples) / hop_samples)
  windows = []
  for k in range(count):
    start = k * hop_samples
    windows.append(Window(start, window_samples,
                          min(window_samples, num_samples - start)))
  return windows


def crossfade_weights(windows: Sequence[Window],
                      num_samples: int) -> List[np.ndarray]:
  """Overlap-add weights, one `[window.valid]` array per window.

  Each window rises with sin^2 over its overlap with the previous window and
  falls with cos^2 over its overlap with the next (the first window does not
  rise, the last does not fall); the curves are divided by their sum, so the
  weights sum to exactly one at every sample of `[0, num_samples)` however
  many windows overlap there.

  Args:
    windows: from `plan_windows`.
    num_samples: length of the signal.

  Returns:
    A list of float64 arrays, `weights[k]` of length `windows[k].valid`.
  """
  raw = []
  for k, window in enumerate(windows):
    curve = np.ones(window.valid)
    if k > 0:
      rise = max(windows[k - 1].end - window.start, 0)
      if rise:
        # Half-sample offsets keep every weight strictly positive.
        phase = (np.arange(rise) + 0.5) / rise
        curve[:rise] *= np.sin(0.5 * np.pi * phase)**2
    if k + 1 < len(windows):
      fall = max(window.end - windows[k + 1].start, 0)
      if fall:
        phase = (np.arange(fall) + 0.5) / fall
        curve[window.valid - fall:] *= np.cos(0.5 * np.pi * phase)**2
    raw.append(curve)
  total = np.zeros(num_samples)
  for window, curve in zip(windows, raw):
    total[window.start:window.end] += curve
  if np.any(total <= 0):
    raise ValueError('The windows do not cover the signal; check the plan.')
  return [curve / total[w.start:w.end] for w, curve in zip(windows, raw)]


def _magnitude_stft(signals: np.ndarray, frame_length: int) -> np.ndarray:
  """|STFT| of `[M, L]` signals, Hann window, hop frame_length / 2."""
  hop = max(frame_length // 2, 1)
  length = signals.shape[-1]
  num_frames = 1 + max(length - frame_length, 0) // hop
  padded = np.zeros(signals.shape[:-1] + (
      max(length, (num_frames - 1) * hop + frame_length),))
  padded[..., :length] = signals
  index = np.arange(frame_length)[None, :] + hop * np.arange(
      num_frames)[:, None]
  frames = padded[..., index] * np.hanning(frame_length + 2)[1:-1]
  return np.abs(np.fft.rfft(frames, axis=-1))


def pairwise_cost(reference: np.ndarray, estimate: np.ndarray,
                  domain: str = 'stft',
                  frame_length: int = 1024) -> np.ndarray:
  """Cost `[M, M]` of pairing reference source i with estimate source j.

  Args:
    reference: `[M, L]`, the stitched sources on the overlap.
    estimate: `[M, L]`, the new window's sources on the overlap.
    domain: 'stft' (mean squared error of magnitude STFTs, as the original
      stitching; insensitive to small phase differences) or 'time' (of the
      waveforms).
    frame_length: STFT frame; shortened to the overlap when longer.

  Returns:
    float64 `[M, M]`.
  """
  reference = np.asarray(reference, np.float64)
  estimate = np.asarray(estimate, np.float64)
  if domain == 'stft':
    frame_length = max(min(int(frame_length), reference.shape[-1]), 2)
    reference = _magnitude_stft(reference, frame_length)
    estimate = _magnitude_stft(estimate, frame_length)
  elif domain != 'time':
    raise ValueError(f"domain must be 'stft' or 'time', got {domain!r}.")
  reference = reference.reshape(reference.shape[0], -1)
  estimate = estimate.reshape(estimate.shape[0], -1)
  diff = reference[:, None, :] - estimate[None, :, :]
  return np.mean(diff**2, axis=-1)


def match_permutation(reference: np.ndarray, estimate: np.ndarray,
                      domain: str = 'stft',
                      frame_length: int = 1024) -> np.ndarray:
  """The order of `estimate`'s sources that best agrees with `reference`.

  Brute force over the M! permutations (M <= 8; the Hungarian algorithm,
  which reaches the same minimum of this separable cost, above).

  Args:
    reference: `[M, L]`.
    estimate: `[M, L]`.
    domain: see `pairwise_cost`.
    frame_length: see `pairwise_cost`.

  Returns:
    int `[M]` permutation `p` such that `estimate[p]` matches `reference`.
  """
  cost = pairwise_cost(reference, estimate, domain, frame_length)
  num_sources = cost.shape[0]
  if num_sources > _MAX_BRUTE_FORCE_SOURCES:
    _, columns = optimize.linear_sum_assignment(cost)
    return columns.astype(np.int64)
  perms = np.array(list(itertools.permutations(range(num_sources))))
  totals = cost[np.arange(num_sources)[None, :], perms].sum(axis=1)
  return perms[int(np.argmin(totals))].astype(np.int64)


# A separator for `separate_long`: (window_index, start, audio [length]) ->
# dict with 'sources' [M, length] and optionally more entries.
SeparateFn = Callable[[int, int, np.ndarray], Mapping[str, np.ndarray]]


# `separate_batch_fn(starts, window_audio [B, length]) -> {key: [B, ...]}`.
SeparateBatchFn = Callable[[Sequence[int], np.ndarray],
                           Mapping[str, np.ndarray]]


def batched_separate_fn(separate_batch_fn: SeparateBatchFn,
                        audio: np.ndarray,
                        window_samples: int,
                        hop_samples: int,
                        batch_windows: int = 8) -> SeparateFn:
  """A `separate_long` separator that runs several windows per call.

  `separate_long` asks for the windows one at a time, in order; this runs
  `separate_batch_fn` on the next `batch_windows` of the same plan
  (`plan_windows`) at once and hands their outputs out one by one, holding
  at most one batch. A model runs a batch of windows faster per window
  than one window at a time.

  Args:
    separate_batch_fn: `(starts, window_audio [B, length])` -> dict of
      arrays whose first axis is B (the `separate_fn` outputs of each).
    audio: the `[samples]` mixture that `separate_long` will get.
    window_samples, hop_samples: as for `separate_long`.
    batch_windows: windows per call (>= 1).

  Returns:
    `separate_fn(k, start, window_audio)` for `separate_long`.

  Raises:
    ValueError: batch_windows < 1.
  """
  if int(batch_windows) != batch_windows or batch_windows < 1:
    raise ValueError(f'batch_windows must be an integer >= 1, got '
                     f'{batch_windows!r}.')
  audio = np.asarray(audio)
  windows = plan_windows(audio.shape[0], window_samples, hop_samples)
  held = {}

  def separate_fn(k, start, window_audio):
    del start, window_audio  # The same as the plan's (zero-padded).
    if k not in held:
      held.clear()
      batch = windows[k:k + int(batch_windows)]
      chunks = np.zeros((len(batch), batch[0].length), np.float32)
      for i, window in enumerate(batch):
        chunks[i, :window.valid] = audio[window.start:window.end]
      outputs = separate_batch_fn([window.start for window in batch], chunks)
      for i in range(len(batch)):
        held[k + i] = {key: np.asarray(value)[i]
                       for key, value in outputs.items()}
    return held.pop(k)

  return separate_fn


def separate_long(separate_fn: SeparateFn,
                  audio: np.ndarray,
                  window_samples: int,
                  hop_samples: int,
                  per_source_keys: Sequence[str] = (),
                  signal_keys: Sequence[str] = (),
                  domain: str = 'stft',
                  frame_length: int = 1024,
                  progress: Optional[Callable[[int, int], None]] = None
                  ) -> Dict[str, object]:
  """Separates `audio` window by window and stitches the results.

  Args:
    separate_fn: called as `separate_fn(k, start, window_audio)` with
      `window_audio` float32 `[window.length]` (zero-padded past the end);
      returns a dict with `sources [M, window.length]`, for each of
      `per_source_keys` an array whose first axis is the source, and for each
      of `signal_keys` a `[window.length]` signal.
    audio: float `[samples]` mono mixture.
    window_samples: window length in samples.
    hop_samples: window hop in samples (overlap = window - hop).
    per_source_keys: per-source outputs permuted with the sources
      (e.g. 'probabilities', 'logits').
    signal_keys: per-window signals overlap-added without permutation
      (e.g. 'on_screen', 'off_screen', which do not depend on the order).
    domain: permutation cost, see `pairwise_cost`.
    frame_length: STFT frame of the cost.
    progress: called as `progress(done_windows, num_windows)`.

  Returns:
    A dict: `sources` float32 `[M, samples]`; each signal key float32
    `[samples]`; `windows` (the plan); `permutations` int `[K, M]`;
    `weights` float `[K]` (each window's share of the signal, summing to
    `samples`); each per-source key stacked `[K, M, ...]` in the stitched
    order.

  Raises:
    ValueError: bad audio, a separator output of the wrong shape or a
      changing number of sources.
  """
  audio = np.asarray(audio)
  if audio.ndim != 1 or audio.shape[0] == 0:
    raise ValueError(f'audio must be a non-empty mono [samples] array, got '
                     f'shape {audio.shape}; mix stereo to mono first.')
  if not np.all(np.isfinite(audio)):
    raise ValueError('audio contains NaN or Inf; fix the input signal.')
  num_samples = audio.shape[0]
  windows = plan_windows(num_samples, window_samples, hop_samples)
  weights = crossfade_weights(windows, num_samples)
  sources = None
  signals = {key: np.zeros(num_samples) for key in signal_keys}
  per_source = {key: [] for key in per_source_keys}
  permutations = []
  for k, window in enumerate(windows):
    chunk = np.zeros(window.length, np.float32)
    chunk[:window.valid] = audio[window.start:window.end]
    outputs = separate_fn(k, window.start, chunk)
    window_sources = np.asarray(outputs['sources'], np.float64)
    if window_sources.ndim != 2 or window_sources.shape[1] != window.length:
      raise ValueError(
          f'separate_fn must return sources [M, {window.length}] for window '
          f'{k}, got shape {window_sources.shape}.')
    window_sources = window_sources[:, :window.valid]
    if sources is None:
      sources = np.zeros((window_sources.shape[0], num_samples))
      perm = np.arange(window_sources.shape[0])
    elif window_sources.shape[0] != sources.shape[0]:
      raise ValueError(
          f'separate_fn returned {window_sources.shape[0]} sources for window '
          f'{k} but {sources.shape[0]} before.')
    else:
      overlap_end = min(windows[k - 1].end, window.end)
      if overlap_end > window.start:
        # The previous windows are final on the overlap except for this
        # window's share, so compare with the previous window's estimate.
        previous = last_sources[:, window.start - windows[k - 1].start:
                                overlap_end - windows[k - 1].start]
        current = window_sources[:, :overlap_end - window.start]
        perm = match_permutation(previous, current, domain, frame_length)
      else:
        perm = np.arange(sources.shape[0])
    window_sources = window_sources[perm]
    last_sources = window_sources
    permutations.append(perm)
    sources[:, window.start:window.end] += window_sources * weights[k]
    for key in signal_keys:
      signal = np.asarray(outputs[key], np.float64).reshape(-1)
      if signal.shape[0] != window.length:
        raise ValueError(f'separate_fn must return {key} [{window.length}], '
                         f'got shape {signal.shape}.')
      signals[key][window.start:window.end] += signal[:window.valid] * weights[k]
    for key in per_source_keys:
      per_source[key].append(np.asarray(outputs[key])[perm])
    if progress is not None:
      progress(k + 1, len(windows))
  result = {
      'sources': sources.astype(np.float32),
      'windows': windows,
      'permutations': np.stack(permutations),
      'weights': np.array([w.sum() for w in weights]),
  }
  for key in signal_keys:
    result[key] = signals[key].astype(np.float32)
  for key in per_source_keys:
    result[key] = np.stack(per_source[key])
  return result
