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
"""Tests for the untrained synchrony classifier against np.corrcoef loops."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.evaluation import evaluate_lib
from audioscope.evaluation import synchrony_baseline


def _loop_scores(sources, frames, grid):
  """Independent oracle: explicit loops and np.corrcoef per cell."""
  batch, num_sources, samples = sources.shape
  num_frames, height, width = frames.shape[1:4]
  per_frame = samples // num_frames
  rows, cols = height // grid, width // grid
  scores = np.zeros((batch, num_sources))
  for b in range(batch):
    cells = []
    for i in range(grid):
      for j in range(grid):
        patch = frames[b, :, i * rows:(i + 1) * rows, j * cols:(j + 1) * cols]
        cells.append([patch[t].astype(np.float64).mean()
                      for t in range(num_frames)])
    for m in range(num_sources):
      loudness = [np.log(np.sqrt(np.mean(
          sources[b, m, t * per_frame:(t + 1) * per_frame].astype(
              np.float64)**2)) + 1e-4) for t in range(num_frames)]
      scores[b, m] = max(np.corrcoef(loudness, cell)[0, 1] for cell in cells)
  return scores


def _scene(rng, batch=2, num_sources=3, num_frames=12, per_frame=40, size=8,
           grid=2):
  """Sources with random frame envelopes; source 0 drives one cell."""
  envelopes = rng.uniform(0.05, 1.0, (batch, num_sources, num_frames))
  noise = rng.standard_normal((batch, num_sources, num_frames * per_frame))
  sources = noise * np.repeat(envelopes, per_frame, axis=-1)
  frames = rng.uniform(0.0, 0.2, (batch, num_frames, size, size, 3))
  cell = size // grid
  frames[:, :, :cell, :cell] += envelopes[:, 0, :, None, None, None]
  return sources.astype(np.float32), frames.astype(np.float32)


class SynchronyScoresTest(tf.test.TestCase, parameterized.TestCase):

  @parameterized.parameters((0, 2), (1, 2), (2, 4))
  def test_matches_corrcoef_loops(self, seed, grid):
    rng = np.random.default_rng(seed)
    sources, frames = _scene(rng, size=8, grid=grid)
    got = synchrony_baseline.synchrony_scores(sources, frames, grid=grid)
    self.assertEqual(got.shape, (2, 3))
    # The 1e-6 added to the standard deviations moves scores by < 1e-3.
    self.assertAllClose(got, _loop_scores(sources, frames, grid), atol=1e-3)

  def test_synchronous_source_scores_highest(self):
    sources, frames = _scene(np.random.default_rng(3), num_frames=16)
    scores = synchrony_baseline.synchrony_scores(sources, frames, grid=2)
    # Source 0's loudness drives the top-left cell's brightness.
    self.assertAllGreater(scores[:, 0], 0.9)
    self.assertAllGreater(scores[:, :1] - scores[:, 1:], 0.0)

  def test_blank_frames_score_zero(self):
    sources, frames = _scene(np.random.default_rng(4))
    blank = np.full_like(frames, 0.5)
    self.assertAllClose(
        synchrony_baseline.synchrony_scores(sources, blank, grid=2),
        np.zeros((2, 3)), atol=1e-6)

  def test_remainder_samples_dropped(self):
    rng = np.random.default_rng(5)
    sources, frames = _scene(rng, num_frames=10, per_frame=30)
    longer = np.concatenate(
        [sources, rng.standard_normal(sources.shape[:2] + (7,))], axis=-1)
    self.assertAllClose(
        synchrony_baseline.synchrony_scores(longer, frames, grid=2),
        synchrony_baseline.synchrony_scores(sources, frames, grid=2))

  @parameterized.named_parameters(
      ('sources_rank', (2, 40), (2, 4, 8, 8, 3), 'sources must be'),
      ('frames_rank', (2, 3, 40), (2, 4, 8, 8), 'frames must be'),
      ('batch', (2, 3, 40), (3, 4, 8, 8, 3), 'frames must be'),
      ('too_short', (2, 3, 3), (2, 4, 8, 8, 3), 'Cannot cut 3 samples'),
      ('small_frames', (2, 3, 40), (2, 4, 1, 8, 3), 'grid needs frames'))
  def test_errors(self, source_shape, frame_shape, message):
    with self.assertRaisesRegex(ValueError, message):
      synchrony_baseline.synchrony_scores(
          np.ones(source_shape, np.float32), np.ones(frame_shape, np.float32),
          grid=2)


class _SplitSeparator(tf.keras.layers.Layer):
  """Stub separator: source m is the mixture times (m + 1)."""

  def call(self, audio, training=None):
    del training
    return audio[:, tf.newaxis, :] * tf.constant([[[1.0], [2.0]]])


class SynchronyBaselineTest(tf.test.TestCase):

  def test_model_fn_outputs_and_evaluate_lib_predict(self):
    rng = np.random.default_rng(6)
    sources, frames = _scene(rng, batch=3, num_sources=1, num_frames=8)
    audio = sources[:, 0]
    baseline = synchrony_baseline.SynchronyBaseline(
        _SplitSeparator(), grid=2, scale=4.0)
    outputs = baseline({'audio': audio, 'frames': frames})
    self.assertAllClose(outputs['sources'],
                        np.stack([audio, 2 * audio], axis=1))
    expected = 4.0 * _loop_scores(outputs['sources'], frames, 2)
    self.assertAllClose(outputs['logits'], expected, atol=1e-3)
    predictions = evaluate_lib.predict(
        baseline, [{'audio': audio, 'frames': frames,
                    'labels': np.array([1, 0, 1])}])
    self.assertAllClose(predictions.logits, expected, atol=1e-3)
    self.assertAllEqual(predictions.labels, [1, 0, 1])

  def test_bad_options(self):
    with self.assertRaisesRegex(ValueError, 'grid must be'):
      synchrony_baseline.SynchronyBaseline(_SplitSeparator(), grid=0)
    with self.assertRaisesRegex(ValueError, 'scale > 0'):
      synchrony_baseline.SynchronyBaseline(_SplitSeparator(), scale=0.0)


if __name__ == '__main__':
  tf.test.main()
