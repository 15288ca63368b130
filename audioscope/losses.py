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
"""Training losses of AudioScopeV2 (ECCV sec. 3.5, arXiv sec. 4.2).

* `negative_thresholded_snr`: the signal-level loss inside MixIT.
* `mixit`: mixture invariant training (eq. 9), returning the per-example loss
  and the chosen mixing matrix; row 0 of the mixing matrix are the on-screen
  pseudo-labels of the classifier.
* `active_combinations_loss` (eq. 10) and `exact_classifier_loss` (arXiv): the
  on-screen classifier losses against those pseudo-labels.
* `coincidence_loss`: binary cross-entropy for audio-visual coincidence
  pre-training.

Every loss returns one value per example (shape `[batch]`) and never reduces
over the batch: the caller chooses the reduction (`tf.reduce_mean`, or
`tf.nn.compute_average_loss` with the global batch size under a
`tf.distribute` strategy). All computation is float32 and free of Python
control flow on tensor values, so the losses run eagerly, in `tf.function`,
under XLA and inside `strategy.run`.

Inputs are checked for NaN/Inf with `tf.debugging.check_numerics`, which
raises `InvalidArgumentError` naming the tensor (eagerly and in graphs; XLA
compiles the check out).
"""

import functools
import inspect
import itertools

import numpy as np
import tensorflow as tf

# Largest number of MixIT candidates (R ** M) that `mixit` searches; beyond
# it the candidate tensors are too large for any realistic batch.
MAX_MIXIT_CANDIDATES = 2**16


def _as_float32(x, name):
  """Converts `x` to a float32 tensor, refusing non-numeric dtypes."""
  x = tf.convert_to_tensor(x)
  if not (x.dtype.is_floating or x.dtype.is_integer or x.dtype == tf.bool):
    raise TypeError(f'{name} must be a real-valued tensor, got dtype '
                    f'{x.dtype.name}; convert it to float32.')
  return tf.cast(x, tf.float32)


def _check_finite(x, name):
  return tf.debugging.check_numerics(
      x, f'{name} contains NaN or Inf; check the input audio/model outputs '
      f'(e.g. silent or corrupt clips, a diverged model) before the loss')


def _check_rank(x, rank, name, layout):
  if x.shape.rank is not None and x.shape.rank != rank:
    raise ValueError(f'{name} must have shape {layout} (rank {rank}), got '
                     f'shape {x.shape}.')


def _check_same_shape(a, b, name_a, name_b):
  """Static shape check where known, a graph assertion otherwise."""
  if not a.shape.is_compatible_with(b.shape):
    raise ValueError(f'{name_a} and {name_b} must have the same shape, got '
                     f'{a.shape} and {b.shape}.')
  if a.shape.is_fully_defined() and b.shape.is_fully_defined():
    return []
  return [
      tf.debugging.assert_equal(
          tf.shape(a), tf.shape(b),
          message=f'{name_a} and {name_b} must have the same shape')
  ]


def negative_thresholded_snr(reference, estimate, snr_max_db=30.0):
  """Negative thresholded SNR, the MixIT signal loss (`log_mse` in the code).

  L(y, y_hat) = 10 log10(||y - y_hat||^2 + tau ||y||^2 + 1e-8),
  tau = 10^(-snr_max_db / 10), with squared norms summed over the last axis.
  This is -SNR_tau(y, y_hat) + 10 log10 ||y||^2: the reference-only term has no
  gradient and is dropped, so values are not -SNR. The threshold keeps silent
  references (tau ||y||^2 = 0) from dominating the loss.

  Args:
    reference: `[..., time]` reference signals y.
    estimate: `[..., time]` estimates y_hat; broadcastable against `reference`
      over the leading axes, with the same time length.
    snr_max_db: soft SNR threshold in dB (30 in the paper), or None for no
      threshold (tau = 0).

  Returns:
    `[...]` float32 loss (the broadcast leading shape).

  Raises:
    ValueError: on scalar inputs or different time lengths.
    tf.errors.InvalidArgumentError: on NaN/Inf inputs.
  """
  reference = _as_float32(reference, 'reference')
  estimate = _as_float32(estimate, 'estimate')
  for x, name in ((reference, 'reference'), (estimate, 'estimate')):
    if x.shape.rank is not None and x.shape.rank < 1:
      raise ValueError(f'{name} must have shape [..., time], got a scalar.')
  if (reference.shape.rank and estimate.shape.rank and
      reference.shape[-1] is not None and estimate.shape[-1] is not None and
      reference.shape[-1] != estimate.shape[-1]):
    raise ValueError(
        f'reference and estimate must have the same time length, got '
        f'{reference.shape[-1]} and {estimate.shape[-1]}; crop or pad them.')
  reference = _check_finite(reference, 'reference')
  estimate = _check_finite(estimate, 'estimate')
  error_power = tf.reduce_sum(tf.square(reference - estimate), axis=-1)
  loss_floor = 1e-8
  if snr_max_db is not None:
    tau = 10.0**(-float(snr_max_db) / 10.0)
    reference_power = tf.reduce_sum(tf.square(reference), axis=-1)
    loss_floor = tau * reference_power + 1e-8
  return 10.0 * tf.math.log(error_power + loss_floor) / tf.math.log(10.0)


def _assignment_from_entry(entry, num_references, num_sources):
  """One allow/deny list entry as a tuple of reference indices per source."""
  array = np.asarray(entry)
  if array.ndim == 1:
    if array.shape[0] != num_sources:
      raise ValueError(
          f'A MixIT allow/deny list entry given as reference indices needs one '
          f'index per estimate ({num_sources}), got {tuple(array.tolist())}.')
    if (not np.all(np.equal(np.mod(array, 1), 0)) or array.min() < 0 or
        array.max() >= num_references):
      raise ValueError(
          f'MixIT allow/deny list entry {tuple(array.tolist())} must hold '
          f'integer reference indices in [0, {num_references}).')
    return tuple(int(a) for a in array)
  if array.ndim == 2:
    if array.shape != (num_references, num_sources):
      raise ValueError(
          f'A MixIT allow/deny list entry given as a mixing matrix must have '
          f'shape ({num_references}, {num_sources}) [reference, estimate], '
          f'got {array.shape}.')
    binary = np.isin(array, (0, 1)).all()
    if not binary or not np.all(array.sum(axis=0) == 1):
      raise ValueError(
          'A MixIT mixing matrix must be binary with exactly one 1 per column '
          f'(each estimate goes to one reference), got\n{array}.')
    return tuple(int(a) for a in np.argmax(array, axis=0))
  raise ValueError(
      'MixIT allow/deny list entries must be tuples of reference indices or '
      f'[reference, estimate] mixing matrices, got an array of shape '
      f'{array.shape}.')


def mixit_candidates(num_references, num_sources, allowlist=None,
                     denylist=None):
  """The mixing matrices MixIT searches over.

  Args:
    num_references: R, the number of reference mixtures.
    num_sources: M, the number of estimates.
    allowlist: None, or an iterable of assignments to restrict the search to;
      each is a tuple of M reference indices (estimate m goes to reference
      a[m]) or an `[R, M]` one-hot mixing matrix.
    denylist: None, or assignments (same formats) to remove.

  Returns:
    `[C, R, M]` float32 NumPy array of one-hot mixing matrices, in
    `itertools.product(range(R), repeat=M)` order (filtered).

  Raises:
    ValueError: when R > M, R < 1, the search exceeds MAX_MIXIT_CANDIDATES,
      an entry is malformed, or no candidate is left.
  """
  if num_references < 1 or num_sources < 1:
    raise ValueError(
        f'MixIT needs at least one reference and one estimate, got '
        f'{num_references} references and {num_sources} estimates.')
  if num_references > num_sources:
    raise ValueError(
        f'MixIT needs at least as many estimates as references, got '
        f'{num_sources} estimates for {num_references} references; use a '
        f'separator with more output sources.')
  if num_references**num_sources > MAX_MIXIT_CANDIDATES:
    raise ValueError(
        f'MixIT over {num_references} references and {num_sources} estimates '
        f'has {num_references**num_sources} candidates (more than '
        f'{MAX_MIXIT_CANDIDATES}); pass an allowlist-free smaller problem or '
        f'fewer sources.')
  assignments = list(
      itertools.product(range(num_references), repeat=num_sources))
  if allowlist is not None:
    allowed = {
        _assignment_from_entry(e, num_references, num_sources)
        for e in allowlist
    }
    assignments = [a for a in assignments if a in allowed]
  if denylist is not None:
    denied = {
        _assignment_from_entry(e, num_references, num_sources)
        for e in denylist
    }
    assignments = [a for a in assignments if a not in denied]
  if not assignments:
    raise ValueError('The MixIT allowlist/denylist leaves no assignment to '
                     'search over; allow at least one.')
  indices = np.asarray(assignments, dtype=np.int64)  # [C, M]
  matrices = (indices[:, None, :] == np.arange(num_references)[None, :, None])
  return matrices.astype(np.float32)


def _thresholded_snr_max_db(loss_fn):
  """`snr_max_db` of `loss_fn` when it is `negative_thresholded_snr` with a
  threshold (also as a `functools.partial` binding only that), else None."""
  default = inspect.signature(
      negative_thresholded_snr).parameters['snr_max_db'].default
  if loss_fn is negative_thresholded_snr:
    return default
  if (isinstance(loss_fn, functools.partial) and
      loss_fn.func is negative_thresholded_snr and not loss_fn.args and
      set(loss_fn.keywords) <= {'snr_max_db'}):
    return loss_fn.keywords.get('snr_max_db', default)
  return None


def _thresholded_snr_candidate_losses(references, estimates, candidates,
                                      snr_max_db):
  """`negative_thresholded_snr` of every candidate remix, from inner products.

  ||r - sum_m a_m s_m||^2 = ||r||^2 - 2 sum_m a_m <r, s_m>
  + sum_mn a_m a_n <s_m, s_n>, so the C remixes are never built: the cost is
  O(M^2 time + C R M^2) instead of O(C R M time). Float32 cancellation makes
  the error power exact only to about 1e-7 of ||r||^2, far below the
  threshold term tau ||r||^2 (1e-3 ||r||^2 at 30 dB): good for choosing
  the assignment, whose loss `mixit` then computes directly.

  Args:
    references: `[batch, R, time]`.
    estimates: `[batch, M, time]`.
    candidates: `[C, R, M]` mixing matrices.
    snr_max_db: the threshold (not None).

  Returns:
    `[batch, C, R]` float32 losses.
  """
  reference_power = tf.reduce_sum(tf.square(references), axis=-1)  # [b, R]
  cross = tf.einsum('brt,bmt->brm', references, estimates)
  gram = tf.einsum('bmt,bnt->bmn', estimates, estimates)
  linear = tf.einsum('crm,brm->bcr', candidates, cross)
  quadratic = tf.reduce_sum(
      tf.einsum('crm,bmn->bcrn', candidates, gram) * candidates[tf.newaxis],
      axis=-1)
  error_power = tf.maximum(
      reference_power[:, tf.newaxis] - 2.0 * linear + quadratic, 0.0)
  tau = 10.0**(-float(snr_max_db) / 10.0)
  floor = tau * reference_power[:, tf.newaxis] + 1e-8
  return 10.0 * tf.math.log(error_power + floor) / tf.math.log(10.0)


def mixit(reference_mixtures,
          estimates,
          loss_fn=negative_thresholded_snr,
          allowlist=None,
          denylist=None):
  """Mixture invariant training loss (ECCV eq. 9), vectorized.

  Every assignment of the M estimates to the R reference mixtures (R^M
  candidates, 2^M for the usual R = 2; a reference may receive no estimate)
  is scored at once against a constant `[C, R, M]` tensor of candidate
  mixing matrices; the per-candidate loss is the MEAN over references of
  `loss_fn` (as Google's code; the paper sums, which only scales by R). The
  best candidate per example is the argmin (ties go to the first in
  `itertools.product` order), and the returned loss is `loss_fn` of that
  candidate's remix, so gradients flow only through the chosen assignment
  (as in Google's code, which gathers the chosen loss).

  The search runs on values only (no gradient is recorded for it). For
  `negative_thresholded_snr` with a threshold (the default, also as a
  `functools.partial` setting `snr_max_db`) the candidates' losses come from
  the inner products of the references and estimates, without building any
  remix: O(M^2 time) instead of O(2^M time), e.g. 12 ms instead of 0.26 s
  (0.67 s when the gradient also went through every remix) per forward and
  backward pass for M = 8, batch 8 and 2 s clips at 16 kHz on 2 CPU cores
  (`benchmarks/mixit_search.py`). Any other `loss_fn` scores
  `[batch, C, R, time]` remixes (1.3 GB for batch 128, M = 4 and 5 s clips
  at 16 kHz; 16x more for M = 8): restrict the search with an allowlist or
  denylist, or use smaller batches, when this is too large.

  Args:
    reference_mixtures: `[batch, R, time]` reference mixtures; row 0 is the
      primary (on-screen video's) mixture.
    estimates: `[batch, M, time]` separated sources, M >= R (static).
    loss_fn: `loss_fn(reference, estimate) -> loss` reducing the last axis; it
      is called with reference `[batch, 1, R, time]` and remixes
      `[batch, C, R, time]` (the search, unless it is the thresholded SNR)
      and with `[batch, R, time]` and the chosen remix `[batch, R, time]`, so
      it must broadcast over the leading axes (all functions of
      `audioscope.losses` and `audioscope.metrics` do).
    allowlist: None, or assignments to restrict the search to, each a tuple
      of M reference indices or an `[R, M]` mixing matrix.
    denylist: None, or assignments to exclude (same formats).

  Returns:
    loss: `[batch]` float32 MixIT loss of the best assignment.
    mixing_matrix: `[batch, R, M]` float32 one-hot best mixing matrix;
      `mixing_matrix[:, 0, :]` are the on-screen pseudo-labels.

  Raises:
    ValueError: on wrong ranks, unknown M or R, R > M, mismatched batch or
      time, or empty allow/deny lists.
    tf.errors.InvalidArgumentError: on NaN/Inf inputs.
  """
  reference_mixtures = _as_float32(reference_mixtures, 'reference_mixtures')
  estimates = _as_float32(estimates, 'estimates')
  _check_rank(reference_mixtures, 3, 'reference_mixtures',
              '[batch, reference, time]')
  _check_rank(estimates, 3, 'estimates', '[batch, source, time]')
  num_references = reference_mixtures.shape[1]
  num_sources = estimates.shape[1]
  if num_references is None or num_sources is None:
    raise ValueError(
        'mixit needs static reference and source counts (axis 1 of '
        f'reference_mixtures {reference_mixtures.shape} and estimates '
        f'{estimates.shape}); give the tf.function an input_signature with '
        'them set.')
  for axis, what in ((0, 'batch size'), (2, 'time length')):
    a, b = reference_mixtures.shape[axis], estimates.shape[axis]
    if a is not None and b is not None and a != b:
      raise ValueError(
          f'reference_mixtures and estimates must have the same {what}, got '
          f'{reference_mixtures.shape} and {estimates.shape}.')
  candidates = tf.constant(
      mixit_candidates(num_references, num_sources, allowlist, denylist))
  reference_mixtures = _check_finite(reference_mixtures, 'reference_mixtures')
  estimates = _check_finite(estimates, 'estimates')
  with tf.control_dependencies([
      tf.debugging.assert_equal(
          tf.shape(reference_mixtures)[::2], tf.shape(estimates)[::2],
          message='reference_mixtures and estimates must have the same batch '
          'size and time length')
  ]):
    search_references = tf.stop_gradient(reference_mixtures)
    search_estimates = tf.stop_gradient(estimates)
  snr_max_db = _thresholded_snr_max_db(loss_fn)
  if snr_max_db is not None:
    reference_losses = _thresholded_snr_candidate_losses(
        search_references, search_estimates, candidates, snr_max_db)
  else:
    remixes = tf.einsum('crm,bmt->bcrt', candidates, search_estimates)
    reference_losses = tf.convert_to_tensor(
        loss_fn(search_references[:, tf.newaxis], remixes))
  if (reference_losses.shape.rank is not None and
      reference_losses.shape.rank != 3):
    raise ValueError(
        f'loss_fn must reduce only the last (time) axis, returning '
        f'[batch, candidate, reference]; got shape {reference_losses.shape}.')
  candidate_losses = tf.reduce_mean(
      tf.cast(reference_losses, tf.float32), axis=-1)
  # First index attaining the minimum (tf.argmin does not promise which tie
  # it returns on every device).
  minimum = tf.reduce_min(candidate_losses, axis=-1, keepdims=True)
  num_candidates = candidates.shape[0]
  best = tf.reduce_min(
      tf.where(candidate_losses <= minimum,
               tf.range(num_candidates, dtype=tf.int32)[tf.newaxis],
               num_candidates),
      axis=-1)
  best = tf.minimum(best, num_candidates - 1)  # NaN losses from a custom fn.
  mixing_matrix = tf.gather(candidates, best)
  remix = tf.einsum('brm,bmt->brt', mixing_matrix, estimates)
  loss = tf.reduce_mean(
      tf.cast(loss_fn(reference_mixtures, remix), tf.float32), axis=-1)
  return loss, mixing_matrix


def _classifier_inputs(labels, logits, name='labels'):
  """Validates `[batch, M]` labels and logits and returns float32 tensors."""
  labels = _as_float32(labels, name)
  logits = _as_float32(logits, 'logits')
  asserts = _check_same_shape(labels, logits, name, 'logits')
  logits = _check_finite(logits, 'logits')
  labels = _check_finite(labels, name)
  asserts.append(
      tf.debugging.assert_equal(
          tf.logical_and(labels >= 0.0, labels <= 1.0),
          True,
          message=f'{name} must lie in [0, 1] (on-screen probability targets)'))
  with tf.control_dependencies(asserts):
    return tf.identity(labels), tf.identity(logits)


def active_combinations_loss(labels, logits, restrict_to_labels=True):
  """Active-combinations classifier loss L_AC (ECCV eq. 10, AudioScope v1).

  The minimum, over binary label settings l with at least one l_m = 1, of
  sum_m BCE(l_m, sigmoid(logits_m)). It is computed in closed form: with F the
  free sources, each free source takes its cheaper label
  (min(BCE(0), BCE(1))), the others pay BCE(0), and if no free source chose 1
  the cheapest switch is added, which is relu(-max_{m in F} logits_m) because
  BCE(1, l) - BCE(0, l) = -l.

  * `restrict_to_labels=True` (default, AudioScope's meaning): F = the sources
    MixIT assigned to the on-screen mixture (labels == 1); sources assigned
    off-screen are fixed to 0, i.e. l <= labels. When all labels are 0 there is
    no allowed setting with an active source, and the loss is the exact BCE
    against all-zero labels.
  * `restrict_to_labels=False`: the literal ECCV reading, the minimum over all
    2^M - 1 non-empty settings, independent of `labels` except for shape.

  Args:
    labels: `[batch, M]` binary MixIT pseudo-labels (1 = on-screen).
    logits: `[batch, M]` classifier logits.
    restrict_to_labels: see above.

  Returns:
    `[batch]` float32 loss (sum over sources, no batch reduction).

  Raises:
    ValueError: on mismatched shapes.
    tf.errors.InvalidArgumentError: on NaN/Inf, or labels outside {0, 1}.
  """
  labels, logits = _classifier_inputs(labels, logits)
  with tf.control_dependencies([
      tf.debugging.assert_equal(
          labels * (1.0 - labels), tf.zeros_like(labels),
          message='active_combinations_loss needs binary labels (0 or 1)')
  ]):
    bce_off = tf.nn.sigmoid_cross_entropy_with_logits(
        labels=tf.zeros_like(logits), logits=logits)
  bce_on = tf.nn.sigmoid_cross_entropy_with_logits(
      labels=tf.ones_like(logits), logits=logits)
  best = tf.minimum(bce_off, bce_on)
  if restrict_to_labels:
    free = labels > 0.5
  else:
    free = tf.ones_like(logits, dtype=tf.bool)
  per_source = tf.where(free, best, bce_off)
  # Largest logit among the free sources; -inf-free: non-free ones get the
  # lowest float32 value and are never chosen while a free one exists.
  lowest = tf.fill(tf.shape(logits), tf.float32.min)
  max_free_logit = tf.reduce_max(tf.where(free, logits, lowest), axis=-1)
  any_free = tf.reduce_any(free, axis=-1)
  switch_cost = tf.where(any_free, tf.nn.relu(-max_free_logit),
                         tf.zeros_like(max_free_logit))
  return tf.reduce_sum(per_source, axis=-1) + switch_cost


def exact_classifier_loss(labels, logits):
  """Exact cross-entropy classifier loss (arXiv sec. 4.2).

  sum_m BCE(labels_m, sigmoid(logits_m)), computed stably from logits.

  Args:
    labels: `[batch, M]` targets in [0, 1] (MixIT pseudo-labels or human
      labels).
    logits: `[batch, M]` classifier logits.

  Returns:
    `[batch]` float32 loss (sum over sources, no batch reduction).

  Raises:
    ValueError: on mismatched shapes.
    tf.errors.InvalidArgumentError: on NaN/Inf or labels outside [0, 1].
  """
  labels, logits = _classifier_inputs(labels, logits)
  return tf.reduce_sum(
      tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
      axis=-1)


def coincidence_loss(labels, logits):
  """Binary cross-entropy for audio-visual coincidence pre-training.

  Args:
    labels: `[batch]` targets in [0, 1] (1 = audio and video coincide).
    logits: `[batch]` coincidence logits.

  Returns:
    `[batch]` float32 loss (no batch reduction).

  Raises:
    ValueError: on mismatched shapes or rank other than 1.
    tf.errors.InvalidArgumentError: on NaN/Inf or labels outside [0, 1].
  """
  labels, logits = _classifier_inputs(labels, logits)
  _check_rank(logits, 1, 'logits', '[batch]')
  return tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits)


def contrastive_coincidence_loss(pair_logits, extra_negative_logits=None):
  """Symmetric contrastive (InfoNCE) loss over the clips of a batch.

  Row i of `pair_logits` scores clip i's audio against the frames of every
  clip of the batch, so the diagonal holds the coinciding pairs and each row
  and column B - 1 negatives (B - 1 per clip instead of the one of
  `coincidence_loss`). `extra_negative_logits[i]` are more negatives of
  clip i's audio (e.g. its own frames shifted in time), added to row i.
  Per clip:

    0.5 * (-log softmax(concat(pair_logits[i, :], extra[i]))[i]
           - log softmax(pair_logits[:, i])[i]).

  Args:
    pair_logits: `[batch, batch]` coincidence logits, row = audio of a clip,
      column = frames of a clip (`CoincidenceModel.pair_logits`).
    extra_negative_logits: optional `[batch, S]` logits of clip i's audio
      with S more non-coinciding frame sequences.

  Returns:
    `[batch]` float32 loss (no batch reduction).

  Raises:
    ValueError: unless `pair_logits` is square with at least 2 clips and
      `extra_negative_logits` is `[batch, S]`.
    tf.errors.InvalidArgumentError: on NaN/Inf.
  """
  pair_logits = _as_float32(pair_logits, 'pair_logits')
  _check_rank(pair_logits, 2, 'pair_logits', '[batch, batch]')
  rows, columns = pair_logits.shape
  if rows is not None and columns is not None and rows != columns:
    raise ValueError(f'pair_logits must be square [batch, batch] (audio x '
                     f'frames of the same clips), got shape '
                     f'{pair_logits.shape}.')
  if rows is not None and rows < 2:
    raise ValueError('The contrastive coincidence loss needs at least 2 clips '
                     'per replica (the other clips are the negatives); raise '
                     'the batch size.')
  pair_logits = _check_finite(pair_logits, 'pair_logits')
  row_logits = pair_logits
  if extra_negative_logits is not None:
    extra = _as_float32(extra_negative_logits, 'extra_negative_logits')
    _check_rank(extra, 2, 'extra_negative_logits', '[batch, S]')
    if not extra.shape[:1].is_compatible_with(pair_logits.shape[:1]):
      raise ValueError(f'extra_negative_logits must be [batch, S] with the '
                       f'batch of pair_logits {pair_logits.shape}, got '
                       f'{extra.shape}.')
    extra = _check_finite(extra, 'extra_negative_logits')
    row_logits = tf.concat([pair_logits, extra], axis=1)
  targets = tf.range(tf.shape(pair_logits)[0])
  audio_to_frames = tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=targets, logits=row_logits)
  frames_to_audio = tf.nn.sparse_softmax_cross_entropy_with_logits(
      labels=targets, logits=tf.transpose(pair_logits))
  return 0.5 * (audio_to_frames + frames_to_audio)


def reference_energy_share(reference_mixtures, sources, frame_length=512,
                           frame_step=128):
  """Each source's share of energy that belongs to reference mixture 0.

  The ideal ratio mask of reference 0 against reference 1,
  |R0|^2 / (|R0|^2 + |R1|^2) per STFT bin, averaged over a source's bins
  weighted by the source's energy there: 1 for a source made of reference
  0's sound alone, 0 for one of reference 1's, 0.5 for an even mix. An
  alternative to MixIT's assignment as the on-screen pseudo-label
  (`AudioVisualTask.pseudo_labels = 'energy_majority'`: share > 0.5); not
  in the papers. Gradients are not meant to flow through it.

  Args:
    reference_mixtures: `[batch, 2, time]` (primary, background).
    sources: `[batch, M, time]` separated sources.
    frame_length: STFT window in samples (512: 32 ms at 16 kHz).
    frame_step: STFT hop in samples.

  Returns:
    `[batch, M]` float32 in [0, 1]; 0.5 in bins where both references are
    silent, 0 for a silent source.

  Raises:
    ValueError: on references that are not `[batch, 2, time]` or sources
      of another batch or length.
  """
  reference_mixtures = _as_float32(reference_mixtures, 'reference_mixtures')
  sources = _as_float32(sources, 'sources')
  _check_rank(reference_mixtures, 3, 'reference_mixtures', '[batch, 2, time]')
  _check_rank(sources, 3, 'sources', '[batch, M, time]')
  if reference_mixtures.shape[1] is not None and (
      reference_mixtures.shape[1] != 2):
    raise ValueError('reference_energy_share needs 2 reference mixtures '
                     f'[batch, 2, time], got {reference_mixtures.shape}.')
  if not (reference_mixtures.shape[:1].is_compatible_with(sources.shape[:1])
          and reference_mixtures.shape[2:].is_compatible_with(
              sources.shape[2:])):
    raise ValueError(f'sources {sources.shape} must have the batch and time '
                     f'of reference_mixtures {reference_mixtures.shape}.')

  def power(x):
    return tf.math.square(tf.abs(tf.signal.stft(x, frame_length, frame_step)))

  reference_power = power(reference_mixtures)  # [batch, 2, frames, bins]
  total = reference_power[:, 0] + reference_power[:, 1]
  ratio = tf.math.divide_no_nan(reference_power[:, 0], total)
  ratio = tf.where(total > 0, ratio, 0.5 * tf.ones_like(ratio))
  source_power = power(sources)  # [batch, M, frames, bins]
  weighted = tf.reduce_sum(source_power * ratio[:, tf.newaxis], axis=[-2, -1])
  return tf.math.divide_no_nan(weighted,
                               tf.reduce_sum(source_power, axis=[-2, -1]))
