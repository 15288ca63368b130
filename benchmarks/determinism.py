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
r"""Do reruns of the demo's AudioScopeV2 stage give the same model? Writes JSON.

  python benchmarks/determinism.py --output_dir=/tmp/det \
      --demo_dir=outputs/demo                        # ~8 min on 2 CPU cores
  python benchmarks/determinism.py --output_dir=/tmp/det_fast --fast

Trains the AudioScopeV2 stage of the end-to-end demo for --steps steps
--runs times per mode, each run in a fresh process (`benchmark_utils.
run_point`) on the same shared stages (data, pre-trained separator and
embeddings: those of a finished demo under --demo_dir, or run once under
`<output_dir>/shared` when it is not given), and compares what the runs
logged: the total loss of every summary (a tenth of the steps) and an MD5
of every weight and optimizer tensor of the last checkpoint. Modes:

* `deterministic_ops`: what the demo does, `train.deterministic_ops = True`
  (op determinism and Grappler's meta optimizer off);
* `op_determinism_only`: `tf.config.experimental.enable_op_determinism()`
  alone, Grappler on (what `train.deterministic_ops` did before session
  13). On 2 CPU cores its fresh processes fell on one of a few loss
  trajectories (docs/findings.md, "Grappler").

For each mode the report gives the number of distinct runs (1: every rerun
gave the same model) and the seconds per run. Measured on 2 CPU cores
(session 13, on the demo of commit f5ac380; `docs/results/determinism.*`):
`deterministic_ops` 1 outcome in 3 runs, `op_determinism_only` 3 in 3 (the
mean losses of steps 1-6 already differ in the fourth decimal); about 75 s per
run, 70 s of it training (74 s with Grappler on), 7.7 minutes in all.
`determinism.json` and `determinism.md` under --output_dir; every run's
folder under `<output_dir>/runs/`. --fast takes the demo's smoke budgets
(tiny shapes); it only shows that everything runs.
"""

import dataclasses
import functools
import hashlib
import os
import shutil
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from audioscope import demo_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

MODES = ('deterministic_ops', 'op_determinism_only')
RESULT_PREFIX = 'DETERMINISM_RESULT '
JSON_FILE = 'determinism.json'
MARKDOWN_FILE = 'determinism.md'
SHARED_DIR = 'shared'


def make_config(fast: bool, steps: int) -> demo_lib.DemoConfig:
  """The demo's budgets with `steps` AudioScopeV2 steps, no validation."""
  overrides = dict(audioscope_steps=steps, audioscope_steps_per_eval=0)
  if fast:
    return demo_lib.fast_config(**overrides)
  return demo_lib.DemoConfig(**overrides)


def checkpoint_md5(prefix: str) -> str:
  """MD5 over every weight and optimizer tensor of a checkpoint, by name.

  The saved input-iterator state (a variant) is left out: it holds the data
  files' paths, which differ between run folders.
  """
  reader = tf.train.load_checkpoint(prefix)
  digest = hashlib.md5()
  for name, dtype in sorted(reader.get_variable_to_dtype_map().items()):
    if dtype == tf.variant:
      continue
    digest.update(name.encode())
    digest.update(np.ascontiguousarray(reader.get_tensor(name)).tobytes())
  return digest.hexdigest()


def logged_losses(summary_dir: str, tag: str = 'losses/total_loss'
                  ) -> Dict[int, float]:
  """step -> `tag` from the event files of a training's summary folder."""
  losses = {}
  for path in sorted(tf.io.gfile.glob(os.path.join(summary_dir, 'events.*'))):
    for event in tf.compat.v1.train.summary_iterator(path):
      for value in event.summary.value:
        if value.tag == tag:
          losses[int(event.step)] = float(
              tf.make_ndarray(value.tensor) if value.HasField('tensor')
              else value.simple_value)
  return losses


def run_one(output_dir: str, shared_dir: str, mode: str, index: int,
            fast: bool, steps: int) -> Dict[str, Any]:
  """Trains one run in this process; returns its losses and checkpoint MD5."""
  if mode not in MODES:
    raise ValueError(f'Unknown mode {mode!r}; use one of {list(MODES)}.')
  config = make_config(fast, steps)
  # Bound here for both modes (the --fast gin leaves it off). For
  # op_determinism_only, the gin switch stays off and op determinism alone
  # is switched on here, so Grappler stays on.
  deterministic_ops = mode == 'deterministic_ops'
  config = dataclasses.replace(config, gin_params=(
      *config.gin_params, f'train.deterministic_ops = {deterministic_ops}'))
  if not deterministic_ops:
    tf.config.experimental.enable_op_determinism()
  run_dir = os.path.join(output_dir, 'runs', f'{mode}_{index}')
  if tf.io.gfile.exists(run_dir):
    tf.io.gfile.rmtree(run_dir)  # A run starts from scratch.
  demo = demo_lib.Demo(run_dir, config, shared_dir=shared_dir)
  demo.run(last_stage=demo_lib.SHARED_STAGES[-1])  # Loads their artefacts.
  start = time.monotonic()
  artefacts = demo.train_audioscope()
  seconds = time.monotonic() - start
  return {
      'mode': mode, 'index': index, 'train_seconds': seconds,
      'losses': {str(k): v for k, v in sorted(logged_losses(
          os.path.join(demo.dirs['audioscope'], 'train')).items())},
      'checkpoint_md5': checkpoint_md5(artefacts['audioscope_checkpoint']),
  }


def summarize(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
  """Groups one mode's runs into distinct outcomes.

  Args:
    runs: `run_one` results (status 'ok'); others are counted as failed.

  Returns:
    {'runs', 'failed', 'distinct' (number of distinct (losses, checkpoint)
    outcomes), 'identical' (every run the same), 'outcomes' (each with the
    run indices, its logged losses and its last loss), 'train_seconds'}.
  """
  outcomes = {}
  failed = 0
  for run in runs:
    if run is None:
      failed += 1
      continue
    key = (tuple(sorted(run['losses'].items())), run['checkpoint_md5'])
    outcome = outcomes.setdefault(key, {
        'runs': [], 'checkpoint_md5': run['checkpoint_md5'],
        'losses': run['losses'],
        'last_loss': (run['losses'][max(run['losses'], key=int)]
                      if run['losses'] else None)})
    outcome['runs'].append(run['index'])
  done = len(runs) - failed
  return {'runs': len(runs), 'failed': failed, 'distinct': len(outcomes),
          'identical': done > 0 and len(outcomes) == 1,
          'outcomes': list(outcomes.values()),
          'train_seconds': [run['train_seconds'] for run in runs if run]}


def markdown(report: Dict[str, Any]) -> str:
  rows = []
  for mode, summary in report['modes'].items():
    rows.append([
        mode, str(summary['runs'] - summary['failed']),
        str(summary['distinct']), 'yes' if summary['identical'] else 'no',
        ', '.join(f"{o['last_loss']:.6f}" for o in summary['outcomes']
                  if o['last_loss'] is not None),
        ', '.join(f'{s:.0f}' for s in summary['train_seconds'])])
  lines = [f"# Reruns of the demo's AudioScopeV2 stage ({report['steps']} "
           'steps, a fresh process each)', '']
  lines += benchmark_utils.markdown_table(
      ['mode', 'runs', 'distinct outcomes', 'identical',
       'last logged loss per outcome', 'training s per run'], rows)
  return '\n'.join(lines) + '\n'


def define_flags() -> Dict[str, flags.FlagHolder]:
  """Defines the binary's flags (not at import: tests import this module)."""
  return {
      'output_dir': flags.DEFINE_string(
          'output_dir', None, 'Folder of the report and the runs.'),
      'demo_dir': flags.DEFINE_string(
          'demo_dir', None, 'A finished demo (or any folder with its data, '
          'separator and coincidence stages) whose shared stages the runs '
          'use; default: run them under <output_dir>/shared.'),
      'modes': flags.DEFINE_list('modes', list(MODES), 'Modes to compare.'),
      'runs': flags.DEFINE_integer('runs', 3, 'Fresh-process runs per mode.'),
      'steps': flags.DEFINE_integer('steps', 60,
                                    'AudioScopeV2 steps per run.'),
      'fast': flags.DEFINE_bool('fast', False, "The demo's smoke budgets."),
      'timeout_seconds': flags.DEFINE_float(
          'timeout_seconds', 1800.0, 'Wall-clock limit of one run.'),
      'point': flags.DEFINE_string(
          'point', None, 'Internal: run MODE:INDEX in this process and '
          'print its result line.'),
  }


def _shared_dir(output_dir: str, demo_dir: Optional[str]) -> str:
  if demo_dir:
    return os.path.abspath(demo_dir)
  return os.path.join(os.path.abspath(output_dir), SHARED_DIR)


def run_benchmark(output_dir: str, demo_dir: Optional[str] = None,
                  modes: Sequence[str] = MODES, runs: int = 3,
                  steps: int = 60, fast: bool = False,
                  timeout_seconds: float = 1800.0) -> Dict[str, Any]:
  """Runs every mode's runs in fresh processes; writes and returns the report.

  Raises:
    ValueError: on an unknown mode, fewer than 2 runs, or a --demo_dir
      without its finished shared stages.
  """
  for mode in modes:
    if mode not in MODES:
      raise ValueError(f'Unknown mode {mode!r}; use one of {list(MODES)}.')
  if runs < 2:
    raise ValueError(f'runs must be >= 2 to compare, got {runs}.')
  output_dir = os.path.abspath(output_dir)
  shared_dir = _shared_dir(output_dir, demo_dir)
  if demo_dir:
    missing = [stage for stage in demo_lib.SHARED_STAGES if not os.path.exists(
        os.path.join(shared_dir, stage, 'DONE.json'))]
    if missing:
      raise ValueError(
          f'{demo_dir} lacks the finished stages {missing}; run '
          'audioscope_demo there first, or leave --demo_dir out to run them '
          'under --output_dir.')
  else:
    logging.info('Running the shared stages under %s.', shared_dir)
    demo = demo_lib.Demo(os.path.join(output_dir, 'shared_run'),
                         make_config(fast, steps), shared_dir=shared_dir)
    demo.run(last_stage=demo_lib.SHARED_STAGES[-1])
    shutil.rmtree(os.path.join(output_dir, 'shared_run'), ignore_errors=True)
  report = {'steps': steps, 'fast': fast, 'shared_dir': shared_dir,
            'machine': benchmark_utils.machine_info(), 'modes': {}}
  passthrough = [f'--output_dir={output_dir}', f'--steps={steps}',
                 f'--fast={fast}']
  if demo_dir:
    passthrough.append(f'--demo_dir={shared_dir}')
  for mode in modes:
    results = []
    for index in range(runs):
      record = benchmark_utils.run_point(
          [sys.executable, os.path.abspath(__file__),
           f'--point={mode}:{index}', *passthrough], RESULT_PREFIX,
          timeout_s=timeout_seconds)
      if record['status'] != 'ok':
        logging.error('%s run %d: %s %s', mode, index, record['status'],
                      record.get('error'))
      results.append(record['result'] if record['status'] == 'ok' else None)
      logging.info('%s run %d/%d: %s in %.0f s.', mode, index + 1, runs,
                   record['status'], record['total_s'])
    report['modes'][mode] = summarize(results)
    logging.info('%s: %d distinct outcomes in %d runs.', mode,
                 report['modes'][mode]['distinct'], runs)
  benchmark_utils.write_json(os.path.join(output_dir, JSON_FILE), report)
  with open(os.path.join(output_dir, MARKDOWN_FILE), 'w') as f:
    f.write(markdown(report))
  return report


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  values = {name: holder.value for name, holder in holders.items()}
  shared_dir = _shared_dir(values['output_dir'] or '', values['demo_dir'])

  def run_point(point):
    mode, index = point.rsplit(':', 1)
    result = run_one(values['output_dir'], shared_dir, mode, int(index),
                     values['fast'], values['steps'])
    benchmark_utils.emit_point_result(RESULT_PREFIX, result)

  if not benchmark_utils.start_main(argv, values['point'], run_point,
                                    values['output_dir'], '/tmp/determinism'):
    return
  try:
    report = run_benchmark(
        values['output_dir'], values['demo_dir'], values['modes'],
        values['runs'], values['steps'], values['fast'],
        values['timeout_seconds'])
  except ValueError as e:
    raise app.UsageError(str(e)) from e
  print(markdown(report), flush=True)


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
