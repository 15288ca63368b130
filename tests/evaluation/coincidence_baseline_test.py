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
"""Tests of the coincidence model as an untrained on-screen classifier."""

from absl.testing import parameterized
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import synthetic
from audioscope.evaluation import coincidence_baseline
from audioscope.training import tasks


def _clips(count, frame_rate=8.0):
  options = synthetic.SceneOptions(clip_seconds=0.5, frame_rate=frame_rate,
                                   frame_size=(32, 32))
  scenes = [synthetic.generate_scene((2, i), 1, options)
            for i in range(count)]
  audio = np.stack([s.audio for s in scenes]).astype(np.float32)
  frames = np.stack([s.frames for s in scenes])  # uint8
  return audio, frames


def _toy_separator(audio, training=None):
  """[B, samples] -> [B, 3, samples]: the mixture, a reversed and a quieter
  copy (distinct sources with distinct envelopes)."""
  del training
  audio = tf.convert_to_tensor(audio)
  return tf.stack([audio, tf.reverse(audio, axis=[1]), 0.1 * audio], axis=1)


class CoincidenceBaselineTest(parameterized.TestCase, tf.test.TestCase):

  def setUp(self):
    super().setUp()
    # Initialisations independent of the tests that ran before (some draws
    # give a trunk whose ReLUs are all off for these tiny clips).
    tf.keras.utils.set_random_seed(0)
    gin_utils.parse_gin(['training/coincidence_pretraining.gin',
                         'test/tiny_audioscope.gin'])

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  @parameterized.parameters('synchrony', 'concat')
  def test_source_logits_match_per_source_calls(self, fusion):
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4,
                                   fusion=fusion)
    audio, frames = _clips(2)
    frames = frames.astype(np.float32) / 255.0
    sources = self.evaluate(_toy_separator(audio))
    got = self.evaluate(model.source_logits(sources, frames, training=False))
    self.assertEqual(got.shape, (2, 3))
    for b in range(2):
      for m in range(3):
        single = model(sources[b:b + 1, m], frames[b:b + 1], training=False)
        self.assertAllClose(got[b, m], single[0], atol=1e-4)
    # Different sources of one clip get different logits.
    self.assertGreater(np.ptp(got[0]), 0.0)

  def test_source_logits_reject_wrong_rank(self):
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4)
    audio, frames = _clips(1)
    with self.assertRaisesRegex(ValueError, r'\[batch, M, samples\]'):
      model.source_logits(audio, frames.astype(np.float32) / 255.0)

  def test_model_fn_gives_separator_sources_and_coincidence_logits(self):
    model = tasks.CoincidenceModel(embedding_dim=8, hidden_units=4)
    audio, frames = _clips(2)
    baseline = coincidence_baseline.CoincidenceBaseline(_toy_separator, model)
    got = baseline({'audio': audio, 'frames': frames})  # uint8 frames.
    sources = self.evaluate(_toy_separator(audio))
    self.assertAllClose(got['sources'], sources)
    expected = model.source_logits(
        sources, frames.astype(np.float32) / 255.0, training=False)
    self.assertAllClose(got['logits'], expected, atol=1e-5)
    # Float frames in [0, 1] give the same logits as their uint8 originals.
    again = baseline({'audio': audio,
                      'frames': frames.astype(np.float32) / 255.0})
    self.assertAllClose(again['logits'], got['logits'], atol=1e-5)

  def test_model_without_source_logits_is_refused(self):
    with self.assertRaisesRegex(TypeError, 'source_logits'):
      coincidence_baseline.CoincidenceBaseline(_toy_separator, object())


if __name__ == '__main__':
  tf.test.main()
