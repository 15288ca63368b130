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
r"""Compute versus video length of the alignment modules (paper Fig. 5).

For every alignment module (audioscope_v1, joint/separable SA/CMA), in the
plain and the memory-efficient ('chunked') attention mode, and for the same
shapes pushed through `tf.keras.layers.MultiHeadAttention(attention_axes=...)`
stacks (the peer), i.e. the series `<module>/plain`, `<module>/chunked` and
`<module>/keras` (audioscope_v1: plain only), the video length doubles from
--min_seconds (5 s) until a point runs out of memory, a call takes longer than
--max_call_seconds (60 s), or --max_seconds is passed. Shapes follow the
paper: M=4 sources, G=64 locations, D=128, L=4 blocks, 16 FPS, batch 1.

Each point runs in its own subprocess (this script with --point, started by
benchmark_utils.run_point), so an out-of-memory kills only that point. The
child builds the module inside a `tf.function` with a dynamic time axis, warms
it up on 1 s of input, then times one call on the full length. Peak memory is
the child's peak resident set size (`os.wait4` rusage, cross-checked with
/proc VmHWM); the parent also polls the child's VmRSS and kills it above
--memory_limit_gb, which emulates the paper's 16 GB machine on bigger hosts
(status 'oom').

Writes `attention_scaling.json` and `attention_scaling.png` (wall time and
peak memory against length, log-log; colour: module, line style: plain solid,
chunked dashed, keras dotted) to --output_dir. The JSON records the machine
(CPU count; load average at the start, at the end and with every point) and
the float32 matmul GFLOP/s measured at the start (`matmul_at_start`): on a
shared machine, compare timings as ratios to it. --replot=PATH redraws the
PNG from an existing results JSON into --output_dir without measuring
anything.

  python benchmarks/attention_scaling.py --output_dir=/tmp/attention_scaling
  python benchmarks/attention_scaling.py --output_dir=/tmp/as --quick
  python benchmarks/attention_scaling.py --output_dir=/tmp/as_plot \
      --replot=/tmp/attention_scaling/attention_scaling.json
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
_IMPLEMENTATIONS = flags.DEFINE_list(
    'implementations', ['plain', 'chunked', 'keras'],
    "Attention implementations: 'plain', 'chunked' (memory-efficient) and "
    "'keras' (tf.keras.layers.MultiHeadAttention stacks, the peer).")
_MIN_SECONDS = flags.DEFINE_float('min_seconds', 5.0,
                                  'First video length (s).')
_MAX_SECONDS = flags.DEFINE_float('max_seconds', 1280.0,
                                  'Longest video length tried (s).')
_MAX_CALL_SECONDS = flags.DEFINE_float(
    'max_call_seconds', 60.0,
    'Stop doubling a series after a call slower than this (s).')
_POINT_TIMEOUT_SECONDS = flags.DEFINE_float(
    'point_timeout_seconds', 900.0,
    'Kill a point (status timeout) after this many seconds in total.')
_MEMORY_LIMIT_GB = flags.DEFINE_float(
    'memory_limit_gb', 16.0,
    'Kill a point (status oom) whose resident memory passes this (GB); the '
    "paper's machine had 16 GB. 0 disables the watchdog.")
_FRAME_RATE = flags.DEFINE_float('frame_rate', 16.0, 'Video frames per second.')
_NUM_SOURCES = flags.DEFINE_integer('num_sources', 4, 'M.')
_NUM_LOCATIONS = flags.DEFINE_integer('num_locations', 64, 'G.')
_DEPTH = flags.DEFINE_integer('depth', 128, 'D.')
_NUM_LAYERS = flags.DEFINE_integer('num_layers', 4, 'L.')
_NUM_HEADS = flags.DEFINE_integer('num_heads', 4, 'H.')
_QUICK = flags.DEFINE_bool(
    'quick', False,
    'Smoke run: lengths 0.25 s and 0.5 s, 10 s per call, 4 GB.')
_POINT = flags.DEFINE_string(
    'point', None,
    'Internal: run one point "module,implementation,seconds" and print JSON.')
_REPLOT = flags.DEFINE_string(
    'replot', None,
    'Only redraw attention_scaling.png in --output_dir from this results '
    'JSON; measures nothing.')

_RESULT_PREFIX = 'ATTENTION_SCALING_RESULT '
_JOINT = ('joint_sa', 'joint_cma')
_SEPARABLE = ('separable_sa', 'separable_cma')
# Plot styles: colour by module, line style and marker by implementation.
_MODULE_COLORS = {'audioscope_v1': 'tab:blue', 'separable_sa': 'tab:orange',
                  'separable_cma': 'tab:green', 'joint_cma': 'tab:red',
                  'joint_sa': 'tab:purple'}
_IMPLEMENTATION_STYLES = {'plain': ('-', 'o'), 'chunked': ('--', 's'),
                          'keras': (':', '^')}


# ---------------------------------------------------------------- Child ----


def _keras_peer(module, num_layers, num_heads, depth):
  """The module's attention pattern with tf.keras.layers.MultiHeadAttention.

  Same shapes and attention axes as the audioscope module; each block is
  x = LN(x + MHA(x, y)); x = LN(x + Dense(x)); pooling is MHA over T with the
  time-summed query.

  Args:
    module: one of the alignment module names.
    num_layers: L.
    num_heads: H.
    depth: D.

  Returns:
    A function (audio [1, M, T, D], video [1, G, T, D]) -> [1, M, D].
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  layers = tf.keras.layers
  key_dim = depth // num_heads

  def block(axes):
    attention = layers.MultiHeadAttention(num_heads, key_dim,
                                          attention_axes=axes)
    dense = layers.Dense(depth)
    norm1, norm2 = layers.LayerNormalization(), layers.LayerNormalization()

    def apply(queries, values):
      hidden = norm1(queries + attention(queries, values))
      return norm2(hidden + dense(hidden))
    return apply

  pooling = layers.MultiHeadAttention(num_heads, key_dim, attention_axes=(2,))

  def pool(audio):
    query = tf.reduce_sum(audio, axis=2, keepdims=True)
    return pooling(query, audio)[:, :, 0]

  if module == 'audioscope_v1':
    raise ValueError('audioscope_v1 has no multi-head attention stack; the '
                     "keras peer applies to the V2 modules.")
  stacks = []
  for _ in range(num_layers):
    if module == 'joint_sa':
      stacks.append((block((1, 2)),))
    elif module == 'joint_cma':
      stacks.append((block((1, 2)), block((1, 2))))
    else:
      cross = (block((1,)),) if module == 'separable_sa' else (
          block((1,)), block((1,)))
      stacks.append((block((2,)), block((2,))) + cross)

  def call(audio, video):
    num_sources = tf.shape(audio)[1]
    for layer_blocks in stacks:
      if module == 'joint_sa':
        joint = tf.concat([audio, video], axis=1)
        joint = layer_blocks[0](joint, joint)
        audio, video = joint[:, :num_sources], joint[:, num_sources:]
      elif module == 'joint_cma':
        audio, video = (layer_blocks[0](audio, video),
                        layer_blocks[1](video, audio))
      else:
        audio = layer_blocks[0](audio, audio)
        video = layer_blocks[1](video, video)
        if module == 'separable_sa':
          joint = tf.concat([audio, video], axis=1)
          joint = layer_blocks[2](joint, joint)
          audio, video = joint[:, :num_sources], joint[:, num_sources:]
        else:
          audio, video = (layer_blocks[2](audio, video),
                          layer_blocks[3](video, audio))
    return pool(audio)
  return call


def _run_point(spec):
  """Runs one measurement in this (child) process and prints its JSON."""
  module_name, implementation, seconds = spec.split(',')
  seconds = float(seconds)
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from audioscope import attention  # pylint: disable=g-import-not-at-top

  num_sources, num_locations = _NUM_SOURCES.value, _NUM_LOCATIONS.value
  depth, frame_rate = _DEPTH.value, _FRAME_RATE.value
  if implementation == 'keras':
    function = _keras_peer(module_name, _NUM_LAYERS.value, _NUM_HEADS.value,
                           depth)
  else:
    config = dict(num_heads=_NUM_HEADS.value)
    if module_name != 'audioscope_v1':
      config.update(num_layers=_NUM_LAYERS.value,
                    implementation=implementation)
    module = attention.alignment_module(module_name, **config)
    function = lambda a, v: module(a, v, training=False)
  function = tf.function(function, input_signature=[
      tf.TensorSpec([1, num_sources, None, depth]),
      tf.TensorSpec([1, num_locations, None, depth])])

  rng = np.random.default_rng(0)

  def inputs(frames):
    return (tf.constant(rng.normal(size=(1, num_sources, frames, depth)),
                        tf.float32),
            tf.constant(rng.normal(size=(1, num_locations, frames, depth)),
                        tf.float32))

  warmup_frames = max(1, int(round(frame_rate)))
  function(*inputs(warmup_frames)).numpy()
  frames = max(1, int(round(seconds * frame_rate)))
  audio, video = inputs(frames)
  baseline_mb = benchmark_utils.rss_mb()
  start = time.perf_counter()
  output = function(audio, video).numpy()
  wall = time.perf_counter() - start
  # Adds vm_hwm_mb and peak_rss_mb_self (this process's ru_maxrss).
  benchmark_utils.emit_point_result(_RESULT_PREFIX, dict(
      wall_s=wall, frames=frames, baseline_rss_mb=baseline_mb,
      output_finite=bool(np.all(np.isfinite(output))),
      load_average=benchmark_utils.load_average()))


# --------------------------------------------------------------- Parent ----


def _attention_matrix_bytes(module, frames, m, g, heads):
  """Float32 bytes of the largest attention tensor of one plain block."""
  if module == 'joint_sa':
    return 4 * heads * ((m + g) * frames)**2
  if module == 'joint_cma':
    return 4 * heads * m * g * frames**2
  if module in _SEPARABLE:
    return 4 * heads * max((m + g) * frames**2, frames * (m + g)**2)
  return 4 * m * g * frames * _DEPTH.value  # audioscope_v1: [M, G, T, H].


def _measure(module, implementation, seconds, memory_limit_gb, timeout):
  """Runs one point in a subprocess; returns its record."""
  command = [sys.executable, os.path.abspath(__file__),
             f'--point={module},{implementation},{seconds}']
  for flag in (_FRAME_RATE, _NUM_SOURCES, _NUM_LOCATIONS, _DEPTH, _NUM_LAYERS,
               _NUM_HEADS):
    command.append(f'--{flag.name}={flag.value}')
  record = benchmark_utils.run_point(command, _RESULT_PREFIX,
                                     memory_limit_gb=memory_limit_gb,
                                     timeout_s=timeout)
  frames = int(round(seconds * _FRAME_RATE.value))
  point = dict(module=module, implementation=implementation, seconds=seconds,
               frames=frames, total_s=record['total_s'],
               peak_rss_mb=record['peak_rss_mb'],
               polled_max_rss_mb=record['polled_max_rss_mb'],
               plain_attention_bytes=_attention_matrix_bytes(
                   module, frames, _NUM_SOURCES.value, _NUM_LOCATIONS.value,
                   _NUM_HEADS.value))
  point.update(record['result'] or {})
  if record['status'] == 'ok':
    point['memory_above_baseline_mb'] = max(
        point['peak_rss_mb'] - point['baseline_rss_mb'], 0.0)
  else:
    point['error'] = record.get('error')
  point['status'] = record['status']
  return point


def _summarize(series):
  """Per series: longest completed length, what stopped it, log-log slopes."""
  summary = {}
  for name, points in series.items():
    ok = [p for p in points if p['status'] == 'ok']
    lengths = [p['seconds'] for p in ok]
    summary[name] = dict(
        longest_seconds=max(lengths, default=None),
        stopped_by=points[-1]['status'] if points else None,
        time_slope=benchmark_utils.loglog_slope(
            lengths, [p.get('wall_s') for p in ok]),
        memory_slope=benchmark_utils.loglog_slope(
            lengths, [p.get('memory_above_baseline_mb') for p in ok]))
  plain = (summary.get('joint_sa/plain') or {}).get('longest_seconds')
  chunked = (summary.get('joint_sa/chunked') or {}).get('longest_seconds')
  if plain and chunked:
    summary['joint_sa_chunked_over_plain_length'] = chunked / plain
  return summary


def _plot(series, path):
  """Wall time and peak RSS against length; x: the next length failed."""
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use('Agg')
  import matplotlib.pyplot as plt  # pylint: disable=g-import-not-at-top
  import matplotlib.ticker  # pylint: disable=g-import-not-at-top
  figure, axes = plt.subplots(1, 2, figsize=(13, 6))
  for index, (name, points) in enumerate(series.items()):
    ok = [p for p in points if p['status'] == 'ok']
    if not ok:
      continue
    module, implementation = name.split('/')
    color = _MODULE_COLORS.get(module, f'C{index % 10}')
    line, marker = _IMPLEMENTATION_STYLES.get(implementation, ('-.', 'D'))
    style = dict(color=color, linestyle=line, marker=marker, markersize=4,
                 label=name)
    lengths = [p['seconds'] for p in ok]
    axes[0].plot(lengths, [p['wall_s'] for p in ok], **style)
    axes[1].plot(lengths, [p['peak_rss_mb'] / 1024.0 for p in ok], **style)
    for p in points:
      if p['status'] != 'ok':
        axes[1].plot([p['seconds']], [ok[-1]['peak_rss_mb'] / 1024.0], 'x',
                     color=color, markersize=9, markeredgewidth=2)
  lengths = sorted({p['seconds'] for points in series.values()
                    for p in points})
  for axis, label in zip(axes, ('wall time per call (s)', 'peak RSS (GB)')):
    axis.set_xscale('log', base=2)
    axis.set_yscale('log')
    axis.set_xticks(lengths, [f'{x:g}' for x in lengths])
    axis.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    axis.set_xlabel('video length (s)')
    axis.set_ylabel(label)
    axis.grid(True, which='both', alpha=0.3)
  handles, labels = axes[0].get_legend_handles_labels()
  figure.legend(handles, labels, loc='lower center', ncol=5, fontsize=8)
  figure.suptitle('Alignment modules: compute vs video length (solid: plain, '
                  'dashed: chunked, dotted: keras; x: next length failed)')
  figure.tight_layout(rect=(0, 0.14, 1, 1))
  figure.savefig(path, dpi=120)
  plt.close(figure)


def main(argv):
  if not benchmark_utils.start_main(argv, _POINT.value, _run_point,
                                    _OUTPUT_DIR.value,
                                    '/tmp/attention_scaling'):
    return
  png_path = os.path.join(_OUTPUT_DIR.value, 'attention_scaling.png')
  if _REPLOT.value:
    with open(_REPLOT.value) as f:
      series = json.load(f)['series']
    os.makedirs(_OUTPUT_DIR.value, exist_ok=True)
    _plot(series, png_path)
    print(f'Wrote {png_path}')
    return
  benchmark_utils.check_choices('implementations', _IMPLEMENTATIONS.value,
                                ('plain', 'chunked', 'keras'))
  from audioscope import attention  # pylint: disable=g-import-not-at-top
  benchmark_utils.check_choices('modules', _MODULES.value,
                                attention.ALIGNMENT_MODULES)
  if _QUICK.value:
    min_seconds, max_seconds, max_call = 0.25, 0.5, 10.0
    memory_limit_gb, timeout = 4.0, 120.0
  else:
    min_seconds, max_seconds = _MIN_SECONDS.value, _MAX_SECONDS.value
    max_call = _MAX_CALL_SECONDS.value
    memory_limit_gb = _MEMORY_LIMIT_GB.value
    timeout = _POINT_TIMEOUT_SECONDS.value
  os.makedirs(_OUTPUT_DIR.value, exist_ok=True)
  machine = benchmark_utils.machine_info()
  matmul_at_start = benchmark_utils.matmul_gflops(repeats=3)

  series = {}
  for module in _MODULES.value:
    for implementation in _IMPLEMENTATIONS.value:
      if module == 'audioscope_v1' and implementation != 'plain':
        continue  # No multi-head attention stack to switch or compare.
      name = f'{module}/{implementation}'
      points = series[name] = []
      for seconds in benchmark_utils.doubling_lengths(min_seconds,
                                                      max_seconds):
        record = _measure(module, implementation, seconds, memory_limit_gb,
                          timeout)
        points.append(record)
        print(f'{name:28s} {seconds:8.2f} s  {record["status"]:8s} '
              f'call {record.get("wall_s", math.nan):8.3f} s  '
              f'peak {record.get("peak_rss_mb") or math.nan:9.1f} MB',
              flush=True)
        if record['status'] != 'ok' or record['wall_s'] > max_call:
          break

  results = dict(
      config=dict(num_sources=_NUM_SOURCES.value,
                  num_locations=_NUM_LOCATIONS.value, depth=_DEPTH.value,
                  num_layers=_NUM_LAYERS.value, num_heads=_NUM_HEADS.value,
                  frame_rate=_FRAME_RATE.value, min_seconds=min_seconds,
                  max_seconds=max_seconds, max_call_seconds=max_call,
                  memory_limit_gb=memory_limit_gb, quick=_QUICK.value),
      # write_json keeps this as machine_at_start and adds the machine (and
      # its load average) at the end of the run.
      machine=machine,
      matmul_at_start=matmul_at_start,
      series=series,
      summary=_summarize(series))
  json_path = benchmark_utils.write_json(
      os.path.join(_OUTPUT_DIR.value, 'attention_scaling.json'), results)
  _plot(series, png_path)
  print(json.dumps(results['summary'], indent=2))
  print(f'Wrote {json_path}')


if __name__ == '__main__':
  app.run(main)
