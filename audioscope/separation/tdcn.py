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
"""The TDCN++ ("improved TDCN") mask-based separation network.

Re-implemented from the description of Google's sound-separation code (the
MixIT recipe `models/neurips2020_mixit/model.py` with `models/train/network.py`
and `network_config.improved_tdcn()`), so that its published checkpoints load
and give the same outputs (see `original_checkpoint.py`):

  audio [batch, T]
    -> front-end: learned basis (40-sample frames, hop 20, 256 ReLU
       coefficients) or STFT magnitude with a scalar-parameter normalisation
       over (frame, bin)                                 -> [batch, F, N]
    -> initial dense (with bias) * scalar                -> [batch, F, B]
    -> 32 blocks (8 dilations 1..128 x 4 repeats), block b with input u:
         y = PReLU(s1 * W1 u)  (dense B -> H, no bias);  y = InstanceNorm(y)
         z = depthwise conv over time (kernel 3, dilation d, SAME, bias)
         z = InstanceNorm(PReLU(z))
         u + s2_b * W2 z       (dense H -> B, no bias, s2_b init 0.9^b)
       optional long-range skip-residuals: before block k, for each earlier
       repeat start j (0 -> 8, 16, 24; 8 -> 16, 24; 16 -> 24),
       u_k += scalar * Dense_{j->k}(u_j) (with bias)
    -> core activations h [batch, F, B]
    -> masks: sigmoid(dense(h)) (no bias), index source-major  [batch, M, F, N]
    -> mask * mixture coefficients -> decoder / inverse STFT -> crop to T
    -> mixture consistency with weights softmax(dense(mean_t h)) (default)
  sources [batch, M, T]

PReLU is relu(x) - a * relu(-x) with one scalar a (init 0.1). The instance
norm takes its statistics over time only (per example and channel),
population variance, eps 1e-3, scalar gamma and beta (shape [1]).
"""

from typing import Dict, List, Optional, Sequence, Tuple, Union

import gin
import tensorflow as tf

from audioscope.separation import basis
from audioscope.separation import consistency as consistency_lib

FRONT_ENDS = ('learned_basis', 'stft')
CONSISTENCY_TYPES = ('pred_source', 'uniform', 'magsq', 'none')
PRELU_INIT = 0.1
NORM_EPSILON = 1e-3
BLOCK_SCALE_BASE = 0.9


@tf.keras.utils.register_keras_serializable(package='audioscope')
class ScaledDense(tf.keras.layers.Layer):
  """Dense layer on the last axis, optionally times a learnable scalar.

  `[..., in]` -> `[..., units]`: scale * (x W + b). Weights: `kernel`
  `[in, units]` (Glorot uniform), `bias` `[units]` (zeros, if `use_bias`),
  `scale` `[]` (initialised to `scale_init`, if it is not None); the
  original's `<scope>/dense/kernel`, `<scope>/dense/bias` and
  `<scope>/dense_scale/scale_layer`.
  """

  def __init__(self, units: int, use_bias: bool = False,
               scale_init: Optional[float] = None, **kwargs):
    """Builds the layer.

    Args:
      units: output size.
      use_bias: add a bias vector.
      scale_init: initial value of the scalar multiplier; None for none.
      **kwargs: Keras layer arguments (name, ...).
    """
    super().__init__(**kwargs)
    _check_positive_int('units', units)
    self.units = int(units)
    self.use_bias = bool(use_bias)
    self.scale_init = None if scale_init is None else float(scale_init)

  def build(self, input_shape):
    input_dim = int(tf.TensorShape(input_shape)[-1])
    self.kernel = self.add_weight('kernel', shape=[input_dim, self.units],
                                  initializer='glorot_uniform')
    self.bias = None
    if self.use_bias:
      self.bias = self.add_weight('bias', shape=[self.units],
                                  initializer='zeros')
    self.scale = None
    if self.scale_init is not None:
      self.scale = self.add_weight(
          'scale', shape=[],
          initializer=tf.keras.initializers.Constant(self.scale_init))
    super().build(input_shape)

  def call(self, inputs: tf.Tensor) -> tf.Tensor:
    outputs = tf.tensordot(inputs, self.kernel, axes=1)
    if self.bias is not None:
      outputs = tf.nn.bias_add(outputs, self.bias)
    if self.scale is not None:
      outputs = self.scale * outputs
    return outputs

  def get_config(self):
    config = super().get_config()
    config.update(units=self.units, use_bias=self.use_bias,
                  scale_init=self.scale_init)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class ScalarPReLU(tf.keras.layers.Layer):
  """relu(x) - alpha * relu(-x) with one scalar `alpha` (init 0.1)."""

  def __init__(self, alpha_init: float = PRELU_INIT, **kwargs):
    super().__init__(**kwargs)
    self.alpha_init = float(alpha_init)

  def build(self, input_shape):
    self.alpha = self.add_weight(
        'alpha', shape=[],
        initializer=tf.keras.initializers.Constant(self.alpha_init))
    super().build(input_shape)

  def call(self, inputs: tf.Tensor) -> tf.Tensor:
    # Bit-identical to relu(x) - alpha * relu(-x), in fewer passes.
    return tf.where(inputs > 0, inputs, self.alpha * inputs)

  def get_config(self):
    config = super().get_config()
    config.update(alpha_init=self.alpha_init)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class ScalarParamNormalization(tf.keras.layers.Layer):
  """Normalisation over `axis` with scalar gamma and beta (shape [1]).

  (x - mean) / sqrt(var + eps) * gamma + beta, mean and population variance
  over `axis`, separately for every index of the other axes. On
  `[batch, frames, channels]` with axis=1 this is the TDCN++ instance norm
  (statistics over time, per example and channel); with axis=(1, 2) it is the
  normalisation of the STFT magnitudes (`layer_norm_on_mag`).
  """

  def __init__(self, axis: Union[int, Sequence[int]] = 1,
               epsilon: float = NORM_EPSILON, **kwargs):
    super().__init__(**kwargs)
    self.axis = [int(axis)] if isinstance(axis, int) else [int(a) for a in axis]
    if not self.axis:
      raise ValueError('ScalarParamNormalization needs at least one axis.')
    if epsilon <= 0:
      raise ValueError(f'epsilon must be > 0, got {epsilon}.')
    self.epsilon = float(epsilon)

  def build(self, input_shape):
    self.gamma = self.add_weight('gamma', shape=[1], initializer='ones')
    self.beta = self.add_weight('beta', shape=[1], initializer='zeros')
    super().build(input_shape)

  def call(self, inputs: tf.Tensor) -> tf.Tensor:
    mean, variance = tf.nn.moments(inputs, self.axis, keepdims=True)
    return tf.nn.batch_normalization(inputs, mean, variance, self.beta,
                                     self.gamma, self.epsilon)

  def get_config(self):
    config = super().get_config()
    config.update(axis=list(self.axis), epsilon=self.epsilon)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class DepthwiseTimeConv(tf.keras.layers.Layer):
  """Dilated depthwise convolution over time, 'SAME' padding, with bias.

  `[batch, frames, channels]` -> same shape. Weights: `depthwise_kernel`
  `[kernel_size, 1, channels, 1]` (Glorot uniform, the original's layout)
  and `bias` `[channels]`. Output t sees inputs t + (i - (k - 1) // 2) * d,
  i = 0..k-1, zeros outside (the padding of a 'SAME' convolution).
  """

  def __init__(self, kernel_size: int = 3, dilation: int = 1, **kwargs):
    super().__init__(**kwargs)
    _check_positive_int('kernel_size', kernel_size)
    _check_positive_int('dilation', dilation)
    self.kernel_size = int(kernel_size)
    self.dilation = int(dilation)

  def build(self, input_shape):
    channels = int(tf.TensorShape(input_shape)[-1])
    self.depthwise_kernel = self.add_weight(
        'depthwise_kernel', shape=[self.kernel_size, 1, channels, 1],
        initializer='glorot_uniform')
    self.bias = self.add_weight('bias', shape=[channels], initializer='zeros')
    super().build(input_shape)

  def call(self, inputs: tf.Tensor) -> tf.Tensor:
    outputs = tf.nn.depthwise_conv2d(
        inputs[:, :, tf.newaxis, :], self.depthwise_kernel,
        strides=[1, 1, 1, 1], padding='SAME', dilations=[self.dilation, 1])
    return tf.nn.bias_add(outputs[:, :, 0, :], self.bias)

  def get_config(self):
    config = super().get_config()
    config.update(kernel_size=self.kernel_size, dilation=self.dilation)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class TDCNBlock(tf.keras.layers.Layer):
  """One TDCN++ block, `[batch, frames, bottleneck]` -> same shape.

  u + dense2(norm2(prelu2(timeconv(norm1(prelu1(dense1(u))))))), where
  dense1 (B -> H) and dense2 (H -> B) have no bias and a scalar multiplier
  (dense1's initialised to 1, dense2's to `scale_init`).

  Sublayers (original names under `conv_block_<b>/tdcn_block/`): `dense1`
  (`dense1/...`), `prelu1` (`normact1/prelu/prelu`), `norm1`
  (`normact1/instance_norm/{gamma,beta}`), `timeconv`
  (`timeconv/separable_conv/{depthwise_kernel,bias}`), `prelu2`, `norm2`
  (`normact2/...`), `dense2` (`dense2/...`).
  """

  def __init__(self, bottleneck: int = 256, conv_channels: int = 512,
               kernel_size: int = 3, dilation: int = 1,
               scale_init: float = 1.0, **kwargs):
    super().__init__(**kwargs)
    self.bottleneck = int(bottleneck)
    self.conv_channels = int(conv_channels)
    self.kernel_size = int(kernel_size)
    self.dilation = int(dilation)
    self.scale_init = float(scale_init)
    self.dense1 = ScaledDense(conv_channels, use_bias=False, scale_init=1.0,
                              name='dense1')
    self.prelu1 = ScalarPReLU(name='prelu1')
    self.norm1 = ScalarParamNormalization(axis=1, name='instance_norm1')
    self.timeconv = DepthwiseTimeConv(kernel_size, dilation, name='timeconv')
    self.prelu2 = ScalarPReLU(name='prelu2')
    self.norm2 = ScalarParamNormalization(axis=1, name='instance_norm2')
    self.dense2 = ScaledDense(bottleneck, use_bias=False,
                              scale_init=scale_init, name='dense2')

  def build(self, input_shape):
    input_shape = tf.TensorShape(input_shape)
    if input_shape[-1] is not None and input_shape[-1] != self.bottleneck:
      raise ValueError(
          f'{self.name} expects {self.bottleneck} channels, got input shape '
          f'{input_shape}.')
    inner_shape = input_shape[:-1].concatenate([self.conv_channels])
    _build_sublayer(self.dense1, input_shape)
    for layer in (self.prelu1, self.norm1, self.timeconv, self.prelu2,
                  self.norm2):
      _build_sublayer(layer, inner_shape)
    _build_sublayer(self.dense2, inner_shape)
    super().build(input_shape)

  def call(self, inputs: tf.Tensor) -> tf.Tensor:
    y = self.norm1(self.prelu1(self.dense1(inputs)))
    z = self.norm2(self.prelu2(self.timeconv(y)))
    return inputs + self.dense2(z)

  def get_config(self):
    config = super().get_config()
    config.update(bottleneck=self.bottleneck,
                  conv_channels=self.conv_channels,
                  kernel_size=self.kernel_size, dilation=self.dilation,
                  scale_init=self.scale_init)
    return config


def skip_residual_connections(num_dilations: int,
                              num_repeats: int) -> List[Tuple[int, int]]:
  """(from_block, to_block) pairs of the long-range skip-residuals.

  From the input of the first block of every repeat j to the input of the
  first block of every later repeat k, in the original's order (k outer, j
  inner): for 8 x 4, (0, 8), (0, 16), (8, 16), (0, 24), (8, 24), (16, 24).
  """
  return [(j * num_dilations, k * num_dilations)
          for k in range(num_repeats) for j in range(k)]


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class ImprovedTDCN(tf.keras.Model):
  """TDCN++ separator: mixture `[batch, time]` -> sources `[batch, M, time]`.

  The defaults are Google's MixIT recipe (learned basis, no long-range
  skip-residuals, `pred_source` mixture consistency), 8,803,841 parameters
  for M = 4. Any batch size and length (lengths shorter than the basis
  window are zero-padded to one window and the outputs cropped back).

  Attributes:
    encoder, decoder: `LearnedBasisEncoder` / `LearnedBasisDecoder`
      (learned basis only).
    stft: `basis.StftTransform`, and `input_norm`, the scalar-parameter
      normalisation of the magnitudes (STFT only).
    initial_dense: `ScaledDense` with bias and scalar.
    blocks: the `TDCNBlock`s, `blocks[b]` has dilation 2^(b mod D).
    skip_denses: `ScaledDense`s of the skip-residuals, one per pair of
      `skip_connections`.
    mask_dense: bias-free dense layer to M * N mask logits.
    mix_weights_dense: bias-free dense layer to M mixture-consistency logits
      (`pred_source` only).
  """

  def __init__(self,
               num_sources: int = 4,
               front_end: str = 'learned_basis',
               num_basis: int = 256,
               window_samples: int = 40,
               hop_samples: int = 20,
               bottleneck: int = 256,
               conv_channels: int = 512,
               kernel_size: int = 3,
               num_dilations: int = 8,
               num_repeats: int = 4,
               skip_residuals: bool = False,
               consistency: str = 'pred_source',
               sample_rate: int = 16000,
               stft_window_seconds: float = 0.032,
               stft_hop_seconds: float = 0.008,
               name: str = 'improved_tdcn',
               **kwargs):
    """Builds the separator.

    Args:
      num_sources: M, the number of output sources.
      front_end: 'learned_basis' or 'stft'.
      num_basis: N, learned basis coefficients (learned basis only).
      window_samples: learned basis window, samples (2.5 ms at 16 kHz).
      hop_samples: learned basis hop, samples.
      bottleneck: B, channels between blocks.
      conv_channels: H, channels inside a block.
      kernel_size: depthwise convolution length.
      num_dilations: D, blocks per repeat (dilations 1 .. 2^(D-1)).
      num_repeats: R; there are D * R blocks.
      skip_residuals: add the long-range skip-residuals between repeats.
      consistency: mixture consistency weights: 'pred_source' (predicted),
        'uniform', 'magsq', or 'none' (no projection).
      sample_rate: Hz (sets the STFT sizes).
      stft_window_seconds: STFT window (STFT only).
      stft_hop_seconds: STFT hop (STFT only).
      name: model name.
      **kwargs: Keras model arguments.

    Raises:
      ValueError: an unknown front-end or consistency type, or sizes that
        are not positive integers.
    """
    super().__init__(name=name, **kwargs)
    for arg_name, value in (('num_sources', num_sources),
                            ('num_basis', num_basis),
                            ('window_samples', window_samples),
                            ('hop_samples', hop_samples),
                            ('bottleneck', bottleneck),
                            ('conv_channels', conv_channels),
                            ('kernel_size', kernel_size),
                            ('num_dilations', num_dilations),
                            ('num_repeats', num_repeats),
                            ('sample_rate', sample_rate)):
      _check_positive_int(arg_name, value)
    if front_end not in FRONT_ENDS:
      raise ValueError(
          f'Unknown front_end {front_end!r}; use one of {FRONT_ENDS}.')
    if consistency in (None, ''):
      consistency = 'none'
    if consistency not in CONSISTENCY_TYPES:
      raise ValueError(
          f'Unknown consistency {consistency!r}; use one of '
          f'{CONSISTENCY_TYPES}.')
    self.num_sources = int(num_sources)
    self.front_end = front_end
    self.num_basis = int(num_basis)
    self.window_samples = int(window_samples)
    self.hop_samples = int(hop_samples)
    self.bottleneck = int(bottleneck)
    self.conv_channels = int(conv_channels)
    self.kernel_size = int(kernel_size)
    self.num_dilations = int(num_dilations)
    self.num_repeats = int(num_repeats)
    self.skip_residuals = bool(skip_residuals)
    self.consistency = consistency
    self.sample_rate = int(sample_rate)
    self.stft_window_seconds = float(stft_window_seconds)
    self.stft_hop_seconds = float(stft_hop_seconds)

    self.encoder = None
    self.decoder = None
    self.stft = None
    self.input_norm = None
    if front_end == 'learned_basis':
      self.encoder = basis.LearnedBasisEncoder(
          self.num_basis, self.window_samples, self.hop_samples,
          name='conv_encoder')
      self.decoder = basis.LearnedBasisDecoder(
          self.num_basis, self.window_samples, self.hop_samples,
          name='conv_decoder')
      self.num_coefficients = self.num_basis
    else:
      self.stft = basis.StftTransform(self.sample_rate,
                                      self.stft_window_seconds,
                                      self.stft_hop_seconds)
      self.input_norm = ScalarParamNormalization(axis=(1, 2),
                                                 name='layer_norm_on_mag')
      self.num_coefficients = self.stft.num_bins

    self.initial_dense = ScaledDense(self.bottleneck, use_bias=True,
                                     scale_init=1.0, name='initial_dense')
    num_blocks = self.num_dilations * self.num_repeats
    self.blocks = [
        TDCNBlock(self.bottleneck, self.conv_channels, self.kernel_size,
                  dilation=2**(b % self.num_dilations),
                  scale_init=BLOCK_SCALE_BASE**b, name=f'conv_block_{b}')
        for b in range(num_blocks)
    ]
    self.skip_connections = (
        skip_residual_connections(self.num_dilations, self.num_repeats)
        if self.skip_residuals else [])
    self.skip_denses = [
        ScaledDense(self.bottleneck, use_bias=True, scale_init=1.0,
                    name=f'res_dense_{src}_to_{dst}')
        for src, dst in self.skip_connections
    ]
    self.mask_dense = ScaledDense(self.num_sources * self.num_coefficients,
                                  use_bias=False, name='mask_dense')
    self.mix_weights_dense = None
    if self.consistency == 'pred_source':
      self.mix_weights_dense = ScaledDense(self.num_sources, use_bias=False,
                                           name='mix_weights')

  def build(self, input_shape=None):
    """Creates every weight; needs no forward pass (any `input_shape`)."""
    del input_shape  # All weight shapes follow from the configuration.
    if self.encoder is not None:
      _build_sublayer(self.encoder, [None, None])
      _build_sublayer(self.decoder, [None, None, None, self.num_coefficients])
    else:
      _build_sublayer(self.input_norm, [None, None, self.num_coefficients])
    _build_sublayer(self.initial_dense, [None, None, self.num_coefficients])
    core_shape = [None, None, self.bottleneck]
    for layer in self.skip_denses + self.blocks + [self.mask_dense]:
      _build_sublayer(layer, core_shape)
    if self.mix_weights_dense is not None:
      _build_sublayer(self.mix_weights_dense, [None, self.bottleneck])
    tf.keras.layers.Layer.build(self, [None, None])

  # ---------------------------------------------------------------------------
  # Forward pass.

  def validate_audio(self, audio) -> tf.Tensor:
    """Checks a mixture batch and returns it as a float32 tensor.

    Args:
      audio: `[batch, time]` floating waveforms.

    Returns:
      float32 `[batch, time]` (in graph mode it carries a finite-values check).

    Raises:
      ValueError: wrong rank.
      TypeError: non-floating dtype.
      tf.errors.InvalidArgumentError: NaN or Inf values (at run time).
    """
    audio = tf.convert_to_tensor(audio)
    if not audio.dtype.is_floating:
      raise TypeError(
          f'{self.name} takes float32 waveforms, got dtype {audio.dtype.name}; '
          'convert integer PCM with tf.cast(x, tf.float32) / 32768.')
    if audio.shape.rank != 2:
      raise ValueError(
          f'{self.name} takes mixtures [batch, time], got shape {audio.shape}; '
          'add a batch axis (audio[tf.newaxis]) for one clip, or drop the '
          'microphone axis (audio[:, 0]) of [batch, 1, time].')
    audio = tf.cast(audio, tf.float32)
    return tf.debugging.check_numerics(
        audio, f'{self.name} input audio contains NaN or Inf; repair or drop '
        'those samples (e.g. tf.where(tf.math.is_finite(x), x, 0.)) before '
        'separating')

  def core(self, features: tf.Tensor) -> tf.Tensor:
    """Initial dense layer and the blocks: `[batch, F, N]` -> `[batch, F, B]`."""
    activations = self.initial_dense(features)
    block_inputs = []
    skips = {}
    for (src, dst), layer in zip(self.skip_connections, self.skip_denses):
      skips.setdefault(dst, []).append((src, layer))
    for index, block in enumerate(self.blocks):
      for src, layer in skips.get(index, ()):
        activations = activations + layer(block_inputs[src])
      block_inputs.append(activations)
      activations = block(activations)
    return activations

  def call(self, audio, training=None, return_intermediates: bool = False):
    """Separates mixtures.

    Args:
      audio: float32 `[batch, time]`.
      training: Keras training flag (the network has no dropout or batch
        statistics, so it changes nothing).
      return_intermediates: return a dict instead of the sources.

    Returns:
      sources float32 `[batch, M, time]`, or with `return_intermediates` a
      dict: `sources`; `unconstrained_sources` `[batch, M, time]` (before
      mixture consistency); `masks` `[batch, M, F, N]`; `core_activations`
      `[batch, F, bottleneck]`; `mix_weights` `[batch, M]` (the consistency
      weights; uniform ones for 'none').
    """
    del training  # No dropout or batch statistics.
    audio = self.validate_audio(audio)
    batch_size = tf.shape(audio)[0]
    num_samples = tf.shape(audio)[1]
    if self.encoder is not None:
      coefficients = self.encoder(audio)
      features = coefficients
    else:
      spectrogram = self.stft.forward(audio)
      features = self.input_norm(tf.abs(spectrogram))
    core_activations = self.core(features)

    logits = self.mask_dense(core_activations)
    num_frames = tf.shape(logits)[1]
    logits = tf.reshape(logits, [batch_size, num_frames, self.num_sources,
                                 self.num_coefficients])
    masks = tf.nn.sigmoid(tf.transpose(logits, [0, 2, 1, 3]))
    if self.encoder is not None:
      sources = self.decoder(masks * coefficients[:, tf.newaxis])
      sources = sources[:, :, :num_samples]
    else:
      complex_masks = tf.complex(masks, tf.zeros_like(masks))
      masked = complex_masks * spectrogram[:, tf.newaxis]
      sources = self.stft.inverse(masked, num_samples)
    unconstrained_sources = sources

    if self.consistency == 'pred_source':
      mix_logits = self.mix_weights_dense(
          tf.reduce_mean(core_activations, axis=1))
      mix_weights = tf.nn.softmax(mix_logits, axis=-1)
    elif self.consistency == 'none':
      mix_weights = consistency_lib.mixture_consistency_weights(
          sources, 'uniform')
    else:
      mix_weights = consistency_lib.mixture_consistency_weights(
          sources, self.consistency)
    if self.consistency != 'none':
      sources = consistency_lib.project(audio, sources, mix_weights)
    if not return_intermediates:
      return sources
    return dict(sources=sources, unconstrained_sources=unconstrained_sources,
                masks=masks, core_activations=core_activations,
                mix_weights=mix_weights)

  def num_frames(self, num_samples: int) -> int:
    """F, the frames of the core for `num_samples` input samples."""
    if self.encoder is not None:
      return basis.num_basis_frames(int(num_samples), self.window_samples,
                                    self.hop_samples)
    padded = int(num_samples) + self.stft.padding
    return -(-padded // self.stft.hop_samples)

  def get_config(self) -> Dict[str, object]:
    return dict(
        num_sources=self.num_sources,
        front_end=self.front_end,
        num_basis=self.num_basis,
        window_samples=self.window_samples,
        hop_samples=self.hop_samples,
        bottleneck=self.bottleneck,
        conv_channels=self.conv_channels,
        kernel_size=self.kernel_size,
        num_dilations=self.num_dilations,
        num_repeats=self.num_repeats,
        skip_residuals=self.skip_residuals,
        consistency=self.consistency,
        sample_rate=self.sample_rate,
        stft_window_seconds=self.stft_window_seconds,
        stft_hop_seconds=self.stft_hop_seconds,
        name=self.name,
    )

  @classmethod
  def from_config(cls, config, custom_objects=None):
    del custom_objects  # Unused.
    return cls(**config)


def _check_positive_int(name: str, value) -> None:
  if isinstance(value, bool) or int(value) != value or value < 1:
    raise ValueError(f'{name} must be a positive integer, got {value!r}.')


def _build_sublayer(layer: tf.keras.layers.Layer, input_shape) -> None:
  """Builds `layer` for `input_shape` (under its name scope) if needed."""
  if not layer.built:
    with tf.name_scope(layer.name):
      layer.build(tf.TensorShape(input_shape))
