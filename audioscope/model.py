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
"""AudioScopeV2: separator, embeddings, alignment and classifier (sec. 3).

    audio [batch, samples] --separator--> sources s [batch, M, samples]
    sources, T --audio_embedding--> Z_A [batch, M, T, D]
    frames [batch, T, H, W, 3] --video_embedding--> Z_V [batch, G, T, D]
    (Z_A, Z_V) --alignment--> z [batch, M, D]
    z --classifier--> raw logits l [batch, M],
                      probabilities y = sigmoid(l + theta) [batch, M]
    on_screen = sum_m y_m s_m,  off_screen = sum_m (1 - y_m) s_m  [batch, samples]

Because the separator is mixture-consistent, on_screen + off_screen equals the
input audio. See docs/architecture.md for every shape and default.

Example:

  model = AudioScopeV2(alignment='separable_sa')
  model.load_separator_checkpoint('/path/to/mixit_pretraining/ckpt-100')
  outputs = model({'audio': audio, 'frames': frames})
  outputs['on_screen']  # [batch, samples]
"""

from typing import Any, Dict, Optional, Tuple

import gin
import tensorflow as tf

from audioscope import attention
from audioscope import classifier as classifier_lib
from audioscope import separation
from audioscope.embeddings import audio as audio_embedding_lib
from audioscope.embeddings import video as video_embedding_lib


def _resolve_checkpoint(path: str, what: str) -> str:
  """A checkpoint prefix from a prefix or a folder; clear error if missing."""
  if tf.io.gfile.isdir(path):
    latest = tf.train.latest_checkpoint(path)
    if latest is None:
      raise FileNotFoundError(
          f'No checkpoint in the folder {path!r} for the {what}: pass a '
          'checkpoint prefix such as <dir>/ckpt-100.')
    return latest
  if not tf.io.gfile.exists(path + '.index'):
    raise FileNotFoundError(
        f'{what} checkpoint not found: {path!r} (no {path}.index). Pass the '
        'prefix that tf.train.Checkpoint.save/write returned.')
  return path


def read_separator_checkpoint(separator: tf.keras.Model, path: str,
                              sample_rate: int = 16000,
                              description: str = '') -> str:
  """Restores a separator from an audio-only MixIT checkpoint (sec. 4.2).

  The checkpoint is a `tf.train.Checkpoint` whose key for the separator
  model is `separator` (`tf.train.Checkpoint(separator=tdcn, ...)`; other
  keys such as the optimizer are ignored).

  Args:
    separator: the separator to restore (built here if it is not yet).
    path: checkpoint prefix or a folder (its latest checkpoint).
    sample_rate: Hz, for building the separator on a short input.
    description: the separator's configuration, for the error message.

  Returns:
    The checkpoint prefix read.

  Raises:
    FileNotFoundError: no checkpoint at `path`.
    ValueError: it has no `separator`, or its variables do not fit.
  """
  path = _resolve_checkpoint(path, 'separator')
  keys = [name for name, _ in tf.train.list_variables(path)]
  if not any(key.startswith('separator/') for key in keys):
    raise ValueError(
        f'The checkpoint {path!r} has no `separator` object (its keys start '
        f'with {sorted({k.split("/")[0] for k in keys})}); write it with '
        'tf.train.Checkpoint(separator=model, ...).')
  if not separator.built:
    separator(tf.zeros([1, sample_rate // 10]), training=False)
  try:
    status = tf.train.Checkpoint(separator=separator).read(path)
    status.expect_partial()
    status.assert_existing_objects_matched()
  except (AssertionError, ValueError, tf.errors.InvalidArgumentError) as e:
    raise ValueError(
        f'The separator checkpoint {path!r} does not fit this separator '
        f'({description}): {e}. Build the model with the separator '
        'configuration used in pre-training.') from e
  return path


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class AudioScopeV2(tf.keras.Model):
  """The AudioScopeV2 on-screen separation model.

  Called on `{'audio': [batch, samples], 'frames': [batch, T, H, W, 3]}`
  (frames float32 in [0, 1] or uint8), returns a dict:
    * `sources` `[batch, M, samples]`: the separated sources;
    * `logits` `[batch, M]`: RAW on-screen logits (WITHOUT theta);
    * `probabilities` `[batch, M]`: sigmoid(logits + theta);
    * `on_screen`, `off_screen` `[batch, samples]`: the sources mixed with
      the probabilities resp. one minus them.
  T must equal round(samples / sample_rate * frame_rate) within one frame.

  Attributes:
    separator: `separation.ImprovedTDCN`.
    audio_embedding: `embeddings.AudioEmbedding` (frozen by default).
    video_embedding: `embeddings.VideoEmbedding` (frozen by default).
    alignment: the module of `attention.alignment_module(alignment)`.
    classifier: `classifier.OnScreenClassifier`; theta is
      `classifier.calibration_offset`.
    sample_rate, frame_rate, num_sources: the gin macros it was built with.
  """

  def __init__(self,
               alignment: str = 'separable_sa',
               num_sources: int = 4,
               sample_rate: int = 16000,
               frame_rate: float = 16.0,
               embedding_dim: int = 128,
               alignment_config: Optional[Dict[str, Any]] = None,
               separator_config: Optional[Dict[str, Any]] = None,
               audio_embedding_config: Optional[Dict[str, Any]] = None,
               video_embedding_config: Optional[Dict[str, Any]] = None,
               calibration_offset: float = 0.0,
               separator_checkpoint: Optional[str] = None,
               **kwargs):
    """Builds the model.

    Args:
      alignment: 'audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma' or
        'separable_cma'.
      num_sources: M, the separator's output count.
      sample_rate: audio rate in Hz (gin macro %sample_rate).
      frame_rate: video frames per second (gin macro %frame_rate).
      embedding_dim: D of Z_A and Z_V.
      alignment_config: keyword arguments of the alignment module (num_layers,
        num_heads, dropout_rate, ...).
      separator_config: keyword arguments of `ImprovedTDCN` besides
        num_sources and sample_rate.
      audio_embedding_config: keyword arguments of `AudioEmbedding` besides
        sample_rate and embedding_dim (weights_path, freeze, ...).
      video_embedding_config: keyword arguments of `VideoEmbedding` besides
        embedding_dim (weights_path, freeze, ...).
      calibration_offset: initial theta.
      separator_checkpoint: optional audio-only MixIT checkpoint restored
        into the separator (see `load_separator_checkpoint`).
      **kwargs: Keras Model arguments (name).
    """
    kwargs.setdefault('name', 'audioscope_v2')
    super().__init__(**kwargs)
    if alignment not in attention.ALIGNMENT_MODULES:
      raise ValueError(
          f'Unknown alignment {alignment!r}; use one of '
          f'{sorted(attention.ALIGNMENT_MODULES)}.')
    if not isinstance(num_sources, int) or num_sources < 1:
      raise ValueError(f'num_sources must be an int >= 1, got {num_sources!r}.')
    if sample_rate <= 0 or frame_rate <= 0:
      raise ValueError(
          f'sample_rate ({sample_rate}) and frame_rate ({frame_rate}) must be '
          '> 0.')
    self.alignment_name = alignment
    self.num_sources = num_sources
    self.sample_rate = int(sample_rate)
    self.frame_rate = float(frame_rate)
    self.embedding_dim = int(embedding_dim)
    self.alignment_config = dict(alignment_config or {})
    self.separator_config = dict(separator_config or {})
    self.audio_embedding_config = dict(audio_embedding_config or {})
    self.video_embedding_config = dict(video_embedding_config or {})
    self.separator_checkpoint = separator_checkpoint

    self.separator = separation.ImprovedTDCN(
        num_sources=num_sources, sample_rate=self.sample_rate,
        **self.separator_config)
    self.audio_embedding = audio_embedding_lib.AudioEmbedding(
        sample_rate=self.sample_rate, embedding_dim=self.embedding_dim,
        **self.audio_embedding_config)
    self.video_embedding = video_embedding_lib.VideoEmbedding(
        embedding_dim=self.embedding_dim, **self.video_embedding_config)
    self.alignment = attention.alignment_module(alignment,
                                                **self.alignment_config)
    self.classifier = classifier_lib.OnScreenClassifier(
        calibration_offset=calibration_offset)
    if separator_checkpoint:
      self.load_separator_checkpoint(separator_checkpoint)

  # -------------------------------------------------------------------------
  # Input validation.

  def expected_num_frames(self, num_samples: int) -> int:
    """round(num_samples / sample_rate * frame_rate)."""
    return int(round(num_samples / self.sample_rate * self.frame_rate))

  def _validate_audio(self, audio) -> tf.Tensor:
    audio = tf.convert_to_tensor(audio)
    if audio.shape.rank != 2:
      raise ValueError(
          f'audio must be [batch, samples] (mono), got shape {audio.shape}; '
          'add a batch axis or average the channels.')
    if not audio.dtype.is_floating:
      raise TypeError(
          f'audio must be float32 waveforms, got dtype {audio.dtype.name}; '
          'convert integer PCM with x / 32768.')
    audio = tf.cast(audio, tf.float32)
    tf.debugging.assert_all_finite(
        audio, 'audio contains NaN or Inf; clean the input waveform.')
    return audio

  def _check_consistency(self, audio: tf.Tensor, frames: tf.Tensor) -> None:
    """Batch sizes agree and T matches the audio length at frame_rate."""
    if (audio.shape[0] is not None and frames.shape[0] is not None and
        audio.shape[0] != frames.shape[0]):
      raise ValueError(
          f'audio has batch {audio.shape[0]} but frames have batch '
          f'{frames.shape[0]}; pass the frames of the same clips.')
    num_samples, num_frames = audio.shape[1], frames.shape[1]
    if num_samples is not None and num_frames is not None:
      expected = self.expected_num_frames(num_samples)
      if abs(num_frames - expected) > 1:
        raise ValueError(
            f'{num_frames} video frames do not fit {num_samples} audio '
            f'samples: at {self.sample_rate} Hz and {self.frame_rate} FPS '
            f'the clip needs {expected} frames. Resample the video to '
            f'{self.frame_rate} FPS (or set frame_rate / sample_rate).')
      return
    samples_t = tf.cast(tf.shape(audio)[1], tf.float64)
    expected_t = tf.round(samples_t / self.sample_rate * self.frame_rate)
    tf.debugging.assert_less_equal(
        tf.abs(tf.cast(tf.shape(frames)[1], tf.float64) - expected_t),
        tf.constant(1.0, tf.float64),
        message=(f'The number of video frames does not fit the audio length '
                 f'at {self.sample_rate} Hz and {self.frame_rate} FPS; '
                 'resample the video or set frame_rate.'))

  # -------------------------------------------------------------------------
  # Forward pass.

  def classify_sources(self,
                       sources,
                       frames,
                       training=None) -> Tuple[tf.Tensor, tf.Tensor]:
    """The post-separation part: classifies given sources against frames.

    Args:
      sources: `[batch, M, samples]` float32.
      frames: `[batch, T, H, W, 3]`, float32 in [0, 1] or uint8.
      training: Keras training flag.

    Returns:
      (raw logits, probabilities), both `[batch, M]`; probabilities include
      theta.
    """
    frames = video_embedding_lib.check_frames(frames)
    num_frames = frames.shape[1]
    if num_frames is None:
      num_frames = tf.shape(frames)[1]
    video_features = self.video_embedding(frames, training=training)
    audio_features = self.audio_embedding(sources, num_frames,
                                          training=training)
    z = self.alignment(audio_features, video_features, training=training)
    return self.classifier(z)

  def call(self, inputs, training=None) -> Dict[str, tf.Tensor]:
    """Separates and classifies.

    Args:
      inputs: dict with 'audio' `[batch, samples]` and 'frames'
        `[batch, T, H, W, 3]`.
      training: Keras training flag.

    Returns:
      dict of `sources` `[batch, M, samples]`, `logits` and `probabilities`
      `[batch, M]`, `on_screen` and `off_screen` `[batch, samples]`.
    """
    if not isinstance(inputs, dict) or not {'audio', 'frames'} <= set(inputs):
      raise ValueError(
          "AudioScopeV2 takes a dict {'audio': [batch, samples], 'frames': "
          "[batch, T, H, W, 3]}, got "
          f'{list(inputs) if isinstance(inputs, dict) else type(inputs)}.')
    audio = self._validate_audio(inputs['audio'])
    frames = video_embedding_lib.check_frames(inputs['frames'])
    self._check_consistency(audio, frames)
    sources = self.separator(audio, training=training)
    logits, probabilities = self.classify_sources(sources, frames,
                                                  training=training)
    on_screen = tf.einsum('bm,bmt->bt', probabilities, sources)
    off_screen = tf.einsum('bm,bmt->bt', 1.0 - probabilities, sources)
    return {
        'sources': sources,
        'logits': logits,
        'probabilities': probabilities,
        'on_screen': on_screen,
        'off_screen': off_screen,
    }

  # -------------------------------------------------------------------------
  # Checkpoints.

  def load_separator_checkpoint(self, path: str) -> str:
    """Restores the separator from an audio-only MixIT checkpoint (sec. 4.2).

    The checkpoint is a `tf.train.Checkpoint` whose key for the separator
    model is `separator` (`tf.train.Checkpoint(separator=tdcn, ...)`; other
    keys such as the optimizer are ignored). The separator must have the
    same configuration as the one that wrote it.

    Args:
      path: checkpoint prefix or a folder (its latest checkpoint).

    Returns:
      The checkpoint prefix read.

    Raises:
      FileNotFoundError: no checkpoint at `path`.
      ValueError: it has no `separator`, or its variables do not fit.
    """
    return read_separator_checkpoint(
        self.separator, path, self.sample_rate,
        f'config {self.separator_config}, num_sources {self.num_sources}')

  def get_config(self):
    return dict(
        name=self.name, alignment=self.alignment_name,
        num_sources=self.num_sources, sample_rate=self.sample_rate,
        frame_rate=self.frame_rate, embedding_dim=self.embedding_dim,
        alignment_config=self.alignment_config,
        separator_config=self.separator_config,
        audio_embedding_config=self.audio_embedding_config,
        video_embedding_config=self.video_embedding_config,
        calibration_offset=float(self.classifier.calibration_offset.numpy()),
        separator_checkpoint=None)

  @classmethod
  def from_config(cls, config):
    return cls(**config)
