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
"""Tests for audioscope.attention.axis_attention."""

import itertools
import logging

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.attention import axis_attention

_KERAS_AXES = {('X', 'T'): (1, 2), ('T',): (2,), ('X',): (1,)}


def _shapes(axes, unequal):
  """Query and value shapes; unequal sizes on the attended axes only."""
  query_shape, value_shape = [2, 3, 4, 8], [2, 3, 4, 8]
  if unequal:
    if 'X' in axes:
      value_shape[1] = 5
    if 'T' in axes:
      value_shape[2] = 6
  return query_shape, value_shape


def _numpy_attention(query, value, weights, num_heads, axes, mask=None,
                     same_time_bias=None):
  """Eq. (1)-(2) with explicit loops over query positions and heads.

  Args:
    query: [B, Xq, Tq, D].
    value: [B, Xv, Tv, D].
    weights: the layer's weights (query/key/value kernels [D, H, k] and
      biases [H, k], output kernel [H, v, Do] and bias [Do]).
    num_heads: H.
    axes: ('X', 'T'), ('T',) or ('X',).
    mask: optional bool [B, Xv, Tv].
    same_time_bias: optional [H] logits added where tq == tv.

  Returns:
    [B, Xq, Tq, Do].
  """
  wq, bq, wk, bk, wv, bv, wo, bo = weights[:8]
  key_dim = wq.shape[-1]
  batch, xq_size, tq_size, _ = query.shape
  _, xv_size, tv_size, _ = value.shape
  if mask is None:
    mask = np.ones((batch, xv_size, tv_size), bool)
  out = np.zeros((batch, xq_size, tq_size, wo.shape[-1]))
  for b, xq, tq in itertools.product(range(batch), range(xq_size),
                                     range(tq_size)):
    if axes == ('X', 'T'):
      positions = list(itertools.product(range(xv_size), range(tv_size)))
    elif axes == ('T',):
      positions = [(xq, tv) for tv in range(tv_size)]
    else:
      positions = [(xv, tq) for xv in range(xv_size)]
    heads = []
    for h in range(num_heads):
      q = query[b, xq, tq] @ wq[:, h] + bq[h]
      logits, values = [], []
      for xv, tv in positions:
        if not mask[b, xv, tv]:
          continue
        k = value[b, xv, tv] @ wk[:, h] + bk[h]
        logit = q @ k / np.sqrt(key_dim)
        if same_time_bias is not None and tv == tq:
          logit += same_time_bias[h]
        logits.append(logit)
        values.append(value[b, xv, tv] @ wv[:, h] + bv[h])
      if logits:
        alpha = np.exp(np.array(logits) - max(logits))
        alpha /= alpha.sum()
        heads.append(alpha @ np.array(values))
      else:
        heads.append(np.zeros(wv.shape[-1]))
    out[b, xq, tq] = sum(heads[h] @ wo[h] for h in range(num_heads)) + bo
  return out


def _random_weights(layer, rng):
  layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32)
                     for w in layer.get_weights()])


class MultiHeadAxisAttentionTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      (f'{"".join(axes)}_heads{heads}_{"unequal" if unequal else "equal"}',
       axes, heads, unequal)
      for axes, heads, unequal in itertools.product(
          (('X', 'T'), ('T',), ('X',)), (1, 4), (False, True)))
  def test_matches_numpy_oracle(self, axes, num_heads, unequal):
    rng = np.random.default_rng(0)
    query_shape, value_shape = _shapes(axes, unequal)
    query = rng.normal(size=query_shape).astype(np.float32)
    value = rng.normal(size=value_shape).astype(np.float32)
    layer = axis_attention.MultiHeadAxisAttention(
        num_heads, 8 // num_heads, axes, implementation='plain')
    layer(query, value)
    _random_weights(layer, rng)
    expected = _numpy_attention(query, value, layer.get_weights(), num_heads,
                                axes)
    self.assertAllClose(layer(query, value), expected, atol=1e-4, rtol=1e-4)

  @parameterized.named_parameters(
      ('xt', ('X', 'T')), ('t', ('T',)), ('x', ('X',)))
  def test_time_mask_matches_numpy_oracle(self, axes):
    rng = np.random.default_rng(1)
    query_shape, value_shape = _shapes(axes, unequal=False)
    query = rng.normal(size=query_shape).astype(np.float32)
    value = rng.normal(size=value_shape).astype(np.float32)
    time_mask = np.array([[1, 1, 0, 1], [1, 0, 0, 0]], bool)
    layer = axis_attention.MultiHeadAxisAttention(2, 4, axes)
    layer(query, value)
    _random_weights(layer, rng)
    full_mask = np.broadcast_to(time_mask[:, None, :], value_shape[:3])
    expected = _numpy_attention(query, value, layer.get_weights(), 2, axes,
                                full_mask)
    self.assertAllClose(layer(query, value, attention_mask=time_mask),
                        expected, atol=1e-4, rtol=1e-4)

  @parameterized.named_parameters(
      ('xt', ('X', 'T')), ('t', ('T',)), ('x', ('X',)))
  def test_matches_keras_multi_head_attention(self, axes):
    rng = np.random.default_rng(2)
    query_shape, value_shape = _shapes(axes, unequal=True)
    query = rng.normal(size=query_shape).astype(np.float32)
    value = rng.normal(size=value_shape).astype(np.float32)
    keras_layer = tf.keras.layers.MultiHeadAttention(
        num_heads=2, key_dim=4, attention_axes=_KERAS_AXES[axes])
    expected = keras_layer(query, value)
    layer = axis_attention.MultiHeadAxisAttention(2, 4, axes)
    layer(query, value)
    layer.set_weights(keras_layer.get_weights())
    self.assertAllClose(layer(query, value), expected, atol=1e-5, rtol=1e-5)

  @parameterized.named_parameters(
      ('xt', ('X', 'T')), ('t', ('T',)), ('x', ('X',)))
  def test_chunked_equals_plain_with_masks(self, axes):
    rng = np.random.default_rng(3)
    query_shape, value_shape = [2, 3, 7, 8], [2, 3, 7, 8]
    if axes != ('T',):
      value_shape[1] = 5
    query = rng.normal(size=query_shape).astype(np.float32)
    value = rng.normal(size=value_shape).astype(np.float32)
    value_mask = rng.uniform(size=value_shape[:3]) > 0.4
    value_mask[0] = False  # An example without any valid key.
    query_mask = np.array([[1] * 7, [1] * 5 + [0] * 2], bool)
    plain = axis_attention.MultiHeadAxisAttention(
        2, 4, axes, implementation='plain')
    chunked = axis_attention.MultiHeadAxisAttention(
        2, 4, axes, implementation='chunked', query_chunk_size=4,
        key_chunk_size=3)
    plain(query, value)
    chunked(query, value)
    chunked.set_weights(plain.get_weights())
    for mask in (None, value_mask, value_mask[:, 0, :]):
      self.assertAllClose(
          chunked(query, value, attention_mask=mask, query_mask=query_mask),
          plain(query, value, attention_mask=mask, query_mask=query_mask),
          atol=1e-5, rtol=1e-5)

  def test_chunked_gradients_equal_plain(self):
    rng = np.random.default_rng(4)
    query = tf.constant(rng.normal(size=(1, 2, 5, 8)), tf.float32)
    value = tf.constant(rng.normal(size=(1, 3, 6, 8)), tf.float32)
    mask = np.array([[1, 1, 1, 1, 0, 0]], bool)
    gradients = []
    for implementation in ('plain', 'chunked'):
      layer = axis_attention.MultiHeadAxisAttention(
          2, 4, ('X', 'T'), implementation=implementation,
          query_chunk_size=4, key_chunk_size=4,
          kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1))
      with tf.GradientTape() as tape:
        tape.watch([query, value])
        loss = tf.reduce_sum(
            tf.sin(layer(query, value, attention_mask=mask)))
      gradients.append(
          tape.gradient(loss, [query, value] + layer.trainable_weights))
    for plain_grad, chunked_grad in zip(*gradients):
      self.assertAllClose(chunked_grad, plain_grad, atol=1e-5, rtol=1e-5)

  def test_recompute_gradients_off_gives_same_values_and_gradients(self):
    rng = np.random.default_rng(5)
    query, key, value = (tf.constant(rng.normal(size=(2, 2, 5, 4)),
                                     tf.float32) for _ in range(3))
    results = []
    for recompute in (True, False):
      with tf.GradientTape() as tape:
        tape.watch([query, key, value])
        output = axis_attention.chunked_softmax_attention(
            query, key, value, query_chunk_size=2, key_chunk_size=3,
            recompute_gradients=recompute)
        loss = tf.reduce_sum(tf.sin(output))
      results.append([output] + tape.gradient(loss, [query, key, value]))
    for with_recompute, without in zip(*results):
      self.assertAllClose(without, with_recompute, atol=1e-6, rtol=1e-6)

  @parameterized.named_parameters(('inference', False), ('training', True))
  def test_saved_model_stores_no_custom_gradient_in_inference(self, training):
    # recompute_grad's custom gradient cannot be saved, and every load of
    # such a SavedModel warns once per function; inference skips it.
    layer = axis_attention.MultiHeadAxisAttention(
        2, 4, ('X', 'T'), implementation='chunked', query_chunk_size=2,
        key_chunk_size=2)
    inputs = tf.zeros((1, 2, 3, 8))
    layer(inputs, inputs)
    module = tf.Module()
    module.layer = layer
    module.attend = tf.function(
        lambda x: layer(x, x, training=training),
        input_signature=[tf.TensorSpec([None, 2, None, 8], tf.float32)])
    export_dir = self.create_tempdir().full_path
    tf.saved_model.save(module, export_dir)
    # Any other warning (of another TensorFlow version) would not matter.
    with self.assertLogs(level='DEBUG') as logs:
      logging.getLogger().debug('loading')  # assertLogs needs one record.
      loaded = tf.saved_model.load(export_dir)
    warned = any('custom gradients' in line for line in logs.output)
    self.assertEqual(warned, training)
    self.assertAllClose(loaded.attend(inputs + 1.0),
                        layer(inputs + 1.0, inputs + 1.0))

  @parameterized.named_parameters(('equal', False), ('unequal', True))
  def test_same_time_bias_matches_numpy_oracle(self, unequal):
    rng = np.random.default_rng(11)
    query_shape, value_shape = _shapes(('X', 'T'), unequal)
    query = rng.normal(size=query_shape).astype(np.float32)
    value = rng.normal(size=value_shape).astype(np.float32)
    mask = rng.uniform(size=value_shape[:3]) > 0.3
    layer = axis_attention.MultiHeadAxisAttention(
        2, 4, ('X', 'T'), same_time_bias=3.0)
    layer(query, value)
    self.assertAllEqual(layer.get_weights()[-1], [3.0, 3.0])
    _random_weights(layer, rng)
    weights = layer.get_weights()
    weights[-1] = np.array([2.5, -1.5], np.float32)
    layer.set_weights(weights)
    expected = _numpy_attention(query, value, weights, 2, ('X', 'T'), mask,
                                same_time_bias=weights[-1])
    self.assertAllClose(layer(query, value, attention_mask=mask), expected,
                        atol=1e-5, rtol=1e-5)
    # The bias changes the output: the oracle without it differs.
    self.assertNotAllClose(
        _numpy_attention(query, value, weights, 2, ('X', 'T'), mask),
        expected, atol=1e-3)

  def test_zero_same_time_bias_is_plain_joint_attention(self):
    rng = np.random.default_rng(12)
    query = rng.normal(size=(2, 3, 5, 8)).astype(np.float32)
    value = rng.normal(size=(2, 4, 5, 8)).astype(np.float32)
    biased = axis_attention.MultiHeadAxisAttention(
        2, 4, ('X', 'T'), same_time_bias=0.0)
    plain = axis_attention.MultiHeadAxisAttention(2, 4, ('X', 'T'))
    biased(query, value)
    plain(query, value)
    plain.set_weights(biased.get_weights()[:-1])
    self.assertAllClose(biased(query, value), plain(query, value), atol=1e-6)

  def test_same_time_bias_chunked_equals_plain_with_gradients(self):
    rng = np.random.default_rng(13)
    query = tf.constant(rng.normal(size=(2, 3, 7, 8)), tf.float32)
    value = tf.constant(rng.normal(size=(2, 4, 7, 8)), tf.float32)
    mask = np.array([[1] * 7, [1] * 5 + [0] * 2], bool)
    outputs, gradients = [], []
    for implementation in ('plain', 'chunked'):
      # Chunks of 4 queries and 3 keys cut across time steps and rows.
      layer = axis_attention.MultiHeadAxisAttention(
          2, 4, ('X', 'T'), implementation=implementation,
          query_chunk_size=4, key_chunk_size=3, same_time_bias=1.5,
          kernel_initializer=tf.keras.initializers.GlorotUniform(seed=2))
      with tf.GradientTape() as tape:
        tape.watch([query, value])
        output = layer(query, value, attention_mask=mask)
        loss = tf.reduce_sum(tf.sin(output))
      outputs.append(output)
      gradients.append(
          tape.gradient(loss, [query, value] + layer.trainable_weights))
    self.assertAllClose(outputs[1], outputs[0], atol=1e-5, rtol=1e-5)
    self.assertEqual(layer.trainable_weights[-1].name.split('/')[-1],
                     'same_time_bias:0')
    self.assertNotAllClose(gradients[0][-1], np.zeros(2))
    for plain_grad, chunked_grad in zip(*gradients):
      self.assertAllClose(chunked_grad, plain_grad, atol=1e-5, rtol=1e-5)

  def test_auto_picks_chunked_above_threshold(self):
    rng = np.random.default_rng(5)
    query = rng.normal(size=(1, 4, 6, 8)).astype(np.float32)
    plain = axis_attention.MultiHeadAxisAttention(
        2, 4, ('X', 'T'), implementation='plain')
    auto = axis_attention.MultiHeadAxisAttention(
        2, 4, ('X', 'T'), implementation='auto', max_plain_attention_bytes=64,
        query_chunk_size=16, key_chunk_size=16)
    plain(query, query)
    auto(query, query)
    auto.set_weights(plain.get_weights())
    self.assertGreater(auto.attention_bytes(query, query), 64)
    expected = plain(query, query)
    self.assertAllClose(auto(query, query), expected, atol=1e-5)

  def test_dropout_only_in_training(self):
    rng = np.random.default_rng(6)
    query = rng.normal(size=(1, 3, 4, 8)).astype(np.float32)
    layer = axis_attention.MultiHeadAxisAttention(2, 4, ('T',), dropout=0.5)
    no_dropout = axis_attention.MultiHeadAxisAttention(2, 4, ('T',))
    layer(query, query)
    no_dropout(query, query)
    no_dropout.set_weights(layer.get_weights())
    self.assertAllClose(layer(query, query, training=False),
                        no_dropout(query, query))
    self.assertNotAllClose(layer(query, query, training=True),
                           no_dropout(query, query))

  @parameterized.named_parameters(
      ('names', ['T', 'x'], ('X', 'T')), ('indices', (2,), ('T',)),
      ('single_index', 1, ('X',)), ('single_name', 'T', ('T',)))
  def test_normalize_attention_axes(self, axes, expected):
    self.assertEqual(axis_attention.normalize_attention_axes(axes), expected)

  @parameterized.named_parameters(
      ('unknown_axis', dict(attention_axes=('D',)), 'Unknown attention axis'),
      ('repeated_axis', dict(attention_axes=('T', 2)), 'at most'),
      ('bad_implementation', dict(implementation='fast'), 'implementation'),
      ('bad_heads', dict(num_heads=0), 'num_heads'),
      ('bad_dropout', dict(dropout=1.0), 'dropout'),
      ('same_time_bias_on_time_axis', dict(same_time_bias=1.0),
       r"only applies to joint attention over \('X', 'T'\)"),
      ('same_time_bias_on_x_axis',
       dict(same_time_bias=1.0, attention_axes=('X',)), 'constant shift'),
      ('nan_same_time_bias',
       dict(same_time_bias=float('nan'), attention_axes=('X', 'T')),
       'finite number'),
      ('bool_same_time_bias',
       dict(same_time_bias=True, attention_axes=('X', 'T')), 'finite number'))
  def test_bad_arguments_raise(self, overrides, message):
    kwargs = dict(num_heads=2, key_dim=4, attention_axes=('T',))
    kwargs.update(overrides)
    with self.assertRaisesRegex(ValueError, message):
      axis_attention.MultiHeadAxisAttention(**kwargs)

  @parameterized.named_parameters(
      ('t_needs_equal_x', ('T',), (1, 3, 4, 8), (1, 2, 4, 8), 'X size'),
      ('x_needs_equal_t', ('X',), (1, 3, 4, 8), (1, 3, 5, 8), 'T size'),
      ('rank', ('X', 'T'), (1, 4, 8), (1, 3, 4, 8), 'rank 4'))
  def test_bad_shapes_raise(self, axes, query_shape, value_shape, message):
    layer = axis_attention.MultiHeadAxisAttention(2, 4, axes)
    with self.assertRaisesRegex(ValueError, message):
      layer(tf.zeros(query_shape), tf.zeros(value_shape))

  def test_config_round_trip(self):
    rng = np.random.default_rng(7)
    query = rng.normal(size=(1, 3, 4, 8)).astype(np.float32)
    layer = axis_attention.MultiHeadAxisAttention(
        2, 4, (1, 2), output_dim=6, implementation='chunked',
        query_chunk_size=2, key_chunk_size=3, dropout=0.1,
        same_time_bias=2.0)
    expected = layer(query, query)
    config = layer.get_config()
    clone = axis_attention.MultiHeadAxisAttention.from_config(config)
    clone(query, query)
    clone.set_weights(layer.get_weights())
    self.assertEqual(clone.get_config(), config)
    self.assertEqual(config['attention_axes'], ['X', 'T'])
    self.assertEqual(config['same_time_bias'], 2.0)
    self.assertAllClose(clone(query, query), expected)
    restored = tf.keras.utils.deserialize_keras_object(
        tf.keras.utils.serialize_keras_object(layer))
    self.assertIsInstance(restored, axis_attention.MultiHeadAxisAttention)


if __name__ == '__main__':
  tf.test.main()
