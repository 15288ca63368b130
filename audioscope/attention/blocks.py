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
"""Self-attention (SA) and cross-modal attention (CMA) blocks, AudioScopeV2.

`SelfAttentionBlock` is SA_A of eq. (3), one transformer layer over
`[batch, X, T, D]` with attention over the axes A. Its LayerNorm placement
(`variant`):
* 'eccv' (default, ECCV eq. 3):
    b = MHA_A(Z, Z) + Z;  Z' = LN(f(Dropout(b)) + b).
* 'arxiv' (arXiv eq. 4):
    r = LN(MHA_A(Z, Z) + Z);  Z' = LN(f(Dropout(r))) + r.
* 'figure' (the SA column of the project-page figure):
    r = LN(MHA_A(Z, Z) + Z);  Z' = LN(f(Dropout(r)) + r).

`CrossModalAttentionBlock` is CMA_{M|G,T} (attention_axes ('X', 'T')) or
CMA_{M|G} (attention_axes ('X',)) of eq. (6), both directions computed from the
previous layer's audio A and video V (audio queries video, video queries audio,
separate weights per direction). `variant`:
* 'figure' (default; the CMA column of the figure, i.e. eq. (6) with the extra
  residual and LayerNorm drawn there):
    a1 = MHA(A, V);  a2 = LN(a1 + A);  a3 = LN(f(Dropout(a2)) + a2);
    A' = LN(a3 + A).
* 'eccv' (ECCV eq. 6 / arXiv eq. 7 as printed):
    a1 = MHA(A, V);  a2 = LN(a1 + A);  A' = LN(f(Dropout(a2)) + A).
The video direction swaps A and V.

f is a dense D -> D map (linear unless `activation` is given; the papers name
no activation). Padded time steps are handled with a time mask `[batch, T]`
(1/True valid): masked keys get no attention weight, so valid outputs do not
depend on padded inputs.
"""

import tensorflow as tf

from audioscope.attention import axis_attention

SA_VARIANTS = ('eccv', 'arxiv', 'figure')
CMA_VARIANTS = ('figure', 'eccv')


def attention_options(implementation='auto', query_chunk_size=None,
                      key_chunk_size=None, chunk_budget_bytes=64 * 2**20,
                      max_plain_attention_bytes=512 * 2**20):
  """The `MultiHeadAxisAttention` arguments that pick plain/chunked mode."""
  return dict(implementation=implementation,
              query_chunk_size=query_chunk_size,
              key_chunk_size=key_chunk_size,
              chunk_budget_bytes=chunk_budget_bytes,
              max_plain_attention_bytes=max_plain_attention_bytes)


def validate_common(num_heads, dropout_rate, attention_dropout_rate):
  """Raises ValueError on a bad number of heads or dropout rate."""
  if not isinstance(num_heads, int) or isinstance(num_heads, bool) or (
      num_heads < 1):
    raise ValueError(
        f'num_heads must be a positive integer, got {num_heads!r}; pass e.g. 4.')
  for name, rate in (('dropout_rate', dropout_rate),
                     ('attention_dropout_rate', attention_dropout_rate)):
    if not 0.0 <= rate < 1.0:
      raise ValueError(f'{name} must be in [0, 1), got {rate!r}; pass e.g. 0.1.')


def head_depth(depth, num_heads, layer_name):
  """D / H, raising a clear error if D is unknown or not divisible by H."""
  if depth is None:
    raise ValueError(f'{layer_name}: the feature depth D (last axis) must be '
                     'static.')
  if depth % num_heads:
    raise ValueError(
        f'{layer_name}: depth D={depth} is not divisible by num_heads='
        f'{num_heads}; pick num_heads dividing D (e.g. 4 for D=128).')
  return depth // num_heads


class _BlockBase(tf.keras.layers.Layer):
  """Arguments shared by the SA and CMA blocks."""

  def __init__(self, attention_axes, num_heads=4, dropout_rate=0.1,
               attention_dropout_rate=0.0, activation=None,
               layer_norm_epsilon=1e-6, implementation='auto',
               query_chunk_size=None, key_chunk_size=None,
               chunk_budget_bytes=64 * 2**20,
               max_plain_attention_bytes=512 * 2**20, same_time_bias=None,
               **kwargs):
    super().__init__(**kwargs)
    validate_common(num_heads, dropout_rate, attention_dropout_rate)
    self.attention_axes = axis_attention.normalize_attention_axes(
        attention_axes)
    self.same_time_bias = axis_attention.check_same_time_bias(
        same_time_bias, self.attention_axes)
    self.num_heads = num_heads
    self.dropout_rate = float(dropout_rate)
    self.attention_dropout_rate = float(attention_dropout_rate)
    self.activation = tf.keras.activations.get(activation)
    self.layer_norm_epsilon = layer_norm_epsilon
    self.options = attention_options(
        implementation, query_chunk_size, key_chunk_size, chunk_budget_bytes,
        max_plain_attention_bytes)
    # Validates the options once, with a clear error.
    axis_attention.MultiHeadAxisAttention(
        num_heads, 1, self.attention_axes, **self.options)

  def _attention(self, depth, name):
    return axis_attention.MultiHeadAxisAttention(
        num_heads=self.num_heads,
        key_dim=head_depth(depth, self.num_heads, self.name),
        attention_axes=self.attention_axes,
        dropout=self.attention_dropout_rate,
        same_time_bias=self.same_time_bias,
        name=name,
        **self.options)

  def _layer_norm(self, name):
    return tf.keras.layers.LayerNormalization(
        epsilon=self.layer_norm_epsilon, name=name)

  def get_config(self):
    config = super().get_config()
    config.update({
        'attention_axes': list(self.attention_axes),
        'num_heads': self.num_heads,
        'dropout_rate': self.dropout_rate,
        'attention_dropout_rate': self.attention_dropout_rate,
        'activation': tf.keras.activations.serialize(self.activation),
        'layer_norm_epsilon': self.layer_norm_epsilon,
        'same_time_bias': self.same_time_bias,
    })
    config.update(self.options)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class SelfAttentionBlock(_BlockBase):
  """SA_A: `block(z [batch, X, T, D], time_mask=None) -> [batch, X, T, D]`."""

  def __init__(self, attention_axes, variant='eccv', **kwargs):
    """Initialises the block.

    Args:
      attention_axes: ('X', 'T'), ('T',) or ('X',) (or indices 1, 2).
      variant: LayerNorm placement, 'eccv' (eq. 3), 'arxiv' (its eq. 4) or
        'figure' (see module docstring).
      **kwargs: num_heads (4), dropout_rate (0.1, the Dropout before f),
        attention_dropout_rate (0.0, on the attention weights), activation of
        f (None), layer_norm_epsilon, same_time_bias (None; attention over
        ('X', 'T') only, see `MultiHeadAxisAttention`), the plain/chunked
        options of `MultiHeadAxisAttention` and Layer arguments.

    Raises:
      ValueError: on an unknown variant or a bad argument.
    """
    if variant not in SA_VARIANTS:
      raise ValueError(
          f'variant must be one of {SA_VARIANTS}, got {variant!r}.')
    super().__init__(attention_axes, **kwargs)
    self.variant = variant

  def build(self, input_shape):
    depth = tf.TensorShape(input_shape)[-1]
    self.attention = self._attention(depth, 'attention')
    self.dense = tf.keras.layers.Dense(
        depth, activation=self.activation, name='dense')
    self.dropout = tf.keras.layers.Dropout(self.dropout_rate)
    self.norm_attention = self._layer_norm('norm_attention')
    self.norm_output = self._layer_norm('norm_output')
    super().build(input_shape)

  def call(self, inputs, time_mask=None, training=None):
    """Applies the block.

    Args:
      inputs: [batch, X, T, D].
      time_mask: optional [batch, T] (or [batch, X, T]) validity mask.
      training: whether dropout is active.

    Returns:
      [batch, X, T, D].
    """
    attended = self.attention(inputs, inputs, attention_mask=time_mask,
                              training=training) + inputs
    if self.variant == 'eccv':
      hidden = self.dense(self.dropout(attended, training=training))
      return self.norm_output(hidden + attended)
    attended = self.norm_attention(attended)
    hidden = self.dense(self.dropout(attended, training=training))
    if self.variant == 'arxiv':
      return self.norm_output(hidden) + attended
    return self.norm_output(hidden + attended)

  def get_config(self):
    config = super().get_config()
    config['variant'] = self.variant
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class CrossModalAttentionBlock(_BlockBase):
  """CMA_{M|G,T} / CMA_{M|G} of eq. (6), both directions.

  `block(audio [batch, M, T, D], video [batch, G, T, D], time_mask=None)
  -> (audio' [batch, M, T, D], video' [batch, G, T, D])`.
  """

  def __init__(self, attention_axes=('X', 'T'), variant='figure',
               update_video=True, **kwargs):
    """Initialises the block.

    Args:
      attention_axes: ('X', 'T') for CMA_{M|G,T} (joint), ('X',) for
        CMA_{M|G} (separable). ('T',) is not a cross-modal attention (it needs
        M == G) and is rejected.
      variant: 'figure' (default) or 'eccv' (see module docstring).
      update_video: if False, the video direction is not computed and the
        input video is returned unchanged (used for the last block of a
        module, whose video output is never read, so that no weight is left
        without a gradient).
      **kwargs: as for `SelfAttentionBlock`.

    Raises:
      ValueError: on an unknown variant, ('T',) axes or a bad argument.
    """
    if variant not in CMA_VARIANTS:
      raise ValueError(
          f'variant must be one of {CMA_VARIANTS}, got {variant!r}.')
    super().__init__(attention_axes, **kwargs)
    if self.attention_axes == ('T',):
      raise ValueError(
          "CrossModalAttentionBlock attends across modalities over ('X', 'T') "
          "or ('X',); ('T',) would need M == G. Use SelfAttentionBlock for "
          'attention over time.')
    self.variant = variant
    self.update_video = bool(update_video)

  def _direction(self, depth, prefix):
    return dict(
        attention=self._attention(depth, f'{prefix}_attention'),
        dense=tf.keras.layers.Dense(depth, activation=self.activation,
                                    name=f'{prefix}_dense'),
        dropout=tf.keras.layers.Dropout(self.dropout_rate),
        norm_attention=self._layer_norm(f'{prefix}_norm_attention'),
        norm_dense=self._layer_norm(f'{prefix}_norm_dense'),
        norm_output=self._layer_norm(f'{prefix}_norm_output'))

  def build(self, input_shape):
    depth = tf.TensorShape(input_shape)[-1]
    head_depth(depth, self.num_heads, self.name)
    self.audio_direction = self._direction(depth, 'audio')
    if self.update_video:
      self.video_direction = self._direction(depth, 'video')
    super().build(input_shape)

  def _apply(self, layers, queries, values, time_mask, training):
    attended = layers['attention'](queries, values, attention_mask=time_mask,
                                   training=training)
    attended = layers['norm_attention'](attended + queries)
    hidden = layers['dense'](layers['dropout'](attended, training=training))
    if self.variant == 'eccv':
      return layers['norm_output'](hidden + queries)
    hidden = layers['norm_dense'](hidden + attended)
    return layers['norm_output'](hidden + queries)

  def call(self, audio, video, time_mask=None, training=None):
    """Applies both directions.

    Args:
      audio: [batch, M, T, D].
      video: [batch, G, T, D].
      time_mask: optional [batch, T] validity mask.
      training: whether dropout is active.

    Returns:
      (audio' [batch, M, T, D], video' [batch, G, T, D]).

    Raises:
      ValueError: if the depths differ.
    """
    if audio.shape[-1] != video.shape[-1]:
      raise ValueError(
          f'{self.name}: audio depth {audio.shape[-1]} and video depth '
          f'{video.shape[-1]} must be equal; project both to the same D.')
    new_audio = self._apply(self.audio_direction, audio, video, time_mask,
                            training)
    if not self.update_video:
      return new_audio, video
    new_video = self._apply(self.video_direction, video, audio, time_mask,
                            training)
    return new_audio, new_video

  def get_config(self):
    config = super().get_config()
    config.update({'variant': self.variant,
                   'update_video': self.update_video})
    return config
