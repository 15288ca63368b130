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
"""Tests for audioscope.data.synthetic."""

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.data import records
from audioscope.data import synthetic


def _options(**kwargs):
  defaults = dict(clip_seconds=1.0, frame_size=(48, 48))
  defaults.update(kwargs)
  return synthetic.SceneOptions(**defaults)


def _object_center_brightness(scene, k):
  """Per-frame pixel sum at an object's center, read from the frames."""
  centers = np.round(scene.object_centers[k]).astype(int)
  return np.array([
      scene.frames[f, row, col].astype(np.float64).sum()
      for f, (row, col) in enumerate(centers)
  ])


class SyntheticTest(parameterized.TestCase, tf.test.TestCase):

  def test_on_screen_objects_follow_their_envelopes(self):
    checked = 0
    for seed in range(6):
      scene = synthetic.generate_scene(
          seed, records.ON_SCREEN_ONLY, _options(clip_seconds=2.0))
      for k, event in enumerate(scene.object_event):
        if event < 0:
          continue
        envelope = scene.event_envelopes[event]
        appearance = _object_center_brightness(scene, k)
        self.assertGreater(np.corrcoef(appearance, envelope)[0, 1], 0.9)
        # The object's size follows the envelope too.
        self.assertGreater(
            np.corrcoef(scene.object_radii[k], envelope)[0, 1], 0.99)
        checked += 1
    self.assertGreater(checked, 5)

  def test_frame_envelope_is_the_frame_mean_of_the_audio_envelope(self):
    options = _options(max_events=1, min_events=1)
    scene = synthetic.generate_scene(3, records.ON_SCREEN_ONLY, options)
    # Oracle: the per-frame RMS of the event tracks its frame envelope.
    frames = scene.event_audio[0].reshape(scene.frames.shape[0], -1)
    rms = np.sqrt(np.mean(frames.astype(np.float64)**2, axis=1))
    self.assertGreater(np.corrcoef(rms, scene.event_envelopes[0])[0, 1], 0.9)

  def test_envelopes_are_slow_enough_to_see(self):
    scene = synthetic.generate_scene(
        0, records.ON_SCREEN_ONLY, _options(clip_seconds=4.0))
    for envelope in scene.event_envelopes:
      spectrum = np.abs(np.fft.rfft(envelope - envelope.mean()))**2
      freqs = np.fft.rfftfreq(envelope.shape[0], 1.0 / scene.frame_rate)
      self.assertGreater(spectrum[freqs <= 4.0].sum() / spectrum.sum(), 0.9)

  def test_off_screen_events_have_no_object(self):
    for seed in range(5):
      scene = synthetic.generate_scene(seed, records.UNLABELLED, _options())
      shown = set(scene.object_event[scene.object_event >= 0].tolist())
      self.assertEqual(shown, set(np.flatnonzero(scene.event_on_screen)))
    # Off-screen-only, no distractors, no noise: the frames never change.
    options = _options(max_distractors=0, background_noise=0.0)
    scene = synthetic.generate_scene(1, records.OFF_SCREEN_ONLY, options)
    self.assertEmpty(scene.object_event)
    self.assertAllEqual(scene.frames, np.broadcast_to(scene.frames[:1],
                                                      scene.frames.shape))
    self.assertGreater(np.abs(scene.audio).max(), 0.0)

  @parameterized.named_parameters(
      ('on_screen_only', records.ON_SCREEN_ONLY),
      ('off_screen_only', records.OFF_SCREEN_ONLY),
      ('unlabelled', records.UNLABELLED))
  def test_label_kinds(self, label):
    for seed in range(4):
      scene = synthetic.generate_scene(seed, label, _options())
      self.assertEqual(scene.label, label)
      if label == records.ON_SCREEN_ONLY:
        self.assertTrue(scene.event_on_screen.all())
        self.assertAllEqual(scene.off_screen_audio,
                            np.zeros_like(scene.audio))
      elif label == records.OFF_SCREEN_ONLY:
        self.assertFalse(scene.event_on_screen.any())
        self.assertAllEqual(scene.on_screen_audio,
                            np.zeros_like(scene.audio))
      self.assertAllClose(scene.on_screen_audio,
                          scene.event_audio[scene.event_on_screen].sum(0),
                          atol=1e-6)
      self.assertAllEqual(scene.audio,
                          scene.on_screen_audio + scene.off_screen_audio)

  def test_unlabelled_clips_mix_on_and_off_screen(self):
    flags = np.concatenate([
        synthetic.generate_scene(s, records.UNLABELLED,
                                 _options(min_events=2)).event_on_screen
        for s in range(8)
    ])
    self.assertTrue(flags.any())
    self.assertFalse(flags.all())

  def test_same_seed_same_bytes(self):
    a = synthetic.generate_scene((7, 1), -1, _options())
    b = synthetic.generate_scene((7, 1), -1, _options())
    c = synthetic.generate_scene((7, 2), -1, _options())
    self.assertEqual(a.audio.tobytes(), b.audio.tobytes())
    self.assertEqual(a.frames.tobytes(), b.frames.tobytes())
    self.assertNotEqual(a.audio.tobytes(), c.audio.tobytes())

  @parameterized.named_parameters(
      ('8k_1fps', 8000, 1.0, (32, 40), 3.0),
      ('16k_16fps', 16000, 16.0, (128, 128), 0.5),
      ('22k_25fps', 22050, 25.0, (24, 36), 0.6),
      ('48k_30fps', 48000, 30.0, (64, 48), 0.3))
  def test_any_rate_and_size(self, sample_rate, frame_rate, frame_size,
                             seconds):
    options = synthetic.SceneOptions(
        clip_seconds=seconds, sample_rate=sample_rate, frame_rate=frame_rate,
        frame_size=frame_size)
    scene = synthetic.generate_scene(0, -1, options)
    samples = int(round(seconds * sample_rate))
    num_frames = int(round(seconds * frame_rate))
    self.assertEqual(scene.audio.shape, (samples,))
    self.assertEqual(scene.audio.dtype, np.float32)
    self.assertEqual(scene.frames.shape, (num_frames,) + frame_size + (3,))
    self.assertEqual(scene.frames.dtype, np.uint8)
    self.assertEqual(scene.event_envelopes.shape,
                     (scene.event_audio.shape[0], num_frames))
    self.assertTrue(np.all(np.isfinite(scene.audio)))
    # mixture_rms, unless the peak limit (0.99) lowers it.
    rms = np.sqrt(np.mean(scene.audio.astype(np.float64)**2))
    self.assertBetween(rms, 0.01, 0.1 + 1e-4)
    self.assertLessEqual(np.abs(scene.audio).max(), 0.99 + 1e-4)

  def test_event_kinds(self):
    for kind in synthetic.EVENT_KINDS:
      options = _options(event_kinds=(kind,), min_events=1, max_events=1)
      scene = synthetic.generate_scene(0, 1, options)
      self.assertEqual(scene.event_kinds, [kind])
      self.assertGreater(np.abs(scene.event_audio).max(), 0.0)

  def test_to_clip_round_trips_through_records(self):
    scene = synthetic.generate_scene(0, 1, _options())
    clip = scene.to_clip('scene-0', frame_encoding='raw')
    parsed = records.deserialize_clip(records.serialize_clip(clip))
    self.assertAllEqual(parsed.frames, scene.frames)
    self.assertAllEqual(parsed.on_screen_audio, scene.on_screen_audio)
    self.assertEqual(parsed.label, 1)

  @parameterized.named_parameters(
      ('events', dict(min_events=3, max_events=2), 'min_events'),
      ('size', dict(object_size=(0.2, 0.1)), 'object_size'),
      ('kinds', dict(event_kinds=('violin',)), 'event_kinds'),
      ('frames', dict(frame_size=(4, 4)), 'frame_size'))
  def test_bad_options(self, kwargs, name):
    with self.assertRaisesRegex(ValueError, name):
      synthetic.generate_scene(0, -1, _options(**kwargs))

  def test_bad_label(self):
    with self.assertRaisesRegex(ValueError, 'label'):
      synthetic.generate_scene(0, 2, _options())


if __name__ == '__main__':
  tf.test.main()
