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
"""The jobs trained by the loop of `train_lib`, as `Task`s.

* `ToyRegressionTask`: a linear regression on synthetic data; tests the loop
  and the binary in seconds.
* `SeparatorPretrainingTask`: audio-only MixIT on audio MoMs (ECCV sec. 4.2).
* `CoincidencePretrainingTask`: audio-visual coincidence pre-training of the
  audio and video embedding networks.
* `AudioVisualTask`: AudioScopeV2 (ECCV sec. 3.5): MixIT on NOn examples plus
  an on-screen classifier loss on the MixIT pseudo-labels.
"""

import functools
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import gin
import numpy as np
import tensorflow as tf

from audioscope import embeddings
from audioscope import losses
from audioscope import metrics
from audioscope import model as model_lib
from audioscope import separation
from audioscope.embeddings import mobilenet
from audioscope.training import summaries
from audioscope.training import train_lib


# ------------------------------- Toy task -----------------------------------


@gin.configurable
def toy_regression_dataset(global_batch_size: int,
                           input_context: Optional[
                               tf.distribute.InputContext] = None,
                           num_features: int = 4,
                           noise: float = 0.1,
                           seed: int = 0,
                           shuffle: bool = True,
                           start_index: int = 0) -> tf.data.Dataset:
  """Synthetic regression data: y = x . w + noise, repeating forever.

  Example i is a pure function of (seed, i), so every replica layout sees the
  same examples in the same order.

  Args:
    global_batch_size: examples per step over all replicas.
    input_context: gives the per-replica batch size; shards the examples
      when there are several pipelines.
    num_features: size of x.
    noise: standard deviation of the noise.
    seed: fixes the weights w and every example.
    shuffle: shuffle with a fixed seed (a stateful pipeline, for iterator
      checkpoint tests).
    start_index: index of the first example (held-out data starts later).

  Returns:
    A dataset of dicts `{'x': [batch, num_features], 'y': [batch]}`, batch
    the per-replica batch size.
  """
  batch_size = global_batch_size
  if input_context:
    batch_size = input_context.get_per_replica_batch_size(global_batch_size)
  weights = np.random.RandomState(seed).randn(num_features).astype(np.float32)

  def make(index):
    seeds = tf.stack([tf.cast(seed, tf.int64), index])
    x = tf.random.stateless_normal([num_features], seed=seeds)
    eps = tf.random.stateless_normal([], seed=seeds + 1) * noise
    return {'x': x, 'y': tf.reduce_sum(x * weights) + eps}

  dataset = tf.data.Dataset.range(start_index, 2**31)
  if input_context and input_context.num_input_pipelines > 1:
    dataset = dataset.shard(input_context.num_input_pipelines,
                            input_context.input_pipeline_id)
  dataset = dataset.map(make)
  if shuffle:
    dataset = dataset.shuffle(64, seed=seed)
  return dataset.batch(batch_size, drop_remainder=True)


@gin.configurable
class ToyRegressionTask(train_lib.Task):
  """A linear model fit by squared error; losses `mse` (+ `l2`)."""

  def __init__(self, l2_weight: float = 0.0):
    """Initialises the task.

    Args:
      l2_weight: weight of a per-example copy of the squared weight norm,
        exercising `loss_weights`.
    """
    self.l2_weight = l2_weight

  def build_model(self) -> tf.keras.Model:
    return tf.keras.Sequential([tf.keras.layers.Dense(1, name='linear')],
                               name='toy_regression')

  def compute_losses(self, model, batch, training) -> Dict[str, tf.Tensor]:
    prediction = model(batch['x'], training=training)[:, 0]
    losses = {'mse': tf.square(prediction - batch['y'])}
    if self.l2_weight:
      l2 = tf.add_n([tf.reduce_sum(tf.square(v))
                     for v in model.trainable_variables])
      losses['l2'] = tf.fill(tf.shape(batch['y']), l2)
    return losses

  def loss_weights(self):
    return {'l2': self.l2_weight} if self.l2_weight else {}

  def summaries(self, model, batch, step):
    prediction = model(batch['x'], training=False)[:, 0]
    tf.summary.histogram('toy/residual', prediction - batch['y'], step=step)

  def evaluate(self, model):
    batch = next(iter(toy_regression_dataset(
        32, shuffle=False, start_index=2**30)))
    prediction = model(batch['x'], training=False)[:, 0]
    mse = float(tf.reduce_mean(tf.square(prediction - batch['y'])))
    # Larger is better for selection, as SNR and OSR are.
    return {'snr': -10.0 * np.log10(mse + 1e-12), 'osr': -mse}


# ------------------------------- Helpers ------------------------------------


def _snr_loss_fn(snr_max_db: float):
  return functools.partial(losses.negative_thresholded_snr,
                           snr_max_db=snr_max_db)


def _take_batches(dataset_fn: Callable[[], tf.data.Dataset],
                  num_batches: int):
  """The first `num_batches` batches of a fresh evaluation dataset."""
  dataset = dataset_fn()
  if isinstance(dataset, tf.data.Dataset):
    dataset = dataset.take(num_batches)
  for index, batch in enumerate(dataset):
    if index >= num_batches:
      break
    yield batch


def _check_keys(batch: Mapping[str, Any], keys: Sequence[str], task: str):
  missing = [k for k in keys if k not in batch]
  if missing:
    raise ValueError(
        f'{task} needs batches with {list(keys)}; the dataset lacks '
        f'{missing} (it has {sorted(batch)}). Use the matching builder of '
        'audioscope.data.pipeline.')


# ------------------------ Separator pre-training -----------------------------


@gin.configurable
class SeparatorPretrainingTask(train_lib.Task):
  """Audio-only MixIT pre-training of the separator (ECCV sec. 4.2).

  Batches (`audioscope.data.pipeline.audio_mixit_dataset`): `audio`
  `[batch, samples]` MoMs and their `reference_mixtures`
  `[batch, 2, samples]`. Loss `mixit` `[batch]`: the MixIT loss (eq. 9) with
  the negative thresholded SNR.

  Checkpoints hold the separator under `separator`, the format
  `AudioScopeV2.load_separator_checkpoint` (and `train.init_checkpoints`
  with `(path, 'separator')`) reads.
  """

  def __init__(self,
               snr_max_db: float = 30.0,
               eval_dataset_fn: Optional[Callable[[], tf.data.Dataset]] = None,
               eval_num_batches: int = 8,
               summary_max_outputs: int = 2):
    """Initialises the task.

    Args:
      snr_max_db: threshold of the negative thresholded SNR.
      eval_dataset_fn: `() -> dataset` of validation MoMs (same layout); its
        MixIT remix SNR is reported as `mixit_snr` (for
        `train.selection_metrics = ('mixit_snr',)`).
      eval_num_batches: validation batches per evaluation.
      summary_max_outputs: examples per audio summary.
    """
    self.snr_max_db = snr_max_db
    self.eval_dataset_fn = eval_dataset_fn
    self.eval_num_batches = eval_num_batches
    self.summary_max_outputs = summary_max_outputs

  def build_model(self) -> tf.keras.Model:
    # ImprovedTDCN is gin-configurable: its bindings shape the separator.
    return separation.ImprovedTDCN()

  def compute_losses(self, model, batch, training):
    _check_keys(batch, ('audio', 'reference_mixtures'),
                'SeparatorPretrainingTask')
    sources = model(batch['audio'], training=training)
    mixit_loss, _ = losses.mixit(batch['reference_mixtures'],
                                 tf.cast(sources, tf.float32),
                                 loss_fn=_snr_loss_fn(self.snr_max_db))
    return {'mixit': mixit_loss}

  def checkpoint_items(self, model):
    return {'separator': model}

  def summaries(self, model, batch, step):
    n = self.summary_max_outputs
    sources = model(batch['audio'][:n], training=False)
    rate = model.sample_rate
    summaries.audio_summary('audio/mixture', batch['audio'][:n], rate, step, n)
    summaries.audio_summary('audio/references', batch['reference_mixtures'][:n],
                            rate, step, n)
    summaries.audio_summary('audio/sources', sources, rate, step, n)

  def evaluate(self, model):
    if self.eval_dataset_fn is None:
      return None
    snrs = []
    for batch in _take_batches(self.eval_dataset_fn, self.eval_num_batches):
      references = tf.cast(batch['reference_mixtures'], tf.float32)
      sources = tf.cast(model(batch['audio'], training=False), tf.float32)
      _, mixing = losses.mixit(references, sources,
                               loss_fn=_snr_loss_fn(self.snr_max_db))
      remix = tf.einsum('brm,bmt->brt', mixing, sources)
      snrs.append(metrics.snr(references, remix).numpy())
    return {'mixit_snr': float(np.mean(np.concatenate(snrs)))}


# ---------------------- Coincidence pre-training -----------------------------


def _standardise_over_time(features, epsilon):
  """Zero mean, variance 1 (after adding `epsilon`) over axis 2 (time)."""
  mean, variance = tf.nn.moments(features, axes=[2], keepdims=True)
  return (features - mean) * tf.math.rsqrt(variance + epsilon)


def temporal_correlation(audio_channels, video_channels, epsilon=1e-3):
  """Per-location, per-channel correlation over time of two feature tensors.

  Each channel is standardised over time (zero mean, variance 1 after adding
  `epsilon` to the variance), then `c[b, g, k] = mean_t a[b, 0, t, k] *
  v[b, g, t, k]`: the Pearson correlation when the variances are much larger
  than `epsilon`, and near 0 for a channel that hardly moves.

  Args:
    audio_channels: `[batch, 1, T, K]`.
    video_channels: `[batch, G, T, K]`.
    epsilon: added to the variances.

  Returns:
    `[batch, G, K]`.
  """
  return tf.reduce_mean(
      _standardise_over_time(audio_channels, epsilon) *
      _standardise_over_time(video_channels, epsilon), axis=2)


def pairwise_temporal_correlation(audio_channels, video_channels,
                                  epsilon=1e-3):
  """`temporal_correlation` of every audio with every clip's frames.

  Args:
    audio_channels: `[batch_audio, 1, T, K]`.
    video_channels: `[batch_frames, G, T, K]`.
    epsilon: added to the variances.

  Returns:
    `[batch_audio, batch_frames, G, K]`: entry [i, j] is
    `temporal_correlation(audio_channels[i:i+1], video_channels[j:j+1])[0]`.
  """
  audio = _standardise_over_time(audio_channels, epsilon)[:, 0]
  video = _standardise_over_time(video_channels, epsilon)
  num_frames = tf.cast(tf.shape(audio)[1], audio.dtype)
  return tf.einsum('itk,jgtk->ijgk', audio, video) / num_frames


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class CoincidenceModel(tf.keras.Model):
  """Audio-visual coincidence classifier over the embedding networks.

  The papers only cite the coincidence model (Jansen et al. 2020); this one
  is our choice. Z_A `[batch, 1, T, D]` is the clip's audio embedding and
  Z_V `[batch, G, T, D]` the frames' embedding. Two fusions:

  * 'synchrony' (default): both are projected to K = `hidden_units`
    channels, each channel standardised over time (zero mean, unit variance
    per example and location), and the per-location temporal correlations
    `c[g, k] = mean_t a[t, k] v[g, t, k]` are max-pooled over the G
    locations; a ReLU dense layer and a dense layer give the logit. The
    standardisation removes what a single frame or a single audio segment
    tells (presence, loudness, a constant-brightness object), so the loss
    can only be lowered by features whose time course agrees across the
    modalities at one place in the image: exactly what the on-screen
    classifier later needs from the frozen trunks.
  * 'concat': Z_A and Z_V averaged over G are concatenated per frame,
    passed through a ReLU dense layer, averaged over time, and a dense
    layer gives the logit (presence and synchrony alike).

  On the demo's synthetic scenes (2 s, 8 FPS) both fusions stayed at chance
  with the audio trunk's paper endpoint (Conv2d_11_pointwise, whose 2.19 s
  receptive field blurs the envelopes): held-out accuracy 0.48 ('synchrony')
  and 0.51 ('concat') after 600 steps; with Conv2d_5_pointwise (0.43 s)
  'synchrony' reached 0.62 in the same 600 steps.

  Attributes:
    audio_embedding: `embeddings.AudioEmbedding` (trained: freeze=False).
    video_embedding: `embeddings.VideoEmbedding` (trained: freeze=False).
  """

  FUSIONS = ('synchrony', 'concat')

  def __init__(self, embedding_dim: int = 128, hidden_units: int = 128,
               sample_rate: int = 16000, fusion: str = 'synchrony',
               **kwargs):
    """Builds the model.

    Args:
      embedding_dim: D of both embeddings.
      hidden_units: width of the fusion layers (K of 'synchrony').
      sample_rate: audio rate in Hz.
      fusion: 'synchrony' or 'concat' (see the class docstring).
      **kwargs: Keras Model arguments.
    """
    kwargs.setdefault('name', 'coincidence')
    super().__init__(**kwargs)
    if embedding_dim < 1 or hidden_units < 1:
      raise ValueError(f'embedding_dim ({embedding_dim}) and hidden_units '
                       f'({hidden_units}) must be >= 1.')
    if fusion not in self.FUSIONS:
      raise ValueError(f'fusion must be one of {self.FUSIONS}, got '
                       f'{fusion!r}.')
    self.embedding_dim = int(embedding_dim)
    self.hidden_units = int(hidden_units)
    self.sample_rate = int(sample_rate)
    self.fusion_type = fusion
    # Explicit arguments win over the gin bindings of the AudioScopeV2
    # config (freeze=True, weights_path): this job trains the trunks.
    self.audio_embedding = embeddings.AudioEmbedding(
        sample_rate=self.sample_rate, embedding_dim=self.embedding_dim,
        weights_path=None, freeze=False)
    self.video_embedding = embeddings.VideoEmbedding(
        embedding_dim=self.embedding_dim, weights_path=None, freeze=False)
    if fusion == 'synchrony':
      self.audio_projection = tf.keras.layers.Dense(
          hidden_units, name='audio_projection')
      self.video_projection = tf.keras.layers.Dense(
          hidden_units, name='video_projection')
    self.fusion = tf.keras.layers.Dense(hidden_units, activation='relu',
                                        name='fusion')
    self.logit = tf.keras.layers.Dense(1, name='logit')

  def embed(self, audio, frames, training=None):
    """Both embeddings.

    Args:
      audio: `[batch, samples]` the clips' audio.
      frames: `[batch, T, H, W, 3]` float32 in [0, 1].
      training: Keras training flag.

    Returns:
      (Z_A `[batch, 1, T, D]`, Z_V `[batch, G, T, D]`).
    """
    num_frames = frames.shape[1] or tf.shape(frames)[1]
    video = self.video_embedding(frames, training=training)
    sound = self.audio_embedding(audio[:, tf.newaxis], num_frames,
                                 training=training)
    return sound, video

  def fuse(self, sound, video):
    """Logits of matched embeddings.

    Args:
      sound: Z_A `[batch, 1, T, D]`.
      video: Z_V `[batch, G, T, D]`.

    Returns:
      `[batch]` logits.
    """
    if self.fusion_type == 'synchrony':
      correlation = temporal_correlation(
          self.audio_projection(sound),
          self.video_projection(video))  # [b, G, K]
      hidden = self.fusion(tf.reduce_max(correlation, axis=1))  # [b, K]
    else:
      joint = tf.concat([sound[:, 0], tf.reduce_mean(video, axis=1)], axis=-1)
      hidden = tf.reduce_mean(self.fusion(joint), axis=1)  # [b, hidden]
    return self.logit(hidden)[:, 0]

  def fuse_pairs(self, sound, video):
    """Logits of every audio embedding with every video embedding.

    Args:
      sound: Z_A `[batch_audio, 1, T, D]`.
      video: Z_V `[batch_frames, G, T, D]`.

    Returns:
      `[batch_audio, batch_frames]` logits; entry [i, j] equals
      `fuse(sound[i:i+1], video[j:j+1])[0]`.
    """
    if self.fusion_type == 'synchrony':
      correlation = pairwise_temporal_correlation(
          self.audio_projection(sound),
          self.video_projection(video))  # [ba, bv, G, K]
      hidden = self.fusion(tf.reduce_max(correlation, axis=2))  # [ba, bv, K]
    else:
      sound = sound[:, tf.newaxis, 0]  # [ba, 1, T, D]
      video = tf.reduce_mean(video, axis=1)[tf.newaxis]  # [1, bv, T, D]
      pairs = tf.broadcast_dynamic_shape(tf.shape(sound)[:2],
                                         tf.shape(video)[:2])
      joint = tf.concat([
          tf.broadcast_to(sound, tf.concat([pairs, tf.shape(sound)[2:]], 0)),
          tf.broadcast_to(video, tf.concat([pairs, tf.shape(video)[2:]], 0))
      ], axis=-1)  # [ba, bv, T, 2D]
      hidden = tf.reduce_mean(self.fusion(joint), axis=2)  # [ba, bv, hidden]
    return self.logit(hidden)[..., 0]

  def call(self, audio, frames, training=None):
    """Coincidence logits of matched pairs.

    Args:
      audio: `[batch, samples]` the clip's audio.
      frames: `[batch, T, H, W, 3]` float32 in [0, 1].
      training: Keras training flag.

    Returns:
      `[batch]` logits (> 0: audio and frames coincide).
    """
    return self.fuse(*self.embed(audio, frames, training=training))

  def pair_logits(self, audio, frames, training=None):
    """Coincidence logits of every clip's audio with every clip's frames.

    Each embedding is computed once, so B x B pairs cost about what B
    matched pairs of `call` cost.

    Args:
      audio: `[batch_audio, samples]`.
      frames: `[batch_frames, T, H, W, 3]` float32 in [0, 1].
      training: Keras training flag.

    Returns:
      `[batch_audio, batch_frames]` logits; entry [i, j] equals
      `call(audio[i:i+1], frames[j:j+1])` (batch statistics aside).
    """
    return self.fuse_pairs(*self.embed(audio, frames, training=training))

  def source_logits(self, sources, frames, training=None):
    """Coincidence logits of every source of a clip with the clip's frames.

    The pre-trained model as an on-screen classifier that never saw the
    on-screen task (`evaluation.coincidence_baseline`). The frames are
    embedded once per clip.

    Args:
      sources: `[batch, M, samples]` separated sources.
      frames: `[batch, T, H, W, 3]` float32 in [0, 1].
      training: Keras training flag.

    Returns:
      `[batch, M]` logits; entry [b, m] equals
      `call(sources[b:b+1, m], frames[b:b+1])` (batch statistics aside).
    """
    sources = tf.convert_to_tensor(sources)
    if sources.shape.rank != 3:
      raise ValueError(f'sources must be [batch, M, samples], got shape '
                       f'{sources.shape}.')
    num_frames = frames.shape[1] or tf.shape(frames)[1]
    batch, num_sources = tf.shape(sources)[0], tf.shape(sources)[1]
    video = self.video_embedding(frames, training=training)  # [B, G, T, D]
    sound = self.audio_embedding(
        tf.reshape(sources, [batch * num_sources, 1, -1]), num_frames,
        training=training)  # [B * M, 1, T, D]
    logits = self.fuse(sound, tf.repeat(video, num_sources, axis=0))
    return tf.reshape(logits, [batch, num_sources])

  def get_config(self):
    return dict(name=self.name, embedding_dim=self.embedding_dim,
                hidden_units=self.hidden_units, sample_rate=self.sample_rate,
                fusion=self.fusion_type)


COINCIDENCE_LOSSES = ('binary', 'contrastive')


def check_coincidence_options(loss: str, shifted_negatives: int,
                              prefix: str = '') -> None:
  """Raises ValueError unless `loss` is one of COINCIDENCE_LOSSES and
  `shifted_negatives` is >= 0, and > 0 only with 'contrastive'. `prefix`
  goes before the option names in the message (e.g. 'coincidence_')."""
  if loss not in COINCIDENCE_LOSSES:
    raise ValueError(f'{prefix}loss must be one of {COINCIDENCE_LOSSES}, got '
                     f'{loss!r}.')
  if shifted_negatives < 0 or (shifted_negatives and loss != 'contrastive'):
    raise ValueError(
        f'{prefix}shifted_negatives must be >= 0 and needs the contrastive '
        f'loss, got {shifted_negatives} with loss {loss!r}.')


@gin.configurable
class CoincidencePretrainingTask(train_lib.Task):
  """Audio-visual coincidence pre-training of both embedding networks.

  Two losses (`loss`), each `coincidence` `[batch]`:
  * 'binary' (default; the same/different task of Jansen et al. 2020):
    positives are a clip's audio with its own frames, negatives the same
    audio with the frames of the next clip of the per-replica batch (the
    frames rolled by one); the mean of the binary cross-entropies of the
    positive and the negative pair of each clip.
  * 'contrastive': every clip's audio is scored against the frames of every
    clip of the per-replica batch (`CoincidenceModel.pair_logits`) and
    `losses.contrastive_coincidence_loss` asks each audio to pick its own
    frames among the B and each clip's frames to pick its own audio: B - 1
    negatives per clip instead of one, from the same embeddings (each
    computed once, where 'binary' embeds every audio and every clip's
    frames twice). Its logits are only meaningful relative to each other.
    With `shifted_negatives` S > 0, each audio also gets S negatives that
    are its own clip's frames shifted in time (circularly, by evenly
    spaced shifts between a quarter and three quarters of the clip; the
    video embedding is per frame, so it is shifted, not recomputed). They
    look and sound exactly like the positive and differ only in
    synchrony, so they cannot be told apart by remembering which sound
    goes with which scene, the shortcut that a few hundred training clips
    allow (Owens & Efros 2018 train on such time-shifted negatives).
  Either way the per-replica batch must hold at least 2 clips of different
  videos.

  Batches: `frames` and the clip's audio, from `reference_mixtures[:, 0]`
  when present (the primary clip of `non_dataset`) else `audio`
  (`single_mixture_dataset`).

  After each checkpoint the trunks are written where the embedding networks
  read pre-trained weights (`mobilenet.save_weights`, a
  `tf.train.Checkpoint(network=trunk)` prefix):
  `<model_dir>/embeddings/audio_trunk` and `.../video_trunk`; bind
  `AudioEmbedding.weights_path` and `VideoEmbedding.weights_path` to them.
  """

  def __init__(self, eval_dataset_fn: Optional[Callable[[], Any]] = None,
               eval_num_batches: int = 8, loss: str = 'binary',
               shifted_negatives: int = 0):
    """Initialises the task.

    Args:
      eval_dataset_fn: `() -> dataset` of validation clips; reports
        `accuracy` (positives with a logit > 0 and next-clip negatives with
        a logit <= 0; meaningful for the 'binary' loss only),
        `ranking_accuracy` (how often a clip's audio scores higher with its
        own frames than with another clip's of the batch; 0.5 is chance,
        comparable between the losses), `synchrony_accuracy` (how often it
        scores higher with its own frames than with them shifted by half
        the clip: synchrony alone; off-screen-only clips, with nothing to
        see, cap it below 1) and `coincidence_loss`.
      eval_num_batches: validation batches per evaluation.
      loss: 'binary' or 'contrastive' (see the class docstring).
      shifted_negatives: time-shifted negatives per clip of the
        'contrastive' loss (0: none).

    Raises:
      ValueError: on an unknown loss, or shifted negatives without the
        'contrastive' loss.
    """
    check_coincidence_options(loss, shifted_negatives)
    self.eval_dataset_fn = eval_dataset_fn
    self.eval_num_batches = eval_num_batches
    self.loss = loss
    self.shifted_negatives = int(shifted_negatives)

  def frame_shifts(self, num_frames: int) -> List[int]:
    """The time shifts (in frames) of the shifted negatives.

    `shifted_negatives` evenly spaced shifts from T/4 to 3T/4, rounded.

    Raises:
      ValueError: if the clip has too few frames for distinct shifts of at
        least one frame.
    """
    count = self.shifted_negatives
    if count == 0:
      return []
    shifts = np.rint(np.linspace(num_frames / 4, 3 * num_frames / 4,
                                 count)).astype(int) if count > 1 else [
                                     int(round(num_frames / 2))]
    shifts = [int(shift) for shift in shifts]
    if len(set(shifts)) < count or min(shifts) < 1 or max(
        shifts) > num_frames - 1:
      raise ValueError(
          f'{count} shifted negatives need distinct shifts between 1 and '
          f'{num_frames - 1} frames; clips of {num_frames} frames give '
          f'{shifts}. Lower shifted_negatives or use longer clips.')
    return shifts

  def build_model(self) -> tf.keras.Model:
    return CoincidenceModel()

  @staticmethod
  def _audio(batch):
    _check_keys(batch, ('frames',), 'CoincidencePretrainingTask')
    if 'reference_mixtures' in batch:
      return batch['reference_mixtures'][:, 0]
    _check_keys(batch, ('audio',), 'CoincidencePretrainingTask')
    return batch['audio']

  @staticmethod
  def _check_batch(frames):
    if frames.shape[0] is not None and frames.shape[0] < 2:
      raise ValueError(
          'Coincidence pre-training needs at least 2 clips per replica (the '
          'negatives are the other clips\' frames); raise the batch size.')

  def _logits(self, model, batch, training):
    """(positive, next-clip negative) logits, each `[batch]`."""
    audio = self._audio(batch)
    frames = batch['frames']
    self._check_batch(frames)
    both_audio = tf.concat([audio, audio], axis=0)
    both_frames = tf.concat([frames, tf.roll(frames, shift=1, axis=0)],
                            axis=0)
    logits = model(both_audio, both_frames, training=training)
    return tf.split(logits, 2)

  def _pair_logits(self, model, batch, training):
    """(`[batch, batch]` logits, row = audio, column = frames;
    `[batch, S]` logits with the clip's own frames shifted, or None)."""
    frames = batch['frames']
    self._check_batch(frames)
    sound, video = model.embed(self._audio(batch), frames, training=training)
    pair_logits = model.fuse_pairs(sound, video)
    num_frames = frames.shape[1]
    if not self.shifted_negatives:
      return pair_logits, None
    if num_frames is None:
      raise ValueError('Shifted negatives need a static number of frames.')
    shifted = [model.fuse(sound, tf.roll(video, shift, axis=2))
               for shift in self.frame_shifts(num_frames)]
    return pair_logits, tf.stack(shifted, axis=1)

  def compute_losses(self, model, batch, training):
    if self.loss == 'contrastive':
      return {'coincidence': losses.contrastive_coincidence_loss(
          *self._pair_logits(model, batch, training))}
    positive, negative = self._logits(model, batch, training)
    loss = 0.5 * (
        losses.coincidence_loss(tf.ones_like(positive), positive) +
        losses.coincidence_loss(tf.zeros_like(negative), negative))
    return {'coincidence': loss}

  def export(self, model, model_dir, step):
    del step
    folder = os.path.join(model_dir, 'embeddings')
    mobilenet.save_weights(model.audio_embedding.trunk,
                           os.path.join(folder, 'audio_trunk'))
    mobilenet.save_weights(model.video_embedding.trunk,
                           os.path.join(folder, 'video_trunk'))

  def summaries(self, model, batch, step):
    summaries.frames_summary('frames', batch['frames'], step)

  def evaluate(self, model):
    if self.eval_dataset_fn is None:
      return None
    correct, total, loss = 0.0, 0, 0.0
    ranked, ranked_total, synchronous = 0.0, 0, 0.0
    for batch in _take_batches(self.eval_dataset_fn, self.eval_num_batches):
      frames = batch['frames']
      self._check_batch(frames)
      sound, video = model.embed(self._audio(batch), frames, training=False)
      pair_logits = model.fuse_pairs(sound, video).numpy()
      half_shifted = model.fuse(
          sound, tf.roll(video, frames.shape[1] // 2, axis=2)).numpy()
      batch_size = pair_logits.shape[0]
      positive = np.diag(pair_logits)
      # Audio i with the frames of clip i - 1: the negatives of 'binary'.
      negative = pair_logits[np.arange(batch_size),
                             np.arange(batch_size) - 1]
      correct += float(np.sum(positive > 0) + np.sum(negative <= 0))
      total += 2 * batch_size
      off_diagonal = ~np.eye(batch_size, dtype=bool)
      ranked += float(np.sum((positive[:, np.newaxis] > pair_logits)
                             [off_diagonal]))
      ranked_total += batch_size * (batch_size - 1)
      synchronous += float(np.sum(positive > half_shifted))
      loss += float(tf.reduce_sum(self.compute_losses(
          model, batch, training=False)['coincidence']))
    clips = max(total // 2, 1)
    return {'accuracy': correct / max(total, 1),
            'ranking_accuracy': ranked / max(ranked_total, 1),
            'synchrony_accuracy': synchronous / clips,
            'coincidence_loss': loss / clips}


# ------------------------------ AudioScopeV2 ---------------------------------

CLASSIFIER_LOSSES = ('active_combinations', 'exact')
PSEUDO_LABELS = ('mixit', 'energy_majority')


def check_replaced_frames_fraction(fraction: float) -> None:
  """Raises ValueError unless 0 <= fraction < 1 (`replace_frames`)."""
  if not 0.0 <= fraction < 1.0:
    raise ValueError(f'replaced_frames_fraction must be in [0, 1), got '
                     f'{fraction}.')


def check_negative_fractions(replaced_fraction: float,
                             shifted_fraction: float) -> None:
  """Raises ValueError unless both negative shares are in [0, 1) and
  leave part of the batch untouched (`replace_frames`, `shift_frames`)."""
  check_replaced_frames_fraction(replaced_fraction)
  if not 0.0 <= shifted_fraction < 1.0 or (
      replaced_fraction + shifted_fraction >= 1.0):
    raise ValueError(
        f'shifted_frames_fraction must be in [0, 1) and leave part of the '
        f'batch untouched with replaced_frames_fraction='
        f'{replaced_fraction}, got {shifted_fraction}.')


def replace_frames(frames, labels, fraction: float):
  """Turns a share of a batch into replaced-frame negatives.

  The first `k = round(fraction * batch)` examples get the frames of the
  example before them in the batch (example 0 those of the last one) and
  label 0 (off-screen-only): their audio no longer has an object in view, as
  the "replaced video" probe of "Don't Listen to What You Can't See" (sec. 3).
  Batches are shuffled, so which examples are replaced is random. A replaced
  example whose background clip happens to be the donor's primary keeps a
  matching sound; with hundreds of clips that is rare label noise.

  Args:
    frames: `[batch, frames, height, width, 3]`.
    labels: `[batch]` int (-1 NOn, 1 on-screen-only, 0 off-screen-only).
    fraction: share of the batch to replace, in [0, 1).

  Returns:
    (frames, labels) of the same shapes and dtypes.

  Raises:
    ValueError: if the fraction is outside [0, 1) or the batch is too small
      for it to replace at least one example with another's frames.
  """
  check_replaced_frames_fraction(fraction)
  batch_size = frames.shape[0]
  if fraction == 0.0:
    return frames, labels
  if batch_size is None:
    raise ValueError('Replaced-frame negatives need a static batch size; '
                     'batch the data with drop_remainder=True.')
  count = int(round(fraction * batch_size))
  if count < 1 or batch_size < 2:
    raise ValueError(
        f'replaced_frames_fraction={fraction} replaces no example of a '
        f'per-replica batch of {batch_size}; raise the fraction or the batch '
        f'size (at least 2 per replica).')
  replaced = tf.range(batch_size) < count
  donors = tf.roll(frames, shift=1, axis=0)
  frames = tf.where(replaced[:, tf.newaxis, tf.newaxis, tf.newaxis,
                             tf.newaxis], donors, frames)
  labels = tf.where(replaced, tf.zeros_like(labels), labels)
  return frames, labels


def shift_frames(frames, labels, fraction: float, first: int = 0):
  """Turns a share of a batch into time-shifted-frame negatives.

  `k = round(fraction * batch)` examples from index `first` on get their own
  frames shifted in time by half the clip (circularly: frame t shows frame
  (t - T // 2) mod T) and label 0: the same scene and the same sounds, out
  of sync, so only audio-visual synchrony tells them from the originals
  (neither the presence of an object nor which scene goes with which
  sound, which a few hundred training clips let a model remember). An
  addition to the papers, after the time-shifted negatives of Owens & Efros
  (2018). Batches are shuffled, so which examples are shifted is random.

  Args:
    frames: `[batch, T, height, width, 3]`, T >= 2.
    labels: `[batch]` int (-1 NOn, 1 on-screen-only, 0 off-screen-only).
    fraction: share of the batch to shift, in [0, 1).
    first: index of the first shifted example (after the replaced-frame
      negatives of `replace_frames`, which take the first ones).

  Returns:
    (frames, labels) of the same shapes and dtypes.

  Raises:
    ValueError: if the fraction is outside [0, 1), the batch or the number
      of frames is not static, the fraction shifts no example, or the
      shifted examples would run past the end of the batch.
  """
  if not 0.0 <= fraction < 1.0:
    raise ValueError(f'shifted_frames_fraction must be in [0, 1), got '
                     f'{fraction}.')
  if fraction == 0.0:
    return frames, labels
  batch_size, num_frames = frames.shape[0], frames.shape[1]
  if batch_size is None or num_frames is None:
    raise ValueError('Shifted-frame negatives need a static batch size and '
                     'number of frames; batch the data with '
                     'drop_remainder=True.')
  count = int(round(fraction * batch_size))
  if count < 1 or num_frames < 2:
    raise ValueError(
        f'shifted_frames_fraction={fraction} shifts no example of a '
        f'per-replica batch of {batch_size} clips of {num_frames} frames; '
        f'raise the fraction or the batch size (clips need >= 2 frames).')
  if first + count >= batch_size:
    raise ValueError(
        f'{first} replaced-frame and {count} shifted-frame negatives leave no '
        f'example of a per-replica batch of {batch_size} untouched; lower '
        f'replaced_frames_fraction or shifted_frames_fraction.')
  index = tf.range(batch_size)
  shifted = (index >= first) & (index < first + count)
  frames = tf.where(shifted[:, tf.newaxis, tf.newaxis, tf.newaxis,
                            tf.newaxis],
                    tf.roll(frames, shift=num_frames // 2, axis=1), frames)
  labels = tf.where(shifted, tf.zeros_like(labels), labels)
  return frames, labels


@gin.configurable
class AudioVisualTask(train_lib.Task):
  """AudioScopeV2 training (ECCV sec. 3.5).

  Batches (`non_dataset` or `semi_supervised_dataset`): `audio`, `frames`,
  `reference_mixtures` `[batch, 2, samples]` (primary, background) and
  `labels` `[batch]` (-1 NOn, 1 on-screen-only, 0 off-screen-only primary).

  Losses, each `[batch]`:
  * `mixit`: MixIT (eq. 9) of the separated sources against the two
    reference mixtures;
  * `classifier`: for NOn examples (label -1) the `classifier_loss`
    ('active_combinations', ECCV eq. 10, or 'exact' BCE, arXiv) against the
    pseudo-labels y_m = mixing_matrix[:, 0, m] (sources MixIT assigned to the
    primary mixture). Labelled examples always use the exact BCE: all 0 for
    off-screen-only primaries; for on-screen-only primaries the MixIT
    assignment to the primary (whose sound is all on-screen, so the
    sources assigned to it are on-screen and those assigned to the
    background off-screen).
  total = mixit_weight * mixit + classifier_weight * classifier.

  With `replaced_frames_fraction > 0` that share of every training batch
  gets another example's frames and label 0 (`replace_frames`): negatives
  that show sounding objects, but not these sounds, so that the classifier
  must use audio-visual synchrony, not the presence of an object. This is
  an addition to the papers (0 in the paper configs, the default).
  `shifted_frames_fraction` does the same with the example's own frames
  shifted in time by half the clip (`shift_frames`): negatives that differ
  from the original only in synchrony.

  `pseudo_labels = 'energy_majority'` replaces MixIT's assignment as the
  pseudo-label (NOn and on-screen-only primaries) by whether most of a
  source's energy is the primary's (`losses.reference_energy_share` >
  0.5): for a source that mixes the two reference mixtures, MixIT's
  assignment is whichever remix is better, not which clip the source
  mostly holds (an addition to the papers; 'mixit', the papers', is the
  default).

  The embedding trunks are frozen by the model configuration
  (`AudioEmbedding.freeze = True`); the separator and the embeddings start
  from the pre-training jobs through `train.init_checkpoints`.
  """

  def __init__(self,
               classifier_loss: str = 'active_combinations',
               mixit_weight: float = 1.0,
               classifier_weight: float = 1.0,
               snr_max_db: float = 30.0,
               replaced_frames_fraction: float = 0.0,
               eval_dataset_fn: Optional[Callable[[], Any]] = None,
               eval_num_batches: int = 16,
               shifted_frames_fraction: float = 0.0,
               summary_max_outputs: int = 2,
               eval_target_osr_db: Optional[float] = None,
               pseudo_labels: str = 'mixit'):
    """Initialises the task.

    Args:
      classifier_loss: 'active_combinations' (ECCV, default) or 'exact'
        (arXiv) for the NOn examples.
      mixit_weight: weight of the MixIT loss in the total.
      classifier_weight: weight of the classifier loss in the total.
      snr_max_db: threshold of the negative thresholded SNR.
      replaced_frames_fraction: share of each training batch turned into
        replaced-frame negatives (`replace_frames`), in [0, 1).
      eval_dataset_fn: `() -> dataset` of validation MoMs
        (`mom_eval_dataset`: labels 1 with `on_screen_audio`, labels 0; or
        `semi_supervised_dataset` with weights (0, 1, 1), whose on-screen
        truth is `reference_mixtures[:, 0]`);
        reports `snr` (median on-screen SNR of the on-screen MoMs), `osr`
        (median OSR of the off-screen MoMs), the AUCs and the counts (see
        `evaluate`).
      eval_num_batches: validation batches per evaluation.
      shifted_frames_fraction: share of each training batch turned into
        time-shifted-frame negatives (`shift_frames`), in [0, 1); together
        with the replaced ones less than the whole batch.
      summary_max_outputs: examples per audio summary.
      eval_target_osr_db: also calibrate each validation to this median OSR
        of its off-screen MoMs and report `calibrated_snr` (select on it with
        `train.selection_metrics = ('calibrated_snr',)`); None: don't.
      pseudo_labels: the on-screen pseudo-label of a source of a NOn or
        on-screen-only example: 'mixit' (assigned to the primary by MixIT,
        the papers) or 'energy_majority' (most of its energy is the
        primary's).

    Raises:
      ValueError: on an unknown classifier loss or pseudo-label, negative
        weights or a fraction outside [0, 1).
    """
    check_negative_fractions(replaced_frames_fraction,
                             shifted_frames_fraction)
    if classifier_loss not in CLASSIFIER_LOSSES:
      raise ValueError(f'classifier_loss must be one of {CLASSIFIER_LOSSES}, '
                       f'got {classifier_loss!r}.')
    if pseudo_labels not in PSEUDO_LABELS:
      raise ValueError(f'pseudo_labels must be one of {PSEUDO_LABELS}, got '
                       f'{pseudo_labels!r}.')
    if mixit_weight < 0 or classifier_weight < 0:
      raise ValueError(f'Loss weights must be >= 0, got mixit_weight='
                       f'{mixit_weight}, classifier_weight={classifier_weight}.')
    self.classifier_loss = classifier_loss
    self.pseudo_labels = pseudo_labels
    self.mixit_weight = mixit_weight
    self.classifier_weight = classifier_weight
    self.snr_max_db = snr_max_db
    self.replaced_frames_fraction = replaced_frames_fraction
    self.shifted_frames_fraction = shifted_frames_fraction
    self.eval_dataset_fn = eval_dataset_fn
    self.eval_num_batches = eval_num_batches
    self.summary_max_outputs = summary_max_outputs
    self.eval_target_osr_db = eval_target_osr_db
    self._eval_model_fn = None  # (model, compiled model_fn) of `evaluate`.

  def build_model(self) -> tf.keras.Model:
    return model_lib.AudioScopeV2()

  def loss_weights(self):
    return {'mixit': self.mixit_weight, 'classifier': self.classifier_weight}

  def targets(self, mixing_matrix, labels, pseudo=None):
    """Classifier targets and which examples use the exact loss.

    Args:
      mixing_matrix: `[batch, 2, M]` MixIT assignment.
      labels: `[batch]` int: -1 NOn, 1 on-screen-only, 0 off-screen-only.
      pseudo: `[batch, M]` 0/1 pseudo-labels of the primary's sources; None:
        MixIT's assignment to the primary, `mixing_matrix[:, 0]`.

    Returns:
      (targets `[batch, M]` float32, exact `[batch]` bool).
    """
    if pseudo is None:
      pseudo = mixing_matrix[:, 0, :]
    pseudo = tf.cast(pseudo, tf.float32)
    labels = tf.cast(labels, tf.int32)[:, tf.newaxis]
    targets = tf.where(labels == 0, tf.zeros_like(pseudo), pseudo)
    return targets, labels[:, 0] >= 0

  def compute_losses(self, model, batch, training):
    _check_keys(batch, ('audio', 'frames', 'reference_mixtures'),
                'AudioVisualTask')
    frames = batch['frames']
    labels = batch.get('labels')
    if labels is None:
      labels = tf.fill(tf.shape(batch['audio'])[:1], -1)
    if training and self.replaced_frames_fraction > 0:
      frames, labels = replace_frames(frames, labels,
                                      self.replaced_frames_fraction)
    if training and self.shifted_frames_fraction > 0:
      replaced = int(round(self.replaced_frames_fraction *
                           (frames.shape[0] or 0)))
      frames, labels = shift_frames(frames, labels,
                                    self.shifted_frames_fraction,
                                    first=replaced)
    outputs = model({'audio': batch['audio'], 'frames': frames},
                    training=training)
    sources = tf.cast(outputs['sources'], tf.float32)
    mixit_loss, mixing = losses.mixit(batch['reference_mixtures'], sources,
                                      loss_fn=_snr_loss_fn(self.snr_max_db))
    pseudo = None
    if self.pseudo_labels == 'energy_majority':
      share = losses.reference_energy_share(
          tf.stop_gradient(tf.cast(batch['reference_mixtures'], tf.float32)),
          tf.stop_gradient(sources))
      pseudo = tf.cast(share > 0.5, tf.float32)
    targets, exact = self.targets(tf.stop_gradient(mixing), labels, pseudo)
    logits = tf.cast(outputs['logits'], tf.float32)
    exact_loss = losses.exact_classifier_loss(targets, logits)
    if self.classifier_loss == 'exact':
      classifier_loss = exact_loss
    else:
      classifier_loss = tf.where(
          exact, exact_loss, losses.active_combinations_loss(targets, logits))
    return {'mixit': mixit_loss, 'classifier': classifier_loss}

  def summaries(self, model, batch, step):
    n = self.summary_max_outputs
    outputs = model({'audio': batch['audio'][:n],
                     'frames': batch['frames'][:n]}, training=False)
    rate = model.sample_rate
    summaries.audio_summary('audio/mixture', batch['audio'][:n], rate, step, n)
    summaries.audio_summary('audio/references', batch['reference_mixtures'][:n],
                            rate, step, n)
    summaries.audio_summary('audio/sources', outputs['sources'], rate, step, n)
    summaries.audio_summary('audio/on_screen', outputs['on_screen'], rate,
                            step, n)
    summaries.audio_summary('audio/off_screen', outputs['off_screen'], rate,
                            step, n)
    summaries.frames_summary('frames', batch['frames'][:n], step, n)
    tf.summary.histogram('probabilities', outputs['probabilities'], step=step)

  def evaluate(self, model):
    """Validation metrics for checkpoint selection (ECCV sec. 4.4).

    Runs the model over `eval_num_batches` batches of `eval_dataset_fn`
    with the evaluation's own code (`evaluate_lib.predict` and
    `evaluate_predictions`, so the numbers match `audioscope_evaluate`'s).

    Returns:
      None without `eval_dataset_fn`; else {'snr': median on-screen SNR
      of the on-screen MoMs, 'osr': median OSR of the off-screen MoMs, both
      at theta = 0 (the paper's early-stopping metrics: `train` keeps the
      max of min(snr, osr)), 'auc' (power-weighted), 'within_auc' (ranking
      within on-screen MoMs), 'num_on_screen', 'num_off_screen'}; with
      `eval_target_osr_db` also 'calibration_offset' (theta giving that
      median OSR on these off-screen MoMs) and 'calibrated_snr' (median
      on-screen SNR at that theta). Metrics that cannot be computed are
      left out.

    Raises:
      ValueError: the batches lack labels, or on-screen (label 1) or
        off-screen (label 0) MoMs.
    """
    if self.eval_dataset_fn is None:
      return None
    # Imported here: evaluate_lib is a heavier module than the training
    # loop needs when there is no validation.
    from audioscope.evaluation import calibration  # pylint: disable=g-import-not-at-top
    from audioscope.evaluation import evaluate_lib  # pylint: disable=g-import-not-at-top
    batches = list(_take_batches(self.eval_dataset_fn, self.eval_num_batches))
    for batch in batches:
      _check_keys(batch, ('audio', 'frames', 'labels'),
                  'AudioVisualTask evaluation')
    if self._eval_model_fn is None or self._eval_model_fn[0] is not model:
      self._eval_model_fn = (model, evaluate_lib.as_model_fn(model))
    on_screen, off_screen = evaluate_lib.predict(
        self._eval_model_fn[1], batches, log_every=0).split_by_label()
    if not on_screen.num_examples or not off_screen.num_examples:
      raise ValueError(
          'The validation data must hold on-screen (label 1) and off-screen '
          f'(label 0) MoMs to compute median SNR and OSR; got '
          f'{on_screen.num_examples} and {off_screen.num_examples}. Check '
          'AudioVisualTask.eval_dataset_fn and eval_num_batches.')
    raw, _ = evaluate_lib.evaluate_predictions(on_screen, off_screen)
    results = {'snr': raw['median_snr_db'], 'osr': raw['median_osr_db'],
               'auc': raw['auc'], 'within_auc': raw['within_auc'],
               'num_on_screen': raw['num_on_screen'],
               'num_off_screen': raw['num_off_screen']}
    if self.eval_target_osr_db is not None:
      theta = calibration.calibrate_offset(
          off_screen.logits, off_screen.sources, off_screen.mixtures,
          target_osr_db=self.eval_target_osr_db)
      calibrated, _ = evaluate_lib.evaluate_predictions(
          on_screen, None, theta=theta)
      results.update(calibration_offset=theta,
                     calibrated_snr=calibrated['median_snr_db'])
    return {k: float(v) for k, v in results.items() if v is not None}
