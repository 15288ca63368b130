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
"""Multi-head attention over a chosen set of axes (AudioScopeV2 eq. 1-2).

Tensors are packed as `[batch, X, T, D]`: X is the sources / spatial-locations
axis (M, G or M+G), T the time axis, D the depth. `MultiHeadAxisAttention`
attends from queries `[batch, X_q, T_q, D]` over keys/values
`[batch, X_v, T_v, D]` along a set A of the value's axes:

* `('X', 'T')`: softmax over all X_v * T_v positions (joint attention);
* `('T',)`: attention over time, independently for every X (needs
  X_q == X_v; X acts as a batch axis);
* `('X',)`: attention over sources/locations, independently for every time step
  (needs T_q == T_v).

Per head h (H heads of depth `key_dim`, usually D/H):
  alpha = softmax_A(<f_K(K), f_Q(Q)>_D / sqrt(key_dim)),
  o_h = <alpha, f_V(V)>_A,  output = f(concat_h o_h).
The weights have the shapes (and order) of `tf.keras.layers.MultiHeadAttention`,
so weights can be copied between the two where both apply.

Two implementations compute the same function:
* `'plain'` materialises the `[batch', H, L_q, L_v]` attention tensor;
* `'chunked'` never does: queries are split into chunks (an outer
  `tf.map_fn`), keys/values into chunks (an inner `tf.while_loop`) and the
  softmax is accumulated online (running maximum, running denominator,
  running weighted sum), so memory is O(L_q * key_chunk) per query chunk
  instead of O(L_q * L_v). The per-query-chunk computation is wrapped in
  `tf.recompute_grad`, so the backward pass does not keep every chunk's
  attention weights either.
* `'auto'` (default) uses `'plain'` while the estimated attention tensor
  (4 bytes * batch' * H * L_q * L_v) is at most `max_plain_attention_bytes`,
  else `'chunked'`.

Same-time bias (`same_time_bias`, off by default; not in the papers): for
attention over `('X', 'T')` only, a trainable logit b_h per head is added
wherever the query and the key are at the same time step,
  alpha = softmax_A(<f_K(K), f_Q(Q)> / sqrt(key_dim) + b_h [t_q == t_k]),
initialised to `same_time_bias`. At b_h = 0 it is the papers' joint attention.
Why it exists: joint attention can only find which keys are simultaneous with
a query through a position embedding, and on the synthetic task the joint
modules never learnt to (docs/findings.md, "Joint attention does not learn
synchrony"); a positive start lets them begin from mostly within-frame
attention, as the separable modules do by construction. With X_k key rows
and T steps, a query's initial attention on its own time step is about
e^b / (e^b + T - 1) (0.78 for b = 4 and T = 16).
"""

import math

import tensorflow as tf

_AXIS_NAMES = ('X', 'T')
_IMPLEMENTATIONS = ('auto', 'plain', 'chunked')
# Logit given to masked keys. Finite, so that rows without a valid key give
# zero weights (not NaN) and gradients stay finite.
_MASKED_LOGIT = -1e9


def normalize_attention_axes(attention_axes):
  """Returns attention axes as a sorted tuple of names: ('X',), ('T',), ('X', 'T').

  Args:
    attention_axes: names ('X', 'T', case-insensitive), tensor axis indices of a
      `[batch, X, T, D]` tensor (1 for X, 2 for T), a single name or index, or a
      sequence of them.

  Returns:
    A tuple of axis names in the order ('X', 'T').

  Raises:
    ValueError: if an axis is unknown, repeated or the set is empty.
  """
  if isinstance(attention_axes, (str, int)):
    attention_axes = (attention_axes,)
  try:
    items = list(attention_axes)
  except TypeError:
    raise ValueError(
        f'attention_axes={attention_axes!r} is not a sequence; pass axis names '
        "such as ('X',), ('T',) or ('X', 'T'), or indices 1 (X) and 2 (T)."
    ) from None
  names = []
  for item in items:
    if isinstance(item, str) and item.upper() in _AXIS_NAMES:
      names.append(item.upper())
    elif isinstance(item, int) and not isinstance(item, bool) and item in (1, 2):
      names.append(_AXIS_NAMES[item - 1])
    else:
      raise ValueError(
          f'Unknown attention axis {item!r} in attention_axes='
          f"{attention_axes!r}; use 'X' (or 1) for the sources/locations axis "
          "and 'T' (or 2) for the time axis of a [batch, X, T, D] tensor.")
  if not names or len(set(names)) != len(names):
    raise ValueError(
        f'attention_axes={attention_axes!r} must name each of X and T at most '
        "once and at least one of them, e.g. ('X',), ('T',) or ('X', 'T').")
  return tuple(name for name in _AXIS_NAMES if name in names)


def check_same_time_bias(same_time_bias, attention_axes):
  """Validates a same-time bias option; returns it as a float (or None).

  Args:
    same_time_bias: None or a finite number.
    attention_axes: normalised attention axes.

  Returns:
    None or float(same_time_bias).

  Raises:
    ValueError: if it is not a finite number, or the axes are not ('X', 'T').
  """
  if same_time_bias is None:
    return None
  if isinstance(same_time_bias, bool) or not isinstance(
      same_time_bias, (int, float)) or not math.isfinite(same_time_bias):
    raise ValueError(
        f'same_time_bias must be None or a finite number, got '
        f'{same_time_bias!r}; pass e.g. 4.0.')
  if tuple(attention_axes) != ('X', 'T'):
    raise ValueError(
        "same_time_bias only applies to joint attention over ('X', 'T'), got "
        f'attention_axes {tuple(attention_axes)}: over one axis it is a '
        'constant shift of every logit (X) or favours each position itself '
        '(T). Leave it None.')
  return float(same_time_bias)


def _canonical_times(projected):
  """[batch, X, T, H, k] -> [X * T] int32: the time step of each position.

  Positions are flattened X-major over ('X', 'T'), as in `_to_canonical`.
  """
  num_rows, num_steps = _static_or_dynamic(projected)[1:3]
  return tf.tile(tf.range(num_steps), [num_rows])


def _static_or_dynamic(tensor):
  """Shape as a list of Python ints where static, scalar tensors elsewhere."""
  static = tensor.shape.as_list()
  dynamic = tf.shape(tensor)
  return [dynamic[i] if dim is None else dim for i, dim in enumerate(static)]


def _power_of_two_floor(value):
  return 2**int(math.floor(math.log2(max(value, 1))))


def same_time_logit_bias(bias, query_times, key_times):
  """The same-time bias term b_h [t_q == t_k].

  Args:
    bias: [H], one logit per head.
    query_times: [L_q], the time step of every canonical query position.
    key_times: [L_v], the time step of every canonical key position.

  Returns:
    [1, H, L_q, L_v]: b_h where the times are equal, else 0.
  """
  same = tf.cast(
      tf.equal(query_times[:, tf.newaxis], key_times[tf.newaxis, :]),
      bias.dtype)
  return bias[tf.newaxis, :, tf.newaxis, tf.newaxis] * same[tf.newaxis,
                                                              tf.newaxis]


def masked_softmax_attention(query, key, value, key_mask=None, dropout=None,
                             logit_bias=None):
  """Plain attention on canonical tensors.

  Args:
    query: [batch', H, L_q, key_dim], already scaled by 1/sqrt(key_dim).
    key: [batch', H, L_v, key_dim].
    value: [batch', H, L_v, value_dim].
    key_mask: optional float [batch', L_v], 1 for valid keys, 0 for padding.
    dropout: optional callable applied to the attention weights.
    logit_bias: optional term added to the logits, broadcastable to
      [batch', H, L_q, L_v] (e.g. `same_time_logit_bias`).

  Returns:
    [batch', H, L_q, value_dim]. Query rows without any valid key give zeros.
  """
  logits = tf.einsum('nhqd,nhkd->nhqk', query, key)
  if logit_bias is not None:
    logits += logit_bias
  if key_mask is not None:
    mask = key_mask[:, tf.newaxis, tf.newaxis, :]
    logits = tf.where(mask > 0, logits, _MASKED_LOGIT)
  weights = tf.nn.softmax(logits, axis=-1)
  if key_mask is not None:
    weights *= mask
  if dropout is not None:
    weights = dropout(weights)
  return tf.einsum('nhqk,nhkd->nhqd', weights, value)


def chunked_softmax_attention(query, key, value, key_mask=None, dropout=None,
                              query_chunk_size=1024, key_chunk_size=1024,
                              same_time_bias=None, query_times=None,
                              key_times=None, recompute_gradients=True):
  """Memory-efficient attention, numerically equal to the plain version.

  Never materialises the [batch', H, L_q, L_v] weights: the largest
  intermediate is [batch', H, query_chunk_size, key_chunk_size]. Queries are
  processed chunk by chunk (outer `tf.while_loop`), and for each query chunk
  the keys/values chunk by chunk (inner `tf.while_loop`) with an online
  softmax: a running maximum, a running denominator and a running weighted
  sum of the values, rescaled whenever the maximum grows. The last chunks may
  be shorter (no padding). Without dropout, each query chunk is wrapped in
  `tf.recompute_grad` (unless `recompute_gradients` is False), so the
  backward pass recomputes a chunk's weights instead of storing all of them.

  Args:
    query: [batch', H, L_q, key_dim], already scaled by 1/sqrt(key_dim).
    key: [batch', H, L_v, key_dim].
    value: [batch', H, L_v, value_dim].
    key_mask: optional float [batch', L_v], 1 for valid keys, 0 for padding.
    dropout: optional callable applied to the unnormalised weights of each
      chunk (numerator only), which is dropout on the attention weights.
    query_chunk_size: queries per chunk (int >= 1, or a scalar int tensor).
    key_chunk_size: keys per chunk (int >= 1, or a scalar int tensor).
    same_time_bias: optional [H] logits added where query and key times are
      equal (see `same_time_logit_bias`); needs `query_times` [L_q] and
      `key_times` [L_v].
    recompute_gradients: wrap each query chunk in `tf.recompute_grad` (when
      there is no dropout). The forward values are the same either way; turn
      it off where no gradient is taken (inference, export), where the
      wrapper only adds a custom gradient that a SavedModel cannot store.

  Returns:
    [batch', H, L_q, value_dim]. Query rows without any valid key give zeros.

  Raises:
    ValueError: if `same_time_bias` is given without both time vectors.
  """
  dtype = query.dtype
  has_bias = same_time_bias is not None
  if has_bias and (query_times is None or key_times is None):
    raise ValueError('same_time_bias needs query_times and key_times.')
  if not has_bias:
    # Placeholder arguments, unused.
    same_time_bias = tf.zeros([0], dtype)
    query_times = key_times = tf.zeros([0], tf.int32)
  # Times travel as floats: tf.recompute_grad differentiates every argument.
  query_times = tf.cast(query_times, dtype)
  key_times = tf.cast(key_times, dtype)
  value_depth = value.shape[-1]
  query_length = tf.shape(query)[2]
  key_length = tf.shape(key)[2]
  num_query_chunks = (query_length + query_chunk_size - 1) // query_chunk_size
  num_key_chunks = (key_length + key_chunk_size - 1) // key_chunk_size
  has_mask = key_mask is not None
  if not has_mask:
    key_mask = tf.zeros([0], dtype)  # Placeholder argument, unused.
  key_mask = tf.cast(key_mask, dtype)

  def attend_query_chunk(query_chunk, key, value, key_mask, bias,
                         query_chunk_times):
    """[batch', H, Cq, key_dim] -> [batch', H, Cq, value_dim]."""
    row_shape = tf.concat([tf.shape(query_chunk)[:3], [1]], axis=0)
    running_max = tf.fill(row_shape, tf.constant(-math.inf, dtype))
    running_sum = tf.zeros(row_shape, dtype)
    accumulator = tf.zeros(
        tf.concat([tf.shape(query_chunk)[:3], [value_depth]], axis=0), dtype)

    def body(index, running_max, running_sum, accumulator):
      start = index * key_chunk_size
      key_chunk = key[:, :, start:start + key_chunk_size]
      value_chunk = value[:, :, start:start + key_chunk_size]
      logits = tf.matmul(query_chunk, key_chunk, transpose_b=True)
      if has_bias:
        logits += same_time_logit_bias(
            bias, query_chunk_times, key_times[start:start + key_chunk_size])
      if has_mask:
        mask = key_mask[:, tf.newaxis, tf.newaxis,
                        start:start + key_chunk_size]
        logits += (mask - 1.0) * -_MASKED_LOGIT
      new_max = tf.maximum(running_max,
                           tf.reduce_max(logits, axis=-1, keepdims=True))
      weights = tf.exp(logits - new_max)
      if has_mask:
        weights *= mask
      correction = tf.exp(running_max - new_max)
      running_sum = running_sum * correction + tf.reduce_sum(
          weights, axis=-1, keepdims=True)
      if dropout is not None:
        weights = dropout(weights)
      accumulator = accumulator * correction + tf.matmul(weights, value_chunk)
      return index + 1, new_max, running_sum, accumulator

    _, _, running_sum, accumulator = tf.while_loop(
        lambda index, *_: index < num_key_chunks,
        body, (tf.constant(0), running_max, running_sum, accumulator),
        shape_invariants=(tf.TensorShape([]), tf.TensorShape([None] * 4),
                          tf.TensorShape([None] * 4),
                          tf.TensorShape([None, None, None, value_depth])),
        parallel_iterations=1)
    # Rows without a valid key have sum 0 and accumulator 0: output 0.
    return accumulator / tf.maximum(running_sum, tf.constant(1e-30, dtype))

  if dropout is None and recompute_gradients:
    # Recompute each chunk's weights in the backward pass instead of storing
    # them. With dropout the random mask would differ on recomputation.
    attend = tf.recompute_grad(attend_query_chunk)
  else:
    attend = attend_query_chunk

  def outer_body(index, outputs):
    start = index * query_chunk_size
    chunk = attend(query[:, :, start:start + query_chunk_size], key, value,
                   key_mask, same_time_bias,
                   query_times[start:start + query_chunk_size])
    # Written time-major so that the chunks concatenate along axis 0.
    return index + 1, outputs.write(index, tf.transpose(chunk, [2, 0, 1, 3]))

  outputs = tf.TensorArray(dtype, size=num_query_chunks, infer_shape=False,
                           element_shape=tf.TensorShape(
                               [None, None, None, value_depth]))
  _, outputs = tf.while_loop(
      lambda index, _: index < num_query_chunks, outer_body,
      (tf.constant(0), outputs), parallel_iterations=1)
  # [L_q, batch', H, value_dim] -> [batch', H, L_q, value_dim].
  return tf.transpose(outputs.concat(), [1, 2, 0, 3])


@tf.keras.utils.register_keras_serializable(package='audioscope')
class MultiHeadAxisAttention(tf.keras.layers.Layer):
  """Multi-head attention over the X and/or T axes of `[batch, X, T, D]` tensors.

  Implements MHA_A(Q, V) of AudioScopeV2 eq. (1)-(2) with separate dense maps
  f_Q, f_K, f_V per head and an output dense f. Called as
  `layer(query [batch, X_q, T_q, D_q], value [batch, X_v, T_v, D_v],
  attention_mask=None, key=None, query_mask=None, training=None)`
  -> `[batch, X_q, T_q, output_dim or D_q]`.

  Masks (1/True = valid, 0/False = padding):
  * `attention_mask`: the key/value mask, `[batch, T_v]` (padded time steps)
    or `[batch, X_v, T_v]`. Masked keys get zero weight; a query with no valid
    key at all gets a zero attention output (the output dense's bias).
  * `query_mask`: `[batch, T_q]` or `[batch, X_q, T_q]`; the output at masked
    query positions is set to zero.
  """

  def __init__(self,
               num_heads,
               key_dim,
               attention_axes=('X', 'T'),
               value_dim=None,
               output_dim=None,
               dropout=0.0,
               use_bias=True,
               implementation='auto',
               query_chunk_size=None,
               key_chunk_size=None,
               chunk_budget_bytes=64 * 2**20,
               max_plain_attention_bytes=512 * 2**20,
               kernel_initializer='glorot_uniform',
               bias_initializer='zeros',
               same_time_bias=None,
               **kwargs):
    """Initialises the layer.

    Args:
      num_heads: number of heads H (>= 1).
      key_dim: depth of each head's queries and keys (D/H in the paper).
      attention_axes: axes of the value tensor attended over, as names
        ('X',), ('T',), ('X', 'T') or indices 1 (X) and 2 (T).
      value_dim: depth of each head's values; defaults to `key_dim`.
      output_dim: depth of the output; defaults to the query depth.
      dropout: dropout rate on the attention weights, in [0, 1).
      use_bias: whether the dense maps have biases.
      implementation: 'auto', 'plain' or 'chunked' (see module docstring).
      query_chunk_size: queries per chunk in the chunked mode; None picks a
        power of two from `chunk_budget_bytes`.
      key_chunk_size: keys per chunk in the chunked mode; None as above.
      chunk_budget_bytes: target size of one chunk's attention weights
        [batch', H, query_chunk, key_chunk] when the chunk sizes are None.
      max_plain_attention_bytes: 'auto' uses the plain mode up to this size of
        the attention tensor (float32 bytes).
      kernel_initializer: initializer of the dense kernels.
      bias_initializer: initializer of the dense biases.
      same_time_bias: None (default, the papers' attention) or the initial
        value of a trainable per-head logit added between a query and the
        keys at its own time step (see module docstring); only for
        attention_axes ('X', 'T').
      **kwargs: `tf.keras.layers.Layer` arguments (name, dtype, ...).

    Raises:
      ValueError: on a non-positive size, unknown axis or implementation, a
        dropout rate outside [0, 1), or a same-time bias that is not a finite
        number or is asked for on other axes than ('X', 'T').
    """
    super().__init__(**kwargs)
    for arg_name, arg in (('num_heads', num_heads), ('key_dim', key_dim),
                          ('value_dim', value_dim), ('output_dim', output_dim),
                          ('query_chunk_size', query_chunk_size),
                          ('key_chunk_size', key_chunk_size),
                          ('chunk_budget_bytes', chunk_budget_bytes),
                          ('max_plain_attention_bytes',
                           max_plain_attention_bytes)):
      if arg is None and arg_name not in ('num_heads', 'key_dim',
                                          'chunk_budget_bytes',
                                          'max_plain_attention_bytes'):
        continue
      if not isinstance(arg, int) or isinstance(arg, bool) or arg < 1:
        raise ValueError(
            f'{arg_name} must be a positive integer, got {arg!r}; pass e.g. '
            f'{arg_name}=4.')
    if not 0.0 <= dropout < 1.0:
      raise ValueError(
          f'dropout must be in [0, 1), got {dropout!r}; pass e.g. 0.1.')
    if implementation not in _IMPLEMENTATIONS:
      raise ValueError(
          f'implementation must be one of {_IMPLEMENTATIONS}, got '
          f'{implementation!r}.')
    self.num_heads = num_heads
    self.key_dim = key_dim
    self.attention_axes = normalize_attention_axes(attention_axes)
    self.same_time_bias = check_same_time_bias(same_time_bias,
                                               self.attention_axes)
    self.value_dim = value_dim or key_dim
    self.output_dim = output_dim
    self.dropout = float(dropout)
    self.use_bias = use_bias
    self.implementation = implementation
    self.query_chunk_size = query_chunk_size
    self.key_chunk_size = key_chunk_size
    self.chunk_budget_bytes = chunk_budget_bytes
    self.max_plain_attention_bytes = max_plain_attention_bytes
    self.kernel_initializer = tf.keras.initializers.get(kernel_initializer)
    self.bias_initializer = tf.keras.initializers.get(bias_initializer)
    self._dropout_layer = tf.keras.layers.Dropout(self.dropout)

  def _initializer(self, initializer):
    # A fresh instance per weight: an unseeded Keras initializer instance
    # returns the same values on every call.
    return initializer.__class__.from_config(initializer.get_config())

  def _dense_weights(self, name, input_dim, head_dim):
    kernel = self.add_weight(
        f'{name}/kernel', shape=(input_dim, self.num_heads, head_dim),
        initializer=self._initializer(self.kernel_initializer))
    bias = None
    if self.use_bias:
      bias = self.add_weight(
          f'{name}/bias', shape=(self.num_heads, head_dim),
          initializer=self._initializer(self.bias_initializer))
    return kernel, bias

  def build_from_shapes(self, query_shape, value_shape):
    """Creates f_Q, f_K, f_V and f for the given input shapes.

    Args:
      query_shape: shape of the query, [batch, X_q, T_q, D_q].
      value_shape: shape of the value, [batch, X_v, T_v, D_v].

    Raises:
      ValueError: if a depth is not static.
    """
    query_shape = tf.TensorShape(query_shape)
    value_shape = tf.TensorShape(value_shape)
    query_depth = query_shape[-1] if query_shape.rank else None
    value_depth = value_shape[-1] if value_shape.rank else None
    if query_depth is None or value_depth is None:
      raise ValueError(
          f'{self.name}: needs a static depth (last axis) for query and value, '
          f'got shapes {query_shape} and {value_shape}.')
    self._output_depth = self.output_dim or query_depth
    self._query_kernel, self._query_bias = self._dense_weights(
        'query', query_depth, self.key_dim)
    self._key_kernel, self._key_bias = self._dense_weights(
        'key', value_depth, self.key_dim)
    self._value_kernel, self._value_bias = self._dense_weights(
        'value', value_depth, self.value_dim)
    self._output_kernel = self.add_weight(
        'attention_output/kernel',
        shape=(self.num_heads, self.value_dim, self._output_depth),
        initializer=self._initializer(self.kernel_initializer))
    self._output_bias = None
    if self.use_bias:
      self._output_bias = self.add_weight(
          'attention_output/bias', shape=(self._output_depth,),
          initializer=self._initializer(self.bias_initializer))
    self._same_time_bias = None
    if self.same_time_bias is not None:
      self._same_time_bias = self.add_weight(
          'same_time_bias', shape=(self.num_heads,),
          initializer=tf.keras.initializers.Constant(self.same_time_bias))
    self.built = True

  def build(self, input_shape):
    """Builds from the query shape alone (value depth = query depth).

    `__call__` builds from both the query and the value shapes instead, so
    this is only used when a caller builds the layer explicitly.

    Args:
      input_shape: [batch, X_q, T_q, D_q].
    """
    self.build_from_shapes(input_shape, input_shape)

  def __call__(self, query, value, *args, **kwargs):
    if not self.built:
      query_shape = getattr(query, 'shape', None)
      value_shape = getattr(value, 'shape', None)
      if query_shape is None:
        query_shape = tf.convert_to_tensor(query).shape
      if value_shape is None:
        value_shape = tf.convert_to_tensor(value).shape
      if tf.compat.v1.executing_eagerly_outside_functions():
        with tf.init_scope():
          self.build_from_shapes(query_shape, value_shape)
      else:
        self.build_from_shapes(query_shape, value_shape)
    return super().__call__(query, value, *args, **kwargs)

  def _project(self, tensor, kernel, bias):
    """[batch, X, T, D] -> [batch, X, T, H, depth]."""
    out = tf.einsum('bxtd,dhk->bxthk', tensor, kernel)
    if bias is not None:
      out += bias
    return out

  def _validate(self, query, value, key):
    for tensor_name, tensor in (('query', query), ('value', value),
                                ('key', key)):
      if tensor.shape.rank != 4:
        raise ValueError(
            f'{self.name}: {tensor_name} must be [batch, X, T, D] (rank 4), '
            f'got shape {tensor.shape}; add the missing axis with '
            'tf.expand_dims.')
    if key.shape[1:3] != value.shape[1:3] and all(
        d is not None for d in key.shape[1:3] + value.shape[1:3]):
      raise ValueError(
          f'{self.name}: key {key.shape} and value {value.shape} must have the '
          'same X and T sizes.')
    if self.attention_axes == ('T',):
      if (query.shape[1] is not None and value.shape[1] is not None and
          query.shape[1] != value.shape[1]):
        raise ValueError(
            f"{self.name}: attention over ('T',) treats X as a batch axis, so "
            f'the query X size ({query.shape[1]}) must equal the value X size '
            f"({value.shape[1]}); use attention_axes=('X', 'T') to attend "
            'across different X sizes.')
    if self.attention_axes == ('X',):
      if (query.shape[2] is not None and value.shape[2] is not None and
          query.shape[2] != value.shape[2]):
        raise ValueError(
            f"{self.name}: attention over ('X',) treats T as a batch axis, so "
            f'the query T size ({query.shape[2]}) must equal the value T size '
            f"({value.shape[2]}); use attention_axes=('X', 'T') to attend "
            'across different T sizes.')

  def _full_mask(self, mask, tensor, mask_name):
    """Mask [batch, T] or [batch, X, T] -> float [batch, X, T] of `tensor`."""
    mask = tf.convert_to_tensor(mask)
    if mask.shape.rank not in (2, 3):
      raise ValueError(
          f'{self.name}: {mask_name} must be [batch, T] or [batch, X, T], got '
          f'shape {mask.shape}.')
    if mask.dtype.is_floating or mask.dtype.is_integer:
      mask = tf.not_equal(mask, 0)
    mask = tf.cast(mask, tensor.dtype)
    if mask.shape.rank == 2:
      mask = mask[:, tf.newaxis, :]
    return tf.broadcast_to(mask, tf.shape(tensor)[:3])

  def _to_canonical(self, projected):
    """[batch, X, T, H, k] -> [batch', H, L, k], plus the inverse function."""
    batch, x, t, heads, depth = _static_or_dynamic(projected)
    if self.attention_axes == ('X', 'T'):
      out = tf.reshape(projected, tf.stack([batch, x * t, heads, depth]))
      out = tf.transpose(out, [0, 2, 1, 3])
    elif self.attention_axes == ('T',):
      out = tf.transpose(projected, [0, 1, 3, 2, 4])
      out = tf.reshape(out, tf.stack([batch * x, heads, t, depth]))
    else:
      out = tf.transpose(projected, [0, 2, 3, 1, 4])
      out = tf.reshape(out, tf.stack([batch * t, heads, x, depth]))
    return out

  def _from_canonical(self, canonical, query_projected):
    """[batch', H, L_q, v] -> [batch, X_q, T_q, H, v]."""
    batch, x, t, heads, _ = _static_or_dynamic(query_projected)
    depth = canonical.shape[-1]
    if self.attention_axes == ('X', 'T'):
      out = tf.transpose(canonical, [0, 2, 1, 3])
      return tf.reshape(out, tf.stack([batch, x, t, heads, depth]))
    if self.attention_axes == ('T',):
      out = tf.reshape(canonical, tf.stack([batch, x, heads, t, depth]))
      return tf.transpose(out, [0, 1, 3, 2, 4])
    out = tf.reshape(canonical, tf.stack([batch, t, heads, x, depth]))
    return tf.transpose(out, [0, 3, 1, 2, 4])

  def _mask_to_canonical(self, mask):
    """Float [batch, X, T] -> [batch', L]."""
    batch, x, t = _static_or_dynamic(mask)
    if self.attention_axes == ('X', 'T'):
      return tf.reshape(mask, tf.stack([batch, x * t]))
    if self.attention_axes == ('T',):
      return tf.reshape(mask, tf.stack([batch * x, t]))
    return tf.reshape(tf.transpose(mask, [0, 2, 1]), tf.stack([batch * t, x]))

  def attention_bytes(self, query, value):
    """Estimated float32 bytes of the full attention tensor, static or dynamic.

    Args:
      query: [batch, X_q, T_q, D].
      value: [batch, X_v, T_v, D].

    Returns:
      A Python int if all sizes are static, else a scalar int64 tensor.
    """
    query = tf.convert_to_tensor(query)
    value = tf.convert_to_tensor(value)
    b, xq, tq = _static_or_dynamic(query)[:3]
    xv, tv = _static_or_dynamic(value)[1:3]
    if self.attention_axes == ('X', 'T'):
      sizes = [b, xq, tq, xv, tv]
    elif self.attention_axes == ('T',):
      sizes = [b, xq, tq, tv]
    else:
      sizes = [b, tq, xq, xv]
    total = 4 * self.num_heads
    if all(isinstance(s, int) for s in sizes):
      for s in sizes:
        total *= s
      return total
    total = tf.constant(total, tf.int64)
    for s in sizes:
      total *= tf.cast(s, tf.int64)
    return total

  def chunk_sizes(self, canonical_query, canonical_key):
    """Returns the (query, key) chunk sizes used in the chunked mode.

    Args:
      canonical_query: [batch', H, L_q, key_dim].
      canonical_key: [batch', H, L_v, key_dim].

    Returns:
      Two ints, or scalar int tensors where a length is dynamic.
    """
    batch = canonical_query.shape[0] or 1
    query_length = canonical_query.shape[2]
    key_length = canonical_key.shape[2]
    side = _power_of_two_floor(
        math.sqrt(self.chunk_budget_bytes / (4.0 * batch * self.num_heads)))
    side = max(side, 16)
    query_chunk = self.query_chunk_size or side
    key_chunk = self.key_chunk_size or side
    # Automatic chunks never exceed the length (a dynamic minimum where the
    # length is only known at run time), so short inputs are not padded.
    if self.query_chunk_size is None:
      query_chunk = (min(query_chunk, query_length) if query_length else
                     tf.minimum(query_chunk, tf.shape(canonical_query)[2]))
    if self.key_chunk_size is None:
      key_chunk = (min(key_chunk, key_length) if key_length else
                   tf.minimum(key_chunk, tf.shape(canonical_key)[2]))
    return query_chunk, key_chunk

  def call(self, query, value, attention_mask=None, key=None, query_mask=None,
           training=None):
    """Attends from `query` over the chosen axes of `value`.

    Args:
      query: [batch, X_q, T_q, D_q].
      value: [batch, X_v, T_v, D_v].
      attention_mask: optional key/value validity mask, [batch, T_v] or
        [batch, X_v, T_v] (bool or 0/1).
      key: optional [batch, X_v, T_v, D_v]; defaults to `value`.
      query_mask: optional query validity mask, [batch, T_q] or
        [batch, X_q, T_q].
      training: whether dropout is active. False also skips the chunked
        path's `tf.recompute_grad` wrapper (no gradient is taken).

    Returns:
      [batch, X_q, T_q, output_dim or D_q].
    """
    query = tf.convert_to_tensor(query)
    value = tf.convert_to_tensor(value, dtype=query.dtype)
    key = value if key is None else tf.convert_to_tensor(key, query.dtype)
    self._validate(query, value, key)

    key_mask = None
    if attention_mask is not None:
      full_mask = self._full_mask(attention_mask, value, 'attention_mask')
      # Zero padded values so that even non-finite padding cannot leak.
      value = value * full_mask[..., tf.newaxis]
      key = key * full_mask[..., tf.newaxis]
      key_mask = self._mask_to_canonical(full_mask)

    q = self._project(query, self._query_kernel, self._query_bias)
    k = self._project(key, self._key_kernel, self._key_bias)
    v = self._project(value, self._value_kernel, self._value_bias)
    q *= tf.cast(1.0 / math.sqrt(float(self.key_dim)), q.dtype)
    canonical_q = self._to_canonical(q)
    canonical_k = self._to_canonical(k)
    canonical_v = self._to_canonical(v)

    def dropout(weights):
      return self._dropout_layer(weights, training=training)

    dropout_fn = dropout if self.dropout > 0.0 else None
    bias = query_times = key_times = None
    if self._same_time_bias is not None:
      bias = tf.cast(self._same_time_bias, canonical_q.dtype)
      query_times = _canonical_times(q)
      key_times = _canonical_times(k)

    def plain():
      logit_bias = None
      if bias is not None:
        logit_bias = same_time_logit_bias(bias, query_times, key_times)
      return masked_softmax_attention(
          canonical_q, canonical_k, canonical_v, key_mask, dropout_fn,
          logit_bias=logit_bias)

    def chunked():
      query_chunk, key_chunk = self.chunk_sizes(canonical_q, canonical_k)
      return chunked_softmax_attention(
          canonical_q, canonical_k, canonical_v, key_mask, dropout_fn,
          query_chunk_size=query_chunk, key_chunk_size=key_chunk,
          same_time_bias=bias, query_times=query_times, key_times=key_times,
          # Inference takes no gradient, and a SavedModel cannot store the
          # wrapper's custom gradient (it warns on every load).
          recompute_gradients=training is not False)

    if self.implementation == 'plain':
      attended = plain()
    elif self.implementation == 'chunked':
      attended = chunked()
    else:
      size = self.attention_bytes(query, value)
      if isinstance(size, int):
        attended = plain() if size <= self.max_plain_attention_bytes else (
            chunked())
      else:
        attended = tf.cond(size <= self.max_plain_attention_bytes, plain,
                           chunked)

    attended = self._from_canonical(attended, q)
    output = tf.einsum('bxthv,hvo->bxto', attended, self._output_kernel)
    if self._output_bias is not None:
      output += self._output_bias
    if query_mask is not None:
      output *= self._full_mask(query_mask, query, 'query_mask')[..., None]
    return output

  def get_config(self):
    config = super().get_config()
    config.update({
        'num_heads': self.num_heads,
        'key_dim': self.key_dim,
        'attention_axes': list(self.attention_axes),
        'value_dim': self.value_dim,
        'output_dim': self.output_dim,
        'dropout': self.dropout,
        'use_bias': self.use_bias,
        'implementation': self.implementation,
        'query_chunk_size': self.query_chunk_size,
        'key_chunk_size': self.key_chunk_size,
        'chunk_budget_bytes': self.chunk_budget_bytes,
        'max_plain_attention_bytes': self.max_plain_attention_bytes,
        'kernel_initializer': tf.keras.initializers.serialize(
            self.kernel_initializer),
        'bias_initializer': tf.keras.initializers.serialize(
            self.bias_initializer),
        'same_time_bias': self.same_time_bias,
    })
    return config
