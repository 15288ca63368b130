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
"""Calibrating a model on your own off-screen videos (`audioscope_calibrate`).

An export stores the logit offset theta that gave a 6 dB median OSR on the
validation off-screen MoMs of its training data (ECCV sec. 4.4). On other
material the same theta can suppress off-screen sounds more or less. Given
videos whose sounds are all off screen (nothing in view makes them: a
voice-over on slides, traffic heard in an empty room), `calibrate_videos`
cuts each into windows of the model's training clip length, runs the model
once per window and finds the theta at which the median OSR of those windows
is the target (`calibration.calibrate_energies_with_details`; only each
window's logits and source Gram matrix are kept, so hours of video fit in
memory). Videos whose sounds are on screen may be given too: the median
suppression of their input at that theta (no reference needed) says what the
operating point costs on-screen sounds (0 dB keeps everything).

`separate_lib.separate_file` then separates at that theta
(`audioscope_separate --calibration_offset`).
"""

import dataclasses
import io
import json
import os
import time
import zipfile
from typing import Any, Dict, List, Optional, Sequence

from absl import logging
import numpy as np
import tensorflow as tf

from audioscope import version
from audioscope.evaluation import bootstrap
from audioscope.evaluation import calibration
from audioscope.inference import export_lib
from audioscope.inference import separate_lib

JSON_FILE = 'calibration.json'
# Subfolder of the output folder that keeps each video's windows.
CACHE_DIR = 'windows'
# Version of the cached windows (a new one recomputes them).
CACHE_FORMAT = 1


class CalibrationSetError(ValueError):
  """No usable off-screen window, a target these windows cannot reach, or
  an audio-only model."""


# What a missing, unreadable or unsuitable input or model raises (the
# command-line tool reports these in one line, without a traceback).
INPUT_ERRORS = separate_lib.INPUT_ERRORS + (CalibrationSetError,)


@dataclasses.dataclass
class VideoSet:
  """The windows of a list of videos, as calibration needs them.

  Attributes:
    energies: `calibration.SetEnergies` of every window, in video order.
    video_index: `[num_windows]` int, the video (index into `videos`) of
      each window.
    videos: one entry per video: 'input', 'status' ('used', 'silent' or
      'failed'), 'num_windows', 'duration_seconds', 'notes' or 'error', and
      'cached' when its windows were read from the cache.
  """
  energies: Optional[calibration.SetEnergies]
  video_index: np.ndarray
  videos: List[Dict[str, Any]]

  @property
  def num_windows(self) -> int:
    return int(self.video_index.shape[0])


def _check_audio_visual(model: export_lib.InferenceModel) -> None:
  if not model.audio_visual:
    raise CalibrationSetError(
        f'{model.source or "The model"} is an audio-only separator; '
        'calibration needs an audio-visual model.')


def window_energies(model: export_lib.InferenceModel, audio: np.ndarray,
                    frames: np.ndarray,
                    window_seconds: Optional[float] = None
                    ) -> calibration.SetEnergies:
  """Runs the model on consecutive windows of one recording.

  Args:
    model: an audio-visual `export_lib.InferenceModel`.
    audio: float32 `[samples]` mono at `model.sample_rate`.
    frames: uint8 or float `[T, H, W, 3]` at the model frame rate and size.
    window_seconds: window length; default `model.clip_seconds`, the
      training clip length. Whole frames per window; a last part shorter
      than a window is left out, and a recording shorter than one window is
      padded with silence (which adds no energy).

  Returns:
    The `calibration.SetEnergies` of the windows, `[num_windows, ...]`.

  Raises:
    CalibrationSetError: an audio-only model.
    ValueError: no frames.
  """
  _check_audio_visual(model)
  frames = np.asarray(frames)
  if frames.ndim != 4 or frames.shape[0] == 0:
    raise ValueError(f'frames must be [T, H, W, 3] with T > 0, got '
                     f'{frames.shape}.')
  if window_seconds is None:
    window_seconds = model.clip_seconds
  rate, fps = model.sample_rate, model.frame_rate
  window_samples = separate_lib.whole_frame_samples(window_seconds, rate, fps)
  num_windows = max(audio.shape[0] // window_samples, 1)
  if audio.shape[0] < window_samples:
    audio = np.pad(audio, (0, window_samples - audio.shape[0]))
  scale = 255.0 if frames.dtype == np.uint8 else 1.0
  pieces = []
  batch = separate_lib.BATCH_WINDOWS
  for first in range(0, num_windows, batch):
    starts = [k * window_samples
              for k in range(first, min(first + batch, num_windows))]
    batch_audio = np.stack([audio[s:s + window_samples] for s in starts])
    batch_frames = np.stack([
        separate_lib.window_frames(frames, s, window_samples, rate, fps)
        for s in starts]).astype(np.float32) / scale
    outputs = model(batch_audio, batch_frames)
    pieces.append(calibration.set_energies(outputs['logits'],
                                           outputs['sources'], batch_audio))
  return calibration.SetEnergies.concatenate(pieces)


def _file_fingerprint(path: str) -> Optional[List[int]]:
  """[size, mtime in ns] of a file, None if it is not there."""
  if not tf.io.gfile.exists(path):
    return None
  stat = tf.io.gfile.stat(path)
  return [int(stat.length), int(stat.mtime_nsec)]


def _cache_key(model: export_lib.InferenceModel, path: str,
               window_seconds: Optional[float]) -> Optional[Dict[str, Any]]:
  """What a video's cached windows depend on: the video, model and window.

  None (nothing is cached) for a model without a file: one built in memory.
  """
  model_file = None
  if model.source:
    model_file = (
        _file_fingerprint(os.path.join(model.source, 'saved_model.pb')) or
        _file_fingerprint(f'{model.source}.index'))  # A checkpoint prefix.
  if model_file is None:
    return None
  return {
      'cache_format': CACHE_FORMAT,
      'input': path,
      'input_file': _file_fingerprint(path),
      'model': model.source,
      'model_file': model_file,
      'window_seconds': window_seconds,
  }


def _read_cache(cache_path: str, key: Dict[str, Any]):
  """(entry, energies) cached under `key` at `cache_path`, else None."""
  if not cache_path or not tf.io.gfile.exists(cache_path):
    return None
  try:
    with tf.io.gfile.GFile(cache_path, 'rb') as f:
      data = np.load(io.BytesIO(f.read()))
      meta = json.loads(str(data['meta']))
      energies = calibration.SetEnergies(
          *(data[field.name]
            for field in dataclasses.fields(calibration.SetEnergies)))
  except (OSError, ValueError, KeyError, EOFError,
          zipfile.BadZipFile) as e:
    logging.warning('Ignoring the unreadable cache %s (%s).', cache_path, e)
    return None
  if meta.get('key') != json.loads(json.dumps(key)):
    return None
  return meta['entry'], energies


def _write_cache(cache_path: str, key: Dict[str, Any], entry: Dict[str, Any],
                 energies: calibration.SetEnergies) -> None:
  """Writes (entry, energies) atomically: a temporary file, then renamed."""
  buffer = io.BytesIO()
  np.savez(buffer, meta=np.array(json.dumps({'key': key, 'entry': entry})),
           **{field.name: getattr(energies, field.name)
              for field in dataclasses.fields(calibration.SetEnergies)})
  tf.io.gfile.makedirs(os.path.dirname(cache_path))
  temporary = f'{cache_path}.tmp'
  with tf.io.gfile.GFile(temporary, 'wb') as f:
    f.write(buffer.getvalue())
  tf.io.gfile.rename(temporary, cache_path, overwrite=True)


def _empty_energies(num_sources: int) -> calibration.SetEnergies:
  return calibration.SetEnergies(
      np.zeros([0, num_sources]), np.zeros([0, num_sources, num_sources]),
      np.zeros([0]), np.zeros([0], bool))


def _video_energies(model: export_lib.InferenceModel, path: str,
                    window_seconds: Optional[float]):
  """(entry, energies) of one video; raises `separate_lib.INPUT_ERRORS`."""
  inputs = separate_lib.read_video_input(
      path, model.sample_rate, model.frame_rate, model.frame_size,
      keep_original_frames=False)
  separate_lib.check_finite_audio(inputs.audio, path, model.sample_rate)
  entry = {'input': path,
           'duration_seconds': inputs.info['duration_seconds'],
           'notes': inputs.info['notes']}
  if not np.any(inputs.audio):
    entry.update(status='silent', num_windows=0)
    return entry, _empty_energies(model.num_sources)
  energies = window_energies(model, inputs.audio, inputs.frames,
                             window_seconds)
  entry.update(status='used', num_windows=energies.num_examples)
  return entry, energies


def read_video_set(model: export_lib.InferenceModel, paths: Sequence[str],
                   window_seconds: Optional[float] = None,
                   description: str = 'off-screen',
                   progress: bool = True,
                   cache_dir: Optional[str] = None) -> VideoSet:
  """Reads videos and runs the model on their windows (`window_energies`).

  A video that cannot be read or used (`separate_lib.INPUT_ERRORS`: no audio
  stream, NaN audio, an unreadable file, ...) is logged, counted and
  skipped; so is one whose audio is silent (it has no OSR).

  Args:
    model: an audio-visual `export_lib.InferenceModel`.
    paths: the videos.
    window_seconds: see `window_energies`.
    description: what the videos are, for the log.
    progress: log a line per video.
    cache_dir: if given, each video's windows (a few numbers per window)
      are kept there as `<video name>.npz` and reused while the video, the
      model and the window length are the same: an interrupted run resumes
      where it stopped, and a rerun with another target is quick. Failed
      videos are tried again.

  Returns:
    A `VideoSet` (`energies` None when no video gave a window).
  """
  pieces, video_index, videos = [], [], []
  start = time.monotonic()
  names = separate_lib.output_names(paths)
  for index, (path, name) in enumerate(zip(paths, names)):
    key = _cache_key(model, path, window_seconds)
    cache_path = (os.path.join(cache_dir, f'{name}.npz')
                  if cache_dir and key is not None else None)
    cached = _read_cache(cache_path, key)
    if cached is not None:
      entry, energies = cached
      entry['cached'] = True
    else:
      try:
        entry, energies = _video_energies(model, path, window_seconds)
        if cache_path:
          _write_cache(cache_path, key, entry, energies)
      except separate_lib.INPUT_ERRORS as e:
        entry = {'input': path, 'status': 'failed', 'num_windows': 0,
                 'error': f'{type(e).__name__}: {e}'}
        energies = None
        logging.warning('Skipped %s: %s', path, e)
    if energies is not None and energies.num_examples:
      pieces.append(energies)
      video_index.append(np.full(energies.num_examples, index))
    videos.append(entry)
    if progress:
      logging.info('[%d/%d] %s video %s: %s, %d windows%s (%.0f s so far)',
                   index + 1, len(paths), description, path, entry['status'],
                   entry['num_windows'],
                   ', cached' if entry.get('cached') else '',
                   time.monotonic() - start)
  return VideoSet(
      energies=calibration.SetEnergies.concatenate(pieces) if pieces else None,
      video_index=(np.concatenate(video_index) if video_index else
                   np.zeros([0], np.int64)),
      videos=videos)


def _median(values: np.ndarray) -> Optional[float]:
  return float(np.median(values)) if values.size else None


def _set_summary(video_set: VideoSet, thetas: Dict[str, float]
                 ) -> Dict[str, Any]:
  """Counts and median suppressions (dB) of a set at each named theta."""
  counts = {status: sum(v['status'] == status for v in video_set.videos)
            for status in ('used', 'silent', 'failed')}
  summary = {'num_videos': len(video_set.videos),
             **{f'num_{status}': count for status, count in counts.items()},
             'num_windows': video_set.num_windows}
  if video_set.energies is None:
    return summary
  active = video_set.energies.active
  summary['num_silent_windows'] = int(np.sum(~active))
  for name, theta in thetas.items():
    values = video_set.energies.suppression_db(theta)
    summary[f'median_suppression_db_{name}'] = _median(values[active])
    for i, entry in enumerate(video_set.videos):
      mine = (video_set.video_index == i) & active
      if np.any(mine):
        entry[f'median_suppression_db_{name}'] = _median(values[mine])
  probabilities = 1.0 / (1.0 + np.exp(
      -(video_set.energies.logits[active] + thetas['calibrated'])))
  summary['mean_on_screen_probability_calibrated'] = (
      float(np.mean(probabilities)) if probabilities.size else None)
  return summary


def calibrate_videos(model: export_lib.InferenceModel,
                     off_screen_paths: Sequence[str],
                     on_screen_paths: Sequence[str] = (),
                     target_osr_db: float = 6.0,
                     window_seconds: Optional[float] = None,
                     progress: bool = True,
                     cache_dir: Optional[str] = None) -> Dict[str, Any]:
  """The theta giving `target_osr_db` median OSR on off-screen videos.

  Args:
    model: an audio-visual `export_lib.InferenceModel`.
    off_screen_paths: videos whose sounds are all off screen.
    on_screen_paths: videos whose sounds are on screen (optional): their
      median suppression at the new and the stored theta is reported.
    target_osr_db: the median OSR wanted on the off-screen windows.
    window_seconds: see `window_energies` (default: the training clip
      length).
    progress: log a line per video.
    cache_dir: keeps each video's windows in `<cache_dir>/off_screen/` and
      `on_screen/` (see `read_video_set`); None: nothing kept.

  Returns:
    The report: 'calibration_offset' (theta), 'calibration_offset_interval'
    (`bootstrap.theta_interval`, resampling whole videos; None with one
    video), 'stored_calibration_offset',
    'target_osr_db', 'median_osr_db' (reached), 'converged',
    'reachable_osr_db', 'off_screen' and 'on_screen' (counts, the median
    suppression in dB of their non-silent windows at the calibrated and at
    the stored theta, the mean on-screen probability at the calibrated
    theta) and 'videos' (per video, the same medians).

  Raises:
    CalibrationSetError: no usable off-screen window, a target outside
      what any theta reaches on them (the range is in the message), or an
      audio-only model.
  """
  _check_audio_visual(model)
  window_seconds = float(window_seconds or model.clip_seconds)
  start = time.monotonic()
  def cache(kind):
    return os.path.join(cache_dir, kind) if cache_dir else None

  off_screen = read_video_set(model, off_screen_paths, window_seconds,
                              'off-screen', progress, cache('off_screen'))
  if off_screen.energies is None or not np.any(off_screen.energies.active):
    reasons = '; '.join(
        f"{v['input']}: {v.get('error', v['status'])}"
        for v in off_screen.videos[:5])
    raise CalibrationSetError(
        f'None of the {len(off_screen_paths)} off-screen videos gave a '
        f'non-silent window to calibrate on ({reasons}'
        f'{"; ..." if len(off_screen.videos) > 5 else ""}). Give videos with '
        'a soundtrack that FFmpeg can read.')
  try:
    result = calibration.calibrate_energies_with_details(
        off_screen.energies, target_osr_db=target_osr_db)
  except ValueError as e:
    raise CalibrationSetError(str(e)) from None
  interval = bootstrap.theta_interval(
      off_screen.energies, groups=off_screen.video_index,
      target_osr_db=target_osr_db)
  stored = model.calibration_offset
  thetas = {'calibrated': result.theta, 'stored': stored}
  on_screen = read_video_set(model, on_screen_paths, window_seconds,
                             'on-screen', progress, cache('on_screen'))
  report = {
      'audioscope_version': version.__version__,
      'model': model.source,
      'calibration_offset': result.theta,
      'calibration_offset_interval': interval,
      'stored_calibration_offset': stored,
      'target_osr_db': result.target_osr_db,
      'median_osr_db': result.median_osr_db,
      'converged': result.converged,
      'reachable_osr_db': list(result.reachable_osr_db),
      'window_seconds': window_seconds,
      'off_screen': _set_summary(off_screen, thetas),
      'on_screen': _set_summary(on_screen, thetas),
      'videos': {'off_screen': off_screen.videos,
                 'on_screen': on_screen.videos},
      'calibration_seconds': time.monotonic() - start,
  }
  logging.info(
      'theta %.4f gives a median OSR of %.2f dB on %d off-screen windows '
      '(target %.2f dB; the stored theta %.4f gives %.2f dB there).',
      result.theta, result.median_osr_db, result.num_examples,
      result.target_osr_db, stored,
      report['off_screen']['median_suppression_db_stored'])
  if interval is None:
    logging.info('One off-screen video had sound: no interval of theta. '
                 'Give several off-screen videos to see how sure it is.')
  elif interval['metrics']['theta']['low'] is not None:
    logging.info(
        '%g%% bootstrap interval of theta, resampling the %d off-screen '
        'videos: %s (a wide interval: more off-screen videos would pin '
        'the operating point down).', 100 * interval['confidence_level'],
        interval['num_groups'],
        '{low:.3f} to {high:.3f}'.format(**interval['metrics']['theta']))
  if report['on_screen'].get('median_suppression_db_calibrated') is not None:
    logging.info(
        'On the %d on-screen windows the estimate loses %.2f dB at that '
        'theta (%.2f dB at the stored one).',
        report['on_screen']['num_windows'] -
        report['on_screen']['num_silent_windows'],
        report['on_screen']['median_suppression_db_calibrated'],
        report['on_screen']['median_suppression_db_stored'])
  return report


def run_calibration(off_screen: str,
                    output_dir: str,
                    on_screen: Optional[str] = None,
                    saved_model: Optional[str] = None,
                    model_dir: Optional[str] = None,
                    checkpoint: str = 'latest',
                    gin_files: Sequence[str] = (),
                    gin_params: Sequence[str] = (),
                    target_osr_db: float = 6.0,
                    window_seconds: Optional[float] = None,
                    progress: bool = True) -> Dict[str, Any]:
  """`audioscope_calibrate`: checks the paths, loads the model, calibrates.

  The video paths are checked before the model loads (which takes
  seconds), so that a mistyped path fails at once. Each video's windows are
  kept in `output_dir/windows/`, so that an interrupted run resumes and a
  rerun (another target, more videos) computes only what is new.

  Args:
    off_screen: a video, a folder of videos or a glob pattern
      (`separate_lib.list_inputs`): videos whose sounds are off screen.
    output_dir: where `calibration.json` goes (created if needed).
    on_screen: the same for videos whose sounds are on screen (optional).
    saved_model, model_dir, checkpoint, gin_files, gin_params: see
      `separate_lib.load_model`.
    target_osr_db, window_seconds, progress: see `calibrate_videos`.

  Returns:
    The report of `calibrate_videos` (also written to `calibration.json`).

  Raises:
    One of `INPUT_ERRORS`.
  """
  off_screen_paths = separate_lib.list_inputs(off_screen)
  on_screen_paths = separate_lib.list_inputs(on_screen) if on_screen else []
  model = separate_lib.load_model(saved_model=saved_model,
                                  model_dir=model_dir, checkpoint=checkpoint,
                                  gin_files=gin_files, gin_params=gin_params)
  report = calibrate_videos(model, off_screen_paths, on_screen_paths,
                            target_osr_db=target_osr_db,
                            window_seconds=window_seconds, progress=progress,
                            cache_dir=os.path.join(output_dir, CACHE_DIR))
  report['off_screen']['input'] = off_screen
  report['on_screen']['input'] = on_screen
  tf.io.gfile.makedirs(output_dir)
  path = os.path.join(output_dir, JSON_FILE)
  with tf.io.gfile.GFile(path, 'w') as f:
    json.dump(report, f, indent=2)
  logging.info('Wrote %s.', path)
  return report


def separate_command(report: Dict[str, Any],
                     saved_model: Optional[str] = None,
                     model_dir: Optional[str] = None,
                     checkpoint: str = 'latest') -> str:
  """The `audioscope_separate` command line that uses the calibrated theta."""
  model = (f'--saved_model={saved_model}' if saved_model else
           f'--model_dir={model_dir} --checkpoint={checkpoint}')
  return (f'audioscope_separate {model} --input=VIDEO --output_dir=OUT '
          f"--calibration_offset={report['calibration_offset']:.4f}")

