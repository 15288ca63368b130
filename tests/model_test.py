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
"""Tests for audioscope.model (tiny configurations)."""

import os

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope import model as model_lib
from audioscope import separation

_SAMPLE_RATE = 16000
_SEPARATOR = dict(num_basis=8, bottleneck=8, conv_channels=8,
                  num_dilations=2, num_repeats=1)
# A shallow trunk (stride 4) keeps the tests fast; the default stride-16
# geometry is tested in tests/embeddings.
_EMBEDDING = dict(width_multiplier=0.125, feature_endpoint='Conv2d_3_pointwise')
_ALIGNMENT = dict(num_layers=1, num_heads=2)
_V1_ALIGNMENT = dict(num_heads=2)  # One layer by design, no num_layers.


def _tiny_model(alignment='separable_sa', frame_rate=16.0, freeze=True,
                **kwargs):
  return model_lib.AudioScopeV2(
      alignment=alignment, num_sources=3, sample_rate=_SAMPLE_RATE,
      frame_rate=frame_rate, embedding_dim=8,
      alignment_config=(_V1_ALIGNMENT if alignment == 'audioscope_v1' else
                        _ALIGNMENT),
      separator_config=_SEPARATOR,
      audio_embedding_config=dict(_EMBEDDING, freeze=freeze),
      video_embedding_config=dict(_EMBEDDING, freeze=freeze), **kwargs)


def _inputs(batch, seconds, frame_rate, size=8, seed=0):
  rng = np.random.RandomState(seed)
  samples = int(seconds * _SAMPLE_RATE)
  num_frames = int(round(seconds * frame_rate))
  return {
      'audio': rng.normal(size=[batch, samples]).astype(np.float32),
      'frames': rng.uniform(
          size=[batch, num_frames, size, size, 3]).astype(np.float32),
  }


def _sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


class AudioScopeV2Test(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    tf.random.set_seed(0)
    cls.model = _tiny_model()
    cls.inputs = _inputs(2, 0.5, 16.0, size=16)
    cls.outputs = cls.model(cls.inputs)

  @parameterized.named_parameters(
      ('audioscope_v1', 'audioscope_v1'), ('joint_sa', 'joint_sa'),
      ('separable_sa', 'separable_sa'), ('joint_cma', 'joint_cma'),
      ('separable_cma', 'separable_cma'))
  def test_output_shapes(self, alignment):
    model = self.model if alignment == 'separable_sa' else _tiny_model(
        alignment)
    for frame_rate, clips in ((1.0, ((1, 1.0), (3, 2.0))),
                              (16.0, ((1, 0.25), (3, 0.5)))):
      # The network is frame-rate agnostic; frame_rate only enters the check
      # of T against the audio length.
      model.frame_rate = frame_rate
      for batch, seconds in clips:
        samples = int(seconds * _SAMPLE_RATE)
        outputs = model(_inputs(batch, seconds, frame_rate))
        self.assertEqual(outputs['sources'].shape, (batch, 3, samples))
        for key in ('logits', 'probabilities'):
          self.assertEqual(outputs[key].shape, (batch, 3))
        for key in ('on_screen', 'off_screen'):
          self.assertEqual(outputs[key].shape, (batch, samples))
    for name in ('separator', 'audio_embedding', 'video_embedding',
                 'alignment', 'classifier'):
      self.assertIsInstance(getattr(model, name), tf.keras.layers.Layer)

  def test_on_and_off_screen_against_numpy(self):
    sources = self.outputs['sources'].numpy()
    logits = self.outputs['logits'].numpy()
    probabilities = _sigmoid(logits)
    self.assertAllClose(self.outputs['probabilities'], probabilities,
                        atol=1e-6)
    self.assertAllClose(self.outputs['on_screen'],
                        np.einsum('bm,bmt->bt', probabilities, sources),
                        atol=1e-5)
    self.assertAllClose(self.outputs['off_screen'],
                        np.einsum('bm,bmt->bt', 1 - probabilities, sources),
                        atol=1e-5)
    # Mixture consistency: the two estimates add up to the input.
    self.assertAllClose(
        self.outputs['on_screen'] + self.outputs['off_screen'],
        self.inputs['audio'], atol=1e-4)

  def test_calibration_offset_moves_the_on_screen_estimate(self):
    audio = self.inputs['audio']
    classifier = self.model.classifier
    osr = []
    try:
      for theta in (-30.0, -2.0, -0.5, 0.0, 0.5, 2.0, 30.0):
        classifier.set_calibration_offset(theta)
        outputs = self.model(self.inputs)
        # Raw logits do not include theta.
        self.assertAllClose(outputs['logits'], self.outputs['logits'],
                            atol=1e-6)
        on_screen = outputs['on_screen'].numpy()
        osr.append(20 * np.log10(np.linalg.norm(audio, axis=-1) /
                                 np.linalg.norm(on_screen, axis=-1)))
        if theta == -30.0:
          self.assertAllClose(on_screen, np.zeros_like(audio), atol=1e-6)
        if theta == 30.0:
          self.assertAllClose(on_screen, audio, atol=1e-4)
    finally:
      classifier.set_calibration_offset(0.0)
    osr = np.array(osr)  # [theta, batch]: OSR decreases as theta grows.
    self.assertTrue(np.all(np.diff(osr, axis=0) < 0), msg=str(osr))

  def test_video_wired_in_and_source_order_irrelevant(self):
    sources = self.outputs['sources']
    frames = self.inputs['frames']
    _, probabilities = self.model.classify_sources(sources, frames)
    self.assertAllClose(probabilities, self.outputs['probabilities'],
                        atol=1e-6)
    _, other = self.model.classify_sources(sources, 1.0 - frames)
    self.assertGreater(np.max(np.abs(other - probabilities)), 1e-6)
    permutation = [2, 0, 1]
    _, permuted = self.model.classify_sources(
        tf.gather(sources, permutation, axis=1), frames)
    self.assertAllClose(permuted, tf.gather(probabilities, permutation,
                                            axis=1), atol=1e-5)

  @parameterized.named_parameters(('frozen', True), ('fine_tuned', False))
  def test_training_step_updates_embeddings_only_when_not_frozen(self,
                                                                 freeze):
    model = _tiny_model('joint_sa', freeze=freeze)
    inputs = _inputs(2, 0.25, 16.0)
    model(inputs)
    trunks = (model.audio_embedding.trunk, model.video_embedding.trunk)
    before = [[w.numpy() for w in trunk.weights] for trunk in trunks]
    classifier_before = model.classifier.dense.kernel.numpy()
    optimizer = tf.keras.optimizers.Adam(1e-2)
    with tf.GradientTape() as tape:
      outputs = model(inputs, training=True)
      loss = (tf.reduce_mean((outputs['on_screen'] - inputs['audio'])**2) +
              tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(
                  tf.ones_like(outputs['logits']), outputs['logits'])))
    variables = model.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    self.assertNotAllClose(classifier_before, model.classifier.dense.kernel)
    for trunk, trunk_before in zip(trunks, before):
      changed = [not np.array_equal(b, w.numpy())
                 for b, w in zip(trunk_before, trunk.weights)]
      if freeze:
        self.assertFalse(any(changed), msg=trunk.name)
      else:
        self.assertTrue(any(changed), msg=trunk.name)

  def test_save_load_weights_reproduces_outputs(self):
    self.model.classifier.set_calibration_offset(1.5)
    try:
      expected = self.model(self.inputs)
      path = os.path.join(self.create_tempdir().full_path, 'model')
      self.model.save_weights(path)
    finally:
      self.model.classifier.set_calibration_offset(0.0)
    restored = model_lib.AudioScopeV2.from_config(self.model.get_config())
    restored(self.inputs)
    restored.load_weights(path)
    self.assertEqual(float(restored.classifier.calibration_offset.numpy()),
                     1.5)
    outputs = restored(self.inputs)
    for key in expected:
      self.assertAllEqual(outputs[key], expected[key], msg=key)

  def test_load_separator_checkpoint(self):
    directory = self.create_tempdir().full_path
    separator = separation.ImprovedTDCN(num_sources=3,
                                        sample_rate=_SAMPLE_RATE, **_SEPARATOR)
    audio = self.inputs['audio']
    expected = separator(audio)
    path = tf.train.Checkpoint(separator=separator).write(
        os.path.join(directory, 'mixit', 'ckpt'))
    model = _tiny_model(separator_checkpoint=path)
    self.assertAllClose(model.separator(audio), expected, atol=1e-6)
    with self.assertRaisesRegex(FileNotFoundError, 'not found'):
      model.load_separator_checkpoint(os.path.join(directory, 'missing'))
    other = tf.train.Checkpoint(network=tf.Variable(1.0)).write(
        os.path.join(directory, 'other'))
    with self.assertRaisesRegex(ValueError, 'no `separator`'):
      model.load_separator_checkpoint(other)

  def test_input_validation(self):
    model, inputs = self.model, self.inputs
    uint8_frames = np.round(inputs['frames'] * 255).astype(np.uint8)
    self.assertAllClose(
        model({'audio': inputs['audio'], 'frames': uint8_frames})['logits'],
        model({'audio': inputs['audio'],
               'frames': uint8_frames.astype(np.float32) / 255})['logits'],
        atol=1e-5)
    with self.assertRaisesRegex(ValueError, r'\[batch, samples\]'):
      model({'audio': inputs['audio'][0], 'frames': inputs['frames']})
    with self.assertRaisesRegex(ValueError, r'\[batch, T, H, W, 3\]'):
      model({'audio': inputs['audio'], 'frames': inputs['frames'][0]})
    with self.assertRaisesRegex(ValueError, 'needs 8 frames'):
      model({'audio': inputs['audio'], 'frames': inputs['frames'][:, :2]})
    with self.assertRaisesRegex(ValueError, "'frames'"):
      model({'audio': inputs['audio']})
    with self.assertRaisesRegex(TypeError, 'float32'):
      model({'audio': inputs['audio'].astype(np.int32),
             'frames': inputs['frames']})
    bad = inputs['audio'].copy()
    bad[0, 3] = np.nan
    with self.assertRaisesRegex(tf.errors.InvalidArgumentError, 'NaN'):
      model({'audio': bad, 'frames': inputs['frames']})
    with self.assertRaisesRegex(ValueError, 'Unknown alignment'):
      model_lib.AudioScopeV2(alignment='cross_attention')

  def test_gin_building_block(self):
    gin_utils.add_search_paths()
    try:
      gin.parse_config_files_and_bindings(
          ['models/audioscope_v2.gin'],
          ['frame_rate = 1.0', "AudioScopeV2.alignment = 'joint_cma'"])
      model = model_lib.AudioScopeV2()
    finally:
      gin.clear_config()
    self.assertEqual(model.frame_rate, 1.0)
    self.assertEqual(model.sample_rate, 16000)
    self.assertEqual(model.num_sources, 4)
    self.assertEqual(model.alignment_name, 'joint_cma')
    self.assertEqual(model.audio_embedding.num_mel_bins, 64)
    self.assertTrue(model.video_embedding.freeze)
    self.assertFalse(model.video_embedding.trunk.trainable)


if __name__ == '__main__':
  tf.test.main()
