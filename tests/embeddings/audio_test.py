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
"""Tests for audioscope.embeddings.audio."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.embeddings import audio


def _numpy_area_matrix(num_inputs, num_outputs):
  """Overlap of [t/T, (t+1)/T) with [i/N, (i+1)/N), over the output length."""
  weights = np.zeros([num_outputs, num_inputs])
  for t in range(num_outputs):
    for i in range(num_inputs):
      low = max(t / num_outputs, i / num_inputs)
      high = min((t + 1) / num_outputs, (i + 1) / num_inputs)
      weights[t, i] = max(high - low, 0.0) * num_outputs
  return weights


def _numpy_mel_matrix(num_mel, num_bins, sample_rate, low, high):
  """HTK-mel triangular filters on linearly spaced bins (bin 0 unused)."""
  def mel(hz):
    return 1127.0 * np.log1p(np.asarray(hz) / 700.0)
  bin_mel = mel(np.linspace(0, sample_rate / 2, num_bins))[1:, np.newaxis]
  edges = np.linspace(mel(low), mel(high), num_mel + 2)
  lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
  weights = np.maximum(0, np.minimum((bin_mel - lower) / (center - lower),
                                     (upper - bin_mel) / (upper - center)))
  return np.concatenate([np.zeros([1, num_mel]), weights], 0)


def _numpy_log_mel(waveform, sample_rate):
  window, hop, fft = 400, 160, 512
  num_frames = -(-len(waveform) // hop)
  padded = np.pad(waveform, [0, (num_frames - 1) * hop + window - len(waveform)])
  hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)
  frames = np.stack([padded[i * hop:i * hop + window] * hann
                     for i in range(num_frames)])
  magnitude = np.abs(np.fft.rfft(frames, fft))
  mel = magnitude @ _numpy_mel_matrix(64, fft // 2 + 1, sample_rate, 125.0,
                                      7500.0)
  return np.log(mel + 1e-3)


class AudioEmbeddingTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters((32, 5), (32, 80), (3, 16), (7, 7), (1, 4), (5, 1))
  def test_area_resample_against_numpy(self, num_inputs, num_outputs):
    expected = _numpy_area_matrix(num_inputs, num_outputs)
    self.assertAllClose(audio.area_resample_matrix(num_inputs, num_outputs),
                        expected, atol=1e-6)
    self.assertAllClose(expected.sum(axis=1), np.ones(num_outputs))
    features = np.random.RandomState(0).normal(size=[2, num_inputs, 3])
    self.assertAllClose(
        audio.area_resample(tf.constant(features, tf.float32), num_outputs),
        np.einsum('tn,bnc->btc', expected, features), atol=1e-5)

  def test_log_mel_against_numpy(self):
    network = audio.AudioEmbedding(width_multiplier=0.25)
    waveform = np.random.RandomState(1).normal(size=1234).astype(np.float32)
    log_mel = network.log_mel(waveform[np.newaxis]).numpy()[0]
    self.assertEqual(log_mel.shape, (8, 64))  # ceil(1234 / 160) frames.
    self.assertAllClose(log_mel, _numpy_log_mel(waveform, 16000), atol=2e-3)

  @parameterized.named_parameters(
      ('1fps_5s_b1', 1, 1.0, 5.0), ('1fps_2s_b3', 3, 1.0, 2.0),
      ('16fps_1s_b1', 1, 16.0, 1.0), ('16fps_0p5s_b3', 3, 16.0, 0.5))
  def test_shapes_and_oracle(self, batch, frame_rate, seconds):
    network = audio.AudioEmbedding(embedding_dim=5, width_multiplier=0.25)
    samples = int(seconds * 16000)
    num_frames = int(round(seconds * frame_rate))
    sources = np.random.RandomState(batch).normal(
        size=[batch, 2, samples]).astype(np.float32)
    z_a = network(sources, num_frames).numpy()
    self.assertEqual(z_a.shape, (batch, 2, num_frames, 5))
    # NumPy oracle from the trunk's output on one source at a time.
    kernel, bias = [w.numpy() for w in network.projection.weights]
    for b in sorted({0, batch - 1}):
      for m in range(2):
        spectrogram = network.log_mel(sources[b, m][np.newaxis])
        features = network.trunk(spectrogram[..., tf.newaxis]).numpy()[0]
        pooled = features.mean(axis=1)  # Over mel.
        resampled = _numpy_area_matrix(pooled.shape[0], num_frames) @ pooled
        self.assertAllClose(z_a[b, m], resampled @ kernel + bias, atol=1e-4)

  def test_frozen_trunk_and_errors(self):
    network = audio.AudioEmbedding(width_multiplier=0.25, embedding_dim=4)
    sources = tf.random.normal([1, 2, 3200])
    # Frozen: batch norm runs in inference mode even when training.
    self.assertAllClose(network(sources, 2, training=True),
                        network(sources, 2, training=False))
    self.assertLen(network.trainable_variables, 2)
    with self.assertRaisesRegex(ValueError, r'\[batch, source, samples\]'):
      network(tf.zeros([2, 3200]), 2)
    with self.assertRaisesRegex(ValueError, 'Nyquist'):
      audio.AudioEmbedding(sample_rate=8000)

  def test_batch_norm_momentum_reaches_trunk_and_config(self):
    network = audio.AudioEmbedding(width_multiplier=0.25, embedding_dim=4,
                                   batch_norm_momentum=0.99)
    momenta = {layer.batch_norm.momentum
               for layer in network.trunk._endpoint_layers}
    self.assertEqual(momenta, {0.99})
    rebuilt = audio.AudioEmbedding.from_config(network.get_config())
    self.assertEqual(rebuilt.trunk.batch_norm_momentum, 0.99)


if __name__ == '__main__':
  tf.test.main()
