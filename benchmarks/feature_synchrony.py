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
r"""Can an alignment module learn synchrony from the pre-trained features,
and what do separated sources cost it? Writes JSON and Markdown.

  python benchmarks/feature_synchrony.py \
      --shared_dir=outputs/quality/shared --output_dir=/tmp/feature_synchrony

Uses the shared stages of `benchmarks/quality.py` (or a demo's output
folder): the data set, the MixIT-pre-trained separator and the coincidence
model, whose two trunks (with their projections) embed every clip and
source once, frozen. On these cached features an alignment module and a
Dense(1) classifier, nothing else, are trained on MoMs of training clips
(an on-screen-only or off-screen-only clip 1 plus another clip 2, the video
clip 1's) and evaluated on MoMs of test clips, in four conditions:

* `clips`: the audio is the two clips themselves (perfect clip-level
  separation, [clip 1, clip 2]) and clip 1 is always on-screen-only: every
  example shows a sounding, pulsing object, so only synchrony tells the
  two sources apart;
* `clips_with_cue`: as `clips`, but half the training examples have an
  off-screen-only clip 1 (labels all 0; its video may show a pulsing
  silent distractor), as in AudioScopeV2's training, so that "something in
  view pulses" also lowers the loss;
* `sources_mixit`: the audio is the pre-trained separator's M sources of
  the MoM, each labelled on-screen when MixIT assigns it to clip 1 (as
  `AudioVisualTask` labels on-screen-only primaries), half the examples
  off-screen as in `clips_with_cue`;
* `sources_share`: as `sources_mixit`, but a source is labelled on-screen
  when most of its energy is clip 1's (`energy_share` > 0.5);
* `sources_no_cue`: as `sources_mixit`, with every clip 1 on-screen-only
  (as `clips`).
* `sources_pure`: as `sources_mixit`, but the loss of an on-screen MoM
  counts only its clip-pure sources (energy share below 0.1 or above 0.9;
  every source of an off-screen MoM counts).

The two clip conditions are also scored on the separator's sources of the
test MoMs (trained on clean clips, applied to separated sources).

With `--audioscope_dir` (a demo's output folder, e.g. the same as
`--shared_dir`), the separator and the two trunks are those of its trained
AudioScopeV2 (fine-tuned with the classifier) instead of the pre-trained
ones: does what the full system's training does to its features help or
hurt a module that learns from them?

Reported per condition, on 512 test MoMs with an on-screen-only clip 1
(half of them with their video replaced by another on-screen-only clip's):
the power-weighted AUC within MoM of the true-video MoMs against the MixIT
labels and against the energy-share labels, and the median logit of clip
1's sound (clip 1, or the sources MixIT assigns to it) with its own video
minus with the replaced video (the replaced-frame probe in logits). The
coincidence model's own head is scored on the same features as a
reference, and the separator's sources are described by how many are
clip-pure (energy share below 0.1 or above 0.9) and how often MixIT's
assignment agrees with the energy majority. Not a measurement of the
papers; it locates what limits the demo's classifier.
"""

import functools
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope import attention
from audioscope import demo_lib
from audioscope import losses
from audioscope import metrics
from audioscope.data import pipeline
from audioscope.embeddings import video as video_embedding_lib

try:
  from benchmarks import benchmark_utils  # pylint: disable=g-import-not-at-top
except ImportError:  # Run as a script: benchmarks/ is sys.path[0].
  import benchmark_utils  # pylint: disable=g-import-not-at-top

RESULTS_FILE = 'feature_synchrony.json'
MARKDOWN_FILE = 'feature_synchrony.md'
FEATURES_FILE = 'features.npz'
# (name, audio kind, label kind, share of off-screen training examples).
CONDITIONS = (
    ('clips', 'clips', 'mixit', 0.0),
    ('clips_with_cue', 'clips', 'mixit', 0.5),
    ('sources_mixit', 'sources', 'mixit', 0.5),
    ('sources_share', 'sources', 'share', 0.5),
    ('sources_no_cue', 'sources', 'mixit', 0.0),
    ('sources_pure', 'sources', 'pure', 0.5),
)
PURE_SHARE = 0.1


def energy_share(reference_1, reference_2, sources):
  """Each source's share of energy that belongs to reference 1.

  `losses.reference_energy_share` (the ideal ratio mask of reference 1,
  |R1|^2 / (|R1|^2 + |R2|^2) per STFT bin of 32 ms hopped by 8 ms at 16
  kHz, averaged over a source's bins weighted by the source's energy
  there) on NumPy arrays.

  Args:
    reference_1: `[batch, time]`.
    reference_2: `[batch, time]`.
    sources: `[batch, M, time]`.

  Returns:
    `[batch, M]` float64 in [0, 1] (0.5 where reference 1 and 2 are both
    silent in a source's bins; 0 for a silent source).
  """
  references = np.stack([np.asarray(reference_1, np.float32),
                         np.asarray(reference_2, np.float32)], axis=1)
  return losses.reference_energy_share(
      references, np.asarray(sources, np.float32)).numpy().astype(np.float64)


def mixit_labels(reference_1, reference_2, sources):
  """`[batch, M]` 0/1: the sources MixIT (as in training) assigns to ref 1."""
  references = np.stack([reference_1, reference_2], axis=1)
  _, mixing = losses.mixit(references.astype(np.float32),
                           np.asarray(sources, np.float32))
  return np.asarray(mixing)[:, 0, :].astype(np.float32)


def _rms(x):
  return np.sqrt(np.mean(np.square(np.asarray(x, np.float64)), axis=-1))


def clip_arrays(demo, split: str,
                embed_video: Optional[Callable[[Any], Any]],
                batch_size: int = 16):
  """(audio `[N, samples]`, Z_V `[N, G, T, D]`, labels `[N]`) of a split.

  Z_V is None when `embed_video` is None (the audio alone).
  """
  dataset = pipeline.single_mixture_dataset(
      file_pattern=demo._data_pattern(split),  # pylint: disable=protected-access
      global_batch_size=batch_size, labels=None,
      **demo._clip_kwargs())  # pylint: disable=protected-access
  audio, video, labels = [], [], []
  for batch in dataset:
    if embed_video is not None:
      frames = video_embedding_lib.frames_to_float(
          video_embedding_lib.check_frames(batch['frames']))
      video.append(np.asarray(embed_video(frames)))
    audio.append(batch['audio'].numpy())
    labels.append(batch['labels'].numpy())
  if not audio:
    raise ValueError(f'The {split} split has no clips; run the data stage.')
  return (np.concatenate(audio),
          np.concatenate(video) if video else None, np.concatenate(labels))


def mom_features(audio, video, labels, num_moms: int, seed: int,
                 separator: Callable[[Any], Any],
                 embed_audio: Callable[[Any, int], Any],
                 chunk: int = 16) -> Dict[str, np.ndarray]:
  """Cached features of random MoMs (clip 1 + another clip 2) of one split.

  Args:
    audio: `[N, samples]` clips.
    video: `[N, G, T, D]` their frames' embeddings.
    labels: `[N]` clip labels (1 on-screen-only, 0 off-screen-only).
    num_moms: MoMs to draw (clip 1 uniformly, clip 2 another clip).
    seed: NumPy seed of the draw.
    separator: `[B, samples] -> [B, M, samples]`.
    embed_audio: `([B, K, samples], T) -> [B, K, T, D]`.
    chunk: MoMs per separator call.

  Returns:
    {'clip_1', 'clip_2' `[n]` indices, 'clip_audio' `[N, 1, T, D]`,
    'clip_rms' `[N]`, 'video', 'labels', 'source_audio' `[n, M, T, D]`,
    'source_rms' `[n, M]`, 'mixit' and 'share' `[n, M]`}.
  """
  if len(audio) < 2:
    raise ValueError(f'MoMs need at least 2 clips, got {len(audio)}.')
  rng = np.random.default_rng(seed)
  clip_1 = rng.integers(0, len(audio), num_moms)
  clip_2 = rng.integers(0, len(audio) - 1, num_moms)
  clip_2 += clip_2 >= clip_1
  num_frames = video.shape[2]
  clip_audio = np.concatenate([
      np.asarray(embed_audio(audio[i:i + chunk, np.newaxis], num_frames))
      for i in range(0, len(audio), chunk)])
  parts = {'source_audio': [], 'source_rms': [], 'mixit': [], 'share': []}
  for begin in range(0, num_moms, chunk):
    first = audio[clip_1[begin:begin + chunk]]
    second = audio[clip_2[begin:begin + chunk]]
    sources = np.asarray(separator(first + second), np.float32)
    parts['source_audio'].append(np.asarray(embed_audio(sources, num_frames)))
    parts['source_rms'].append(_rms(sources))
    parts['mixit'].append(mixit_labels(first, second, sources))
    parts['share'].append(energy_share(first, second, sources))
  features = {key: np.concatenate(value) for key, value in parts.items()}
  features.update(clip_1=clip_1, clip_2=clip_2, clip_audio=clip_audio,
                  clip_rms=_rms(audio), video=video, labels=labels)
  return features


def examples(features: Mapping[str, np.ndarray], audio_kind: str,
             label_kind: str, count: int, rng: np.random.Generator,
             off_screen_share: float = 0.0, replaced_share: float = 0.0,
             return_moms: bool = False):
  """A batch of (audio `[B, K, T, D]`, video, labels `[B, K]`, rms, flags).

  Draws MoMs whose clip 1 is on-screen-only (off-screen-only with
  probability `off_screen_share`: labels all 0); with probability
  `replaced_share` an on-screen MoM's video is another on-screen-only
  clip's (labels all 0). `audio_kind` 'clips': K = 2, [clip 1, clip 2],
  labels [1, 0]; 'sources': the separator's M sources with the 'mixit' or
  'share' (> 0.5) labels.

  Returns:
    (audio, video, labels float32, rms `[B, K]`, replaced `[B]` bool,
    clip-1 labels `[B, K]` before the off-screen and replaced zeroing),
    and with `return_moms` the MoM indices `[B]` last.
  """
  clip_labels = features['labels'][features['clip_1']]
  on_screen = np.flatnonzero(clip_labels == 1)
  off_screen = np.flatnonzero(clip_labels == 0)
  if not len(on_screen) or (off_screen_share > 0 and not len(off_screen)):
    raise ValueError('The MoMs need on-screen-only (and, with an off-screen '
                     'share, off-screen-only) first clips; draw more MoMs.')
  use_off = rng.random(count) < off_screen_share
  moms = np.where(use_off, rng.choice(off_screen if len(off_screen) else
                                      on_screen, count),
                  rng.choice(on_screen, count))
  first, second = features['clip_1'][moms], features['clip_2'][moms]
  donors = rng.choice(np.flatnonzero(features['labels'] == 1), count)
  replaced = (~use_off) & (rng.random(count) < replaced_share) & (
      donors != first)
  video = np.where(replaced[:, None, None, None], features['video'][donors],
                   features['video'][first])
  if audio_kind == 'clips':
    audio = np.concatenate([features['clip_audio'][first],
                            features['clip_audio'][second]], axis=1)
    rms = np.stack([features['clip_rms'][first], features['clip_rms'][second]],
                   axis=1)
    truth = np.tile(np.array([[1.0, 0.0]], np.float32), (count, 1))
  elif audio_kind == 'sources':
    audio = features['source_audio'][moms]
    rms = features['source_rms'][moms]
    if label_kind == 'share':
      truth = (features['share'][moms] > 0.5).astype(np.float32)
    else:
      truth = features['mixit'][moms].astype(np.float32)
  else:
    raise ValueError(f"audio_kind must be 'clips' or 'sources', got "
                     f'{audio_kind!r}.')
  keep = (clip_labels[moms] == 1) & ~replaced
  batch = (audio, video, truth * keep[:, None], rms, replaced, truth)
  return batch + (moms,) if return_moms else batch


def evaluate_scores(score_fn: Callable[[Any, Any], np.ndarray],
                    features: Mapping[str, np.ndarray], audio_kind: str,
                    count: int = 512, seed: int = 1,
                    batch_size: int = 64) -> Dict[str, Optional[float]]:
  """Within-MoM AUCs and the replaced-video logit drop of a scorer.

  Returns:
    {'within_auc_mixit', 'within_auc_share' (true-video MoMs; for 'clips'
    both use [1, 0]), for 'sources' also 'within_auc_pure_mixit' and
    'within_auc_pure_share' (the same over the clip-pure sources only:
    energy share below PURE_SHARE or above 1 - PURE_SHARE),
    'replaced_drop' (median logit of clip 1's sound with its video minus
    with a replaced one), 'num_true', 'num_replaced'}.
  """
  rng = np.random.default_rng(seed)
  audio, video, _, rms, replaced, truth, moms = examples(
      features, audio_kind, 'mixit', count, rng, 0.0, 0.5, return_moms=True)
  scores = np.concatenate([
      np.asarray(score_fn(audio[i:i + batch_size], video[i:i + batch_size]))
      for i in range(0, count, batch_size)]).astype(np.float64)
  if not np.all(np.isfinite(scores)):
    raise FloatingPointError('The scorer returned NaN/Inf logits.')
  true = ~replaced
  result = {'num_true': int(true.sum()), 'num_replaced': int(replaced.sum())}
  if audio_kind == 'clips':
    share = truth
  else:
    _, _, _, _, _, share = examples(features, audio_kind, 'share', count,
                                    np.random.default_rng(seed), 0.0, 0.5)
  weights = {'': rms}
  if audio_kind == 'sources':
    energy = features['share'][moms]
    weights['pure_'] = rms * ((energy < PURE_SHARE) | (energy > 1 - PURE_SHARE))
  for prefix, weight in weights.items():
    for name, labels in (('mixit', truth), ('share', share)):
      try:
        result[f'within_auc_{prefix}{name}'] = metrics.within_example_auc(
            labels[true], scores[true], weight[true][..., np.newaxis])
      except ValueError:
        result[f'within_auc_{prefix}{name}'] = None
  own = truth == 1
  if replaced.any() and (own & true[:, None]).any() and (
      own & replaced[:, None]).any():
    result['replaced_drop'] = float(
        np.median(scores[own & true[:, None]]) -
        np.median(scores[own & replaced[:, None]]))
  else:
    result['replaced_drop'] = None
  return result


def train_condition(train_features, test_features, condition, alignment: str,
                    steps: int, batch_size: int, learning_rate: float,
                    eval_every: int, seed: int = 0,
                    alignment_config: Optional[Mapping[str, Any]] = None):
  """Trains an alignment module + Dense(1) on cached features; its log.

  Args:
    train_features: `mom_features` of the training split.
    test_features: `mom_features` of the test split.
    condition: a `CONDITIONS` entry.
    alignment: the module (`attention.alignment_module`).
    steps: Adam steps.
    batch_size: MoMs per step.
    learning_rate: Adam's.
    eval_every: steps between evaluations (and at the last step).
    seed: TF and NumPy seed.
    alignment_config: the module's keyword arguments.

  Returns:
    A list of {'step', 'loss', 'seconds', 'train', 'test'} (`evaluate_scores`).
  """
  name, audio_kind, label_kind, off_screen_share = condition
  tf.keras.utils.set_random_seed(seed)
  module = attention.alignment_module(alignment, **(alignment_config or {}))
  dense = tf.keras.layers.Dense(1, name='classifier')
  optimizer = tf.keras.optimizers.Adam(learning_rate)

  def logits(audio, video, training):
    return dense(module(audio, video, training=training))[..., 0]

  @tf.function
  def step(audio, video, labels, weights):
    with tf.GradientTape() as tape:
      loss = tf.reduce_sum(weights * tf.nn.sigmoid_cross_entropy_with_logits(
          labels, logits(audio, video, True))) / tf.maximum(
              tf.reduce_sum(weights), 1.0)
    variables = module.trainable_variables + dense.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  def score(audio, video):
    return logits(tf.constant(audio), tf.constant(video), False).numpy()

  rng = np.random.default_rng(seed)
  log = []
  start = time.monotonic()
  for index in range(1, steps + 1):
    audio, video, labels, _, _, _, moms = examples(
        train_features, audio_kind, 'mixit' if label_kind == 'pure' else
        label_kind, batch_size, rng, off_screen_share, return_moms=True)
    weights = np.ones_like(labels)
    if label_kind == 'pure':
      # Only clip-pure sources of on-screen MoMs are trained on (every
      # source of an off-screen MoM is off-screen, pure or not).
      share = train_features['share'][moms]
      on_screen = train_features['labels'][train_features['clip_1'][moms]] == 1
      weights = np.where(on_screen[:, None],
                         (share < PURE_SHARE) | (share > 1 - PURE_SHARE),
                         True).astype(np.float32)
    loss = float(step(audio, video, labels, weights))
    if not np.isfinite(loss):
      raise FloatingPointError(f'{name}: the loss is {loss} at step {index}.')
    if index % eval_every == 0 or index == steps:
      entry = {'step': index, 'loss': loss,
               'seconds': time.monotonic() - start,
               'train': evaluate_scores(score, train_features, audio_kind),
               'test': evaluate_scores(score, test_features, audio_kind)}
      if audio_kind == 'clips':
        # Trained on clean clips, applied to the separator's sources.
        entry['test_sources'] = evaluate_scores(score, test_features,
                                                'sources')
      log.append(entry)
      logging.info('%s, step %d: loss %.3f, test within-MoM AUC %s (MixIT) '
                   '%s (share), replaced drop %s.', name, index, loss,
                   _format(entry['test']['within_auc_mixit']),
                   _format(entry['test']['within_auc_share']),
                   _format(entry['test']['replaced_drop']))
  return log


def separation_summary(features: Mapping[str, np.ndarray]) -> Dict[str, Any]:
  """How clip-pure the separator's sources are (active sources only)."""
  active = features['source_rms'] > metrics.ACTIVITY_THRESHOLD
  share = features['share'][active]
  mixit = features['mixit'][active]
  return {
      'num_sources': int(active.sum()),
      'pure_fraction': float(np.mean((share < PURE_SHARE) |
                                     (share > 1 - PURE_SHARE))),
      'mixit_agrees_with_majority': float(np.mean((share > 0.5) ==
                                                  (mixit == 1))),
      'median_share_of_mixit_clip_1': float(np.median(share[mixit == 1])),
  }


def _format(value, digits: int = 2) -> str:
  return '-' if value is None else f'{value:.{digits}f}'


def markdown(results: Mapping[str, Any]) -> str:
  """The report: separation, reference, and every condition's last step."""
  features = ('a trained AudioScopeV2\'s fine-tuned features'
              if results.get('audioscope_checkpoint') else
              'the pre-trained features')
  lines = [f'# Learning synchrony from {features}', '',
           f"Module `{results['alignment']}`, {results['steps']} steps of "
           f"{results['batch_size']} MoMs, learning rate "
           f"{results['learning_rate']}; test: {results['num_eval']} MoMs of "
           'test clips with an on-screen-only clip 1, half of them with '
           'replaced video. Within-MoM AUC: power-weighted, true video; '
           "replaced drop: median logit of clip 1's sound with its own video "
           'minus with another on-screen clip\'s.', '']
  if results.get('audioscope_checkpoint'):
    lines += ['Separator and trunks: the trained AudioScopeV2 '
              f"`{results['audioscope_checkpoint']}` (fine-tuned), with the "
              'pre-trained coincidence head.', '']
  separation = results['separation']
  lines += [f"Separator's active sources on the test MoMs: "
            f"{separation['num_sources']}, of which "
            f"{100 * separation['pure_fraction']:.0f}% are clip-pure (energy "
            f'share of clip 1 below {PURE_SHARE} or above {1 - PURE_SHARE}); '
            f"MixIT's assignment agrees with the energy majority for "
            f"{100 * separation['mixit_agrees_with_majority']:.0f}%.", '']
  header = ['condition', 'train within (MixIT)', 'test within (MixIT)',
            'test within (share)', 'test within, pure sources (MixIT)',
            'test within, pure sources (share)', 'test replaced drop',
            'seconds']
  rows = []
  for name, reference in results['coincidence_head'].items():
    test = reference['test']
    rows.append([f'coincidence head, {name}',
                 _format(reference['train']['within_auc_mixit']),
                 _format(test['within_auc_mixit']),
                 _format(test['within_auc_share']),
                 _format(test.get('within_auc_pure_mixit')),
                 _format(test.get('within_auc_pure_share')),
                 _format(test['replaced_drop']), '-'])
  for name, log in results['conditions'].items():
    last = log[-1]
    tests = [('', last['test'])]
    if 'test_sources' in last:
      tests.append((', applied to sources', last['test_sources']))
    for suffix, test in tests:
      rows.append([name + suffix, _format(last['train']['within_auc_mixit']),
                   _format(test['within_auc_mixit']),
                   _format(test['within_auc_share']),
                   _format(test.get('within_auc_pure_mixit')),
                   _format(test.get('within_auc_pure_share')),
                   _format(test['replaced_drop']),
                   f"{last['seconds']:.0f}"])
  lines += benchmark_utils.markdown_table(header, rows)
  best = {name: max(entry['test']['within_auc_share'] or 0.0
                    for entry in log)
          for name, log in results['conditions'].items()}
  if best:
    lines += ['', 'Best test within-MoM AUC (share labels) over the '
              'evaluations of each run: ' + ', '.join(
                  f'{name} {value:.2f}' for name, value in best.items())
              + '.']
  return '\n'.join(lines) + '\n'


def write_features(path: str, key: np.ndarray,
                   features: Mapping[str, Mapping[str, np.ndarray]]) -> None:
  """Stores {split: `mom_features`} with the key they were made for."""
  os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
  np.savez(path, key=key, **{
      f'{split}/{name}': value for split, arrays in features.items()
      for name, value in arrays.items()})


def read_features(path: str, key: np.ndarray
                  ) -> Dict[str, Dict[str, np.ndarray]]:
  """`write_features`' dict if `path` holds one made for `key`, else {}."""
  if not os.path.exists(path):
    return {}
  features = {}
  with np.load(path) as stored:
    if 'key' not in stored.files or not np.array_equal(stored['key'], key):
      logging.info('%s holds features of other checkpoints or MoMs; '
                   'computing them again.', path)
      return {}
    for name in stored.files:
      split, _, array = name.partition('/')
      if array:
        features.setdefault(split, {})[array] = stored[name]
  logging.info('Read the cached features from %s.', path)
  return features


def run(shared_dir: str, output_dir: str, alignment: str = 'separable_sa',
        steps: int = 2000, batch_size: int = 8, learning_rate: float = 1e-3,
        eval_every: int = 250, num_train_moms: int = 1536,
        num_test_moms: int = 512, conditions: Sequence[str] = (),
        fast: bool = False, seed: int = 0,
        deterministic: bool = True,
        audioscope_dir: Optional[str] = None) -> Dict[str, Any]:
  """Caches the features (once) and trains every condition; the results.

  The features are kept in `<output_dir>/features.npz` and read again by a
  later run with the same checkpoints, MoM counts and seed. With
  `deterministic`, TF's op determinism is on (as in the demo's training),
  so a rerun on one machine repeats the numbers.

  With `audioscope_dir` (a demo's output folder whose AudioScopeV2 stage is
  trained), the separator and both trunks are that model's, as fine-tuned
  with the classifier (its evaluated checkpoint), instead of the
  pre-trained ones; the coincidence head stays the pre-trained one.
  """
  start = time.monotonic()
  if deterministic:
    tf.config.experimental.enable_op_determinism()
  # Python, NumPy and TF seeds: Keras draws unseeded initialisers from
  # Python's, and op determinism refuses unseeded random ops.
  tf.keras.utils.set_random_seed(seed)
  config = demo_lib.fast_config() if fast else demo_lib.DemoConfig()
  demo = demo_lib.Demo(os.path.join(output_dir, 'restore'), config,
                       shared_dir=shared_dir)
  coincidence, coincidence_prefix = demo.restore_coincidence()
  audio_trunk, video_trunk = (coincidence.audio_embedding,
                              coincidence.video_embedding)
  audioscope_prefix = None
  if not audioscope_dir:
    separator, separator_prefix = demo.restore_separator()
  else:
    trained = demo_lib.Demo(audioscope_dir, config)
    try:
      model, audioscope_prefix, _ = trained.restore_audioscope()
    finally:
      gin.clear_config()
    separator, audio_trunk, video_trunk = (
        model.separator, model.audio_embedding, model.video_embedding)
    separator_prefix = coincidence_prefix = audioscope_prefix
    logging.info('Separator and trunks of %s.', audioscope_prefix)

  def embed_audio(sources, num_frames):
    return audio_trunk(tf.constant(sources, tf.float32), num_frames,
                       training=False).numpy()

  def embed_video(frames):
    return video_trunk(frames, training=False).numpy()

  cache = os.path.join(output_dir, FEATURES_FILE)
  cache_key = np.array([separator_prefix, coincidence_prefix,
                        str(num_train_moms), str(num_test_moms), str(seed)])
  features = read_features(cache, cache_key)
  if not features:
    for split, count, draw_seed in (('train', num_train_moms, seed + 7),
                                    ('test', num_test_moms, seed + 8)):
      logging.info('Embedding the %s clips and %d MoMs...', split, count)
      audio, video, labels = clip_arrays(demo, split, embed_video)
      features[split] = mom_features(
          audio, video, labels, count, draw_seed,
          lambda x: separator(tf.constant(x), training=False).numpy(),
          embed_audio)
    write_features(cache, cache_key, features)
  chosen = [c for c in CONDITIONS if not conditions or c[0] in conditions]

  def head_scores(audio, video):
    count, sources = audio.shape[0], audio.shape[1]
    logits = coincidence.fuse(
        tf.reshape(audio, [count * sources, 1] + list(audio.shape[2:])),
        tf.repeat(video, sources, axis=0))
    return tf.reshape(logits, [count, sources]).numpy()

  results = {
      'alignment': alignment, 'steps': steps, 'batch_size': batch_size,
      'learning_rate': learning_rate, 'num_eval': 512, 'seed': seed,
      'deterministic': deterministic,
      'shared_dir': shared_dir, 'separator_checkpoint': separator_prefix,
      'coincidence_checkpoint': coincidence_prefix,
      'audioscope_checkpoint': audioscope_prefix,
      'separation': separation_summary(features['test']),
      'coincidence_head': {
          kind: {split: evaluate_scores(head_scores, features[split], kind)
                 for split in ('train', 'test')}
          for kind in ('clips', 'sources')},
      'conditions': {}}
  for condition in chosen:
    logging.info('==== %s ====', condition[0])
    results['conditions'][condition[0]] = train_condition(
        features['train'], features['test'], condition, alignment, steps,
        batch_size, learning_rate, eval_every, seed,
        {'num_layers': 1} if fast else None)
  results['seconds'] = time.monotonic() - start
  return results


def define_flags() -> Dict[str, flags.FlagHolder]:
  """The command's flags (defined on call, not at import)."""
  return {
      'shared_dir': flags.DEFINE_string(
          'shared_dir', None, "The shared stages' folder (data, separator, "
          "coincidence) of benchmarks/quality.py or a demo's output folder."),
      'output_dir': flags.DEFINE_string('output_dir', None,
                                        'Where the JSON, Markdown and the '
                                        'feature cache go.'),
      'alignment': flags.DEFINE_string('alignment', 'separable_sa',
                                       'The alignment module.'),
      'steps': flags.DEFINE_integer('steps', 2000, 'Training steps.'),
      'batch_size': flags.DEFINE_integer('batch_size', 8, 'MoMs per step.'),
      'learning_rate': flags.DEFINE_float('learning_rate', 1e-3, "Adam's."),
      'eval_every': flags.DEFINE_integer('eval_every', 250,
                                         'Steps between evaluations.'),
      'conditions': flags.DEFINE_list(
          'conditions', [], 'Conditions to train (empty: all of '
          f'{[c[0] for c in CONDITIONS]}).'),
      'fast': flags.DEFINE_bool('fast', False, "Shared stages of the demo's "
                                '--fast budget (tiny shapes).'),
      'audioscope_dir': flags.DEFINE_string(
          'audioscope_dir', None, "A demo's output folder with a trained "
          "AudioScopeV2 stage: embed with that model's fine-tuned separator "
          'and trunks instead of the pre-trained ones.'),
  }


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  values = benchmark_utils.flag_values(argv, holders,
                                       ('shared_dir', 'output_dir'))
  benchmark_utils.check_choices('conditions', values['conditions'],
                                [c[0] for c in CONDITIONS])
  results = run(values['shared_dir'], values['output_dir'],
                values['alignment'], values['steps'], values['batch_size'],
                values['learning_rate'], values['eval_every'],
                conditions=values['conditions'], fast=values['fast'],
                audioscope_dir=values['audioscope_dir'])
  benchmark_utils.write_report(values['output_dir'], RESULTS_FILE,
                               MARKDOWN_FILE, results, markdown(results))


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
