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
"""Front-ends of the TDCN++: a learned basis or the STFT.

Learned basis (Google's MixIT recipe, Conv-TasNet style): the waveform is cut
into frames of `window` samples every `hop` samples; each frame goes through a
bias-free dense layer (`window` -> N) and a ReLU. The number of frames is
F = 1 + ceil((T - window) / hop): the last frame is completed with zeros, and
no frame starts in the zero padding. The decoder maps the (masked) N
coefficients of each frame back to `window` samples with a bias-free dense
layer and overlap-adds them with the same hop; the result, (F - 1) * hop +
window >= T samples long, is cropped to T. Inputs shorter than one window are
zero-padded to one window first.

STFT: periodic sqrt-Hann window, FFT length the next power of two of the
window, `inverse_stft_window_fn` for the inverse, so analysis followed by
synthesis reproduces the input. `window - hop` zeros are prepended before the
analysis and removed after the synthesis, so that every sample, the first ones
included, is covered by a full set of overlapping windows (perfect
reconstruction; the variant of Google's generic `models/train` model).
"""

import math

import tensorflow as tf


def num_basis_frames(num_samples, window_samples: int, hop_samples: int):
  """F = 1 + ceil((max(T, window) - window) / hop) frames of the learned basis.

  Args:
    num_samples: T, a Python int or a scalar int32 tensor.
    window_samples: window length.
    hop_samples: hop length.

  Returns:
    The number of frames, of the type of `num_samples`.
  """
  if isinstance(num_samples, int):
    num_samples = max(num_samples, window_samples)
    return 1 + -(-(num_samples - window_samples) // hop_samples)
  num_samples = tf.maximum(num_samples, window_samples)
  return 1 + (num_samples - window_samples + hop_samples - 1) // hop_samples


@tf.keras.utils.register_keras_serializable(package='audioscope')
class LearnedBasisEncoder(tf.keras.layers.Layer):
  """Waveform `[batch, time]` -> ReLU coefficients `[batch, frames, N]`.

  Its one weight, `kernel` `[window, N]` (Glorot uniform), is the original's
  `conv_encoder/dense/kernel`.
  """

  def __init__(self, num_basis: int = 256, window_samples: int = 40,
               hop_samples: int = 20, name: str = 'conv_encoder', **kwargs):
    """Builds the layer.

    Args:
      num_basis: N, coefficients per frame.
      window_samples: frame length in samples.
      hop_samples: frame hop in samples.
      name: layer name.
      **kwargs: Keras layer arguments.

    Raises:
      ValueError: non-positive sizes or a hop longer than the window.
    """
    super().__init__(name=name, **kwargs)
    _check_basis_args(num_basis, window_samples, hop_samples)
    self.num_basis = int(num_basis)
    self.window_samples = int(window_samples)
    self.hop_samples = int(hop_samples)

  def build(self, input_shape):
    self.kernel = self.add_weight(
        'kernel', shape=[self.window_samples, self.num_basis],
        initializer='glorot_uniform', trainable=True)
    super().build(input_shape)

  def frame(self, audio: tf.Tensor) -> tf.Tensor:
    """`[batch, time]` -> `[batch, F, window]` frames (zero-completed)."""
    num_samples = tf.shape(audio)[-1]
    num_frames = num_basis_frames(num_samples, self.window_samples,
                                  self.hop_samples)
    padded_length = (num_frames - 1) * self.hop_samples + self.window_samples
    audio = tf.pad(audio, [[0, 0], [0, padded_length - num_samples]])
    return tf.signal.frame(audio, self.window_samples, self.hop_samples)

  def call(self, audio: tf.Tensor) -> tf.Tensor:
    """Encodes `[batch, time]` into `[batch, F, N]` coefficients (>= 0)."""
    frames = self.frame(audio)
    return tf.nn.relu(tf.einsum('bfw,wn->bfn', frames, self.kernel))

  def get_config(self):
    config = super().get_config()
    config.update(num_basis=self.num_basis, window_samples=self.window_samples,
                  hop_samples=self.hop_samples)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class LearnedBasisDecoder(tf.keras.layers.Layer):
  """Coefficients `[..., frames, N]` -> waveforms `[..., samples]`.

  samples = (frames - 1) * hop + window; crop to the input length after.
  Its one weight, `kernel` `[N, window]`, is the original's
  `conv_decoder/dense_1/kernel`.
  """

  def __init__(self, num_basis: int = 256, window_samples: int = 40,
               hop_samples: int = 20, name: str = 'conv_decoder', **kwargs):
    """Builds the layer (arguments as `LearnedBasisEncoder`)."""
    super().__init__(name=name, **kwargs)
    _check_basis_args(num_basis, window_samples, hop_samples)
    self.num_basis = int(num_basis)
    self.window_samples = int(window_samples)
    self.hop_samples = int(hop_samples)

  def build(self, input_shape):
    self.kernel = self.add_weight(
        'kernel', shape=[self.num_basis, self.window_samples],
        initializer='glorot_uniform', trainable=True)
    super().build(input_shape)

  def call(self, coefficients: tf.Tensor) -> tf.Tensor:
    """Decodes `[..., F, N]` into `[..., (F - 1) * hop + window]`."""
    frames = tf.tensordot(coefficients, self.kernel, axes=1)
    return tf.signal.overlap_and_add(frames, self.hop_samples)

  def get_config(self):
    config = super().get_config()
    config.update(num_basis=self.num_basis, window_samples=self.window_samples,
                  hop_samples=self.hop_samples)
    return config


def _check_basis_args(num_basis, window_samples, hop_samples):
  for name, value in (('num_basis', num_basis),
                      ('window_samples', window_samples),
                      ('hop_samples', hop_samples)):
    if int(value) != value or value < 1:
      raise ValueError(f'{name} must be a positive integer, got {value!r}.')
  if hop_samples > window_samples:
    raise ValueError(
        f'hop_samples ({hop_samples}) must not exceed window_samples '
        f'({window_samples}): frames would leave gaps between them.')


def sqrt_hann_window(window_length, dtype=tf.float32) -> tf.Tensor:
  """Periodic square-root Hann window `[window_length]`."""
  return tf.sqrt(tf.signal.hann_window(window_length, periodic=True,
                                       dtype=dtype))


class StftTransform:
  """STFT analysis and synthesis with perfect reconstruction.

  Attributes:
    window_samples: round(window_seconds * sample_rate).
    hop_samples: round(hop_seconds * sample_rate).
    fft_length: the next power of two >= window_samples.
    num_bins: fft_length // 2 + 1.
  """

  def __init__(self, sample_rate: int = 16000, window_seconds: float = 0.032,
               hop_seconds: float = 0.008):
    """Sets the sizes.

    Args:
      sample_rate: Hz.
      window_seconds: analysis window length.
      hop_seconds: hop length.

    Raises:
      ValueError: sizes that round to zero samples, or a hop longer than the
        window.
    """
    if sample_rate <= 0:
      raise ValueError(f'sample_rate must be > 0, got {sample_rate}.')
    self.window_samples = int(round(window_seconds * sample_rate))
    self.hop_samples = int(round(hop_seconds * sample_rate))
    if self.window_samples < 1 or self.hop_samples < 1:
      raise ValueError(
          f'STFT window ({window_seconds} s) and hop ({hop_seconds} s) must be '
          f'at least one sample at {sample_rate} Hz.')
    if self.hop_samples > self.window_samples:
      raise ValueError(
          f'The STFT hop ({hop_seconds} s) must not exceed the window '
          f'({window_seconds} s).')
    self.fft_length = 2**int(math.ceil(math.log2(self.window_samples)))
    self.num_bins = self.fft_length // 2 + 1
    self.padding = self.window_samples - self.hop_samples

  def forward(self, audio: tf.Tensor) -> tf.Tensor:
    """`[batch, time]` -> complex64 `[batch, frames, bins]`.

    frames = ceil((time + window - hop) / hop).
    """
    audio = tf.pad(audio, [[0, 0], [self.padding, 0]])
    return tf.signal.stft(audio, self.window_samples, self.hop_samples,
                          self.fft_length, window_fn=sqrt_hann_window,
                          pad_end=True)

  def inverse(self, spectrogram: tf.Tensor, num_samples) -> tf.Tensor:
    """complex `[..., frames, bins]` -> `[..., num_samples]`."""
    waveform = tf.signal.inverse_stft(
        spectrogram, self.window_samples, self.hop_samples, self.fft_length,
        window_fn=tf.signal.inverse_stft_window_fn(
            self.hop_samples, forward_window_fn=sqrt_hann_window))
    return waveform[..., self.padding:self.padding + num_samples]
