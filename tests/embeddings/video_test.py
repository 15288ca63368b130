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
"""Tests for audioscope.embeddings.video."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.embeddings import mobilenet
from audioscope.embeddings import video


class VideoEmbeddingTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('b1_t1', 1, 1), ('b3_t5', 3, 5),
                                  ('b1_t16', 1, 16))
  def test_shapes_and_per_frame_oracle(self, batch, num_frames):
    network = video.VideoEmbedding(embedding_dim=6, width_multiplier=0.25)
    frames = np.random.RandomState(batch).uniform(
        0, 1, [batch, num_frames, 32, 48, 3]).astype(np.float32)
    z_v = network(frames).numpy()
    self.assertEqual(z_v.shape, (batch, 2 * 3, num_frames, 6))
    self.assertEqual(network.grid_size(32, 48), 6)
    # NumPy oracle: each frame alone through the trunk, grid flattened
    # row-major, then the dense projection.
    kernel, bias = [w.numpy() for w in network.projection.weights]
    for b in sorted({0, batch - 1}):
      for t in sorted({0, num_frames - 1}):
        features = network.trunk(frames[b, t][np.newaxis] * 2.0 - 1.0).numpy()
        expected = features.reshape(6, -1) @ kernel + bias
        self.assertAllClose(z_v[b, :, t], expected, atol=1e-4)

  def test_default_geometry_128_frames_give_64_locations(self):
    network = video.VideoEmbedding()
    self.assertEqual(network(tf.zeros([1, 1, 128, 128, 3])).shape,
                     (1, 64, 1, 128))

  def test_uint8_frames_match_float_frames(self):
    network = video.VideoEmbedding(embedding_dim=4, width_multiplier=0.25)
    frames = np.random.RandomState(0).randint(0, 256, [1, 2, 16, 16, 3])
    self.assertAllClose(network(frames.astype(np.uint8)),
                        network(frames.astype(np.float32) / 255.0),
                        atol=1e-5)
    with self.assertRaisesRegex(ValueError, r'\[batch, T, H, W, 3\]'):
      network(tf.zeros([2, 16, 16, 3]))
    with self.assertRaisesRegex(TypeError, 'uint8'):
      network(tf.zeros([1, 2, 16, 16, 3], tf.int32))

  @parameterized.named_parameters(('frozen', True), ('fine_tuned', False))
  def test_optimizer_step_updates_trunk_only_when_not_frozen(self, freeze):
    network = video.VideoEmbedding(embedding_dim=4, width_multiplier=0.25,
                                   feature_endpoint='Conv2d_3_pointwise',
                                   freeze=freeze)
    frames = tf.random.uniform([2, 2, 16, 16, 3])
    network(frames)
    trunk_before = [w.numpy() for w in network.trunk.weights]
    projection_before = network.projection.bias.numpy()
    optimizer = tf.keras.optimizers.SGD(0.1)
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum((network(frames, training=True) - 1.0)**2)
    variables = network.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    changed = [not np.array_equal(before, after.numpy())
               for before, after in zip(trunk_before, network.trunk.weights)]
    self.assertNotAllClose(projection_before, network.projection.bias)
    if freeze:
      self.assertLen(variables, 2)
      self.assertFalse(any(changed))  # Batch-norm statistics included.
    else:
      self.assertGreater(len(variables), 2)
      self.assertTrue(all(changed))

  def test_chunked_trunk_matches_one_call(self):
    kwargs = dict(embedding_dim=4, width_multiplier=0.25,
                  feature_endpoint='Conv2d_3_pointwise')
    one_call = video.VideoEmbedding(max_frames_per_call=None, **kwargs)
    chunked = video.VideoEmbedding(max_frames_per_call=3, **kwargs)
    frames = np.random.RandomState(0).randint(0, 256, [2, 4, 16, 16, 3])
    frames = frames.astype(np.uint8)
    expected = one_call(frames).numpy()
    chunked(frames[:, :1])
    chunked.set_weights(one_call.get_weights())
    # Static shapes (8 frames in chunks of 3, the last one shorter) and a
    # dynamic time axis under tf.function (the tf.cond on the frame count).
    self.assertAllClose(chunked(frames), expected, atol=1e-5)
    function = tf.function(chunked, input_signature=[
        tf.TensorSpec([None, None, 16, 16, 3], tf.uint8)])
    self.assertAllClose(function(frames), expected, atol=1e-5)
    self.assertAllClose(function(frames[:1, :2]), expected[:1, :, :2],
                        atol=1e-5)
    self.assertEqual(chunked.get_config()['max_frames_per_call'], 3)
    with self.assertRaisesRegex(ValueError, 'max_frames_per_call'):
      video.VideoEmbedding(max_frames_per_call=0)

  def test_frozen_trunk_gets_no_gradient(self):
    network = video.VideoEmbedding(embedding_dim=4, width_multiplier=0.25,
                                   feature_endpoint='Conv2d_3_pointwise')
    frames = tf.random.uniform([1, 2, 16, 16, 3])
    with tf.GradientTape() as tape:
      tape.watch(frames)
      loss = tf.reduce_sum(network(frames, training=True))
    self.assertIsNone(tape.gradient(loss, frames))

  def test_weights_path_loads_pretrained_trunk(self):
    source = mobilenet.MobileNetV1(width_multiplier=0.25, name='source',
                                   final_endpoint='Conv2d_3_pointwise')
    source.build_weights()
    for variable in source.weights:
      variable.assign(tf.random.uniform(variable.shape, 0.5, 1.0))
    path = mobilenet.save_weights(
        source, os.path.join(self.create_tempdir().full_path, 'ckpt'))
    network = video.VideoEmbedding(embedding_dim=4, width_multiplier=0.25,
                                   feature_endpoint='Conv2d_3_pointwise',
                                   weights_path=path)
    images = tf.random.uniform([1, 16, 16, 3])
    self.assertAllEqual(network.trunk(images), source(images))
    with self.assertRaisesRegex(ValueError, 'Conv2d_0'):
      video.VideoEmbedding(width_multiplier=0.5, weights_path=path,
                           feature_endpoint='Conv2d_3_pointwise')

  def test_batch_norm_momentum_reaches_trunk_and_config(self):
    network = video.VideoEmbedding(width_multiplier=0.25, embedding_dim=4,
                                   batch_norm_momentum=0.99)
    momenta = {layer.batch_norm.momentum
               for layer in network.trunk._endpoint_layers}
    self.assertEqual(momenta, {0.99})
    rebuilt = video.VideoEmbedding.from_config(network.get_config())
    self.assertEqual(rebuilt.trunk.batch_norm_momentum, 0.99)


if __name__ == '__main__':
  tf.test.main()
