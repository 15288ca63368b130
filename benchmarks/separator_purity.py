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
r"""How clip-pure are a MixIT separator's sources? Trains separator variants
on the demo's data and measures every checkpoint; writes JSON and Markdown.

  # The demo's own separator (every checkpoint in its folder), no training:
  python benchmarks/separator_purity.py --shared_dir=outputs/demo \
      --output_dir=/tmp/separator_purity
  # Variants, each trained with the demo's separator budget plus bindings:
  python benchmarks/separator_purity.py --shared_dir=outputs/demo \
      --output_dir=/tmp/separator_purity --checkpoint_every=250 \
      --variant='demo:' --variant="lr_3e-4: Trainer.learning_rate = 3e-4"

The on-screen classifier of AudioScopeV2 scores separated sources, and it
can only learn which of them belong to the on-screen clip when each source
holds sound of one clip of the MoM (`benchmarks/feature_synchrony.py`: on
clean clips an alignment module learns synchrony, on the demo's separated
sources it does not). This benchmark measures that property of the
separator alone, on MoMs of two clips of a split (clip 1 uniformly, clip 2
another clip, seeded), over the active sources:

* `mixit_snr`: mean SNR of MixIT's best remix of the sources into the two
  clips (dB; the separator stage's validation metric, `mixit_snr`);
* `pure_fraction`: share of sources with more than 90% of their energy from
  one clip (`feature_synchrony.energy_share`, ideal-ratio-mask weighted)
  and `pure_power_fraction`, the same weighted by source power;
* `mixit_agrees_with_majority`: how often MixIT's assignment (the on-screen
  loss's label) is the clip holding most of the source's energy;
* `oracle_pure_fraction`: `pure_fraction` of the ideal separation (the two
  clips as the sources): where events of the two clips overlap in time and
  frequency the mask-weighted share of even a perfect source stays below
  0.9, so this is the ceiling of `pure_fraction` on these MoMs.

Variants (`--variant='name: item; item'`, each item a gin binding added to
the demo's separator stage, `Trainer.learning_rate = 3e-4`, or a `DemoConfig`
field, `batch_size = 16`; no items is the demo's separator) are trained
from scratch on the demo's training clips with the same steps and seed, a
checkpoint every `--checkpoint_every` steps, and every checkpoint is
measured on the training and test MoMs: the gap tells overfitting from
underfitting, the curve where early stopping would stop. Without
`--variant`, the checkpoints already in `<shared_dir>/separator` are
measured.

`--events` (the built-in synthetic data only) generates the scenes again
from the seeds in `dataset_info.json`, with every event apart, and splits
each source with the ideal ratio mask of every event (`summarise_events`):
how many events a source holds, how much of an event one source keeps, the
clip purity in MoMs with at most M events (where one event per source
fits), and whether clip-impure sources join events of the same kind.
"""

import ast
import dataclasses
import functools
import os
import re
import time
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from absl import app
from absl import flags
from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope import demo_lib
from audioscope import gin_utils
from audioscope import json_io
from audioscope import losses
from audioscope import metrics
from audioscope import model as model_lib
from audioscope import separation
from audioscope.data import synthetic
from data_recipes import make_synthetic_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
  from benchmarks import feature_synchrony  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top
  import feature_synchrony  # pylint: disable=g-import-not-at-top

RESULTS_FILE = 'separator_purity.json'
MARKDOWN_FILE = 'separator_purity.md'
PURE_SHARE = feature_synchrony.PURE_SHARE
# (event waveforms `[E, samples]`, their kinds), one per clip.
ClipEvents = Tuple[np.ndarray, Tuple[str, ...]]


def parse_variant(text: str) -> Tuple[str, List[str], Dict[str, Any]]:
  """'name: item; item' -> (name, [gin binding, ...], {DemoConfig field: value}).

  An item whose left side has a dot (`Trainer.learning_rate = 3e-4`) is a
  gin binding; one without (`batch_size = 16`) sets that `DemoConfig` field
  (a Python literal).

  Raises:
    ValueError: no name, a name that is not a plain identifier, or an item
      that is neither a binding nor a `DemoConfig` field.
  """
  name, _, items = text.partition(':')
  name = name.strip()
  if not re.fullmatch(r'[A-Za-z0-9_.\-]+', name):
    raise ValueError(f"A variant is 'name: item; item' with a name of "
                     f'letters, digits, _, . or -; got {text!r}.')
  bindings, overrides = [], {}
  fields = {field.name for field in dataclasses.fields(demo_lib.DemoConfig)}
  for item in (i.strip() for i in items.split(';')):
    left, equals, right = item.partition('=')
    if not item:
      continue
    if '.' in left or '/' in left:
      bindings.append(item)
    elif equals and left.strip() in fields:
      overrides[left.strip()] = ast.literal_eval(right.strip())
    else:
      raise ValueError(f'{item!r} of variant {name!r} is neither a gin '
                       "binding ('Configurable.parameter = value') nor a "
                       f'DemoConfig field ({sorted(fields)}) = value.')
  return name, bindings, overrides


def draw_moms(num_clips: int, num_moms: int,
              seed: int) -> Tuple[np.ndarray, np.ndarray]:
  """(clip_1, clip_2) `[num_moms]` indices: clip 2 is another clip."""
  if num_clips < 2:
    raise ValueError(f'MoMs need at least 2 clips, got {num_clips}.')
  rng = np.random.default_rng(seed)
  clip_1 = rng.integers(0, num_clips, num_moms)
  clip_2 = rng.integers(0, num_clips - 1, num_moms)
  return clip_1, clip_2 + (clip_2 >= clip_1)


def mixit_remix_snr(reference_1, reference_2, sources) -> np.ndarray:
  """`[batch]` SNR (dB) of MixIT's best remix of `sources` into the refs."""
  references = tf.constant(np.stack([reference_1, reference_2], axis=1),
                           tf.float32)
  sources = tf.constant(sources, tf.float32)
  _, mixing = losses.mixit(references, sources)
  remix = tf.einsum('brm,bmt->brt', mixing, sources)
  return np.mean(metrics.snr(references, remix).numpy(), axis=1)


def purity(reference_1, reference_2, sources) -> Dict[str, np.ndarray]:
  """Per-source arrays of a batch of MoMs (see the module docstring).

  Args:
    reference_1: `[batch, time]` clip 1.
    reference_2: `[batch, time]` clip 2.
    sources: `[batch, M, time]` the separator's sources of their sum.

  Returns:
    {'share' `[batch, M]` energy share of clip 1, 'mixit' `[batch, M]` 1
    where MixIT assigns the source to clip 1, 'power' `[batch, M]` mean
    square, 'oracle_share' `[batch, 2]` the share of the clips themselves,
    'mixit_snr' `[batch]`}.
  """
  return {
      'share': feature_synchrony.energy_share(reference_1, reference_2,
                                              sources),
      'mixit': feature_synchrony.mixit_labels(reference_1, reference_2,
                                              sources),
      'power': np.mean(np.square(np.asarray(sources, np.float64)), axis=-1),
      'oracle_share': feature_synchrony.energy_share(
          reference_1, reference_2, np.stack([reference_1, reference_2], 1)),
      'mixit_snr': mixit_remix_snr(reference_1, reference_2, sources),
  }


def _is_pure(share):
  return (share < PURE_SHARE) | (share > 1 - PURE_SHARE)


def summarise(parts: Mapping[str, np.ndarray]) -> Dict[str, Any]:
  """The module docstring's numbers from `purity` arrays (all MoMs)."""
  active = parts['power'] > metrics.ACTIVITY_THRESHOLD
  share, power = parts['share'][active], parts['power'][active]
  pure = _is_pure(share)
  agrees = (share > 0.5) == (parts['mixit'][active] == 1)
  return {
      'num_moms': int(len(parts['mixit_snr'])),
      'num_active_sources': int(active.sum()),
      'mixit_snr': float(np.mean(parts['mixit_snr'])),
      'pure_fraction': float(np.mean(pure)) if pure.size else None,
      'pure_power_fraction': (float(np.sum(power * pure) / np.sum(power))
                              if pure.size else None),
      'mixit_agrees_with_majority': (float(np.mean(agrees)) if pure.size
                                     else None),
      'oracle_pure_fraction': float(np.mean(_is_pure(parts['oracle_share']))),
  }


def measure(separator_fn, audio: np.ndarray, num_moms: int, seed: int,
            chunk: int = 16,
            events: Optional[Sequence[ClipEvents]] = None) -> Dict[str, Any]:
  """`summarise` of a separator on `num_moms` MoMs of the clips `audio`.

  Args:
    separator_fn: `[B, samples] -> [B, M, samples]`.
    audio: `[N, samples]` clips.
    num_moms: MoMs to draw (`draw_moms`).
    seed: the draw's seed.
    chunk: MoMs per separator call.
    events: optional, each clip's events (`scene_events`): adds
      `summarise_events` under 'events'.
  """
  clip_1, clip_2 = draw_moms(len(audio), num_moms, seed)
  parts, event_parts = [], []
  for begin in range(0, num_moms, chunk):
    first = audio[clip_1[begin:begin + chunk]]
    second = audio[clip_2[begin:begin + chunk]]
    sources = np.asarray(separator_fn(first + second), np.float32)
    if not np.all(np.isfinite(sources)):
      raise FloatingPointError('The separator gave non-finite sources; the '
                               'checkpoint is broken (retrain it).')
    part = purity(first, second, sources)
    parts.append(part)
    if events is not None:
      for n, (a, b) in enumerate(zip(clip_1[begin:begin + chunk],
                                     clip_2[begin:begin + chunk])):
        event_parts.append(mom_events(
            events[a], events[b], sources[n], part['share'][n],
            part['power'][n] > metrics.ACTIVITY_THRESHOLD))
  summary = summarise({key: np.concatenate([p[key] for p in parts])
                       for key in parts[0]})
  if events is not None:
    summary['events'] = summarise_events(event_parts)
  return summary


# ------------------------- Event by event (synthetic) ------------------------

def scene_events(data_dir: str, split: str,
                 audio: np.ndarray) -> List[ClipEvents]:
  """Each clip's event waveforms and kinds, regenerated from its seed.

  The built-in synthetic data (`audioscope_make_synthetic`, the demo's data
  stage) records its scene options, seed and clip counts in
  `dataset_info.json`, so each scene can be generated again with its events
  apart; each stored clip is matched to the scene with its exact samples.

  Args:
    data_dir: the data set's folder.
    split: 'train', 'validation' or 'test'.
    audio: `[N, samples]` the split's stored clips, in any order.

  Returns:
    The `ClipEvents` of each clip of `audio`, in its order.

  Raises:
    ValueError: the folder holds no synthetic data set description, or a
      stored clip matches none of the scenes generated again.
  """
  info_path = os.path.join(data_dir, make_synthetic_lib.INFO_FILE)
  info = (json_io.read_json(info_path) if tf.io.gfile.exists(info_path)
          else {})
  if 'options' not in info or 'seed' not in info:
    raise ValueError(
        f'{info_path} does not describe a synthetic data set (scene options '
        'and seed); event-level purity needs the data of '
        'audioscope_make_synthetic or the demo.')
  options = synthetic.SceneOptions(**{
      key: tuple(value) if isinstance(value, list) else value
      for key, value in info['options'].items()})
  planned = make_synthetic_lib.plan_split(
      split, info['num_clips'][split], info['seed'],
      info['on_screen_fraction'], info['off_screen_fraction'])
  if len(planned) != len(audio):
    raise ValueError(f'{info_path} plans {len(planned)} {split} clips; the '
                     f'records hold {len(audio)}.')
  # The records may come back in another order than planned (interleaved
  # shards): each stored clip is matched to the scene with its samples.
  by_samples = {}
  for clip in planned:
    scene = synthetic.generate_scene(clip.seed, clip.label, options)
    by_samples[scene.audio.astype(np.float32).tobytes()] = (
        scene.event_audio.astype(np.float32), tuple(scene.event_kinds))
  events = []
  for index, stored in enumerate(audio):
    found = by_samples.get(np.asarray(stored, np.float32).tobytes())
    if found is None:
      raise ValueError(
          f'{split} clip {index} matches no scene generated again from the '
          f'seeds of {info_path}: the data in {data_dir} were not written '
          'with those options (or by another version).')
    events.append(found)
  return events


def _stft_power(x: np.ndarray) -> np.ndarray:
  """`[..., samples]` -> float64 `[..., frames, bins]` (32 ms, 8 ms hop)."""
  spectrum = tf.signal.stft(tf.constant(x, tf.float32), 512, 128).numpy()
  return np.square(np.abs(spectrum)).astype(np.float64)


def event_shares(events: np.ndarray,
                 sources: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """How the events of a mixture spread over its sources.

  As `purity`'s clip share, with an ideal ratio mask per event,
  |E_e|^2 / sum_e' |E_e'|^2 per STFT bin: a source's energy in the bins
  weighted by event e's mask is "its energy from event e".

  Args:
    events: `[E, samples]` the events of the mixture.
    sources: `[M, samples]` the separator's sources of it.

  Returns:
    (share `[M, E]`: each source's energy from event e over its energy;
    capture `[M, E]`: the same energy over event e's energy).
  """
  event_power = _stft_power(events)
  masks = event_power / np.maximum(event_power.sum(0, keepdims=True), 1e-30)
  source_power = _stft_power(sources)
  energy = np.einsum('mfk,efk->me', source_power, masks)
  share = energy / np.maximum(source_power.sum((1, 2))[:, None], 1e-30)
  capture = energy / np.maximum(event_power.sum((1, 2))[None, :], 1e-30)
  return share, capture


def mom_events(first: ClipEvents, second: ClipEvents, sources: np.ndarray,
               clip_share: np.ndarray, active: np.ndarray) -> Dict[str, Any]:
  """Event-level numbers of one MoM (its two clips' events).

  Args:
    first, second: the clips' `ClipEvents`.
    sources: `[M, samples]`.
    clip_share: `[M]` each source's share of clip 1 (`purity`'s 'share').
    active: `[M]` bool, the sources that count.

  Returns:
    Per active source: 'event_pure' (over 1 - PURE_SHARE from one event),
    'num_events' (events holding more than PURE_SHARE of it), 'clip_pure',
    'same_kind' (for a clip-impure source: its largest events of the two
    clips are of one kind; None for a pure one). Per event: 'capture' (the
    largest share of its energy in one source). Per MoM: 'num_events',
    'num_sources', 'kind_pairs' and 'same_kind_pairs' (pairs of events of
    different clips, and those of one kind).
  """
  events = np.concatenate([first[0], second[0]])
  kinds = first[1] + second[1]
  from_first = np.arange(len(kinds)) < len(first[1])
  share, capture = event_shares(events, sources)
  share, clip_share = share[active], clip_share[active]
  same_kind = []
  for m in range(share.shape[0]):
    if _is_pure(clip_share[m]):
      same_kind.append(None)
      continue
    top_1 = int(np.argmax(np.where(from_first, share[m], -1.0)))
    top_2 = int(np.argmax(np.where(from_first, -1.0, share[m])))
    same_kind.append(kinds[top_1] == kinds[top_2])
  return {
      'event_pure': share.max(axis=1) > 1 - PURE_SHARE,
      'num_events': np.sum(share > PURE_SHARE, axis=1),
      'clip_pure': _is_pure(clip_share),
      'same_kind': same_kind,
      'capture': capture.max(axis=0),
      'num_events_in_mom': len(kinds),
      'num_sources': sources.shape[0],
      'kind_pairs': len(first[1]) * len(second[1]),
      'same_kind_pairs': sum(a == b for a in first[1] for b in second[1]),
  }


def summarise_events(parts: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
  """Event-level fractions over the MoMs of `mom_events`."""

  def mean(values):
    values = np.asarray(values, np.float64)
    return float(np.mean(values)) if values.size else None

  num_events = np.concatenate([p['num_events'] for p in parts])
  few = np.concatenate([
      np.full(len(p['clip_pure']), p['num_events_in_mom'] <= p['num_sources'])
      for p in parts])
  clip_pure = np.concatenate([p['clip_pure'] for p in parts])
  same_kind = [v for p in parts for v in p['same_kind'] if v is not None]
  return {
      'events_per_mom': mean([p['num_events_in_mom'] for p in parts]),
      'moms_with_more_events_than_sources': mean(
          [p['num_events_in_mom'] > p['num_sources'] for p in parts]),
      'event_pure_fraction': mean(
          np.concatenate([p['event_pure'] for p in parts])),
      'sources_with_1_event': mean(num_events == 1),
      'sources_with_2_events': mean(num_events == 2),
      'sources_with_3_or_more_events': mean(num_events >= 3),
      'event_capture_median': float(np.median(
          np.concatenate([p['capture'] for p in parts]))),
      'events_captured_over_90': mean(
          np.concatenate([p['capture'] for p in parts]) > 1 - PURE_SHARE),
      'pure_fraction_moms_with_at_most_m_events': mean(clip_pure[few]),
      'impure_same_kind_fraction': mean(same_kind),
      'same_kind_base_rate': (
          sum(p['same_kind_pairs'] for p in parts) /
          max(sum(p['kind_pairs'] for p in parts), 1)),
  }


def checkpoint_prefixes(model_dir: str) -> List[Tuple[int, str]]:
  """(step, prefix) of every checkpoint in `model_dir`, by step."""
  state = tf.train.get_checkpoint_state(model_dir)
  if state is None or not state.all_model_checkpoint_paths:
    raise FileNotFoundError(f'No checkpoint in {model_dir}: train the '
                            'separator stage first (audioscope_demo '
                            '--last_stage=separator).')
  prefixes = []
  for prefix in state.all_model_checkpoint_paths:
    if not os.path.isabs(prefix):
      prefix = os.path.join(model_dir, prefix)
    prefixes.append((int(prefix.rsplit('-', 1)[-1]), prefix))
  return sorted(prefixes)


def build_separator(model_dir: str, sample_rate: int):
  """An `ImprovedTDCN` from `model_dir`'s operative gin config."""
  gin.clear_config()
  try:
    gin_utils.parse_gin(model_dir=model_dir)
    separator = separation.ImprovedTDCN()
    separator(tf.zeros([1, sample_rate // 10]), training=False)
  finally:
    gin.clear_config()
  return separator


def measure_dir(
    model_dir: str, splits: Mapping[str, Tuple[np.ndarray, int]],
    num_moms: int, seed: int, sample_rate: int, last_only: bool = False,
    split_events: Optional[Mapping[str, Sequence[ClipEvents]]] = None
) -> List[Dict[str, Any]]:
  """One row per checkpoint of `model_dir` (per split: `measure`).

  Args:
    model_dir: the separator's folder.
    splits: split -> (clips `[N, samples]`, the split's seed offset).
    num_moms: MoMs per split.
    seed: the MoM draw's seed.
    sample_rate: Hz.
    last_only: measure only the last checkpoint.
    split_events: optional split -> each clip's `ClipEvents`.
  """
  separator = build_separator(model_dir, sample_rate)
  prefixes = checkpoint_prefixes(model_dir)
  rows = []
  for step, prefix in prefixes[-1:] if last_only else prefixes:
    model_lib.read_separator_checkpoint(separator, prefix, sample_rate)
    row = {'step': step, 'checkpoint': prefix}
    for split, (audio, split_seed) in splits.items():
      row[split] = measure(
          lambda x: separator(tf.constant(x), training=False).numpy(),
          audio, num_moms, seed + split_seed,
          events=(split_events or {}).get(split))
    logging.info('%s step %d: %s', model_dir, step,
                 {s: (round(row[s]['mixit_snr'], 2),
                      round(row[s]['pure_fraction'] or 0, 3))
                  for s in splits})
    rows.append(row)
  return rows


_EVENT_COLUMNS = {
    'events per MoM': 'events_per_mom',
    'MoMs with > M events': 'moms_with_more_events_than_sources',
    'event-pure': 'event_pure_fraction',
    '1 event': 'sources_with_1_event',
    '2 events': 'sources_with_2_events',
    '3+ events': 'sources_with_3_or_more_events',
    'capture': 'event_capture_median',
    'events > 90% in one source': 'events_captured_over_90',
    'clip-pure, MoMs with <= M events': (
        'pure_fraction_moms_with_at_most_m_events'),
    'same kind (impure)': 'impure_same_kind_fraction',
    'same kind (all pairs)': 'same_kind_base_rate',
}


def _format(value, digits=2):
  return '-' if value is None else f'{value:.{digits}f}'


def markdown(results: Mapping[str, Any]) -> str:
  """The results as Markdown (one table row per variant and checkpoint)."""
  splits = results['splits']
  header = ['variant', 'step']
  for split in splits:
    header += [f'{split} MixIT SNR (dB)', f'{split} pure',
               f'{split} pure (power)', f'{split} MixIT = majority']
  rows = []
  for name, variant in results['variants'].items():
    for row in variant['rows']:
      cells = [name, str(row['step'])]
      for split in splits:
        values = row[split]
        cells += [_format(values['mixit_snr']),
                  _format(values['pure_fraction']),
                  _format(values['pure_power_fraction']),
                  _format(values['mixit_agrees_with_majority'])]
      rows.append(cells)
  lines = [
      f"Separator clip purity on {results['num_moms']} MoMs per split "
      f"(seed {results['seed']}). Ceiling of `pure` (the clips themselves "
      'as sources): ' + ', '.join(
          f"{split} {_format(results['oracle_pure_fraction'][split])}"
          for split in splits) + '.', '',
      *benchmark_utils.markdown_table(header, rows), '']
  event_rows = []
  for name, variant in results['variants'].items():
    for row in variant['rows']:
      for split in splits:
        values = row[split].get('events')
        if values:
          event_rows.append([name, str(row['step']), split] + [
              _format(values[key]) for key in _EVENT_COLUMNS.values()])
  if event_rows:
    lines += [
        'Event by event (the scenes generated again from their seeds; '
        'ideal ratio mask of every event). `1 / 2 / 3+ events`: sources '
        f'holding more than {PURE_SHARE:g} of their energy from that many '
        'events; `capture`: the median over events of the largest share of '
        "an event's energy in one source; `same kind`: clip-impure sources "
        'whose largest events of the two clips are of one kind, against all '
        'pairs of events of different clips.', '',
        *benchmark_utils.markdown_table(
            ['variant', 'step', 'split'] + list(_EVENT_COLUMNS), event_rows),
        '']
  for name, variant in results['variants'].items():
    lines.append(f"* {name}: bindings {variant['bindings'] or 'none'}, "
                 f"DemoConfig {variant['config'] or 'as the demo'}"
                 + (f", trained in {variant['train_seconds']:.0f} s"
                    if variant.get('train_seconds') else '') + '.')
  return '\n'.join(lines) + '\n'


def run(shared_dir: str, output_dir: str, variants: Sequence[str] = (),
        num_moms: int = 512, splits: Sequence[str] = ('train', 'test'),
        checkpoint_every: int = 250, steps: int = 0, seed: int = 0,
        last_only: bool = False, fast: bool = False,
        events: bool = False) -> Dict[str, Any]:
  """Trains the variants (if any) and measures their checkpoints.

  With `events`, the synthetic scenes are generated again from their seeds
  (`scene_events`) and every measurement adds the event-level numbers.
  """
  start = time.monotonic()
  parsed = [parse_variant(v) for v in variants]
  names = [name for name, _, _ in parsed]
  if len(set(names)) != len(names):
    raise ValueError(f'Variant names must differ, got {names}.')
  base = demo_lib.fast_config() if fast else demo_lib.DemoConfig()
  demo = demo_lib.Demo(os.path.join(output_dir, 'restore'), base,
                       shared_dir=shared_dir)
  sample_rate = int(demo.options.sample_rate)
  split_audio = {}
  for index, split in enumerate(splits):
    audio, _, _ = feature_synchrony.clip_arrays(demo, split, None)
    split_audio[split] = (audio, 7 + index)
  split_events = ({split: scene_events(demo.dirs['data'], split, audio)
                   for split, (audio, _) in split_audio.items()}
                  if events else None)
  results = {'shared_dir': shared_dir, 'num_moms': num_moms, 'seed': seed,
             'splits': list(splits), 'variants': {}}
  if not parsed:
    parsed = [('shared', None, None)]
  for name, bindings, overrides in parsed:
    entry = {'bindings': bindings or [], 'config': overrides or {}}
    if bindings is None:
      model_dir = demo.dirs['separator']
    else:
      config = demo_lib.DemoConfig(
          **dict(vars(base), gin_params=tuple(bindings),
                 separator_steps=steps or base.separator_steps, **overrides))
      config.validate()
      variant = demo_lib.Demo(os.path.join(output_dir, name), config)
      variant.dirs['data'] = demo.dirs['data']
      begin = time.monotonic()
      variant.train_separator(checkpoint_every=checkpoint_every)
      entry['train_seconds'] = time.monotonic() - begin
      model_dir = variant.dirs['separator']
    entry['model_dir'] = model_dir
    entry['rows'] = measure_dir(model_dir, split_audio, num_moms, seed,
                                sample_rate, last_only, split_events)
    results['variants'][name] = entry
  results['oracle_pure_fraction'] = {
      split: entry['rows'][-1][split]['oracle_pure_fraction']
      for split in splits}
  results['seconds'] = time.monotonic() - start
  return results


def define_flags() -> Dict[str, flags.FlagHolder]:
  """The command's flags (defined on call, not at import)."""
  return {
      'shared_dir': flags.DEFINE_string(
          'shared_dir', None, "A demo's output folder (or the shared stages "
          'of benchmarks/quality.py): its data set, and its separator when '
          'no --variant is given.'),
      'output_dir': flags.DEFINE_string(
          'output_dir', None, "Where the JSON, Markdown and the variants' "
          'checkpoints go.'),
      'variant': flags.DEFINE_multi_string(
          'variant', [], "'name: item; item': a separator trained with "
          "these gin bindings or DemoConfig fields ('batch_size = 16') on "
          "top of the demo's ('name:' for none)."),
      'steps': flags.DEFINE_integer(
          'steps', 0, "Training steps of every variant (0: the demo's)."),
      'checkpoint_every': flags.DEFINE_integer(
          'checkpoint_every', 250, "Steps between a variant's checkpoints."),
      'num_moms': flags.DEFINE_integer('num_moms', 512, 'MoMs per split.'),
      'splits': flags.DEFINE_list('splits', ['train', 'test'],
                                  'Splits whose clips make the MoMs.'),
      'last_only': flags.DEFINE_bool('last_only', False,
                                     'Measure only the last checkpoint.'),
      'fast': flags.DEFINE_bool('fast', False, "The demo's --fast budget "
                                '(tiny shapes).'),
      'events': flags.DEFINE_bool(
          'events', False, 'Also measure event by event: the synthetic '
          'scenes are generated again from their seeds with each event '
          'apart (the built-in synthetic data only).'),
  }


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  values = benchmark_utils.flag_values(argv, holders,
                                       ('shared_dir', 'output_dir'))
  benchmark_utils.check_choices('splits', values['splits'],
                                ['train', 'validation', 'test'])
  if values['checkpoint_every'] < 1 or values['num_moms'] < 1:
    raise app.UsageError('--checkpoint_every and --num_moms must be >= 1.')
  results = run(values['shared_dir'], values['output_dir'],
                values['variant'], values['num_moms'], values['splits'],
                values['checkpoint_every'], values['steps'],
                last_only=values['last_only'], fast=values['fast'],
                events=values['events'])
  benchmark_utils.write_report(values['output_dir'], RESULTS_FILE,
                               MARKDOWN_FILE, results, markdown(results))


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
