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
"""Converting an original TF1 TDCN++ checkpoint to an audioscope checkpoint.

Writes `tf.train.Checkpoint(separator=model)` (the key that
`AudioScopeV2.load_separator_checkpoint` and the training code restore) as
`<output_dir>/ckpt-1`, the separator's configuration as
`<output_dir>/separator_config.json` and as gin bindings
`<output_dir>/separator.gin`, and optionally a SavedModel of the separator
(signature `serving_default`: `mixture_waveform` float32 [batch, time] ->
`separated_waveforms` float32 [batch, source, time]).
"""

import json
import os
from typing import Dict, Optional

from absl import logging
import tensorflow as tf

from audioscope.separation import original_checkpoint

CHECKPOINT_KEY = 'separator'


class _SeparatorModule(tf.Module):
  """SavedModel wrapper with an explicit float32 signature."""

  def __init__(self, separator):
    super().__init__()
    # Only the variables are tracked: tracking the Keras model would make
    # tf.saved_model.save trace every layer's call (slow, not needed).
    object.__setattr__(self, '_separator', separator)
    self.separator_variables = list(separator.variables)
    self.sample_rate = tf.constant(separator.sample_rate, tf.int32)
    self.num_sources = tf.constant(separator.num_sources, tf.int32)

  @tf.function(input_signature=[
      tf.TensorSpec([None, None], tf.float32, name='mixture_waveform')
  ])
  def separate(self, mixture_waveform):
    return {'separated_waveforms': self._separator(mixture_waveform)}


def convert(original: str, output_dir: str,
            saved_model_dir: Optional[str] = None,
            **overrides) -> Dict[str, str]:
  """Loads an original checkpoint and writes it in audioscope's formats.

  Args:
    original: original checkpoint prefix or folder.
    output_dir: folder for the tf.train.Checkpoint and the config files.
    saved_model_dir: optional SavedModel folder.
    **overrides: `ImprovedTDCN` arguments (see `load_original_checkpoint`).

  Returns:
    Paths written: `checkpoint`, `config`, `gin`, and `saved_model` if asked.
  """
  model = original_checkpoint.load_original_checkpoint(original, **overrides)
  tf.io.gfile.makedirs(output_dir)
  checkpoint = tf.train.Checkpoint(**{CHECKPOINT_KEY: model})
  prefix = checkpoint.save(os.path.join(output_dir, 'ckpt'))
  config = model.get_config()
  config_path = os.path.join(output_dir, 'separator_config.json')
  with tf.io.gfile.GFile(config_path, 'w') as f:
    json.dump(config, f, indent=2, sort_keys=True)
  gin_path = os.path.join(output_dir, 'separator.gin')
  with tf.io.gfile.GFile(gin_path, 'w') as f:
    f.write('# Written by audioscope_convert_checkpoint from %s\n' % original)
    for key, value in sorted(config.items()):
      if key != 'name':
        f.write(f'ImprovedTDCN.{key} = {value!r}\n')
  paths = dict(checkpoint=prefix, config=config_path, gin=gin_path)
  logging.info('Wrote %s', prefix)
  if saved_model_dir:
    module = _SeparatorModule(model)
    tf.saved_model.save(module, saved_model_dir,
                        signatures={'serving_default': module.separate})
    paths['saved_model'] = saved_model_dir
    logging.info('Wrote SavedModel %s', saved_model_dir)
  return paths
