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
r"""Table-1-like quality benchmark of the five alignment modules.

  python benchmarks/quality.py --output_dir=/tmp/quality   # 45 minutes to 2 hours, by CPU
  python benchmarks/quality.py --output_dir=/tmp/quality_fast --fast
  python benchmarks/quality.py --output_dir=/tmp/quality \
      --modules=joint_cma,separable_cma --audioscope_seeds=0

Trains the AudioScopeV2 alignment modules (`audioscope_v1`, `joint_sa`,
`separable_sa`, `joint_cma`, `separable_cma`) on the synthetic task of the
end-to-end demo (`audioscope/demo_lib.py`), all from the same data, the
same MixIT-pre-trained separator and the same coincidence-pre-trained
embeddings, with the same step budget and the same AudioScopeV2 training
seeds (three by default, `--audioscope_seeds`: one run is one draw from a
spread as large as the differences between modules); calibrates each run
to a 6 dB median OSR on the validation off-screen MoMs and evaluates it on
the test MoMs (filtered style), next to the two no-processing baselines
(x_on = x and x_on = x/2), with the negative probes (true, blank and
replaced frames of on-screen-only test clips, at the calibrated theta).

Folders under --output_dir:

* `shared/`: the demo's data, separator and coincidence stages, run once
  (`demo_lib.Demo(...).run(last_stage='coincidence')`);
* `<module>/` (the first seed; `<module>_seed<seed>/` for the others): that
  module's AudioScopeV2 training (`audioscope/`) and
  evaluation (`evaluation/`), a `demo_lib.Demo` with
  `shared_dir=<output_dir>/shared`, and `quality_module.json` (its results,
  written last);
* `synchrony_baseline/` and `coincidence_baseline/`: two reference rows of
  classifiers never trained on the on-screen task, on the shared
  separator's sources, evaluated like a module: loudness-brightness
  correlation (`audioscope/evaluation/synchrony_baseline.py`; what
  synchrony alone gives with that separator) and the shared coincidence
  model itself (`audioscope/evaluation/coincidence_baseline.py`; what the
  pre-trained trunks that every module starts from tell);
* `quality.json` and `quality.md`: calibrated SNR (on-screen MoMs), SI-SNR,
  OSR (off-screen MoMs), AUC and MixIT* per module, seed and baseline,
  their mean, min and max over each module's seeds (`across_seeds`), every
  module's calibrated SNR against `audioscope_v1`'s seed by seed
  (`snr_against_reference`: paired t-tests with Holm's procedure, and a
  verdict 'above', 'not above' or 'undecided'; the issue's quality target
  asks for the best attention module above AudioScope*), the
  uncalibrated operating point, the probe SNRs and OSRs, the budget (clips,
  steps, seconds per stage) and the machine (CPU model and vector
  extensions, `os.cpu_count()`, `os.getloadavg()` at the start and at the
  end, TensorFlow version: numbers differ between CPU models).

Every stage resumes as in the demo: a re-run skips the finished shared
stages and modules (those whose `quality_module.json` matches the budgets
and the shared stages), an interrupted training stage resumes from its
checkpoint and a larger --audioscope_steps continues training. When a
shared stage runs again (e.g. a larger --separator_steps), every module is
retrained from scratch on the new checkpoints.

Budgets: the demo's (`demo_lib.DemoConfig`), each overridable by a flag of
the same name. At the time of writing: 384 / 256 / 256 train / validation /
test clips of 2 s with 64 x 64 frames at 8 FPS, batch 8, 1500 separator,
800 coincidence and 600 AudioScopeV2 steps per module (the last
checkpoint of each; the demo evaluates the one that validated best,
`BENCHMARK_OVERRIDES`), half of the
AudioScopeV2 examples with a labelled primary (`--labelled_weight=0.5`;
0 gives the paper's NOn-only batches), a quarter of each AudioScopeV2 batch
turned into time-shifted-frame negatives (`--shifted_frames_fraction`),
the contrastive coincidence loss with 2 time-shifted negatives per clip
(`--coincidence_loss`, `--coincidence_shifted_negatives`), learning rate
1e-3, embedding trunks fine-tuned, op determinism on
(`gin/demo/synthetic_demo.gin`). Measured on 2 CPU cores, three seeds
(session 22, AMD EPYC with AVX-512, load average 0.9-3.2): shared stages
4.6 minutes, 2.2 to 2.9 minutes per run with its evaluation: 37.8 minutes
for the fifteen runs, about 43 from scratch (session 14, on the same
machine with older code: 82.0 minutes for the runs, 88 from scratch). One seed
(session 9, another machine, load average 0.3-2.8): 6.5 to 7.5 minutes
per module, 35.8 for the five modules and the detector, plus about 9 for
the shared stages; at that speed three seeds take about 115 minutes. (The
joint modules' attention grows as T^2 (M + G)^2 or T^2 M G instead of
T^2 + (M + G)^2, which matters at longer clips.)
--fast uses the demo's smoke budgets and one seed (tiny shapes of
`gin/demo/fast.gin`, 16 / 12 / 12 clips of 1 s, 3 / 2 / 3 steps, batch 2;
graph building dominates): about 2.5 CPU-minutes for the five modules
(measured: 7.2 minutes of wall time on 2 cores under a load average of
8); its numbers only show that everything runs.
"""

import dataclasses
import json
import os
import shutil
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from audioscope import demo_lib
from audioscope import json_io
from audioscope import machine as machine_lib
from audioscope.bin import demo_flags
from audioscope.evaluation import coincidence_baseline
from audioscope.evaluation import evaluate_lib
from audioscope.evaluation import probing
from audioscope.evaluation import synchrony_baseline

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

ALIGNMENTS = demo_lib.ALIGNMENTS
SHARED_DIR = 'shared'
MODULE_FILE = 'quality_module.json'
SHARED_FILE = 'quality_shared.json'
JSON_FILE = 'quality.json'
MARKDOWN_FILE = 'quality.md'
# Probe conditions of `probing.CONDITIONS`, with their Markdown titles.
PROBES = (('true_video', 'True'), ('blank_video', 'Blank'),
          ('replaced_video', 'Replaced'))
# Columns of the results tables: those of the evaluation's report.
COLUMNS = evaluate_lib.COLUMNS
BASELINE_LABELS = {'x': 'No processing (x_on = x, 0 dB OSR)',
                   'x/2': 'No processing (x_on = x/2, 6 dB OSR)'}
SYNCHRONY_DIR = 'synchrony_baseline'
SYNCHRONY_LABEL = 'Synchrony detector (untrained)'
COINCIDENCE_DIR = 'coincidence_baseline'
COINCIDENCE_LABEL = 'Coincidence model (no on-screen training)'
# The reference rows, classifiers without on-screen training, each on the
# shared separator's sources: (folder and report key, row title, what it
# is). Reports written before a reference existed lack its key.
REFERENCES = (
    (SYNCHRONY_DIR, SYNCHRONY_LABEL,
     'no learning; for each source of the shared MixIT-pre-trained '
     'separator, the largest correlation over time between its loudness and '
     'the brightness of one cell of a 4 x 4 grid '
     '(`audioscope/evaluation/synchrony_baseline.py`): what detecting '
     'synchrony alone gives with that separator.'),
    (COINCIDENCE_DIR, COINCIDENCE_LABEL,
     'the shared coincidence stage\'s model (the trunks every module starts '
     'from, and its own fusion head) scoring each source of the shared '
     'separator against the clip\'s frames '
     '(`audioscope/evaluation/coincidence_baseline.py`): what the '
     'pre-trained trunks tell about which sound the video shows, before any '
     'on-screen training.'),
)
# AudioScopeV2 training seeds of the full mode: one run of a module is one
# draw from a spread larger than the differences between modules
# (docs/findings.md, "Run-to-run noise"), so each is trained three times
# (seeds --seed, --seed + 1, --seed + 2).
NUM_FULL_SEEDS = 3
# Calibrated metrics summarised over the seeds, with their Markdown titles.
SEED_METRICS = (('median_snr_db', 'SNR (dB)'), ('auc', 'AUC'),
                ('within_auc', 'AUC within MoM'),
                ('median_osr_db', 'OSR (dB)'))
SEED_MARGINS = (('blank_video', 'blank - true OSR (dB)'),
                ('replaced_video', 'replaced - true OSR (dB)'))
# The quality target: the best attention module above AudioScope* in
# calibrated SNR, judged on the per-seed differences
# (`benchmark_utils.paired_seed_comparison`).
REFERENCE_MODULE = 'audioscope_v1'
COMPARISON_METRIC = 'median_snr_db'
COMPARISON_ALPHA = 0.05

_OUTPUT_DIR = flags.DEFINE_string(
    'output_dir', None, 'Folder of every artefact; an earlier run there is '
    'resumed.')
_MODULES = flags.DEFINE_list('modules', list(ALIGNMENTS),
                             f'Alignment modules, a subset of {ALIGNMENTS}.')
_FAST = flags.DEFINE_bool(
    'fast', False, 'Smoke run: the demo --fast budgets (tiny shapes, a few '
    'steps per stage).')
_SEED = flags.DEFINE_integer('seed', 0, 'Data set and training seed.')
_AUDIOSCOPE_SEEDS = flags.DEFINE_list(
    'audioscope_seeds', None, 'AudioScopeV2 training seeds: each module is '
    'trained and evaluated once per seed, on the same data and shared stages '
    f'(default: the {NUM_FULL_SEEDS} from --seed on; --fast: --seed only).')
_BUDGET = demo_flags.define_budget_flags(
    audioscope_steps_help='AudioScopeV2 training steps per module.')
_TARGET_OSR_DB = flags.DEFINE_float(
    'target_osr_db', None, 'Calibration target (median validation OSR).')
flags.adopt_module_key_flags(demo_flags)


def _banner(text: str) -> None:
  logging.info('%s', f'#### {text} '.ljust(72, '#'))


def _format(value: Optional[float], digits: int = 2) -> str:
  return evaluate_lib.format_value(value, digits)


# Where the benchmark's budget differs from the demo's: the modules are
# compared at one fixed budget, the last checkpoint of 600 steps (the
# demo evaluates the checkpoint that validated best).
BENCHMARK_OVERRIDES = {'audioscope_steps': 600, 'audioscope_steps_per_eval': 0}


def make_config(fast: bool = False, **overrides):
  """The `demo_lib.DemoConfig` of the benchmark (demo or --fast budgets).

  The full mode takes the demo's budgets with `BENCHMARK_OVERRIDES`; the
  fast mode the demo's smoke budgets, without validation.
  """
  if fast:
    return demo_lib.fast_config(
        **dict({'audioscope_steps_per_eval': 0}, **overrides))
  return demo_lib.DemoConfig(**dict(BENCHMARK_OVERRIDES, **overrides))


def _stage_record(stage_dir: str) -> Dict[str, Any]:
  return json_io.read_json(os.path.join(stage_dir, demo_lib.DONE_FILE))


def run_shared(shared_dir: str, config) -> Dict[str, Any]:
  """Runs (or skips) the data, separator and coincidence stages once.

  Returns:
    {stage: {'key', 'seconds'}} of their DONE.json records: the fingerprint
    that each module's results record (a changed one retrains the module).
  """
  _banner('Shared stages: data, separator, coincidence')
  load_at_start = list(os.getloadavg())
  demo = demo_lib.Demo(shared_dir, config)
  summary = demo.run(last_stage=demo_lib.SHARED_STAGES[-1])
  fingerprint = {}
  for stage in demo_lib.SHARED_STAGES:
    record = _stage_record(demo.dirs[stage])
    fingerprint[stage] = {'key': record.get('key'),
                          'seconds': record['seconds']}
  if not all(summary['stages'][stage].get('skipped')
             for stage in demo_lib.SHARED_STAGES):
    json_io.write_json(os.path.join(shared_dir, SHARED_FILE),
                       {'load_average_at_start': load_at_start,
                        'load_average_at_end': list(os.getloadavg())})
  return fingerprint


def _module_key(config, fingerprint) -> Dict[str, Any]:
  """What a module's results depend on besides its name (JSON values)."""
  config_items = {k: v for k, v in dataclasses.asdict(config).items()
                  if k not in ('alignment', 'demo_clips', 'num_workers')}
  if config_items.get('audioscope_seed') is None:
    config_items.pop('audioscope_seed', None)  # As in runs before seeds.
  key = {'shared': fingerprint, 'config': config_items}
  return json.loads(json.dumps(key))


def module_folder(module: str, seed: int, config) -> str:
  """`<module>` at the data seed (a one-seed run's layout), else
  `<module>_seed<seed>`."""
  return module if seed == config.seed else f'{module}_seed{seed}'


def module_label(module: str, seed: int, seeds: Sequence[int]) -> str:
  """A module's row title: its name, with the seed when there are several."""
  return module if len(seeds) == 1 else f'{module}, seed {seed}'


def _margin_name(condition: str) -> str:
  """`summarize_seeds`' name of a probe condition's OSR margin."""
  return f'{condition}_osr_margin_db'


def summarize_seeds(records: Sequence[Mapping[str, Any]]
                    ) -> Dict[str, Dict[str, Any]]:
  """Mean, min and max over one module's seeds of its calibrated metrics.

  Args:
    records: the module's records (`run_module`), one per seed.

  Returns:
    {name: {'values', 'mean', 'min', 'max'}} for the `SEED_METRICS` of the
    calibrated rows and the probes' OSR margins over the true video
    (`probing.osr_margins_db`, named '<condition>_osr_margin_db'); missing
    values (every clip silent) are left out, and a name without any value
    has None for mean, min and max.
  """
  columns = {name: [record['calibrated'].get(name) for record in records]
             for name, _ in SEED_METRICS}
  margins = [probing.osr_margins_db(record['probe_negatives'])
             for record in records]
  for condition, _ in SEED_MARGINS:
    columns[_margin_name(condition)] = [m[condition] for m in margins]
  summary = {}
  for name, values in columns.items():
    present = [float(v) for v in values if v is not None]
    summary[name] = {
        'values': values,
        'mean': float(np.mean(present)) if present else None,
        'min': min(present) if present else None,
        'max': max(present) if present else None}
  return summary


def compare_with_reference(modules: Sequence[str], seeds: Sequence[int],
                           across_seeds: Mapping[str, Any]
                           ) -> Optional[Dict[str, Any]]:
  """The attention modules' calibrated SNR against AudioScope*'s, by seed.

  Args:
    modules: the benchmark's modules.
    seeds: their AudioScopeV2 training seeds (the pairs).
    across_seeds: {module: `summarize_seeds`}.

  Returns:
    `benchmark_utils.paired_seed_comparison` of `COMPARISON_METRIC`, every
    other module against `REFERENCE_MODULE`, with 'metric', 'reference' and
    'seeds' added; None unless the modules hold the reference and another.
  """
  candidates = [module for module in modules if module != REFERENCE_MODULE]
  if REFERENCE_MODULE not in modules or not candidates:
    return None
  comparison = benchmark_utils.paired_seed_comparison(
      across_seeds[REFERENCE_MODULE][COMPARISON_METRIC]['values'],
      {module: across_seeds[module][COMPARISON_METRIC]['values']
       for module in candidates}, alpha=COMPARISON_ALPHA)
  return dict(comparison, metric=COMPARISON_METRIC,
              reference=REFERENCE_MODULE, seeds=list(seeds))


def _signed(value: Optional[float]) -> str:
  return evaluate_lib.MISSING if value is None else f'{value:+.2f}'


def comparison_lines(comparison: Mapping[str, Any]) -> List[str]:
  """quality.md's section on `compare_with_reference`'s result."""
  candidates = comparison['candidates']
  reference = comparison['reference']
  alpha = comparison['alpha']
  confidence = f'{100 * (1 - alpha):g}%'
  lines = [
      '', f'## Attention modules against {reference} (calibrated SNR, '
      'paired by seed)', '',
      f'Per seed, a module\'s calibrated SNR minus {reference}\'s (the same '
      'data, shared stages and seed). One-sided paired t-test of "above"; '
      f'Holm\'s procedure over the {len(candidates)} '
      f'module{"s" if len(candidates) > 1 else ""} holds the '
      f'chance of any false "above" at {alpha:g}, which covers picking the '
      'best module after the fact. Seeds needed: how many paired seeds a '
      'true difference of this mean and spread needs to be found with '
      f'probability {comparison["power"]:g} (normal approximation, at level '
      f'{alpha:g} / {len(candidates)}).', '']
  header = ['AV alignment', 'seeds', 'SNR difference (dB)',
            f'{confidence} interval (dB)', 'p (one-sided)', 'Holm level',
            'above', 'seeds needed']
  rows = []
  for module, result in candidates.items():
    interval = (evaluate_lib.MISSING if result['ci_low'] is None else
                f'{_signed(result["ci_low"])} to {_signed(result["ci_high"])}')
    rows.append([
        module, str(result['num_seeds']), _signed(result['mean_difference']),
        interval, _format(result['p_value'], 3),
        _format(result['holm_alpha'], 4), 'yes' if result['above'] else 'no',
        evaluate_lib.MISSING if result['seeds_for_power'] is None
        else str(result['seeds_for_power'])])
  lines += benchmark_utils.markdown_table(header, rows)
  best = comparison['best']
  verdict = comparison['verdict']
  if verdict == 'above':
    above = [module for module, result in candidates.items()
             if result['above']]
    text = (f'{", ".join(above)} above {reference} at the {alpha:g} level.')
  elif verdict == 'not above':
    text = f'no module\'s mean SNR is above {reference}\'s.'
  else:
    result = candidates[best]
    text = (f'{best} has the highest mean SNR '
            f'({_signed(result["mean_difference"])} dB against {reference}), '
            'but these seeds cannot tell that from the spread between seeds')
    if result['num_seeds'] < 2:
      text += ' (one paired seed has no spread to judge by: train two or more)'
    elif result['seeds_for_power'] is not None:
      text += (f' (about {result["seeds_for_power"]} paired seeds would be '
               'needed)')
    text += '.'
  lines += ['', f'**Verdict: {verdict}**: {text}']
  return lines


def _row(summary: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
  summary = summary or {}
  row = {key: summary.get(key) for key, _ in COLUMNS}
  row['theta'] = summary.get('theta')
  return row


def _evaluation_record(results: Mapping[str, Any]) -> Dict[str, Any]:
  """Rows, calibration and probes of a `demo_lib.RESULTS_FILE` dict."""
  rows = results['results']
  probes = results['probe_negatives']
  return {
      'calibrated': _row(rows.get(evaluate_lib.ROW_CALIBRATED)),
      'uncalibrated': _row(rows.get(evaluate_lib.ROW_UNCALIBRATED)),
      'calibration': results['calibration'],
      'baselines': {
          'x': _row(rows.get(evaluate_lib.ROW_NO_PROCESSING)),
          'x/2': _row(rows.get(evaluate_lib.ROW_NO_PROCESSING_HALF)),
      },
      'probe_negatives': {
          'theta': probes.get('theta'),
          'num_examples': probes.get('num_examples'),
          'conditions': probes['conditions'],
      },
  }


def _done_record(folder: str, config, fingerprint: Mapping[str, Any]):
  """(record path, key, the record there if done with this key, else None)."""
  record_path = os.path.join(folder, MODULE_FILE)
  key = _module_key(config, fingerprint)
  if os.path.exists(record_path):
    record = json_io.read_json(record_path)
    if record.get('key') == key:
      logging.info('Done, skipped (%s).', record_path)
      return record_path, key, record
  return record_path, key, None


def run_reference(output_dir: str, name: str, config, shared_dir: str,
                  fingerprint: Mapping[str, Any]) -> Dict[str, Any]:
  """Evaluates one of the `REFERENCES` (skipped when done).

  On the sources of the shared MixIT-pre-trained separator, calibrated and
  probed like the modules: 'synchrony_baseline'
  (`synchrony_baseline.SynchronyBaseline`) or 'coincidence_baseline'
  (`coincidence_baseline.CoincidenceBaseline` with the shared coincidence
  stage's model).

  Returns:
    Its record (also `<output_dir>/<name>/quality_module.json`):
    'calibrated' and 'uncalibrated' rows, 'calibration', 'baselines',
    'probe_negatives', 'separator_checkpoint' and 'seconds' (and
    'coincidence_checkpoint' for the coincidence model).
  """
  labels = {folder: label for folder, label, _ in REFERENCES}
  if name not in labels:
    raise ValueError(f'Unknown reference {name!r}; one of {list(labels)}.')
  reference_dir = os.path.join(output_dir, name)
  record_path, key, record = _done_record(reference_dir, config, fingerprint)
  if record is not None:
    return record
  start = time.monotonic()
  demo = demo_lib.Demo(reference_dir, config, shared_dir=shared_dir)
  separator, prefix = demo.restore_separator()
  extra = {}
  if name == SYNCHRONY_DIR:
    model_fn = synchrony_baseline.SynchronyBaseline(separator)
  else:
    coincidence_model, extra['coincidence_checkpoint'] = (
        demo.restore_coincidence())
    model_fn = coincidence_baseline.CoincidenceBaseline(separator,
                                                        coincidence_model)
  evaluation_dir = os.path.join(reference_dir, 'evaluation')
  demo.evaluate_model_fn(model_fn, evaluation_dir)
  tf.keras.backend.clear_session()
  record = dict(
      _evaluation_record(json_io.read_json(
          os.path.join(evaluation_dir, demo_lib.RESULTS_FILE))),
      module=name, key=key, separator_checkpoint=prefix,
      seconds={'evaluation': time.monotonic() - start},
      evaluation_dir=evaluation_dir, **extra)
  json_io.write_json(record_path, record)
  logging.info('%s: calibrated SNR %s dB, AUC %s.', labels[name],
               _format(record['calibrated']['median_snr_db']),
               _format(record['calibrated']['auc']))
  return record


def run_module(output_dir: str, module: str, config, shared_dir: str,
               fingerprint: Mapping[str, Any],
               seed: Optional[int] = None) -> Dict[str, Any]:
  """Trains and evaluates one alignment module (skipped when done).

  Args:
    output_dir: the benchmark's folder.
    module: the alignment module.
    config: the benchmark's `demo_lib.DemoConfig`.
    shared_dir: the shared stages' folder.
    fingerprint: `run_shared`'s.
    seed: the AudioScopeV2 training seed (None: `config.seed`).

  Returns:
    The module's record (also `<output_dir>/<module_folder>/
    quality_module.json`): 'calibrated' and 'uncalibrated' rows,
    'calibration', 'baselines', 'probe_negatives', 'counts', 'seconds' per
    stage and 'audioscope_seed'.
  """
  seed = config.seed if seed is None else seed
  if seed != config.seed:
    config = dataclasses.replace(config, audioscope_seed=seed)
  module_dir = os.path.join(output_dir, module_folder(module, seed, config))
  record_path, key, record = _done_record(module_dir, config, fingerprint)
  if record is not None:
    return record
  if os.path.exists(record_path):
    record = json_io.read_json(record_path)
    os.remove(record_path)
    if record.get('key', {}).get('shared') != fingerprint:
      logging.info('%s: the shared stages ran again since; retraining from '
                   'scratch.', module)
      shutil.rmtree(module_dir)
    else:
      # Other budgets changed: training resumes or is kept as the demo
      # decides; the evaluation runs again.
      done = os.path.join(module_dir, 'evaluation', demo_lib.DONE_FILE)
      if os.path.exists(done):
        os.remove(done)
  start = time.monotonic()
  load_at_start = list(os.getloadavg())
  demo = demo_lib.Demo(module_dir, dataclasses.replace(config,
                                                       alignment=module),
                       shared_dir=shared_dir)
  summary = demo.run(last_stage='evaluation')
  tf.keras.backend.clear_session()
  record = dict(
      _evaluation_record(summary['results']),
      module=module,
      audioscope_seed=seed,
      key=key,
      losses=summary['artefacts'].get('audioscope_losses'),
      counts=json_io.read_json(os.path.join(
          demo.dirs['evaluation'], evaluate_lib.SUMMARY_FILE))['counts'],
      seconds={stage: _stage_record(demo.dirs[stage])['seconds']
               for stage in ('audioscope', 'evaluation')},
      seconds_this_run=time.monotonic() - start,
      load_average_at_start=load_at_start,
      load_average_at_end=list(os.getloadavg()),
      evaluation_dir=demo.dirs['evaluation'])
  json_io.write_json(record_path, record)
  logging.info('%s, seed %d: calibrated SNR %s dB, OSR %s dB, AUC %s (theta '
               '%s).', module, seed,
               _format(record['calibrated']['median_snr_db']),
               _format(record['calibrated']['median_osr_db']),
               _format(record['calibrated']['auc']),
               _format(record['calibrated']['theta'], 3))
  return record


# ------------------------------- Reports ------------------------------------


def _metric_cells(row: Mapping[str, Any]) -> List[str]:
  return ([_format(row.get('theta'), 3)] +
          [_format(row.get(key)) for key, _ in COLUMNS])


def _load_cell(record: Mapping[str, Any]) -> str:
  """'start / end' 1-minute load averages of a record, or '-'."""
  values = [record.get(f'load_average_at_{when}') for when in ('start', 'end')]
  if None in values:
    return evaluate_lib.MISSING
  return ' / '.join(f'{value[0]:.2f}' for value in values)


def _spread_cell(summary: Mapping[str, Any]) -> str:
  """'mean (min, max)' of a `summarize_seeds` entry, or '-'."""
  if summary['mean'] is None:
    return evaluate_lib.MISSING
  return (f'{_format(summary["mean"])} ({_format(summary["min"])}, '
          f'{_format(summary["max"])})')


def markdown_report(report: Mapping[str, Any]) -> str:
  """quality.md: the Table-1-like tables, the probes, budget and machine."""
  budget = report['budget']
  machine = report['machine']
  modules = report['modules']
  seeds = report['audioscope_seeds']
  # (row title, record) of every module and seed.
  runs = [(module_label(module, seed, seeds),
           report['seed_results'][module][str(seed)])
          for module in modules for seed in seeds]
  counts = report['counts']
  target = budget['target_osr_db']
  header = ['AV alignment', 'theta'] + [title for _, title in COLUMNS]
  lines = [
      '# AudioScopeV2 alignment modules on the synthetic task', '',
      f'Test MoMs (filtered style): {counts["num_on_screen"]} on-screen '
      f'({counts["num_on_screen_silent"]} silent skipped) and '
      f'{counts["num_off_screen"]} off-screen '
      f'({counts["num_off_screen_silent"]} silent skipped). Each module is '
      f'calibrated to {target:g} dB median OSR on the validation off-screen '
      'MoMs (theta), then evaluated on the test MoMs: SNR, SI-SNR and MixIT* '
      'medians over the on-screen MoMs, OSR over the off-screen MoMs, '
      'power-weighted AUC-ROC over both.' +
      (' **--fast smoke budgets: the numbers only show that everything '
       'runs.**' if budget['fast'] else ''), '',
      f'## Calibrated to {target:g} dB OSR on validation', '']
  rows = [[BASELINE_LABELS[name]] + _metric_cells(report['baselines'][name])
          for name in ('x', 'x/2')]
  references = [(label, report[name], about)
                for name, label, about in REFERENCES if name in report]
  rows += [[label] + _metric_cells(record['calibrated'])
           for label, record, _ in references]
  rows += [[label] + _metric_cells(record['calibrated'])
           for label, record in runs]
  lines += benchmark_utils.markdown_table(header, rows)
  for label, _, about in references:
    lines += ['', f'{label}: {about}']
  lines += ['', 'The references are calibrated like the modules. The '
            'modules fine-tune the separator jointly, so their MixIT* '
            'differs.']
  if len(seeds) > 1:
    lines += ['', f'## Across AudioScopeV2 training seeds '
              f'({", ".join(map(str, seeds))})', '',
              'Mean (min, max) over the seeds of the calibrated rows above '
              'and of the negative probes\' OSR margins (below): the same '
              'data and shared stages, only the AudioScopeV2 stage\'s '
              'initialisation and batch order differ.', '']
    seed_header = ['AV alignment', 'seeds'] + [
        title for _, title in SEED_METRICS + SEED_MARGINS]
    names = [name for name, _ in SEED_METRICS] + [
        _margin_name(condition) for condition, _ in SEED_MARGINS]
    seed_rows = []
    for module in modules:
      summary = report['across_seeds'][module]
      seed_rows.append([module, str(len(seeds))] +
                       [_spread_cell(summary[name]) for name in names])
    lines += benchmark_utils.markdown_table(seed_header, seed_rows)
  if report.get('snr_against_reference'):
    lines += comparison_lines(report['snr_against_reference'])
  lines += ['', '## Uncalibrated (theta = 0)', '']
  lines += benchmark_utils.markdown_table(
      header, [[label] + _metric_cells(record['uncalibrated'])
               for label, record in runs])
  lines += [
      '', '## Negative probes (on-screen-only test clips, calibrated theta)',
      '', 'SNR(x, x_on) and OSR(x, x_on) medians; ideal: SNR infinite on '
      'true frames, 0 dB on blank and replaced frames, OSR infinite on blank '
      'and replaced frames.', '']
  probe_header = ['AV alignment', 'theta']
  for _, title in PROBES:
    probe_header += [f'{title} SNR (dB)', f'{title} OSR (dB)']
  probe_rows = []
  probe_records = [(label, record) for label, record, _ in references]
  probe_records += runs
  for name, record in probe_records:
    probes = record['probe_negatives']
    cells = [name, _format(probes['theta'], 3)]
    for condition, _ in PROBES:
      values = probes['conditions'][condition]
      cells += [_format(values['median_snr_db']),
                _format(values['median_osr_db'])]
    probe_rows.append(cells)
  lines += benchmark_utils.markdown_table(probe_header, probe_rows)
  lines += [
      '', '## Budget', '',
      f'* clips: {budget["num_train"]} train, {budget["num_validation"]} '
      f'validation, {budget["num_test"]} test; batch {budget["batch_size"]}; '
      f'seed {budget["seed"]}; learning rate {budget["learning_rate"]:g}',
      f'* steps: separator {budget["separator_steps"]}, coincidence '
      f'{budget["coincidence_steps"]}, AudioScopeV2 '
      f'{budget["audioscope_steps"]} per module and seed (seeds '
      f'{", ".join(map(str, seeds))})', '']
  shared_load = _load_cell(budget['shared_load_average'])
  stage_rows = [[f'shared: {stage}', f'{seconds / 60:.2f}', shared_load]
                for stage, seconds in budget['shared_seconds'].items()]
  for label, record in runs:
    for stage, seconds in record['seconds'].items():
      stage_rows.append([f'{label}: {stage}', f'{seconds / 60:.2f}',
                         _load_cell(record)])
  lines += benchmark_utils.markdown_table(
      ['Stage', 'Minutes', '1-min load average (start / end)'], stage_rows)
  lines += [
      '', 'Stage times and load averages are those of the run that did the '
      'stage (the shared stages together, each module\'s two stages '
      f'together); this run took {budget["minutes_this_run"]:.2f} minutes.',
      '', '## Machine', '',
      f'* {machine_lib.describe(machine)}; {machine["platform"]}, '
      f'Python {machine["python"]}',
      '* load average (1, 5, 15 min): '
      f'{", ".join(f"{x:.2f}" for x in machine["load_average_at_start"])} '
      'at the start, '
      f'{", ".join(f"{x:.2f}" for x in machine["load_average_at_end"])} '
      'at the end (above 0: other processes shared the cores)', '']
  return '\n'.join(lines)


def run_benchmark(output_dir: str,
                  modules: Sequence[str] = ALIGNMENTS,
                  fast: bool = False,
                  audioscope_seeds: Optional[Sequence[int]] = None,
                  **overrides) -> Dict[str, Any]:
  """Runs (or resumes) the benchmark; writes quality.json and quality.md.

  Args:
    output_dir: the benchmark's folder (created).
    modules: alignment modules, a subset of ALIGNMENTS.
    fast: the demo's --fast smoke budgets.
    audioscope_seeds: AudioScopeV2 training seeds, each module trained once
      per seed; None: `NUM_FULL_SEEDS` from the config's seed on (--fast:
      that seed only).
    **overrides: `demo_lib.DemoConfig` fields (budgets, seed).

  Returns:
    The report written to quality.json.
  """
  unknown = [m for m in modules if m not in ALIGNMENTS]
  if unknown or not modules:
    raise ValueError(f'modules must be a non-empty subset of {ALIGNMENTS}, '
                     f'got {list(modules)}.')
  modules = list(dict.fromkeys(modules))
  start = time.monotonic()
  load_at_start = list(os.getloadavg())
  output_dir = os.path.abspath(output_dir)
  os.makedirs(output_dir, exist_ok=True)
  config = make_config(fast, **overrides)
  config.validate()
  if audioscope_seeds is None:
    audioscope_seeds = [config.seed + i
                        for i in range(1 if fast else NUM_FULL_SEEDS)]
  seeds = [int(seed) for seed in dict.fromkeys(audioscope_seeds)]
  if not seeds or min(seeds) < 0:
    raise ValueError(f'audioscope_seeds must be non-empty and >= 0, got '
                     f'{list(audioscope_seeds)}.')
  shared_dir = os.path.join(output_dir, SHARED_DIR)
  fingerprint = run_shared(shared_dir, config)
  seed_results = {module: {} for module in modules}
  runs = [(module, seed) for module in modules for seed in seeds]
  for index, (module, seed) in enumerate(runs):
    _banner(f'Module {index + 1}/{len(runs)}: '
            f'{module_label(module, seed, seeds)}')
    seed_results[module][str(seed)] = run_module(
        output_dir, module, config, shared_dir, fingerprint, seed=seed)
  # The first seed's records: the tables of a one-seed run.
  results = {module: seed_results[module][str(seeds[0])]
             for module in modules}
  references = {}
  for name, label, _ in REFERENCES:
    _banner(f'Reference: {label}')
    references[name] = run_reference(output_dir, name, config, shared_dir,
                                     fingerprint)
  first = results[modules[0]]
  shared_record = os.path.join(shared_dir, SHARED_FILE)
  budget = dataclasses.asdict(config)
  budget.pop('alignment')
  budget['gin_params'] = list(budget['gin_params'])
  budget.update(
      shared_seconds={stage: value['seconds']
                      for stage, value in fingerprint.items()},
      shared_load_average=(json_io.read_json(shared_record)
                           if os.path.exists(shared_record) else {}),
      module_seconds={module_label(m, seed, seeds):
                      seed_results[m][str(seed)]['seconds']
                      for m, seed in runs},
      minutes_this_run=(time.monotonic() - start) / 60)
  across_seeds = {module: summarize_seeds(list(seed_results[module].values()))
                  for module in modules}
  report = {
      'modules': modules,
      'baselines': first['baselines'],
      'audioscope_seeds': seeds,
      'results': results,
      'seed_results': seed_results,
      'across_seeds': across_seeds,
      'snr_against_reference': compare_with_reference(modules, seeds,
                                                      across_seeds),
      **references,
      'counts': first['counts'],
      'budget': budget,
      'machine': dict(machine_lib.machine_info(),
                      load_average_at_start=load_at_start,
                      load_average_at_end=list(os.getloadavg())),
  }
  json_io.write_json(os.path.join(output_dir, JSON_FILE), report)
  json_io.write_text(os.path.join(output_dir, MARKDOWN_FILE),
                     markdown_report(report))
  logging.info('Wrote %s and %s.', os.path.join(output_dir, JSON_FILE),
               os.path.join(output_dir, MARKDOWN_FILE))
  return report


def main(argv: Sequence[str]) -> None:
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not _OUTPUT_DIR.value:
    raise app.UsageError('Pass --output_dir.')
  overrides = demo_flags.budget_overrides({**_BUDGET,
                                           'target_osr_db': _TARGET_OSR_DB})
  seeds = None
  if _AUDIOSCOPE_SEEDS.value is not None:
    try:
      seeds = [int(seed) for seed in _AUDIOSCOPE_SEEDS.value]
    except ValueError as error:
      raise app.UsageError('--audioscope_seeds takes integers, e.g. 0,1,2; '
                           f'got {_AUDIOSCOPE_SEEDS.value}.') from error
  report = run_benchmark(_OUTPUT_DIR.value, _MODULES.value, fast=_FAST.value,
                         audioscope_seeds=seeds, seed=_SEED.value, **overrides)
  del report
  with open(os.path.join(_OUTPUT_DIR.value, MARKDOWN_FILE)) as f:
    print(f.read(), flush=True)


if __name__ == '__main__':
  app.run(main)
