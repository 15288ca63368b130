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
"""Smoke test of benchmarks/quality.py in its --fast mode.

The script runs in a subprocess (its absl flags would clash with those of
other binaries imported by the test suite), with all five alignment
modules, one or two steps per stage and two AudioScopeV2 training seeds
(measured: 146 s of wall time on 2 cores, session 23). Each module trains,
is calibrated and reports finite numbers; the attention modules are
compared with `audioscope_v1` seed by seed.
"""

import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import tensorflow as tf

from audioscope.evaluation import evaluate_lib

_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                       os.pardir, 'benchmarks', 'quality.py')
# Every alignment module of the benchmark (`quality.ALIGNMENTS`), as the
# issue's CI check asks; audioscope_v1 first, the reference of the
# comparison.
_MODULES = ('audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma',
            'separable_cma')
_AUDIOSCOPE_STEPS = 2
_SEEDS = (0, 1)
# Calibrated metrics summarised over the seeds, by their column titles.
_SEED_COLUMNS = {'SNR (dB)': 'median_snr_db', 'AUC': 'auc',
                 'AUC within MoM': 'within_auc', 'OSR (dB)': 'median_osr_db'}
# quality.md column titles -> keys of a row in quality.json.
_COLUMNS = {'theta': 'theta', 'SNR (dB)': 'median_snr_db',
            'SI-SNR (dB)': 'median_si_snr_db', 'OSR (dB)': 'median_osr_db',
            'AUC': 'auc', 'AUC within MoM': 'within_auc',
            'MixIT* (dB)': 'median_mixit_oracle_si_snr_db',
            'On-part supp. (dB)': 'median_on_screen_part_suppression_db',
            'Off-part supp. (dB)': 'median_off_screen_part_suppression_db'}
_PROBES = {'True': 'true_video', 'Blank': 'blank_video',
           'Replaced': 'replaced_video'}


def _tables(markdown):
  """{section title: [header cells, row cells...]} of quality.md's tables."""
  tables, section = {}, None
  for line in markdown.splitlines():
    if line.startswith('## '):
      section = line[3:]
    elif line.startswith('|') and not line.startswith('|---'):
      cells = [cell.strip() for cell in line.strip('|').split('|')]
      tables.setdefault(section, []).append(cells)
  return tables


class QualityBenchmarkTest(tf.test.TestCase):

  def _assert_finite(self, value, name):
    self.assertIsNotNone(value, name)
    self.assertTrue(math.isfinite(value), f'{name} = {value}')

  def _assert_table(self, table, rows_json):
    """Every cell of `table` is the formatted value of `rows_json`."""
    header = table[0]
    self.assertCountEqual([row[0] for row in table[1:]], rows_json)
    for row in table[1:]:
      for title, cell in zip(header[1:], row[1:]):
        digits = 3 if title == 'theta' else 2
        self.assertEqual(
            cell, evaluate_lib.format_value(
                rows_json[row[0]][_COLUMNS[title]], digits),
            f'{row[0]}, {title}')

  def test_fast_mode_trains_calibrates_and_reports(self):
    output_dir = self.create_tempdir().full_path
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
    command = [
        sys.executable, _SCRIPT, f'--output_dir={output_dir}', '--fast',
        f'--modules={",".join(_MODULES)}', '--separator_steps=1',
        '--coincidence_steps=1', f'--audioscope_steps={_AUDIOSCOPE_STEPS}',
        f'--audioscope_seeds={",".join(map(str, _SEEDS))}'
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stderr[-6000:])

    with open(os.path.join(output_dir, 'quality.json')) as f:
      report = json.load(f)
    with open(os.path.join(output_dir, 'quality.md')) as f:
      markdown = f.read()
    self.assertEqual(report['modules'], list(_MODULES))
    self.assertEqual(report['audioscope_seeds'], list(_SEEDS))
    self.assertIn('# AudioScopeV2 alignment modules', result.stdout)

    # Every module trained once per seed (finite losses, its checkpoint at
    # the budget; the first seed in <module>/, the others in
    # <module>_seed<seed>/), calibrated on validation and reports finite
    # numbers.
    target = report['budget']['target_osr_db']
    runs = {}  # Row title -> record.
    for module in _MODULES:
      self.assertEqual(report['results'][module],
                    report['seed_results'][module][str(_SEEDS[0])])
      for seed in _SEEDS:
        runs[f'{module}, seed {seed}'] = report['seed_results'][module][
            str(seed)]
    for label, record in runs.items():
      module, seed = record['module'], record['audioscope_seed']
      self.assertEqual(label, f'{module}, seed {seed}')
      folder = module if seed == _SEEDS[0] else f'{module}_seed{seed}'
      checkpoint = tf.train.latest_checkpoint(
          os.path.join(output_dir, folder, 'audioscope'))
      self.assertEndsWith(checkpoint, f'ckpt-{_AUDIOSCOPE_STEPS}')
      for name, value in record['losses'].items():
        self._assert_finite(value, f'{module} loss {name}')
      self._assert_finite(record['calibration']['theta'], module)
      self.assertAllClose(record['calibration']['median_osr_db'], target,
                          atol=1.0)
      for key in ('theta', 'median_snr_db', 'median_osr_db', 'auc'):
        self._assert_finite(record['calibrated'][key], f'{module} {key}')
      for condition in _PROBES.values():
        values = record['probe_negatives']['conditions'][condition]
        for key in ('median_snr_db', 'median_osr_db'):
          self._assert_finite(values[key], f'{module} {condition} {key}')
      for stage in ('audioscope', 'evaluation'):
        self.assertGreater(record['seconds'][stage], 0.0)
    # The two references (the untrained synchrony detector, the coincidence
    # model) ran on the shared separator's checkpoint (the coincidence model
    # on the shared coincidence checkpoint) and were calibrated like the
    # modules.
    references = {'Synchrony detector (untrained)':
                      report['synchrony_baseline'],
                  'Coincidence model (no on-screen training)':
                      report['coincidence_baseline']}
    self.assertEndsWith(
        report['coincidence_baseline']['coincidence_checkpoint'],
        f'ckpt-{report["budget"]["coincidence_steps"]}')
    for label, reference in references.items():
      self.assertEndsWith(reference['separator_checkpoint'], 'ckpt-1')
      self.assertAllClose(reference['calibration']['median_osr_db'], target,
                          atol=1.0)
      for key in ('theta', 'median_snr_db', 'median_osr_db', 'auc'):
        self._assert_finite(reference['calibrated'][key], f'{label} {key}')
    for name in ('x', 'x/2'):
      for key in ('median_snr_db', 'median_osr_db'):
        self._assert_finite(report['baselines'][name][key], f'{name} {key}')
    self.assertCountEqual(report['budget']['shared_seconds'],
                          ('data', 'separator', 'coincidence'))
    self.assertEqual(report['machine']['cpu_count'], os.cpu_count())
    self.assertLen(report['machine']['load_average_at_start'], 3)

    # quality.md shows the numbers of quality.json.
    tables = _tables(markdown)
    calibrated = tables[f'Calibrated to {target:g} dB OSR on validation']
    baselines = {'No processing (x_on = x, 0 dB OSR)': report['baselines']['x'],
                 'No processing (x_on = x/2, 6 dB OSR)':
                     report['baselines']['x/2']}
    self._assert_table(calibrated, dict(
        baselines, **{label: record['calibrated']
                      for label, record in runs.items()},
        **{label: reference['calibrated']
           for label, reference in references.items()}))
    self._assert_table(tables['Uncalibrated (theta = 0)'],
                       {label: record['uncalibrated']
                        for label, record in runs.items()})
    probes = tables[
        'Negative probes (on-screen-only test clips, calibrated theta)']
    header = probes[0]
    records = dict(runs, **references)
    self.assertCountEqual([row[0] for row in probes[1:]], records)
    for row in probes[1:]:
      record = records[row[0]]['probe_negatives']
      self.assertEqual(row[1], evaluate_lib.format_value(record['theta'], 3))
      for title, cell in zip(header[2:], row[2:]):
        condition, metric = re.fullmatch(r'(\w+) (SNR|OSR) \(dB\)',
                                         title).groups()
        value = record['conditions'][_PROBES[condition]][
            f'median_{metric.lower()}_db']
        self.assertEqual(cell, evaluate_lib.format_value(value), title)
    minutes = {row[0]: row[1] for row in tables['Budget'][1:]}
    for label, record in runs.items():
      self.assertEqual(minutes[f'{label}: audioscope'],
                       f'{record["seconds"]["audioscope"] / 60:.2f}')

    # The seeds took effect: the same module's runs trained differently.
    for module in _MODULES:
      losses = [report['seed_results'][module][str(seed)]['losses']
                for seed in _SEEDS]
      self.assertNotEqual(losses[0], losses[1])
    # Across the seeds: mean, min and max of each module's records, in
    # quality.json and in quality.md's table.
    seed_table = tables[f'Across AudioScopeV2 training seeds '
                        f'({", ".join(map(str, _SEEDS))})']
    self.assertEqual([row[0] for row in seed_table[1:]], list(_MODULES))
    for row in seed_table[1:]:
      module = row[0]
      records = [report['seed_results'][module][str(seed)]
                 for seed in _SEEDS]
      expected = {name: [r['calibrated'][name] for r in records]
                  for name in _SEED_COLUMNS.values()}
      for condition in ('blank_video', 'replaced_video'):
        expected[f'{condition}_osr_margin_db'] = [
            r['probe_negatives']['conditions'][condition]['median_osr_db'] -
            r['probe_negatives']['conditions']['true_video']['median_osr_db']
            for r in records]
      summary = report['across_seeds'][module]
      self.assertCountEqual(summary, expected)
      for name, values in expected.items():
        self.assertAllClose(summary[name]['values'], values)
        self.assertAllClose(summary[name]['mean'], np.mean(values))
        self.assertAllClose(summary[name]['min'], np.min(values))
        self.assertAllClose(summary[name]['max'], np.max(values))
      cells = dict(zip(seed_table[0], row))
      self.assertEqual(cells['seeds'], str(len(_SEEDS)))
      titles = dict(_SEED_COLUMNS, **{
          'blank - true OSR (dB)': 'blank_video_osr_margin_db',
          'replaced - true OSR (dB)': 'replaced_video_osr_margin_db'})
      for title, name in titles.items():
        fmt = evaluate_lib.format_value
        self.assertEqual(
            cells[title],
            f'{fmt(np.mean(expected[name]))} ({fmt(np.min(expected[name]))}, '
            f'{fmt(np.max(expected[name]))})', f'{module}, {title}')

    # The attention module against audioscope_v1, paired by seed: the
    # differences of quality.json's calibrated SNRs, and the table's cells.
    comparison = report['snr_against_reference']
    self.assertEqual(comparison['reference'], 'audioscope_v1')
    self.assertEqual(comparison['seeds'], list(_SEEDS))
    self.assertCountEqual(comparison['candidates'], _MODULES[1:])
    differences = {
        module: [report['seed_results'][module][str(seed)]['calibrated']
                 ['median_snr_db'] -
                 report['seed_results']['audioscope_v1'][str(seed)]
                 ['calibrated']['median_snr_db'] for seed in _SEEDS]
        for module in _MODULES[1:]}
    for module, values in differences.items():
      result = comparison['candidates'][module]
      self.assertAllClose(result['differences'], values)
      self.assertAllClose(result['mean_difference'], np.mean(values))
    best = max(differences, key=lambda m: np.mean(differences[m]))
    self.assertEqual(comparison['best'], best)
    self.assertIn(comparison['verdict'], ('above', 'not above', 'undecided'))
    if np.mean(differences[best]) <= 0:
      self.assertEqual(comparison['verdict'], 'not above')
    table = tables['Attention modules against audioscope_v1 (calibrated SNR, '
                   'paired by seed)']
    self.assertEqual([row[0] for row in table[1:]], list(_MODULES[1:]))
    for row in table[1:]:
      cells = dict(zip(table[0], row))
      self.assertEqual(cells['seeds'], str(len(_SEEDS)))
      self.assertEqual(cells['SNR difference (dB)'],
                       f'{np.mean(differences[row[0]]):+.2f}')
    self.assertIn(f'**Verdict: {comparison["verdict"]}**', markdown)


if __name__ == '__main__':
  tf.test.main()
