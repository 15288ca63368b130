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
"""Tests for audioscope.attention.alignment."""

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import attention
from audioscope.attention import alignment

_NAMES = ('audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma',
          'separable_cma')
_BATCH, _M, _G, _T, _D = 2, 3, 4, 5, 8


def _module(name, **overrides):
  config = dict(num_heads=2)
  if name != 'audioscope_v1':
    config['num_layers'] = 2
  config.update(overrides)
  return attention.alignment_module(name, **config)


def _features(seed=0, steps=_T):
  rng = np.random.default_rng(seed)
  audio = rng.normal(size=(_BATCH, _M, steps, _D)).astype(np.float32)
  video = rng.normal(size=(_BATCH, _G, steps, _D)).astype(np.float32)
  return audio, video


class AlignmentModuleTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  @parameterized.named_parameters((name, name) for name in _NAMES)
  def test_shape_and_permutation_properties(self, name):
    audio, video = _features()
    module = _module(name)
    output = module(audio, video).numpy()
    self.assertEqual(output.shape, (_BATCH, _M, _D))
    self.assertTrue(np.all(np.isfinite(output)))
    source_order = [2, 0, 1]
    self.assertAllClose(module(audio[:, source_order], video),
                        output[:, source_order], atol=1e-5)
    location_order = [3, 1, 0, 2]
    self.assertAllClose(module(audio, video[:, location_order]), output,
                        atol=1e-5)

  @parameterized.named_parameters((name, name) for name in _NAMES)
  def test_padding_with_mask_leaves_output_unchanged(self, name):
    audio, video = _features()
    module = _module(name)
    expected = module(audio, video)
    garbage_audio, garbage_video = _features(seed=1, steps=3)
    garbage_audio[0, 0, 0, 0] = np.nan
    padded_audio = np.concatenate([audio, 100 * garbage_audio], axis=2)
    padded_video = np.concatenate([video, 100 * garbage_video], axis=2)
    time_mask = np.array([[True] * _T + [False] * 3] * _BATCH)
    self.assertAllClose(
        module(padded_audio, padded_video, time_mask=time_mask), expected,
        atol=1e-5)

  @parameterized.named_parameters((name, name) for name in _NAMES)
  def test_gradients_finite_and_config_round_trip(self, name):
    audio, video = _features()
    audio, video = tf.constant(audio), tf.constant(video)
    module = _module(name, dropout_rate=0.1)
    time_mask = np.array([[1] * _T, [1] * (_T - 2) + [0] * 2])
    with tf.GradientTape() as tape:
      tape.watch([audio, video])
      loss = tf.reduce_sum(tf.square(
          module(audio, video, training=True, time_mask=time_mask)))
    variables = module.trainable_variables
    gradients = tape.gradient(loss, [audio, video] + variables)
    for variable, gradient in zip(['audio', 'video'] + variables, gradients):
      self.assertIsNotNone(gradient, msg=str(variable))
      self.assertTrue(np.all(np.isfinite(tf.convert_to_tensor(gradient))),
                      msg=str(variable))

    config = module.get_config()
    clone = type(module).from_config(config)
    clone(audio, video)
    clone.set_weights(module.get_weights())
    self.assertEqual(clone.get_config(), config)
    self.assertAllClose(clone(audio, video), module(audio, video), atol=1e-6)
    restored = tf.keras.utils.deserialize_keras_object(
        tf.keras.utils.serialize_keras_object(module))
    self.assertIsInstance(restored, type(module))

  @parameterized.named_parameters(('joint_sa', 'joint_sa'),
                                  ('joint_cma', 'joint_cma'))
  def test_chunked_mode_equals_plain(self, name):
    audio, video = _features()
    time_mask = np.array([[1] * _T, [1] * (_T - 1) + [0]])
    plain = _module(name, implementation='plain')
    chunked = _module(name, implementation='chunked', query_chunk_size=16,
                      key_chunk_size=12)
    expected = plain(audio, video, time_mask=time_mask)
    chunked(audio, video)
    chunked.set_weights(plain.get_weights())
    self.assertAllClose(chunked(audio, video, time_mask=time_mask), expected,
                        atol=1e-5, rtol=1e-5)

  @parameterized.named_parameters(('joint_sa', 'joint_sa', 2),
                                  ('joint_cma', 'joint_cma', 3))
  def test_same_time_bias(self, name, num_attention_layers):
    audio, video = _features()
    module = _module(name, same_time_bias=2.0)
    output = module(audio, video).numpy()
    biases = [w for w in module.weights if 'same_time_bias' in w.name]
    # One [H] bias per attention layer: 2 SA blocks; 2 CMA blocks, of which
    # the last computes only the audio direction.
    self.assertLen(biases, num_attention_layers)
    for bias in biases:
      self.assertAllEqual(bias, [2.0, 2.0])
    # Still equivariant to the sources and invariant to the locations.
    self.assertAllClose(module(audio[:, [2, 0, 1]], video),
                        output[:, [2, 0, 1]], atol=1e-5)
    self.assertAllClose(module(audio, video[:, [3, 1, 0, 2]]), output,
                        atol=1e-5)
    # With the biases at 0 it is the papers' module with the same weights.
    papers = _module(name)
    papers(audio, video)
    papers.set_weights(
        [w.numpy() for w in module.weights if 'same_time_bias' not in w.name])
    self.assertNotAllClose(papers(audio, video), output, atol=1e-4)
    for bias in biases:
      bias.assign(tf.zeros_like(bias))
    self.assertAllClose(module(audio, video), papers(audio, video),
                        atol=1e-5)
    self.assertEqual(module.get_config()['same_time_bias'], 2.0)
    self.assertIsNone(papers.get_config()['same_time_bias'])

  def test_learned_spatial_embedding_breaks_location_invariance(self):
    audio, video = _features()
    module = _module('separable_sa', spatial_position_embedding='learned')
    output = module(audio, video)
    self.assertEqual(module.spatial_embedding.shape, (_G, _D))
    self.assertNotAllClose(module(audio, video[:, ::-1]), output, atol=1e-5)

  def test_attentional_pooling_matches_definition(self):
    audio, _ = _features()
    mask = np.array([[1, 1, 1, 0, 0], [1] * _T], np.float32)
    pooling = alignment.AttentionalPooling(num_heads=2)
    pooled = pooling(audio, time_mask=mask)
    query = (audio * mask[:, None, :, None]).sum(axis=2, keepdims=True)
    expected = pooling.attention(query, audio, attention_mask=mask)[:, :, 0]
    self.assertAllClose(pooled, expected)
    self.assertEqual(pooled.shape, (_BATCH, _M, _D))

  def test_sinusoidal_time_embedding(self):
    table = alignment.sinusoidal_time_embedding(6, 8).numpy()
    rates = 10000.0**(-np.arange(4) / 4.0)
    angles = np.arange(6)[:, None] * rates[None, :]
    expected = np.concatenate([np.sin(angles), np.cos(angles)], axis=1)
    self.assertAllClose(table, expected, atol=1e-5)

  def test_gin_configures_module(self):
    gin.parse_config(['JointSelfAttention.num_layers = 1',
                      'JointSelfAttention.variant = "arxiv"'])
    module = attention.alignment_module('joint_sa', num_heads=2)
    self.assertLen(module.blocks, 1)
    self.assertEqual(module.variant, 'arxiv')

  def test_default_configuration(self):
    module = attention.alignment_module('joint_cma')
    config = module.get_config()
    self.assertEqual(config['num_layers'], 4)
    self.assertEqual(config['num_heads'], 4)
    self.assertEqual(config['temporal_position_embedding'], 'sinusoidal')
    self.assertEqual(config['spatial_position_embedding'], 'none')

  @parameterized.named_parameters(
      ('unknown_name', 'joint_xyz', {}, 'Unknown alignment module'),
      ('bad_argument', 'audioscope_v1', dict(num_layers=2), 'Bad argument'),
      ('bad_layers', 'joint_sa', dict(num_layers=0), 'num_layers'),
      ('bad_variant', 'joint_cma', dict(variant='arxiv'), 'variant'),
      ('bad_embedding', 'joint_sa', dict(temporal_position_embedding='rope'),
       'temporal_position_embedding'),
      ('same_time_bias_separable', 'separable_sa', dict(same_time_bias=1.0),
       'Bad argument'),
      ('bad_same_time_bias', 'joint_cma', dict(same_time_bias='4'),
       'finite number'))
  def test_bad_configuration_raises(self, name, config, message):
    with self.assertRaisesRegex(ValueError, message):
      attention.alignment_module(name, **config)

  @parameterized.named_parameters(
      ('time', (2, 3, 5, 8), (2, 4, 6, 8), 'same time T'),
      ('depth', (2, 3, 5, 8), (2, 4, 5, 4), 'same depth D'),
      ('rank', (2, 3, 8), (2, 4, 5, 8), 'rank 4'))
  def test_bad_inputs_raise(self, audio_shape, video_shape, message):
    module = _module('separable_cma')
    with self.assertRaisesRegex(ValueError, message):
      module(tf.zeros(audio_shape), tf.zeros(video_shape))


if __name__ == '__main__':
  tf.test.main()
