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
"""Tests for audioscope.training.summaries."""

import glob
import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.training import summaries


def read_events(folder):
  """tag -> list of (step, tf.compat.v1.Summary.Value) from event files."""
  events = {}
  for path in sorted(glob.glob(os.path.join(folder, 'events.out.tfevents*'))):
    for record in tf.data.TFRecordDataset(path):
      event = tf.compat.v1.Event.FromString(record.numpy())
      for value in event.summary.value:
        events.setdefault(value.tag, []).append((event.step, value))
  return events


def scalar(value):
  return float(tf.make_ndarray(value.tensor))


class SummariesTest(parameterized.TestCase, tf.test.TestCase):

  def test_frame_strip_matches_numpy(self):
    frames = np.random.RandomState(0).rand(2, 5, 3, 4, 3).astype(np.float32)
    strip = summaries.frame_strip(frames, max_frames=3)
    # Frames 0, 2, 4 side by side along the width.
    expected = np.concatenate([frames[:, i] for i in (0, 2, 4)], axis=2)
    self.assertAllClose(strip, expected)

  def test_frame_strip_rejects_rank4(self):
    with self.assertRaisesRegex(ValueError, r'\[batch, T, H, W, 3\]'):
      summaries.frame_strip(np.zeros([2, 3, 4, 3], np.float32))

  def test_written_summaries_read_back(self):
    logdir = self.create_tempdir().full_path
    rng = np.random.RandomState(1)
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
      summaries.write_scalars({'mixit': 1.5, 'total_loss': 2.5}, step=3,
                              prefix='losses')
      summaries.audio_summary('audio/sources', rng.randn(3, 2, 160), 16000,
                              step=3, max_outputs=2)
      summaries.audio_summary('audio/mixture', rng.randn(3, 160), 16000,
                              step=3, max_outputs=2)
      summaries.frames_summary('frames', rng.rand(2, 4, 8, 8, 3), step=3)
      summaries.gin_config_summary(3, config_str='# Parameters\nf.x = 1\n')
    writer.flush()
    events = read_events(logdir)
    self.assertEqual(scalar(events['losses/mixit'][0][1]), 1.5)
    self.assertEqual(scalar(events['losses/total_loss'][0][1]), 2.5)
    for tag in ('audio/sources/0', 'audio/sources/1', 'audio/mixture',
                'frames', 'gin/operative_config'):
      self.assertIn(tag, events)
      self.assertEqual(events[tag][0][0], 3)
    audio = tf.make_ndarray(events['audio/mixture'][0][1].tensor)
    self.assertEqual(audio.shape[0], 2)  # max_outputs WAV files.
    decoded, rate = tf.audio.decode_wav(audio[0, 0])
    self.assertEqual(int(rate), 16000)
    self.assertEqual(decoded.shape, (160, 1))
    self.assertLessEqual(float(tf.reduce_max(tf.abs(decoded))), 0.91)
    text = tf.make_ndarray(events['gin/operative_config'][0][1].tensor)
    self.assertIn(b'    f.x = 1', text.item())
    self.assertIn(b'#### Parameters', text.item())

  def test_audio_summary_rejects_rank1(self):
    with self.assertRaisesRegex(ValueError, r'\[batch, time\]'):
      summaries.audio_summary('a', np.zeros([10], np.float32), 16000, step=0)

  @parameterized.named_parameters(('short', 59, '0:00:59'),
                                  ('hours', 3725, '1:02:05'))
  def test_format_duration(self, seconds, expected):
    self.assertEqual(summaries.format_duration(seconds), expected)

  def test_progress_line_and_rates(self):
    times = iter([100.0, 110.0])
    logger = summaries.ProgressLogger(num_steps=100, global_batch_size=4,
                                      start_step=0, clock=lambda: next(times))
    logdir = self.create_tempdir().full_path
    writer = tf.summary.create_file_writer(logdir)
    with writer.as_default():
      line = logger.log(20, {'mixit': -3.0, 'total_loss': -2.5},
                        learning_rate=1e-4)
    writer.flush()
    # 20 steps in 10 s: 2 steps/s, 80 steps left: 40 s.
    self.assertEqual(
        line, 'train | step 20/100 | total_loss -2.5000 | mixit -3.0000 | '
        '2.00 steps/s | ETA 0:00:40')
    events = read_events(logdir)
    self.assertAllClose(scalar(events['steps_per_sec'][0][1]), 2.0)
    self.assertAllClose(scalar(events['examples_per_sec'][0][1]), 8.0)
    self.assertAllClose(scalar(events['learning_rate'][0][1]), 1e-4)
    self.assertAllClose(scalar(events['losses/mixit'][0][1]), -3.0)


if __name__ == '__main__':
  tf.test.main()
