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
r"""AudioScopeV2 training throughput: examples/s and achieved GFLOP/s.

Runs the real training step (`train_lib.Trainer` with `tasks.AudioVisualTask`:
separator forward and backward, frozen embeddings, alignment, classifier,
MixIT and classifier losses, Adam update) on random batches of the shapes of
two configurations:

* `paper`: 5 s at 16 kHz, 16 FPS, 128 x 128 frames, M = 4, L = 4, D = 128,
  the default TDCN++ and MobileNetV1 width 1.0 (`--alignment`, default
  separable_sa);
* `demo`: the shapes of `audioscope_demo` (gin/demo/synthetic_demo.gin: 2 s,
  8 FPS, 64 x 64 frames, a small TDCN++, width 0.25, D = 32; batch 8 in
  audioscope/demo_lib.py).

each without and with XLA (`Trainer(jit_compile=True)`, which compiles the
loss and gradients, not the optimizer update). Every (configuration, XLA)
point runs in its own subprocess (RSS watchdog, peak memory) and measures the
float32 matmul GFLOP/s just before its step, so the ratio achieved / matmul is
taken under the same load.

FLOPs per step are counted by the TensorFlow profiler
(`tf.compat.v1.profiler` `float_operation`) on the traced graph of one
loss-and-gradients call (forward + backward, static shapes). It counts the
ops with a registered FLOP statistic (MatMul, Conv2D and its gradients,
DepthwiseConv2dNative, element-wise ops, ...); Einsum and the bodies of
while loops count 0 and the Adam update is not included, so the achieved
GFLOP/s is a slight underestimate. For the TDCN++ the profiler's forward
count agrees with the analytic count of benchmarks/separator.py within 2%.

With `--input_pipeline` (default on) the parent also measures the NOn input
pipeline (benchmarks/input_pipeline.py) at the paper's settings and the
configuration's batch size, and reports input examples/s next to the
training step's: the input must be faster (issue #5).

  python benchmarks/train_throughput.py --output_dir=/tmp/train_throughput
  python benchmarks/train_throughput.py --output_dir=/tmp/tt --quick
  python benchmarks/train_throughput.py --output_dir=/tmp/tt \
      --configs=paper --batch_size=4 --xla=false
"""

import json
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
                                  'Folder for train_throughput.json.')
_CONFIGS = flags.DEFINE_list('configs', ['paper', 'demo'],
                             "Configurations: 'paper' and/or 'demo'.")
_ALIGNMENT = flags.DEFINE_string('alignment', 'separable_sa',
                                 'Alignment module.')
_BATCH_SIZE = flags.DEFINE_integer(
    'batch_size', None,
    'Global batch size; default 2 for paper (memory: about 2.5 GB of '
    'separator activations per 5 s example) and 8 for demo.')
_XLA = flags.DEFINE_list('xla', ['false', 'true'],
                         'jit_compile settings to measure.')
_STEPS = flags.DEFINE_integer('steps', 2, 'Training steps per timed call.')
_REPEATS = flags.DEFINE_integer('repeats', 3, 'Timed calls.')
_INPUT_PIPELINE = flags.DEFINE_bool(
    'input_pipeline', True,
    'Also measure the NOn input pipeline at the paper settings.')
_MEMORY_LIMIT_GB = flags.DEFINE_float('memory_limit_gb', 24.0,
                                      'RSS watchdog per point (GB).')
_POINT_TIMEOUT_SECONDS = flags.DEFINE_float(
    'point_timeout_seconds', 1200.0, 'Kill a point after this long (s).')
_QUICK = flags.DEFINE_bool(
    'quick', False,
    'Smoke run: the demo configuration only (batch 2), 1 repeat of 1 step; '
    'a 16-clip input pipeline.')
_POINT = flags.DEFINE_string(
    'point', None, 'Internal: "config,xla,batch_size" run in this process.')

_RESULT_PREFIX = 'TRAIN_THROUGHPUT_RESULT '
_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DEMO_GIN = os.path.join(_REPO, 'gin', 'demo', 'synthetic_demo.gin')

# Shapes of each configuration (the demo's from its gin file).
CONFIGS = {
    'paper': dict(clip_seconds=5.0, sample_rate=16000, frame_rate=16.0,
                  frame_size=(128, 128), batch_size=2),
    'demo': dict(clip_seconds=2.0, sample_rate=16000, frame_rate=8.0,
                 frame_size=(64, 64), batch_size=8),
}


def count_flops(concrete_function) -> int:
  """FLOPs of a traced function by the TF profiler (see module docstring)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
  options['output'] = 'none'
  profile = tf.compat.v1.profiler.profile(graph=concrete_function.graph,
                                          options=options)
  return int(profile.total_float_ops)


def random_batch(config, batch_size, seed=0):
  """A training batch of the configuration's shapes (NOn, labels -1)."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  samples = int(round(config['clip_seconds'] * config['sample_rate']))
  frames = int(round(config['clip_seconds'] * config['frame_rate']))
  height, width = config['frame_size']
  generator = tf.random.Generator.from_seed(seed)
  primary = 0.1 * generator.normal([batch_size, samples])
  background = 0.1 * generator.normal([batch_size, samples])
  return {
      'audio': primary + background,
      'frames': generator.uniform([batch_size, frames, height, width, 3]),
      'reference_mixtures': tf.stack([primary, background], axis=1),
      'labels': tf.fill([batch_size], -1),
  }


def _configure(config_name, alignment):
  """Binds gin for the configuration (the demo's gin file for 'demo')."""
  import gin  # pylint: disable=g-import-not-at-top
  from audioscope import model  # pylint: disable=g-import-not-at-top,unused-import
  from audioscope.training import tasks  # pylint: disable=g-import-not-at-top,unused-import
  gin.clear_config()
  if config_name == 'demo':
    gin.parse_config_file(_DEMO_GIN)
  config = CONFIGS[config_name]
  gin.bind_parameter('AudioScopeV2.alignment', alignment)
  gin.bind_parameter('AudioScopeV2.sample_rate', config['sample_rate'])
  gin.bind_parameter('AudioScopeV2.frame_rate', config['frame_rate'])


def measure_train_step(config_name, jit_compile, batch_size, steps, repeats,
                       alignment='separable_sa', count=True):
  """Times `Trainer.run_steps` in this process; returns a dict.

  Args:
    config_name: 'paper' or 'demo'.
    jit_compile: Trainer's XLA flag.
    batch_size: global batch size.
    steps: steps per timed call.
    repeats: timed calls (after one warm-up call that traces).
    alignment: alignment module.
    count: count FLOPs with the profiler.

  Returns:
    dict of examples_per_second (best and median), step_seconds, flops,
    gflops_achieved, the matmul rate just before, the trace time.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from audioscope.training import tasks  # pylint: disable=g-import-not-at-top
  from audioscope.training import train_lib  # pylint: disable=g-import-not-at-top
  _configure(config_name, alignment)
  config = CONFIGS[config_name]
  batch = random_batch(config, batch_size)
  trainer = train_lib.Trainer(tasks.AudioVisualTask(),
                              global_batch_size=batch_size,
                              jit_compile=jit_compile)
  trainer.build(batch)
  num_parameters = sum(v.shape.num_elements() for v in trainer._variables)  # pylint: disable=protected-access
  flops = None
  if count:
    spec = tf.nest.map_structure(tf.TensorSpec.from_tensor, batch)
    concrete = tf.function(trainer._loss_and_grads).get_concrete_function(  # pylint: disable=protected-access
        spec)
    flops = count_flops(concrete)
  dataset = tf.data.Dataset.from_tensors(batch).repeat()
  iterator = iter(trainer.strategy.experimental_distribute_dataset(dataset))
  start = time.perf_counter()
  trainer.run_steps(iterator, 1)  # Trace (and compile) once.
  first_call_s = time.perf_counter() - start
  matmul = benchmark_utils.matmul_gflops(repeats=3)
  timing = benchmark_utils.time_calls(
      lambda: trainer.run_steps(iterator, steps), repeats, warmup=0)
  best_step = timing['min_s'] / steps
  median_step = timing['median_s'] / steps
  result = dict(
      config=config_name, xla=jit_compile, batch_size=batch_size,
      alignment=alignment, steps_per_call=steps, repeats=repeats,
      trainable_parameters=int(num_parameters),
      first_call_s=first_call_s, step_seconds_min=best_step,
      step_seconds_median=median_step,
      examples_per_second=batch_size / best_step,
      examples_per_second_median=batch_size / median_step,
      matmul=matmul, load_average=benchmark_utils.load_average())
  if flops is not None:
    achieved = flops / best_step / 1e9
    result.update(
        flops_per_step=flops, gflop_per_example=flops / batch_size / 1e9,
        gflops_achieved=achieved,
        gflops_achieved_median=flops / median_step / 1e9,
        fraction_of_matmul=achieved / matmul['best_gflops'],
        fraction_of_matmul_median=(flops / median_step / 1e9) /
        matmul['median_gflops'])
  return result


def _run_point(spec):
  config_name, xla, batch_size = spec.split(',')
  result = measure_train_step(config_name, xla == 'true', int(batch_size),
                              _STEPS.value, _REPEATS.value, _ALIGNMENT.value)
  benchmark_utils.emit_point_result(_RESULT_PREFIX, result)


def _pipeline(config_name, batch_size, quick):
  """Input pipeline examples/s at the configuration's shapes (subprocess)."""
  import subprocess  # pylint: disable=g-import-not-at-top
  import tempfile  # pylint: disable=g-import-not-at-top
  config = CONFIGS[config_name]
  script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        'input_pipeline.py')
  with tempfile.TemporaryDirectory() as directory:
    output = os.path.join(directory, 'input_pipeline.json')
    command = [sys.executable, script, f'--batch_size={batch_size}',
               f'--clip_seconds={config["clip_seconds"]}',
               f'--frame_rate={config["frame_rate"]}',
               '--frame_size=%d,%d' % tuple(config['frame_size']),
               '--train_step=false', f'--output={output}']
    if quick:
      command.append('--quick')
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    completed = subprocess.run(command, env=env, capture_output=True,
                               text=True, check=False)
    if completed.returncode or not os.path.exists(output):
      return dict(status='error',
                  error=completed.stderr.strip().splitlines()[-5:])
    with open(output) as f:
      result = json.load(f)
  result['status'] = 'ok'
  return result


def main(argv):
  if not benchmark_utils.start_main(argv, _POINT.value, _run_point,
                                    _OUTPUT_DIR.value, '/tmp/train_throughput'):
    return
  configs = ['demo'] if _QUICK.value else _CONFIGS.value
  benchmark_utils.check_choices('configs', configs, CONFIGS)
  steps, repeats = (1, 1) if _QUICK.value else (_STEPS.value, _REPEATS.value)
  results = dict(
      benchmark='train_throughput', alignment=_ALIGNMENT.value,
      flop_count=('TF profiler float_operation on the traced '
                  'loss-and-gradients graph (forward + backward); Einsum and '
                  'while-loop bodies count 0, the optimizer update is not '
                  'included.'),
      machine=benchmark_utils.machine_info(), points=[], input_pipeline={})
  # The machine's matmul rate at the start; every point measures its own too.
  results['matmul_at_start'] = benchmark_utils.matmul_gflops(repeats=3)
  for name in configs:
    batch_size = _BATCH_SIZE.value or (2 if _QUICK.value else
                                       CONFIGS[name]['batch_size'])
    for xla in _XLA.value:
      command = [sys.executable, os.path.abspath(__file__),
                 f'--point={name},{xla},{batch_size}', f'--steps={steps}',
                 f'--repeats={repeats}', f'--alignment={_ALIGNMENT.value}']
      record = benchmark_utils.run_point(
          command, _RESULT_PREFIX, memory_limit_gb=_MEMORY_LIMIT_GB.value,
          timeout_s=_POINT_TIMEOUT_SECONDS.value)
      point = dict(config=name, xla=xla == 'true', batch_size=batch_size,
                   status=record['status'], total_s=record['total_s'],
                   peak_rss_mb=record['peak_rss_mb'])
      point.update(record['result'] or {})
      if record['status'] != 'ok':
        point['error'] = record.get('error')
      results['points'].append(point)
      print(f'{name:6s} xla={xla:5s} batch {batch_size}: {point["status"]} '
            f'{point.get("examples_per_second", float("nan")):.3f} ex/s, '
            f'{point.get("gflops_achieved", float("nan")):.1f} GFLOP/s = '
            f'{point.get("fraction_of_matmul", float("nan")):.1%} of matmul, '
            f'peak {point["peak_rss_mb"]:.0f} MB', flush=True)
    if _INPUT_PIPELINE.value:
      pipeline = _pipeline(name, batch_size, _QUICK.value)
      if pipeline['status'] != 'ok':
        results['input_pipeline'][name] = pipeline
        continue
      steps_ok = [p for p in results['points']
                  if p['config'] == name and p['status'] == 'ok']
      best_train = max((p['examples_per_second'] for p in steps_ok),
                       default=None)
      pipeline['train_step_examples_per_second_best'] = best_train
      if best_train:
        pipeline['pipeline_over_train_step'] = (
            pipeline['examples_per_second'] / best_train)
        pipeline['pipeline_faster_than_train_step'] = (
            pipeline['examples_per_second'] > best_train)
      results['input_pipeline'][name] = pipeline
      print(f'{name:6s} input pipeline: '
            f'{pipeline["examples_per_second"]:.2f} ex/s '
            f'(train step best {best_train})', flush=True)
  path = benchmark_utils.write_json(
      os.path.join(_OUTPUT_DIR.value, 'train_throughput.json'), results)
  print(json.dumps({k: v for k, v in results.items() if k != 'points'},
                   indent=2, default=str))
  print(f'Wrote {path}')


if __name__ == '__main__':
  app.run(main)
