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
"""Tests for audioscope.classifier."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import classifier


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


class OnScreenClassifierTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(('theta_0', 0.0), ('theta_neg', -1.5),
                                  ('theta_pos', 2.0))
  def test_raw_logits_and_calibrated_probabilities(self, theta):
    layer = classifier.OnScreenClassifier()
    z = np.random.RandomState(0).normal(size=[3, 4, 5]).astype(np.float32)
    layer(z)
    layer.set_calibration_offset(theta)
    logits, probabilities = layer(z)
    kernel, bias = [w.numpy() for w in layer.dense.weights]
    expected_logits = (z @ kernel)[..., 0] + bias[0]  # Tied across sources.
    self.assertEqual(logits.shape, (3, 4))
    self.assertAllClose(logits, expected_logits, atol=1e-5)  # Without theta.
    self.assertAllClose(probabilities, _sigmoid(expected_logits + theta),
                        atol=1e-6)
    self.assertAllClose(layer.probabilities_from_logits(logits), probabilities)

  def test_calibration_offset_is_a_non_trainable_scalar(self):
    layer = classifier.OnScreenClassifier()
    layer(tf.zeros([1, 2, 3]))
    self.assertEqual(layer.calibration_offset.shape, ())
    self.assertEqual(float(layer.calibration_offset.numpy()), 0.0)
    self.assertFalse(layer.calibration_offset.trainable)
    self.assertNotIn(layer.calibration_offset.ref(),
                     {v.ref() for v in layer.trainable_variables})
    self.assertIn(layer.calibration_offset.ref(),
                  {v.ref() for v in layer.non_trainable_variables})
    self.assertEqual(
        classifier.OnScreenClassifier(calibration_offset=1.25).get_config()[
            'calibration_offset'], 1.25)

  def test_source_order_does_not_matter(self):
    layer = classifier.OnScreenClassifier()
    z = tf.random.normal([2, 4, 3])
    permutation = [2, 0, 3, 1]
    _, probabilities = layer(z)
    _, permuted = layer(tf.gather(z, permutation, axis=1))
    self.assertAllClose(permuted, tf.gather(probabilities, permutation,
                                            axis=1), atol=1e-6)

  def test_errors(self):
    layer = classifier.OnScreenClassifier()
    with self.assertRaisesRegex(ValueError, r'\[batch, M, D\]'):
      layer(tf.zeros([2, 3]))
    with self.assertRaisesRegex(ValueError, 'NaN'):
      layer.set_calibration_offset(float('nan'))


if __name__ == '__main__':
  tf.test.main()
