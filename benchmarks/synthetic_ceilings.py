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
r"""What the synthetic task allows, before any training; writes JSON.

  python benchmarks/synthetic_ceilings.py --output_dir=/tmp/ceilings  # ~1 min
  python benchmarks/synthetic_ceilings.py --output_dir=/tmp/c --quick  # smoke

Builds the demo's filtered MoMs straight from `synthetic.generate_scene`
(scene options of `gin/demo/synthetic_demo.gin`; on-screen MoMs: an
on-screen-only clip's frames and audio plus an off-screen-only clip's audio;
off-screen MoMs: two off-screen-only clips) and scores PERFECT sources, so
that no separator or training is involved:

* `oracle_*`: an oracle classifier on the clip-level split [audio 1, audio 2]
  (logit +10 for the shown clip's audio of an on-screen MoM, -10 plus
  Gaussian noise of std `spread` for every other source), calibrated to
  6 dB median OSR on the off-screen MoMs like the evaluation. With
  `spread = 0` every off-screen source gets the same probability, so the
  calibration keeps off-screen sounds at half amplitude on the on-screen
  MoMs too, and the median SNR is x/2 + 3 dB (6.02 dB on these 0 dB
  MoMs) however good the classifier: a target of x/2 + 3 dB needs a
  classifier whose confidence varies between examples.
* `synchrony_split` / `synchrony_events`: the untrained loudness-brightness
  detector (`evaluation.synchrony_baseline`) on the clip-level split and on
  the true events (each event its own source): power-weighted AUC, AUC
  within MoM and the calibrated SNR for logit scales 10 and 100. This is
  what synchrony alone tells on clips of this length, with perfect
  separation.
* the negative probes of the evaluation (`evaluation.probing`), on the
  on-screen-only clips of the on-screen MoMs, at the theta calibrated
  above: OSR(x, x_on) with the clip's own frames, blank frames and the
  frames of another on-screen-only clip (a roll by one, as in probing),
  for the oracle (one source, the clip; logit +10 with its own frames,
  -10 plus the same noise as the off-screen sources otherwise) and for the
  detector (sources: the clip itself for the split rows; its events and
  its residual background noise for the event rows). To a classifier of
  synchrony, replaced frames are an off-screen mixture like any other, and
  the calibration holds those at a median OSR of 6 dB: the replaced probe's
  OSR stays near 6 dB and its margin over the true frames near or below
  6 dB, however good the classifier.

Each is computed for every `--clip_seconds` (2 s is the demo's, 5 s the
paper's).
"""

import dataclasses
import json
import os
import time
from typing import Any, Dict, Sequence

from absl import app
from absl import flags
from absl import logging
import gin
import numpy as np

from audioscope import gin_utils
from audioscope import metrics
from audioscope.data import synthetic
from audioscope.evaluation import calibration
from audioscope.evaluation import synchrony_baseline

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

_OUTPUT_DIR = flags.DEFINE_string('output_dir', None, 'Where to write JSON.')
_NUM_MOMS = flags.DEFINE_integer(
    'num_moms', 100, 'On-screen MoMs, and as many off-screen MoMs, per '
    'clip length.')
_CLIP_SECONDS = flags.DEFINE_list('clip_seconds', ['2', '5'],
                                  'Clip lengths to measure.')
_SEED = flags.DEFINE_integer('seed', 7, 'Scene seed.')
_QUICK = flags.DEFINE_bool('quick', False, 'Smoke run: 8 MoMs, 2 s only.')

ORACLE_LOGIT = 10.0
ORACLE_SPREADS = (0.0, 1.0, 3.0)
DETECTOR_SCALES = (10.0, 100.0)
GRID = 4
RESULTS_FILE = 'synthetic_ceilings.json'


def demo_scene_options() -> synthetic.SceneOptions:
  """The scene options of the demo's gin files."""
  gin.clear_config()
  gin_utils.parse_gin(['training/separator_pretraining.gin',
                       'demo/synthetic_demo.gin'], [])
  try:
    return synthetic.SceneOptions()
  finally:
    gin.clear_config()


def make_moms(options: synthetic.SceneOptions, num_moms: int,
              seed: int) -> Dict[str, Any]:
  """Filtered on-screen and off-screen MoMs with their true sources.

  Returns:
    {'on'/'off': {'split' [N, 2, samples], 'events' [N, 2 * max_events,
    samples] (zero rows where a clip has fewer events), 'event_labels'
    [N, 2 * max_events], 'frames' [N, T, H, W, 3], 'mixture' [N, samples],
    'on_screen' [N, samples], 'probe_events' [N, max_events + 1, samples]
    (the shown clip's events and its residual background noise: they add
    up to split[:, 0], the clip the probes use)}}.
  """
  per_clip = options.max_events
  moms = {}
  for kind, primary_label, stream in (('on', 1, 0), ('off', 0, 1)):
    rows = {key: [] for key in ('split', 'events', 'event_labels', 'frames',
                                'mixture', 'on_screen', 'probe_events')}
    for index in range(num_moms):
      shown = synthetic.generate_scene((seed, stream, index), primary_label,
                                       options)
      background = synthetic.generate_scene((seed, stream + 2, index), 0,
                                            options)
      events = np.zeros((2 * per_clip, shown.audio.shape[0]), np.float32)
      events[:len(shown.event_audio)] = shown.event_audio
      events[per_clip:per_clip + len(background.event_audio)] = (
          background.event_audio)
      rows['split'].append(np.stack([shown.audio, background.audio]))
      rows['events'].append(events)
      rows['event_labels'].append([primary_label] * per_clip + [0] * per_clip)
      rows['frames'].append(shown.frames)
      rows['mixture'].append(shown.audio + background.audio)
      rows['on_screen'].append(shown.on_screen_audio)
      rows['probe_events'].append(np.concatenate(
          [events[:per_clip], [shown.audio - events[:per_clip].sum(axis=0)]]))
    moms[kind] = {key: np.asarray(value) for key, value in rows.items()}
  return moms


def calibrated_theta(off_logits, moms, sources_key) -> float:
  """The offset giving a 6 dB median OSR on the off-screen MoMs."""
  return calibration.calibrate_offset(
      off_logits, moms['off'][sources_key], moms['off']['mixture'], 6.0)


def calibrated_snr(on_logits, theta, moms, sources_key) -> float:
  """Median on-screen SNR at the calibrated offset `theta`."""
  estimate = calibration.on_screen_estimate(
      on_logits, moms['on'][sources_key], theta)
  return float(np.median(metrics.snr(moms['on']['on_screen'], estimate)))


def probe_sources(moms, sources_key: str) -> np.ndarray:
  """`[N, M, samples]` sources of the on-screen-only clips the probes use."""
  if sources_key == 'split':
    return moms['on']['split'][:, :1]
  return moms['on']['probe_events']


def probe_osrs(logits_by_condition, sources, moms,
               theta: float) -> Dict[str, float]:
  """Median OSR(x, x_on) per probe condition and the margins over true.

  Args:
    logits_by_condition: {'true_video'/'blank_video'/'replaced_video':
      `[N, M]` logits}.
    sources: `[N, M, samples]` sources of the clips `moms['on']['split'][:,
      0]`.
    moms: from `make_moms`.
    theta: the calibrated offset.

  Returns:
    {'<condition>_osr_db': median OSR, 'blank_minus_true_db',
    'replaced_minus_true_db'}.
  """
  clips = moms['on']['split'][:, 0]
  row = {}
  for condition, logits in logits_by_condition.items():
    estimate = calibration.on_screen_estimate(logits, sources, theta)
    row[f'{condition}_osr_db'] = float(np.median(metrics.osr(clips,
                                                             estimate)))
  for condition in ('blank', 'replaced'):
    row[f'{condition}_minus_true_db'] = (
        row[f'{condition}_video_osr_db'] - row['true_video_osr_db'])
  return row


def probe_frames(moms) -> Dict[str, np.ndarray]:
  """The frames of the three probe conditions (`evaluation.probing`)."""
  frames = moms['on']['frames']
  return {'true_video': frames, 'blank_video': np.zeros_like(frames),
          'replaced_video': np.roll(frames, 1, axis=0)}


def oracle_rows(moms, seed: int,
                spreads: Sequence[float] = ORACLE_SPREADS) -> Dict[str, Any]:
  """The oracle per off-screen logit spread: theta, SNR and probe OSRs."""
  rng = np.random.default_rng(seed)
  # The probes draw from their own generator, so that the SNR rows stay
  # those of the runs before the probes were added.
  probe_rng = np.random.default_rng([seed, 1])
  num = moms['on']['split'].shape[0]
  rows = {}
  for spread in spreads:
    on_logits = np.stack([
        np.full(num, ORACLE_LOGIT),
        -ORACLE_LOGIT + spread * rng.standard_normal(num)], axis=1)
    off_logits = -ORACLE_LOGIT + spread * rng.standard_normal((num, 2))
    theta = calibrated_theta(off_logits, moms, 'split')
    probe_logits = {
        'true_video': np.full((num, 1), ORACLE_LOGIT),
        'blank_video': (-ORACLE_LOGIT +
                        spread * probe_rng.standard_normal((num, 1))),
        'replaced_video': (-ORACLE_LOGIT +
                           spread * probe_rng.standard_normal((num, 1)))}
    rows[f'oracle_spread_{spread:g}'] = {
        'spread': spread, 'theta': theta,
        'calibrated_snr_db': calibrated_snr(on_logits, theta, moms, 'split'),
        'probes': probe_osrs(probe_logits, probe_sources(moms, 'split'), moms,
                             theta)}
  return rows


def detector_row(moms, sources_key: str, labels_on) -> Dict[str, Any]:
  """The synchrony detector on the given true sources."""
  scores = {kind: synchrony_baseline.synchrony_scores(
      moms[kind][sources_key], moms[kind]['frames'], GRID)
            for kind in ('on', 'off')}
  labels = np.concatenate([labels_on, np.zeros_like(labels_on)])
  sources = np.concatenate([moms['on'][sources_key],
                            moms['off'][sources_key]])
  row = {
      'auc': metrics.power_weighted_auc(
          labels, np.concatenate([scores['on'], scores['off']]), sources),
      'within_auc': metrics.within_example_auc(
          labels_on, scores['on'], moms['on'][sources_key]),
  }
  sources = probe_sources(moms, sources_key)
  probe_scores = {
      condition: synchrony_baseline.synchrony_scores(sources, frames, GRID)
      for condition, frames in probe_frames(moms).items()}
  for scale in DETECTOR_SCALES:
    theta = calibrated_theta(scale * scores['off'], moms, sources_key)
    row[f'theta_scale_{scale:g}'] = theta
    row[f'calibrated_snr_db_scale_{scale:g}'] = calibrated_snr(
        scale * scores['on'], theta, moms, sources_key)
    row[f'probes_scale_{scale:g}'] = probe_osrs(
        {condition: scale * value for condition, value in
         probe_scores.items()}, sources, moms, theta)
  return row


def ceilings(options: synthetic.SceneOptions, num_moms: int,
             seed: int) -> Dict[str, Any]:
  """Every row for one set of scene options (see the module docstring)."""
  moms = make_moms(options, num_moms, seed)
  num = moms['on']['split'].shape[0]
  split_labels = np.tile([[1, 0]], (num, 1))
  rows = oracle_rows(moms, seed)
  rows['x/2_snr_db'] = float(np.median(metrics.snr(
      moms['on']['on_screen'], moms['on']['mixture'] / 2)))
  rows['synchrony_split'] = detector_row(moms, 'split', split_labels)
  rows['synchrony_events'] = detector_row(moms, 'events',
                                          moms['on']['event_labels'])
  return rows


def markdown(results: Dict[str, Any]) -> str:
  """Two tables: the SNR ceilings and the probes, a row per clip length."""
  lines = ['| clip (s) | x/2 SNR | oracle, spread 0 / 1 / 3 | synchrony on '
           'the clip split: AUC / within / SNR (x10, x100) | on the events: '
           'AUC / within / SNR (x10, x100) |', '|---:|---:|---|---|---|']
  for seconds, rows in results['clip_seconds'].items():
    oracle = ' / '.join(f"{rows[f'oracle_spread_{s:g}']['calibrated_snr_db']:.2f}"
                        for s in ORACLE_SPREADS)
    cells = []
    for name in ('synchrony_split', 'synchrony_events'):
      row = rows[name]
      snrs = ', '.join(f"{row[f'calibrated_snr_db_scale_{s:g}']:.2f}"
                       for s in DETECTOR_SCALES)
      cells.append(f"{row['auc']:.3f} / {row['within_auc']:.3f} / {snrs}")
    lines.append(f"| {seconds} | {rows['x/2_snr_db']:.2f} | {oracle} | "
                 f'{cells[0]} | {cells[1]} |')
  lines += ['', '| clip (s) | classifier | OSR true / blank / replaced (dB) '
            '| blank - true (dB) | replaced - true (dB) |',
            '|---:|---|---|---:|---:|']
  for seconds, rows in results['clip_seconds'].items():
    probes = [(f'oracle, spread {s:g}', rows[f'oracle_spread_{s:g}']['probes'])
              for s in ORACLE_SPREADS]
    probes += [(f'synchrony on the {name}, x{scale:g}',
                rows[f'synchrony_{name}'][f'probes_scale_{scale:g}'])
               for name in ('split', 'events') for scale in DETECTOR_SCALES]
    for name, probe in probes:
      osrs = ' / '.join(f"{probe[f'{c}_video_osr_db']:.2f}"
                        for c in ('true', 'blank', 'replaced'))
      lines.append(f"| {seconds} | {name} | {osrs} | "
                   f"{probe['blank_minus_true_db']:+.2f} | "
                   f"{probe['replaced_minus_true_db']:+.2f} |")
  return '\n'.join(lines)


def main(argv):
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if not _OUTPUT_DIR.value:
    raise app.UsageError('Pass --output_dir, e.g. --output_dir=/tmp/ceilings.')
  num_moms = 8 if _QUICK.value else _NUM_MOMS.value
  lengths = ['2'] if _QUICK.value else _CLIP_SECONDS.value
  if num_moms < 2:
    raise app.UsageError('--num_moms must be >= 2.')
  base = demo_scene_options()
  results = {'num_moms': num_moms, 'seed': _SEED.value,
             'scene_options': dataclasses.asdict(base), 'clip_seconds': {},
             'machine': benchmark_utils.machine_info()}
  for seconds in lengths:
    start = time.monotonic()
    options = dataclasses.replace(base, clip_seconds=float(seconds))
    options.validate()
    results['clip_seconds'][seconds] = ceilings(options, num_moms,
                                                _SEED.value)
    logging.info('%s s clips done in %.0f s: %s', seconds,
                 time.monotonic() - start,
                 json.dumps(results['clip_seconds'][seconds]))
  results['markdown'] = markdown(results)
  path = benchmark_utils.write_json(
      os.path.join(_OUTPUT_DIR.value, RESULTS_FILE), results)
  print(results['markdown'])
  print(f'Wrote {path}')


if __name__ == '__main__':
  app.run(main)
