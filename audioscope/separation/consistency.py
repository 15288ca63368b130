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
"""Mixture consistency: separated sources that add up to the mixture.

The projection of Wisdom et al., "Differentiable consistency constraints for
improved deep speech enhancement" (arXiv 1811.08521), in the time domain, as
the TDCN++ of Google's sound-separation code applies it to its estimates:

  s'_m = s_m + w_m (x - sum_k s_k),    sum_m w_m = 1,

so that sum_m s'_m = x. The weights w are one per example and source:

* `uniform`: w_m = 1 / M;
* `magsq`: w_m = (1e-8 + mean_t s_m^2) / sum_k (1e-8 + mean_t s_k^2), the
  louder sources absorb more of the residual;
* a `[batch, source]` tensor, e.g. the `pred_source` weights of
  `ImprovedTDCN` (softmax of a dense layer on the time-mean of the core
  activations).
"""

from typing import Optional, Union

import tensorflow as tf

WEIGHT_TYPES = ('uniform', 'magsq')

# Added to the mean source powers of the `magsq` weights, as in the original.
MAGSQ_EPSILON = 1e-8


def mixture_consistency_weights(sources: tf.Tensor,
                                weight_type: str) -> tf.Tensor:
  """The `uniform` or `magsq` weights of `sources`.

  Args:
    sources: float `[batch, source, time]`.
    weight_type: 'uniform' or 'magsq'.

  Returns:
    `[batch, source]` weights that sum to one over sources.

  Raises:
    ValueError: unknown `weight_type`.
  """
  if weight_type == 'uniform':
    num_sources = tf.cast(tf.shape(sources)[1], sources.dtype)
    return tf.ones_like(sources[:, :, 0]) / num_sources
  if weight_type == 'magsq':
    power = MAGSQ_EPSILON + tf.reduce_mean(tf.square(sources), axis=-1)
    return power / tf.reduce_sum(power, axis=1, keepdims=True)
  raise ValueError(
      f'Unknown mixture consistency weight type {weight_type!r}; use one of '
      f'{WEIGHT_TYPES}, or pass a [batch, source] weight tensor.')


def project(mixture: tf.Tensor, sources: tf.Tensor,
            weights: tf.Tensor) -> tf.Tensor:
  """The projection itself, without input checks (used inside the model).

  Args:
    mixture: `[batch, time]`.
    sources: `[batch, source, time]`.
    weights: `[batch, source]`, summing to one over sources.

  Returns:
    `[batch, source, time]`.
  """
  residual = mixture - tf.reduce_sum(sources, axis=1)
  return sources + weights[:, :, tf.newaxis] * residual[:, tf.newaxis, :]


def enforce_mixture_consistency(
    mixture,
    sources,
    weights: Optional[Union[str, tf.Tensor]] = None) -> tf.Tensor:
  """Makes `sources` add up to `mixture` (least-squares correction).

  Args:
    mixture: float32 `[batch, time]`.
    sources: float32 `[batch, source, time]`.
    weights: None or 'uniform' (1 / M each), 'magsq' (proportional to the
      sources' mean power), or a `[batch, source]` tensor of weights that sum
      to one over sources (e.g. a softmax).

  Returns:
    float32 `[batch, source, time]` whose sum over sources equals `mixture`.

  Raises:
    ValueError: wrong ranks or shapes, an unknown weight type, or weights
      that do not sum to one.
    TypeError: non-floating inputs.
  """
  mixture = tf.convert_to_tensor(mixture)
  sources = tf.convert_to_tensor(sources)
  for name, value in (('mixture', mixture), ('sources', sources)):
    if not value.dtype.is_floating:
      raise TypeError(
          f'{name} must be a float32 waveform tensor, got dtype '
          f'{value.dtype.name}; convert with tf.cast(x, tf.float32).')
  mixture = tf.cast(mixture, tf.float32)
  sources = tf.cast(sources, tf.float32)
  if mixture.shape.rank != 2:
    raise ValueError(
        f'mixture must be [batch, time], got shape {mixture.shape}.')
  if sources.shape.rank != 3:
    raise ValueError(
        f'sources must be [batch, source, time], got shape {sources.shape}.')
  if not (mixture.shape[0] is None or sources.shape[0] is None or
          mixture.shape[0] == sources.shape[0]) or not (
              mixture.shape[1] is None or sources.shape[2] is None or
              mixture.shape[1] == sources.shape[2]):
    raise ValueError(
        f'mixture {mixture.shape} and sources {sources.shape} do not fit: '
        'they need the same batch size and number of samples.')
  if weights is None:
    weights = 'uniform'
  if isinstance(weights, str):
    weights = mixture_consistency_weights(sources, weights)
  else:
    weights = tf.cast(tf.convert_to_tensor(weights), tf.float32)
    if weights.shape.rank != 2:
      raise ValueError(
          f'weights must be [batch, source], got shape {weights.shape}; use '
          "None, 'uniform' or 'magsq' for the built-in weights.")
    if not (weights.shape[1] is None or sources.shape[1] is None or
            weights.shape[1] == sources.shape[1]):
      raise ValueError(
          f'weights {weights.shape} do not fit sources {sources.shape}: one '
          'weight per example and source is needed.')
    tf.debugging.assert_near(
        tf.reduce_sum(weights, axis=1), tf.ones_like(weights[:, 0]),
        atol=1e-3,
        message=('mixture consistency weights must sum to one over sources; '
                 'normalise them, e.g. with tf.nn.softmax(logits, axis=1).'))
  return project(mixture, sources, weights)
