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
"""Tests for audioscope.training.train_lib with the toy regression task.

Multi-device and kill-and-resume runs are in distributed_test.py (they need
fresh processes).
"""

import functools
import json
import os
from unittest import mock

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from audioscope.training import tasks
from audioscope.training import train_lib
from tests.training import summaries_test

_TRUE_WEIGHTS = np.random.RandomState(0).randn(4)  # toy_regression_dataset


def _train(model_dir, learning_rate=0.05, **kwargs):
  options = dict(task=tasks.ToyRegressionTask(),
                 dataset_fn=tasks.toy_regression_dataset, num_steps=8,
                 batch_size=4, steps_per_summary=4, steps_per_checkpoint=4,
                 trainer_cls=functools.partial(train_lib.Trainer,
                                               learning_rate=learning_rate))
  options.update(kwargs)
  return train_lib.train(model_dir, **options)


def _weights(trainer):
  return [v.numpy() for v in trainer.model.trainable_variables]


class _ScalarLossTask(tasks.ToyRegressionTask):

  def compute_losses(self, model, batch, training):
    losses = super().compute_losses(model, batch, training)
    return {'mse': tf.reduce_mean(losses['mse'])}


class _Wrapper(tf.keras.Model):
  """A model with a pre-trainable sub-model, as AudioScopeV2 has."""

  def __init__(self):
    super().__init__()
    self.separator = tasks.ToyRegressionTask().build_model()
    self.head = tf.keras.layers.Dense(1)

  def call(self, x, training=False):
    return self.separator(x, training=training) + self.head(x)


class _WrapperTask(tasks.ToyRegressionTask):

  def build_model(self):
    return _Wrapper()


class TrainLibTest(parameterized.TestCase, tf.test.TestCase):

  def test_toy_loss_falls_to_the_true_weights(self):
    trainer = _train(self.create_tempdir().full_path, num_steps=150,
                     steps_per_loop=50, steps_per_summary=150,
                     steps_per_checkpoint=150)
    self.assertEqual(trainer.step, 150)
    kernel, bias = _weights(trainer)
    # Noise std 0.1: the fit approaches the generating weights, and the loss
    # falls from about |w|^2 ~ 3 to the noise floor 0.01.
    self.assertAllClose(kernel[:, 0], _TRUE_WEIGHTS, atol=0.1)
    self.assertAllClose(bias, [0.0], atol=0.1)
    self.assertLess(trainer.last_losses['mse'], 0.1)

  def test_first_step_matches_numpy(self):
    task = tasks.ToyRegressionTask()
    trainer = train_lib.Trainer(task, global_batch_size=4, learning_rate=0.01)
    batch = next(iter(tasks.toy_regression_dataset(4, shuffle=False)))
    trainer.build(batch)
    kernel, bias = _weights(trainer)
    x, y = batch['x'].numpy(), batch['y'].numpy()
    residual = x @ kernel[:, 0] + bias[0] - y
    iterator = iter(tasks.toy_regression_dataset(4, shuffle=False))
    losses = trainer.run_steps(iterator, 1)
    self.assertAllClose(losses['mse'], np.mean(residual**2), rtol=1e-5)
    self.assertAllClose(losses['total_loss'], np.mean(residual**2), rtol=1e-5)
    # Adam's first step (Keras form, epsilon 1e-7 outside the bias
    # correction): lr * g / (|g| + 1e-7 / sqrt(1 - 0.999)).
    def adam_step(grad):
      return 0.01 * grad / (np.abs(grad) + 1e-7 / np.sqrt(1 - 0.999))

    grad_kernel = 2 * (residual[:, None] * x).mean(axis=0)
    grad_bias = 2 * residual.mean()
    new_kernel, new_bias = _weights(trainer)
    self.assertAllClose(new_kernel[:, 0], kernel[:, 0] - adam_step(grad_kernel),
                        atol=1e-6)
    self.assertAllClose(new_bias, bias - adam_step(grad_bias), atol=1e-6)
    self.assertEqual(trainer.step, 1)

  def test_loss_weights_enter_the_total(self):
    task = tasks.ToyRegressionTask(l2_weight=0.5)
    trainer = train_lib.Trainer(task, global_batch_size=4)
    batch = next(iter(tasks.toy_regression_dataset(4, shuffle=False)))
    trainer.build(batch)
    squared_norm = sum(np.sum(w**2) for w in _weights(trainer))
    losses = trainer.run_steps(
        iter(tasks.toy_regression_dataset(4, shuffle=False)), 1)
    self.assertAllClose(losses['l2'], squared_norm, rtol=1e-5)
    self.assertAllClose(losses['total_loss'],
                        losses['mse'] + 0.5 * squared_norm, rtol=1e-5)

  @parameterized.parameters(False, True)
  def test_deterministic_ops_enable_op_determinism(self, deterministic):
    # Both switches are global to the process, so the calls are observed
    # rather than made.
    with mock.patch.object(tf.config.experimental,
                           'enable_op_determinism') as enable, \
        mock.patch.object(tf.config.optimizer,
                          'set_experimental_options') as set_options:
      trainer = _train(self.create_tempdir().full_path, num_steps=2,
                       deterministic_ops=deterministic)
    self.assertEqual(enable.call_count, int(deterministic))
    if deterministic:
      set_options.assert_called_once_with({'disable_meta_optimizer': True})
    else:
      set_options.assert_not_called()
    self.assertEqual(trainer.step, 2)

  def test_steps_per_loop_does_not_change_training(self):
    one = _train(self.create_tempdir().full_path, num_steps=12,
                 steps_per_loop=1)
    five = _train(self.create_tempdir().full_path, num_steps=12,
                  steps_per_loop=5)
    for a, b in zip(_weights(one), _weights(five)):
      self.assertAllClose(a, b, atol=1e-6)

  def test_restart_resumes_at_the_checkpoint(self):
    model_dir = self.create_tempdir().full_path
    first = _train(model_dir, num_steps=4)
    self.assertEqual(first.step, 4)
    resumed = _train(model_dir, num_steps=8)
    self.assertEqual(resumed.step, 8)
    straight = _train(self.create_tempdir().full_path, num_steps=8)
    for a, b in zip(_weights(resumed), _weights(straight)):
      self.assertAllClose(a, b, atol=1e-6)
    # Nothing left to do: a third start returns at once.
    self.assertEqual(_train(model_dir, num_steps=8).step, 8)

  def test_best_checkpoint_keeps_the_max_of_min_snr_osr(self):
    model_dir = self.create_tempdir().full_path
    scripted = iter([{'snr': 1.0, 'osr': 5.0}, {'snr': 4.0, 'osr': 3.0},
                     {'snr': 10.0, 'osr': 2.0}, {'snr': 2.5, 'osr': 9.0}])
    weights_at = {}

    def evaluate_fn(model):
      weights_at[len(weights_at) * 2 + 2] = [
          v.numpy() for v in model.trainable_variables]
      return next(scripted)

    _train(model_dir, num_steps=8, steps_per_eval=2, evaluate_fn=evaluate_fn)
    best = train_lib.read_best(model_dir)
    self.assertEqual(best['step'], 4)
    self.assertEqual(best['score'], 3.0)
    self.assertEqual(best['metrics'], {'snr': 4.0, 'osr': 3.0})
    with open(os.path.join(model_dir, 'best', 'best.json')) as f:
      self.assertEqual(json.load(f)['step'], 4)
    restored = tasks.ToyRegressionTask().build_model()
    restored.build([None, 4])
    tf.train.Checkpoint(model=restored).read(
        tf.train.latest_checkpoint(os.path.join(model_dir, 'best'))
    ).assert_existing_objects_matched()
    for a, b in zip(restored.trainable_variables, weights_at[4]):
      self.assertAllClose(a, b)

  def test_a_fresh_start_discards_an_earlier_runs_best(self):
    model_dir = self.create_tempdir().full_path
    # An earlier run validated at step 2 with a high score, then stopped
    # before its first checkpoint (steps_per_checkpoint=8).
    with self.assertRaises(StopIteration):
      scores = iter([{'snr': 50.0, 'osr': 50.0}])
      _train(model_dir, num_steps=8, steps_per_eval=2,
             steps_per_checkpoint=8, evaluate_fn=lambda model: next(scores))
    self.assertEqual(train_lib.read_best(model_dir)['score'], 50.0)
    self.assertIsNone(tf.train.latest_checkpoint(model_dir))
    # The restarted run keeps its own best, although it scores lower.
    scores = iter([{'snr': 1.0, 'osr': 1.0}, {'snr': 3.0, 'osr': 2.0},
                   {'snr': 1.0, 'osr': 1.0}, {'snr': 1.0, 'osr': 1.0}])
    _train(model_dir, num_steps=8, steps_per_eval=2, steps_per_checkpoint=8,
           evaluate_fn=lambda model: next(scores))
    best = train_lib.read_best(model_dir)
    self.assertEqual((best['step'], best['score']), (4, 2.0))
    self.assertEndsWith(
        tf.train.latest_checkpoint(os.path.join(model_dir, 'best')), 'ckpt-4')

  def test_missing_selection_metric_is_named(self):
    with self.assertRaisesRegex(ValueError, 'selection_metrics'):
      _train(self.create_tempdir().full_path, num_steps=2, steps_per_eval=2,
             evaluate_fn=lambda model: {'snr': 1.0})

  def test_summaries_and_operative_config_written(self):
    model_dir = self.create_tempdir().full_path
    trainer = _train(model_dir, num_steps=8, steps_per_loop=2,
                     steps_per_summary=4, steps_per_eval=8)
    events = summaries_test.read_events(os.path.join(model_dir, 'train'))
    for tag in ('losses/total_loss', 'losses/mse', 'learning_rate',
                'steps_per_sec', 'examples_per_sec', 'gin/operative_config',
                'toy/residual'):
      self.assertIn(tag, events)
    self.assertEqual([s for s, _ in events['losses/total_loss']], [4, 8])
    self.assertAllClose(
        summaries_test.scalar(events['losses/total_loss'][-1][1]),
        trainer.last_losses['total_loss'])
    self.assertAllClose(
        summaries_test.scalar(events['learning_rate'][-1][1]), 0.05)
    eval_events = summaries_test.read_events(os.path.join(model_dir, 'eval'))
    self.assertIn('metrics/snr', eval_events)
    self.assertTrue(
        os.path.exists(os.path.join(model_dir, 'operative_config-2.gin')))

  def test_describe_batches(self):
    dataset = tf.data.Dataset.from_tensors({
        'audio': tf.zeros([4, 16000]), 'frames': tf.zeros([4, 8, 32, 48, 3]),
        'labels': tf.zeros([4], tf.int32)})
    expected = {'audio_samples': 16000, 'num_frames': 8,
                'frame_size': [32, 48]}
    self.assertEqual(train_lib.describe_batches(dataset.element_spec),
                     expected)

    class PerReplicaSpec:
      """Stands for tf.distribute's: one spec per replica."""

      def __init__(self, *specs):
        self._component_specs = specs

    spec = dataset.element_spec
    # MirroredStrategy wraps each value; a whole-dict wrap also occurs.
    per_value = {key: PerReplicaSpec(value, value)
                 for key, value in spec.items()}
    self.assertEqual(train_lib.describe_batches(per_value), expected)
    self.assertEqual(train_lib.describe_batches(PerReplicaSpec(spec)),
                     expected)
    # Only static sizes, and nothing for batches of another kind.
    self.assertEqual(train_lib.describe_batches(
        {'audio': tf.TensorSpec([None, None]),
         'frames': tf.TensorSpec([None, None, 32, None, 3])}), {})
    self.assertEqual(train_lib.describe_batches(
        tf.TensorSpec([4, 2])), {})

  def test_exponential_decay(self):
    trainer = train_lib.Trainer(tasks.ToyRegressionTask(), global_batch_size=4,
                                learning_rate=1e-4,
                                decay_schedule='exponential')
    trainer.optimizer.iterations.assign(1_000_000)
    self.assertAllClose(trainer.learning_rate(), 1e-4 * 0.5**0.5)

  def test_init_checkpoints_restore_a_sub_model(self):
    pretrained_dir = self.create_tempdir().full_path
    pretrained = _train(pretrained_dir, num_steps=4)
    model_dir = self.create_tempdir().full_path
    trainer = _train(model_dir, task=_WrapperTask(), num_steps=1,
                     learning_rate=1e-9,
                     init_checkpoints={'separator': pretrained_dir})
    for a, b in zip(trainer.model.separator.trainable_variables,
                    pretrained.model.trainable_variables):
      self.assertAllClose(a, b, atol=1e-6)

  def test_init_checkpoint_pair_form_and_errors(self):
    pretrained_dir = self.create_tempdir().full_path
    pretrained = _train(pretrained_dir, num_steps=4)
    model = _Wrapper()
    model(tf.zeros([1, 4]))
    train_lib.restore_init_checkpoints(
        model, {'separator': (os.path.join(pretrained_dir, 'ckpt-4'),
                              'model')})
    for a, b in zip(model.separator.trainable_variables,
                    pretrained.model.trainable_variables):
      self.assertAllClose(a, b)
    with self.assertRaisesRegex(ValueError, 'no attribute'):
      train_lib.restore_init_checkpoints(model, {'encoder': pretrained_dir})
    with self.assertRaisesRegex(ValueError, 'does not hold every variable'):
      train_lib.restore_init_checkpoints(model, {'': pretrained_dir})
    with self.assertRaisesRegex(FileNotFoundError, 'no checkpoint'):
      train_lib.restore_init_checkpoints(
          model, {'separator': self.create_tempdir().full_path})

  def test_scalar_loss_is_rejected(self):
    with self.assertRaisesRegex(ValueError, 'per-example'):
      _train(self.create_tempdir().full_path, task=_ScalarLossTask(),
             num_steps=1)

  def test_dataset_batch_mismatch_is_rejected(self):
    with self.assertRaisesRegex(ValueError, 'per-replica batch size'):
      _train(self.create_tempdir().full_path, num_steps=1,
             dataset_fn=lambda global_batch_size, input_context: (
                 tasks.toy_regression_dataset(global_batch_size + 1)))

  @parameterized.named_parameters(
      ('batch', dict(global_batch_size=0), 'global_batch_size'),
      ('lr', dict(learning_rate=0.0), 'learning_rate'),
      ('schedule', dict(decay_schedule='cosine'), 'decay_schedule'),
      ('clip', dict(grad_clip_norm=-1.0), 'grad_clip_norm'))
  def test_bad_trainer_arguments(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, message):
      train_lib.Trainer(tasks.ToyRegressionTask(), **kwargs)


if __name__ == '__main__':
  tf.test.main()
