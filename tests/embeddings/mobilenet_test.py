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
"""Tests for audioscope.embeddings.mobilenet."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.embeddings import mobilenet


def _numpy_conv_same(images, kernel, stride):
  """Reference 'SAME' convolution [b, h, w, c] * [k, k, c, f]."""
  batch, height, width, _ = images.shape
  size = kernel.shape[0]
  out_h, out_w = -(-height // stride), -(-width // stride)
  pad_h = max((out_h - 1) * stride + size - height, 0)
  pad_w = max((out_w - 1) * stride + size - width, 0)
  padded = np.pad(images, [(0, 0), (pad_h // 2, pad_h - pad_h // 2),
                           (pad_w // 2, pad_w - pad_w // 2), (0, 0)])
  out = np.zeros([batch, out_h, out_w, kernel.shape[-1]])
  for i in range(out_h):
    for j in range(out_w):
      patch = padded[:, i * stride:i * stride + size,
                     j * stride:j * stride + size, :]
      out[:, i, j, :] = np.einsum('bhwc,hwcf->bf', patch, kernel)
  return out


class MobileNetV1Test(parameterized.TestCase, tf.test.TestCase):

  def test_endpoint_names_follow_tf_slim(self):
    names = mobilenet.endpoint_names()
    self.assertLen(names, 27)
    self.assertEqual(names[:3],
                     ['Conv2d_0', 'Conv2d_1_depthwise', 'Conv2d_1_pointwise'])
    self.assertEqual(mobilenet.endpoint_for_layer(23), 'Conv2d_11_pointwise')
    self.assertEqual(mobilenet.endpoint_for_layer(27), 'Conv2d_13_pointwise')
    with self.assertRaisesRegex(ValueError, 'layers 1..27'):
      mobilenet.endpoint_for_layer(28)

  def test_structure_matches_keras_applications(self):
    # Same channels and grid per layer as Keras' MobileNet (alpha = width).
    reference = tf.keras.applications.MobileNet(
        weights=None, alpha=0.25, input_shape=(128, 128, 3),
        include_top=False)
    network = mobilenet.MobileNetV1(width_multiplier=0.25,
                                    final_endpoint='Conv2d_13_pointwise')
    endpoints = network.call_with_endpoints(tf.zeros([1, 128, 128, 3]))
    self.assertEqual(endpoints['Conv2d_0'].shape[1:],
                     reference.get_layer('conv1_relu').output_shape[1:])
    for i in range(1, 14):
      for ours, theirs in (('depthwise', 'dw'), ('pointwise', 'pw')):
        self.assertEqual(
            endpoints[f'Conv2d_{i}_{ours}'].shape[1:],
            reference.get_layer(f'conv_{theirs}_{i}_relu').output_shape[1:],
            msg=f'layer {i} {ours}')

  def test_default_endpoint_is_8x8_grid_for_128_frames(self):
    network = mobilenet.MobileNetV1()
    features = network(tf.zeros([1, 128, 128, 3]))
    self.assertEqual(features.shape, (1, 8, 8, 512))
    self.assertEqual(network.output_stride, 16)
    self.assertEqual(network.output_channels, 512)
    self.assertIsNotNone(network.get_layer('Conv2d_11_pointwise'))

  def test_first_layer_against_numpy(self):
    network = mobilenet.MobileNetV1(width_multiplier=0.25,
                                    final_endpoint='Conv2d_0')
    images = np.random.RandomState(0).uniform(
        -1, 1, [2, 9, 10, 3]).astype(np.float32)
    outputs = network(images, training=False).numpy()
    kernel = network.get_layer('Conv2d_0').conv.kernel.numpy()
    # Fresh batch norm in inference mode: x / sqrt(1 + epsilon).
    expected = np.clip(
        _numpy_conv_same(images, kernel, 2) / np.sqrt(1.0 + 1e-3), 0, 6)
    self.assertEqual(outputs.shape, (2, 5, 5, 8))
    self.assertAllClose(outputs, expected, atol=1e-5)

  @parameterized.parameters(0.9997, 0.9)
  def test_batch_norm_moving_mean_follows_momentum(self, momentum):
    network = mobilenet.MobileNetV1(width_multiplier=0.25,
                                    final_endpoint='Conv2d_0',
                                    batch_norm_momentum=momentum)
    images = np.random.RandomState(1).uniform(
        -1, 1, [3, 8, 8, 3]).astype(np.float32)
    network(images, training=False)
    kernel = network.get_layer('Conv2d_0').conv.kernel.numpy()
    batch_mean = _numpy_conv_same(images, kernel, 2).mean(axis=(0, 1, 2))
    num_updates = 20
    for _ in range(num_updates):
      network(images, training=True)
    # Moving mean starts at 0: after n updates it is (1 - m^n) * batch mean.
    expected = (1.0 - momentum**num_updates) * batch_mean
    moving_mean = network.get_layer('Conv2d_0').batch_norm.moving_mean
    self.assertAllClose(moving_mean.numpy(), expected, atol=1e-5)
    self.assertEqual(network.get_config()['batch_norm_momentum'], momentum)
    rebuilt = mobilenet.MobileNetV1.from_config(network.get_config())
    self.assertEqual(
        rebuilt.get_layer('Conv2d_0').batch_norm.momentum, momentum)

  def test_rejects_bad_batch_norm_momentum(self):
    with self.assertRaisesRegex(ValueError, r'batch_norm_momentum .*\[0, 1\)'):
      mobilenet.MobileNetV1(batch_norm_momentum=1.0)

  def test_rejects_wrong_input_channels(self):
    network = mobilenet.MobileNetV1(width_multiplier=0.25, input_channels=1)
    with self.assertRaisesRegex(ValueError, 'input_channels'):
      network(tf.zeros([1, 32, 32, 3]))
    with self.assertRaisesRegex(ValueError, 'Unknown MobileNetV1 endpoint'):
      mobilenet.MobileNetV1(final_endpoint='Conv2d_11')

  @parameterized.named_parameters(('checkpoint', 'trunk/ckpt'),
                                  ('keras_h5', 'trunk.h5'))
  def test_save_load_reproduces_outputs(self, name):
    images = tf.random.uniform([2, 32, 32, 1])
    source = mobilenet.MobileNetV1(width_multiplier=0.25, input_channels=1,
                                   final_endpoint='Conv2d_3_pointwise')
    source.build_weights()
    for variable in source.weights:  # Non-trivial batch-norm statistics too.
      variable.assign(tf.random.uniform(variable.shape, 0.5, 1.0))
    path = mobilenet.save_weights(
        source, os.path.join(self.create_tempdir().full_path, name))
    target = mobilenet.MobileNetV1(width_multiplier=0.25, input_channels=1,
                                   final_endpoint='Conv2d_3_pointwise')
    mobilenet.load_weights(target, path)
    self.assertAllEqual(target(images), source(images))
    # A shorter trunk reads the same file.
    short = mobilenet.MobileNetV1(width_multiplier=0.25, input_channels=1,
                                  final_endpoint='Conv2d_2_depthwise')
    mobilenet.load_weights(short, path)
    self.assertAllEqual(
        short(images), source.call_with_endpoints(images)['Conv2d_2_depthwise'])

  @parameterized.named_parameters(('checkpoint', 'ckpt'), ('keras_h5', 'w.h5'))
  def test_load_errors_name_the_mismatch(self, name):
    directory = self.create_tempdir().full_path
    path = mobilenet.save_weights(
        mobilenet.MobileNetV1(width_multiplier=0.25,
                              final_endpoint='Conv2d_1_pointwise'),
        os.path.join(directory, name))
    wider = mobilenet.MobileNetV1(width_multiplier=0.5,
                                  final_endpoint='Conv2d_1_pointwise')
    with self.assertRaisesRegex(
        ValueError, r'layer Conv2d_0: kernel expected shape \[3, 3, 3, 16\], '
        r'found \[3, 3, 3, 8\]'):
      mobilenet.load_weights(wider, path)
    with self.assertRaisesRegex(FileNotFoundError, 'not found'):
      mobilenet.load_weights(wider, os.path.join(directory, 'missing' + name))
    with self.assertRaisesRegex(ValueError, 'weights.h5'):
      mobilenet.load_weights(wider, os.path.join(directory, 'x.weights.h5'))


if __name__ == '__main__':
  tf.test.main()
