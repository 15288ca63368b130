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
"""Probing with negative examples ("Don't Listen to What You Can't See").

From on-screen-only clips (x = x_on), three conditions are built and the
model is run on each (sec. 3 and Table 1 of that paper):

* `true_video` (+): the clip's own frames;
* `blank_video` (-): all-zero frames;
* `replaced_video` (-): the frames of another on-screen-only clip. Within a
  batch of b >= 2 clips, clip i gets the frames of clip i - 1 (a roll), so
  no clip keeps its own; a batch of one clip gets the frames of the last
  clip seen before it (or, for the first batch, of the next clip).

For each condition, with x_on(theta) = sum_m sigmoid(l_m + theta) s_m:
SNR(x, x_on(theta)) (ideal: infinity for true video, 0 dB for negatives)
and OSR(x, x_on(theta)) (ideal: infinity for negatives), as medians over
non-silent clips. Clips with another label are skipped and counted.

Example:

  result = probing.probe_negatives(model, on_screen_only_clips, theta=theta,
                                   output_dir='/tmp/eval')
  print(probing.markdown_table(result))
"""

import csv
import json
import os
from typing import Any, Dict, List, Optional

from absl import logging
import numpy as np
from scipy import special
import tensorflow as tf

from audioscope import metrics
from audioscope.evaluation import bootstrap
from audioscope.evaluation import evaluate_lib

CONDITIONS = ('true_video', 'blank_video', 'replaced_video')
JSON_FILE = 'probe_negatives.json'
REPORT_FILE = 'probe_negatives.md'
CSV_FILE = 'probe_negatives.csv'
INFINITY = '\u221e'


def _condition_metrics(model_fn, audio, frames, theta):
  """Per-clip SNR(x, x_on), OSR(x, x_on) and mean probability."""
  outputs = model_fn({'audio': audio, 'frames': frames})
  sources, logits = evaluate_lib.check_model_outputs(
      outputs, 'logits', audio.shape[0], audio.shape[-1])
  probabilities = special.expit(logits.astype(np.float64) + theta)
  estimate = np.einsum('nm,nmt->nt', probabilities,
                       sources.astype(np.float64))
  mixture = audio.astype(np.float64)
  return (np.asarray(metrics.snr(mixture, estimate)),
          np.asarray(metrics.osr(mixture, estimate)),
          probabilities.mean(axis=-1))


class _Prober:
  """Accumulates per-clip metrics of the three conditions."""

  def __init__(self, model_fn, theta):
    self.model_fn = model_fn
    self.theta = float(theta)
    self.rows: List[Dict[str, Any]] = []
    self.num_identical = 0

  def run(self, audio, frames, replaced, clip_ids):
    same = [np.array_equal(frames[i], replaced[i])
            for i in range(frames.shape[0])]
    self.num_identical += int(sum(same))
    results = {
        'true_video': _condition_metrics(self.model_fn, audio, frames,
                                         self.theta),
        'blank_video': _condition_metrics(self.model_fn, audio,
                                          np.zeros_like(frames), self.theta),
        'replaced_video': _condition_metrics(self.model_fn, audio, replaced,
                                             self.theta),
    }
    active = np.sqrt(np.mean(np.square(audio.astype(np.float64)),
                             axis=-1)) > metrics.ACTIVITY_THRESHOLD
    for i, clip_id in enumerate(clip_ids):
      row = {'clip_id': clip_id, 'active': bool(active[i]),
             'replaced_frames_identical': bool(same[i])}
      for condition, (snr, osr, probability) in results.items():
        row[f'{condition}_snr_db'] = float(snr[i])
        row[f'{condition}_osr_db'] = float(osr[i])
        row[f'{condition}_mean_probability'] = float(probability[i])
      self.rows.append(row)


def probe_negatives(model_fn: Any,
                    dataset: evaluate_lib.DatasetLike,
                    theta: float = 0.0,
                    max_examples: Optional[int] = None,
                    output_dir: Optional[str] = None,
                    log_every: int = 10,
                    bootstrap_resamples: int = bootstrap.DEFAULT_RESAMPLES
                    ) -> Dict[str, Any]:
  """SNR(x, x_on) and OSR on true, blank and replaced video (NEG Table 1).

  Args:
    model_fn: anything `evaluate_lib.as_model_fn` accepts (raw logits).
    dataset: batches with 'audio' `[batch, samples]`, 'frames'
      `[batch, T, H, W, 3]` and optionally 'labels' `[batch]` (only label-1
      clips are used) and 'clip_id'; e.g. `pipeline.single_mixture_dataset(
      labels=(1,))`.
    theta: logit offset (the calibrated one, as in the paper).
    max_examples: use at most this many on-screen-only clips.
    output_dir: if given, probe_negatives.json/.md/.csv are written there.
    log_every: log progress every this many batches.
    bootstrap_resamples: resamples of the margins' 95% bootstrap intervals
      (clips resampled, theta fixed); 0 computes none.

  Returns:
    {'theta', 'num_examples' (non-silent clips in the medians),
    'num_silent_skipped', 'num_other_labels_skipped',
    'num_identical_replacements' (replaced frames equal to the clip's own),
    'conditions': {condition: {'median_snr_db', 'median_osr_db',
    'mean_probability'}}, 'osr_margins_db' (`osr_margins_db`),
    'margin_intervals' (`bootstrap.probe_margin_intervals`, or None),
    'rows': per-clip dicts}.

  Raises:
    ValueError: fewer than two on-screen-only clips, or batches whose frame
      shapes differ (pad clips to one length).
  """
  if max_examples is not None and max_examples < 2:
    raise ValueError(f'max_examples must be >= 2 (the replaced condition '
                     f'needs two clips) or None, got {max_examples}.')
  model_fn = evaluate_lib.as_model_fn(model_fn)
  prober = _Prober(model_fn, theta)
  num_skipped = 0
  count = 0
  previous_frames = None  # [1, T, H, W, 3], the last clip processed.
  pending = None  # A first batch of one clip, waiting for another clip.
  for batch_index, batch in enumerate(evaluate_lib.iterate_batches(dataset)):
    if max_examples is not None and count >= max_examples:
      break
    evaluate_lib.check_batch(batch)
    audio = np.asarray(batch['audio'], np.float32)
    frames = np.asarray(batch['frames'], np.float32)
    clip_ids = evaluate_lib.batch_clip_ids(batch, count + num_skipped,
                                      audio.shape[0])
    if 'labels' in batch:
      keep = np.asarray(batch['labels']).reshape(-1) == (
          evaluate_lib.ON_SCREEN_LABEL)
      num_skipped += int(np.sum(~keep))
      audio, frames = audio[keep], frames[keep]
      clip_ids = [c for c, k in zip(clip_ids, keep) if k]
    if max_examples is not None:
      left = max_examples - count
      audio, frames, clip_ids = audio[:left], frames[:left], clip_ids[:left]
    size = audio.shape[0]
    if not size:
      continue
    reference = previous_frames if previous_frames is not None else (
        pending[1] if pending is not None else None)
    if reference is not None and reference.shape[1:] != frames.shape[1:]:
      raise ValueError(
          f'Frames of shape {frames.shape[1:]} follow frames of shape '
          f'{reference.shape[1:]}; pad or crop every clip to one length '
          '(the pipelines do) to replace frames across clips.')
    if pending is not None:
      prober.run(pending[0], pending[1], frames[-1:], pending[2])
      previous_frames = pending[1]
      pending = None
    if size >= 2:
      replaced = np.roll(frames, 1, axis=0)
    elif previous_frames is not None:
      replaced = previous_frames
    else:
      pending = (audio, frames, clip_ids)
      count += size
      continue
    prober.run(audio, frames, replaced, clip_ids)
    previous_frames = frames[-1:]
    count += size
    if log_every and (batch_index + 1) % log_every == 0:
      logging.info('probe_negatives | batch %d | %d clips', batch_index + 1,
                   count)
  if pending is not None or len(prober.rows) < 2:
    raise ValueError(
        f'Probing with replaced frames needs at least two on-screen-only '
        f'(label 1) clips, got {count} ({num_skipped} clips of other labels '
        'skipped); use a larger on-screen-only set.')
  if prober.num_identical:
    logging.warning(
        '%d clips got replacement frames identical to their own; their '
        'replaced-video condition is not a negative.', prober.num_identical)

  rows = prober.rows
  active = np.array([row['active'] for row in rows])
  conditions = {}
  for condition in CONDITIONS:
    values = {}
    for key in ('snr_db', 'osr_db', 'mean_probability'):
      column = np.array([row[f'{condition}_{key}'] for row in rows])[active]
      name = key if key == 'mean_probability' else f'median_{key}'
      reduce = np.mean if key == 'mean_probability' else np.median
      values[name] = float(reduce(column)) if column.size else None
    conditions[condition] = values
  result = {
      'theta': float(theta),
      'num_examples': int(np.sum(active)),
      'num_silent_skipped': int(np.sum(~active)),
      'num_other_labels_skipped': num_skipped,
      'num_identical_replacements': prober.num_identical,
      'conditions': conditions,
      'rows': rows,
  }
  result['osr_margins_db'] = osr_margins_db(result)
  result['margin_intervals'] = None
  if bootstrap_resamples and result['num_examples'] >= 2:
    result['margin_intervals'] = bootstrap.probe_margin_intervals(
        {condition: np.array([row[f'{condition}_osr_db'] for row in rows]
                             )[active] for condition in CONDITIONS},
        num_resamples=bootstrap_resamples)
  logging.info('Negative probing:\n%s', markdown_table(result))
  if output_dir:
    write_report(result, output_dir)
  return result


def markdown_table(result: Dict[str, Any], model_name: str = 'Model') -> str:
  """Table 1 of the negatives paper: SNR(x, x_on) and OSR per condition."""
  conditions = result['conditions']
  fmt = evaluate_lib.format_value
  header = ('| Model | theta | True video (+) SNR (up) | True video (+) OSR '
            '(down) | Blank video (-) SNR (down) | Blank video (-) OSR (up) '
            '| Replaced video (-) SNR (down) | Replaced video (-) OSR (up) |')
  lines = [
      header, '|---|---:|---:|---:|---:|---:|---:|---:|',
      f'| Ideal | {evaluate_lib.MISSING} | {INFINITY} | 0.00 | 0.00 | '
      f'{INFINITY} | 0.00 | {INFINITY} |',
      '| ' + ' | '.join([
          model_name,
          fmt(result['theta'], 3),
          fmt(conditions['true_video']['median_snr_db']),
          fmt(conditions['true_video']['median_osr_db']),
          fmt(conditions['blank_video']['median_snr_db']),
          fmt(conditions['blank_video']['median_osr_db']),
          fmt(conditions['replaced_video']['median_snr_db']),
          fmt(conditions['replaced_video']['median_osr_db']),
      ]) + ' |'
  ]
  margins = osr_margins_db(result)
  if all(margin is not None for margin in margins.values()):
    intervals = result.get('margin_intervals')
    texts = {}
    for condition, margin in margins.items():
      texts[condition] = f'{margin:+.2f} dB'
      if intervals and intervals['metrics'][condition]['low'] is not None:
        texts[condition] += ' ({})'.format(
            evaluate_lib.format_interval(intervals['metrics'][condition]))
    lines += ['', 'Median OSR above the true video\'s (how much more of the '
              'audio a negative video suppresses): blank '
              f'{texts["blank_video"]}, replaced {texts["replaced_video"]}.']
    if intervals:
      lines[-1] += (
          f' In brackets: {100 * intervals["confidence_level"]:g}% '
          f'percentile-bootstrap intervals over {intervals["num_resamples"]}'
          ' resamples of the clips, theta fixed.')
  return '\n'.join(lines) + '\n'


def osr_margins_db(result: Dict[str, Any]) -> Dict[str, Optional[float]]:
  """{negative condition: its median OSR minus the true video's, in dB}.

  None where a median is missing (every clip silent).
  """
  conditions = result['conditions']
  true_osr = conditions['true_video']['median_osr_db']
  margins = {}
  for condition in ('blank_video', 'replaced_video'):
    osr = conditions[condition]['median_osr_db']
    margins[condition] = (None if osr is None or true_osr is None
                          else float(osr - true_osr))
  return margins


def write_report(result: Dict[str, Any], output_dir: str) -> None:
  """Writes probe_negatives.json (without rows), .md and .csv."""
  tf.io.gfile.makedirs(output_dir)
  summary = {k: v for k, v in result.items() if k != 'rows'}
  with tf.io.gfile.GFile(os.path.join(output_dir, JSON_FILE), 'w') as f:
    json.dump(summary, f, indent=2)
  text = (
      '# Negative examples (on-screen-only clips)\n\n'
      f'{result["num_examples"]} clips ({result["num_silent_skipped"]} '
      'silent skipped). SNR is SNR(x, x_on), x the same input audio in '
      'every condition; medians over clips.\n\n' + markdown_table(result))
  with tf.io.gfile.GFile(os.path.join(output_dir, REPORT_FILE), 'w') as f:
    f.write(text)
  rows = result['rows']
  if rows:
    with tf.io.gfile.GFile(os.path.join(output_dir, CSV_FILE), 'w') as f:
      writer = csv.DictWriter(f, fieldnames=list(rows[0]))
      writer.writeheader()
      for row in rows:
        writer.writerow({k: repr(v) if isinstance(v, float) else v
                         for k, v in row.items()})
