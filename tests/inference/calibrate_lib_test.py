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
"""Calibrating a tiny exported AudioScopeV2 on MP4s (`audioscope_calibrate`)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope import metrics
from audioscope.data import testing
from audioscope.data import video_io
from audioscope.evaluation import bootstrap
from audioscope.evaluation import calibration
from audioscope.inference import calibrate_lib
from audioscope.inference import export_lib
from audioscope.inference import separate_lib
from tests.inference import export_lib_test

_RATE = 16000
_FPS = 16.0


def _write(path, seconds, seed, gain=0.1, with_audio=True):
  """A 16 kHz, 16 FPS, 16x16 MP4 of noise bursts and random frames."""
  rng = np.random.RandomState(seed)
  num_samples = int(seconds * _RATE)
  envelope = np.repeat(rng.uniform(0.0, 1.0, int(np.ceil(seconds * 4))),
                       _RATE // 4)[:num_samples]
  audio = (gain * envelope * rng.randn(num_samples)).astype(np.float32)
  frames = rng.randint(0, 255, (int(round(seconds * _FPS)), 16, 16, 3)
                       ).astype(np.uint8)
  return video_io.write_video(path, frames, _FPS,
                              audio if with_audio else None, _RATE,
                              video_codec='mpeg4')


class _BrightnessModel:
  """An `InferenceModel` stand-in whose logits show which frames it got.

  Source m is the m-th third of the window's audio (zero elsewhere), and its
  logit is 10 x the mean brightness of the window's frames plus m: a window
  given the wrong frames gets other logits.
  """
  sample_rate, frame_rate, frame_size = _RATE, _FPS, (16, 16)
  clip_seconds, audio_visual, calibration_offset = 1.0, True, 0.0
  source = 'brightness'
  num_sources = 3

  def __init__(self):
    self.calls = []

  def __call__(self, audio, frames):
    self.calls.append(audio.shape[0])
    third = audio.shape[1] // 3
    sources = np.zeros((audio.shape[0], 3, audio.shape[1]), np.float32)
    for m in range(3):
      end = audio.shape[1] if m == 2 else (m + 1) * third
      sources[:, m, m * third:end] = audio[:, m * third:end]
    logits = 10.0 * frames.mean(axis=(1, 2, 3, 4))[:, None] + np.arange(3)
    return {'logits': logits.astype(np.float32), 'sources': sources}


class WindowTest(tf.test.TestCase):

  def test_each_window_gets_its_own_frames_and_audio(self):
    model = _BrightnessModel()
    rng = np.random.RandomState(0)
    seconds = 11  # 11 windows: two model calls of BATCH_WINDOWS and 3.
    audio = rng.randn(seconds * _RATE + 5000).astype(np.float32)
    brightness = np.linspace(0.0, 1.0, seconds * 16 + 8)
    frames = np.broadcast_to(
        (255 * brightness).astype(np.uint8)[:, None, None, None],
        (brightness.size, 16, 16, 3))
    energies = calibrate_lib.window_energies(model, audio, frames)
    self.assertEqual(model.calls, [separate_lib.BATCH_WINDOWS, 3])
    self.assertEqual(energies.num_examples, seconds)
    for k in range(seconds):
      window = (255 * brightness[16 * k:16 * (k + 1)]).astype(np.uint8)
      expected = 10.0 * window.mean() / 255.0 + np.arange(3)
      self.assertAllClose(energies.logits[k], expected, atol=1e-4)
      piece = audio[k * _RATE:(k + 1) * _RATE].astype(np.float64)
      self.assertAllClose(energies.mixture_energy[k], np.sum(piece**2),
                          rtol=1e-6)
      third = _RATE // 3
      self.assertAllClose(np.diag(energies.gram[k]),
                          [np.sum(piece[:third]**2),
                           np.sum(piece[third:2 * third]**2),
                           np.sum(piece[2 * third:]**2)], rtol=1e-5)
    # Float frames in [0, 1] are taken as they are.
    floats = calibrate_lib.window_energies(
        model, audio, frames.astype(np.float32) / 255.0)
    self.assertAllClose(floats.logits, energies.logits, atol=1e-4)
    with self.assertRaisesRegex(ValueError, r'frames must be \[T, H, W, 3\]'):
      calibrate_lib.window_energies(model, audio, frames[:0])


class CalibrateLibTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.tmp = tempfile.mkdtemp()
    tf.keras.utils.set_random_seed(0)
    model = export_lib_test.tiny_model()
    model.classifier.set_calibration_offset(0.3)
    cls.export_dir = export_lib.export_saved_model(
        model, os.path.join(cls.tmp, 'export'), frame_size=(16, 16),
        clip_seconds=1.0)
    cls.model = export_lib.load_saved_model(cls.export_dir)
    cls.off_dir = os.path.join(cls.tmp, 'off')
    cls.on_dir = os.path.join(cls.tmp, 'on')
    os.makedirs(cls.off_dir)
    os.makedirs(cls.on_dir)
    # 2.5 s: two whole 1 s windows, the last half second left out.
    cls.off_paths = [_write(os.path.join(cls.off_dir, f'off{i}.mp4'), 2.5, i)
                     for i in range(4)]
    cls.on_paths = [_write(os.path.join(cls.on_dir, f'on{i}.mp4'), 2.0,
                           10 + i, gain=0.3) for i in range(2)]

  def _direct_windows(self, path):
    """Oracle: the video cut by hand into 1 s windows, one model call each."""
    inputs = separate_lib.read_video_input(path, _RATE, _FPS, (16, 16))
    logits, sources, mixtures = [], [], []
    for k in range(inputs.audio.shape[0] // _RATE):
      audio = inputs.audio[k * _RATE:(k + 1) * _RATE]
      frames = inputs.frames[k * 16:(k + 1) * 16].astype(np.float32) / 255.0
      outputs = self.model(audio[np.newaxis], frames[np.newaxis])
      logits.append(outputs['logits'][0])
      sources.append(outputs['sources'][0])
      mixtures.append(audio)
    return np.stack(logits), np.stack(sources), np.stack(mixtures)

  def _direct_set(self, paths):
    windows = [self._direct_windows(p) for p in paths]
    return [np.concatenate(parts) for parts in zip(*windows)]

  @parameterized.named_parameters(('6db', 6.0), ('10db', 10.0))
  def test_theta_is_the_direct_calibration_of_the_windows(self, target):
    out = os.path.join(self.tmp, f'calibration_{target:g}')
    report = calibrate_lib.run_calibration(
        self.off_dir, out, saved_model=self.export_dir, target_osr_db=target,
        progress=False)
    logits, sources, mixtures = self._direct_set(self.off_paths)
    self.assertEqual(report['off_screen']['num_windows'], 8)
    expected = calibration.calibrate_offset_with_details(
        logits, sources, mixtures, target_osr_db=target)
    self.assertAllClose(report['calibration_offset'], expected.theta,
                        atol=1e-3)
    # Independently of calibration.py: the median OSR of metrics.osr.
    osr = metrics.osr(mixtures, calibration.on_screen_estimate(
        logits, sources, report['calibration_offset']))
    self.assertAllClose(np.median(osr), target, atol=0.05)
    self.assertAllClose(report['median_osr_db'], target, atol=0.011)
    self.assertTrue(report['converged'])
    stored_osr = metrics.osr(mixtures, calibration.on_screen_estimate(
        logits, sources, 0.3))
    self.assertAllClose(report['off_screen']['median_suppression_db_stored'],
                        np.median(stored_osr), atol=1e-3)
    self.assertAllClose(report['stored_calibration_offset'], 0.3)
    # The interval resamples the 4 videos, each with both its windows.
    interval = report['calibration_offset_interval']
    self.assertEqual(interval['num_groups'], 4)
    self.assertAllClose(interval['metrics']['theta']['estimate'],
                        report['calibration_offset'])
    direct = bootstrap.theta_interval(
        calibration.set_energies(logits, sources, mixtures),
        groups=np.repeat(np.arange(4), 2), target_osr_db=target)
    for bound in ('low', 'high'):
      self.assertAllClose(interval['metrics']['theta'][bound],
                          direct['metrics']['theta'][bound], atol=2e-3)
    self.assertLess(interval['metrics']['theta']['low'],
                    interval['metrics']['theta']['high'])
    with open(os.path.join(out, calibrate_lib.JSON_FILE)) as f:
      self.assertEqual(json.load(f)['calibration_offset'],
                       report['calibration_offset'])
    # Per video: the median over its own two windows.
    for i, entry in enumerate(report['videos']['off_screen']):
      self.assertEqual((entry['status'], entry['num_windows']), ('used', 2))
      self.assertAllClose(entry['median_suppression_db_calibrated'],
                          np.median(osr[2 * i:2 * i + 2]), atol=1e-3)

  def test_a_rerun_reuses_the_kept_windows(self):
    folder = os.path.join(self.tmp, 'resume')
    shutil.copytree(self.off_dir, folder)
    out = os.path.join(self.tmp, 'resume_out')
    first = calibrate_lib.run_calibration(folder, out,
                                          saved_model=self.export_dir,
                                          progress=False)
    kept = os.path.join(out, calibrate_lib.CACHE_DIR, 'off_screen')
    self.assertCountEqual(os.listdir(kept),
                          [f'off{i}.npz' for i in range(4)])
    read = separate_lib.read_video_input

    def rerun(**kwargs):
      with mock.patch.object(separate_lib, 'read_video_input',
                             side_effect=read) as reader:
        report = calibrate_lib.run_calibration(
            folder, out, saved_model=self.export_dir, progress=False,
            **kwargs)
      return report, sorted(os.path.basename(c.args[0])
                            for c in reader.call_args_list)

    # Nothing read again, the same theta; another target costs nothing.
    again, read_paths = rerun()
    self.assertEqual(read_paths, [])
    self.assertEqual(again['calibration_offset'], first['calibration_offset'])
    self.assertTrue(all(v['cached'] for v in again['videos']['off_screen']))
    higher, read_paths = rerun(target_osr_db=9.0)
    self.assertEqual(read_paths, [])
    self.assertLess(higher['calibration_offset'], first['calibration_offset'])
    # An interrupted run (windows of two videos missing), a changed video
    # and an unreadable kept file: only those are computed again.
    os.remove(os.path.join(kept, 'off0.npz'))
    with open(os.path.join(kept, 'off1.npz'), 'r+b') as f:
      f.truncate(100)  # Cut short, as by a full disk.
    _write(os.path.join(folder, 'off2.mp4'), 2.0, 99)
    changed, read_paths = rerun()
    self.assertEqual(read_paths, ['off0.mp4', 'off1.mp4', 'off2.mp4'])
    self.assertEqual(
        [v['num_windows'] for v in changed['videos']['off_screen']],
        [2, 2, 2, 2])
    stored = [[v['median_suppression_db_stored']
               for v in report['videos']['off_screen']]
              for report in (first, changed)]
    self.assertEqual(stored[0][:2] + stored[0][3:],
                     stored[1][:2] + stored[1][3:])
    self.assertNotAlmostEqual(stored[0][2], stored[1][2], places=3)
    _, read_paths = rerun(window_seconds=0.5)  # Other windows: all again.
    self.assertLen(read_paths, 4)

  def test_on_screen_videos_report_their_loss(self):
    report = calibrate_lib.calibrate_videos(
        self.model, self.off_paths, self.on_paths, target_osr_db=8.0,
        progress=False)
    logits, sources, mixtures = self._direct_set(self.on_paths)
    theta = report['calibration_offset']
    on = report['on_screen']
    self.assertEqual((on['num_videos'], on['num_used'], on['num_windows']),
                     (2, 2, 4))
    for name, offset in (('calibrated', theta), ('stored', 0.3)):
      loss = metrics.osr(mixtures, calibration.on_screen_estimate(
          logits, sources, offset))
      self.assertAllClose(on[f'median_suppression_db_{name}'],
                          np.median(loss), atol=1e-3)
    probabilities = 1.0 / (1.0 + np.exp(-(logits + theta)))
    self.assertAllClose(on['mean_on_screen_probability_calibrated'],
                        probabilities.mean(), atol=1e-4)

  def test_unusable_videos_are_skipped_and_counted(self):
    folder = os.path.join(self.tmp, 'mixed')
    os.makedirs(folder)
    paths = [
        _write(os.path.join(folder, 'a_good.mp4'), 2.0, 1),
        testing.write_text_file(os.path.join(folder, 'b_corrupt.mp4')),
        _write(os.path.join(folder, 'c_silent.mp4'), 2.0, 2, gain=0.0),
        _write(os.path.join(folder, 'd_no_audio.mp4'), 2.0, 3,
               with_audio=False),
        # Shorter than a window: one window, padded with silence.
        _write(os.path.join(folder, 'e_short.mp4'), 0.5, 4),
    ]
    report = calibrate_lib.calibrate_videos(self.model, paths,
                                            progress=False)
    statuses = [(v['status'], v['num_windows'])
                for v in report['videos']['off_screen']]
    self.assertEqual(statuses, [('used', 2), ('failed', 0), ('silent', 0),
                                ('failed', 0), ('used', 1)])
    errors = [v.get('error', '') for v in report['videos']['off_screen']]
    self.assertIn('UnreadableVideoError', errors[1])
    self.assertIn('NoAudioStreamError', errors[3])
    off = report['off_screen']
    self.assertEqual((off['num_videos'], off['num_used'], off['num_silent'],
                      off['num_failed'], off['num_windows']), (5, 2, 1, 2, 3))
    # The padded window is the short video's audio and nothing else.
    inputs = separate_lib.read_video_input(paths[4], _RATE, _FPS, (16, 16))
    padded = np.pad(inputs.audio, (0, _RATE - inputs.audio.shape[0]))
    frames = separate_lib.window_frames(inputs.frames, 0, _RATE, _RATE,
                                        _FPS).astype(np.float32) / 255.0
    outputs = self.model(padded[np.newaxis], frames[np.newaxis])
    energies = calibrate_lib.window_energies(self.model, inputs.audio,
                                             inputs.frames)
    self.assertAllClose(energies.logits, outputs['logits'], atol=1e-4)
    self.assertAllClose(energies.mixture_energy,
                        [np.sum(np.square(inputs.audio, dtype=np.float64))],
                        rtol=1e-5)

  def test_errors_name_the_problem(self):
    silent = _write(os.path.join(self.tmp, 'only_silent.mp4'), 2.0, 5,
                    gain=0.0)
    corrupt = testing.write_text_file(os.path.join(self.tmp, 'bad.mp4'))
    with self.assertRaisesRegex(
        calibrate_lib.CalibrationSetError,
        r'None of the 2 off-screen videos gave a non-silent window .*'
        r'only_silent.mp4: silent; .*bad.mp4: UnreadableVideoError'):
      calibrate_lib.calibrate_videos(self.model, [silent, corrupt],
                                     progress=False)
    with self.assertRaisesRegex(calibrate_lib.CalibrationSetError,
                                'cannot be reached.*choose a target'):
      calibrate_lib.calibrate_videos(self.model, self.off_paths[:1],
                                     target_osr_db=500.0, progress=False)
    with self.assertRaisesRegex(separate_lib.VideoNotFoundError,
                                'does not exist'):
      calibrate_lib.run_calibration(os.path.join(self.tmp, 'missing'),
                                    self.tmp, saved_model=self.export_dir)

    class AudioOnly:
      audio_visual = False
      source = 'separator.savedmodel'

    with self.assertRaisesRegex(calibrate_lib.CalibrationSetError,
                                'audio-only separator'):
      calibrate_lib.calibrate_videos(AudioOnly(), self.off_paths)
    self.assertTrue(issubclass(calibrate_lib.CalibrationSetError,
                               calibrate_lib.INPUT_ERRORS))

  def test_command_line(self):
    out = os.path.join(self.tmp, 'cli')
    process = subprocess.run(
        [sys.executable, '-m', 'audioscope.bin.calibrate',
         f'--off_screen={self.off_dir}', f'--on_screen={self.on_dir}/*.mp4',
         f'--saved_model={self.export_dir}', '--target_osr_db=7',
         f'--output_dir={out}'],
        capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(process.returncode, 0, msg=process.stderr)
    with open(os.path.join(out, calibrate_lib.JSON_FILE)) as f:
      report = json.load(f)
    self.assertEqual(report['on_screen']['num_windows'], 4)
    lines = process.stdout.strip().splitlines()
    self.assertEqual(lines[0], os.path.join(out, calibrate_lib.JSON_FILE))
    self.assertEqual(
        lines[1],
        f'audioscope_separate --saved_model={self.export_dir} --input=VIDEO '
        f"--output_dir=OUT --calibration_offset="
        f"{report['calibration_offset']:.4f}")
    self.assertEqual(
        calibrate_lib.separate_command({'calibration_offset': -0.123456},
                                       model_dir='/m', checkpoint='best'),
        'audioscope_separate --model_dir=/m --checkpoint=best --input=VIDEO '
        '--output_dir=OUT --calibration_offset=-0.1235')
    missing = os.path.join(self.tmp, 'nothing_here')
    process = subprocess.run(
        [sys.executable, '-m', 'audioscope.bin.calibrate',
         f'--off_screen={missing}', f'--saved_model={self.export_dir}',
         f'--output_dir={out}'],
        capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(process.returncode, 1, msg=process.stderr)
    self.assertNotIn('Traceback', process.stderr)
    self.assertEqual(process.stderr.strip().splitlines()[-1],
                     f"audioscope_calibrate: The input '{missing}' does not "
                     'exist; check the path.')


if __name__ == '__main__':
  tf.test.main()
