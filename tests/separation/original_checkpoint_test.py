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
"""Tests of loading Google's original TF1 TDCN++ checkpoints."""

import os

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.separation import original_checkpoint
from audioscope.separation import tdcn

# Tiny original-format model: N = 16 basis, window 40, B = 8, H = 12, 2 x 2
# blocks (dilations 1, 2), M sources.
_N, _B, _H, _D, _R = 16, 8, 12, 2, 2


def _original_shapes(num_sources, skip=False):
  """Original names and shapes (original_checkpoint_format.md), tiny sizes."""
  shapes = {
      'conv_encoder/dense/kernel': [40, _N],
      'conv_decoder/dense_1/kernel': [_N, 40],
      'initial_dense/dense/kernel': [_N, _B],
      'initial_dense/dense/bias': [_B],
      'initial_dense/dense_scale/scale_layer': [],
      'dense/kernel': [_B, num_sources * _N],
      'mix_weights/dense/kernel': [_B, num_sources],
  }
  for b in range(_D * _R):
    p = f'improved_tdcn/conv_block_{b}/tdcn_block/'
    shapes.update({
        p + 'dense1/dense/kernel': [_B, _H],
        p + 'dense1/dense_scale/scale_layer': [],
        p + 'timeconv/separable_conv/depthwise_kernel': [3, 1, _H, 1],
        p + 'timeconv/separable_conv/bias': [_H],
        p + 'dense2/dense/kernel': [_H, _B],
        p + 'dense2/dense_scale/scale_layer': [],
    })
    for n in ('normact1', 'normact2'):
      shapes.update({p + n + '/prelu/prelu': [],
                     p + n + '/instance_norm/gamma': [1],
                     p + n + '/instance_norm/beta': [1]})
  if skip:
    p = f'improved_tdcn/res_dense_0_to_{_D}/'
    shapes.update({p + 'dense/kernel': [_B, _B], p + 'dense/bias': [_B],
                   p + 'dense_scale/scale_layer': []})
  return shapes


def _write_tf1_checkpoint(path, shapes, seed=0, drop=(), reshape=None,
                          perturb=None):
  """Writes an Estimator-style checkpoint (with Adam slots, global_step)."""
  rng = np.random.RandomState(seed)
  values = {}
  graph = tf.Graph()
  with graph.as_default():
    variables = []
    for name, shape in sorted(shapes.items()):
      if name in drop:
        continue
      if reshape and name in reshape:
        shape = reshape[name]
      value = rng.uniform(-0.5, 0.5, shape).astype(np.float32)
      if not shape or shape == [1]:
        value = value + 1.3  # Scalars away from their initial values.
      if name == perturb:
        value = value + 0.25
      values[name] = value
      variables.append(tf.compat.v1.get_variable(
          name, initializer=tf.constant(value)))
      for slot in ('Adam', 'Adam_1'):
        tf.compat.v1.get_variable(f'{name}/{slot}',
                                  initializer=tf.zeros(shape))
    tf.compat.v1.train.get_or_create_global_step()
    for name in ('beta1_power', 'beta2_power'):
      tf.compat.v1.get_variable(name, initializer=0.9)
    saver = tf.compat.v1.train.Saver()
    with tf.compat.v1.Session(graph=graph) as session:
      session.run(tf.compat.v1.global_variables_initializer())
      prefix = saver.save(session, path, global_step=7)
  return prefix, values


def _np_forward(values, audio, num_sources):
  """Independent NumPy forward pass of the original computation."""
  relu = lambda x: np.maximum(x, 0)
  prelu = lambda x, a: relu(x) - a * relu(-x)

  def norm(x, g, b):
    m = x.mean(axis=1, keepdims=True)
    v = ((x - m)**2).mean(axis=1, keepdims=True)
    return (x - m) / np.sqrt(v + 1e-3) * g + b

  batch, length = audio.shape
  frames = 1 + int(np.ceil((length - 40) / 20))
  padded = np.zeros([batch, (frames - 1) * 20 + 40], np.float32)
  padded[:, :length] = audio
  framed = np.stack([padded[:, 20 * f:20 * f + 40] for f in range(frames)], 1)
  coeffs = relu(framed @ values['conv_encoder/dense/kernel'])
  x = values['initial_dense/dense_scale/scale_layer'] * (
      coeffs @ values['initial_dense/dense/kernel'] +
      values['initial_dense/dense/bias'])
  for b in range(_D * _R):
    p = f'improved_tdcn/conv_block_{b}/tdcn_block/'
    v = lambda n: values[p + n]  # pylint: disable=cell-var-from-loop
    y = v('dense1/dense_scale/scale_layer') * (x @ v('dense1/dense/kernel'))
    y = norm(prelu(y, v('normact1/prelu/prelu')),
             v('normact1/instance_norm/gamma'), v('normact1/instance_norm/beta'))
    d = 2**(b % _D)
    k = v('timeconv/separable_conv/depthwise_kernel')
    z = np.zeros_like(y) + v('timeconv/separable_conv/bias')
    for i in range(3):
      for t in range(frames):
        if 0 <= t + (i - 1) * d < frames:
          z[:, t] += y[:, t + (i - 1) * d] * k[i, 0, :, 0]
    z = norm(prelu(z, v('normact2/prelu/prelu')),
             v('normact2/instance_norm/gamma'), v('normact2/instance_norm/beta'))
    x = x + v('dense2/dense_scale/scale_layer') * (z @ v('dense2/dense/kernel'))
  logits = (x @ values['dense/kernel']).reshape(batch, frames, num_sources, _N)
  masks = 1 / (1 + np.exp(-logits.transpose(0, 2, 1, 3)))
  decoded = (masks * coeffs[:, None]) @ values['conv_decoder/dense_1/kernel']
  out = np.zeros([batch, num_sources, (frames - 1) * 20 + 40])
  for f in range(frames):
    out[:, :, 20 * f:20 * f + 40] += decoded[:, :, f]
  out = out[:, :, :length]
  mix_logits = x.mean(axis=1) @ values['mix_weights/dense/kernel']
  w = np.exp(mix_logits - mix_logits.max(1, keepdims=True))
  w /= w.sum(axis=1, keepdims=True)
  return out + w[:, :, None] * (audio - out.sum(axis=1))[:, None]


class OriginalCheckpointTest(parameterized.TestCase, tf.test.TestCase):

  @parameterized.parameters(2, 3)
  def test_load_matches_numpy_original(self, num_sources):
    prefix, values = _write_tf1_checkpoint(
        os.path.join(self.create_tempdir().full_path, 'model.ckpt'),
        _original_shapes(num_sources))
    model = original_checkpoint.load_original_checkpoint(
        os.path.dirname(prefix), num_dilations=_D)
    self.assertEqual(model.num_sources, num_sources)
    self.assertEqual(model.num_basis, _N)
    self.assertEqual(model.consistency, 'pred_source')
    audio = np.random.RandomState(1).randn(2, 137).astype(np.float32) * 0.5
    self.assertAllClose(model(audio), _np_forward(values, audio, num_sources),
                        atol=1e-4)

  def test_every_weight_lands(self):
    shapes = _original_shapes(2, skip=True)
    prefix, values = _write_tf1_checkpoint(
        os.path.join(self.create_tempdir().full_path, 'model.ckpt'), shapes)
    model = original_checkpoint.load_original_checkpoint(prefix,
                                                         num_dilations=_D)
    self.assertTrue(model.skip_residuals)
    name_map = original_checkpoint.original_name_map(model)
    self.assertLen(name_map, len(model.trainable_variables))
    self.assertCountEqual(name_map, shapes)
    for name, variable in name_map.items():
      self.assertAllClose(variable, values[name], msg=name)
    # Perturb one original variable: exactly the matching weight changes.
    name = 'improved_tdcn/conv_block_1/tdcn_block/normact2/prelu/prelu'
    prefix2, _ = _write_tf1_checkpoint(
        os.path.join(self.create_tempdir().full_path, 'model.ckpt'), shapes,
        perturb=name)
    model2 = original_checkpoint.load_original_checkpoint(prefix2,
                                                          num_dilations=_D)
    name_map2 = original_checkpoint.original_name_map(model2)
    for other, variable in name_map2.items():
      if other == name:
        self.assertAllClose(variable, values[name] + 0.25)
        self.assertEqual(variable.ref(), model2.blocks[1].prelu2.alpha.ref())
      else:
        self.assertAllClose(variable, values[other], msg=other)

  def test_missing_and_misshaped(self):
    shapes = _original_shapes(2)
    missing = 'improved_tdcn/conv_block_2/tdcn_block/dense2/dense/kernel'
    misshaped = 'improved_tdcn/conv_block_1/tdcn_block/timeconv/separable_conv/bias'
    prefix, _ = _write_tf1_checkpoint(
        os.path.join(self.create_tempdir().full_path, 'model.ckpt'), shapes,
        drop=(missing,), reshape={misshaped: [_H + 1]})
    with self.assertRaisesRegex(ValueError, 'Missing variables') as error:
      original_checkpoint.load_original_checkpoint(prefix, num_dilations=_D)
    self.assertIn(missing, str(error.exception))
    self.assertIn('Mis-shaped', str(error.exception))
    self.assertIn(misshaped, str(error.exception))

  def test_not_a_checkpoint(self):
    with self.assertRaisesRegex(FileNotFoundError, 'index'):
      original_checkpoint.load_original_checkpoint('/nonexistent/model.ckpt')

  def test_default_shapes_give_default_model(self):
    model = tdcn.ImprovedTDCN()
    shapes = {n: v.shape.as_list()
              for n, v in original_checkpoint.original_name_map(model).items()}
    self.assertEqual(shapes['dense/kernel'], [256, 1024])
    self.assertEqual(original_checkpoint.infer_config(shapes)['num_sources'], 4)


if __name__ == '__main__':
  tf.test.main()
