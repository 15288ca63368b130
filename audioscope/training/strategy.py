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
"""Distribution strategies for training: TPU, multi-worker, mirrored, default.

`get_strategy` is the one place that decides where training runs:

  strategy = get_strategy(tpu='my-tpu', strategy='tpu')        # Cloud TPU
  strategy = get_strategy(strategy='mirrored')                  # all local GPUs
  strategy = get_strategy(strategy='multi_worker')              # TF_CONFIG
  strategy = get_strategy(strategy='mirrored',
                          num_logical_cpu_devices=2)            # CPU testing

Splitting the CPU into logical devices gives a real multi-replica run on a
machine without accelerators (no speed-up; it exercises the distributed code
path). It must happen before TensorFlow initialises its devices, i.e. before
the first op of the process.
"""

from typing import Optional

from absl import logging
import gin
import tensorflow as tf

STRATEGIES = ('default', 'mirrored', 'multi_worker', 'tpu')


def configure_logical_cpu_devices(num_devices: int) -> None:
  """Splits the first physical CPU into `num_devices` logical devices.

  Args:
    num_devices: number of logical CPU devices, >= 1.

  Raises:
    ValueError: if `num_devices` < 1.
    RuntimeError: if TensorFlow has already initialised its devices with a
      different configuration (call this before any TensorFlow op).
  """
  if num_devices < 1:
    raise ValueError(
        f'num_logical_cpu_devices must be >= 1, got {num_devices}.')
  cpus = tf.config.list_physical_devices('CPU')
  if not cpus:
    raise RuntimeError('No physical CPU device is visible to TensorFlow.')
  current = tf.config.get_logical_device_configuration(cpus[0])
  if current is not None and len(current) == num_devices:
    return
  try:
    tf.config.set_logical_device_configuration(
        cpus[0],
        [tf.config.LogicalDeviceConfiguration() for _ in range(num_devices)])
  except RuntimeError as e:
    num_logical = len(tf.config.list_logical_devices('CPU'))
    raise RuntimeError(
        f'Cannot split the CPU into {num_devices} logical devices: TensorFlow '
        f'has already initialised its devices ({num_logical} logical CPU '
        'device(s)). Configure the logical devices before any TensorFlow op '
        'runs: call get_strategy(num_logical_cpu_devices=...) or '
        'configure_logical_cpu_devices(...) first thing in the program (the '
        'train binary does this from --num_logical_cpu_devices).') from e
  logging.info('Split the CPU into %d logical devices.', num_devices)


@gin.configurable
def get_strategy(tpu: Optional[str] = None,
                 strategy: str = 'default',
                 num_logical_cpu_devices: Optional[int] = None
                 ) -> tf.distribute.Strategy:
  """Returns the distribution strategy to build and train under.

  Args:
    tpu: TPU name or address (`grpc://...`, or '' / 'local' for a TPU VM).
      Setting it implies `strategy='tpu'`.
    strategy: one of 'default' (one device), 'mirrored' (all local GPUs, or
      the logical CPU devices), 'multi_worker' (MultiWorkerMirroredStrategy,
      cluster from TF_CONFIG; one worker without it), 'tpu'.
    num_logical_cpu_devices: if set, first split the CPU into this many
      logical devices (testing the distributed path on CPU). Must run before
      TensorFlow initialises its devices.

  Returns:
    A `tf.distribute.Strategy`.

  Raises:
    ValueError: on an unknown strategy name.
    RuntimeError: if the logical CPU devices cannot be configured any more.
  """
  if strategy not in STRATEGIES:
    raise ValueError(
        f'Unknown strategy {strategy!r}; use one of {", ".join(STRATEGIES)}.')
  if num_logical_cpu_devices:
    configure_logical_cpu_devices(num_logical_cpu_devices)
  if tpu is not None and strategy == 'default':
    strategy = 'tpu'

  if strategy == 'tpu':
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
        tpu=tpu or '')
    if tpu not in (None, '', 'local'):
      tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    result = tf.distribute.TPUStrategy(resolver)
  elif strategy == 'multi_worker':
    result = tf.distribute.MultiWorkerMirroredStrategy()
  elif strategy == 'mirrored':
    gpus = tf.config.list_logical_devices('GPU')
    if gpus:
      devices = [d.name for d in gpus]
    else:
      devices = [d.name for d in tf.config.list_logical_devices('CPU')]
    result = tf.distribute.MirroredStrategy(devices=devices)
  else:
    result = tf.distribute.get_strategy()
  logging.info('Training with %s over %d replica(s).',
               type(result).__name__, result.num_replicas_in_sync)
  return result


def device_type() -> str:
  """'TPU', 'GPU' or 'CPU': the accelerator training runs on."""
  for kind in ('TPU', 'GPU'):
    if tf.config.list_logical_devices(kind):
      return kind
  return 'CPU'
