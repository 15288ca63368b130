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
"""MobileNetV1 trunk with TF-slim endpoint names (paper sec. 3.2).

The layers follow TF-slim's `mobilenet_v1`: `Conv2d_0` (a strided 3x3
convolution), then 13 pairs `Conv2d_<i>_depthwise` / `Conv2d_<i>_pointwise`,
each convolution followed by batch normalisation and ReLU6, 'SAME' padding.
Counting layers the TF-slim way (Conv2d_0 is layer 1, Conv2d_1_depthwise
layer 2, Conv2d_1_pointwise layer 3, ...), layer 2i + 1 is
`Conv2d_<i>_pointwise`: the paper's "23rd layer" is `Conv2d_11_pointwise`
(512 channels at width 1, output stride 16, an 8x8 grid for 128x128 images).

Pretrained weights are stored with `save_weights` / read with `load_weights`
of this module:

* a TensorFlow checkpoint written by `tf.train.Checkpoint(network=trunk)`
  (any path not ending in `.h5`; a directory means its latest checkpoint), or
* a Keras HDF5 weights file (`trunk.save_weights('trunk.h5')`, a name
  ending in `.h5` but not in `.weights.h5`, which is the Keras v3 format).

Both are checked against the trunk before anything is assigned: a missing
file, a missing variable or a shape mismatch (e.g. another width multiplier or
input channel count) raises an error naming the layer and both shapes.
"""

import os
from typing import Dict, List, Optional, Tuple

import tensorflow as tf

# (kind, stride, depth at width 1) for TF-slim's MobileNetV1, in order.
_CONV_DEFS = (
    ('conv', 2, 32),
    ('separable', 1, 64),
    ('separable', 2, 128),
    ('separable', 1, 128),
    ('separable', 2, 256),
    ('separable', 1, 256),
    ('separable', 2, 512),
    ('separable', 1, 512),
    ('separable', 1, 512),
    ('separable', 1, 512),
    ('separable', 1, 512),
    ('separable', 1, 512),
    ('separable', 2, 1024),
    ('separable', 1, 1024),
)

# Batch normalisation as in TF-slim's mobilenet_v1_arg_scope. The moving
# averages are then 1 - 0.9997**n of the way from their initial values after n
# updates (21% after 800 steps, 95% after 10,000): short runs (the synthetic
# demo) must pass a smaller `batch_norm_momentum` or their inference-mode
# features are computed with the wrong statistics.
BN_MOMENTUM = 0.9997
_BN_EPSILON = 1e-3


def check_batch_norm_momentum(momentum: float) -> None:
  """Raises ValueError unless 0 <= momentum < 1."""
  if not 0.0 <= momentum < 1.0:
    raise ValueError(
        f'batch_norm_momentum must be in [0, 1), got {momentum!r}; use '
        f'{BN_MOMENTUM} (TF-slim) for long runs, e.g. 0.99 for a few hundred '
        'steps.')


def endpoint_names() -> List[str]:
  """All TF-slim endpoint names of MobileNetV1, in layer order (27 names)."""
  names = []
  for i, (kind, _, _) in enumerate(_CONV_DEFS):
    if kind == 'conv':
      names.append(f'Conv2d_{i}')
    else:
      names.extend([f'Conv2d_{i}_depthwise', f'Conv2d_{i}_pointwise'])
  return names


def endpoint_for_layer(layer_number: int) -> str:
  """The endpoint name of the TF-slim 1-based layer number (23 -> Conv2d_11_pointwise)."""
  names = endpoint_names()
  if not 1 <= layer_number <= len(names):
    raise ValueError(f'MobileNetV1 has layers 1..{len(names)}, got '
                     f'{layer_number}; pass a number in that range.')
  return names[layer_number - 1]


@tf.keras.utils.register_keras_serializable(package='audioscope')
class DepthwiseHeNormal(tf.keras.initializers.Initializer):
  """He-normal for depthwise kernels `[k, k, channels, 1]`: fan-in k * k.

  Keras' `he_normal` counts the channels into the fan-in of a depthwise
  kernel, which shrinks it by the channel count.
  """

  def __call__(self, shape, dtype=None, **kwargs):
    fan_in = shape[0] * shape[1] * shape[3]
    return tf.random.truncated_normal(
        shape, stddev=(2.0 / fan_in)**0.5 / 0.87962566103423978,
        dtype=dtype or tf.float32)

  def get_config(self):
    return {}


@tf.keras.utils.register_keras_serializable(package='audioscope')
class ConvBatchNormRelu6(tf.keras.layers.Layer):
  """One MobileNetV1 layer: (depthwise) convolution, batch norm, ReLU6.

  Kernels are He-normal initialised (variance preserving through ReLU), so a
  frozen trunk without pretrained weights still gives features of unit scale
  (with the Keras default Glorot init they vanish after 23 layers).

  Called on `[batch, height, width, channels]`, returns
  `[batch, ceil(height / stride), ceil(width / stride), filters]`
  (depthwise: the input channel count).
  """

  def __init__(self,
               kind: str,
               filters: Optional[int] = None,
               kernel_size: int = 3,
               strides: int = 1,
               batch_norm_momentum: float = BN_MOMENTUM,
               **kwargs):
    super().__init__(**kwargs)
    if kind not in ('conv', 'depthwise'):
      raise ValueError(f"kind must be 'conv' or 'depthwise', got {kind!r}.")
    if kind == 'conv' and (filters is None or filters < 1):
      raise ValueError(f'A conv layer needs filters >= 1, got {filters}.')
    if strides not in (1, 2):
      raise ValueError(f'strides must be 1 or 2, got {strides}.')
    check_batch_norm_momentum(batch_norm_momentum)
    self.batch_norm_momentum = float(batch_norm_momentum)
    self.kind = kind
    self.filters = filters
    self.kernel_size = kernel_size
    self.strides = strides
    if kind == 'conv':
      self.conv = tf.keras.layers.Conv2D(
          filters, kernel_size, strides=strides, padding='same',
          use_bias=False, kernel_initializer='he_normal', name='conv')
    else:
      self.conv = tf.keras.layers.DepthwiseConv2D(
          kernel_size, strides=strides, padding='same', use_bias=False,
          depthwise_initializer=DepthwiseHeNormal(), name='depthwise')
    self.batch_norm = tf.keras.layers.BatchNormalization(
        momentum=self.batch_norm_momentum, epsilon=_BN_EPSILON,
        name='batch_norm')

  def call(self, inputs, training=None):
    x = self.conv(inputs)
    x = self.batch_norm(x, training=training)
    return tf.nn.relu6(x)

  def get_config(self):
    config = super().get_config()
    config.update(kind=self.kind, filters=self.filters,
                  kernel_size=self.kernel_size, strides=self.strides,
                  batch_norm_momentum=self.batch_norm_momentum)
    return config


@tf.keras.utils.register_keras_serializable(package='audioscope')
class MobileNetV1(tf.keras.Model):
  """MobileNetV1 up to a named endpoint.

  Called on images `[batch, height, width, input_channels]` (any height and
  width >= 1), returns the `final_endpoint` activation
  `[batch, ceil(height / s), ceil(width / s), channels]`, where s is the output
  stride of that endpoint (16 for `Conv2d_11_pointwise`) and channels its
  depth times `width_multiplier` (at least `min_depth`).

  `call_with_endpoints` returns every endpoint up to `final_endpoint` as a
  dict keyed by TF-slim name. The Keras sublayers carry the endpoint names
  (`model.get_layer('Conv2d_11_pointwise')`).
  """

  def __init__(self,
               width_multiplier: float = 1.0,
               input_channels: int = 3,
               final_endpoint: str = 'Conv2d_11_pointwise',
               min_depth: int = 8,
               batch_norm_momentum: float = BN_MOMENTUM,
               **kwargs):
    kwargs.setdefault('name', 'mobilenet_v1')
    super().__init__(**kwargs)
    if width_multiplier <= 0:
      raise ValueError(
          f'width_multiplier must be > 0, got {width_multiplier}.')
    if input_channels < 1:
      raise ValueError(f'input_channels must be >= 1, got {input_channels}.')
    names = endpoint_names()
    if final_endpoint not in names:
      raise ValueError(
          f'Unknown MobileNetV1 endpoint {final_endpoint!r}; use one of '
          f'{names} (TF-slim names).')
    self.width_multiplier = float(width_multiplier)
    self.input_channels = int(input_channels)
    self.final_endpoint = final_endpoint
    self.min_depth = int(min_depth)
    check_batch_norm_momentum(batch_norm_momentum)
    self.batch_norm_momentum = float(batch_norm_momentum)
    bn = dict(batch_norm_momentum=self.batch_norm_momentum)
    self._endpoint_layers = []
    for i, (kind, stride, depth) in enumerate(_CONV_DEFS):
      filters = max(int(depth * self.width_multiplier), self.min_depth)
      if kind == 'conv':
        layers = [ConvBatchNormRelu6('conv', filters, strides=stride,
                                     name=f'Conv2d_{i}', **bn)]
      else:
        layers = [
            ConvBatchNormRelu6('depthwise', strides=stride,
                               name=f'Conv2d_{i}_depthwise', **bn),
            ConvBatchNormRelu6('conv', filters, kernel_size=1,
                               name=f'Conv2d_{i}_pointwise', **bn),
        ]
      for layer in layers:
        self._endpoint_layers.append(layer)
        if layer.name == final_endpoint:
          break
      if self._endpoint_layers[-1].name == final_endpoint:
        break
    self.output_channels = self._endpoint_layers[-1].filters
    if self._endpoint_layers[-1].kind == 'depthwise':
      self.output_channels = self._endpoint_layers[-2].filters
    self.output_stride = 1
    for layer in self._endpoint_layers:
      self.output_stride *= layer.strides

  def build(self, input_shape):
    shape = tf.TensorShape(input_shape)
    if shape.rank is not None and shape.rank != 4:
      raise ValueError(
          f'MobileNetV1 takes images [batch, height, width, channels], got '
          f'shape {shape}.')
    if shape.rank is not None and shape[-1] is not None and (
        shape[-1] != self.input_channels):
      raise ValueError(
          f'MobileNetV1 was built for {self.input_channels} input channels, '
          f'got images with {shape[-1]}: set input_channels.')
    super().build(input_shape)

  def call_with_endpoints(self, images, training=None) -> Dict[str, tf.Tensor]:
    """Every endpoint up to `final_endpoint`, keyed by TF-slim name."""
    endpoints = {}
    x = images
    for layer in self._endpoint_layers:
      x = layer(x, training=training)
      endpoints[layer.name] = x
    return endpoints

  def call(self, images, training=None):
    return self.call_with_endpoints(images, training=training)[
        self.final_endpoint]

  def build_weights(self) -> None:
    """Creates the variables by running a 32x32 dummy image."""
    if not self.built:
      self(tf.zeros([1, 32, 32, self.input_channels]), training=False)

  def get_config(self):
    return dict(name=self.name, width_multiplier=self.width_multiplier,
                input_channels=self.input_channels,
                final_endpoint=self.final_endpoint, min_depth=self.min_depth,
                batch_norm_momentum=self.batch_norm_momentum)

  @classmethod
  def from_config(cls, config):
    return cls(**config)


# ---------------------------------------------------------------------------
# Saving and loading pretrained trunk weights.


def _is_keras_h5(path: str) -> bool:
  """True for a Keras HDF5 weights path; rejects Keras 3 `.weights.h5`."""
  if path.endswith('.weights.h5'):
    raise ValueError(
        f'{path!r}: the `.weights.h5` (Keras v3 weights) format is not '
        'supported for embedding weights; name the file `<name>.h5` (Keras '
        'HDF5 weights) or use a TensorFlow checkpoint prefix.')
  return path.endswith('.h5')


def save_weights(network: MobileNetV1, path: str) -> str:
  """Writes the trunk weights in the format `load_weights` reads.

  Args:
    network: a MobileNetV1 (built or not; it is built on a dummy image).
    path: a `.h5` path for Keras HDF5 weights, else a checkpoint prefix for
      `tf.train.Checkpoint(network=network)`.

  Returns:
    The path to pass to `load_weights` (for checkpoints, the written prefix).
  """
  network.build_weights()
  directory = os.path.dirname(path)
  if directory:
    tf.io.gfile.makedirs(directory)
  if _is_keras_h5(path):
    network.save_weights(path)
    return path
  return tf.train.Checkpoint(network=network).write(path)


def _resolve_checkpoint(path: str) -> str:
  if tf.io.gfile.isdir(path):
    latest = tf.train.latest_checkpoint(path)
    if latest is None:
      raise FileNotFoundError(
          f'No checkpoint in the folder {path!r}: pass a checkpoint prefix '
          'written by audioscope.embeddings.mobilenet.save_weights or '
          'tf.train.Checkpoint(network=...).')
    return latest
  if not tf.io.gfile.exists(path + '.index'):
    raise FileNotFoundError(
        f'Embedding weights not found: {path!r} (no {path}.index). Pass the '
        'prefix written by audioscope.embeddings.mobilenet.save_weights / '
        'tf.train.Checkpoint(network=...).write, or a Keras .h5 weights file.')
  return path


def _expected_checkpoint_keys(
    network: MobileNetV1) -> List[Tuple[str, str, tf.Variable]]:
  """(checkpoint key, layer name, variable) for every trunk variable."""
  result = []
  for index, layer in enumerate(network._endpoint_layers):  # pylint: disable=protected-access
    for sub_name, sub in (('conv', layer.conv), ('batch_norm',
                                                 layer.batch_norm)):
      for attribute in ('kernel', 'depthwise_kernel', 'gamma', 'beta',
                        'moving_mean', 'moving_variance'):
        variable = getattr(sub, attribute, None)
        if isinstance(variable, tf.Variable):
          key = (f'network/_endpoint_layers/{index}/{sub_name}/{attribute}'
                 '/.ATTRIBUTES/VARIABLE_VALUE')
          result.append((key, layer.name, variable))
  return result


def _check_checkpoint(network: MobileNetV1, path: str) -> None:
  """Raises ValueError naming every missing or mis-shaped variable."""
  found = dict(tf.train.list_variables(path))
  problems = []
  for key, layer_name, variable in _expected_checkpoint_keys(network):
    attribute = key.split('/')[-3]
    if key not in found:
      problems.append(f'layer {layer_name}: {attribute} missing from the '
                      'checkpoint')
    elif list(found[key]) != variable.shape.as_list():
      problems.append(
          f'layer {layer_name}: {attribute} expected shape '
          f'{variable.shape.as_list()}, found {list(found[key])}')
  if problems:
    raise ValueError(
        f'The checkpoint {path!r} does not fit this MobileNetV1 '
        f'(width_multiplier={network.width_multiplier}, input_channels='
        f'{network.input_channels}, final_endpoint={network.final_endpoint}): '
        + '; '.join(problems[:8]) +
        (f'; and {len(problems) - 8} more' if len(problems) > 8 else '') +
        '. Use the configuration the weights were trained with.')


def _check_h5(network: MobileNetV1, path: str) -> None:
  """Raises ValueError naming every missing or mis-shaped layer weight."""
  import h5py  # pylint: disable=g-import-not-at-top  # Comes with TF.
  problems = []
  with h5py.File(path, 'r') as f:
    for layer in network._endpoint_layers:  # pylint: disable=protected-access
      if layer.name not in f:
        problems.append(f'layer {layer.name} missing from the file')
        continue
      group = f[layer.name]
      stored = [group[n] for n in group.attrs.get('weight_names', [])]
      expected = layer.weights
      if len(stored) != len(expected):
        problems.append(f'layer {layer.name}: expected {len(expected)} '
                        f'weights, found {len(stored)}')
        continue
      for variable, value in zip(expected, stored):
        if list(value.shape) != variable.shape.as_list():
          short = variable.name.split('/')[-1].split(':')[0]
          problems.append(
              f'layer {layer.name}: {short} expected shape '
              f'{variable.shape.as_list()}, found {list(value.shape)}')
  if problems:
    raise ValueError(
        f'The weights file {path!r} does not fit this MobileNetV1 '
        f'(width_multiplier={network.width_multiplier}, input_channels='
        f'{network.input_channels}): ' + '; '.join(problems[:8]) +
        (f'; and {len(problems) - 8} more' if len(problems) > 8 else '') +
        '. Use the configuration the weights were trained with.')


def load_weights(network: MobileNetV1, path: str) -> None:
  """Loads pretrained trunk weights written by `save_weights`.

  The trunk may stop at an earlier endpoint than the network that wrote the
  weights: extra layers in the file are ignored.

  Args:
    network: the MobileNetV1 to fill (built here if needed).
    path: a checkpoint prefix or folder, or a Keras `.h5` weights file.

  Raises:
    FileNotFoundError: nothing at `path`.
    ValueError: a layer is missing or has another shape (the message names the
      layer and the expected and found shapes).
  """
  network.build_weights()
  if _is_keras_h5(path):
    if not tf.io.gfile.exists(path):
      raise FileNotFoundError(
          f'Embedding weights file not found: {path!r}. Write one with '
          'audioscope.embeddings.mobilenet.save_weights(network, path).')
    _check_h5(network, path)
    network.load_weights(path, by_name=True)
    return
  path = _resolve_checkpoint(path)
  _check_checkpoint(network, path)
  tf.train.Checkpoint(network=network).read(path).expect_partial()

