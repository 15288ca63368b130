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
"""Tests for audioscope.attention.blocks."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.attention import blocks


def _layer_norm(x, layer):
  gamma, beta = [w.numpy() for w in layer.weights]
  mean = x.mean(-1, keepdims=True)
  variance = x.var(-1, keepdims=True)
  return (x - mean) / np.sqrt(variance + layer.epsilon) * gamma + beta


def _dense(x, layer):
  kernel, bias = [w.numpy() for w in layer.weights]
  return x @ kernel + bias


def _randomize(layer, rng):
  layer.set_weights([
      rng.normal(scale=0.3, size=w.shape).astype(np.float32) + (
          1.0 if 'gamma' in w.name else 0.0) for w in layer.weights])


class SelfAttentionBlockTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('eccv', 'eccv'), ('arxiv', 'arxiv'), ('figure', 'figure'))
  def test_layer_norm_placement_matches_numpy(self, variant):
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(2, 3, 4, 8)).astype(np.float32)
    block = blocks.SelfAttentionBlock(('X', 'T'), variant=variant, num_heads=2)
    block(inputs)
    _randomize(block, rng)
    attended = block.attention(inputs, inputs).numpy() + inputs
    dense = lambda x: _dense(x, block.dense)
    if variant == 'eccv':
      expected = _layer_norm(dense(attended) + attended, block.norm_output)
    else:
      normed = _layer_norm(attended, block.norm_attention)
      if variant == 'arxiv':
        expected = _layer_norm(dense(normed), block.norm_output) + normed
      else:
        expected = _layer_norm(dense(normed) + normed, block.norm_output)
    self.assertAllClose(block(inputs), expected, atol=1e-4, rtol=1e-4)

  def test_time_mask_keeps_valid_steps(self):
    rng = np.random.default_rng(1)
    inputs = rng.normal(size=(1, 3, 4, 8)).astype(np.float32)
    padded = np.concatenate(
        [inputs, 50 * rng.normal(size=(1, 3, 2, 8)).astype(np.float32)], 2)
    mask = np.array([[1, 1, 1, 1, 0, 0]], bool)
    block = blocks.SelfAttentionBlock(('T',), num_heads=2)
    expected = block(inputs)
    self.assertAllClose(block(padded, time_mask=mask)[:, :, :4], expected,
                        atol=1e-5)

  def test_bad_arguments_raise(self):
    with self.assertRaisesRegex(ValueError, 'variant'):
      blocks.SelfAttentionBlock(('T',), variant='pre_norm')
    with self.assertRaisesRegex(ValueError, 'not divisible'):
      blocks.SelfAttentionBlock(('T',), num_heads=3)(tf.zeros((1, 2, 3, 8)))
    with self.assertRaisesRegex(ValueError, 'dropout_rate'):
      blocks.SelfAttentionBlock(('T',), dropout_rate=-0.1)

  def test_config_round_trip(self):
    block = blocks.SelfAttentionBlock(
        ('X',), variant='arxiv', num_heads=2, dropout_rate=0.2,
        implementation='chunked', key_chunk_size=2)
    config = block.get_config()
    self.assertEqual(
        blocks.SelfAttentionBlock.from_config(config).get_config(), config)


class CrossModalAttentionBlockTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('figure_joint', 'figure', ('X', 'T')), ('eccv_joint', 'eccv', ('X', 'T')),
      ('figure_separable', 'figure', ('X',)))
  def test_both_directions_match_numpy(self, variant, axes):
    rng = np.random.default_rng(2)
    audio = rng.normal(size=(2, 3, 4, 8)).astype(np.float32)
    video = rng.normal(size=(2, 5, 4, 8)).astype(np.float32)
    block = blocks.CrossModalAttentionBlock(axes, variant=variant, num_heads=2)
    block(audio, video)
    _randomize(block, rng)

    def direction(layers, queries, values):
      attended = layers['attention'](queries, values).numpy()
      attended = _layer_norm(attended + queries, layers['norm_attention'])
      hidden = _dense(attended, layers['dense'])
      if variant == 'eccv':
        return _layer_norm(hidden + queries, layers['norm_output'])
      hidden = _layer_norm(hidden + attended, layers['norm_dense'])
      return _layer_norm(hidden + queries, layers['norm_output'])

    new_audio, new_video = block(audio, video)
    self.assertAllClose(new_audio,
                        direction(block.audio_direction, audio, video),
                        atol=1e-4, rtol=1e-4)
    self.assertAllClose(new_video,
                        direction(block.video_direction, video, audio),
                        atol=1e-4, rtol=1e-4)

  def test_without_video_update_returns_video(self):
    audio = tf.ones((1, 2, 3, 8))
    video = tf.zeros((1, 4, 3, 8))
    block = blocks.CrossModalAttentionBlock(num_heads=2, update_video=False)
    _, same_video = block(audio, video)
    self.assertAllEqual(same_video, video)
    self.assertFalse(hasattr(block, 'video_direction'))

  def test_bad_arguments_raise(self):
    with self.assertRaisesRegex(ValueError, 'SelfAttentionBlock'):
      blocks.CrossModalAttentionBlock(('T',))
    with self.assertRaisesRegex(ValueError, 'depth'):
      blocks.CrossModalAttentionBlock(num_heads=2)(
          tf.zeros((1, 2, 3, 8)), tf.zeros((1, 4, 3, 4)))

  def test_config_round_trip(self):
    block = blocks.CrossModalAttentionBlock(
        ('X',), variant='eccv', num_heads=2, update_video=False)
    config = block.get_config()
    self.assertEqual(
        blocks.CrossModalAttentionBlock.from_config(config).get_config(),
        config)


if __name__ == '__main__':
  tf.test.main()
