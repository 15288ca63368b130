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
"""Audio embedding network Z_A (paper sec. 3.2).

Each separated source -> log-mel spectrogram `[frames, mel]` (a 1-channel
image) -> MobileNetV1 up to the paper's 23rd layer (`Conv2d_11_pointwise`,
output stride 16) -> mean over the mel axis -> area resampling of the feature
time axis to the T video frames -> Dense(D). All sources of all examples go
through the trunk in one batched call.

Front-end defaults (the papers are silent; these are YAMNet's, also a
MobileNetV1 on log-mel patches): 25 ms Hann window, 10 ms hop, FFT of the next
power of two, magnitude spectrogram, 64 mel bins over 125-7500 Hz,
log(mel + 1e-3), framing with `pad_end=True` (ceil(samples / hop) frames).
"""

from typing import Optional, Union

import gin
import tensorflow as tf

from audioscope.embeddings import mobilenet


def area_resample_matrix(num_inputs, num_outputs) -> tf.Tensor:
  """Weights `[num_outputs, num_inputs]` of area (box) resampling.

  Input frame i covers [i / N, (i + 1) / N) of the clip, output frame t covers
  [t / T, (t + 1) / T); the weight is their overlap relative to the output
  frame's length, so every row sums to one. Down-sampling averages the input
  frames under each output frame; up-sampling repeats them (mixing the two
  neighbours at a boundary). Computed exactly in integers.

  Args:
    num_inputs: N >= 1 (int or scalar int tensor).
    num_outputs: T >= 1 (int or scalar int tensor).

  Returns:
    float32 `[T, N]`.
  """
  n = tf.cast(num_inputs, tf.int64)
  t = tf.cast(num_outputs, tf.int64)
  out_index = tf.range(t)[:, tf.newaxis]
  in_index = tf.range(n)[tf.newaxis, :]
  # Both grids in units of 1 / (N * T).
  overlap = tf.maximum(
      tf.minimum((out_index + 1) * n, (in_index + 1) * t) -
      tf.maximum(out_index * n, in_index * t), 0)
  return tf.cast(overlap, tf.float32) / tf.cast(n, tf.float32)


def area_resample(features: tf.Tensor, num_outputs) -> tf.Tensor:
  """Resamples axis 1 of `[batch, N, channels]` to `[batch, T, channels]`."""
  weights = area_resample_matrix(tf.shape(features)[1], num_outputs)
  return tf.einsum('tn,bnc->btc', weights, features)


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class AudioEmbedding(tf.keras.Model):
  """(sources [batch, M, samples], T) -> Z_A [batch, M, T, D].

  Attributes:
    trunk: the 1-channel MobileNetV1 (pretrained weights from `weights_path`).
    projection: Dense(D), always trainable.
    freeze: when True (AudioScopeV2, the default) the trunk is not trainable
      and always runs in inference mode (batch-norm statistics fixed); when
      False (AudioScope v1) it is fine-tuned.
    batch_norm_momentum: decay of the trunk's batch-norm moving averages
      while it is trained (0.9997, TF-slim's, by default; runs of a few
      hundred steps need e.g. 0.99, see `mobilenet.BN_MOMENTUM`).
  """

  def __init__(self,
               sample_rate: int = 16000,
               stft_window_seconds: float = 0.025,
               stft_hop_seconds: float = 0.010,
               num_mel_bins: int = 64,
               lower_edge_hertz: float = 125.0,
               upper_edge_hertz: float = 7500.0,
               log_offset: float = 1e-3,
               embedding_dim: int = 128,
               width_multiplier: float = 1.0,
               feature_endpoint: str = 'Conv2d_11_pointwise',
               weights_path: Optional[str] = None,
               freeze: bool = True,
               batch_norm_momentum: float = mobilenet.BN_MOMENTUM,
               **kwargs):
    kwargs.setdefault('name', 'audio_embedding')
    super().__init__(**kwargs)
    if sample_rate <= 0:
      raise ValueError(f'sample_rate must be > 0, got {sample_rate}.')
    window = int(round(stft_window_seconds * sample_rate))
    hop = int(round(stft_hop_seconds * sample_rate))
    if window < 2 or hop < 1:
      raise ValueError(
          f'The log-mel window ({stft_window_seconds} s) and hop '
          f'({stft_hop_seconds} s) are too short at {sample_rate} Hz: they '
          f'give a window of {window} and a hop of {hop} samples.')
    if not 0 <= lower_edge_hertz < upper_edge_hertz <= sample_rate / 2:
      raise ValueError(
          f'Mel range must satisfy 0 <= lower ({lower_edge_hertz}) < upper '
          f'({upper_edge_hertz}) <= Nyquist ({sample_rate / 2}); lower '
          'upper_edge_hertz or raise the sample rate.')
    if num_mel_bins < 1 or log_offset <= 0 or embedding_dim < 1:
      raise ValueError(
          f'num_mel_bins ({num_mel_bins}) and embedding_dim ({embedding_dim}) '
          f'must be >= 1 and log_offset ({log_offset}) > 0.')
    self.sample_rate = int(sample_rate)
    self.stft_window_seconds = float(stft_window_seconds)
    self.stft_hop_seconds = float(stft_hop_seconds)
    self.num_mel_bins = int(num_mel_bins)
    self.lower_edge_hertz = float(lower_edge_hertz)
    self.upper_edge_hertz = float(upper_edge_hertz)
    self.log_offset = float(log_offset)
    self.embedding_dim = int(embedding_dim)
    self.width_multiplier = float(width_multiplier)
    self.feature_endpoint = feature_endpoint
    self.weights_path = weights_path
    self.freeze = bool(freeze)
    self.batch_norm_momentum = float(batch_norm_momentum)
    self.window_samples = window
    self.hop_samples = hop
    self.fft_length = int(2**(window - 1).bit_length())
    self.trunk = mobilenet.MobileNetV1(
        width_multiplier=width_multiplier, input_channels=1,
        final_endpoint=feature_endpoint,
        batch_norm_momentum=batch_norm_momentum, name='trunk')
    self.trunk.trainable = not self.freeze
    self.projection = tf.keras.layers.Dense(embedding_dim, name='projection')
    self._mel_matrix = tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=self.num_mel_bins,
        num_spectrogram_bins=self.fft_length // 2 + 1,
        sample_rate=self.sample_rate,
        lower_edge_hertz=self.lower_edge_hertz,
        upper_edge_hertz=self.upper_edge_hertz)
    if weights_path:
      mobilenet.load_weights(self.trunk, weights_path)

  def log_mel(self, waveforms: tf.Tensor) -> tf.Tensor:
    """`[..., samples]` -> log-mel `[..., ceil(samples / hop), mel]`."""
    stft = tf.signal.stft(
        waveforms, frame_length=self.window_samples,
        frame_step=self.hop_samples, fft_length=self.fft_length,
        window_fn=tf.signal.hann_window, pad_end=True)
    mel = tf.tensordot(tf.abs(stft), self._mel_matrix, 1)
    return tf.math.log(mel + self.log_offset)

  def call(self,
           sources,
           num_frames: Union[int, tf.Tensor],
           training=None):
    """Embeds every source, aligned to the T video frames.

    Args:
      sources: `[batch, M, samples]` float32.
      num_frames: T, the number of video frames (int or scalar tensor, >= 1).
      training: Keras training flag (ignored by a frozen trunk).

    Returns:
      Z_A `[batch, M, T, D]`.
    """
    sources = tf.convert_to_tensor(sources)
    if sources.shape.rank != 3:
      raise ValueError(
          f'Sources must be [batch, source, samples], got shape '
          f'{sources.shape}.')
    if not sources.dtype.is_floating:
      raise TypeError(f'Sources must be float, got {sources.dtype.name}.')
    if isinstance(num_frames, int) and num_frames < 1:
      raise ValueError(f'num_frames must be >= 1, got {num_frames}.')
    sources = tf.cast(sources, tf.float32)
    shape = tf.shape(sources)
    batch, num_sources = shape[0], shape[1]
    spectrograms = self.log_mel(
        tf.reshape(sources, [batch * num_sources, shape[2]]))
    trunk_training = False if self.freeze else training
    # [batch * M, frames', mel', channels]: mean over the mel axis.
    features = self.trunk(spectrograms[..., tf.newaxis],
                          training=trunk_training)
    features = tf.reduce_mean(features, axis=2)
    features = area_resample(features, num_frames)
    features = tf.reshape(
        features, [batch, num_sources, num_frames, features.shape[-1]])
    return self.projection(features)

  def get_config(self):
    return dict(name=self.name, sample_rate=self.sample_rate,
                stft_window_seconds=self.stft_window_seconds,
                stft_hop_seconds=self.stft_hop_seconds,
                num_mel_bins=self.num_mel_bins,
                lower_edge_hertz=self.lower_edge_hertz,
                upper_edge_hertz=self.upper_edge_hertz,
                log_offset=self.log_offset, embedding_dim=self.embedding_dim,
                width_multiplier=self.width_multiplier,
                feature_endpoint=self.feature_endpoint,
                weights_path=self.weights_path, freeze=self.freeze,
                batch_norm_momentum=self.batch_norm_momentum)

  @classmethod
  def from_config(cls, config):
    return cls(**config)
