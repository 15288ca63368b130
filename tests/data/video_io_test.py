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
"""Tests for audioscope.data.video_io (PyAV MP4 reading and writing)."""

import os
import shutil
import tempfile

from absl.testing import parameterized
import av
import numpy as np
import tensorflow as tf

from audioscope.data import testing
from audioscope.data import video_io


def _nearest_source_frames(num_frames, frame_rate, source_rate, start=0.0):
  """NumPy oracle: nearest source frame index (ties to the earlier one)."""
  # Integer arithmetic: target k at (start + k / frame_rate) * source_rate.
  times = start * source_rate + np.arange(num_frames) * source_rate / frame_rate
  return np.ceil(np.round(times - 0.5, 9)).astype(int)


def _peak_hz(audio, sample_rate):
  spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
  return np.argmax(spectrum) * sample_rate / audio.size


class VideoIoTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.root = tempfile.mkdtemp(prefix='video_io_test_')
    # 44.1 kHz stereo, 30 FPS, 64x48 (HxW = 48x64).
    cls.stereo = testing.make_test_video(
        os.path.join(cls.root, 'stereo.mp4'), duration=2.5, frame_rate=30.0,
        size=(48, 64), sample_rate=44100, num_channels=2, tone_hz=440.0,
        step=1, square=8)
    # 16 kHz mono, 25 FPS, 320x240.
    cls.mono = testing.make_test_video(
        os.path.join(cls.root, 'mono.mp4'), duration=2.0, frame_rate=25.0,
        size=(240, 320), sample_rate=16000, num_channels=1, tone_hz=1000.0,
        step=4, square=16)

  @classmethod
  def tearDownClass(cls):
    shutil.rmtree(cls.root, ignore_errors=True)
    super().tearDownClass()

  def test_lengths_rates_and_stereo_mixing(self):
    clip = video_io.read_video(self.stereo.path)
    self.assertEqual(clip.audio.dtype, np.float32)
    self.assertEqual(clip.audio.shape, (40000,))  # 2.5 s at 16 kHz.
    self.assertEqual(clip.frames.shape, (40, 128, 128, 3))  # 2.5 s at 16 FPS.
    self.assertEqual(clip.frames.dtype, np.uint8)
    self.assertEqual(clip.sample_rate, 16000)
    self.assertEqual(clip.original_sample_rate, 44100)
    self.assertEqual(clip.original_num_channels, 2)
    self.assertTrue(clip.mixed_to_mono)
    self.assertAllClose(clip.original_frame_rate, 30.0)
    self.assertEqual(clip.original_size, (48, 64))
    self.assertAllClose(clip.duration, 2.5)
    # Mono = mean of channels: amplitudes 0.5 and 0.25 -> 0.375, RMS / sqrt 2.
    rms = np.sqrt(np.mean(clip.audio[2000:-2000] ** 2))
    self.assertAllClose(rms, 0.375 / np.sqrt(2.0), rtol=0.03)
    self.assertAllClose(_peak_hz(clip.audio, 16000), 440.0, atol=1.0)

  def test_audio_matches_written_tone_in_phase(self):
    clip = video_io.read_video(self.mono.path, frame_size=(16, 16))
    self.assertFalse(clip.mixed_to_mono)
    t = np.arange(clip.audio.size) / 16000.0
    oracle = 0.5 * np.sin(2.0 * np.pi * 1000.0 * t)
    # AAC is lossy; a delay of even one sample would give a larger error.
    inner = slice(1000, -1000)
    error = np.sqrt(np.mean((clip.audio[inner] - oracle[inner]) ** 2))
    self.assertLess(error, 0.03)

  def test_resampling_keeps_alignment(self):
    clip = video_io.read_video(self.stereo.path, frame_size=(16, 16))
    t = np.arange(clip.audio.size) / 16000.0
    oracle = 0.375 * np.sin(2.0 * np.pi * 440.0 * t)
    inner = slice(1000, -1000)
    error = np.sqrt(np.mean((clip.audio[inner] - oracle[inner]) ** 2))
    self.assertLess(error, 0.03)

  @parameterized.named_parameters(('16fps', 16.0), ('1fps', 1.0),
                                  ('40fps', 40.0))
  def test_frame_sampling_picks_nearest_source_frame(self, frame_rate):
    clip = video_io.read_video(self.mono.path, frame_rate=frame_rate,
                               frame_size=None)
    num_frames = int(round(2.0 * frame_rate))
    self.assertEqual(clip.frames.shape, (num_frames, 240, 320, 3))
    positions = np.array([testing.square_position(f) for f in clip.frames])
    expected = _nearest_source_frames(num_frames, frame_rate, 25.0)
    self.assertAllClose(positions / 4.0, expected, atol=0.3)

  def test_start_end_seek_and_resize(self):
    full = video_io.read_video(self.mono.path, frame_size=(60, 80))
    part = video_io.read_video(self.mono.path, frame_size=(60, 80),
                               start=0.75, end=1.75)
    self.assertEqual(part.audio.shape, (16000,))
    self.assertEqual(part.frames.shape, (16, 60, 80, 3))
    self.assertAllClose(part.audio, full.audio[12000:28000], atol=1e-5)
    self.assertAllEqual(part.frames, full.frames[12:28])
    # Square position scales with the resize (320 -> 80 wide).
    positions = np.array([testing.square_position(f) for f in part.frames])
    expected = _nearest_source_frames(16, 16.0, 25.0, start=0.75)
    self.assertAllClose(positions, expected * 4.0 * 80.0 / 320.0, atol=1.0)

  def test_short_stream_is_padded(self):
    clip = video_io.read_video(self.stereo.path, start=2.0, end=2.8,
                               frame_size=(16, 16))
    self.assertEqual(clip.audio.shape, (12800,))
    self.assertEqual(clip.frames.shape, (13, 16, 16, 3))
    self.assertGreater(clip.audio_padding, 4000)
    self.assertAllEqual(clip.audio[-4000:], np.zeros(4000, np.float32))
    self.assertGreater(clip.frame_padding, 0)

  def test_clip_past_the_end(self):
    with self.assertRaisesRegex(video_io.ClipOutOfRangeError, 'past the end'):
      video_io.read_video(self.stereo.path, start=2.0, end=7.0)
    with self.assertRaises(video_io.VideoReadError):
      video_io.read_video(self.stereo.path, start=3.0, end=4.0)

  def test_missing_file(self):
    path = os.path.join(self.root, 'missing.mp4')
    with self.assertRaisesRegex(video_io.UnreadableVideoError,
                                'does not exist'):
      video_io.read_video(path)

  def test_text_file_named_mp4(self):
    path = testing.write_text_file(os.path.join(self.root, 'text.mp4'))
    with self.assertRaisesRegex(video_io.UnreadableVideoError, 'text.mp4'):
      video_io.read_video(path)

  def test_audio_only_and_video_only_files(self):
    audio_only = testing.make_test_video(
        os.path.join(self.root, 'audio_only.mp4'), duration=1.0,
        sample_rate=16000, num_channels=1, with_video=False)
    video_only = testing.make_test_video(
        os.path.join(self.root, 'video_only.mp4'), duration=1.0,
        with_audio=False)
    with self.assertRaisesRegex(video_io.NoVideoStreamError, 'no video'):
      video_io.read_video(audio_only.path)
    with self.assertRaisesRegex(video_io.NoAudioStreamError, 'no audio'):
      video_io.read_video(video_only.path)
    audio, clip = video_io.read_audio_only(audio_only.path)
    self.assertEqual(audio.shape, (16000,))
    self.assertEqual(clip.frames.shape[0], 0)
    self.assertAllClose(_peak_hz(audio, 16000), 440.0, atol=2.0)
    self.assertTrue(issubclass(video_io.VideoReadError, ValueError))

  @parameterized.named_parameters(
      ('zero_rate', {'sample_rate': 0}, 'sample_rate'),
      ('float_rate', {'sample_rate': 16000.5}, 'sample_rate'),
      ('negative_fps', {'frame_rate': -1.0}, 'frame_rate'),
      ('bad_size', {'frame_size': (0, 128)}, 'frame_size'),
      ('end_before_start', {'start': 1.0, 'end': 0.5}, 'end'))
  def test_bad_arguments(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, message):
      video_io.read_video(self.mono.path, **kwargs)

  def test_write_video_round_trip_with_mpeg4(self):
    path = os.path.join(self.root, 'mpeg4.mp4')
    frames = testing.pattern_frames(8, (32, 48), step=4, square=8)
    audio = testing.tone(0.5, 16000, 440.0, 2)
    video_io.write_video(path, frames, 16.0, audio, 16000,
                         video_codec='mpeg4')
    clip = video_io.read_video(path, frame_size=None)
    self.assertEqual(clip.frames.shape, (8, 32, 48, 3))
    self.assertEqual(clip.audio.shape, (8000,))
    positions = np.array([testing.square_position(f) for f in clip.frames])
    self.assertAllClose(positions, np.arange(8) * 4.0, atol=0.6)

  def test_lossless_h264_decodes_to_the_yuv420p_frames(self):
    rng = np.random.RandomState(0)
    frames = rng.randint(0, 256, (6, 32, 48, 3)).astype(np.uint8)
    # The frames as yuv420p, back to RGB: what a lossless file decodes to.
    expected = np.stack([
        av.VideoFrame.from_ndarray(f, format='rgb24').reformat(
            format='yuv420p').to_ndarray(format='rgb24') for f in frames])
    decoded = {}
    for crf in (0, 18):
      path = os.path.join(self.root, f'crf{crf}.mp4')
      video_io.write_video(path, frames, 8.0, crf=crf)
      decoded[crf] = video_io.read_video(path, frame_size=None,
                                         frame_rate=8.0,
                                         require_audio=False).frames
    self.assertAllEqual(decoded[0], expected)
    # Lossy coding of noise changes many levels: the check above can fail.
    self.assertGreater(np.abs(decoded[18].astype(int) - expected).max(), 8)

  def test_write_video_rejects_bad_frames(self):
    path = os.path.join(self.root, 'bad.mp4')
    with self.assertRaisesRegex(ValueError, 'uint8'):
      video_io.write_video(path, np.zeros((2, 8, 8, 3), np.float32), 16.0)
    with self.assertRaisesRegex(ValueError, 'even'):
      video_io.write_video(path, np.zeros((2, 7, 8, 3), np.uint8), 16.0)
    with self.assertRaisesRegex(ValueError, 'channels, samples'):
      video_io.write_video(path, None, 16.0, np.zeros((100, 2), np.float32))

  @parameterized.named_parameters(('pcm16', True, 1e-4), ('float', False, 0.0))
  def test_wav_round_trip(self, pcm16, atol):
    path = os.path.join(self.root, f'tone_{pcm16}.wav')
    audio = testing.tone(0.1, 8000, 300.0, 2)
    video_io.write_wav(path, audio, 8000, pcm16=pcm16)
    decoded, rate = video_io.read_wav(path)
    self.assertEqual(rate, 8000)
    self.assertEqual(decoded.shape, (2, 800))
    self.assertAllClose(decoded, audio, atol=atol)

  def test_frames_for_times_oracle(self):
    self.assertAllEqual(
        video_io.frames_for_times([0.0, 0.05, 0.1, 0.26], [0.0, 0.1, 0.2]),
        [0, 0, 1, 2])


if __name__ == '__main__':
  tf.test.main()
