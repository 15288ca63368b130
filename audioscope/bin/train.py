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
r"""Trains an audioscope model: `audioscope_train`.

The job is described by gin files (paths relative to the packaged `gin/`
folder, or absolute) and single `--gin_param` bindings. Restarting a killed
job with the same command resumes from the last checkpoint in `--model_dir`
(its operative gin config is re-read first).

CPU, a tiny smoke run:

  audioscope_train --model_dir=/tmp/audioscope/toy \
    --gin_file=test/tiny_toy.gin --gin_param='train.num_steps = 20'

CPU, the distributed code path over 2 logical devices:

  audioscope_train --model_dir=/tmp/audioscope/toy_mirrored \
    --gin_file=test/tiny_toy.gin --strategy=mirrored \
    --num_logical_cpu_devices=2

Separator pre-training (audio-only MixIT) on all local GPUs:

  audioscope_train --model_dir=/tmp/audioscope/separator \
    --gin_file=training/separator_pretraining.gin --strategy=mirrored \
    --gin_param="Trainer.mixed_precision = True"

AudioScopeV2 (separable SA, 16 FPS) on a Cloud TPU (v3-32: 32 cores):

  audioscope_train --model_dir=gs://my-bucket/audioscope/separable_sa_16fps \
    --gin_file=papers/audioscope_v2/separable_sa_16fps.gin \
    --tpu=my-tpu-name \
    --gin_param="train.init_checkpoints = {'separator': 'gs://my-bucket/audioscope/separator'}"

Several hosts with GPUs (TF_CONFIG set on each):

  audioscope_train --model_dir=gs://my-bucket/audioscope/run \
    --gin_file=papers/audioscope_v2/joint_cma_1fps.gin \
    --strategy=multi_worker
"""

from absl import app
from absl import flags
from absl import logging

from audioscope.bin import console

_GIN_FILE = flags.DEFINE_multi_string(
    'gin_file', [], 'gin config files, relative to the packaged gin folder or '
    'absolute; parsed in order.')
_GIN_PARAM = flags.DEFINE_multi_string(
    'gin_param', [], "gin bindings, e.g. 'train.num_steps = 1000'; parsed "
    'after the files.')
_MODEL_DIR = flags.DEFINE_string(
    'model_dir', None, 'Folder of checkpoints, summaries and the operative '
    'gin config; an existing run there is resumed.')
_TPU = flags.DEFINE_string(
    'tpu', None, "TPU name or grpc:// address ('local' on a TPU VM); implies "
    '--strategy=tpu.')
_STRATEGY = flags.DEFINE_enum(
    'strategy', 'default', ['default', 'mirrored', 'multi_worker', 'tpu'],
    'Distribution strategy.')
_NUM_LOGICAL_CPU_DEVICES = flags.DEFINE_integer(
    'num_logical_cpu_devices', None, 'Split the CPU into this many logical '
    'devices (testing the distributed path with --strategy=mirrored).')


def run(argv) -> None:
  """Parses gin, builds the strategy and trains."""
  if len(argv) > 1:
    raise app.UsageError(
        f'Too many command-line arguments: {argv[1:]}. Pass configuration as '
        '--gin_file / --gin_param.')
  if not _MODEL_DIR.value:
    raise app.UsageError('--model_dir is required (where checkpoints go).')
  # Imports after flag parsing: the logical CPU devices must be configured
  # before TensorFlow initialises its devices.
  from audioscope import gin_utils  # pylint: disable=g-import-not-at-top
  from audioscope.training import strategy as strategy_lib  # pylint: disable=g-import-not-at-top
  from audioscope.training import train_lib  # pylint: disable=g-import-not-at-top

  from audioscope.bin import user_errors  # pylint: disable=g-import-not-at-top

  strategy = strategy_lib.get_strategy(
      tpu=_TPU.value, strategy=_STRATEGY.value,
      num_logical_cpu_devices=_NUM_LOGICAL_CPU_DEVICES.value)
  # A missing gin file, data set or checkpoint, or a binding gin cannot
  # apply, ends the command with its message alone.
  with user_errors.exit_on('audioscope_train', user_errors.config_errors()):
    gin_utils.parse_gin(_GIN_FILE.value, _GIN_PARAM.value,
                        model_dir=_MODEL_DIR.value)
  with user_errors.exit_on('audioscope_train'):
    trainer = train_lib.train(model_dir=_MODEL_DIR.value, strategy=strategy)
  logging.info('Training finished at step %d.', trainer.step)


def main() -> None:
  """Console-script entry point `audioscope_train`."""
  console.run(run, __name__)


if __name__ == '__main__':
  main()
