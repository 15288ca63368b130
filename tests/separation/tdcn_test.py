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
"""Tests of the TDCN++ separator and mixture consistency."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import losses
from audioscope.separation import consistency
from audioscope.separation import tdcn

TINY = dict(num_basis=16, bottleneck=8, conv_channels=12, num_dilations=3,
            num_repeats=2)


def _np_prelu(x, alpha):
  return np.maximum(x, 0) - alpha * np.maximum(-x, 0)


def _np_instance_norm(x, gamma, beta, eps=1e-3):
  mean = x.mean(axis=1, keepdims=True)
  var = ((x - mean)**2).mean(axis=1, keepdims=True)
  return (x - mean) / np.sqrt(var + eps) * gamma + beta


def _np_depthwise(x, kernel, bias, dilation):
  k = kernel.shape[0]
  frames = x.shape[1]
  out = np.zeros_like(x)
  for i in range(k):
    shift = (i - (k - 1) // 2) * dilation
    for t in range(frames):
      if 0 <= t + shift < frames:
        out[:, t] += x[:, t + shift] * kernel[i, 0, :, 0]
  return out + bias


class TDCNTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.named_parameters(
      ('basis_odd', 'learned_basis', 3, 101), ('basis_short', 'learned_basis',
                                               1, 7),
      ('basis_one', 'learned_basis', 2, 1), ('stft_odd', 'stft', 2, 777),
      ('stft_short', 'stft', 1, 5))
  def test_shapes_and_consistency(self, front_end, batch, length):
    model = tdcn.ImprovedTDCN(front_end=front_end, **TINY)
    audio = np.random.RandomState(0).randn(batch, length).astype(np.float32)
    sources = model(audio).numpy()
    self.assertEqual(sources.shape, (batch, 4, length))
    self.assertAllClose(sources.sum(axis=1), audio, atol=1e-4)

  @parameterized.parameters(4, 8)
  def test_parameter_count(self, num_sources):
    model = tdcn.ImprovedTDCN(num_sources=num_sources)
    model.build()
    expected = {4: 8803841, 8: 9067009}[num_sources]
    self.assertEqual(model.count_params(), expected)

  def test_skip_residual_parameters(self):
    model = tdcn.ImprovedTDCN(skip_residuals=True, **TINY)
    model.build()
    plain = tdcn.ImprovedTDCN(**TINY)
    plain.build()
    # One connection 0 -> 3 for 3 dilations x 2 repeats: 8 x 8 + 8 + 1.
    self.assertEqual(model.skip_connections, [(0, 3)])
    self.assertEqual(model.count_params() - plain.count_params(), 73)

  def test_stft_perfect_reconstruction(self):
    model = tdcn.ImprovedTDCN(front_end='stft', consistency='none', **TINY)
    audio = np.random.RandomState(1).randn(2, 1234).astype(np.float32)
    spectrogram = model.stft.forward(tf.constant(audio))
    self.assertEqual(spectrogram.shape[-1], 257)
    ones = tf.ones([2, 3] + spectrogram.shape[1:].as_list())
    masked = tf.complex(ones, 0.) * spectrogram[:, tf.newaxis]
    out = model.stft.inverse(masked, 1234).numpy()
    for source in range(3):
      self.assertAllClose(out[:, source], audio, atol=1e-4)

  def test_block_matches_numpy(self):
    rng = np.random.RandomState(2)
    block = tdcn.TDCNBlock(bottleneck=6, conv_channels=10, kernel_size=3,
                           dilation=2, scale_init=0.9**3)
    x = rng.randn(2, 9, 6).astype(np.float32)
    block(x)
    for variable in block.weights:
      variable.assign(rng.uniform(-0.9, 0.9, variable.shape))
    w = {v.name.split('/')[-2] + '/' + v.name.split('/')[-1].split(':')[0]:
         v.numpy() for v in block.weights}
    y = w['dense1/scale'] * (x @ w['dense1/kernel'])
    y = _np_instance_norm(_np_prelu(y, w['prelu1/alpha']),
                          w['instance_norm1/gamma'], w['instance_norm1/beta'])
    z = _np_depthwise(y, w['timeconv/depthwise_kernel'], w['timeconv/bias'], 2)
    z = _np_instance_norm(_np_prelu(z, w['prelu2/alpha']),
                          w['instance_norm2/gamma'], w['instance_norm2/beta'])
    expected = x + w['dense2/scale'] * (z @ w['dense2/kernel'])
    self.assertAllClose(block(x).numpy(), expected, atol=1e-4)

  def test_prelu_and_norm_initial_values(self):
    model = tdcn.ImprovedTDCN(**TINY)
    model.build()
    block = model.blocks[5]
    self.assertAllClose(block.prelu1.alpha.numpy(), 0.1)
    self.assertAllClose(block.dense2.scale.numpy(), 0.9**5)
    self.assertEqual(block.timeconv.dilation, 2**(5 % 3))
    self.assertEqual(block.norm1.gamma.shape.as_list(), [1])

  def test_get_config_round_trip(self):
    model = tdcn.ImprovedTDCN(num_sources=3, skip_residuals=True,
                              consistency='magsq', **TINY)
    clone = tdcn.ImprovedTDCN.from_config(model.get_config())
    self.assertEqual(clone.get_config(), model.get_config())
    clone.build()
    model.build()
    self.assertEqual(clone.count_params(), model.count_params())

  @parameterized.parameters('uniform', 'magsq', 'none')
  def test_consistency_types(self, kind):
    model = tdcn.ImprovedTDCN(consistency=kind, **TINY)
    audio = np.random.RandomState(3).randn(2, 200).astype(np.float32)
    out = model(audio, return_intermediates=True)
    raw = out['unconstrained_sources'].numpy()
    if kind == 'none':
      self.assertAllClose(out['sources'], raw)
    else:
      self.assertAllClose(out['sources'].numpy().sum(axis=1), audio, atol=1e-4)

  def test_bad_inputs(self):
    model = tdcn.ImprovedTDCN(**TINY)
    with self.assertRaisesRegex(ValueError, 'batch, time'):
      model(np.zeros([1, 1, 50], np.float32))
    with self.assertRaisesRegex(TypeError, 'float32'):
      model(np.zeros([1, 50], np.int32))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'NaN or Inf'):
      model(np.full([1, 50], np.nan, np.float32))
    with self.assertRaisesRegex(ValueError, 'consistency'):
      tdcn.ImprovedTDCN(consistency='bogus')
    with self.assertRaisesRegex(ValueError, 'front_end'):
      tdcn.ImprovedTDCN(front_end='mel')

  def test_mixit_overfit(self):
    tf.random.set_seed(0)
    rng = np.random.RandomState(4)
    t = np.arange(400) / 16000.
    refs = []
    for _ in range(2):
      tone = np.sin(2 * np.pi * rng.uniform(300, 3000) * t)
      burst = rng.randn(400) * (t > rng.uniform(0, 0.0125)) * 0.3
      refs.append([tone, burst])
    refs = np.array(refs, np.float32)  # [batch, 2, time]
    mixture = refs.sum(axis=1)
    # Without the consistency projection: with it, putting every estimate in
    # one reference reproduces the mixture exactly, a constant-loss argmin
    # with zero gradient for a tiny untrained model.
    model = tdcn.ImprovedTDCN(num_sources=4, num_basis=16, bottleneck=16,
                              conv_channels=16, num_dilations=3, num_repeats=1,
                              consistency='none')
    optimizer = tf.keras.optimizers.Adam(3e-3)

    @tf.function
    def step():
      with tf.GradientTape() as tape:
        loss, _ = losses.mixit(refs, model(mixture, training=True))
        loss = tf.reduce_mean(loss)
      grads = tape.gradient(loss, model.trainable_variables)
      optimizer.apply_gradients(zip(grads, model.trainable_variables))
      return loss

    first = float(step())
    for _ in range(120):
      last = float(step())
    self.assertLess(last, first - 8.0)


class ConsistencyTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(None, 'uniform', 'magsq', 'tensor')
  def test_matches_numpy(self, weights):
    rng = np.random.RandomState(5)
    mixture = rng.randn(2, 30).astype(np.float32)
    sources = rng.randn(2, 3, 30).astype(np.float32)
    if weights == 'magsq':
      power = 1e-8 + (sources**2).mean(axis=-1)
      w = power / power.sum(axis=1, keepdims=True)
    elif weights == 'tensor':
      logits = rng.randn(2, 3)
      w = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
      weights = w.astype(np.float32)
    else:
      w = np.full([2, 3], 1 / 3)
    expected = sources + w[:, :, None] * (mixture - sources.sum(1))[:, None]
    out = consistency.enforce_mixture_consistency(mixture, sources, weights)
    self.assertAllClose(out, expected, atol=1e-5)
    self.assertAllClose(out.numpy().sum(axis=1), mixture, atol=1e-4)

  def test_errors(self):
    with self.assertRaisesRegex(ValueError, 'Unknown'):
      consistency.enforce_mixture_consistency(
          tf.zeros([1, 5]), tf.zeros([1, 2, 5]), 'loud')
    with self.assertRaisesRegex(ValueError, 'do not fit'):
      consistency.enforce_mixture_consistency(
          tf.zeros([1, 5]), tf.zeros([1, 2, 6]))
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'sum to one'):
      consistency.enforce_mixture_consistency(
          tf.zeros([1, 5]), tf.zeros([1, 2, 5]), tf.ones([1, 2]))


if __name__ == '__main__':
  tf.test.main()
