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
"""Loading Google's original TF1 TDCN++ checkpoints into `ImprovedTDCN`.

The published separators of google-research/sound-separation (the YFCC100M
MixIT model, the FUSS and bird MixIT models) are TF1 Estimator checkpoints of
`models/neurips2020_mixit/model.py`. Their variable names (see
`original_name_map`) are mapped one to one onto the Keras weights; Adam slots
(`*/Adam`, `*/Adam_1`), `beta1_power`, `beta2_power` and `global_step` are
ignored.

Covered variants: the learned-basis MixIT recipe (`conv_encoder/...`,
`conv_decoder/dense_1/...`), the STFT front-end of the same code
(`layer_norm_on_mag/{gamma,beta}`; its STFT sizes are not in the checkpoint,
pass `sample_rate`, `stft_window_seconds`, `stft_hop_seconds` if they differ
from 16 kHz, 32 ms, 8 ms), and the long-range skip-residuals
(`improved_tdcn/res_dense_<j>_to_<k>/dense/{kernel,bias}` and
`.../dense_scale/scale_layer`, from `network.improved_tdcn` with
`add_skip_residual_connections=True`). Multi-microphone checkpoints are not
covered (the model takes one channel).

The configuration is read from the variable shapes: N and the window from
`conv_encoder/dense/kernel` [window, N], B from `initial_dense`, H and the
kernel size from block 0, the number of blocks from the `conv_block_<b>`
scopes, M from the mask head `dense/kernel` [B, M * N], `pred_source`
consistency from `mix_weights/dense/kernel`. What the checkpoint does not
hold has the original's defaults: hop = window / 2, 8 dilations per repeat
(or the repeat length of the skip-residuals), 16 kHz; `**overrides` replace
any of them.
"""

import re
from typing import Any, Dict, List, Mapping, Optional, Tuple

from absl import logging
import tensorflow as tf

from audioscope.separation import tdcn

# Optimizer and bookkeeping variables of the Estimator checkpoints.
_IGNORED_PATTERN = re.compile(
    r'(^|/)(global_step|beta1_power|beta2_power)$|/Adam(_\d+)?$')
_BLOCK_PATTERN = re.compile(r'^improved_tdcn/conv_block_(\d+)/')
_SKIP_PATTERN = re.compile(r'^improved_tdcn/res_dense_(\d+)_to_(\d+)/')
_DECODER_PATTERN = re.compile(r'^conv_decoder/dense(_\d+)?/kernel$')

ENCODER_KERNEL = 'conv_encoder/dense/kernel'
DECODER_KERNEL = 'conv_decoder/dense_1/kernel'
INPUT_NORM_PREFIX = 'layer_norm_on_mag/'
INITIAL_DENSE_PREFIX = 'initial_dense/'
MASK_KERNEL = 'dense/kernel'
MIX_WEIGHTS_KERNEL = 'mix_weights/dense/kernel'


def is_ignored(name: str) -> bool:
  """Whether `name` is an optimizer slot or bookkeeping variable."""
  return bool(_IGNORED_PATTERN.search(name))


def block_prefix(index: int) -> str:
  """Scope of block `index` in the original graph."""
  return f'improved_tdcn/conv_block_{index}/tdcn_block/'


def _scaled_dense_names(prefix: str,
                        layer: tdcn.ScaledDense) -> Dict[str, tf.Variable]:
  names = {prefix + 'dense/kernel': layer.kernel}
  if layer.bias is not None:
    names[prefix + 'dense/bias'] = layer.bias
  if layer.scale is not None:
    names[prefix + 'dense_scale/scale_layer'] = layer.scale
  return names


def _block_names(index: int, block: tdcn.TDCNBlock) -> Dict[str, tf.Variable]:
  prefix = block_prefix(index)
  names = {}
  names.update(_scaled_dense_names(prefix + 'dense1/', block.dense1))
  for scope, prelu, norm in (('normact1/', block.prelu1, block.norm1),
                             ('normact2/', block.prelu2, block.norm2)):
    names[prefix + scope + 'prelu/prelu'] = prelu.alpha
    names[prefix + scope + 'instance_norm/gamma'] = norm.gamma
    names[prefix + scope + 'instance_norm/beta'] = norm.beta
  conv_prefix = prefix + 'timeconv/separable_conv/'
  names[conv_prefix + 'depthwise_kernel'] = block.timeconv.depthwise_kernel
  names[conv_prefix + 'bias'] = block.timeconv.bias
  names.update(_scaled_dense_names(prefix + 'dense2/', block.dense2))
  return names


def original_name_map(model: tdcn.ImprovedTDCN,
                      decoder_name: str = DECODER_KERNEL
                     ) -> Dict[str, tf.Variable]:
  """Original checkpoint name -> the model's variable, for every weight.

  Args:
    model: an `ImprovedTDCN` (built here if it is not yet).
    decoder_name: the original name of the decoder kernel (`dense_1` in the
      published graphs; Keras' automatic layer numbering decides it).

  Returns:
    A dict covering every trainable weight of `model` exactly once.
  """
  if not model.built:
    model.build()
  names = {}
  if model.encoder is not None:
    names[ENCODER_KERNEL] = model.encoder.kernel
    names[decoder_name] = model.decoder.kernel
  else:
    names[INPUT_NORM_PREFIX + 'gamma'] = model.input_norm.gamma
    names[INPUT_NORM_PREFIX + 'beta'] = model.input_norm.beta
  names.update(_scaled_dense_names(INITIAL_DENSE_PREFIX, model.initial_dense))
  for index, block in enumerate(model.blocks):
    names.update(_block_names(index, block))
  for (src, dst), layer in zip(model.skip_connections, model.skip_denses):
    names.update(
        _scaled_dense_names(f'improved_tdcn/res_dense_{src}_to_{dst}/', layer))
  names[MASK_KERNEL] = model.mask_dense.kernel
  if model.mix_weights_dense is not None:
    names[MIX_WEIGHTS_KERNEL] = model.mix_weights_dense.kernel
  return names


def resolve_checkpoint_path(checkpoint_path: str) -> str:
  """A checkpoint prefix from a prefix or a folder (its latest checkpoint).

  Raises:
    FileNotFoundError: nothing readable at `checkpoint_path`.
  """
  if tf.io.gfile.isdir(checkpoint_path):
    latest = tf.train.latest_checkpoint(checkpoint_path)
    if latest is not None:
      return latest
    indexes = sorted(tf.io.gfile.glob(
        tf.io.gfile.join(checkpoint_path, '*.index')))
    if len(indexes) == 1:
      return indexes[0][:-len('.index')]
    raise FileNotFoundError(
        f'No single checkpoint in the folder {checkpoint_path!r} (found '
        f'{len(indexes)} *.index files and no `checkpoint` state file); pass '
        'a checkpoint prefix such as <dir>/model.ckpt-3223090.')
  if not tf.io.gfile.exists(checkpoint_path + '.index'):
    raise FileNotFoundError(
        f'No TF checkpoint at {checkpoint_path!r} (no '
        f'{checkpoint_path}.index). Pass the prefix, e.g. '
        '<dir>/model.ckpt-3223090, or the folder holding it.')
  return checkpoint_path


def infer_config(shapes: Mapping[str, List[int]]) -> Dict[str, Any]:
  """`ImprovedTDCN` arguments from the original variable shapes.

  Args:
    shapes: original name -> shape (optimizer variables may be included).

  Returns:
    Keyword arguments of `ImprovedTDCN`.

  Raises:
    ValueError: the variables are not those of an original TDCN++.
  """
  shapes = {k: list(v) for k, v in shapes.items() if not is_ignored(k)}
  config = {}
  required = [INITIAL_DENSE_PREFIX + 'dense/kernel', MASK_KERNEL,
              block_prefix(0) + 'dense1/dense/kernel',
              block_prefix(0) + 'timeconv/separable_conv/depthwise_kernel']
  absent = [name for name in required if name not in shapes]
  if absent:
    raise ValueError(
        f'This is not a checkpoint of the original TDCN++: it lacks {absent} '
        f'(it has {len(shapes)} variables, e.g. {sorted(shapes)[:8]}). Pass '
        'the prefix of a google-research/sound-separation model checkpoint, '
        'e.g. <dir>/model.ckpt-3223090.')
  num_inputs, bottleneck = shapes[INITIAL_DENSE_PREFIX + 'dense/kernel']
  config['bottleneck'] = bottleneck
  if ENCODER_KERNEL in shapes:
    window, num_basis = shapes[ENCODER_KERNEL]
    config.update(front_end='learned_basis', num_basis=num_basis,
                  window_samples=window, hop_samples=max(1, window // 2))
  elif INPUT_NORM_PREFIX + 'gamma' in shapes:
    config['front_end'] = 'stft'
  else:
    raise ValueError(
        f'Cannot tell the front-end: the checkpoint has neither '
        f'{ENCODER_KERNEL!r} (learned basis) nor {INPUT_NORM_PREFIX}gamma '
        '(STFT).')
  config['conv_channels'] = shapes[block_prefix(0) + 'dense1/dense/kernel'][1]
  config['kernel_size'] = shapes[
      block_prefix(0) + 'timeconv/separable_conv/depthwise_kernel'][0]
  num_blocks = 1 + max(
      int(m.group(1)) for m in map(_BLOCK_PATTERN.match, shapes) if m)
  skips = sorted({(int(m.group(1)), int(m.group(2)))
                  for m in map(_SKIP_PATTERN.match, shapes) if m})
  num_dilations = 8
  if skips:
    num_dilations = min(dst - src for src, dst in skips)
  if num_blocks % num_dilations:
    num_dilations = num_blocks  # One repeat; override if that is wrong.
  config.update(num_dilations=num_dilations,
                num_repeats=num_blocks // num_dilations,
                skip_residuals=bool(skips))
  mask_outputs = shapes[MASK_KERNEL][1]
  if mask_outputs % num_inputs:
    raise ValueError(
        f'The mask head {MASK_KERNEL!r} has {mask_outputs} outputs, not a '
        f'multiple of the {num_inputs} coefficients per frame.')
  config['num_sources'] = mask_outputs // num_inputs
  if MIX_WEIGHTS_KERNEL in shapes:
    config['consistency'] = 'pred_source'
  else:
    logging.warning(
        'The checkpoint has no %s: it was trained without predicted mixture '
        'consistency weights; using uniform ones (override `consistency` '
        "with 'magsq' or 'none' if it was trained so).", MIX_WEIGHTS_KERNEL)
    config['consistency'] = 'uniform'
  return config


def _shape_errors(name_map: Mapping[str, tf.Variable],
                  shapes: Mapping[str, List[int]]) -> Tuple[List[str],
                                                            List[str]]:
  missing = sorted(name for name in name_map if name not in shapes)
  misshaped = sorted(
      f'{name}: checkpoint {list(shapes[name])}, model '
      f'{name_map[name].shape.as_list()}' for name in name_map
      if name in shapes and list(shapes[name]) != name_map[name].shape.as_list())
  return missing, misshaped


def assign_original_variables(model: tdcn.ImprovedTDCN,
                              reader: Any,
                              shapes: Optional[Mapping[str, List[int]]] = None,
                              checkpoint_path: str = '') -> List[str]:
  """Assigns every weight of `model` from an original checkpoint reader.

  Args:
    model: an `ImprovedTDCN` whose configuration fits the checkpoint.
    reader: a `tf.train.load_checkpoint` reader (`get_tensor(name)`).
    shapes: its `get_variable_to_shape_map()` (read from `reader` if None).
    checkpoint_path: for error messages.

  Returns:
    The original names assigned.

  Raises:
    ValueError: variables of the model missing from the checkpoint, with a
      different shape, or checkpoint variables the model does not use.
  """
  if shapes is None:
    shapes = reader.get_variable_to_shape_map()
  decoders = [name for name in shapes if _DECODER_PATTERN.match(name)]
  decoder_name = decoders[0] if len(decoders) == 1 else DECODER_KERNEL
  name_map = original_name_map(model, decoder_name)
  missing, misshaped = _shape_errors(name_map, shapes)
  unused = sorted(name for name in shapes
                  if not is_ignored(name) and name not in name_map)
  if missing or misshaped or unused:
    lines = [f'The original checkpoint {checkpoint_path!r} does not fit '
             f'ImprovedTDCN({model.get_config()}).']
    if missing:
      lines.append(f'Missing variables ({len(missing)}): {missing}')
    if misshaped:
      lines.append(f'Mis-shaped variables ({len(misshaped)}): {misshaped}')
    if unused:
      lines.append(f'Checkpoint variables the model has no weight for '
                   f'({len(unused)}): {unused}')
    lines.append(
        'Check that the checkpoint is a complete TDCN++ of '
        'google-research/sound-separation, and pass overrides to '
        'load_original_checkpoint (e.g. num_dilations=..., '
        'skip_residuals=..., consistency=...) where the configuration differs.')
    raise ValueError('\n'.join(lines))
  for name, variable in name_map.items():
    variable.assign(reader.get_tensor(name))
  return sorted(name_map)


def load_original_checkpoint(checkpoint_path: str,
                             **overrides) -> tdcn.ImprovedTDCN:
  """Builds an `ImprovedTDCN` with the weights of an original checkpoint.

  Args:
    checkpoint_path: prefix of a TF1 checkpoint of google-research/
      sound-separation's TDCN++ (e.g. `<dir>/model.ckpt-3223090`), or the
      folder holding it.
    **overrides: `ImprovedTDCN` arguments that replace the inferred ones
      (e.g. `hop_samples`, `sample_rate`, `num_dilations`, `consistency`,
      `name`).

  Returns:
    The built model, every weight assigned.

  Raises:
    FileNotFoundError: no checkpoint at `checkpoint_path`.
    ValueError: the checkpoint is not an original TDCN++, or its variables
      do not fit the configuration (the message lists the missing and
      mis-shaped ones).
  """
  path = resolve_checkpoint_path(checkpoint_path)
  reader = tf.train.load_checkpoint(path)
  shapes = reader.get_variable_to_shape_map()
  config = infer_config(shapes)
  if 'num_dilations' in overrides and 'num_repeats' not in overrides:
    num_blocks = config['num_dilations'] * config['num_repeats']
    config['num_repeats'] = max(1, num_blocks // overrides['num_dilations'])
  config.update(overrides)
  logging.info('Loading original TDCN++ checkpoint %s as ImprovedTDCN(%s).',
               path, config)
  model = tdcn.ImprovedTDCN(**config)
  model.build()
  if model.stft is not None:
    num_inputs = shapes[INITIAL_DENSE_PREFIX + 'dense/kernel'][0]
    if num_inputs != model.stft.num_bins:
      raise ValueError(
          f'The checkpoint takes {num_inputs} STFT bins per frame but '
          f'{model.stft.fft_length}-point FFTs give {model.stft.num_bins}; '
          'pass the sample_rate and stft_window_seconds it was trained with.')
  assign_original_variables(model, reader, shapes, path)
  return model
