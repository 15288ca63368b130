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
"""Evaluation of on-screen separation models over evaluation sets.

ECCV sec. 4.3-4.4 and Table 1, arXiv sec. 4.3 and Tables 1-3:

1. `predict(model_fn, dataset)` runs a model over a `tf.data` evaluation set
   (the dicts of `audioscope.data.pipeline`) once and keeps its separated
   sources and RAW logits as NumPy (`Predictions`). Every operating point is
   then computed from these without re-running the network: the on-screen
   estimate at logit offset theta is x_on(theta) = sum_m sigmoid(l_m +
   theta) s_m (ECCV eq. 12).
2. `evaluate_predictions(on_screen, off_screen, theta)` gives one operating
   point: median SNR(x_on, x_on(theta)) and SI-SNR on the on-screen set,
   median OSR(x, x_on(theta)) on the off-screen set, the power-weighted
   AUC-ROC and the MixIT* oracle SI-SNR, plus per-example rows.
3. `baselines(on_screen, off_screen)`: the "no processing" rows, x_on = x
   (0 dB OSR) and x_on = x / 2 (6.02 dB OSR).
4. `evaluate(output_dir, on_screen, off_screen, ...)` puts the uncalibrated
   model (theta = the model's stored offset, usually 0) and the model
   calibrated to a target median OSR (6 dB) side by side with the baselines,
   optionally with single-mixture results, and writes `summary.json`,
   `results.md` (laid out like ECCV Table 1), `per_example.csv`, the
   OSR-vs-SNR curve (`osr_snr_curve.csv`/`.png`) and TensorBoard scalars
   under `output_dir/eval`.
5. `evaluate_model(model_fn, output_dir, test_dataset=..., ...)` is the
   gin-configurable dataset wiring used by `audioscope_eval`; `load_model`
   restores a model from a model directory or a SavedModel.

Conventions (documented choices):

* Medians skip silent references: on-screen examples whose x_on has RMS <=
  1e-8, off-screen examples whose mixture is silent (their OSR is 0 by
  definition). Both are counted in the summary.
* AUC labels per source: for on-screen examples the MixIT assignment of the
  separated sources to the references [x_on, x - x_on] (row 0 = on-screen,
  `losses.mixit` with the negative thresholded SNR, as in training); for
  off-screen examples all 0. For single-mixture sets (arXiv 4.2.1) every
  source of an on-screen-only clip is labelled 1. The AUC is computed on the
  raw logits (monotonic in the probabilities, so the same AUC, without the
  ties a saturated sigmoid would create); it does not depend on theta.
* "AUC within MoM" (`metrics.within_example_auc`, not in the papers) uses
  the same labels and logits but only compares sources of the same
  on-screen MoM. A classifier that only detects whether a clip shows a
  sounding object scores 0.5 there however high its AUC; its estimate of a
  MoM is p * x, which on 0 dB MoMs cannot beat x/2 in SNR.
* MixIT* (arXiv 4.3) is the SI-SNR of the sum of the sources MixIT assigns
  to x_on, on the on-screen MoMs; it is not reported for single mixtures.
* "Suppression of the on-screen part" and "of the off-screen part" (not in
  the papers) split the on-screen estimate of an on-screen MoM along the
  same MixIT assignment a: part = sum_m a_m s_m (or 1 - a_m), kept part =
  sum_m sigmoid(l_m + theta) a_m s_m, suppression = `metrics.osr(part,
  kept part)`. The first should be near 0 dB, the second near the OSR of
  the off-screen MoMs; an off-screen part suppressed much less than the
  off-screen MoMs means the classifier lets a clip-level "something in view
  sounds" cue decide for every source of the MoM. Medians over the MoMs
  whose part is not silent; not reported for single mixtures.
* The off-screen reference of an example is x - x_on.

Example:

  model_fn = evaluate_lib.as_model_fn(model)
  predictions = evaluate_lib.predict(model_fn, test_dataset)
  on_screen, off_screen = predictions.split_by_label()
  summary = evaluate_lib.evaluate('/tmp/eval', on_screen, off_screen,
                                  target_osr_db=6.0)
"""

import csv
import dataclasses
import json
import math
import os
import time
from typing import (Any, Callable, Dict, List, Mapping, Optional, Sequence,
                    Tuple, Union)

from absl import logging
import gin
import numpy as np
from scipy import special
import tensorflow as tf

from audioscope import losses
from audioscope import metrics
from audioscope.evaluation import bootstrap
from audioscope.evaluation import calibration

ON_SCREEN_LABEL = 1
OFF_SCREEN_LABEL = 0
UNLABELLED = -1
ACTIVITY_THRESHOLD = metrics.ACTIVITY_THRESHOLD
# Examples per losses.mixit call (bounds its memory for a custom loss_fn).
_MIXIT_CHUNK = 16

SUMMARY_FILE = 'summary.json'
REPORT_FILE = 'results.md'
PER_EXAMPLE_FILE = 'per_example.csv'
CURVE_CSV_FILE = 'osr_snr_curve.csv'
CURVE_PNG_FILE = 'osr_snr_curve.png'
SUMMARY_DIR = 'eval'

# Rows of the results table, in ECCV Table 1 order.
ROW_NO_PROCESSING = 'no_processing_x'
ROW_NO_PROCESSING_HALF = 'no_processing_half_x'
ROW_UNCALIBRATED = 'uncalibrated'
ROW_CALIBRATED = 'calibrated'
ROWS = (ROW_NO_PROCESSING, ROW_NO_PROCESSING_HALF, ROW_UNCALIBRATED,
        ROW_CALIBRATED)
# Columns: (summary key, Markdown header).
COLUMNS = (('median_snr_db', 'SNR (dB)'), ('median_si_snr_db', 'SI-SNR (dB)'),
           ('median_osr_db', 'OSR (dB)'), ('auc', 'AUC'),
           ('within_auc', 'AUC within MoM'),
           ('median_mixit_oracle_si_snr_db', 'MixIT* (dB)'),
           ('median_on_screen_part_suppression_db', 'On-part supp. (dB)'),
           ('median_off_screen_part_suppression_db', 'Off-part supp. (dB)'))
SINGLE_MIXTURE_COLUMNS = (('median_snr_db', 'On: SNR (dB)'),
                          ('median_si_snr_db', 'On: SI-SNR (dB)'),
                          ('median_osr_db', 'Off: OSR (dB)'), ('auc', 'AUC'))
MISSING = '-'

ModelFn = Callable[[Dict[str, Any]], Mapping[str, Any]]
DatasetLike = Union[tf.data.Dataset, Callable[[], tf.data.Dataset]]

# ------------------------------ Predictions ---------------------------------


def _float_array(value, name, ndim, layout):
  if hasattr(value, 'numpy'):
    value = value.numpy()
  array = np.asarray(value, dtype=np.float32)
  if array.ndim != ndim:
    raise ValueError(f'{name} must have shape {layout}, got {array.shape}.')
  if not np.all(np.isfinite(array)):
    raise ValueError(f'{name} contains NaN or Inf; the model or the data '
                     'produced non-finite values, evaluate finite ones.')
  return array


@dataclasses.dataclass
class Predictions:
  """A model's outputs over an evaluation set, as NumPy arrays.

  Sizes are float32 N x M x T for the sources (about 1.3 GB for 1000 clips
  of 5 s at 16 kHz with M = 4).

  Attributes:
    mixtures: `[N, time]` input audio x.
    sources: `[N, M, time]` separated sources s.
    logits: `[N, M]` RAW on-screen logits (without the calibration offset).
    labels: `[N]` int, 1 on-screen example, 0 off-screen, -1 unlabelled.
    on_screen_references: `[N, time]` x_on (zeros for off-screen examples).
    off_screen_references: `[N, time]` x_off; default x - x_on.
    clip_ids: N strings; default 'example-<i>'.
  """
  mixtures: np.ndarray
  sources: np.ndarray
  logits: np.ndarray
  labels: np.ndarray
  on_screen_references: np.ndarray
  off_screen_references: Optional[np.ndarray] = None
  clip_ids: Optional[Sequence[str]] = None

  def __post_init__(self):
    self.mixtures = _float_array(self.mixtures, 'mixtures', 2, '[N, time]')
    self.sources = _float_array(self.sources, 'sources', 3, '[N, M, time]')
    self.logits = _float_array(self.logits, 'logits', 2, '[N, M]')
    self.on_screen_references = _float_array(self.on_screen_references,
                                             'on_screen_references', 2,
                                             '[N, time]')
    if self.off_screen_references is None:
      self.off_screen_references = self.mixtures - self.on_screen_references
    self.off_screen_references = _float_array(self.off_screen_references,
                                              'off_screen_references', 2,
                                              '[N, time]')
    self.labels = np.asarray(self.labels).astype(np.int64).reshape(-1)
    n, m, t = self.sources.shape
    expected = {
        'mixtures': ((n, t), self.mixtures.shape),
        'logits': ((n, m), self.logits.shape),
        'labels': ((n,), self.labels.shape),
        'on_screen_references': ((n, t), self.on_screen_references.shape),
        'off_screen_references': ((n, t), self.off_screen_references.shape),
    }
    for name, (want, got) in expected.items():
      if want != got:
        raise ValueError(
            f'{name} has shape {got} but sources {self.sources.shape} '
            f'[N, M, time] need {want}; pass arrays of the same examples.')
    if not np.all(np.isin(self.labels, (UNLABELLED, OFF_SCREEN_LABEL,
                                        ON_SCREEN_LABEL))):
      raise ValueError(f'labels must be 1 (on-screen), 0 (off-screen) or -1 '
                       f'(unlabelled), got {np.unique(self.labels)}.')
    if self.clip_ids is None:
      self.clip_ids = [f'example-{i}' for i in range(n)]
    self.clip_ids = [str(c) for c in self.clip_ids]
    if len(self.clip_ids) != n:
      raise ValueError(f'{len(self.clip_ids)} clip_ids for {n} examples.')

  @property
  def num_examples(self) -> int:
    return int(self.sources.shape[0])

  @property
  def num_sources(self) -> int:
    return int(self.sources.shape[1])

  def select(self, indices) -> 'Predictions':
    """The examples at `indices` (ints or a boolean mask)."""
    indices = np.asarray(indices)
    if indices.dtype == bool:
      indices = np.flatnonzero(indices)
    indices = indices.astype(np.int64).reshape(-1)
    return Predictions(
        mixtures=self.mixtures[indices],
        sources=self.sources[indices],
        logits=self.logits[indices],
        labels=self.labels[indices],
        on_screen_references=self.on_screen_references[indices],
        off_screen_references=self.off_screen_references[indices],
        clip_ids=[self.clip_ids[i] for i in indices])

  def split_by_label(self) -> Tuple['Predictions', 'Predictions']:
    """(on-screen examples, off-screen examples); unlabelled ones dropped."""
    num_unlabelled = int(np.sum(self.labels == UNLABELLED))
    if num_unlabelled:
      logging.warning('Evaluation drops %d unlabelled (-1) examples.',
                      num_unlabelled)
    return (self.select(self.labels == ON_SCREEN_LABEL),
            self.select(self.labels == OFF_SCREEN_LABEL))

  def probabilities(self, theta: float = 0.0) -> np.ndarray:
    """`[N, M]` float64 sigmoid(logits + theta)."""
    return special.expit(self.logits.astype(np.float64) + float(theta))

  def on_screen_estimate(self, theta: float = 0.0) -> np.ndarray:
    """`[N, time]` float64 x_on(theta) = sum_m sigmoid(l_m + theta) s_m."""
    return np.einsum('nm,nmt->nt', self.probabilities(theta),
                     self.sources.astype(np.float64))

  @classmethod
  def concatenate(cls, items: Sequence['Predictions']) -> 'Predictions':
    """One `Predictions` of all examples of `items`, in order."""
    if not items:
      raise ValueError('Nothing to concatenate: give at least one '
                       'Predictions.')
    return cls(
        mixtures=np.concatenate([p.mixtures for p in items]),
        sources=np.concatenate([p.sources for p in items]),
        logits=np.concatenate([p.logits for p in items]),
        labels=np.concatenate([p.labels for p in items]),
        on_screen_references=np.concatenate(
            [p.on_screen_references for p in items]),
        off_screen_references=np.concatenate(
            [p.off_screen_references for p in items]),
        clip_ids=[c for p in items for c in p.clip_ids])


# ------------------------------ Running models ------------------------------


def _is_inference_model(model) -> bool:
  """An `export_lib.InferenceModel` (NumPy (audio, frames) -> dict)."""
  return (hasattr(model, 'module') and hasattr(model, 'calibration_offset') and
          hasattr(model, 'separate'))


def as_model_fn(model: Any, use_tf_function: bool = True) -> ModelFn:
  """`model_fn(batch) -> outputs` for any supported model.

  Args:
    model: one of
      * an `AudioScopeV2` (any Keras model with a `classifier`): called with
        {'audio', 'frames'} and training=False, in a `tf.function` unless
        `use_tf_function` is False (traced without autograph);
      * an `export_lib.InferenceModel` (a loaded audioscope SavedModel or
        `export_lib.from_model`): called as model(audio, frames);
      * a SavedModel signature / concrete function taking keyword arguments
        `audio` and `frames` (`loaded.signatures['serving_default']`);
      * any other callable, taken to accept the batch dict already.
    use_tf_function: compile Keras models with `tf.function`.

  Returns:
    A callable taking {'audio' [batch, samples], 'frames' [batch, T, H, W, 3]}
    and returning a dict with at least `sources` `[batch, M, samples]` and
    RAW `logits` `[batch, M]` (what `AudioScopeV2` and the audioscope
    SavedModel's `serving_default` return; neither adds theta to `logits`).
  """
  if isinstance(model, tf.keras.Model) and hasattr(model, 'classifier'):

    def call(audio, frames):
      return model({'audio': audio, 'frames': frames}, training=False)

    if use_tf_function:
      # autograph=False: the model's Python control flow is on static shapes
      # and needs no conversion (autograph converting the attention layers'
      # input checks fails on TF 2.15).
      call = tf.function(call, reduce_retracing=True, autograph=False)

    def keras_fn(batch):
      return call(tf.cast(batch['audio'], tf.float32),
                  tf.cast(batch['frames'], tf.float32))

    return keras_fn
  if _is_inference_model(model):
    return lambda batch: model(np.asarray(batch['audio'], np.float32),
                               np.asarray(batch['frames'], np.float32))
  if isinstance(model, tf.types.experimental.ConcreteFunction):
    return lambda batch: model(
        audio=tf.cast(batch['audio'], tf.float32),
        frames=tf.cast(batch['frames'], tf.float32))
  if not callable(model):
    raise TypeError(f'Cannot evaluate a {type(model).__name__}: pass an '
                    'AudioScopeV2, a loaded audioscope SavedModel or a '
                    'callable batch -> {"sources", "logits"}.')
  return model


def stored_calibration_offset(model: Any) -> float:
  """The theta a model carries (0 for plain callables)."""
  classifier = getattr(model, 'classifier', None)
  if classifier is not None and hasattr(classifier, 'calibration_offset'):
    return float(np.asarray(classifier.calibration_offset))
  if _is_inference_model(model):
    return float(model.calibration_offset)
  return 0.0


def _numpy(value):
  return value.numpy() if hasattr(value, 'numpy') else np.asarray(value)


def batch_clip_ids(batch, start, size):
  """The first `size` clip ids of a batch ('a+b' for MoM pairs).

  Args:
    batch: a batch dict, with 'clip_id' `[batch]` or `[batch, 2]` or none.
    start: index of the batch's first example (for 'example-<i>' names).
    size: number of ids.

  Returns:
    A list of strings.
  """
  if 'clip_id' not in batch:
    return [f'example-{start + i}' for i in range(size)]
  ids = _numpy(batch['clip_id'])[:size]

  def text(x):
    return x.decode('utf-8', 'replace') if isinstance(x, bytes) else str(x)

  if ids.ndim == 2:  # MoM pairs: [batch, 2].
    return ['+'.join(text(x) for x in row) for row in ids]
  return [text(x) for x in ids.reshape(-1)]


def _on_screen_references(batch, audio, labels, size):
  """x_on of a batch: 'on_screen_audio', else derived from the labels."""
  if 'on_screen_audio' in batch:
    return _numpy(batch['on_screen_audio'])[:size]
  on_screen = (labels == ON_SCREEN_LABEL)[:, np.newaxis]
  if 'reference_mixtures' in batch:
    primary = _numpy(batch['reference_mixtures'])[:size, 0]
    return np.where(on_screen, primary, 0.0)
  return np.where(on_screen, audio, 0.0)


def iterate_batches(dataset: DatasetLike):
  """A dataset (or the dataset a zero-argument function returns)."""
  if callable(dataset) and not isinstance(dataset, tf.data.Dataset):
    dataset = dataset()
  if not isinstance(dataset, (tf.data.Dataset, list, tuple)):
    raise TypeError(f'Expected a tf.data.Dataset of batches (or a function '
                    f'returning one), got {type(dataset).__name__}.')
  return dataset


def check_batch(batch):
  """Raises unless `batch` is a dict with 'audio' and 'frames'."""
  if not isinstance(batch, Mapping) or not {'audio', 'frames'} <= set(batch):
    keys = sorted(batch) if isinstance(batch, Mapping) else type(batch)
    raise ValueError(
        "Evaluation batches must be dicts with 'audio' [batch, samples] and "
        f"'frames' [batch, T, H, W, 3] (audioscope.data.pipeline), got {keys}.")


def check_model_outputs(outputs, logits_key, batch_size, num_samples):
  """(sources `[batch, M, samples]`, logits `[batch, M]`) as NumPy; checked."""
  if not isinstance(outputs, Mapping) or not {'sources', logits_key
                                             } <= set(outputs):
    keys = sorted(outputs) if isinstance(outputs, Mapping) else type(outputs)
    raise ValueError(
        f"model_fn must return a dict with 'sources' [batch, M, samples] and "
        f"'{logits_key}' [batch, M], got {keys}.")
  sources = _numpy(outputs['sources'])
  logits = _numpy(outputs[logits_key])
  if (sources.ndim != 3 or sources.shape[0] != batch_size or
      sources.shape[2] != num_samples or logits.shape != sources.shape[:2]):
    raise ValueError(
        f'model_fn returned sources {sources.shape} and {logits_key} '
        f'{logits.shape}; expected [{batch_size}, M, {num_samples}] and '
        f'[{batch_size}, M].')
  return sources, logits


def predict(model_fn: Any,
            dataset: DatasetLike,
            max_examples: Optional[int] = None,
            log_every: int = 10,
            logits_key: str = 'logits') -> Predictions:
  """Runs a model over an evaluation set and gathers its outputs.

  Args:
    model_fn: anything `as_model_fn` accepts; its `logits_key` output must be
      the RAW logits (AudioScopeV2's and the SavedModel's `logits` are).
    dataset: batches (a `tf.data.Dataset`, a function returning one, or a list
      of dicts) with 'audio' `[batch, samples]`, 'frames'
      `[batch, T, H, W, 3]`, and optionally 'labels' `[batch]` (missing: -1),
      'on_screen_audio' `[batch, samples]`, 'reference_mixtures'
      `[batch, 2, samples]`, 'clip_id' `[batch]` or `[batch, 2]`. Without
      'on_screen_audio' the on-screen reference is reference_mixtures[:, 0]
      (else the audio) for label 1 and zeros otherwise.
    max_examples: stop after this many examples (None: all).
    log_every: log progress every this many batches.
    logits_key: the output holding the raw logits.

  Returns:
    `Predictions` of all examples seen.

  Raises:
    ValueError: malformed batches or model outputs, or an empty dataset.
  """
  if max_examples is not None and max_examples < 1:
    raise ValueError(f'max_examples must be >= 1 or None, got {max_examples}.')
  model_fn = as_model_fn(model_fn)
  parts = []
  count = 0
  start = time.time()
  for batch_index, batch in enumerate(iterate_batches(dataset)):
    if max_examples is not None and count >= max_examples:
      break
    check_batch(batch)
    audio = _numpy(batch['audio']).astype(np.float32)
    size = audio.shape[0]
    if max_examples is not None:
      size = min(size, max_examples - count)
    audio = audio[:size]
    frames = batch['frames'][:size]
    outputs = model_fn({'audio': audio, 'frames': frames})
    sources, logits = check_model_outputs(outputs, logits_key, size,
                                     audio.shape[-1])
    if 'labels' in batch:
      labels = _numpy(batch['labels'])[:size].astype(np.int64).reshape(-1)
    else:
      labels = np.full([size], UNLABELLED, np.int64)
    parts.append(
        Predictions(
            mixtures=audio,
            sources=sources,
            logits=logits,
            labels=labels,
            on_screen_references=_on_screen_references(
                batch, audio, labels, size),
            clip_ids=batch_clip_ids(batch, count, size)))
    count += size
    if log_every and (batch_index + 1) % log_every == 0:
      logging.info('predict | batch %d | %d examples | %.2f examples/s',
                   batch_index + 1, count,
                   count / max(time.time() - start, 1e-9))
  if not parts:
    raise ValueError('The evaluation dataset yielded no examples; check its '
                     'file pattern and pair list.')
  logging.info('predict | done | %d examples in %.1f s', count,
               time.time() - start)
  return Predictions.concatenate(parts)


# ------------------------------- Metrics ------------------------------------


def _median(values) -> Optional[float]:
  values = np.asarray(values, np.float64)
  return float(np.median(values)) if values.size else None


def _active(x) -> np.ndarray:
  return np.sqrt(np.mean(np.square(x.astype(np.float64)), axis=-1)) > (
      ACTIVITY_THRESHOLD)


def mixit_assignments(on_screen: Predictions) -> np.ndarray:
  """`[N, M]` MixIT assignment of each source to x_on (1) or x - x_on (0).

  `losses.mixit` with references [x_on, x_off] (row 0 on-screen) and the
  negative thresholded SNR of training, in chunks of 16 examples.
  """
  labels = []
  for begin in range(0, on_screen.num_examples, _MIXIT_CHUNK):
    end = begin + _MIXIT_CHUNK
    references = np.stack([on_screen.on_screen_references[begin:end],
                           on_screen.off_screen_references[begin:end]], axis=1)
    _, mixing = losses.mixit(references, on_screen.sources[begin:end])
    labels.append(np.asarray(mixing)[:, 0, :])
  if not labels:
    return np.zeros([0, on_screen.num_sources], np.float32)
  return np.concatenate(labels).astype(np.float32)


def _on_screen_metrics(on_screen: Predictions, theta: float,
                       single_mixture: bool,
                       assignments: Optional[np.ndarray] = None
                       ) -> Dict[str, Any]:
  estimate = on_screen.on_screen_estimate(theta)
  references = on_screen.on_screen_references.astype(np.float64)
  active = _active(references)
  snr = np.asarray(metrics.snr(references, estimate))
  si_snr = np.asarray(metrics.si_snr(references, estimate))
  input_snr = np.asarray(
      metrics.snr(references, on_screen.mixtures.astype(np.float64)))
  parts = {}
  if single_mixture:
    assignments = np.ones([on_screen.num_examples, on_screen.num_sources],
                          np.float32)
    oracle = None
  else:
    if assignments is None:
      assignments = mixit_assignments(on_screen)
    sources = on_screen.sources.astype(np.float64)
    oracle_estimate = np.einsum('nm,nmt->nt', assignments.astype(np.float64),
                                sources)
    oracle = np.asarray(metrics.si_snr(references, oracle_estimate))
    probabilities = on_screen.probabilities(theta)
    for name, membership in (('on_screen_part', assignments),
                             ('off_screen_part', 1.0 - assignments)):
      membership = membership.astype(np.float64)
      part = np.einsum('nm,nmt->nt', membership, sources)
      kept = np.einsum('nm,nmt->nt', membership * probabilities, sources)
      parts[name] = (np.asarray(metrics.osr(part, kept)), _active(part))
  return dict(active=active, snr=snr, si_snr=si_snr, input_snr=input_snr,
              oracle=oracle, assignments=assignments, parts=parts)


def evaluate_predictions(on_screen: Optional[Predictions],
                         off_screen: Optional[Predictions],
                         theta: float = 0.0,
                         single_mixture: bool = False,
                         assignments: Optional[np.ndarray] = None
                         ) -> Tuple[Dict[str, Any], List[Dict[str, Any]]]:
  """Metrics of one operating point theta (ECCV sec. 4.4, arXiv sec. 4.3).

  Args:
    on_screen: on-screen examples (x = x_on + x_off), or None.
    off_screen: off-screen examples (x = x_off), or None.
    theta: logit offset of the operating point (eq. 12).
    single_mixture: the sets are single clips (arXiv "single mixture"):
      every source of an on-screen-only clip is labelled on-screen for the
      AUC, and MixIT* is not computed.
    assignments: `mixit_assignments(on_screen)` if already computed (they
      do not depend on theta).

  Returns:
    (summary, rows). summary: theta; median_snr_db, median_si_snr_db and
    median_mixit_oracle_si_snr_db over non-silent on-screen examples;
    median_osr_db over non-silent off-screen examples; auc (power-weighted
    AUC-ROC over the sources of both sets); within_auc
    (`metrics.within_example_auc` over the on-screen examples: does the
    classifier rank a MoM's on-screen sources above its off-screen ones;
    None for single mixtures); median_on_screen_part_suppression_db and
    median_off_screen_part_suppression_db (how much the on-screen estimate
    of an on-screen MoM suppresses the sources MixIT assigns to x_on and
    those it assigns to x_off, in dB as the OSR; None for single mixtures);
    num_on_screen, num_off_screen, num_on_screen_silent,
    num_off_screen_silent. A metric that cannot be computed (no such
    examples, or one class only for the AUC) is None.
    rows: one dict per example (clip_id, set, label, theta, snr_db,
    si_snr_db, input_snr_db, mixit_oracle_si_snr_db, osr_db,
    on_screen_part_suppression_db, off_screen_part_suppression_db, active,
    probabilities), None where a metric does not apply.

  Raises:
    ValueError: both sets missing or empty, or sets with different numbers
      of sources.
  """
  sets = [s for s in (on_screen, off_screen)
          if s is not None and s.num_examples]
  if not sets:
    raise ValueError('evaluate_predictions needs on-screen or off-screen '
                     'examples; both sets are empty.')
  if len({s.num_sources for s in sets}) > 1:
    raise ValueError('The on-screen and off-screen predictions have different '
                     'numbers of sources; evaluate one model at a time.')
  theta = float(theta)
  summary = dict(theta=theta, median_snr_db=None, median_si_snr_db=None,
                 median_osr_db=None, auc=None, within_auc=None,
                 median_mixit_oracle_si_snr_db=None,
                 median_on_screen_part_suppression_db=None,
                 median_off_screen_part_suppression_db=None, num_on_screen=0,
                 num_off_screen=0, num_on_screen_silent=0,
                 num_off_screen_silent=0)
  rows = []
  auc_parts = []

  if on_screen is not None and on_screen.num_examples:
    result = _on_screen_metrics(on_screen, theta, single_mixture,
                                assignments)
    active = result['active']
    summary.update(
        median_snr_db=_median(result['snr'][active]),
        median_si_snr_db=_median(result['si_snr'][active]),
        num_on_screen=int(on_screen.num_examples),
        num_on_screen_silent=int(np.sum(~active)))
    if result['oracle'] is not None:
      summary['median_mixit_oracle_si_snr_db'] = _median(
          result['oracle'][active])
    part_values = {}
    for name, (suppression, part_active) in result['parts'].items():
      counted = active & part_active
      summary[f'median_{name}_suppression_db'] = _median(
          suppression[counted])
      part_values[name] = np.where(counted, suppression, np.nan)
    probabilities = on_screen.probabilities(theta)
    for i in range(on_screen.num_examples):
      row = dict(clip_id=on_screen.clip_ids[i], set='on_screen',
                 label=int(on_screen.labels[i]), theta=theta,
                 snr_db=float(result['snr'][i]),
                 si_snr_db=float(result['si_snr'][i]),
                 input_snr_db=float(result['input_snr'][i]),
                 mixit_oracle_si_snr_db=(None if result['oracle'] is None else
                                         float(result['oracle'][i])),
                 osr_db=None, active=bool(active[i]),
                 probabilities=probabilities[i].tolist())
      for name in ('on_screen_part', 'off_screen_part'):
        value = part_values[name][i] if name in part_values else np.nan
        row[f'{name}_suppression_db'] = (None if np.isnan(value) else
                                         float(value))
      rows.append(row)
    auc_parts.append((result['assignments'], on_screen.logits,
                      on_screen.sources))
    if not single_mixture:
      try:
        summary['within_auc'] = metrics.within_example_auc(
            result['assignments'], on_screen.logits, on_screen.sources)
      except ValueError as e:
        logging.info('No AUC within MoMs: %s', e)
    if not np.any(active):
      logging.warning('All %d on-screen references are silent; no SNR.',
                      on_screen.num_examples)

  if off_screen is not None and off_screen.num_examples:
    mixtures = off_screen.mixtures.astype(np.float64)
    active = _active(mixtures)
    osr = np.asarray(metrics.osr(mixtures,
                                 off_screen.on_screen_estimate(theta)))
    summary.update(
        median_osr_db=_median(osr[active]),
        num_off_screen=int(off_screen.num_examples),
        num_off_screen_silent=int(np.sum(~active)))
    probabilities = off_screen.probabilities(theta)
    for i in range(off_screen.num_examples):
      rows.append(
          dict(clip_id=off_screen.clip_ids[i], set='off_screen',
               label=int(off_screen.labels[i]), theta=theta, snr_db=None,
               si_snr_db=None, input_snr_db=None,
               mixit_oracle_si_snr_db=None, osr_db=float(osr[i]),
               on_screen_part_suppression_db=None,
               off_screen_part_suppression_db=None, active=bool(active[i]),
               probabilities=probabilities[i].tolist()))
    auc_parts.append((np.zeros_like(probabilities), off_screen.logits,
                      off_screen.sources))

  labels = np.concatenate([p[0] for p in auc_parts])
  if np.unique(labels).size == 2:
    try:
      summary['auc'] = metrics.power_weighted_auc(
          labels, np.concatenate([p[1] for p in auc_parts]),
          np.concatenate([p[2] for p in auc_parts]))
    except ValueError as e:
      logging.warning('No AUC: %s', e)
  else:
    logging.info('No AUC: the sources have one class only (%s).',
                 np.unique(labels).tolist())
  return summary, rows


def baselines(on_screen: Optional[Predictions],
              off_screen: Optional[Predictions]) -> Dict[str, Dict[str, Any]]:
  """The "no processing" rows of ECCV Table 1: x_on = x and x_on = x / 2.

  SNR(x_on, x) and SNR(x_on, x / 2) (and SI-SNR, the same for both) over the
  non-silent on-screen examples; OSR(x, x) = 0 dB and OSR(x, x / 2) =
  6.02 dB over the non-silent off-screen examples. No AUC, MixIT* or part
  suppressions (they need separated sources).

  Returns:
    {ROW_NO_PROCESSING: summary, ROW_NO_PROCESSING_HALF: summary}, with the
    keys of `evaluate_predictions` (theta None).
  """
  results = {}
  for name, gain in ((ROW_NO_PROCESSING, 1.0), (ROW_NO_PROCESSING_HALF, 0.5)):
    summary = dict(theta=None, median_snr_db=None, median_si_snr_db=None,
                   median_osr_db=None, auc=None, within_auc=None,
                   median_mixit_oracle_si_snr_db=None,
                   median_on_screen_part_suppression_db=None,
                   median_off_screen_part_suppression_db=None)
    if on_screen is not None and on_screen.num_examples:
      references = on_screen.on_screen_references.astype(np.float64)
      estimate = gain * on_screen.mixtures.astype(np.float64)
      active = _active(references)
      summary['median_snr_db'] = _median(
          np.asarray(metrics.snr(references, estimate))[active])
      summary['median_si_snr_db'] = _median(
          np.asarray(metrics.si_snr(references, estimate))[active])
    if off_screen is not None and off_screen.num_examples:
      mixtures = off_screen.mixtures.astype(np.float64)
      active = _active(mixtures)
      summary['median_osr_db'] = _median(
          np.asarray(metrics.osr(mixtures, gain * mixtures))[active])
    results[name] = summary
  return results


def evaluation_sample(on_screen: Predictions,
                      off_screen: Predictions,
                      calibration_off_screen: Optional[Predictions] = None,
                      calibrate_on_off_screen: bool = False,
                      assignments: Optional[np.ndarray] = None
                      ) -> bootstrap.EvaluationSample:
  """The per-example statistics `bootstrap.evaluation_intervals` resamples.

  Args:
    on_screen: on-screen examples (MoMs).
    off_screen: off-screen examples.
    calibration_off_screen: the off-screen examples theta is calibrated on,
      if another set than `off_screen`.
    calibrate_on_off_screen: theta is calibrated on `off_screen` itself.
    assignments: `mixit_assignments(on_screen)` if already computed.
  """
  if assignments is None:
    assignments = mixit_assignments(on_screen)
  references = on_screen.on_screen_references.astype(np.float64)
  return bootstrap.EvaluationSample(
      on_screen=calibration.on_screen_energies(
          on_screen.logits, on_screen.sources, references),
      on_screen_labels=np.asarray(assignments, np.float64),
      half_mixture_snr_db=np.asarray(metrics.snr(
          references, 0.5 * on_screen.mixtures.astype(np.float64)),
                                     np.float64),
      off_screen=calibration.set_energies(
          off_screen.logits, off_screen.sources, off_screen.mixtures),
      calibration_set=None if calibration_off_screen is None else (
          calibration.set_energies(calibration_off_screen.logits,
                                   calibration_off_screen.sources,
                                   calibration_off_screen.mixtures)),
      calibrate_on_off_screen=calibrate_on_off_screen)


# ------------------------------- Reports ------------------------------------


def format_value(value: Optional[float], digits: int = 2) -> str:
  """A metric as the reports print it: fixed decimals, '-' when missing."""
  if value is None or (isinstance(value, float) and not math.isfinite(value)):
    return MISSING
  text = f'{value:.{digits}f}'
  return text[1:] if text.startswith('-') and float(text) == 0.0 else text


def format_interval(interval: Mapping[str, Any], digits: int = 2) -> str:
  """A bootstrap interval as the reports print it: 'low to high' or '-'."""
  if interval.get('low') is None or interval.get('high') is None:
    return MISSING
  return (f'{format_value(interval["low"], digits)} to '
          f'{format_value(interval["high"], digits)}')


def _row_label(name: str, summary: Mapping[str, Any]) -> str:
  if name == ROW_NO_PROCESSING:
    return 'No processing (x_on = x, 0 dB OSR)'
  if name == ROW_NO_PROCESSING_HALF:
    return 'No processing (x_on = x/2, 6 dB OSR)'
  if name == ROW_UNCALIBRATED:
    return 'Model, uncalibrated'
  return (f'Model, calibrated to {summary.get("target_osr_db", 6.0):g} dB '
          f'OSR on {summary.get("calibration_set", "test")}')


def markdown_table(results: Mapping[str, Mapping[str, Any]],
                   columns=COLUMNS,
                   rows: Sequence[str] = ROWS) -> str:
  """A Markdown table, one row per result, theta in its own column."""
  header = ['Model', 'theta'] + [title for _, title in columns]
  lines = ['| ' + ' | '.join(header) + ' |',
           '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|']
  for name in rows:
    if name not in results:
      continue
    summary = results[name]
    cells = [_row_label(name, summary),
             format_value(summary.get('theta'), 3)]
    cells += [format_value(summary.get(key)) for key, _ in columns]
    lines.append('| ' + ' | '.join(cells) + ' |')
  return '\n'.join(lines) + '\n'


def markdown_report(summary: Mapping[str, Any]) -> str:
  """The Markdown report of `evaluate`'s summary (ECCV Table 1 layout)."""
  counts = summary['counts']
  lines = [
      f'# AudioScopeV2 evaluation: {summary["set_name"]}', '',
      f'{counts["num_on_screen"]} on-screen examples '
      f'({counts["num_on_screen_silent"]} silent skipped), '
      f'{counts["num_off_screen"]} off-screen examples '
      f'({counts["num_off_screen_silent"]} silent skipped). Medians over '
      'examples; SNR, SI-SNR and MixIT* on the on-screen set, OSR on the '
      'off-screen set, power-weighted AUC-ROC over both; AUC within MoM '
      'compares only sources of the same on-screen MoM (0.5: the classifier '
      'does not tell them apart). On-part and off-part supp.: how much the '
      'on-screen estimate of an on-screen MoM suppresses the sources MixIT '
      'assigns to x_on (best 0 dB) and to x - x_on (best as high as the '
      'OSR or higher).', '',
      markdown_table(summary['results'])
  ]
  cal = summary.get('calibration')
  if cal:
    lines.append(
        f'Calibration on {cal["set"]}: theta = {cal["theta"]:.4f} gives '
        f'{cal["median_osr_db"]:.2f} dB median OSR there (target '
        f'{cal["target_osr_db"]:g} dB, {cal["num_examples"]} off-screen '
        'examples).\n')
  intervals = summary.get('intervals')
  if intervals:
    lines += [intervals_markdown(intervals, summary['set_name'])]
  single = summary.get('single_mixture')
  if single:
    lines += [
        '## Single mixtures', '',
        markdown_table(single, SINGLE_MIXTURE_COLUMNS,
                       (ROW_UNCALIBRATED, ROW_CALIBRATED))
    ]
  return '\n'.join(lines)


def intervals_markdown(intervals: Mapping[str, Any], set_name: str) -> str:
  """The 'Uncertainty' section of the report: `evaluate`'s intervals."""
  percent = f'{100 * intervals["confidence_level"]:g}%'
  row = ('calibrated' if intervals['operating_point'] == ROW_CALIBRATED
         else 'uncalibrated')
  if intervals.get('recalibrated'):
    calibration_set = intervals.get('calibration_set') or set_name
    resampled = (f'the {set_name} set\'s on-screen and off-screen examples'
                 + ('' if calibration_set == set_name else
                    f' and the {calibration_set} set\'s off-screen examples')
                 + ' resampled apart, theta calibrated again on each '
                 'resample')
  else:
    resampled = (f'the {set_name} set\'s on-screen and off-screen examples '
                 'resampled apart, theta fixed')
  lines = [
      '## Uncertainty', '',
      f'{percent} percentile-bootstrap intervals of the {row} row over '
      f'{intervals["num_resamples"]} resamples ({resampled}; seed '
      f'{intervals["seed"]}): how far another draw of as many examples '
      'could move each number.', '',
      f'| Metric | Value | {percent} interval |', '|---|---:|---:|'
  ]
  for name, title in bootstrap.METRIC_TITLES:
    if name not in intervals['metrics']:
      continue
    values = intervals['metrics'][name]
    digits = 3 if name == 'theta' else 2
    lines.append(f'| {title} | {format_value(values["estimate"], digits)} | '
                 f'{format_interval(values, digits)} |')
  return '\n'.join(lines) + '\n'


_CSV_FIELDS = ('operating_point', 'split', 'clip_id', 'set', 'label', 'theta',
               'active', 'snr_db', 'si_snr_db', 'input_snr_db',
               'mixit_oracle_si_snr_db', 'osr_db',
               'on_screen_part_suppression_db',
               'off_screen_part_suppression_db', 'probabilities')


def write_per_example_csv(path: str,
                          rows: Sequence[Mapping[str, Any]]) -> None:
  """Writes per-example rows (missing metrics as empty cells)."""
  with tf.io.gfile.GFile(path, 'w') as f:
    writer = csv.DictWriter(f, fieldnames=_CSV_FIELDS, extrasaction='ignore')
    writer.writeheader()
    for row in rows:
      out = {}
      for key in _CSV_FIELDS:
        value = row.get(key)
        if value is None:
          value = ''
        elif key == 'probabilities':
          value = ';'.join(repr(float(p)) for p in value)
        elif isinstance(value, float):
          value = repr(value)
        out[key] = value
      writer.writerow(out)


def _write_text(path: str, text: str) -> None:
  with tf.io.gfile.GFile(path, 'w') as f:
    f.write(text)


def _write_summaries(output_dir: str, summary: Mapping[str, Any], step: int,
                     report: str) -> None:
  writer = tf.summary.create_file_writer(os.path.join(output_dir,
                                                      SUMMARY_DIR))
  prefix = summary['set_name']
  groups = [('', summary['results'])]
  if summary.get('single_mixture'):
    groups.append(('single_mixture/', summary['single_mixture']))
  with writer.as_default():
    for group, results in groups:
      for row, values in results.items():
        for key, _ in COLUMNS:
          value = values.get(key)
          if value is not None and math.isfinite(value):
            tf.summary.scalar(f'{prefix}/{group}{row}/{key}', value,
                              step=step)
        if values.get('theta') is not None:
          tf.summary.scalar(f'{prefix}/{group}{row}/theta', values['theta'],
                            step=step)
    tf.summary.text(f'{prefix}/report', report, step=step)
  writer.flush()
  writer.close()


def _json_ready(value):
  if isinstance(value, dict):
    return {k: _json_ready(v) for k, v in value.items()}
  if isinstance(value, (list, tuple)):
    return [_json_ready(v) for v in value]
  if isinstance(value, (np.floating, float)):
    value = float(value)
    return value if math.isfinite(value) else None
  if isinstance(value, np.integer):
    return int(value)
  if isinstance(value, np.bool_):
    return bool(value)
  return value


# ------------------------------- Evaluate -----------------------------------


@gin.configurable(allowlist=['target_osr_db', 'tolerance_db', 'curve_thetas'])
def evaluate(output_dir: Optional[str],
             on_screen: Predictions,
             off_screen: Predictions,
             calibration_off_screen: Optional[Predictions] = None,
             calibration_set: Optional[str] = None,
             single_mixture_on_screen: Optional[Predictions] = None,
             single_mixture_off_screen: Optional[Predictions] = None,
             stored_theta: float = 0.0,
             target_osr_db: Optional[float] = 6.0,
             tolerance_db: float = 0.01,
             curve_thetas: Optional[Sequence[float]] = None,
             set_name: str = 'test',
             step: int = 0,
             bootstrap_resamples: int = bootstrap.DEFAULT_RESAMPLES,
             confidence_level: float = bootstrap.DEFAULT_CONFIDENCE,
             bootstrap_seed: int = 0) -> Dict[str, Any]:
  """Evaluates a model's predictions of an evaluation set; writes reports.

  Results (ECCV Table 1 rows): the two no-processing baselines, the model at
  its stored offset (`uncalibrated`) and, unless `target_osr_db` is None,
  the model calibrated so that the median OSR of `calibration_off_screen`
  equals the target (`calibrated`; the paper's ECCV Table 1 calibrates on the
  test set itself, the arXiv paper on labelled validation data).

  Args:
    output_dir: folder for summary.json, results.md, per_example.csv,
      osr_snr_curve.csv/.png and TensorBoard scalars in `eval/`; None
      writes nothing.
    on_screen: on-screen examples of the evaluation set.
    off_screen: off-screen examples of the evaluation set.
    calibration_off_screen: off-screen examples to calibrate on (e.g. the
      validation set's); None calibrates on `off_screen`.
    calibration_set: name of the calibration set for the report; default
      'test' resp. 'validation'.
    single_mixture_on_screen: optional on-screen-only single clips (x_on =
      x), evaluated at both operating points.
    single_mixture_off_screen: optional off-screen-only single clips.
    stored_theta: the model's own calibration offset (uncalibrated row).
    target_osr_db: calibration target median OSR; None: no calibration.
    tolerance_db: calibration tolerance.
    curve_thetas: offsets of the OSR/SNR curve (default 81 in [-10, 10],
      plus the two operating points).
    set_name: name of the evaluation set, used in the reports and as the
      TensorBoard prefix.
    step: TensorBoard step (e.g. the checkpoint's training step).
    bootstrap_resamples: resamples of the bootstrap intervals of the
      calibrated row (`bootstrap.evaluation_intervals`; theta calibrated
      again on each); 0 computes none.
    confidence_level: of the intervals.
    bootstrap_seed: seed of the resampling.

  Returns:
    The summary dict written to summary.json: set_name, target_osr_db,
    calibration (theta and details, or None), results {row: metrics},
    single_mixture {row: metrics} (if given), counts, intervals (of the
    calibrated row, or of the uncalibrated one without calibration; None
    with bootstrap_resamples=0), and `rows` (the per-example rows, not
    written to the JSON).

  Raises:
    ValueError: empty sets, or a target OSR the calibration set cannot reach.
  """
  for name, value in (('on_screen', on_screen), ('off_screen', off_screen)):
    if value is None or not value.num_examples:
      raise ValueError(
          f'The {name} set is empty: evaluation needs on-screen (label 1) and '
          'off-screen (label 0) examples; check the evaluation set labels.')
  results = dict(baselines(on_screen, off_screen))
  assignments = mixit_assignments(on_screen)
  uncalibrated, rows = evaluate_predictions(on_screen, off_screen,
                                            stored_theta,
                                            assignments=assignments)
  results[ROW_UNCALIBRATED] = uncalibrated
  for row in rows:
    row.update(operating_point=ROW_UNCALIBRATED, split=set_name)
  all_rows = list(rows)
  thetas = {ROW_UNCALIBRATED: float(stored_theta)}

  calibration_summary = None
  calibrate_on_off_screen = False
  if target_osr_db is not None:
    if calibration_off_screen is None:
      calibration_off_screen = off_screen
      calibrate_on_off_screen = True
      calibration_set = calibration_set or set_name
    calibration_set = calibration_set or 'validation'
    details = calibration.calibrate_offset_with_details(
        calibration_off_screen.logits, calibration_off_screen.sources,
        calibration_off_screen.mixtures, target_osr_db=target_osr_db,
        tolerance_db=tolerance_db)
    calibration_summary = dict(
        set=calibration_set, theta=details.theta,
        median_osr_db=details.median_osr_db,
        target_osr_db=details.target_osr_db, converged=details.converged,
        iterations=details.iterations, num_examples=details.num_examples,
        num_silent_skipped=details.num_silent_skipped,
        reachable_osr_db=list(details.reachable_osr_db))
    logging.info('Calibrated on %s: theta %.4f, median OSR %.3f dB.',
                 calibration_set, details.theta, details.median_osr_db)
    calibrated, rows = evaluate_predictions(on_screen, off_screen,
                                            details.theta,
                                            assignments=assignments)
    calibrated.update(target_osr_db=float(target_osr_db),
                      calibration_set=calibration_set)
    results[ROW_CALIBRATED] = calibrated
    for row in rows:
      row.update(operating_point=ROW_CALIBRATED, split=set_name)
    all_rows += rows
    thetas[ROW_CALIBRATED] = details.theta

  single = None
  if single_mixture_on_screen is not None or (single_mixture_off_screen
                                              is not None):
    single = {}
    for name, theta in thetas.items():
      summary, rows = evaluate_predictions(
          single_mixture_on_screen, single_mixture_off_screen, theta,
          single_mixture=True)
      if name == ROW_CALIBRATED:
        summary.update(target_osr_db=float(target_osr_db),
                       calibration_set=calibration_set)
      single[name] = summary
      for row in rows:
        row.update(operating_point=name, split='single_mixture')
      all_rows += rows

  intervals = None
  if bootstrap_resamples:
    started = time.monotonic()
    operating_point = (ROW_CALIBRATED if ROW_CALIBRATED in thetas else
                       ROW_UNCALIBRATED)
    sample = evaluation_sample(
        on_screen, off_screen,
        calibration_off_screen=(
            None if calibrate_on_off_screen or target_osr_db is None else
            calibration_off_screen),
        calibrate_on_off_screen=calibrate_on_off_screen,
        assignments=assignments)
    intervals = bootstrap.evaluation_intervals(
        sample, thetas[operating_point], target_osr_db=target_osr_db,
        tolerance_db=tolerance_db, num_resamples=bootstrap_resamples,
        confidence_level=confidence_level, seed=bootstrap_seed)
    if intervals is not None:
      intervals.update(operating_point=operating_point,
                       calibration_set=calibration_set)
    logging.info('Bootstrap intervals (%d resamples) in %.1f s.',
                 bootstrap_resamples, time.monotonic() - started)
  counts = {key: uncalibrated[key] for key in (
      'num_on_screen', 'num_off_screen', 'num_on_screen_silent',
      'num_off_screen_silent')}
  summary = dict(set_name=set_name, target_osr_db=target_osr_db,
                 stored_theta=float(stored_theta),
                 calibration=calibration_summary, results=results,
                 counts=counts, intervals=intervals)
  if single is not None:
    summary['single_mixture'] = single
  summary = _json_ready(summary)

  if output_dir:
    tf.io.gfile.makedirs(output_dir)
    report = markdown_report(summary)
    _write_text(os.path.join(output_dir, REPORT_FILE), report)
    _write_text(os.path.join(output_dir, SUMMARY_FILE),
                json.dumps(summary, indent=2))
    write_per_example_csv(os.path.join(output_dir, PER_EXAMPLE_FILE),
                          all_rows)
    curve_grid = np.linspace(-10.0, 10.0, 81) if curve_thetas is None else (
        np.asarray(curve_thetas, np.float64))
    curve_grid = np.union1d(curve_grid, list(thetas.values()))
    try:
      curve = calibration.osr_snr_curve(
          off_screen.logits, off_screen.sources, off_screen.mixtures,
          on_screen.logits, on_screen.sources, on_screen.on_screen_references,
          thetas=curve_grid)
    except ValueError as e:  # All-silent sets: no curve, the rest stands.
      logging.warning('No OSR/SNR curve: %s', e)
    else:
      calibration.write_curve_csv(
          os.path.join(output_dir, CURVE_CSV_FILE), curve)
      calibration.plot_curve_png(
          os.path.join(output_dir, CURVE_PNG_FILE), curve,
          theta=thetas.get(ROW_CALIBRATED, thetas[ROW_UNCALIBRATED]),
          target_osr_db=target_osr_db, label=set_name)
    _write_summaries(output_dir, summary, step, report)
    logging.info('Evaluation of %s written to %s:\n%s', set_name,
                 output_dir, report)
  summary['rows'] = all_rows
  return summary


# ----------------------------- Model loading --------------------------------


def load_model(model_dir: Optional[str] = None,
               checkpoint: str = 'latest',
               saved_model: Optional[str] = None,
               gin_files: Sequence[str] = (),
               gin_params: Sequence[str] = ()) -> Tuple[Any, str]:
  """Loads a model to evaluate and parses gin.

  From a SavedModel (`saved_model`, written by `audioscope_export`): loaded
  with `export_lib.load_saved_model` (its `serving_default` returns raw
  logits and the sources; the stored theta is read from its metadata);
  `gin_files`/`gin_params` are parsed for the datasets, with the macros
  `sample_rate` and `frame_rate` bound to the model's (before
  `gin_params`, which may override them).

  From a model directory: `export_lib.restore_model` parses the model dir's
  operative gin config, then `gin_files` and `gin_params`, rebuilds the
  gin-configured AudioScopeV2 and restores the checkpoint's `model` with
  expect_partial().

  Args:
    model_dir: training folder (checkpoints + operative_config-*.gin).
    checkpoint: 'latest', 'best' or a checkpoint prefix.
    saved_model: SavedModel folder; wins over `model_dir`.
    gin_files: gin files (datasets, overrides).
    gin_params: gin bindings.

  Returns:
    (model, description): an AudioScopeV2 or an `export_lib.InferenceModel`
    (both accepted by `as_model_fn` and `stored_calibration_offset`), and
    what was loaded.

  Raises:
    ValueError: neither source given.
    FileNotFoundError: nothing at the given paths.
  """
  # pylint: disable=g-import-not-at-top,unused-import
  from audioscope import gin_utils
  # Registers AudioScopeV2 and its parts with gin BEFORE the operative config
  # is parsed (with skip_unknown=True, bindings of configurables not yet
  # imported would be dropped silently).
  from audioscope import model as _
  from audioscope.inference import export_lib
  # pylint: enable=g-import-not-at-top,unused-import
  if saved_model:
    model = export_lib.load_saved_model(saved_model)
    # The model's rates as the macros the dataset gin files read (e.g.
    # datasets/synthetic.gin); the caller's own bindings come after them.
    rates = [f'sample_rate = {model.sample_rate}',
             f'frame_rate = {model.frame_rate}']
    gin_utils.parse_gin(gin_files, rates + list(gin_params), model_dir=None)
    return model, f'SavedModel {saved_model}'
  if not model_dir:
    raise ValueError('Give a model directory (--model_dir, with --checkpoint) '
                     'or an exported SavedModel (--saved_model).')
  model, prefix, _ = export_lib.restore_model(model_dir, checkpoint,
                                              gin_files, gin_params,
                                              model_type='audioscope_v2')
  return model, f'checkpoint {prefix}'


def _checkpoint_step(description: str) -> int:
  tail = description.rsplit('-', 1)[-1]
  return int(tail) if tail.isdigit() else 0


# --------------------------- Dataset wiring ---------------------------------


CALIBRATE_ON = ('validation', 'test', 'none')


@gin.configurable(denylist=['model_fn', 'output_dir'])
def evaluate_model(model_fn: Any,
                   output_dir: str,
                   test_dataset: DatasetLike = gin.REQUIRED,
                   validation_dataset: Optional[DatasetLike] = None,
                   single_mixture_dataset: Optional[DatasetLike] = None,
                   probe_dataset: Optional[DatasetLike] = None,
                   stored_theta: Optional[float] = None,
                   target_osr_db: float = 6.0,
                   calibrate_on: str = 'validation',
                   max_examples: Optional[int] = None,
                   probe_negatives: bool = False,
                   set_name: str = 'test',
                   step: int = 0,
                   bootstrap_resamples: int = bootstrap.DEFAULT_RESAMPLES
                   ) -> Dict[str, Any]:
  """Runs a model over the configured evaluation sets and writes reports.

  The datasets are `tf.data.Dataset`s or functions returning one, usually
  gin references to `audioscope.data.pipeline` builders in scopes:

    evaluate_model.test_dataset = @test/mom_eval_dataset
    test/mom_eval_dataset.file_pattern = '/data/test/*.tfrecord'
    test/mom_eval_dataset.pairs = '/data/test_mom_pairs.csv'
    evaluate_model.validation_dataset = @validation/mom_eval_dataset
    validation/mom_eval_dataset.file_pattern = '/data/validation/*.tfrecord'
    validation/mom_eval_dataset.pairs = '/data/validation_mom_pairs.csv'
    evaluate_model.single_mixture_dataset = @test/single_mixture_dataset
    test/single_mixture_dataset.file_pattern = '/data/test/*.tfrecord'

  Args:
    model_fn: a model or callable accepted by `as_model_fn`.
    output_dir: report folder (see `evaluate`).
    test_dataset: the evaluation set (MoMs with labels 1 and 0).
    validation_dataset: labelled validation set to calibrate on.
    single_mixture_dataset: single clips (labels 1 and 0), optional.
    probe_dataset: on-screen-only clips for the negative probing (default:
      `single_mixture_dataset`).
    stored_theta: the model's own offset (default: read from the model).
    target_osr_db: calibration target.
    calibrate_on: 'validation' (arXiv), 'test' (ECCV Table 1) or 'none'.
    max_examples: at most this many examples per dataset.
    probe_negatives: also run `probing.probe_negatives` at the calibrated
      theta (the uncalibrated one with calibrate_on='none').
    set_name: name of the evaluation set in the reports.
    step: TensorBoard step.
    bootstrap_resamples: resamples of the bootstrap intervals (calibrated
      row and probe margins); 0 computes none.

  Returns:
    The summary of `evaluate`, with a 'probe_negatives' entry when run.

  Raises:
    ValueError: unknown calibrate_on, or a missing dataset it needs.
  """
  if calibrate_on not in CALIBRATE_ON:
    raise ValueError(f'calibrate_on must be one of {CALIBRATE_ON}, got '
                     f'{calibrate_on!r}.')
  if calibrate_on == 'validation' and validation_dataset is None:
    raise ValueError(
        "calibrate_on='validation' needs evaluate_model.validation_dataset "
        "(a gin binding); bind it or use --calibrate_on=test or none.")
  if stored_theta is None:
    stored_theta = stored_calibration_offset(model_fn)
  model_fn = as_model_fn(model_fn)
  logging.info('Predicting the %s set.', set_name)
  on_screen, off_screen = predict(model_fn, test_dataset,
                                  max_examples).split_by_label()
  calibration_off_screen = None
  if calibrate_on == 'validation':
    logging.info('Predicting the validation set for calibration.')
    _, calibration_off_screen = predict(model_fn, validation_dataset,
                                        max_examples).split_by_label()
  single_on = single_off = None
  if single_mixture_dataset is not None:
    logging.info('Predicting the single-mixture set.')
    single_on, single_off = predict(model_fn, single_mixture_dataset,
                                    max_examples).split_by_label()
  summary = evaluate(
      output_dir, on_screen, off_screen,
      calibration_off_screen=calibration_off_screen,
      calibration_set=calibrate_on if calibrate_on != 'none' else None,
      single_mixture_on_screen=single_on,
      single_mixture_off_screen=single_off,
      stored_theta=stored_theta,
      target_osr_db=None if calibrate_on == 'none' else target_osr_db,
      set_name=set_name, step=step, bootstrap_resamples=bootstrap_resamples)
  if probe_negatives:
    from audioscope.evaluation import probing  # pylint: disable=g-import-not-at-top
    dataset = probe_dataset if probe_dataset is not None else (
        single_mixture_dataset)
    if dataset is None:
      raise ValueError(
          'probe_negatives needs on-screen-only clips: bind '
          'evaluate_model.probe_dataset (or single_mixture_dataset).')
    calibration_summary = summary.get('calibration')
    theta = (calibration_summary['theta'] if calibration_summary else
             stored_theta)
    summary['probe_negatives'] = probing.probe_negatives(
        model_fn, dataset, theta=theta, max_examples=max_examples,
        output_dir=output_dir, bootstrap_resamples=bootstrap_resamples)
  return summary


def run_evaluation(output_dir: Optional[str] = None,
                   model_dir: Optional[str] = None,
                   checkpoint: str = 'latest',
                   saved_model: Optional[str] = None,
                   gin_files: Sequence[str] = (),
                   gin_params: Sequence[str] = (),
                   **kwargs) -> Dict[str, Any]:
  """`audioscope_eval`: loads the model, parses gin, evaluates.

  Args:
    output_dir: report folder; default `<model_dir>/evaluation/<checkpoint>`
      or `<saved_model>/evaluation`.
    model_dir: see `load_model`.
    checkpoint: see `load_model`.
    saved_model: see `load_model`.
    gin_files: see `load_model`.
    gin_params: see `load_model`.
    **kwargs: arguments of `evaluate_model` (target_osr_db, calibrate_on,
      max_examples, probe_negatives, bootstrap_resamples), overriding gin.

  Returns:
    The summary of `evaluate_model`.
  """
  model, description = load_model(model_dir, checkpoint, saved_model,
                                  gin_files, gin_params)
  logging.info('Evaluating %s.', description)
  step = _checkpoint_step(description)
  if not output_dir:
    if saved_model:
      output_dir = os.path.join(saved_model, 'evaluation')
    else:
      output_dir = os.path.join(model_dir, 'evaluation',
                                os.path.basename(description.split()[-1]))
  kwargs = {k: v for k, v in kwargs.items() if v is not None}
  return evaluate_model(model, output_dir, step=step, **kwargs)
