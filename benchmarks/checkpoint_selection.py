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
r"""Checkpoint trajectories of the demo's AudioScopeV2 stage, and early stopping.

  python benchmarks/checkpoint_selection.py --output_dir=/tmp/ckpt  # ~61 min
  python benchmarks/checkpoint_selection.py --output_dir=/tmp/ckpt_fast --fast
  python benchmarks/checkpoint_selection.py --output_dir=/tmp/ckpt \
      --seeds=0,1,2 --audioscope_steps=1500 --select_within=600,1000,1500

Trains the AudioScopeV2 stage of the end-to-end demo (`audioscope/demo_lib.py`)
once per seed on the same shared stages (data, MixIT-pre-trained separator,
coincidence-pre-trained embeddings, run once under `<output_dir>/shared`),
keeps a checkpoint every --checkpoint_every steps and evaluates every
checkpoint:

* on the validation MoMs at theta 0 (what the paper's early stopping sees:
  ECCV sec. 4.4 keeps the checkpoint with the largest min(SNR, OSR) there)
  and calibrated to the target OSR on the validation off-screen MoMs;
* on the test MoMs at that theta: median SNR and OSR, AUC, AUC within MoM
  and the suppression of the on-screen and off-screen parts of the
  on-screen MoMs (`evaluate_lib.evaluate_predictions`).

Then every selection rule of `RULES` picks, within each budget of
--select_within (the checkpoints up to that step), the checkpoint with the
largest validation score (ties: the earliest); the report gives the test
metrics of each pick, and the Spearman correlations over the checkpoints of
a seed (`scipy.stats.spearmanr`) between the test metrics, theta and every
rule's score. The question it answers: which checkpoint should a run of
this task keep, and does the calibrated SNR follow the AUC as training goes
on (on the demo's task it does not: docs/findings.md, "Over training, the
AUC rises and the calibrated SNR falls").

Folders under --output_dir: `shared/` (the demo's first three stages),
`seed_<s>/audioscope/` (the training, every checkpoint kept),
`seed_<s>/trajectory.json` (one row per evaluated checkpoint, written after
each), `checkpoint_selection.json` and `.md`. A re-run resumes: training
continues from its last checkpoint (a larger --audioscope_steps trains
further) and evaluated checkpoints are not evaluated again.

Budgets: the demo's (`demo_lib.DemoConfig`, the same flags) with
`BENCHMARK_OVERRIDES` (1000 AudioScopeV2 steps, no validation inside the
training: every checkpoint is evaluated here). Measured on 2 CPU cores
(session 8): 49 minutes for the two default seeds on shared stages that
were already there (per seed 12.5-13.5 minutes of training and 20
evaluations of about 33 s, each over 256 validation and 256 test MoMs),
plus about 12 minutes when the shared stages have to run.
--fast takes the demo's smoke budgets (tiny shapes, 4
steps, a checkpoint every 2); its numbers only show that everything runs.
"""

import dataclasses
import functools
import math
import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import gin
import numpy as np
from scipy import stats
import tensorflow as tf

from audioscope import demo_lib
from audioscope import json_io
from audioscope.bin import demo_flags
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

SHARED_DIR = 'shared'
TRAJECTORY_FILE = 'trajectory.json'
JSON_FILE = 'checkpoint_selection.json'
MARKDOWN_FILE = 'checkpoint_selection.md'
# Metrics kept per operating point: keys of evaluate_lib.evaluate_predictions.
METRICS = ('theta', 'median_snr_db', 'median_osr_db', 'auc', 'within_auc',
           'median_on_screen_part_suppression_db',
           'median_off_screen_part_suppression_db')

# Where the benchmark's budget differs from the demo's.
BENCHMARK_OVERRIDES = {'audioscope_steps': 1000,
                       'audioscope_steps_per_eval': 0}
FAST_OVERRIDES = {'audioscope_steps': 4, 'audioscope_steps_per_eval': 0}
DEFAULT_CHECKPOINT_EVERY = 50
FAST_CHECKPOINT_EVERY = 2


def _validation_min_snr_osr(row):
  values = (row['validation_raw']['median_snr_db'],
            row['validation_raw']['median_osr_db'])
  return None if None in values else min(values)


# Selection rules: (name, description, validation score of a trajectory row;
# the largest wins).
RULES = (
    ('paper', 'min(SNR, OSR) on validation at theta 0 (ECCV sec. 4.4)',
     _validation_min_snr_osr),
    ('validation_auc', 'AUC on validation',
     lambda row: row['validation_raw']['auc']),
    ('validation_within_auc', 'AUC within MoM on validation',
     lambda row: row['validation_raw']['within_auc']),
    ('validation_calibrated_snr', 'SNR on validation, calibrated there',
     lambda row: row['validation_calibrated']['median_snr_db']),
    ('last', 'the last checkpoint', lambda row: float(row['step'])),
)


def make_config(fast: bool = False, **overrides) -> demo_lib.DemoConfig:
  """The `demo_lib.DemoConfig` of the benchmark (demo or --fast budgets)."""
  if fast:
    return demo_lib.fast_config(**dict(FAST_OVERRIDES, **overrides))
  return demo_lib.DemoConfig(**dict(BENCHMARK_OVERRIDES, **overrides))


def _metrics(summary: Mapping[str, Any]) -> Dict[str, Any]:
  return {key: summary.get(key) for key in METRICS}


def evaluate_checkpoint(demo: demo_lib.Demo, prefix: str) -> Dict[str, Any]:
  """A trajectory row: one checkpoint on validation and test.

  Returns:
    {'step', 'checkpoint', 'validation_raw' (theta 0),
    'validation_calibrated', 'test_calibrated', 'test_raw', 'seconds'},
    each operating point with the keys of METRICS.
  """
  start = time.monotonic()
  model, prefix, _ = demo.restore_audioscope(prefix)
  gin.clear_config()
  model_fn = evaluate_lib.as_model_fn(model)
  validation = evaluate_lib.predict(model_fn, demo.mom_dataset('validation'))
  test = evaluate_lib.predict(model_fn, demo.mom_dataset('test'))
  validation_on, validation_off = validation.split_by_label()
  test_on, test_off = test.split_by_label()
  theta = calibration.calibrate_offset(
      validation_off.logits, validation_off.sources, validation_off.mixtures,
      demo.config.target_osr_db)
  row = {'step': int(prefix.rsplit('-', 1)[-1]), 'checkpoint': prefix}
  for name, (on, off, at) in {
      'validation_raw': (validation_on, validation_off, 0.0),
      'validation_calibrated': (validation_on, validation_off, theta),
      'test_raw': (test_on, test_off, 0.0),
      'test_calibrated': (test_on, test_off, theta),
  }.items():
    row[name] = _metrics(evaluate_lib.evaluate_predictions(on, off, at)[0])
  row['seconds'] = time.monotonic() - start
  tf.keras.backend.clear_session()
  return row


def run_seed(output_dir: str, seed: int, config: demo_lib.DemoConfig,
             shared_dir: str, checkpoint_every: int) -> List[Dict[str, Any]]:
  """Trains (or resumes) one seed and evaluates its new checkpoints.

  Returns:
    The seed's trajectory rows, sorted by step.
  """
  seed_dir = os.path.join(output_dir, f'seed_{seed}')
  demo = demo_lib.Demo(seed_dir, dataclasses.replace(config, seed=seed),
                       shared_dir=shared_dir)
  # The shared stages are done (run_benchmark ran them): this only loads
  # their artefacts into the demo.
  demo.run(last_stage=demo_lib.SHARED_STAGES[-1])
  start = time.monotonic()
  demo.train_audioscope(checkpoint_every=checkpoint_every)
  logging.info('Seed %d: training took %.1f s this run.', seed,
               time.monotonic() - start)
  path = os.path.join(seed_dir, TRAJECTORY_FILE)
  rows = json_io.read_json(path) if os.path.exists(path) else []
  done = {row['step'] for row in rows}
  state = tf.train.get_checkpoint_state(demo.dirs['audioscope'])
  prefixes = [p for p in state.all_model_checkpoint_paths
              if int(p.rsplit('-', 1)[-1]) not in done]
  for index, prefix in enumerate(prefixes):
    row = evaluate_checkpoint(demo, prefix)
    rows.append(row)
    rows.sort(key=lambda r: r['step'])
    json_io.write_json(path, rows)
    test = row['test_calibrated']
    logging.info(
        'Seed %d, checkpoint %d/%d (step %d, %.0f s): validation min(SNR, '
        'OSR) %s, test calibrated SNR %s dB, AUC %s, within MoM %s.', seed,
        index + 1, len(prefixes), row['step'], row['seconds'],
        _format(_validation_min_snr_osr(row)),
        _format(test['median_snr_db']), _format(test['auc'], 3),
        _format(test['within_auc'], 3))
  return rows


def _finite(value) -> bool:
  return value is not None and math.isfinite(value)


def select(rows: Sequence[Mapping[str, Any]], score: Callable[[Any], Any],
           within: int) -> Optional[Mapping[str, Any]]:
  """The row up to step `within` with the largest finite score (earliest).

  None when no such row has a finite score.
  """
  best, best_score = None, None
  for row in sorted(rows, key=lambda r: r['step']):
    value = score(row)
    if row['step'] > within or not _finite(value):
      continue
    if best_score is None or value > best_score:
      best, best_score = row, value
  return best


def spearman(xs: Sequence[Any], ys: Sequence[Any]) -> Optional[float]:
  """Spearman's rho over the pairs where both are finite (None: < 3)."""
  pairs = [(x, y) for x, y in zip(xs, ys) if _finite(x) and _finite(y)]
  if len(pairs) < 3:
    return None
  x, y = np.array(pairs, np.float64).T
  if np.ptp(x) == 0 or np.ptp(y) == 0:
    return None
  return float(stats.spearmanr(x, y).correlation)


def analyse(rows: Sequence[Mapping[str, Any]],
            budgets: Sequence[int]) -> Dict[str, Any]:
  """Selections per rule and budget, and correlations over one seed's rows."""
  selections = {}
  for name, _, score in RULES:
    selections[name] = {}
    for within in budgets:
      row = select(rows, score, within)
      selections[name][str(within)] = None if row is None else {
          'step': row['step'], 'score': score(row),
          'test_calibrated': row['test_calibrated']}
  test = [row['test_calibrated'] for row in rows]
  snr = [t['median_snr_db'] for t in test]
  auc = [t['auc'] for t in test]
  correlations = {
      'test_snr_vs_test_auc': spearman(snr, auc),
      'test_snr_vs_theta': spearman(snr, [t['theta'] for t in test]),
  }
  for name, _, score in RULES:
    if name != 'last':
      correlations[f'{name}_vs_test_auc'] = spearman(
          [score(row) for row in rows], auc)
  return {'selections': selections, 'correlations': correlations}


# ------------------------------- Reports ------------------------------------


def _format(value: Optional[float], digits: int = 2) -> str:
  return evaluate_lib.format_value(value, digits)


def markdown_report(report: Mapping[str, Any]) -> str:
  """checkpoint_selection.md: trajectories, selections, correlations."""
  budget = report['budget']
  seeds = report['seeds']
  lines = [
      '# Checkpoint trajectories of the AudioScopeV2 stage', '',
      f'{budget["audioscope_steps"]} steps per seed, a checkpoint every '
      f'{budget["checkpoint_every"]}; validation at theta 0 (what early '
      'stopping sees) and test calibrated to '
      f'{budget["target_osr_db"]:g} dB median OSR on the validation '
      'off-screen MoMs. On-part / off-part supp.: how much the on-screen '
      'estimate of an on-screen test MoM suppresses the sources MixIT '
      'assigns to x_on / to x - x_on.' +
      (' **--fast smoke budgets: the numbers only show that everything '
       'runs.**' if budget['fast'] else ''), '']
  for seed in seeds:
    lines += [f'## Seed {seed}', '']
    rows = []
    for row in report['trajectories'][str(seed)]:
      raw, test = row['validation_raw'], row['test_calibrated']
      rows.append([str(row['step']), _format(raw['median_snr_db']),
                   _format(raw['median_osr_db']), _format(raw['auc'], 3),
                   _format(test['theta'], 3), _format(test['median_snr_db']),
                   _format(test['median_osr_db']), _format(test['auc'], 3),
                   _format(test['within_auc'], 3),
                   _format(test['median_on_screen_part_suppression_db']),
                   _format(test['median_off_screen_part_suppression_db'])])
    lines += benchmark_utils.markdown_table(
        ['Step', 'Val. SNR', 'Val. OSR', 'Val. AUC', 'theta', 'Test SNR',
         'Test OSR', 'Test AUC', 'Within MoM', 'On-part supp.',
         'Off-part supp.'], rows)
    lines.append('')
  lines += ['## Selections', '',
            'The checkpoint each rule picks within each budget, and its test '
            'metrics (calibrated): step: AUC / SNR (dB).', '']
  header = ['Rule']
  for within in budget['select_within']:
    header += [f'seed {seed}, <= {within}' for seed in seeds]
  rows = []
  for name, description, _ in RULES:
    cells = [f'{name}: {description}']
    for within in budget['select_within']:
      for seed in seeds:
        pick = report['analysis'][str(seed)]['selections'][name][str(within)]
        cells.append('-' if pick is None else
                     f'{pick["step"]}: '
                     f'{_format(pick["test_calibrated"]["auc"], 3)} / '
                     f'{_format(pick["test_calibrated"]["median_snr_db"])}')
    rows.append(cells)
  lines += benchmark_utils.markdown_table(header, rows)
  lines += ['', '## Spearman correlations over the checkpoints of a seed', '']
  names = list(report['analysis'][str(seeds[0])]['correlations'])
  lines += benchmark_utils.markdown_table(
      ['Pair'] + [f'seed {seed}' for seed in seeds],
      [[name] + [_format(report['analysis'][str(seed)]['correlations'][name])
                 for seed in seeds] for name in names])
  machine = report['machine']
  lines += [
      '', '## Budget and machine', '',
      f'* clips: {budget["num_train"]} train, {budget["num_validation"]} '
      f'validation, {budget["num_test"]} test; batch {budget["batch_size"]}; '
      f'alignment {budget["alignment"]}; this run took '
      f'{budget["minutes_this_run"]:.1f} minutes',
      f'* {machine["cpu_count"]} CPUs, {machine["platform"]}, TensorFlow '
      f'{machine.get("tensorflow")}; 1-minute load average at the start '
      f'{report["machine_at_start"]["load_average"][0]:.2f}, at the end '
      f'{machine["load_average"][0]:.2f}', '']
  return '\n'.join(lines)


def run_benchmark(output_dir: str, seeds: Sequence[int] = (0, 1),
                  checkpoint_every: Optional[int] = None,
                  select_within: Optional[Sequence[int]] = None,
                  fast: bool = False, **overrides) -> Dict[str, Any]:
  """Runs (or resumes) the benchmark; writes its JSON and Markdown.

  Args:
    output_dir: the benchmark's folder (created).
    seeds: AudioScopeV2 training seeds.
    checkpoint_every: steps between kept checkpoints (None: the default of
      the mode).
    select_within: budgets of the selections (None: 600 and the steps).
    fast: the demo's --fast smoke budgets.
    **overrides: `demo_lib.DemoConfig` fields (budgets, data seed).

  Returns:
    The report written to checkpoint_selection.json.

  Raises:
    ValueError: no seeds, or a checkpoint interval or budget below 1.
  """
  seeds = list(dict.fromkeys(int(s) for s in seeds))
  if not seeds:
    raise ValueError('Pass at least one seed (--seeds).')
  config = make_config(fast, **overrides)
  config.validate()
  if checkpoint_every is None:
    checkpoint_every = (FAST_CHECKPOINT_EVERY if fast else
                        DEFAULT_CHECKPOINT_EVERY)
  if checkpoint_every < 1:
    raise ValueError(f'checkpoint_every must be >= 1, got {checkpoint_every}.')
  steps = config.audioscope_steps
  if select_within is None:
    select_within = sorted({min(600, steps), steps})
  select_within = sorted({int(w) for w in select_within})
  if select_within[0] < 1:
    raise ValueError(f'select_within must be steps >= 1, got {select_within}.')
  start = time.monotonic()
  machine_at_start = benchmark_utils.machine_info()
  output_dir = os.path.abspath(output_dir)
  os.makedirs(output_dir, exist_ok=True)
  shared_dir = os.path.join(output_dir, SHARED_DIR)
  demo_lib.banner('Shared stages: data, separator, coincidence')
  demo_lib.Demo(shared_dir, config).run(
      last_stage=demo_lib.SHARED_STAGES[-1])
  trajectories, analysis = {}, {}
  for index, seed in enumerate(seeds):
    demo_lib.banner(f'Seed {seed} ({index + 1}/{len(seeds)})')
    rows = run_seed(output_dir, seed, config, shared_dir, checkpoint_every)
    rows = [row for row in rows if row['step'] <= steps]
    trajectories[str(seed)] = rows
    analysis[str(seed)] = analyse(rows, select_within)
  budget = dataclasses.asdict(config)
  budget['gin_params'] = list(budget['gin_params'])
  budget['selection_metrics'] = list(budget['selection_metrics'])
  budget.update(checkpoint_every=checkpoint_every,
                select_within=select_within,
                minutes_this_run=(time.monotonic() - start) / 60)
  report = {
      'seeds': seeds,
      'rules': {name: description for name, description, _ in RULES},
      'trajectories': trajectories,
      'analysis': analysis,
      'budget': budget,
      'machine': machine_at_start,
  }
  report = json_io.read_json(benchmark_utils.write_json(
      os.path.join(output_dir, JSON_FILE), report, note=None))
  json_io.write_text(os.path.join(output_dir, MARKDOWN_FILE),
                     markdown_report(report))
  logging.info('Wrote %s and %s.', os.path.join(output_dir, JSON_FILE),
               os.path.join(output_dir, MARKDOWN_FILE))
  return report


def define_flags() -> Dict[str, flags.FlagHolder]:
  """Defines the binary's flags (not at import: tests import this module).

  Returns:
    {name: flag holder}; the budget flags under 'budget'.
  """
  holders = {
      'output_dir': flags.DEFINE_string(
          'output_dir', None, 'Folder of every artefact; an earlier run '
          'there is resumed.'),
      'seeds': flags.DEFINE_list(
          'seeds', ['0', '1'], 'AudioScopeV2 training seeds (initialisation '
          'and batch order); the shared stages use --seed.'),
      'seed': flags.DEFINE_integer(
          'seed', 0, 'Seed of the data set and the shared stages.'),
      'checkpoint_every': flags.DEFINE_integer(
          'checkpoint_every', None, 'Steps between kept checkpoints '
          f'(default {DEFAULT_CHECKPOINT_EVERY}; --fast '
          f'{FAST_CHECKPOINT_EVERY}).'),
      'select_within': flags.DEFINE_list(
          'select_within', None, 'Budgets (steps) within which the rules '
          "select; default: 600 (the demo's) and --audioscope_steps."),
      'fast': flags.DEFINE_bool(
          'fast', False, 'Smoke run: the demo --fast budgets (tiny shapes, a '
          'few steps).'),
      'target_osr_db': flags.DEFINE_float(
          'target_osr_db', None, 'Calibration target (median validation '
          'OSR).'),
  }
  holders['budget'] = demo_flags.define_budget_flags(
      audioscope_steps_help='AudioScopeV2 training steps per seed.')
  flags.adopt_module_key_flags(demo_flags)
  return holders


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not holders['output_dir'].value:
    raise app.UsageError('Pass --output_dir.')
  try:
    seeds = [int(s) for s in holders['seeds'].value]
    select_within = (None if holders['select_within'].value is None else
                     [int(s) for s in holders['select_within'].value])
  except ValueError as e:
    raise app.UsageError(f'--seeds and --select_within take integers: {e}')
  overrides = demo_flags.budget_overrides(
      {**holders['budget'], 'target_osr_db': holders['target_osr_db']})
  output_dir = holders['output_dir'].value
  run_benchmark(output_dir, seeds,
                checkpoint_every=holders['checkpoint_every'].value,
                select_within=select_within, fast=holders['fast'].value,
                seed=holders['seed'].value, **overrides)
  with open(os.path.join(output_dir, MARKDOWN_FILE)) as f:
    print(f.read(), flush=True)


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
