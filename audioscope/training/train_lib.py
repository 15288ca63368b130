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
"""The distributed custom training loop, checkpoints, validation, selection.

The loop has the ddsp/orbit shape:

* everything (model, optimizer, checkpoint) is built inside
  `strategy.scope()`;
* `Trainer.train_step(iterator, num_steps)` is one `tf.function` that runs
  up to `steps_per_loop` steps in a `tf.range` loop, each calling
  `strategy.run(step_fn, args=(next(iterator),))`;
* each replica scales its losses by the *global* batch
  (`tf.nn.compute_average_loss`), so gradients summed over replicas are the
  gradient of the global mean, and `strategy.reduce(SUM)` reports it;
* so, with the same seed and global batch, the replica count does not change
  training: the replicas of a step take consecutive per-replica batches of
  the same pipeline, and every loss is per example (AudioScopeV2 has no
  batch statistics: frozen trunks run batch norm in inference mode, the
  separator and attention normalise per example). Equal up to float
  rounding: the all-reduce sums the per-replica gradients in another order
  than one device's batch mean, and Adam can amplify that rounding over
  steps (tests/training/table1_configs_test.py: the first steps of every
  Table 1 config agree to 1e-6 on 1 and 2 replicas, some configs to 1e-5
  over 20 steps, all to 1e-2). Dropout is the exception, by choice:
  each replica draws its own masks, so with dropout the runs agree only in
  distribution (making masks independent of the replica layout would need
  per-example seeds, which Keras dropout does not have);
* summaries, checkpoints and evaluation run eagerly between calls.

What is trained is injected as a `Task` (see `tasks.py`): it builds the model
and turns a batch into named per-example losses. A toy task makes the loop
testable in seconds.

Checkpoints: `model_dir/ckpt-<step>` hold the model, the optimizer (whose
`iterations` is the global step; the model under the names of
`Task.checkpoint_items`, `model` by default) and, when the input pipeline allows it, the
input iterator, so a killed job restarted with the same command resumes at the
same step and on the same data. Without iterator checkpointing
(`checkpoint_input_iterator=False`, for pipelines whose state is too big or
not serialisable) the pipeline restarts from its beginning with the global
seed `seed + step`: the job resumes at the right step on freshly shuffled
data, not on the exact data an uninterrupted run would have seen.

Model selection: every `steps_per_eval` steps `evaluate_fn(model)` returns
validation metrics; the model maximising min(metric for `selection_metrics`)
(AudioScopeV2 sec. 4.4: min of median SNR and median OSR) is kept in
`model_dir/best/` with `model_dir/best/best.json`.

Training data: `model_dir/training_data.json` records the shapes of the
training batches (`audio_samples` per clip, `num_frames` and `frame_size`),
so that an export of the model dir knows the clip length and frame size the
model was trained on, however the data was configured
(`export_lib.restore_model`).
"""

import abc
import json
import math
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

from absl import logging
import gin
import tensorflow as tf

from audioscope import gin_utils
from audioscope.training import strategy as strategy_lib
from audioscope.training import summaries

BEST_DIR = 'best'
BEST_JSON = 'best.json'
TRAINING_DATA_JSON = 'training_data.json'
TRAIN_SUMMARY_DIR = 'train'
EVAL_SUMMARY_DIR = 'eval'

InitCheckpoint = Union[str, Tuple[str, str]]


# ------------------------------- Task ---------------------------------------


class Task(abc.ABC):
  """What is trained: a model and its losses. Subclass and override.

  The loop calls, in this order: `build_model()` (inside the strategy scope),
  `compute_losses(model, batch, training=False)` once on a local batch to
  create variables, `trainable_variables(model)`, then per step
  `compute_losses(model, batch, training=True)` inside `strategy.run`.
  """

  @abc.abstractmethod
  def build_model(self) -> tf.keras.Model:
    """Returns the (unbuilt) model. Called inside `strategy.scope()`."""

  @abc.abstractmethod
  def compute_losses(self, model: tf.keras.Model, batch: Any,
                     training: bool) -> Dict[str, tf.Tensor]:
    """Returns named per-example losses, each `[batch]` float.

    Args:
      model: the model from `build_model`.
      batch: one per-replica batch of the training dataset.
      training: True inside the train step.
    """

  def loss_weights(self) -> Mapping[str, float]:
    """Weight of each loss in `total_loss`; missing names weigh 1.0."""
    return {}

  def trainable_variables(self, model: tf.keras.Model) -> Sequence[tf.Variable]:
    """The variables the optimizer updates (all trainable ones by default)."""
    return model.trainable_variables

  def checkpoint_items(self, model: tf.keras.Model) -> Dict[str, Any]:
    """The objects saved in checkpoints (besides optimizer and iterator).

    `{'model': model}` by default; a task whose checkpoint is read by another
    part names them as that part expects (the separator pre-training writes
    `separator`, which `AudioScopeV2.load_separator_checkpoint` reads).
    """
    return {'model': model}

  def export(self, model: tf.keras.Model, model_dir: str, step: int) -> None:
    """Writes extra artefacts after each checkpoint (none by default)."""
    del model, model_dir, step

  def summaries(self, model: tf.keras.Model, batch: Any, step: int) -> None:
    """Writes task summaries (audio, frames) for a local batch; eager."""
    del model, batch, step

  def evaluate(self, model: tf.keras.Model) -> Optional[Dict[str, float]]:
    """Validation metrics, or None when the task has no validation data."""
    del model
    return None


# ------------------------------ Trainer -------------------------------------


def _mixed_precision_policy(mixed_precision: bool) -> Optional[str]:
  """mixed_bfloat16 on TPU, mixed_float16 on GPU, None (float32) on CPU."""
  if not mixed_precision:
    return None
  kind = strategy_lib.device_type()
  if kind == 'TPU':
    return 'mixed_bfloat16'
  if kind == 'GPU':
    return 'mixed_float16'
  logging.warning('mixed_precision=True ignored: training runs on CPU, where '
                  'float16 is slow; training in float32.')
  return None


@gin.configurable
class Trainer:
  """Owns the model, the optimizer and the compiled multi-step train step."""

  def __init__(self,
               task: Task,
               strategy: Optional[tf.distribute.Strategy] = None,
               global_batch_size: int = 8,
               learning_rate: float = 1e-4,
               decay_schedule: str = 'none',
               decay_steps: int = 2_000_000,
               decay_rate: float = 0.5,
               grad_clip_norm: Optional[float] = None,
               jit_compile: bool = False,
               mixed_precision: bool = False):
    """Builds the model and the optimizer inside `strategy.scope()`.

    Args:
      task: the `Task` to train.
      strategy: the distribution strategy; the current one by default.
      global_batch_size: examples per step over all replicas; every loss is
        divided by it.
      learning_rate: Adam's (initial) learning rate; 1e-4 in the papers.
      decay_schedule: 'none' or 'exponential':
        `learning_rate * decay_rate ** (step / decay_steps)` (continuous),
        the original MixIT schedule with 0.5 and 2e6.
      decay_steps: see `decay_schedule`.
      decay_rate: see `decay_schedule`.
      grad_clip_norm: clip the (replica-aggregated) gradients to this global
        norm; None for no clipping.
      jit_compile: XLA-compile the loss-and-gradient function (not the
        optimizer update, which fails under MirroredStrategy). Leave off for
        the TDCN++ on CPU, where XLA is much slower.
      mixed_precision: mixed_bfloat16 on TPU, mixed_float16 with loss scaling
        on GPU; ignored on CPU.

    Raises:
      ValueError: on a bad batch size, learning rate or schedule name.
    """
    if global_batch_size < 1:
      raise ValueError(f'global_batch_size must be >= 1, got '
                       f'{global_batch_size}.')
    if learning_rate <= 0:
      raise ValueError(f'learning_rate must be > 0, got {learning_rate}.')
    if decay_schedule not in ('none', 'exponential'):
      raise ValueError(f"decay_schedule must be 'none' or 'exponential', got "
                       f'{decay_schedule!r}.')
    if grad_clip_norm is not None and grad_clip_norm <= 0:
      raise ValueError(f'grad_clip_norm must be > 0 or None, got '
                       f'{grad_clip_norm}.')
    self.task = task
    self.strategy = strategy or tf.distribute.get_strategy()
    num_replicas = self.strategy.num_replicas_in_sync
    if global_batch_size % num_replicas:
      raise ValueError(
          f'The global batch size {global_batch_size} is not divisible by the '
          f'{num_replicas} replicas; choose a multiple of {num_replicas}.')
    self.global_batch_size = global_batch_size
    self.per_replica_batch_size = global_batch_size // num_replicas
    self.jit_compile = jit_compile

    policy = _mixed_precision_policy(mixed_precision)
    if policy:
      tf.keras.mixed_precision.set_global_policy(policy)
    self._loss_scaling = policy == 'mixed_float16'

    if decay_schedule == 'exponential':
      self.learning_rate_schedule = (
          tf.keras.optimizers.schedules.ExponentialDecay(
              learning_rate, decay_steps=decay_steps, decay_rate=decay_rate,
              staircase=False))
    else:
      self.learning_rate_schedule = None
    with self.strategy.scope():
      self.model = task.build_model()
      optimizer = tf.keras.optimizers.Adam(
          learning_rate=self.learning_rate_schedule or learning_rate,
          global_clipnorm=grad_clip_norm)
      if self._loss_scaling:
        optimizer = tf.keras.mixed_precision.LossScaleOptimizer(optimizer)
      self.optimizer = optimizer
    self._learning_rate = learning_rate
    self._variables = None
    self.loss_names = None
    self.train_step = tf.function(self._train_steps)
    self._loss_and_grads_fn = tf.function(
        self._loss_and_grads, jit_compile=True) if jit_compile else (
            self._loss_and_grads)

  @property
  def step(self) -> int:
    """The global step (`optimizer.iterations`)."""
    return int(self.optimizer.iterations.numpy())

  def learning_rate(self) -> float:
    """The learning rate at the current step."""
    if self.learning_rate_schedule is None:
      return self._learning_rate
    return float(self.learning_rate_schedule(self.optimizer.iterations))

  def build(self, batch: Any) -> None:
    """Creates every variable with one forward pass on a local batch.

    Args:
      batch: one per-replica batch (not distributed).
    """
    with self.strategy.scope():
      losses = self.task.compute_losses(self.model, batch, training=False)
      self._check_losses(losses)
      self._variables = list(self.task.trainable_variables(self.model))
      if not self._variables:
        raise ValueError(
            'The task has no trainable variables: check '
            'Task.trainable_variables() and which sub-models are frozen.')
      self.optimizer.build(self._variables)
    self.loss_names = sorted(losses) + ['total_loss']
    num_params = sum(v.shape.num_elements() for v in self._variables)
    logging.info('Built %s: %d trainable variables, %d parameters.',
                 type(self.model).__name__, len(self._variables), num_params)

  def _check_losses(self, losses: Mapping[str, tf.Tensor]) -> None:
    if not isinstance(losses, Mapping) or not losses:
      raise ValueError(
          'Task.compute_losses must return a non-empty dict of per-example '
          f'losses, got {type(losses).__name__}.')
    if 'total_loss' in losses:
      raise ValueError("'total_loss' is computed by the Trainer; rename the "
                       'loss the task returns under that name.')
    for name, value in losses.items():
      if value.shape.rank != 1:
        raise ValueError(
            f'Loss {name!r} must be per-example with shape [batch], got shape '
            f'{value.shape}; return the loss before reducing over the batch.')
    unknown = set(self.task.loss_weights()) - set(losses)
    if unknown:
      raise ValueError(f'loss_weights names unknown losses {sorted(unknown)}; '
                       f'the task returns {sorted(losses)}.')

  def _loss_and_grads(self, batch):
    """Per-replica losses (scaled by the global batch) and gradients."""
    weights = self.task.loss_weights()
    with tf.GradientTape() as tape:
      per_example = self.task.compute_losses(self.model, batch, training=True)
      losses = {}
      total = tf.constant(0.0, tf.float32)
      for name in sorted(per_example):
        losses[name] = tf.nn.compute_average_loss(
            tf.cast(per_example[name], tf.float32),
            global_batch_size=self.global_batch_size)
        weight = weights.get(name, 1.0)
        if weight:
          total += weight * losses[name]
      losses['total_loss'] = total
      if self._loss_scaling:
        total = self.optimizer.get_scaled_loss(total)
    grads = tape.gradient(total, self._variables)
    if self._loss_scaling:
      grads = self.optimizer.get_unscaled_gradients(grads)
    return losses, grads

  def _step_fn(self, batch):
    losses, grads = self._loss_and_grads_fn(batch)
    self.optimizer.apply_gradients(zip(grads, self._variables))
    return losses

  def _train_steps(self, iterator, num_steps):
    """Runs `num_steps` steps; returns the mean of each reduced loss."""
    sums = {name: tf.constant(0.0, tf.float32) for name in self.loss_names}
    for _ in tf.range(num_steps):
      per_replica = self.strategy.run(self._step_fn, args=(next(iterator),))
      sums = {
          name: sums[name] + self.strategy.reduce(
              tf.distribute.ReduceOp.SUM, per_replica[name], axis=None)
          for name in self.loss_names
      }
    count = tf.cast(num_steps, tf.float32)
    return {name: value / count for name, value in sums.items()}

  def run_steps(self, iterator, num_steps: int) -> Dict[str, float]:
    """Runs `num_steps` steps in one call of the compiled train step.

    Args:
      iterator: a distributed iterator of per-replica batches.
      num_steps: steps to run (a tensor argument: no retracing).

    Returns:
      name -> mean over the steps of the global-batch loss.
    """
    if self.loss_names is None:
      raise ValueError('Call Trainer.build(batch) before run_steps().')
    losses = self.train_step(iterator, tf.constant(num_steps, tf.int32))
    return {name: float(value) for name, value in losses.items()}


# --------------------------- Checkpoint helpers ------------------------------


def _resolve_checkpoint(path: str) -> str:
  """A checkpoint prefix from a prefix or a directory."""
  if tf.io.gfile.isdir(path):
    latest = tf.train.latest_checkpoint(path)
    if latest is None:
      raise FileNotFoundError(
          f'The folder {path} holds no checkpoint (no `checkpoint` file). '
          'Point to a checkpoint prefix such as <dir>/ckpt-1000 or a model '
          'dir written by training.')
    return latest
  if not tf.io.gfile.exists(path + '.index'):
    raise FileNotFoundError(
        f'Checkpoint {path} not found (no {path}.index). Give a checkpoint '
        'prefix such as <dir>/ckpt-1000 or the model dir.')
  return path


def _get_attribute(model: Any, attribute: str) -> Any:
  obj = model
  for part in [p for p in attribute.split('.') if p]:
    if not hasattr(obj, part):
      raise ValueError(
          f'init_checkpoints names {attribute!r}, but '
          f'{type(obj).__name__} has no attribute {part!r}; use the '
          'sub-model attribute names of the model (e.g. separator, '
          'audio_embedding, video_embedding).')
    obj = getattr(obj, part)
  return obj


def restore_init_checkpoints(
    model: tf.keras.Model,
    init_checkpoints: Mapping[str, InitCheckpoint]) -> None:
  """Restores pre-trained sub-models (partial restore).

  Args:
    model: the built model.
    init_checkpoints: sub-model attribute (dotted; '' for the whole model) ->
      checkpoint. A checkpoint is a path (prefix or folder, latest taken)
      whose object `model` is that sub-model, as every job of this loop
      writes; or a pair `(path, object_path)` naming where the sub-model
      sits in that checkpoint, e.g.
      `('/pretrain/coincidence', 'model/audio_embedding')`. A None or empty
      path skips that sub-model (with a warning).

  Raises:
    FileNotFoundError: if a checkpoint is missing.
    ValueError: if a sub-model is unknown or its variables are not all in
      the checkpoint.
  """
  for attribute, spec in init_checkpoints.items():
    if isinstance(spec, (tuple, list)):
      if len(spec) != 2:
        raise ValueError(
            f'init_checkpoints[{attribute!r}] must be a path or a pair (path, '
            f'object_path), got {spec!r}.')
      path, object_path = spec
    else:
      path, object_path = spec, 'model'
    target = _get_attribute(model, attribute)
    if not path:
      logging.warning('No pre-trained checkpoint for %s: it starts from its '
                      'initialisation.', attribute or 'the model')
      continue
    prefix = _resolve_checkpoint(path)
    names = [p for p in object_path.split('/') if p]
    if not names:
      raise ValueError(f'Empty object path for init_checkpoints[{attribute!r}];'
                       " use e.g. 'model' or 'model/audio_embedding'.")
    root = target
    for name in reversed(names):
      root = tf.train.Checkpoint(**{name: root})
    status = root.read(prefix)
    try:
      status.assert_existing_objects_matched()
    except AssertionError as e:
      raise ValueError(
          f'Checkpoint {prefix} does not hold every variable of '
          f'{attribute or "the model"} under {object_path!r}: {e}. Check the '
          'sub-model configuration (it must match the pre-training job) and '
          'the object path.') from e
    status.expect_partial()
    logging.info('Initialised %s from %s (%s).', attribute or 'the model',
                 prefix, object_path)


def describe_batches(element_spec: Any) -> Dict[str, Any]:
  """Per-example shapes of training batches from their element spec.

  Args:
    element_spec: of a (distributed) dataset or iterator of dict batches
      with 'audio' `[batch, samples]` and optionally 'frames'
      `[batch, T, H, W, 3]`.

  Returns:
    {'audio_samples': samples, 'num_frames': T, 'frame_size': [H, W]}, with
    only the keys whose sizes are static.
  """

  def one_replica(spec):
    # A PerReplicaSpec (several replicas) holds one spec per replica.
    components = getattr(spec, '_component_specs', None)
    if isinstance(components, (list, tuple)) and components:
      return components[0]
    return spec

  def tensor_spec(spec):
    spec = one_replica(spec)
    return spec if isinstance(getattr(spec, 'shape', None),
                              tf.TensorShape) else None

  element_spec = one_replica(element_spec)
  if not isinstance(element_spec, Mapping):
    return {}
  facts = {}
  audio = tensor_spec(element_spec.get('audio'))
  frames = tensor_spec(element_spec.get('frames'))
  if audio is not None and audio.shape.rank == 2 and audio.shape[1]:
    facts['audio_samples'] = int(audio.shape[1])
  if frames is not None and frames.shape.rank == 5:
    num_frames, height, width = frames.shape[1:4]
    if num_frames:
      facts['num_frames'] = int(num_frames)
    if height and width:
      facts['frame_size'] = [int(height), int(width)]
  return facts


def read_training_data(model_dir: str) -> Dict[str, Any]:
  """The `training_data.json` of a model dir, or {} (older runs)."""
  path = os.path.join(model_dir, TRAINING_DATA_JSON)
  if not tf.io.gfile.exists(path):
    return {}
  with tf.io.gfile.GFile(path) as f:
    return json.load(f)


def read_best(model_dir: str) -> Optional[Dict[str, Any]]:
  """The `best.json` of a model dir: {'step', 'score', 'metrics'} or None."""
  path = os.path.join(model_dir, BEST_DIR, BEST_JSON)
  if not tf.io.gfile.exists(path):
    return None
  with tf.io.gfile.GFile(path) as f:
    return json.load(f)


def selection_score(metrics: Mapping[str, float],
                    selection_metrics: Sequence[str]) -> float:
  """min(metrics[k] for k in selection_metrics); higher is better.

  Raises:
    ValueError: if a selection metric is missing.
  """
  missing = [k for k in selection_metrics if k not in metrics]
  if missing:
    raise ValueError(
        f'evaluate_fn returned {sorted(metrics)}, without the selection '
        f'metrics {missing}; set train.selection_metrics to metrics it '
        'returns.')
  return min(float(metrics[k]) for k in selection_metrics)


# ------------------------------- train --------------------------------------


def _next_boundary(step: int, every: Optional[int]) -> Optional[int]:
  if not every:
    return None
  return (step // every + 1) * every


def _at(step: int, every: Optional[int]) -> bool:
  return bool(every) and step % every == 0


@gin.configurable
def train(model_dir: str,
          task: Task = gin.REQUIRED,
          dataset_fn: Callable[..., tf.data.Dataset] = gin.REQUIRED,
          strategy: Optional[tf.distribute.Strategy] = None,
          num_steps: int = 1000,
          batch_size: int = 8,
          steps_per_loop: int = 1,
          steps_per_summary: int = 100,
          steps_per_checkpoint: int = 1000,
          steps_per_eval: Optional[int] = None,
          evaluate_fn: Optional[Callable[[tf.keras.Model],
                                         Mapping[str, float]]] = None,
          selection_metrics: Sequence[str] = ('snr', 'osr'),
          init_checkpoints: Optional[Mapping[str, InitCheckpoint]] = None,
          max_to_keep: Optional[int] = 5,
          checkpoint_input_iterator: bool = True,
          input_resume_fallback: str = 'reseed',
          seed: int = 0,
          deterministic_ops: bool = False,
          trainer_cls: Callable[..., Trainer] = Trainer) -> Trainer:
  """Trains `task` until `num_steps`, resuming from `model_dir` if it can.

  Args:
    model_dir: checkpoints, summaries (`train/`, `eval/`), the operative gin
      config and `best/`. A job restarted with the same command continues
      from its latest checkpoint.
    task: the `Task`.
    dataset_fn: `dataset_fn(global_batch_size=..., input_context=...) ->
      tf.data.Dataset` yielding per-replica batches of
      `input_context.get_per_replica_batch_size(global_batch_size)` examples
      (sharded by `input_context.input_pipeline_id` where there are several
      hosts), repeating forever: the builders of `audioscope.data.pipeline`
      (e.g. `@audio_mixit_dataset`, `@non_dataset`), unbound in gin.
    strategy: the distribution strategy; the current one by default.
    num_steps: the step to stop at.
    batch_size: the global batch size (over all replicas).
    steps_per_loop: the most steps run inside one compiled call (the TPU
      idiom); calls also stop at summary, checkpoint and eval boundaries.
    steps_per_summary: steps between progress lines and summaries.
    steps_per_checkpoint: steps between checkpoints (one is also written at
      the end).
    steps_per_eval: steps between validations; None for none.
    evaluate_fn: `evaluate_fn(model) -> dict of metrics`; `task.evaluate` by
      default.
    selection_metrics: the model with the largest min over these metrics is
      kept in `model_dir/best`.
    init_checkpoints: pre-trained sub-models (see `restore_init_checkpoints`),
      used only when `model_dir` has no checkpoint of its own.
    max_to_keep: checkpoints kept in `model_dir` (None: all).
    checkpoint_input_iterator: save the input iterator in the checkpoint
      (exact resumption) when it can be saved: with the default strategy
      (one device); in TF 2.15 the iterators of MirroredStrategy and
      TPUStrategy cannot be saved.
    input_resume_fallback: how a pipeline whose iterator was not saved
      restarts: 'reseed' (new global seed `seed + step`; right step, fresh
      random order) or 'skip' (skip the batches already consumed: exact for
      deterministic pipelines, but every skipped batch is produced, so only
      for cheap pipelines).
    seed: the global random seed (weights, data order, dropout).
    deterministic_ops: call `tf.config.experimental.enable_op_determinism()`
      and switch Grappler's graph optimizations off (`disable_meta_optimizer`)
      first, so that a rerun with the same seed on the same machine gives
      the same weights. Both are global to the process and are not undone;
      ops with no deterministic kernel on the device then raise an error at
      run time. Op determinism alone is not enough on CPU: the optimized
      graph of the same traced train step differed between fresh processes
      (different gradients of identical variables on an identical batch in
      a few last digits; identical in eager mode), so reruns of the
      synthetic demo's AudioScopeV2 stage fell on one of several loss
      trajectories. With the meta optimizer off, every rerun gave the same
      gradients and losses (docs/findings.md); it costs little on CPU
      (3% fewer steps per second in that stage) but gives up the fusions
      that make accelerators fast.
    trainer_cls: the `Trainer` factory (gin-configurable itself).

  Returns:
    The `Trainer`, holding the trained model; `trainer.last_losses` has the
    losses of the last interval.

  Raises:
    ValueError: on inconsistent step counts or batch shapes.
  """
  for name, value in [('num_steps', num_steps),
                      ('steps_per_loop', steps_per_loop),
                      ('steps_per_summary', steps_per_summary),
                      ('steps_per_checkpoint', steps_per_checkpoint)]:
    if value < 1:
      raise ValueError(f'{name} must be >= 1, got {value}.')
  if steps_per_eval is not None and steps_per_eval < 1:
    raise ValueError(f'steps_per_eval must be >= 1 or None, got '
                     f'{steps_per_eval}.')
  if input_resume_fallback not in ('reseed', 'skip'):
    raise ValueError("input_resume_fallback must be 'reseed' or 'skip', got "
                     f'{input_resume_fallback!r}.')
  if deterministic_ops:
    logging.info('Enabling op determinism and disabling Grappler graph '
                 'optimizations for this process (train.deterministic_ops).')
    tf.config.experimental.enable_op_determinism()
    tf.config.optimizer.set_experimental_options(
        {'disable_meta_optimizer': True})
  strategy = strategy or tf.distribute.get_strategy()
  tf.io.gfile.makedirs(model_dir)

  latest = tf.train.latest_checkpoint(model_dir)
  tf.keras.utils.set_random_seed(seed)
  trainer = trainer_cls(task=task, strategy=strategy,
                        global_batch_size=batch_size)
  per_replica = trainer.per_replica_batch_size

  # A local (undistributed) pipeline of per-replica batches: builds the
  # variables, feeds summaries.
  local_context = tf.distribute.InputContext(
      num_input_pipelines=1, input_pipeline_id=0,
      num_replicas_in_sync=strategy.num_replicas_in_sync)
  local_iterator = iter(
      dataset_fn(global_batch_size=batch_size, input_context=local_context))
  local_batch = next(local_iterator)
  _check_batch_size(local_batch, per_replica)
  trainer.build(local_batch)

  model_items = dict(task.checkpoint_items(trainer.model))
  reserved = {'optimizer', 'iterator'} & set(model_items)
  if reserved:
    raise ValueError(f'Task.checkpoint_items may not use the names '
                     f'{sorted(reserved)}: the loop saves those itself.')
  checkpoint_items = dict(model_items, optimizer=trainer.optimizer)
  restored_step = _checkpoint_step(latest) if latest else 0
  with strategy.scope():
    iterator = _make_iterator(strategy, dataset_fn, batch_size, skip_steps=0)
    trackable = isinstance(iterator, tf.__internal__.tracking.Trackable)
    if checkpoint_input_iterator and trackable:
      checkpoint_items['iterator'] = iterator
    else:
      if checkpoint_input_iterator:
        logging.warning(
            'The input iterator of %s cannot be checkpointed; on resumption '
            "the pipeline is restarted ('%s').", type(strategy).__name__,
            input_resume_fallback)
      if restored_step and input_resume_fallback == 'skip':
        iterator = _make_iterator(strategy, dataset_fn, batch_size,
                                  skip_steps=restored_step)
      elif restored_step:
        # Reseed so a resumed job does not replay the first examples.
        tf.random.set_seed(seed + restored_step)
        iterator = _make_iterator(strategy, dataset_fn, batch_size,
                                  skip_steps=0)
    checkpoint = tf.train.Checkpoint(**checkpoint_items)
    manager = tf.train.CheckpointManager(
        checkpoint, model_dir, max_to_keep=max_to_keep,
        checkpoint_name='ckpt')
    if latest:
      start = time.monotonic()
      checkpoint.restore(latest).assert_existing_objects_matched()
      logging.info('Resumed from %s at step %d (%.1f s).', latest,
                   trainer.step, time.monotonic() - start)
    elif init_checkpoints:
      restore_init_checkpoints(trainer.model, init_checkpoints)

    facts = describe_batches(iterator.element_spec)
    if facts:
      with tf.io.gfile.GFile(os.path.join(model_dir, TRAINING_DATA_JSON),
                             'w') as f:
        json.dump(facts, f, indent=2)

    best_checkpoint = tf.train.Checkpoint(**model_items)
    best_manager = tf.train.CheckpointManager(
        best_checkpoint, os.path.join(model_dir, BEST_DIR), max_to_keep=1,
        checkpoint_name='ckpt')

  evaluate_fn = evaluate_fn or task.evaluate
  train_writer = tf.summary.create_file_writer(
      os.path.join(model_dir, TRAIN_SUMMARY_DIR))
  eval_writer = tf.summary.create_file_writer(
      os.path.join(model_dir, EVAL_SUMMARY_DIR))
  best = read_best(model_dir)
  if best is not None and not latest:
    # A best model with no checkpoint to resume from is from an earlier run
    # (stopped before its first checkpoint, or with other settings): this
    # run starts over, so it must not be measured against it.
    logging.warning(
        'Discarding %s (step %d of an earlier run): %s has no checkpoint to '
        'resume from, so training starts over.',
        os.path.join(model_dir, BEST_DIR), best['step'], model_dir)
    tf.io.gfile.rmtree(os.path.join(model_dir, BEST_DIR))
    best = None

  step = trainer.step
  progress = summaries.ProgressLogger(num_steps, batch_size, start_step=step)
  trainer.last_losses = {}
  wrote_config = False
  if step >= num_steps:
    logging.info('Training already reached step %d >= num_steps %d.', step,
                 num_steps)
  while step < num_steps:
    stop = min([num_steps, step + steps_per_loop] + [
        b for b in (_next_boundary(step, steps_per_summary),
                    _next_boundary(step, steps_per_checkpoint),
                    _next_boundary(step, steps_per_eval)) if b is not None])
    losses = trainer.run_steps(iterator, stop - step)
    step = trainer.step
    trainer.last_losses = losses
    for name, value in losses.items():
      if not math.isfinite(value):
        raise FloatingPointError(
            f'Loss {name} is {value} at step {step}. Lower the learning rate, '
            'enable gradient clipping (Trainer.grad_clip_norm) or check the '
            'input data for silent or NaN audio.')
    done = step >= num_steps

    if not wrote_config:
      # After the first call, so every configurable used is in the config.
      gin_utils.write_operative_config(model_dir, step)
      with train_writer.as_default():
        summaries.gin_config_summary(step)
      wrote_config = True

    if _at(step, steps_per_summary) or done:
      with train_writer.as_default():
        progress.log(step, losses, learning_rate=trainer.learning_rate())
        trainer.task.summaries(trainer.model, next(local_iterator), step)
      train_writer.flush()

    if _at(step, steps_per_checkpoint) or done:
      start = time.monotonic()
      manager.save(checkpoint_number=step)
      task.export(trainer.model, model_dir, step)
      logging.info('Saved checkpoint at step %d (%.1f s).', step,
                   time.monotonic() - start)

    if steps_per_eval and (_at(step, steps_per_eval) or done):
      metrics = evaluate_fn(trainer.model)
      if metrics:
        best = _evaluate_and_select(metrics, step, selection_metrics, best,
                                    best_manager, model_dir, eval_writer)
  train_writer.flush()
  eval_writer.flush()
  return trainer


def _evaluate_and_select(metrics, step, selection_metrics, best, best_manager,
                         model_dir, eval_writer):
  """Logs validation metrics and keeps the best model; returns the best."""
  metrics = {k: float(v) for k, v in metrics.items()}
  score = selection_score(metrics, selection_metrics)
  logging.info('eval | step %d | %s | selection %.4f', step, ' | '.join(
      f'{k} {v:.4f}' for k, v in sorted(metrics.items())), score)
  with eval_writer.as_default():
    summaries.write_scalars(metrics, step, prefix='metrics')
    summaries.write_scalars({'selection_score': score}, step)
  eval_writer.flush()
  if best is None or score > best['score']:
    best_manager.save(checkpoint_number=step)
    best = {'step': step, 'score': score, 'metrics': metrics,
            'selection_metrics': list(selection_metrics)}
    with tf.io.gfile.GFile(os.path.join(model_dir, BEST_DIR, BEST_JSON),
                           'w') as f:
      json.dump(best, f, indent=2)
    logging.info('New best model at step %d: min(%s) = %.4f.', step,
                 ', '.join(selection_metrics), score)
  return best


def _make_iterator(strategy, dataset_fn, global_batch_size, skip_steps):
  """Iterator over the distributed per-replica datasets of `dataset_fn`."""

  def per_replica_dataset(context):
    dataset = dataset_fn(global_batch_size=global_batch_size,
                         input_context=context)
    if skip_steps:
      # Each step takes one batch per replica; a pipeline feeds
      # num_replicas / num_pipelines replicas.
      per_step = max(
          context.num_replicas_in_sync // context.num_input_pipelines, 1)
      dataset = dataset.skip(skip_steps * per_step)
    return dataset

  return iter(strategy.distribute_datasets_from_function(per_replica_dataset))


def _checkpoint_step(prefix: str) -> int:
  try:
    return int(prefix.rsplit('-', 1)[-1])
  except ValueError:
    return 0


def _check_batch_size(batch: Any, per_replica: int) -> None:
  for tensor in tf.nest.flatten(batch):
    size = tensor.shape[0] if tensor.shape.rank else None
    if size is not None and size != per_replica:
      raise ValueError(
          f'dataset_fn yielded a batch of {size} where the per-replica batch '
          f'size is {per_replica}: it must batch '
          'input_context.get_per_replica_batch_size(global_batch_size) '
          'examples, with the global_batch_size it is given.')
