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
"""Synthetic audio-visual scenes with known on-screen and off-screen sounds.

A scene is a clip of `clip_seconds` with a few sound events. Each event has a
waveform of one of five kinds (harmonic tone with vibrato, chirp train,
band-pass noise, click train, amplitude-modulated tone) and a slow amplitude
envelope: a smooth gate (random onset and offset, raised-cosine fades) times a
modulation at 1-3 Hz, slow enough to see at 1 and 16 FPS.

An on-screen event has a visible object (disc, square or triangle; random
colour and position, drifting slowly) whose brightness and size follow the
event's envelope sampled at the frame rate:

  brightness[t] = 0.2 + 0.8 * e[t],  radius[t] = r0 * (0.6 + 0.4 * e[t]),

with e[t] the mean of the envelope over frame t. Off-screen events have no
object. Silent distractor objects (same shapes and colours) move across the
frame and may pulse with envelopes of no sound, so that only audio-visual
synchrony, not the presence of an object, tells which sound is on screen. A
smooth colour texture plus per-frame noise is the background.

Three label kinds, like the human labels of the paper: unlabelled (-1, any
mix of on- and off-screen events), on-screen-only (1, all events on screen)
and off-screen-only (0, all events off screen). Everything is NumPy and
deterministic given the seed: a 5 s, 16 kHz, 16 FPS, 128x128 scene takes a
few tens of milliseconds.
"""

import dataclasses
from typing import List, Optional, Sequence, Tuple, Union

import gin
import numpy as np

from audioscope.data import records

EVENT_KINDS = ('harmonic', 'chirp', 'noise_burst', 'click_train', 'am_tone')
SHAPES = ('disc', 'square', 'triangle')
_CONTROL_STEP = 16
Seed = Union[int, Sequence[int], np.random.SeedSequence]


@gin.configurable
@dataclasses.dataclass
class SceneOptions:
  """Size and difficulty of synthetic scenes.

  Attributes:
    clip_seconds: clip duration in seconds (5 s in the paper).
    sample_rate: audio sample rate in Hz.
    frame_rate: video frame rate in frames per second.
    frame_size: (height, width) of the frames in pixels.
    min_events: fewest sound events per clip (>= 1).
    max_events: most sound events per clip.
    on_screen_probability: probability that an event of an unlabelled clip is
      on screen.
    off_screen_level_db: mean level of off-screen events relative to
      on-screen ones (negative: quieter off-screen sounds, an easier task).
    level_spread_db: standard deviation of the event levels in dB.
    max_distractors: silent distractor objects per clip are drawn uniformly
      from 0..max_distractors.
    distractor_pulse_probability: probability that a distractor pulses with
      an envelope of no sound (otherwise its brightness is constant).
    object_size: range of object radii as a fraction of min(height, width).
    envelope_rate_hz: range of the envelope modulation rates (visible at the
      frame rate: keep it well below frame_rate / 2).
    envelope_floor: envelope value at the modulation minimum while the event
      is active (0: full modulation, 1: none).
    min_event_seconds: shortest event duration.
    fade_seconds: range of the onset and offset fade durations.
    background_noise: standard deviation of the per-frame pixel noise, in
      units of the full pixel range.
    mixture_rms: RMS of every clip's mixture.
    event_kinds: the kinds of sound events drawn from.
  """
  clip_seconds: float = 5.0
  sample_rate: int = records.SAMPLE_RATE
  frame_rate: float = records.FRAME_RATE
  frame_size: Tuple[int, int] = (128, 128)
  min_events: int = 1
  max_events: int = 3
  on_screen_probability: float = 0.5
  off_screen_level_db: float = 0.0
  level_spread_db: float = 4.0
  max_distractors: int = 2
  distractor_pulse_probability: float = 0.5
  object_size: Tuple[float, float] = (0.10, 0.16)
  envelope_rate_hz: Tuple[float, float] = (1.0, 3.0)
  envelope_floor: float = 0.1
  min_event_seconds: float = 1.5
  fade_seconds: Tuple[float, float] = (0.05, 0.3)
  background_noise: float = 0.03
  mixture_rms: float = 0.1
  event_kinds: Tuple[str, ...] = EVENT_KINDS

  @property
  def num_samples(self) -> int:
    return int(round(self.clip_seconds * self.sample_rate))

  @property
  def num_frames(self) -> int:
    return int(round(self.clip_seconds * self.frame_rate))

  def validate(self) -> None:
    """Raises ValueError naming the bad option and the fix."""

    def fail(problem):
      raise ValueError(f'Invalid SceneOptions: {problem}')

    if not self.clip_seconds > 0:
      fail(f'clip_seconds must be positive, got {self.clip_seconds}.')
    if int(self.sample_rate) < 1000:
      fail(f'sample_rate must be >= 1000 Hz, got {self.sample_rate}.')
    if not self.frame_rate > 0:
      fail(f'frame_rate must be positive, got {self.frame_rate}.')
    if self.num_frames < 1 or self.num_samples < self.num_frames:
      fail(f'clip_seconds={self.clip_seconds} gives {self.num_frames} frames '
           f'and {self.num_samples} samples; make the clip longer.')
    if len(self.frame_size) != 2 or min(self.frame_size) < 8:
      fail(f'frame_size must be (height, width) >= 8 pixels, got '
           f'{self.frame_size}.')
    if not 1 <= self.min_events <= self.max_events:
      fail(f'need 1 <= min_events <= max_events, got {self.min_events}, '
           f'{self.max_events}.')
    if not 0.0 <= self.on_screen_probability <= 1.0:
      fail('on_screen_probability must be in [0, 1].')
    if self.max_distractors < 0:
      fail('max_distractors must be >= 0.')
    if not 0.0 < self.object_size[0] <= self.object_size[1] <= 0.3:
      fail(f'object_size must be a range within (0, 0.3], got '
           f'{self.object_size}.')
    if not 0.0 < self.envelope_rate_hz[0] <= self.envelope_rate_hz[1]:
      fail(f'envelope_rate_hz must be a positive range, got '
           f'{self.envelope_rate_hz}.')
    if not 0.0 <= self.envelope_floor < 1.0:
      fail('envelope_floor must be in [0, 1).')
    if self.min_event_seconds <= 0:
      fail('min_event_seconds must be positive.')
    if self.background_noise < 0 or self.mixture_rms <= 0:
      fail('background_noise must be >= 0 and mixture_rms > 0.')
    unknown = set(self.event_kinds) - set(EVENT_KINDS)
    if not self.event_kinds or unknown:
      fail(f'event_kinds must be a non-empty subset of {EVENT_KINDS}, got '
           f'{self.event_kinds}.')


@dataclasses.dataclass
class Scene:
  """A synthetic scene and its ground truth.

  E events, K visible objects (on-screen events first, then distractors),
  T frames of H x W pixels.

  Attributes:
    audio: float32 [samples], the mixture (sum of `event_audio`).
    frames: uint8 [T, H, W, 3].
    label: -1 unlabelled, 1 on-screen-only, 0 off-screen-only.
    on_screen_audio: float32 [samples], sum of the on-screen events.
    off_screen_audio: float32 [samples], sum of the off-screen events.
    event_audio: float32 [E, samples], each event's waveform.
    event_on_screen: bool [E].
    event_kinds: E names from EVENT_KINDS.
    event_envelopes: float32 [E, T], each envelope sampled at the frame rate
      (mean over each frame's interval), in [0, 1].
    object_event: int [K], the event each object shows, -1 for distractors.
    object_shapes: K names from SHAPES.
    object_centers: float32 [K, T, 2], (row, column) in pixels.
    object_radii: float32 [K, T], in pixels.
    object_brightness: float32 [K, T], in [0, 1].
    sample_rate: Hz.
    frame_rate: frames per second.
  """
  audio: np.ndarray
  frames: np.ndarray
  label: int
  on_screen_audio: np.ndarray
  off_screen_audio: np.ndarray
  event_audio: np.ndarray
  event_on_screen: np.ndarray
  event_kinds: List[str]
  event_envelopes: np.ndarray
  object_event: np.ndarray
  object_shapes: List[str]
  object_centers: np.ndarray
  object_radii: np.ndarray
  object_brightness: np.ndarray
  sample_rate: int
  frame_rate: float

  def to_clip(self, clip_id: str, frame_encoding: str = 'jpeg',
              start_time: float = 0.0) -> records.Clip:
    """The scene as a `records.Clip` with ground-truth audio."""
    return records.Clip(
        clip_id=clip_id,
        audio=self.audio,
        frames=self.frames,
        video_path='',
        start_time=start_time,
        end_time=start_time + self.audio.shape[0] / float(self.sample_rate),
        sample_rate=self.sample_rate,
        frame_rate=self.frame_rate,
        label=self.label,
        frame_encoding=frame_encoding,
        on_screen_audio=self.on_screen_audio,
        off_screen_audio=self.off_screen_audio)


def _loguniform(rng, low, high):
  return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _unit_rms(x):
  return x / max(float(np.sqrt(np.mean(np.square(x)))), 1e-8)


def _harmonic(rng, t, sample_rate):
  f0 = _loguniform(rng, 110.0, 700.0)
  vibrato_rate = rng.uniform(4.0, 7.0)
  vibrato_depth = rng.uniform(0.005, 0.03)
  freq = f0 * (1.0 + vibrato_depth * np.sin(
      2 * np.pi * vibrato_rate * t + rng.uniform(0, 2 * np.pi)))
  phase = 2 * np.pi * np.cumsum(freq) / sample_rate
  num_harmonics = int(rng.integers(2, 8))
  tilt = rng.uniform(0.5, 1.5)
  out = np.zeros_like(t)
  for k in range(1, num_harmonics + 1):
    if k * f0 * (1 + vibrato_depth) >= 0.45 * sample_rate:
      break
    out += np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k**tilt
  return out


def _chirp(rng, t, sample_rate):
  nyquist = 0.45 * sample_rate
  low = _loguniform(rng, 150.0, min(1500.0, nyquist / 3))
  high = min(low * _loguniform(rng, 2.0, 6.0), nyquist)
  period = rng.uniform(0.25, 1.2)
  position = (t / period) % 1.0
  if rng.random() < 0.5:
    position = 1.0 - position
  freq = low * (high / low)**position
  phase = 2 * np.pi * np.cumsum(freq) / sample_rate
  return np.sin(phase) * np.sin(np.pi * position)**0.5


def _noise_burst(rng, t, sample_rate):
  n = t.shape[0]
  spectrum = np.fft.rfft(rng.standard_normal(n).astype(np.float32))
  freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
  center = _loguniform(rng, 200.0, min(5000.0, 0.35 * sample_rate))
  half_octaves = rng.uniform(0.15, 0.75)
  low, high = center * 2**-half_octaves, center * 2**half_octaves
  spectrum[(freqs < low) | (freqs > high)] = 0.0
  return np.fft.irfft(spectrum, n)


def _click_train(rng, t, sample_rate):
  n = t.shape[0]
  rate = rng.uniform(4.0, 25.0)
  times = np.arange(rng.uniform(0, 1.0 / rate), t[-1], 1.0 / rate)
  times = times + rng.normal(0.0, 0.1 / rate, times.shape)
  impulses = np.zeros(n, np.float32)
  idx = np.clip(np.round(times * sample_rate).astype(int), 0, n - 1)
  np.add.at(impulses, idx, rng.uniform(0.6, 1.0, idx.shape))
  length = int(0.04 * sample_rate)
  kt = np.arange(length) / sample_rate
  resonance = _loguniform(rng, 800.0, min(4000.0, 0.4 * sample_rate))
  kernel = np.exp(-kt / rng.uniform(0.003, 0.012)) * np.sin(
      2 * np.pi * resonance * kt)
  size = n + length
  return np.fft.irfft(np.fft.rfft(impulses, size) * np.fft.rfft(kernel, size),
                      size)[:n]


def _am_tone(rng, t, sample_rate):
  carrier = _loguniform(rng, 300.0, min(3000.0, 0.4 * sample_rate))
  modulation = rng.uniform(6.0, 30.0)
  depth = rng.uniform(0.5, 1.0)
  return (1.0 + depth * np.sin(2 * np.pi * modulation * t)) * np.sin(
      2 * np.pi * carrier * t + rng.uniform(0, 2 * np.pi))


_SYNTHS = {
    'harmonic': _harmonic,
    'chirp': _chirp,
    'noise_burst': _noise_burst,
    'click_train': _click_train,
    'am_tone': _am_tone,
}


def _envelope(rng, t, options, gated=True):
  """A slow envelope in [0, 1] at the times t: gate x modulation.

  Computed at a control rate of 1/16 of the sample rate and interpolated.
  """
  duration = float(options.clip_seconds)
  coarse_t = t[::_CONTROL_STEP]
  if coarse_t[-1] < t[-1]:
    coarse_t = np.append(coarse_t, t[-1])
  modulation = np.zeros_like(coarse_t)
  weights = rng.dirichlet([2.0, 2.0])
  for weight in weights:
    rate = rng.uniform(*options.envelope_rate_hz)
    modulation += weight * (0.5 + 0.5 * np.sin(
        2 * np.pi * rate * coarse_t + rng.uniform(0, 2 * np.pi)))
  floor = options.envelope_floor
  envelope = floor + (1.0 - floor) * modulation
  if gated:
    length = rng.uniform(min(options.min_event_seconds, duration), duration)
    onset = rng.uniform(0.0, duration - length)
    offset = onset + length
    fade_in = min(rng.uniform(*options.fade_seconds), length / 3)
    fade_out = min(rng.uniform(*options.fade_seconds), length / 3)
    rise = np.clip((coarse_t - onset) / fade_in, 0.0, 1.0)
    fall = np.clip((offset - coarse_t) / fade_out, 0.0, 1.0)
    envelope = envelope * (0.5 - 0.5 * np.cos(np.pi * np.minimum(rise, fall)))
  return np.interp(t, coarse_t, envelope)


def _frame_means(signal, options):
  """Means of signals [..., samples] over each frame's interval [..., T]."""
  n = signal.shape[-1]
  bounds = np.clip(np.round(np.arange(options.num_frames + 1) *
                            options.sample_rate / options.frame_rate), 0,
                   n).astype(int)
  cumsum = np.concatenate(
      [np.zeros(signal.shape[:-1] + (1,)), np.cumsum(signal, axis=-1)],
      axis=-1)
  counts = bounds[1:] - bounds[:-1]
  sums = cumsum[..., bounds[1:]] - cumsum[..., bounds[:-1]]
  last = signal[..., np.minimum(bounds[:-1], n - 1)]
  return np.where(counts > 0, sums / np.maximum(counts, 1),
                  last).astype(np.float32)


def _place(rng, radius, height, width, taken, margin):
  """A center (row, col) for a disc of `radius` apart from `taken`."""
  best, best_gap = None, -np.inf
  for _ in range(64):
    center = np.array([rng.uniform(radius + margin, height - radius - margin),
                       rng.uniform(radius + margin, width - radius - margin)])
    gap = min((np.linalg.norm(center - c) - radius - r for c, r in taken),
              default=np.inf)
    if gap > margin:
      return center
    if gap > best_gap:
      best, best_gap = center, gap
  return best


def _background(rng, height, width):
  """A smooth colour texture [H, W, 3] in [0, 1]."""
  rows = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
  cols = np.linspace(0.0, 1.0, width, dtype=np.float32)[None, :, None]
  angle = rng.uniform(0, 2 * np.pi)
  ramp = np.cos(angle) * rows + np.sin(angle) * cols
  ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
  color_a = rng.uniform(0.05, 0.35, 3).astype(np.float32)
  color_b = rng.uniform(0.05, 0.35, 3).astype(np.float32)
  texture = color_a + (color_b - color_a) * ramp
  freq = rng.uniform(2.0, 6.0, 2)
  pattern = 0.04 * np.sin(2 * np.pi * (freq[0] * rows + freq[1] * cols) +
                          rng.uniform(0, 2 * np.pi))
  return np.clip(texture + pattern, 0.0, 1.0).astype(np.float32)


def _shape_mask(shape, dy, dx, radius):
  if shape == 'disc':
    return dy * dy + dx * dx <= radius * radius
  if shape == 'square':
    side = radius * 0.886  # The square of the disc's area.
    return (np.abs(dy) <= side) & (np.abs(dx) <= side)
  # Upward triangle with its centroid at the center.
  return (dy <= 0.5 * radius) & (np.abs(dx) <= (dy + radius) / np.sqrt(3.0))


def _color(rng):
  """A saturated, bright RGB colour."""
  hue = rng.uniform(0.0, 1.0)
  saturation = rng.uniform(0.6, 1.0)
  k = (np.array([5.0, 3.0, 1.0]) + hue * 6.0) % 6.0
  rgb = 1.0 - saturation * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
  return (rgb / rgb.max()).astype(np.float32)


def generate_scene(seed: Seed, label: int = records.UNLABELLED,
                   options: Optional[SceneOptions] = None) -> Scene:
  """Generates one synthetic audio-visual scene.

  Args:
    seed: an int, a sequence of ints (e.g. (base_seed, index)) or a
      `np.random.SeedSequence`; the same seed gives identical bytes.
    label: -1 unlabelled (each event on screen with probability
      `options.on_screen_probability`), 1 on-screen-only (all events on
      screen), 0 off-screen-only (all events off screen).
    options: the scene options (default `SceneOptions()`, gin-configurable).

  Returns:
    The `Scene`: audio float32 [samples], frames uint8 [T, H, W, 3] and the
    ground truth.

  Raises:
    ValueError: for an unknown label or invalid options.
  """
  options = options or SceneOptions()
  options.validate()
  if label not in records.LABELS:
    raise ValueError(f'label must be one of {records.LABELS} (-1 unlabelled, '
                     f'1 on-screen-only, 0 off-screen-only), got {label!r}.')
  rng = np.random.default_rng(seed)
  sample_rate = int(options.sample_rate)
  num_samples, num_frames = options.num_samples, options.num_frames
  height, width = (int(s) for s in options.frame_size)
  t = np.arange(num_samples, dtype=np.float64) / sample_rate

  # Sound events.
  num_events = int(rng.integers(options.min_events, options.max_events + 1))
  if label == records.ON_SCREEN_ONLY:
    on_screen = np.ones(num_events, bool)
  elif label == records.OFF_SCREEN_ONLY:
    on_screen = np.zeros(num_events, bool)
  else:
    on_screen = rng.random(num_events) < options.on_screen_probability
  kinds, event_audio, envelopes = [], [], []
  for on in on_screen:
    kind = str(rng.choice(options.event_kinds))
    envelope = _envelope(rng, t, options)
    waveform = _unit_rms(_SYNTHS[kind](rng, t, sample_rate)) * envelope
    level_db = rng.normal(0.0, options.level_spread_db)
    if not on:
      level_db += options.off_screen_level_db
    kinds.append(kind)
    event_audio.append(waveform * 10.0**(level_db / 20.0))
    envelopes.append(envelope)
  event_audio = np.stack(event_audio)
  mixture = event_audio.sum(axis=0)
  gain = options.mixture_rms / max(float(np.sqrt(np.mean(mixture**2))), 1e-8)
  gain = min(gain, 0.99 / max(float(np.max(np.abs(event_audio).sum(0))),
                              1e-8))
  event_audio = (event_audio * gain).astype(np.float32)
  event_envelopes = _frame_means(np.stack(envelopes), options)

  # Visible objects: one per on-screen event, then the distractors.
  min_side = float(min(height, width))
  frame_times = (np.arange(num_frames) + 0.5) / options.frame_rate
  object_event, shapes, centers, radii, brightness = [], [], [], [], []
  taken = []
  for e in np.flatnonzero(on_screen):
    radius0 = rng.uniform(*options.object_size) * min_side
    center = _place(rng, radius0, height, width, taken, 0.03 * min_side)
    taken.append((center, radius0))
    drift = rng.uniform(0.0, 0.03 * min_side, 2)
    drift_rate = rng.uniform(0.05, 0.25, 2)
    drift_phase = rng.uniform(0, 2 * np.pi, 2)
    path = center[None, :] + drift[None, :] * np.sin(
        2 * np.pi * drift_rate[None, :] * frame_times[:, None] + drift_phase)
    level = event_envelopes[e]
    object_event.append(int(e))
    shapes.append(str(rng.choice(SHAPES)))
    centers.append(path)
    radii.append(radius0 * (0.6 + 0.4 * level))
    brightness.append(0.2 + 0.8 * level)
  num_distractors = int(rng.integers(0, options.max_distractors + 1))
  for _ in range(num_distractors):
    radius0 = rng.uniform(*options.object_size) * min_side
    start = np.array([rng.uniform(radius0, height - radius0),
                      rng.uniform(radius0, width - radius0)])
    velocity = rng.normal(0.0, 0.15 * min_side, 2)
    low = np.array([radius0, radius0])
    span = np.maximum(np.array([height, width]) - 2 * radius0, 1e-3)
    # Bounces between the frame edges (a triangle wave per axis).
    unfolded = (start - low)[None, :] + velocity[None, :] * frame_times[:,
                                                                        None]
    folded = np.abs((unfolded + span) % (2 * span) - span)
    if rng.random() < options.distractor_pulse_probability:
      level = _frame_means(
          _envelope(rng, t, options, gated=rng.random() < 0.5)[None], options)[0]
    else:
      level = np.full(num_frames, rng.uniform(0.3, 1.0), np.float32)
    object_event.append(-1)
    shapes.append(str(rng.choice(SHAPES)))
    centers.append(low[None, :] + folded)
    radii.append(radius0 * (0.6 + 0.4 * level))
    brightness.append(0.2 + 0.8 * level)
  colors = [_color(rng) for _ in object_event]

  # Rendering: background, distractors under the sounding objects. The
  # noisy background frames come from a bank of 4, drawn per frame.
  background = _background(rng, height, width)
  noise = rng.normal(0.0, options.background_noise,
                     (4, height, width, 3)).astype(np.float32)
  bank = np.clip(np.round((background[None] + noise) * 255.0), 0,
                 255).astype(np.uint8)
  frames = bank[rng.integers(0, 4, num_frames)]
  order = [k for k, e in enumerate(object_event) if e < 0] + [
      k for k, e in enumerate(object_event) if e >= 0]
  for k in order:
    pixel_values = np.clip(
        np.round(colors[k][None, :] * brightness[k][:, None] * 255.0), 0,
        255).astype(np.uint8)
    for f in range(num_frames):
      radius = radii[k][f]
      row, col = centers[k][f]
      r0, r1 = max(int(row - radius) - 1, 0), min(int(row + radius) + 2, height)
      c0, c1 = max(int(col - radius) - 1, 0), min(int(col + radius) + 2, width)
      if r0 >= r1 or c0 >= c1:
        continue
      dy = (np.arange(r0, r1, dtype=np.float32) - row)[:, None]
      dx = (np.arange(c0, c1, dtype=np.float32) - col)[None, :]
      mask = _shape_mask(shapes[k], dy, dx, radius)
      frames[f, r0:r1, c0:c1][mask] = pixel_values[f]

  on_screen_audio = event_audio[on_screen].sum(axis=0).astype(np.float32)
  off_screen_audio = event_audio[~on_screen].sum(axis=0).astype(np.float32)
  num_objects = len(object_event)
  return Scene(
      audio=(on_screen_audio + off_screen_audio).astype(np.float32),
      frames=frames,
      label=int(label),
      on_screen_audio=on_screen_audio,
      off_screen_audio=off_screen_audio,
      event_audio=event_audio,
      event_on_screen=on_screen,
      event_kinds=kinds,
      event_envelopes=event_envelopes,
      object_event=np.array(object_event, np.int64),
      object_shapes=shapes,
      object_centers=np.array(centers, np.float32).reshape(
          num_objects, num_frames, 2),
      object_radii=np.array(radii, np.float32).reshape(num_objects,
                                                       num_frames),
      object_brightness=np.array(brightness, np.float32).reshape(
          num_objects, num_frames),
      sample_rate=sample_rate,
      frame_rate=float(options.frame_rate))
