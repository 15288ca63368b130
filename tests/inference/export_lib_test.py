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
"""SavedModel round trip of a tiny AudioScopeV2 and separation of MP4s."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from absl.testing import parameterized
import gin
import numpy as np
from scipy.io import wavfile as scipy_wavfile
import tensorflow as tf

from audioscope import model as model_lib
from audioscope.data import pipeline  # pylint: disable=unused-import (gin)
from audioscope.data import video_io
from audioscope.evaluation import calibration
from audioscope.inference import export_lib
from audioscope.inference import separate_lib


def tiny_model():
  """A tiny AudioScopeV2 (3 sources, 8-dimensional embeddings)."""
  return model_lib.AudioScopeV2(
      num_sources=3, embedding_dim=8,
      alignment_config=dict(num_layers=1, num_heads=2),
      separator_config=dict(num_basis=8, bottleneck=8, conv_channels=8,
                            num_dilations=2, num_repeats=1),
      audio_embedding_config=dict(width_multiplier=0.125),
      video_embedding_config=dict(width_multiplier=0.125))


class ExportLibTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.tmp = tempfile.mkdtemp()
    tf.keras.utils.set_random_seed(0)  # The tolerances below are for it.
    cls.model = tiny_model()
    cls.model.classifier.set_calibration_offset(0.3)
    cls.export_dir = export_lib.export_saved_model(
        cls.model, os.path.join(cls.tmp, 'export'), frame_size=(16, 16),
        clip_seconds=2.0)
    cls.loaded = export_lib.load_saved_model(cls.export_dir)

  def test_metadata(self):
    loaded = self.loaded
    self.assertEqual(loaded.sample_rate, 16000)
    self.assertEqual(loaded.frame_rate, 16.0)
    self.assertEqual(loaded.frame_size, (16, 16))
    self.assertEqual(loaded.num_sources, 3)
    self.assertTrue(loaded.audio_visual)
    self.assertAllClose(loaded.calibration_offset, 0.3)
    self.assertEqual(loaded.clip_seconds, 2.0)
    self.assertEqual(loaded.format_version, export_lib.FORMAT_VERSION)
    with open(os.path.join(self.export_dir, export_lib.METADATA_FILE)) as f:
      written = json.load(f)
    self.assertEqual(written['num_sources'], 3)
    self.assertEqual(written['clip_seconds'], 2.0)

  def test_clip_length_and_frame_size_come_from_the_training_config(self):
    model = tiny_model()
    try:
      gin.clear_config()
      constants = export_lib.model_constants(model, num_sources=3)
      self.assertEqual(constants['clip_seconds'],
                       export_lib.DEFAULT_CLIP_SECONDS)
      self.assertEqual(constants['frame_size'], export_lib.DEFAULT_FRAME_SIZE)
      # The synthetic data's gin file binds the training pipeline through
      # macros; a scoped binding is more specific than an unscoped one.
      gin.parse_config(['CLIP = 1.5',
                        'train/non_dataset.clip_seconds = %CLIP',
                        'non_dataset.clip_seconds = 4.0',
                        'semi_supervised_dataset.frame_size = (32, 48)'])
      constants = export_lib.model_constants(model, num_sources=3)
      self.assertEqual(constants['clip_seconds'], 1.5)
      self.assertEqual(constants['frame_size'], (32, 48))
      self.assertEqual(
          export_lib.model_constants(model, num_sources=3,
                                     clip_seconds=3.0)['clip_seconds'], 3.0)
      with self.assertRaisesRegex(ValueError, 'clip_seconds must be > 0'):
        export_lib.model_constants(model, num_sources=3, clip_seconds=0.0)
    finally:
      gin.clear_config()

  def test_exports_without_clip_seconds_load_with_five_seconds(self):

    class OldExport:
      """The metadata of an export written before clip_seconds existed."""

      def __init__(self, metadata):
        self._metadata = metadata

      def metadata(self):
        return self._metadata

    metadata = dict(self.loaded.metadata)
    del metadata['clip_seconds']
    old = export_lib.InferenceModel(OldExport(metadata))
    self.assertEqual(old.clip_seconds, 5.0)
    self.assertEqual(old.num_sources, 3)

  def test_windows_default_to_the_training_clip_length(self):
    rng = np.random.RandomState(5)
    audio = (0.1 * rng.randn(5 * 16000)).astype(np.float32)
    frames = rng.randint(0, 255, (80, 16, 16, 3)).astype(np.uint8)
    result = separate_lib.separate_arrays(self.loaded, audio, frames)
    # 2 s windows (32 frames) with a fifth overlapping: a hop of
    # round(1.6 s * 16 FPS) = 26 frames = 26000 samples.
    self.assertEqual([w.start for w in result['windows']], [0, 26000, 52000])
    self.assertEqual({w.length for w in result['windows']}, {32000})
    self.assertEqual(separate_lib.default_windows(self.loaded, 3.0), (3.0, 0.6))
    self.assertEqual(separate_lib.default_windows(self.loaded, None, 0.5),
                     (2.0, 0.5))

  @parameterized.named_parameters(('b1_short', 1, 0.5), ('b2_long', 2, 1.0))
  def test_round_trip(self, batch, seconds):
    rng = np.random.RandomState(batch)
    audio = rng.randn(batch, int(16000 * seconds)).astype(np.float32)
    frames = rng.rand(batch, int(16 * seconds), 16, 16, 3).astype(np.float32)
    loaded = self.loaded(audio, frames)
    expected = self.model({'audio': audio, 'frames': frames})
    for key in export_lib.OUTPUT_KEYS:
      self.assertAllClose(loaded[key], expected[key].numpy(), atol=1e-5)
    # theta is applied: probabilities = sigmoid(raw logits + 0.3).
    self.assertAllClose(loaded['probabilities'],
                        1 / (1 + np.exp(-(loaded['logits'] + 0.3))),
                        atol=1e-6)
    # The audio-only signature keeps the original names and layout.
    signature = tf.saved_model.load(self.export_dir).signatures['separate']
    waveforms = signature(receiver_audio=tf.constant(audio[:, None]))[
        'denoised_waveforms'].numpy()
    self.assertEqual(waveforms.shape, (batch, 3, audio.shape[1]))
    self.assertAllClose(waveforms, expected['sources'].numpy(), atol=1e-5)
    self.assertAllClose(self.loaded.separate(audio), waveforms, atol=1e-6)

  def test_other_format_version_is_refused(self):
    bad_dir = os.path.join(self.tmp, 'old')
    tf.io.gfile.makedirs(bad_dir)
    for name in ('saved_model.pb',):
      tf.io.gfile.copy(os.path.join(self.export_dir, name),
                       os.path.join(bad_dir, name))
    with open(os.path.join(bad_dir, export_lib.METADATA_FILE), 'w') as f:
      json.dump({'format_version': 0, 'audioscope_version': '0.0.1'}, f)
    with self.assertRaisesRegex(export_lib.IncompatibleSavedModelError,
                                'format version 0.*Re-export'):
      export_lib.load_saved_model(bad_dir)
    with self.assertRaisesRegex(FileNotFoundError, 'No SavedModel'):
      export_lib.load_saved_model(os.path.join(self.tmp, 'missing'))

  def test_loads_from_the_folder_above_a_saved_model_subfolder(self):
    # The demo writes its SavedModel to export/saved_model.
    parent = os.path.join(self.tmp, 'demo_export')
    shutil.copytree(self.export_dir, os.path.join(parent, 'saved_model'))
    loaded = export_lib.load_saved_model(parent)
    self.assertEqual(loaded.source, os.path.join(parent, 'saved_model'))
    self.assertAllClose(loaded.calibration_offset, 0.3)
    audio = np.random.default_rng(2).normal(size=(1, 32000)).astype(
        np.float32)
    self.assertAllClose(loaded.separate(audio), self.loaded.separate(audio),
                        atol=1e-6)

  @parameterized.named_parameters(('5s', 5.0, 3), ('23s', 23.0, 15))
  def test_separate_mp4(self, seconds, num_windows):
    # 44.1 kHz stereo audio and 320x240 frames at 30 FPS.
    rng = np.random.RandomState(0)
    t = np.arange(int(seconds * 44100)) / 44100
    stereo = np.stack([0.3 * np.sin(2 * np.pi * 440 * t),
                       0.1 * rng.randn(t.size)]).astype(np.float32)
    frames = np.full((int(seconds * 30), 240, 320, 3), 90, np.uint8)
    frames[:, 100:140, ::8] = 200
    path = video_io.write_video(os.path.join(self.tmp, f'in{seconds}.mp4'),
                                frames, 30.0, stereo, 44100,
                                video_codec='mpeg4')
    out = os.path.join(self.tmp, f'out{seconds}')
    report = separate_lib.separate_file(
        self.loaded, out, video_path=path, window_seconds=2.0,
        overlap_seconds=0.5)
    self.assertTrue(report['mixed_to_mono'])
    self.assertIn('The 320x240 frames were resized to the model\'s 16x16 '
                  'without keeping the aspect ratio, as the training frames '
                  'were.', report['notes'])
    # Windows start every 1.5 s; the last one is padded.
    self.assertEqual(report['num_windows'], num_windows)
    clip = video_io.read_video(path, 16000, 16.0, (16, 16))
    on, rate = video_io.read_wav(os.path.join(out, 'on_screen.wav'))
    off, _ = video_io.read_wav(os.path.join(out, 'off_screen.wav'))
    self.assertEqual(rate, 16000)
    self.assertEqual(on.shape[1], clip.audio.shape[0])
    self.assertAllClose(on.shape[1] / 16000, seconds, atol=0.05)
    # on + off = the (resampled, mono) mixture: float WAVs, tolerance 1e-4.
    self.assertAllClose(on[0] + off[0], clip.audio, atol=1e-4)
    for m in range(3):
      self.assertTrue(os.path.exists(os.path.join(out, f'source_{m}.wav')))
    self.assertLen(report['sources'], 3)
    self.assertLen(report['windows'][0]['on_screen_probabilities'], 3)
    info = video_io.probe(os.path.join(out, 'on_screen.mp4'))
    self.assertAllClose(info['duration'], seconds, atol=0.2)

  def test_stitching_agrees_with_a_single_pass(self):
    rng = np.random.RandomState(3)
    audio = (0.1 * rng.randn(3 * 16000)).astype(np.float32)
    frames = rng.randint(0, 255, (48, 16, 16, 3)).astype(np.uint8)
    single = self.loaded(audio[None], frames[None].astype(np.float32) / 255)
    # A clip no longer than one window is run as one pass: exact.
    one_window = separate_lib.separate_arrays(self.loaded, audio, frames, 3.0,
                                              0.5)
    self.assertAllClose(one_window['on_screen'], single['on_screen'][0],
                        atol=1e-5)
    # Three overlapping windows: the separator and classifier see less
    # context, so the stitched estimate differs from the single pass; the
    # tolerance is on the level of the difference: at least 12 dB below the
    # mixture for this untrained model (measured: -17.5 dB), and the
    # stitched estimates still sum to the mixture.
    stitched = separate_lib.separate_arrays(self.loaded, audio, frames, 1.5,
                                            0.75)
    for key in ('on_screen', 'off_screen'):
      error = np.sum((stitched[key] - single[key][0])**2)
      level_db = 10 * np.log10(error / np.sum(audio**2))
      self.assertLess(level_db, -12.0, msg=key)
    self.assertAllClose(stitched['on_screen'] + stitched['off_screen'], audio,
                        atol=1e-4)

  def test_batches_of_windows_give_the_window_by_window_result(self):
    rng = np.random.RandomState(4)
    audio = (0.1 * rng.randn(5 * 16000)).astype(np.float32)
    frames = rng.randint(0, 255, (80, 16, 16, 3)).astype(np.uint8)
    for offset in (None, -0.7):
      # 1 s windows every 0.5 s: 9 windows, in batches of 4, 4 and 1.
      results = [separate_lib.separate_arrays(
          self.loaded, audio, frames, 1.0, 0.5, calibration_offset=offset,
          batch_windows=batch) for batch in (1, 4)]
      self.assertLen(results[0]['windows'], 9)
      for key in ('sources', 'on_screen', 'off_screen', 'probabilities',
                  'logits'):
        self.assertAllClose(results[1][key], results[0][key], atol=2e-5,
                            msg=key)
      self.assertAllEqual(results[1]['permutations'],
                          results[0]['permutations'])
    # The audio-only signature too.
    sources = [separate_lib.separate_arrays(
        export_lib.from_model(self.model.separator, frame_size=(16, 16),
                              clip_seconds=1.0, num_sources=3),
        audio, window_seconds=1.0, overlap_seconds=0.5,
        batch_windows=batch)['sources'] for batch in (1, 4)]
    self.assertAllClose(sources[1], sources[0], atol=2e-5)

  def test_input_errors_name_the_problem(self):
    audio_only = video_io.write_video(
        os.path.join(self.tmp, 'audio_only.mp4'), None, 16.0,
        np.zeros(16000, np.float32), 16000)
    with self.assertRaisesRegex(separate_lib.NoVideoStreamError,
                                'no video stream'):
      separate_lib.read_video_input(audio_only, 16000, 16.0, (16, 16))
    silent = video_io.write_video(
        os.path.join(self.tmp, 'silent.mp4'),
        np.zeros((16, 16, 16, 3), np.uint8), 16.0, video_codec='mpeg4')
    with self.assertRaisesRegex(separate_lib.NoAudioStreamError,
                                'no audio stream'):
      separate_lib.read_video_input(silent, 16000, 16.0, (16, 16))
    junk = os.path.join(self.tmp, 'junk.mp4')
    with open(junk, 'wb') as f:
      f.write(b'not a video' * 10)
    with self.assertRaises(separate_lib.UnreadableVideoError):
      separate_lib.read_video_input(junk, 16000, 16.0, (16, 16))
    low = video_io.write_wav(os.path.join(self.tmp, 'low.wav'),
                             np.zeros(4000, np.float32), 4000)
    frames_dir = os.path.join(self.tmp, 'frames')
    os.makedirs(frames_dir, exist_ok=True)
    with self.assertRaisesRegex(separate_lib.UnsupportedRateError,
                                '4000 Hz.*at least 8000'):
      separate_lib.read_wav_and_frames_input(low, frames_dir, 16.0, 16000,
                                             16.0, (16, 16))

  def test_bad_inputs_fail_before_and_after_the_model_loads(self):
    out = os.path.join(self.tmp, 'run_out')
    junk = os.path.join(self.tmp, 'run_junk.mp4')
    with open(junk, 'wb') as f:
      f.write(b'not a video' * 10)
    cases = [
        (dict(input_path=os.path.join(self.tmp, 'nothing.mp4'),
              saved_model=os.path.join(self.tmp, 'no_export')),
         separate_lib.VideoNotFoundError, 'nothing.mp4.* does not exist'),
        (dict(input_path=junk, saved_model=self.export_dir,
              frames_dir=os.path.join(self.tmp, 'no_frames')),
         FileNotFoundError, 'frames folder .*no_frames.* does not exist'),
        (dict(input_path=junk, saved_model=os.path.join(self.tmp, 'no_export')),
         FileNotFoundError, 'No SavedModel in'),
        (dict(input_path=junk, saved_model=self.export_dir),
         separate_lib.UnreadableVideoError, 'not a readable media file'),
    ]
    # A float WAV can hold NaN; it is refused before anything is written.
    frames_dir = os.path.join(self.tmp, 'nan_frames')
    os.makedirs(frames_dir, exist_ok=True)
    for index in range(8):
      tf.io.write_file(os.path.join(frames_dir, f'{index:03d}.png'),
                       tf.io.encode_png(tf.fill([16, 16, 3], tf.constant(index * 30, tf.uint8))))
    audio = (0.1 * np.random.default_rng(0).normal(size=16000)).astype(
        np.float32)
    audio[8000:8010] = np.nan
    nan_wav = os.path.join(self.tmp, 'nan.wav')
    scipy_wavfile.write(nan_wav, 16000, audio)
    cases.append((dict(input_path=nan_wav, saved_model=self.export_dir,
                       frames_dir=frames_dir),
                  separate_lib.NonFiniteAudioError,
                  r'nan.wav.* has 10 NaN or Inf samples \(the first at '
                  r'0.500 s'))
    # A frame that is not an image.
    broken_frames = os.path.join(self.tmp, 'broken_frames')
    os.makedirs(broken_frames, exist_ok=True)
    with open(os.path.join(broken_frames, '000.png'), 'wb') as f:
      f.write(b'not an image')
    cases.append((dict(input_path=os.path.join(self.tmp, 'zeros_in.wav'),
                       saved_model=self.export_dir,
                       frames_dir=broken_frames),
                  separate_lib.FrameImageError,
                  r'Cannot decode the image .*000.png'))
    scipy_wavfile.write(os.path.join(self.tmp, 'zeros_in.wav'), 16000,
                        np.zeros(16000, np.float32))
    for kwargs, error, message in cases:
      with self.assertRaisesRegex(error, message):
        separate_lib.run_separation(output_dir=out, **kwargs)
      self.assertIsInstance(error(''), separate_lib.INPUT_ERRORS)
    self.assertFalse(os.path.exists(out))
    # Silent audio is separated (into silence) and says so.
    zeros_wav = os.path.join(self.tmp, 'zeros.wav')
    scipy_wavfile.write(zeros_wav, 16000, np.zeros(16000, np.float32))
    report = separate_lib.run_separation(
        zeros_wav, os.path.join(self.tmp, 'zeros_out'),
        saved_model=self.export_dir, frames_dir=frames_dir, progress=False)
    self.assertIn('The audio is silent (every sample is 0), so every output '
                  'is too.', report['notes'])
    # Square frames for a square model: no aspect-ratio note.
    self.assertFalse([note for note in report['notes'] if 'aspect' in note])

  def test_a_folder_of_videos_is_separated_resumably(self):
    folder = os.path.join(self.tmp, 'videos')
    os.makedirs(folder)
    rng = np.random.RandomState(2)
    for name in ('a.mp4', 'b.mov'):
      video_io.write_video(
          os.path.join(folder, name),
          rng.randint(0, 255, (24, 16, 16, 3)).astype(np.uint8), 16.0,
          (0.1 * rng.randn(24000)).astype(np.float32), 16000,
          video_codec='mpeg4')
    with open(os.path.join(folder, 'c.mp4'), 'wb') as f:
      f.write(b'not a video' * 10)
    with open(os.path.join(folder, 'notes.txt'), 'w') as f:
      f.write('not an input')
    out = os.path.join(self.tmp, 'batch_out')
    summary = separate_lib.run_separation(folder, out,
                                          saved_model=self.export_dir,
                                          progress=False)
    self.assertEqual([os.path.basename(e['input']) for e in summary['inputs']],
                     ['a.mp4', 'b.mov', 'c.mp4'])
    self.assertEqual([e['status'] for e in summary['inputs']],
                     ['separated', 'separated', 'failed'])
    self.assertEqual((summary['num_separated'], summary['num_failed']), (2, 1))
    self.assertIn('UnreadableVideoError', summary['inputs'][2]['error'])
    for name in ('a', 'b'):
      with open(os.path.join(out, name, separate_lib.JSON_FILE)) as f:
        self.assertAllClose(json.load(f)['duration_seconds'], 1.5)
    self.assertFalse(os.path.exists(os.path.join(out, 'c')))
    with open(os.path.join(out, separate_lib.BATCH_JSON_FILE)) as f:
      self.assertEqual(json.load(f), summary)
    # A second run resumes: what is done is skipped, the failure retried.
    again = separate_lib.run_separation(folder, out,
                                        saved_model=self.export_dir,
                                        progress=False)
    self.assertEqual([e['status'] for e in again['inputs']],
                     ['skipped_done', 'skipped_done', 'failed'])
    # A glob pattern names the videos itself; one match is still a batch.
    self.assertEqual(
        separate_lib.list_inputs(os.path.join(folder, '[ab].m*')),
        [os.path.join(folder, 'a.mp4'), os.path.join(folder, 'b.mov')])
    with self.assertRaisesRegex(separate_lib.VideoNotFoundError,
                                'No file matches'):
      separate_lib.list_inputs(os.path.join(folder, '*.mkv'))
    empty = os.path.join(self.tmp, 'empty_folder')
    os.makedirs(empty)
    with self.assertRaisesRegex(separate_lib.VideoNotFoundError,
                                'holds no videos'):
      separate_lib.run_separation(empty, out, saved_model=self.export_dir)
    self.assertEqual(
        separate_lib.output_names(['p/x.mp4', 'q/x.mp4', 'q/y.mov']),
        ['x', 'x_2', 'y'])

  def test_command_line_reports_a_bad_input_in_one_line(self):
    missing = os.path.join(self.tmp, 'missing.mp4')
    process = subprocess.run(
        [sys.executable, '-m', 'audioscope.bin.separate', f'--input={missing}',
         f'--saved_model={self.export_dir}', f'--output_dir={self.tmp}/o'],
        capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(process.returncode, 1, msg=process.stderr)
    self.assertNotIn('Traceback', process.stderr)
    self.assertEqual(process.stderr.strip().splitlines()[-1],
                     f"audioscope_separate: The input '{missing}' does not "
                     'exist; check the path.')

  def test_separation_uses_the_exported_window(self):
    rng = np.random.RandomState(1)
    audio = (0.1 * rng.randn(3 * 16000)).astype(np.float32)
    frames = rng.randint(0, 255, (48, 16, 16, 3)).astype(np.uint8)
    path = video_io.write_video(os.path.join(self.tmp, 'cli.mp4'), frames,
                                16.0, audio, 16000, video_codec='mpeg4')
    out = os.path.join(self.tmp, 'cli_separated')
    report = separate_lib.run_separation(path, out,
                                         saved_model=self.export_dir,
                                         progress=False)
    with open(os.path.join(out, separate_lib.JSON_FILE)) as f:
      self.assertEqual(json.load(f)['num_windows'], report['num_windows'])
    self.assertEqual(report['window_seconds'], 2.0)
    self.assertAllClose(report['overlap_seconds'], 0.4)
    # 3 s in 2 s windows every 1.625 s (26 frames): two windows.
    self.assertEqual(report['num_windows'], 2)

  def test_separating_at_another_offset(self):
    rng = np.random.RandomState(7)
    audio = (0.1 * rng.randn(2 * 16000)).astype(np.float32)
    frames = rng.randint(0, 255, (32, 16, 16, 3)).astype(np.uint8)
    # One window: the clip is as long as the training clips.
    outputs = self.loaded(audio[np.newaxis],
                          frames[np.newaxis].astype(np.float32) / 255.0)
    logits, sources = outputs['logits'][0], outputs['sources'][0]
    default = separate_lib.separate_arrays(self.loaded, audio, frames)
    self.assertLen(default['windows'], 1)
    # The stored theta through the override equals the model's own mix.
    stored = separate_lib.separate_arrays(self.loaded, audio, frames,
                                          calibration_offset=0.3)
    self.assertAllClose(stored['on_screen'], default['on_screen'], atol=1e-5)
    self.assertAllClose(stored['probabilities'], default['probabilities'],
                        atol=1e-6)
    moved = separate_lib.separate_arrays(self.loaded, audio, frames,
                                         calibration_offset=-1.5)
    probabilities = 1.0 / (1.0 + np.exp(-(logits.astype(np.float64) - 1.5)))
    self.assertAllClose(moved['probabilities'][0], probabilities, atol=1e-6)
    self.assertAllClose(moved['on_screen'], probabilities @ sources,
                        atol=1e-5)
    self.assertAllClose(moved['off_screen'], (1.0 - probabilities) @ sources,
                        atol=1e-5)
    self.assertAllClose(moved['on_screen'] + moved['off_screen'],
                        sources.sum(axis=0), atol=1e-5)
    # A lower theta keeps less on screen.
    self.assertLess(np.sum(moved['on_screen']**2),
                    np.sum(default['on_screen']**2))

  def test_operating_point_from_the_stored_curve(self):
    point = calibration.CurvePoint
    curve = [point(-2.0, 12.0, 1.0), point(0.0, 6.0, 5.0),
             point(2.0, 2.0, 9.0)]
    export_dir = export_lib.export_saved_model(
        self.model, os.path.join(self.tmp, 'export_curve'),
        frame_size=(16, 16), clip_seconds=2.0, calibration_curve=curve)
    loaded = export_lib.load_saved_model(export_dir)
    self.assertEqual(loaded.calibration_curve, curve)
    self.assertIsNone(self.loaded.calibration_curve)
    self.assertAllClose(loaded.calibration_offset, 0.3)
    operating = separate_lib.operating_point(loaded, target_osr_db=9.0)
    self.assertEqual(operating['source'], 'target_osr_db')
    self.assertAllClose(
        [operating['calibration_offset'], operating['expected_median_snr_db'],
         operating['stored_calibration_offset']], [-1.0, 3.0, 0.3])
    self.assertEqual(separate_lib.operating_point(loaded)['source'], 'stored')
    self.assertEqual(
        separate_lib.operating_point(loaded, calibration_offset=2.5), {
            'calibration_offset': 2.5, 'source': 'calibration_offset',
            'stored_calibration_offset': loaded.calibration_offset})
    for kwargs, message in (
        (dict(target_osr_db=20.0), 'outside what the curve reaches'),
        (dict(target_osr_db=6.0, calibration_offset=1.0), 'not both'),
        (dict(calibration_offset=float('nan')), 'finite')):
      with self.assertRaisesRegex(separate_lib.OperatingPointError, message):
        separate_lib.operating_point(loaded, **kwargs)
    with self.assertRaisesRegex(separate_lib.OperatingPointError,
                                'no calibration curve.*--calibration_curve'):
      separate_lib.operating_point(self.loaded, target_osr_db=6.0)
    self.assertTrue(issubclass(separate_lib.OperatingPointError,
                               separate_lib.INPUT_ERRORS))

    # The command line's path: the report says which theta was used.
    rng = np.random.RandomState(3)
    path = video_io.write_video(
        os.path.join(self.tmp, 'target.mp4'),
        rng.randint(0, 255, (32, 16, 16, 3)).astype(np.uint8), 16.0,
        (0.1 * rng.randn(2 * 16000)).astype(np.float32), 16000,
        video_codec='mpeg4')
    out = os.path.join(self.tmp, 'target_separated')
    separate_lib.run_separation(path, out, saved_model=export_dir,
                                progress=False, target_osr_db=9.0)
    with open(os.path.join(out, separate_lib.JSON_FILE)) as f:
      report = json.load(f)
    self.assertEqual(report['source'], 'target_osr_db')
    self.assertAllClose(report['calibration_offset'], -1.0)
    self.assertAllClose(report['target_osr_db'], 9.0)
    logits = np.asarray(report['windows'][0]['logits'])
    self.assertAllClose(report['windows'][0]['on_screen_probabilities'],
                        1.0 / (1.0 + np.exp(-(logits - 1.0))), atol=1e-6)

if __name__ == '__main__':
  tf.test.main()
