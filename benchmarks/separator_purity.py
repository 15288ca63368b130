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
"""

import ast
import dataclasses
import functools
import os
import re
import time
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from absl import app
from absl import flags
from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope import demo_lib
from audioscope import gin_utils
from audioscope import losses
from audioscope import metrics
from audioscope import model as model_lib
from audioscope import separation

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
  from benchmarks import feature_synchrony  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top
  import feature_synchrony  # pylint: disable=g-import-not-at-top

RESULTS_FILE = 'separator_purity.json'
MARKDOWN_FILE = 'separator_purity.md'
PURE_SHARE = feature_synchrony.PURE_SHARE


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
            chunk: int = 16) -> Dict[str, Any]:
  """`summarise` of a separator on `num_moms` MoMs of the clips `audio`.

  Args:
    separator_fn: `[B, samples] -> [B, M, samples]`.
    audio: `[N, samples]` clips.
    num_moms: MoMs to draw (`draw_moms`).
    seed: the draw's seed.
    chunk: MoMs per separator call.
  """
  clip_1, clip_2 = draw_moms(len(audio), num_moms, seed)
  parts = []
  for begin in range(0, num_moms, chunk):
    first = audio[clip_1[begin:begin + chunk]]
    second = audio[clip_2[begin:begin + chunk]]
    sources = np.asarray(separator_fn(first + second), np.float32)
    if not np.all(np.isfinite(sources)):
      raise FloatingPointError('The separator gave non-finite sources; the '
                               'checkpoint is broken (retrain it).')
    parts.append(purity(first, second, sources))
  return summarise({key: np.concatenate([p[key] for p in parts])
                    for key in parts[0]})


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


def measure_dir(model_dir: str, splits: Mapping[str, np.ndarray],
                num_moms: int, seed: int, sample_rate: int,
                last_only: bool = False) -> List[Dict[str, Any]]:
  """One row per checkpoint of `model_dir` (per split: `measure`)."""
  separator = build_separator(model_dir, sample_rate)
  prefixes = checkpoint_prefixes(model_dir)
  rows = []
  for step, prefix in prefixes[-1:] if last_only else prefixes:
    model_lib.read_separator_checkpoint(separator, prefix, sample_rate)
    row = {'step': step, 'checkpoint': prefix}
    for split, (audio, split_seed) in splits.items():
      row[split] = measure(
          lambda x: separator(tf.constant(x), training=False).numpy(),
          audio, num_moms, seed + split_seed)
    logging.info('%s step %d: %s', model_dir, step,
                 {s: (round(row[s]['mixit_snr'], 2),
                      round(row[s]['pure_fraction'] or 0, 3))
                  for s in splits})
    rows.append(row)
  return rows


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
  for name, variant in results['variants'].items():
    lines.append(f"* {name}: bindings {variant['bindings'] or 'none'}, "
                 f"DemoConfig {variant['config'] or 'as the demo'}"
                 + (f", trained in {variant['train_seconds']:.0f} s"
                    if variant.get('train_seconds') else '') + '.')
  return '\n'.join(lines) + '\n'


def run(shared_dir: str, output_dir: str, variants: Sequence[str] = (),
        num_moms: int = 512, splits: Sequence[str] = ('train', 'test'),
        checkpoint_every: int = 250, steps: int = 0, seed: int = 0,
        last_only: bool = False, fast: bool = False) -> Dict[str, Any]:
  """Trains the variants (if any) and measures their checkpoints."""
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
                                sample_rate, last_only)
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
                last_only=values['last_only'], fast=values['fast'])
  benchmark_utils.write_report(values['output_dir'], RESULTS_FILE,
                               MARKDOWN_FILE, results, markdown(results))


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
