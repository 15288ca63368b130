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
"""Audio-visual alignment modules of AudioScopeV2 (sec. 3.3) and AudioScope v1.

Every module maps audio features Z_A `[batch, M, T, D]` and video features
Z_V `[batch, G, T, D]` to one embedding per source z `[batch, M, D]`:

  module(audio_features, video_features, training=False, time_mask=None)

* `joint_sa` (`JointSelfAttention`): Z = concat(Z_A, Z_V) over sources /
  locations, L x SA_{M+G,T} (eq. 3), slice the M audio rows, pool (eq. 4).
* `separable_sa` (`SeparableSelfAttention`): L x [SA_T on audio, SA_T on video
  (separate weights), SA_{M+G} on their concatenation] (eq. 5), slice, pool.
* `joint_cma` (`JointCrossModalAttention`): L x CMA_{M|G,T} (eq. 6), pool the
  audio output.
* `separable_cma` (`SeparableCrossModalAttention`): L x [SA_T on each
  modality, CMA_{M|G}] (eq. 7), pool the audio output.
* `audioscope_v1` (`AudioScopeV1Attention`, "AudioScope*" of Table 1): the
  shallow visually-guided spatio-temporal attention baseline, O(T M G).

Attentional pooling over time (eq. 4): z = MHA_{T}(sum_t z_t, z), with the
query the (masked) sum over time `[batch, M, 1, D]`; padded steps are masked.

AudioScope v1 design (its equations are not in our papers; this is our
re-statement of "visually guided spatio-temporal attention" in the style of
Bahdanau et al., complexity O(T M G)): for every source m and frame t the
audio embedding a_{m,t} attends over the G locations of frame t with additive
attention,
  e_{m,g,t} = w^T tanh(W_a a_{m,t} + W_v v_{g,t} + b),
  alpha_{m,.,t} = softmax_g(e_{m,.,t}),  c_{m,t} = sum_g alpha_{m,g,t} v_{g,t},
then h_{m,t} = ReLU(W_h [a_{m,t}; c_{m,t}] + b_h) (D units) and z_m is the
attentional pooling of h_m over time. One layer, no attention across time or
sources; `hidden_dim` (default D) is the size of the additive-attention space.

Defaults and why:
* L = 4 blocks, as the "x4" rows of Table 1.
* num_heads = 4: the papers do not state H; with D = 128 this gives heads of
  depth 32, the usual transformer head size, and D must be divisible by H.
* dropout_rate = 0.1 (the Dropout before f in every block, Vaswani et al.'s
  default); attention_dropout_rate = 0.0 (the papers mention one dropout).
* sa_variant = 'eccv' (eq. 3), cma_variant = 'figure' (eq. 6 with the extra
  residual and LayerNorm of the project-page figure).
* temporal_position_embedding = 'sinusoidal' for the four V2 modules: the
  papers mention no position information, but without it joint attention over
  {X, T} cannot tell which video step is simultaneous with which audio step.
  The same sinusoid (depends on t only) is added to audio and video, so the
  outputs stay equivariant to permuting the M sources and invariant to
  permuting the G locations. 'none' for audioscope_v1, whose attention is
  within a frame.
* same_time_bias = None (joint modules only): the papers' attention. A
  number adds a trainable per-head logit where query and key share a time
  step (`axis_attention`), an extension: with the sinusoid alone the joint
  modules did not learn synchrony on the synthetic task
  (`benchmarks/alignment_synchrony.py`, docs/findings.md).
* spatial_position_embedding = 'none': with 'learned', a trainable [G, D]
  table is added to the video features (G must be static), which breaks the
  invariance to permuting locations, so it is off by default. There is never a
  source position embedding (the M sources are an unordered set).
"""

import math

import gin
import tensorflow as tf

from audioscope.attention import axis_attention
from audioscope.attention import blocks

_TEMPORAL_EMBEDDINGS = ('sinusoidal', 'none')
_SPATIAL_EMBEDDINGS = ('none', 'learned')


def sinusoidal_time_embedding(num_steps, depth, dtype=tf.float32):
  """Transformer sinusoid for time steps 0 .. num_steps - 1.

  Args:
    num_steps: T (int or scalar tensor).
    depth: D (Python int).
    dtype: output dtype.

  Returns:
    [T, D]: sin(t / 10000^(2i/D)) in the first ceil(D/2) channels and the
    matching cosines in the rest.
  """
  half = (depth + 1) // 2
  positions = tf.cast(tf.range(num_steps), tf.float32)[:, tf.newaxis]
  rates = tf.exp(
      -math.log(10000.0) * tf.range(half, dtype=tf.float32) / float(half))
  angles = positions * rates[tf.newaxis, :]
  table = tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)[:, :depth]
  return tf.cast(table, dtype)


def _check_features(audio, video, time_mask, name):
  """Validates shapes; returns the float [batch, T] mask or None."""
  for label, tensor, axis_name in (('audio_features', audio, 'M'),
                                   ('video_features', video, 'G')):
    if tensor.shape.rank != 4:
      raise ValueError(
          f'{name}: {label} must be [batch, {axis_name}, T, D] (rank 4), got '
          f'shape {tensor.shape}.')
    if not tensor.dtype.is_floating:
      raise ValueError(
          f'{name}: {label} must be a float tensor, got {tensor.dtype}; cast '
          'it with tf.cast(x, tf.float32).')
  for axis, axis_name in ((0, 'batch'), (2, 'time T'), (3, 'depth D')):
    a, v = audio.shape[axis], video.shape[axis]
    if a is not None and v is not None and a != v:
      raise ValueError(
          f'{name}: audio_features {audio.shape} and video_features '
          f'{video.shape} must have the same {axis_name} size; resample the '
          'audio features to the video frame rate / project to the same D.')
  if time_mask is None:
    return None
  time_mask = tf.convert_to_tensor(time_mask)
  if time_mask.shape.rank != 2:
    raise ValueError(
        f'{name}: time_mask must be [batch, T] (1/True for valid steps), got '
        f'shape {time_mask.shape}.')
  if (time_mask.shape[1] is not None and audio.shape[2] is not None and
      time_mask.shape[1] != audio.shape[2]):
    raise ValueError(
        f'{name}: time_mask has {time_mask.shape[1]} steps but the features '
        f'have T={audio.shape[2]}.')
  if time_mask.dtype != tf.bool:
    time_mask = tf.not_equal(time_mask, 0)
  return tf.cast(time_mask, audio.dtype)


@tf.keras.utils.register_keras_serializable(package='audioscope')
class AttentionalPooling(tf.keras.layers.Layer):
  """Eq. (4): `pool(z [batch, M, T, D], time_mask=None) -> [batch, M, D]`.

  z = MHA_{T}(sum_t z_t, z): the query is the sum over valid steps
  `[batch, M, 1, D]`, attention over time per source, padded steps masked.
  """

  def __init__(self, num_heads=4, attention_dropout_rate=0.0, **kwargs):
    super().__init__(**kwargs)
    blocks.validate_common(num_heads, 0.0, attention_dropout_rate)
    self.num_heads = num_heads
    self.attention_dropout_rate = float(attention_dropout_rate)

  def build(self, input_shape):
    depth = tf.TensorShape(input_shape)[-1]
    self.attention = axis_attention.MultiHeadAxisAttention(
        num_heads=self.num_heads,
        key_dim=blocks.head_depth(depth, self.num_heads, self.name),
        attention_axes=('T',), dropout=self.attention_dropout_rate,
        implementation='plain', name='attention')
    super().build(input_shape)

  def call(self, inputs, time_mask=None, training=None):
    """Pools over time.

    Args:
      inputs: [batch, M, T, D].
      time_mask: optional float/bool [batch, T].
      training: whether dropout is active.

    Returns:
      [batch, M, D].
    """
    if time_mask is None:
      query = tf.reduce_sum(inputs, axis=2, keepdims=True)
    else:
      mask = tf.cast(time_mask, inputs.dtype)[:, tf.newaxis, :, tf.newaxis]
      query = tf.reduce_sum(inputs * mask, axis=2, keepdims=True)
    pooled = self.attention(query, inputs, attention_mask=time_mask,
                            training=training)
    return pooled[:, :, 0, :]

  def get_config(self):
    config = super().get_config()
    config.update({'num_heads': self.num_heads,
                   'attention_dropout_rate': self.attention_dropout_rate})
    return config


class AlignmentModule(tf.keras.layers.Layer):
  """Base class: input checks, masking, position embeddings, pooling.

  Subclasses implement `_align(audio, video, time_mask, training)` returning
  the pre-pooling audio representation `[batch, M, T, D]`.
  """

  def __init__(self, num_heads=4, dropout_rate=0.1,
               attention_dropout_rate=0.0,
               temporal_position_embedding='sinusoidal',
               spatial_position_embedding='none', implementation='auto',
               query_chunk_size=None, key_chunk_size=None,
               chunk_budget_bytes=64 * 2**20,
               max_plain_attention_bytes=512 * 2**20, **kwargs):
    super().__init__(**kwargs)
    blocks.validate_common(num_heads, dropout_rate, attention_dropout_rate)
    if temporal_position_embedding not in _TEMPORAL_EMBEDDINGS:
      raise ValueError(
          f'temporal_position_embedding must be one of {_TEMPORAL_EMBEDDINGS}, '
          f'got {temporal_position_embedding!r}.')
    if spatial_position_embedding not in _SPATIAL_EMBEDDINGS:
      raise ValueError(
          f'spatial_position_embedding must be one of {_SPATIAL_EMBEDDINGS}, '
          f'got {spatial_position_embedding!r}.')
    self.num_heads = num_heads
    self.dropout_rate = float(dropout_rate)
    self.attention_dropout_rate = float(attention_dropout_rate)
    self.temporal_position_embedding = temporal_position_embedding
    self.spatial_position_embedding = spatial_position_embedding
    self.options = blocks.attention_options(
        implementation, query_chunk_size, key_chunk_size, chunk_budget_bytes,
        max_plain_attention_bytes)
    axis_attention.MultiHeadAxisAttention(1, 1, ('X', 'T'), **self.options)
    self.pooling = AttentionalPooling(
        num_heads=num_heads, attention_dropout_rate=attention_dropout_rate,
        name='pooling')

  def _block_kwargs(self):
    kwargs = dict(num_heads=self.num_heads, dropout_rate=self.dropout_rate,
                  attention_dropout_rate=self.attention_dropout_rate)
    kwargs.update(self.options)
    return kwargs

  def build_from_shapes(self, audio_shape, video_shape):
    """Creates the spatial embedding table, if any.

    Args:
      audio_shape: [batch, M, T, D].
      video_shape: [batch, G, T, D].

    Raises:
      ValueError: if a learned spatial embedding is asked for with unknown G.
    """
    video_shape = tf.TensorShape(video_shape)
    if self.spatial_position_embedding == 'learned':
      if video_shape.rank != 4 or None in (video_shape[1], video_shape[3]):
        raise ValueError(
            f'{self.name}: a learned spatial position embedding needs static '
            f'G and D in video_features, got shape {video_shape}.')
      self.spatial_embedding = self.add_weight(
          'spatial_embedding', shape=(video_shape[1], video_shape[3]),
          initializer=tf.keras.initializers.RandomNormal(stddev=0.02))
    self.built = True
    del audio_shape

  def __call__(self, audio_features, video_features, *args, **kwargs):
    if not self.built:
      shapes = [getattr(x, 'shape', None) or tf.convert_to_tensor(x).shape
                for x in (audio_features, video_features)]
      if tf.compat.v1.executing_eagerly_outside_functions():
        with tf.init_scope():
          self.build_from_shapes(*shapes)
      else:
        self.build_from_shapes(*shapes)
    return super().__call__(audio_features, video_features, *args, **kwargs)

  def call(self, audio_features, video_features, training=None,
           time_mask=None):
    """Computes one embedding per source.

    Args:
      audio_features: Z_A [batch, M, T, D].
      video_features: Z_V [batch, G, T, D].
      training: whether dropout is active.
      time_mask: optional [batch, T], 1/True for valid (not padded) steps.

    Returns:
      z [batch, M, D].

    Raises:
      ValueError: on mismatched or wrong-rank inputs.
    """
    audio = tf.convert_to_tensor(audio_features)
    video = tf.convert_to_tensor(video_features)
    mask = _check_features(audio, video, time_mask, self.name)
    if mask is not None:
      # Zero padded steps so that even non-finite padding cannot leak.
      step_mask = tf.cast(mask[:, tf.newaxis, :, tf.newaxis], tf.bool)
      audio = tf.where(step_mask, audio, tf.zeros_like(audio))
      video = tf.where(step_mask, video, tf.zeros_like(video))
    if self.temporal_position_embedding == 'sinusoidal':
      table = sinusoidal_time_embedding(tf.shape(audio)[2], audio.shape[-1],
                                        audio.dtype)
      audio += table[tf.newaxis, tf.newaxis]
      video += table[tf.newaxis, tf.newaxis]
    if self.spatial_position_embedding == 'learned':
      video += tf.cast(self.spatial_embedding, video.dtype)[
          tf.newaxis, :, tf.newaxis, :]
    aligned = self._align(audio, video, mask, training)
    return self.pooling(aligned, time_mask=mask, training=training)

  def _align(self, audio, video, mask, training):
    raise TypeError(f'{type(self).__name__} must define _align().')

  def get_config(self):
    config = super().get_config()
    config.update({
        'num_heads': self.num_heads,
        'dropout_rate': self.dropout_rate,
        'attention_dropout_rate': self.attention_dropout_rate,
        'temporal_position_embedding': self.temporal_position_embedding,
        'spatial_position_embedding': self.spatial_position_embedding,
    })
    config.update(self.options)
    return config


def _check_num_layers(num_layers):
  if not isinstance(num_layers, int) or isinstance(num_layers, bool) or (
      num_layers < 1):
    raise ValueError(
        f'num_layers must be a positive integer, got {num_layers!r}; pass e.g. '
        '4.')


class _StackedModule(AlignmentModule):
  """A stack of L blocks with a block variant."""

  _VARIANTS = blocks.SA_VARIANTS
  _DEFAULT_VARIANT = 'eccv'

  def __init__(self, num_layers=4, variant=None, **kwargs):
    super().__init__(**kwargs)
    _check_num_layers(num_layers)
    variant = variant or self._DEFAULT_VARIANT
    if variant not in self._VARIANTS:
      raise ValueError(
          f'variant must be one of {self._VARIANTS}, got {variant!r}.')
    self.num_layers = num_layers
    self.variant = variant
    self._make_blocks()

  def get_config(self):
    config = super().get_config()
    config.update({'num_layers': self.num_layers, 'variant': self.variant})
    return config


class _JointModule(_StackedModule):
  """A stack whose blocks attend over ('X', 'T'): takes `same_time_bias`."""

  def __init__(self, same_time_bias=None, **kwargs):
    # Set before the blocks are made (in _StackedModule.__init__).
    self.same_time_bias = axis_attention.check_same_time_bias(
        same_time_bias, ('X', 'T'))
    super().__init__(**kwargs)

  def get_config(self):
    config = super().get_config()
    config['same_time_bias'] = self.same_time_bias
    return config


@gin.configurable(module='audioscope.attention')
@tf.keras.utils.register_keras_serializable(package='audioscope')
class JointSelfAttention(_JointModule):
  """`joint_sa`: L x SA_{M+G,T} over concat(Z_A, Z_V), slice, pool (eq. 3-4).

  Args (all optional): num_layers (4), variant ('eccv' | 'arxiv' | 'figure'),
  num_heads (4), dropout_rate (0.1), attention_dropout_rate (0.0),
  temporal_position_embedding ('sinusoidal' | 'none'),
  spatial_position_embedding ('none' | 'learned'), same_time_bias (None: the
  papers' attention; a number: the initial per-head same-time logit of every
  block, see `axis_attention`), implementation ('auto' | 'plain' |
  'chunked'), query_chunk_size, key_chunk_size, chunk_budget_bytes,
  max_plain_attention_bytes, Layer arguments.
  """

  def _make_blocks(self):
    self.blocks = [
        blocks.SelfAttentionBlock(('X', 'T'), variant=self.variant,
                                  same_time_bias=self.same_time_bias,
                                  name=f'sa_{i}', **self._block_kwargs())
        for i in range(self.num_layers)]

  def _align(self, audio, video, mask, training):
    num_sources = tf.shape(audio)[1]
    joint = tf.concat([audio, video], axis=1)
    for block in self.blocks:
      joint = block(joint, time_mask=mask, training=training)
    return joint[:, :num_sources]


@gin.configurable(module='audioscope.attention')
@tf.keras.utils.register_keras_serializable(package='audioscope')
class SeparableSelfAttention(_StackedModule):
  """`separable_sa`: L x [SA_T(audio), SA_T(video), SA_{M+G}] (eq. 5), pool.

  Arguments as `JointSelfAttention`.
  """

  def _make_blocks(self):
    kwargs = self._block_kwargs()
    self.audio_time_blocks = [
        blocks.SelfAttentionBlock(('T',), variant=self.variant,
                                  name=f'audio_sa_t_{i}', **kwargs)
        for i in range(self.num_layers)]
    self.video_time_blocks = [
        blocks.SelfAttentionBlock(('T',), variant=self.variant,
                                  name=f'video_sa_t_{i}', **kwargs)
        for i in range(self.num_layers)]
    self.joint_blocks = [
        blocks.SelfAttentionBlock(('X',), variant=self.variant,
                                  name=f'sa_x_{i}', **kwargs)
        for i in range(self.num_layers)]

  def _align(self, audio, video, mask, training):
    num_sources = tf.shape(audio)[1]
    for audio_block, video_block, joint_block in zip(
        self.audio_time_blocks, self.video_time_blocks, self.joint_blocks):
      audio = audio_block(audio, time_mask=mask, training=training)
      video = video_block(video, time_mask=mask, training=training)
      joint = joint_block(tf.concat([audio, video], axis=1), time_mask=mask,
                          training=training)
      audio, video = joint[:, :num_sources], joint[:, num_sources:]
    return audio


@gin.configurable(module='audioscope.attention')
@tf.keras.utils.register_keras_serializable(package='audioscope')
class JointCrossModalAttention(_JointModule):
  """`joint_cma`: L x CMA_{M|G,T} (eq. 6), pool the audio output.

  Arguments as `JointSelfAttention` (same_time_bias included), with variant
  'figure' (default) or 'eccv'.
  """

  _VARIANTS = blocks.CMA_VARIANTS
  _DEFAULT_VARIANT = 'figure'

  def _make_blocks(self):
    self.blocks = [
        blocks.CrossModalAttentionBlock(
            ('X', 'T'), variant=self.variant,
            update_video=i < self.num_layers - 1, name=f'cma_{i}',
            same_time_bias=self.same_time_bias, **self._block_kwargs())
        for i in range(self.num_layers)]

  def _align(self, audio, video, mask, training):
    for block in self.blocks:
      audio, video = block(audio, video, time_mask=mask, training=training)
    return audio


@gin.configurable(module='audioscope.attention')
@tf.keras.utils.register_keras_serializable(package='audioscope')
class SeparableCrossModalAttention(_StackedModule):
  """`separable_cma`: L x [SA_T(audio), SA_T(video), CMA_{M|G}] (eq. 7), pool.

  Arguments as `JointCrossModalAttention`; `sa_variant` ('eccv') sets the
  LayerNorm placement of the SA_T blocks.
  """

  _VARIANTS = blocks.CMA_VARIANTS
  _DEFAULT_VARIANT = 'figure'

  def __init__(self, sa_variant='eccv', **kwargs):
    if sa_variant not in blocks.SA_VARIANTS:
      raise ValueError(
          f'sa_variant must be one of {blocks.SA_VARIANTS}, got '
          f'{sa_variant!r}.')
    self.sa_variant = sa_variant
    super().__init__(**kwargs)

  def _make_blocks(self):
    kwargs = self._block_kwargs()
    self.audio_time_blocks = [
        blocks.SelfAttentionBlock(('T',), variant=self.sa_variant,
                                  name=f'audio_sa_t_{i}', **kwargs)
        for i in range(self.num_layers)]
    self.video_time_blocks = [
        blocks.SelfAttentionBlock(('T',), variant=self.sa_variant,
                                  name=f'video_sa_t_{i}', **kwargs)
        for i in range(self.num_layers)]
    self.cross_blocks = [
        blocks.CrossModalAttentionBlock(
            ('X',), variant=self.variant,
            update_video=i < self.num_layers - 1, name=f'cma_x_{i}', **kwargs)
        for i in range(self.num_layers)]

  def _align(self, audio, video, mask, training):
    for audio_block, video_block, cross_block in zip(
        self.audio_time_blocks, self.video_time_blocks, self.cross_blocks):
      audio = audio_block(audio, time_mask=mask, training=training)
      video = video_block(video, time_mask=mask, training=training)
      audio, video = cross_block(audio, video, time_mask=mask,
                                 training=training)
    return audio

  def get_config(self):
    config = super().get_config()
    config['sa_variant'] = self.sa_variant
    return config


@gin.configurable(module='audioscope.attention')
@tf.keras.utils.register_keras_serializable(package='audioscope')
class AudioScopeV1Attention(AlignmentModule):
  """`audioscope_v1`: shallow visually-guided spatio-temporal attention.

  See the module docstring for the equations. Arguments: hidden_dim (None:
  D), num_heads (4, of the pooling), temporal_position_embedding ('none'),
  spatial_position_embedding ('none'), attention_dropout_rate (0.0, of the
  pooling), Layer arguments; dropout_rate (0.1) drops the fused features
  before pooling.
  """

  def __init__(self, hidden_dim=None, temporal_position_embedding='none',
               **kwargs):
    super().__init__(temporal_position_embedding=temporal_position_embedding,
                     **kwargs)
    if hidden_dim is not None and (not isinstance(hidden_dim, int) or
                                   hidden_dim < 1):
      raise ValueError(
          f'hidden_dim must be a positive integer or None, got {hidden_dim!r}.')
    self.hidden_dim = hidden_dim

  def build_from_shapes(self, audio_shape, video_shape):
    depth = tf.TensorShape(audio_shape)[-1]
    if depth is None:
      raise ValueError(f'{self.name}: the feature depth D must be static.')
    hidden = self.hidden_dim or depth
    self.audio_projection = tf.keras.layers.Dense(
        hidden, use_bias=False, name='audio_projection')
    self.video_projection = tf.keras.layers.Dense(
        hidden, name='video_projection')
    self.score = tf.keras.layers.Dense(1, use_bias=False, name='score')
    self.fuse = tf.keras.layers.Dense(depth, activation='relu', name='fuse')
    self.dropout = tf.keras.layers.Dropout(self.dropout_rate)
    super().build_from_shapes(audio_shape, video_shape)

  def _align(self, audio, video, mask, training):
    del mask  # Attention is within a frame; the pooling applies the mask.
    projected_audio = self.audio_projection(audio)  # [batch, M, T, H]
    projected_video = self.video_projection(video)  # [batch, G, T, H]
    hidden = tf.tanh(projected_audio[:, :, tf.newaxis] +
                     projected_video[:, tf.newaxis])  # [batch, M, G, T, H]
    scores = self.score(hidden)[..., 0]  # [batch, M, G, T]
    weights = tf.nn.softmax(scores, axis=2)
    context = tf.einsum('bmgt,bgtd->bmtd', weights, video)
    fused = self.fuse(tf.concat([audio, context], axis=-1))
    return self.dropout(fused, training=training)

  def get_config(self):
    config = super().get_config()
    config['hidden_dim'] = self.hidden_dim
    return config


ALIGNMENT_MODULES = {
    'audioscope_v1': AudioScopeV1Attention,
    'joint_sa': JointSelfAttention,
    'separable_sa': SeparableSelfAttention,
    'joint_cma': JointCrossModalAttention,
    'separable_cma': SeparableCrossModalAttention,
}


def alignment_module(name, **config):
  """Builds the alignment module called `name`.

  Args:
    name: 'audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma' or
      'separable_cma'.
    **config: constructor arguments of the module class (see
      `ALIGNMENT_MODULES[name]`), e.g. num_layers=2, num_heads=4.

  Returns:
    The module, called as `module(audio_features [batch, M, T, D],
    video_features [batch, G, T, D], training=False, time_mask=None)
    -> [batch, M, D]`.

  Raises:
    ValueError: on an unknown name or argument.
  """
  if name not in ALIGNMENT_MODULES:
    raise ValueError(
        f'Unknown alignment module {name!r}; choose one of '
        f'{sorted(ALIGNMENT_MODULES)}.')
  try:
    return ALIGNMENT_MODULES[name](**config)
  except TypeError as error:
    raise ValueError(
        f'Bad argument for alignment module {name!r} '
        f'({ALIGNMENT_MODULES[name].__name__}): {error}. See its docstring '
        'for the accepted arguments.') from error
