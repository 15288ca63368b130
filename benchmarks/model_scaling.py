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
r"""Whole-model inference cost versus video length (paper Fig. 5).

The full AudioScopeV2 (TDCN++ separator, audio and video MobileNetV1
embeddings at width 1.0, an alignment module, classifier) at the paper's
shapes: 16 kHz, 16 FPS, 128 x 128 frames, M = 4, L = 4, D = 128, batch 1,
random weights (the cost does not depend on them). For every alignment module
and two inference modes the video length doubles from --min_seconds (5 s)
until a point runs out of memory (RSS watchdog, --memory_limit_gb, default
24), a call takes longer than --max_call_seconds, or --max_seconds is passed:

* `one_pass`: the whole clip in one call of the model under a `tf.function`
  with input signature `audio [1, None] float32`, `frames [1, None, 128, 128,
  3] uint8` (uint8 frames: the model converts them chunk by chunk, so a long
  video is not held as float32);
* `windowed`: `audioscope_separate`'s path, `separate_lib.separate_arrays`
  on an in-memory `export_lib.InferenceModel` (the SavedModel serving
  function): 5 s windows with 1 s overlap, `--batch_windows` per model
  call, sources matched and cross-faded
  (`audioscope/inference/stitching.py`).

Each point runs in its own subprocess (benchmark_utils.run_point): it builds
the model, warms the function up on 1 s (one_pass) or one window (windowed),
then times one call on the full length. Peak memory is the child's peak RSS
(`os.wait4`); the baseline RSS before the timed call is recorded too.

Writes `model_scaling.json` and `model_scaling.png` (wall time and peak
memory against length, log-log, one line per module and mode) to
--output_dir. The JSON records the CPU count and the load average: on a
shared machine, compare the matmul GFLOP/s measured at the start.

  python benchmarks/model_scaling.py --output_dir=/tmp/model_scaling
  python benchmarks/model_scaling.py --output_dir=/tmp/ms --quick
  python benchmarks/model_scaling.py --output_dir=/tmp/ms \
      --modules=separable_sa --modes=one_pass --max_seconds=640
"""

import json
import math
import os
import sys
import time

from absl import app
from absl import flags

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

_OUTPUT_DIR = flags.DEFINE_string('output_dir', None,
                                  'Folder for the JSON and PNG results.')
_MODULES = flags.DEFINE_list(
    'modules',
    ['audioscope_v1', 'separable_sa', 'separable_cma', 'joint_cma',
     'joint_sa'],
    'Alignment modules to measure.')
_MODES = flags.DEFINE_list('modes', ['one_pass', 'windowed'],
                           "Inference modes: 'one_pass' and/or 'windowed'.")
_MIN_SECONDS = flags.DEFINE_float('min_seconds', 5.0, 'First length (s).')
_MAX_SECONDS = flags.DEFINE_float('max_seconds', 1280.0,
                                  'Longest length tried (s).')
_MAX_CALL_SECONDS = flags.DEFINE_float(
    'max_call_seconds', 600.0,
    'Stop doubling a series after a call slower than this (s).')
_POINT_TIMEOUT_SECONDS = flags.DEFINE_float(
    'point_timeout_seconds', 1800.0,
    'Kill a point (status timeout) after this many seconds in total.')
_MEMORY_LIMIT_GB = flags.DEFINE_float(
    'memory_limit_gb', 24.0,
    'Kill a point (status oom) whose resident memory passes this (GB). The '
    "paper's machine had 16 GB. 0 disables the watchdog.")
_WIDTH_MULTIPLIER = flags.DEFINE_float('width_multiplier', 1.0,
                                       'MobileNetV1 width of both trunks.')
_WINDOW_SECONDS = flags.DEFINE_float('window_seconds', 5.0,
                                     'Window of the windowed mode (s).')
_OVERLAP_SECONDS = flags.DEFINE_float('overlap_seconds', 1.0,
                                      'Overlap of the windowed mode (s).')
_BATCH_WINDOWS = flags.DEFINE_integer(
    'batch_windows', 8, 'Windows per model call in the windowed mode '
    '(separate_lib.separate_arrays; 8 is its default, 1 runs them one by '
    'one).')
_QUICK = flags.DEFINE_bool(
    'quick', False,
    'Smoke run: separable_sa and joint_sa, lengths 0.5 s and 1 s, width '
    '0.25, 60 s per call, 8 GB.')
_POINT = flags.DEFINE_string(
    'point', None, 'Internal: "module,mode,seconds" run in this process.')

_RESULT_PREFIX = 'MODEL_SCALING_RESULT '
_SAMPLE_RATE = 16000
_FRAME_RATE = 16.0
_FRAME_SIZE = (128, 128)


# ---------------------------------------------------------------- Child ----


def _build_model(module):
  from audioscope import model as model_lib  # pylint: disable=g-import-not-at-top
  width = _WIDTH_MULTIPLIER.value
  return model_lib.AudioScopeV2(
      alignment=module, sample_rate=_SAMPLE_RATE, frame_rate=_FRAME_RATE,
      audio_embedding_config=dict(width_multiplier=width),
      video_embedding_config=dict(width_multiplier=width))


def _inputs(seconds, rng):
  import numpy as np  # pylint: disable=g-import-not-at-top
  samples = int(round(seconds * _SAMPLE_RATE))
  frames = max(1, int(round(seconds * _FRAME_RATE)))
  audio = (0.1 * rng.standard_normal(samples)).astype(np.float32)
  video = rng.integers(0, 256, (frames,) + _FRAME_SIZE + (3,), np.uint8)
  return audio, video


def _run_point(spec):
  """Runs one measurement in this (child) process and prints its JSON."""
  module, mode, seconds = spec.split(',')
  seconds = float(seconds)
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  model = _build_model(module)
  if mode == 'one_pass':
    function = tf.function(
        lambda a, f: model({'audio': a, 'frames': f}, training=False),
        input_signature=[
            tf.TensorSpec([1, None], tf.float32),
            tf.TensorSpec([1, None] + list(_FRAME_SIZE) + [3], tf.uint8)])

    def call(audio, video):
      outputs = function(audio[np.newaxis], video[np.newaxis])
      return outputs['on_screen'].numpy()[0]

    warmup = _inputs(1.0, rng)
  else:
    from audioscope.inference import export_lib  # pylint: disable=g-import-not-at-top
    from audioscope.inference import separate_lib  # pylint: disable=g-import-not-at-top
    inference_model = export_lib.from_model(
        model, sample_rate=_SAMPLE_RATE, frame_rate=_FRAME_RATE,
        frame_size=_FRAME_SIZE, num_sources=model.num_sources)

    def call(audio, video):
      return separate_lib.separate_arrays(
          inference_model, audio, video, _WINDOW_SECONDS.value,
          _OVERLAP_SECONDS.value,
          batch_windows=_BATCH_WINDOWS.value)['on_screen']

    warmup = _inputs(min(seconds, _WINDOW_SECONDS.value), rng)
  start = time.perf_counter()
  call(*warmup)
  warmup_s = time.perf_counter() - start
  audio, video = _inputs(seconds, rng)
  baseline_mb = benchmark_utils.rss_mb()
  start = time.perf_counter()
  on_screen = call(audio, video)
  wall = time.perf_counter() - start
  benchmark_utils.emit_point_result(_RESULT_PREFIX, dict(
      wall_s=wall, warmup_s=warmup_s, frames=int(video.shape[0]),
      samples=int(audio.shape[0]), baseline_rss_mb=baseline_mb,
      input_mb=(audio.nbytes + video.nbytes) / 2**20,
      real_time_factor=wall / seconds,
      output_finite=bool(np.all(np.isfinite(on_screen))),
      load_average=benchmark_utils.load_average()))


# --------------------------------------------------------------- Parent ----


def _measure(module, mode, seconds, memory_limit_gb, timeout):
  command = [sys.executable, os.path.abspath(__file__),
             f'--point={module},{mode},{seconds}',
             f'--width_multiplier={_WIDTH_MULTIPLIER.value}',
             f'--window_seconds={_WINDOW_SECONDS.value}',
             f'--overlap_seconds={_OVERLAP_SECONDS.value}',
             f'--batch_windows={_BATCH_WINDOWS.value}']
  record = benchmark_utils.run_point(command, _RESULT_PREFIX,
                                     memory_limit_gb=memory_limit_gb,
                                     timeout_s=timeout)
  point = dict(module=module, mode=mode, seconds=seconds,
               frames=int(round(seconds * _FRAME_RATE)),
               status=record['status'], total_s=record['total_s'],
               peak_rss_mb=record['peak_rss_mb'],
               polled_max_rss_mb=record['polled_max_rss_mb'])
  point.update(record['result'] or {})
  if record['status'] != 'ok':
    point['error'] = record.get('error')
  else:
    point['memory_above_baseline_mb'] = max(
        point['peak_rss_mb'] - point['baseline_rss_mb'], 0.0)
  return point


def _summarize(series):
  summary = {}
  for name, points in series.items():
    ok = [p for p in points if p['status'] == 'ok']
    five = [p for p in ok if abs(p['seconds'] - 5.0) < 1e-6]
    summary[name] = dict(
        longest_seconds=max((p['seconds'] for p in ok), default=None),
        stopped_by=(points[-1]['status'] if points and
                    points[-1]['status'] != 'ok' else 'call_time_or_max'),
        wall_s_at_5s=five[0]['wall_s'] if five else None,
        peak_rss_mb_at_5s=five[0]['peak_rss_mb'] if five else None,
        time_slope=benchmark_utils.loglog_slope(
            [p['seconds'] for p in ok], [p['wall_s'] for p in ok]),
        memory_slope=benchmark_utils.loglog_slope(
            [p['seconds'] for p in ok],
            [p['memory_above_baseline_mb'] for p in ok]))
  return summary


def _plot(series, path):
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  figure, axes = plt.subplots(1, 2, figsize=(13, 5))
  for name, points in series.items():
    ok = [p for p in points if p['status'] == 'ok']
    if not ok:
      continue
    style = '--' if name.endswith('/windowed') else '-'
    lengths = [p['seconds'] for p in ok]
    axes[0].plot(lengths, [p['wall_s'] for p in ok], style, marker='o',
                 label=name)
    axes[1].plot(lengths, [p['peak_rss_mb'] / 1024.0 for p in ok], style,
                 marker='o', label=name)
    for p in points:
      if p['status'] != 'ok':
        axes[1].plot([p['seconds']], [ok[-1]['peak_rss_mb'] / 1024.0], 'x',
                     color='k')
  for axis, label in zip(axes, ('wall time per call (s)', 'peak RSS (GB)')):
    axis.set_xscale('log', base=2)
    axis.set_yscale('log')
    axis.set_xlabel('video length (s) at 16 FPS')
    axis.set_ylabel(label)
    axis.grid(True, which='both', alpha=0.3)
  axes[0].legend(fontsize=7)
  figure.suptitle('AudioScopeV2 inference vs video length (solid: one pass, '
                  'dashed: 5 s windows; x: next length failed)')
  figure.tight_layout()
  figure.savefig(path, dpi=120)
  plt.close(figure)


def main(argv):
  if not benchmark_utils.start_main(argv, _POINT.value, _run_point,
                                    _OUTPUT_DIR.value, '/tmp/model_scaling'):
    return
  benchmark_utils.check_choices('modes', _MODES.value,
                                ('one_pass', 'windowed'))
  from audioscope import attention  # pylint: disable=g-import-not-at-top
  modules = (['separable_sa', 'joint_sa'] if _QUICK.value else
             _MODULES.value)
  benchmark_utils.check_choices('modules', modules,
                                attention.ALIGNMENT_MODULES)
  if _QUICK.value:
    min_seconds, max_seconds, max_call = 0.5, 1.0, 60.0
    memory_limit_gb, timeout = 8.0, 300.0
    flags.FLAGS.width_multiplier = 0.25
  else:
    min_seconds, max_seconds = _MIN_SECONDS.value, _MAX_SECONDS.value
    max_call = _MAX_CALL_SECONDS.value
    memory_limit_gb = _MEMORY_LIMIT_GB.value
    timeout = _POINT_TIMEOUT_SECONDS.value
  results = dict(
      benchmark='model_scaling',
      config=dict(modules=modules, modes=_MODES.value,
                  sample_rate=_SAMPLE_RATE, frame_rate=_FRAME_RATE,
                  frame_size=list(_FRAME_SIZE), num_sources=4, num_layers=4,
                  embedding_dim=128,
                  width_multiplier=_WIDTH_MULTIPLIER.value,
                  window_seconds=_WINDOW_SECONDS.value,
                  overlap_seconds=_OVERLAP_SECONDS.value,
                  batch_windows=_BATCH_WINDOWS.value,
                  min_seconds=min_seconds, max_seconds=max_seconds,
                  max_call_seconds=max_call,
                  memory_limit_gb=memory_limit_gb, quick=_QUICK.value),
      machine=benchmark_utils.machine_info(),
      matmul_at_start=benchmark_utils.matmul_gflops(repeats=3),
      series={})
  os.makedirs(_OUTPUT_DIR.value, exist_ok=True)
  json_path = os.path.join(_OUTPUT_DIR.value, 'model_scaling.json')
  for module in modules:
    for mode in _MODES.value:
      name = f'{module}/{mode}'
      points = results['series'][name] = []
      for seconds in benchmark_utils.doubling_lengths(min_seconds,
                                                      max_seconds):
        point = _measure(module, mode, seconds, memory_limit_gb, timeout)
        points.append(point)
        print(f'{name:26s} {seconds:8.2f} s  {point["status"]:8s} '
              f'call {point.get("wall_s", math.nan):9.3f} s  '
              f'peak {point.get("peak_rss_mb") or math.nan:9.1f} MB  '
              f'load {point.get("load_average", [math.nan])[0]:.1f}',
              flush=True)
        # Partial results survive an interrupted sweep.
        benchmark_utils.write_json(json_path, dict(
            results, summary=_summarize(results['series'])))
        if point['status'] != 'ok' or point['wall_s'] > max_call:
          break
  results['summary'] = _summarize(results['series'])
  benchmark_utils.write_json(json_path, results)
  _plot(results['series'], os.path.join(_OUTPUT_DIR.value,
                                        'model_scaling.png'))
  print(json.dumps(results['summary'], indent=2))
  print(f'Wrote {json_path}')


if __name__ == '__main__':
  app.run(main)
