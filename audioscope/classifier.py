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
"""On-screen classifier with the calibration offset (paper eq. 8 and 12).

    logits_m = f_z(z_m)                    (raw, eq. 8; a Dense(1) tied
                                            across the M sources)
    y_m = sigmoid(logits_m + theta)        (eq. 12; theta = 0 gives eq. 8)

The returned `logits` are the RAW logits, without theta: the losses train on
them and calibration searches theta on them. `probabilities` (and every
on-screen estimate built from them) include theta. theta is the
non-trainable scalar variable `calibration_offset`, 0 by default, saved in
checkpoints with the model.
"""

import gin
import tensorflow as tf


@gin.configurable
@tf.keras.utils.register_keras_serializable(package='audioscope')
class OnScreenClassifier(tf.keras.layers.Layer):
  """z [batch, M, D] -> (raw logits [batch, M], probabilities [batch, M]).

  Attributes:
    dense: the Dense(1) f_z shared by all sources.
    calibration_offset: theta, a non-trainable float32 scalar tf.Variable
      added to the logits before the sigmoid.
  """

  def __init__(self, calibration_offset: float = 0.0, **kwargs):
    kwargs.setdefault('name', 'classifier')
    super().__init__(**kwargs)
    self.dense = tf.keras.layers.Dense(1, name='dense')
    self.calibration_offset = tf.Variable(
        float(calibration_offset), trainable=False, dtype=tf.float32,
        name='calibration_offset')

  def set_calibration_offset(self, theta: float) -> None:
    """Sets theta (e.g. the value `calibrate_offset` found)."""
    theta = float(theta)
    if theta != theta:  # NaN.
      raise ValueError('The calibration offset theta is NaN; pass the finite '
                       'value calibration returned.')
    self.calibration_offset.assign(theta)

  def probabilities_from_logits(self, logits: tf.Tensor) -> tf.Tensor:
    """sigmoid(raw logits [batch, M] + theta) -> [batch, M]."""
    return tf.sigmoid(logits + self.calibration_offset)

  def call(self, z):
    """Classifies every source.

    Args:
      z: audio-visual embeddings `[batch, M, D]`.

    Returns:
      (logits, probabilities), both `[batch, M]`: raw logits WITHOUT theta,
      probabilities sigmoid(logits + theta).
    """
    z = tf.convert_to_tensor(z)
    if z.shape.rank != 3:
      raise ValueError(
          f'The classifier takes embeddings [batch, M, D], got shape '
          f'{z.shape}.')
    logits = tf.squeeze(self.dense(z), axis=-1)
    return logits, self.probabilities_from_logits(logits)

  def get_config(self):
    config = super().get_config()
    config.update(calibration_offset=float(self.calibration_offset.numpy()))
    return config
