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
r"""Does a classifier call off-screen sounds on-screen because the video shows
a pulsing object? Reads evaluations; no training; writes JSON and Markdown.

  python benchmarks/video_cue.py --data_dir=outputs/demo/data \
      --evaluation_dirs=outputs/demo/evaluation --output_dir=/tmp/video_cue

On the synthetic data set every on-screen event has a visible object whose
brightness follows its envelope, and silent distractor objects pulse with
envelopes of no sound (`SceneOptions.distractor_pulse_probability`). So the
video of an off-screen MoM (an off-screen-only clip's frames) may or may not
show a pulsing object, and nothing in it sounds. A classifier that judges
audio-visual correspondence treats both alike; one that has learnt the
video-only cue "something in view pulses" (true of every on-screen clip)
gives the first kind higher on-screen probabilities, i.e. less
suppression. The replaced-frame probe always shows such an object (the
frames of another on-screen-only clip).

For every evaluation folder (`per_example.csv` of `audioscope_eval`, the
demo or `benchmarks/quality.py`, written with MoM clip ids), the off-screen
test MoMs at the calibrated theta are split by whether clip 1's scene,
regenerated from the data set's `dataset_info.json`, has a pulsing
distractor; per group: the count, the mean on-screen probability over the
sources and the median OSR. Evaluations written before MoM ids (rows named
'example-<i>') take `--example_order`: example i is then the i-th of the
data set's filtered on-screen, then off-screen pairs, the order in which
the demo's evaluation reads them.
"""

import csv
import dataclasses
import functools
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence

from absl import app
from absl import flags
import numpy as np

from audioscope import json_io
from audioscope.data import pipeline
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

RESULTS_FILE = 'video_cue.json'
MARKDOWN_FILE = 'video_cue.md'
PER_EXAMPLE_FILE = 'per_example.csv'
GROUPS = (('pulsing', 'a pulsing silent object in view'),
          ('still', 'no pulsing object in view'))


def has_pulsing_distractor(scene: synthetic.Scene) -> bool:
  """Whether a silent distractor's brightness changes over the clip."""
  return any(event < 0 and np.ptp(brightness) > 0
             for event, brightness in zip(scene.object_event,
                                          scene.object_brightness))


def scene_options(info: Mapping[str, Any]) -> synthetic.SceneOptions:
  """The `SceneOptions` stored in a `dataset_info.json` dict."""
  fields = {f.name for f in dataclasses.fields(synthetic.SceneOptions)}
  options = {k: (tuple(v) if isinstance(v, list) else v)
             for k, v in info['options'].items() if k in fields}
  return synthetic.SceneOptions(**options)


def pulsing_flags(data_dir: str, split: str,
                  clip_ids: Sequence[str]) -> Dict[str, bool]:
  """{clip_id: has_pulsing_distractor} of clips of a synthetic data set.

  Raises:
    FileNotFoundError: no `dataset_info.json` in `data_dir`.
    KeyError: a clip id that the data set does not have.
  """
  path = os.path.join(data_dir, make_synthetic_lib.INFO_FILE)
  if not os.path.exists(path):
    raise FileNotFoundError(
        f'No {make_synthetic_lib.INFO_FILE} in {data_dir}; pass the folder '
        'that audioscope_make_synthetic (or the demo\'s data stage) wrote.')
  info = json_io.read_json(path)
  options = scene_options(info)
  planned = {clip.clip_id: clip for clip in make_synthetic_lib.plan_split(
      split, int(info['num_clips'][split]), int(info['seed']),
      float(info['on_screen_fraction']), float(info['off_screen_fraction']))}
  flags_by_clip = {}
  for clip_id in dict.fromkeys(clip_ids):
    if clip_id not in planned:
      raise KeyError(f'Clip {clip_id!r} is not in the {split} split of '
                     f'{data_dir}; pass the data set the evaluation used.')
    clip = planned[clip_id]
    flags_by_clip[clip_id] = has_pulsing_distractor(
        synthetic.generate_scene(clip.seed, clip.label, options))
  return flags_by_clip


def evaluation_order(data_dir: str, split: str = 'test') -> List[str]:
  """'<clip1>+<clip2>' of the split's filtered on-screen, then off-screen
  MoM pairs (`pipeline.synthetic_mom_pairs`, as `Demo.mom_dataset` reads
  them): the example numbers of a `per_example.csv` written without MoM
  ids."""
  return [f'{clip1}+{clip2}'
          for clip1, clip2 in pipeline.synthetic_mom_pairs(data_dir, split)]


def off_screen_rows(per_example_csv: str, split: str = 'test',
                    example_names: Optional[Sequence[str]] = None
                    ) -> List[Dict[str, Any]]:
  """Calibrated off-screen MoM rows: clip 1's id, mean probability, OSR.

  Args:
    per_example_csv: an evaluation's per-example rows.
    split: the MoMs' split.
    example_names: for rows named 'example-<i>' (evaluations written
      before MoM ids), the name of example i (`evaluation_order`).

  Raises:
    ValueError: rows without MoM clip ids ('<clip1>+<clip2>') and no
      `example_names`, or no such rows.
  """
  with open(per_example_csv) as f:
    rows = [row for row in csv.DictReader(f)
            if row['operating_point'] == 'calibrated' and
            row['split'] == split and row['set'] == 'off_screen']
  if not rows:
    raise ValueError(f'No calibrated off-screen {split} rows in '
                     f'{per_example_csv}.')
  result = []
  for row in rows:
    if example_names is not None and row['clip_id'].startswith('example-'):
      row = dict(row, clip_id=example_names[int(row['clip_id'][8:])])
    if '+' not in row['clip_id']:
      raise ValueError(
          f'{per_example_csv} names its examples {row["clip_id"]!r}, not '
          "'<clip1>+<clip2>': pass --example_order for an evaluation of "
          'the demo or benchmarks/quality.py written before MoM ids.')
    probabilities = [float(p) for p in row['probabilities'].split(';')]
    result.append({'clip_id': row['clip_id'].split('+')[0],
                   'mean_probability': float(np.mean(probabilities)),
                   'osr_db': float(row['osr_db']) if row['osr_db'] else None})
  return result


def group_summary(rows: Sequence[Mapping[str, Any]],
                  flags_by_clip: Mapping[str, bool]) -> Dict[str, Any]:
  """Per group of `GROUPS`: count, mean probability, median OSR (finite
  OSRs only; None when a group is empty)."""
  summary = {}
  for name, _ in GROUPS:
    members = [row for row in rows
               if flags_by_clip[row['clip_id']] == (name == 'pulsing')]
    osrs = [row['osr_db'] for row in members
            if row['osr_db'] is not None and np.isfinite(row['osr_db'])]
    summary[name] = {
        'num_moms': len(members),
        'mean_probability': (float(np.mean(
            [row['mean_probability'] for row in members]))
                             if members else None),
        'median_osr_db': float(np.median(osrs)) if osrs else None}
  return summary


def analyse(data_dir: str, evaluation_dirs: Mapping[str, str],
            split: str = 'test', example_order: bool = False
            ) -> Dict[str, Any]:
  """`group_summary` of every evaluation folder ({label: folder}).

  With `example_order`, rows named 'example-<i>' are the i-th MoM of
  `evaluation_order`.
  """
  names = evaluation_order(data_dir, split) if example_order else None
  per_run = {label: off_screen_rows(os.path.join(folder, PER_EXAMPLE_FILE),
                                    split, names)
             for label, folder in evaluation_dirs.items()}
  flags_by_clip = pulsing_flags(
      data_dir, split, [row['clip_id'] for rows in per_run.values()
                        for row in rows])
  return {'split': split, 'data_dir': data_dir,
          'example_order': example_order,
          'evaluations': dict(evaluation_dirs),
          'groups': {label: group_summary(rows, flags_by_clip)
                     for label, rows in per_run.items()}}


def markdown(results: Mapping[str, Any]) -> str:
  header = ['evaluation']
  for _, title in GROUPS:
    header += [f'{title}: MoMs', 'mean probability', 'median OSR (dB)']
  rows = []
  for label, groups in results['groups'].items():
    cells = [label]
    for name, _ in GROUPS:
      group = groups[name]
      cells += [str(group['num_moms'])] + [
          '-' if group[key] is None else f'{group[key]:.{digits}f}'
          for key, digits in (('mean_probability', 3), ('median_osr_db', 2))]
    rows.append(cells)
  lines = [f'# Off-screen {results["split"]} MoMs by what their video shows',
           '', 'Calibrated operating point of each evaluation.', '']
  lines += benchmark_utils.markdown_table(header, rows)
  return '\n'.join(lines) + '\n'


def define_flags() -> Dict[str, flags.FlagHolder]:
  """Defines the binary's flags (not at import: tests import this module)."""
  return {
      'data_dir': flags.DEFINE_string(
          'data_dir', None, 'The synthetic data set the evaluations used.'),
      'evaluation_dirs': flags.DEFINE_list(
          'evaluation_dirs', None, 'Evaluation folders (each with '
          'per_example.csv); LABEL=DIR names a row, else the folder is its '
          'label.'),
      'split': flags.DEFINE_string('split', 'test', "The MoMs' split."),
      'example_order': flags.DEFINE_bool(
          'example_order', False, 'For evaluations written before MoM ids '
          "(rows named 'example-<i>'): example i is the i-th of the data "
          "set's filtered on-screen, then off-screen pairs, the order the "
          'demo reads them in.'),
      'output_dir': flags.DEFINE_string('output_dir', None,
                                        'Where to write.'),
  }


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  values = benchmark_utils.flag_values(
      argv, holders, ('data_dir', 'evaluation_dirs', 'output_dir'))
  evaluation_dirs = {}
  for item in values['evaluation_dirs']:
    label, _, folder = item.rpartition('=')
    evaluation_dirs[label or folder] = folder
  results = analyse(values['data_dir'], evaluation_dirs, values['split'],
                    values['example_order'])
  benchmark_utils.write_report(values['output_dir'], RESULTS_FILE,
                               MARKDOWN_FILE, results, markdown(results),
                               note=None)


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
