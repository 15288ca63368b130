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
"""Video embedding network Z_V (paper sec. 3.2).

Every frame goes through one MobileNetV1 trunk independently (one batched call
on `[batch * T, H, W, 3]`); the `feature_endpoint` activation (default
`Conv2d_11_pointwise`, output stride 16: an 8x8 grid, G = 64, for 128x128
frames) is flattened over space and projected to D by a dense layer.

Long videos: when more than `max_frames_per_call` frames (default 1024, i.e.
64 s at 16 FPS for one clip) go through a trunk that is not being trained, the
trunk runs on consecutive chunks of that many frames (a `tf.while_loop`), so
its activations never exceed one chunk's; uint8 frames are converted to float
chunk by chunk. The result is the same as one call (frames are independent).
A frozen trunk's output is wrapped in `tf.stop_gradient`: no gradient is
ever computed through it.
"""

from typing import Optional

import gin
import tensorflow as tf

from audioscope.embeddings import mobilenet


def frames_to_float(frames: tf.Tensor) -> tf.Tensor:
  """uint8 frames -> float32 in [0, 1]; float frames are cast to float32."""
  frames = tf.convert_to_tensor(frames)
  if frames.dtype == tf.uint8:
    return tf.cast(frames, tf.float32) / 255.0
  if not frames.dtype.is_floating:
    raise TypeError(
        f'Video frames must be float32 in [0, 1] or uint8 in [0, 255], got '
        f'dtype {frames.dtype.name}; convert them before calling the model.')
  return tf.cast(frames, tf.float32)


def check_frames(frames) -> tf.Tensor:
  """Checks a `[batch, T, H, W, 3]` video; uint8 stays uint8.

  Float frames are cast to float32 and checked finite; uint8 frames are left
  as they are, so that a long video is converted chunk by chunk
  (`frames_to_float`) and never held as float32 at once.

  Args:
    frames: `[batch, T, H, W, 3]`, float in [0, 1] or uint8.

  Returns:
    The frames, uint8 or float32.

  Raises:
    ValueError: on a wrong rank or channel count.
    TypeError: on a non-float, non-uint8 dtype.
  """
  frames = tf.convert_to_tensor(frames)
  if frames.dtype != tf.uint8:
    frames = frames_to_float(frames)
  if frames.shape.rank != 5 or (frames.shape[-1] is not None and
                                frames.shape[-1] != 3):
    raise ValueError(
        f'Video frames must be [batch, T, H, W, 3] RGB, got shape '
        f'{frames.shape}; add the missing axes (e.g. a batch axis).')
  if frames.dtype != tf.uint8:
    tf.debugging.assert_all_finite(
        frames, 'Video frames contain NaN or Inf; clean the input video.')
  return frames


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class VideoEmbedding(tf.keras.Model):
  """frames [batch, T, H, W, 3] -> Z_V [batch, G, T, D].

  Frames are float32 in [0, 1] (uint8 is accepted and divided by 255) and
  mapped to [-1, 1], MobileNetV1's input range. G = ceil(H / 16) *
  ceil(W / 16) for the default endpoint, the grid flattened row-major.

  Attributes:
    trunk: the MobileNetV1 (pretrained weights from `weights_path`).
    projection: Dense(D), always trainable.
    freeze: when True (AudioScopeV2, the default) the trunk is not trainable
      and always runs in inference mode, so its batch-norm statistics stay
      fixed, and no gradient flows through it; when False (AudioScope v1) it
      is fine-tuned.
    batch_norm_momentum: decay of the trunk's batch-norm moving averages
      while it is trained (0.9997, TF-slim's, by default; runs of a few
      hundred steps need e.g. 0.99, see `mobilenet.BN_MOMENTUM`).
    max_frames_per_call: most frames per trunk call when the trunk is not
      being trained (None: always one call); bounds the memory of long
      videos.
  """

  def __init__(self,
               embedding_dim: int = 128,
               width_multiplier: float = 1.0,
               feature_endpoint: str = 'Conv2d_11_pointwise',
               weights_path: Optional[str] = None,
               freeze: bool = True,
               batch_norm_momentum: float = mobilenet.BN_MOMENTUM,
               max_frames_per_call: Optional[int] = 1024,
               **kwargs):
    kwargs.setdefault('name', 'video_embedding')
    super().__init__(**kwargs)
    if embedding_dim < 1:
      raise ValueError(f'embedding_dim must be >= 1, got {embedding_dim}.')
    self.embedding_dim = int(embedding_dim)
    self.width_multiplier = float(width_multiplier)
    self.feature_endpoint = feature_endpoint
    self.weights_path = weights_path
    self.freeze = bool(freeze)
    self.batch_norm_momentum = float(batch_norm_momentum)
    if max_frames_per_call is not None and max_frames_per_call < 1:
      raise ValueError(f'max_frames_per_call must be >= 1 or None, got '
                       f'{max_frames_per_call}.')
    self.max_frames_per_call = (None if max_frames_per_call is None else
                                int(max_frames_per_call))
    self.trunk = mobilenet.MobileNetV1(
        width_multiplier=width_multiplier, input_channels=3,
        final_endpoint=feature_endpoint,
        batch_norm_momentum=batch_norm_momentum, name='trunk')
    self.trunk.trainable = not self.freeze
    self.projection = tf.keras.layers.Dense(embedding_dim, name='projection')
    if weights_path:
      mobilenet.load_weights(self.trunk, weights_path)

  def grid_size(self, height: int, width: int) -> int:
    """G for frames of this size."""
    stride = self.trunk.output_stride
    return (-(-height // stride)) * (-(-width // stride))

  def call(self, frames, training=None):
    """Embeds every frame.

    Args:
      frames: `[batch, T, H, W, 3]`, float32 in [0, 1] or uint8.
      training: Keras training flag (ignored by a frozen trunk).

    Returns:
      Z_V `[batch, G, T, D]`.
    """
    frames = check_frames(frames)
    shape = tf.shape(frames)
    batch, num_frames = shape[0], shape[1]
    # uint8 frames stay uint8 until the trunk's (chunk of) input.
    images = tf.reshape(frames, tf.concat([[batch * num_frames], shape[2:]],
                                          0))
    trunk_training = False if self.freeze else training

    def run_trunk(chunk):
      return self.trunk(frames_to_float(chunk) * 2.0 - 1.0,
                        training=trunk_training)

    trunk_trained = not self.freeze and bool(training)
    chunk_size = self.max_frames_per_call
    static_total = None
    if frames.shape[0] is not None and frames.shape[1] is not None:
      static_total = frames.shape[0] * frames.shape[1]
    if chunk_size is None or trunk_trained or (
        static_total is not None and static_total <= chunk_size):
      features = run_trunk(images)
    else:
      if not self.trunk.built:
        self.trunk.build_weights()
      if static_total is not None:
        features = self._run_in_chunks(images, run_trunk, chunk_size)
      else:
        features = tf.cond(
            batch * num_frames <= chunk_size, lambda: run_trunk(images),
            lambda: self._run_in_chunks(images, run_trunk, chunk_size))
    if self.freeze:
      features = tf.stop_gradient(features)
    features_shape = tf.shape(features)
    grid = features_shape[1] * features_shape[2]
    channels = self.trunk.output_channels
    features = tf.reshape(features, [batch, num_frames, grid, channels])
    features = tf.transpose(features, [0, 2, 1, 3])
    return self.projection(features)

  def _run_in_chunks(self, images, run_trunk, chunk_size):
    """`run_trunk` on consecutive chunks of `chunk_size` images, concatenated."""
    total = tf.shape(images)[0]
    num_chunks = (total + chunk_size - 1) // chunk_size
    outputs = tf.TensorArray(tf.float32, size=num_chunks, infer_shape=False)

    def body(index, outputs):
      start = index * chunk_size
      return index + 1, outputs.write(
          index, run_trunk(images[start:start + chunk_size]))

    # One chunk at a time: parallel iterations would multiply the memory.
    _, outputs = tf.while_loop(lambda index, _: index < num_chunks, body,
                               (tf.constant(0), outputs),
                               parallel_iterations=1)
    features = outputs.concat()
    features.set_shape([None, None, None, self.trunk.output_channels])
    return features

  def get_config(self):
    return dict(name=self.name, embedding_dim=self.embedding_dim,
                width_multiplier=self.width_multiplier,
                feature_endpoint=self.feature_endpoint,
                weights_path=self.weights_path, freeze=self.freeze,
                batch_norm_momentum=self.batch_norm_momentum,
                max_frames_per_call=self.max_frames_per_call)

  @classmethod
  def from_config(cls, config):
    return cls(**config)
