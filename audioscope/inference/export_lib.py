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
"""SavedModel export of audioscope models, and loading them back.

A trained model directory (checkpoints + `operative_config-<step>.gin`) is
turned into a SavedModel whose functions take float32 tensors of any batch
size and length (explicit `tf.TensorSpec`s: a float64 input fails loudly
instead of with "Could not find matching function"):

* `serving_default` (AudioScopeV2 only): `audio` float32 `[batch, samples]`,
  `frames` float32 `[batch, T, H, W, 3]` in [0, 1] ->
  `sources [batch, M, samples]`, `logits [batch, M]` (raw),
  `probabilities [batch, M]` (sigmoid(logits + theta), the stored
  calibration offset), `on_screen`, `off_screen` `[batch, samples]`.
* `separate`: the original sound-separation interface,
  `receiver_audio` float32 `[batch, 1, samples]` ->
  `denoised_waveforms [batch, M, samples]` (mixture-consistent).
* `metadata`: no input -> `sample_rate`, `frame_rate`, `frame_height`,
  `frame_width`, `num_sources`, `audio_visual`, `calibration_offset`,
  `clip_seconds` (the training clip length: `audioscope_separate` windows
  long inputs by it), `audioscope_version`, `format_version`. Exports made
  before `clip_seconds` existed load with the paper's 5 s.

The same constants are variables of the saved module and are written to
`<export_dir>/audioscope_export.json`. `load_saved_model` checks
`format_version` and raises `IncompatibleSavedModelError` for an export of
another format.

The JSON file may also hold `calibration_curve`, the median OSR and SNR an
evaluation measured for a grid of offsets theta (`audioscope_export
--calibration_curve=<eval dir>/osr_snr_curve.csv`): with it a user picks the
operating point by OSR (`audioscope_separate --target_osr_db=10`) without
the evaluation data (`InferenceModel.offset_for_osr`).

Example:

  export_lib.export_from_model_dir('/tmp/run', '/tmp/run/export',
                                   checkpoint='best')
  model = export_lib.load_saved_model('/tmp/run/export')
  outputs = model(audio, frames)   # NumPy in, dict of NumPy out.
"""

import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope import version
from audioscope.evaluation import calibration
from audioscope.training import train_lib

# Bump when the signatures or the metadata change incompatibly.
FORMAT_VERSION = 1
METADATA_FILE = 'audioscope_export.json'
SERVING_SIGNATURE = 'serving_default'
SEPARATE_SIGNATURE = 'separate'
METADATA_SIGNATURE = 'metadata'
DEFAULT_FRAME_SIZE = (128, 128)
# The papers' training clip length, for configs and exports that do not say.
DEFAULT_CLIP_SECONDS = 5.0
# The training pipelines whose gin bindings say the clip length (and the
# frame size, rates) a model was trained on, most specific first.
TRAINING_PIPELINES = (
    'train/non_dataset', 'train/semi_supervised_dataset', 'non_dataset',
    'semi_supervised_dataset', 'train/audio_mixit_dataset',
    'audio_mixit_dataset')
BEST_DIR = 'best'

AUDIO_SPEC = tf.TensorSpec([None, None], tf.float32, name='audio')
FRAMES_SPEC = tf.TensorSpec([None, None, None, None, 3], tf.float32,
                            name='frames')
RECEIVER_AUDIO_SPEC = tf.TensorSpec([None, 1, None], tf.float32,
                                    name='receiver_audio')
OUTPUT_KEYS = ('sources', 'logits', 'probabilities', 'on_screen',
               'off_screen')


class IncompatibleSavedModelError(ValueError):
  """The SavedModel is not an audioscope export of this format version."""


# ----------------------------- The module -----------------------------------


def _is_audio_visual(model: tf.Module) -> bool:
  return hasattr(model, 'separator') and hasattr(model, 'classifier')


class ExportModule(tf.Module):
  """A `tf.Module` holding a model and its serving functions.

  The model's variables are created before (`build_model_variables`).

  Attributes:
    model: the AudioScopeV2 (audio-visual) or a bare separator (audio-only);
      not saved itself, only `model_variables` are.
    serve: (audio-visual only) tf.function `(audio, frames) -> dict`.
    separate: tf.function `receiver_audio -> {'denoised_waveforms'}`.
    metadata: tf.function `() -> dict` of the constants.
  """

  def __init__(self, model: tf.Module, sample_rate: int, frame_rate: float,
               frame_size: Tuple[int, int], num_sources: int,
               clip_seconds: float = DEFAULT_CLIP_SECONDS):
    super().__init__(name='audioscope_export')
    # The Keras objects are kept out of the saved object graph (only their
    # variables are saved): serialising every Keras layer would trace each
    # layer's call and make export and loading many times slower.
    object.__setattr__(self, 'model', model)
    self.audio_visual_model = _is_audio_visual(model)
    object.__setattr__(self, 'separator',
                       model.separator if self.audio_visual_model else model)
    self.model_variables = list(model.variables)
    self.sample_rate = tf.Variable(int(sample_rate), dtype=tf.int32,
                                   trainable=False, name='sample_rate')
    self.frame_rate = tf.Variable(float(frame_rate), dtype=tf.float32,
                                  trainable=False, name='frame_rate')
    self.frame_size = tf.Variable([int(s) for s in frame_size],
                                  dtype=tf.int32, trainable=False,
                                  name='frame_size')
    self.num_sources = tf.Variable(int(num_sources), dtype=tf.int32,
                                   trainable=False, name='num_sources')
    self.audio_visual = tf.Variable(self.audio_visual_model, dtype=tf.bool,
                                    trainable=False, name='audio_visual')
    self.clip_seconds = tf.Variable(float(clip_seconds), dtype=tf.float32,
                                    trainable=False, name='clip_seconds')
    self.audioscope_version = tf.Variable(version.__version__,
                                          dtype=tf.string, trainable=False,
                                          name='audioscope_version')
    self.format_version = tf.Variable(FORMAT_VERSION, dtype=tf.int32,
                                      trainable=False, name='format_version')
    self.separate = tf.function(self._separate,
                                input_signature=[RECEIVER_AUDIO_SPEC])
    self.metadata = tf.function(self._metadata, input_signature=[])
    if self.audio_visual_model:
      self.serve = tf.function(self._serve,
                               input_signature=[AUDIO_SPEC, FRAMES_SPEC])

  def _calibration_offset(self) -> tf.Tensor:
    if self.audio_visual_model:
      return tf.identity(self.model.classifier.calibration_offset)
    return tf.constant(0.0)

  def _serve(self, audio, frames):
    outputs = self.model({'audio': audio, 'frames': frames}, training=False)
    return {key: tf.identity(outputs[key], name=key) for key in OUTPUT_KEYS}

  def _separate(self, receiver_audio):
    sources = self.separator(receiver_audio[:, 0, :], training=False)
    return {'denoised_waveforms': tf.identity(sources,
                                              name='denoised_waveforms')}

  def _metadata(self):
    return {
        'sample_rate': tf.identity(self.sample_rate),
        'frame_rate': tf.identity(self.frame_rate),
        'frame_height': self.frame_size[0],
        'frame_width': self.frame_size[1],
        'num_sources': tf.identity(self.num_sources),
        'audio_visual': tf.identity(self.audio_visual),
        'calibration_offset': self._calibration_offset(),
        'clip_seconds': tf.identity(self.clip_seconds),
        'audioscope_version': tf.identity(self.audioscope_version),
        'format_version': tf.identity(self.format_version),
    }

  def signatures(self) -> Dict[str, Any]:
    """The concrete functions to save as signatures."""
    signatures = {
        SEPARATE_SIGNATURE: self.separate.get_concrete_function(),
        METADATA_SIGNATURE: self.metadata.get_concrete_function(),
    }
    if self.audio_visual_model:
      signatures[SERVING_SIGNATURE] = self.serve.get_concrete_function()
    else:
      # Audio-only exports serve the separation by default.
      signatures[SERVING_SIGNATURE] = signatures[SEPARATE_SIGNATURE]
    return signatures


# ----------------------------- Constants ------------------------------------


def _gin_value(binding: str):
  """The value bound to a gin parameter or macro (`%name`), else None."""
  try:
    value = gin.query_parameter(binding)
  except (ValueError, KeyError):
    return None
  if isinstance(value, gin.config.ConfigurableReference):
    if not value.evaluate:
      return None  # A function (`@name`), not a constant.
    value = value.scoped_configurable_fn()  # `%name` or `@name()`: its value.
  return value


def _gin_macro(name: str):
  return _gin_value(f'%{name}')


def _gin_training_value(parameter: str):
  """A parameter of the training pipeline in the parsed config, or None."""
  for pipeline in TRAINING_PIPELINES:
    value = _gin_value(f'{pipeline}.{parameter}')
    if value is not None:
      return value
  return None


def model_constants(model: tf.Module,
                    sample_rate: Optional[int] = None,
                    frame_rate: Optional[float] = None,
                    frame_size: Optional[Sequence[int]] = None,
                    num_sources: Optional[int] = None,
                    clip_seconds: Optional[float] = None) -> Dict[str, Any]:
  """sample_rate, frame_rate, frame_size, num_sources, clip_seconds.

  Each comes from, in order: the argument, the model's attribute of that
  name, the gin macro (`%sample_rate`, ...), the training pipeline's binding
  of that name in the parsed gin config (`TRAINING_PIPELINES`, e.g.
  `non_dataset.frame_size`), the default (16000 Hz, 16 FPS, 128 x 128, 5 s
  clips as in the papers; num_sources has no default). `clip_seconds` is the
  training clip length, the window `separate_lib` runs long inputs in.

  Raises:
    ValueError: a value cannot be found or is not positive.
  """
  defaults = {'sample_rate': 16000, 'frame_rate': 16.0,
              'frame_size': DEFAULT_FRAME_SIZE, 'num_sources': None,
              'clip_seconds': DEFAULT_CLIP_SECONDS}
  given = {'sample_rate': sample_rate, 'frame_rate': frame_rate,
           'frame_size': frame_size, 'num_sources': num_sources,
           'clip_seconds': clip_seconds}
  constants = {}
  for name, value in given.items():
    for candidate in (value, getattr(model, name, None), _gin_macro(name),
                      _gin_training_value(name)):
      if candidate is not None:
        constants[name] = candidate
        break
    else:
      if defaults[name] is not None:
        logging.info('Neither the arguments nor the gin config say the '
                     "model's %s; the export assumes %s.", name,
                     defaults[name])
        constants[name] = defaults[name]
      else:
        raise ValueError(
            f'Cannot tell the {name} of the model: pass {name}=... to the '
            'export.')
  constants['sample_rate'] = int(constants['sample_rate'])
  constants['frame_rate'] = float(constants['frame_rate'])
  constants['num_sources'] = int(constants['num_sources'])
  try:
    frame_size = tuple(int(s) for s in constants['frame_size'])
  except TypeError:
    frame_size = ()
  if len(frame_size) != 2 or min(frame_size) <= 0:
    raise ValueError(f'frame_size must be (height, width) > 0, got '
                     f'{constants["frame_size"]!r}.')
  constants['frame_size'] = frame_size
  constants['clip_seconds'] = float(constants['clip_seconds'])
  for name in ('sample_rate', 'frame_rate', 'num_sources', 'clip_seconds'):
    if constants[name] <= 0:
      raise ValueError(f'{name} must be > 0, got {constants[name]}.')
  return constants


def build_model_variables(model: tf.Module, constants: Dict[str, Any],
                          seconds: float = 0.5) -> None:
  """Creates the variables of a model by one call on silent inputs."""
  num_samples = max(int(round(seconds * constants['sample_rate'])), 1)
  audio = tf.zeros([1, num_samples])
  if _is_audio_visual(model):
    num_frames = max(int(round(seconds * constants['frame_rate'])), 1)
    height, width = constants['frame_size']
    model({'audio': audio, 'frames': tf.zeros([1, num_frames, height, width,
                                               3])}, training=False)
  else:
    model(audio, training=False)


# ------------------------------- Export -------------------------------------


def export_saved_model(model: tf.Module,
                       export_dir: str,
                       sample_rate: Optional[int] = None,
                       frame_rate: Optional[float] = None,
                       frame_size: Optional[Sequence[int]] = None,
                       num_sources: Optional[int] = None,
                       calibration_offset: Optional[float] = None,
                       extra_metadata: Optional[Dict[str, Any]] = None,
                       clip_seconds: Optional[float] = None,
                       calibration_curve: Optional[Sequence[
                           calibration.CurvePoint]] = None) -> str:
  """Writes an in-memory model as a SavedModel (see the module docstring).

  Args:
    model: an `AudioScopeV2` (exports all three signatures) or a separator
      such as `ImprovedTDCN` (`audio [batch, samples] -> [batch, M, samples]`;
      exports `separate` and `metadata`, `serving_default` = `separate`).
    export_dir: output folder (created; an existing SavedModel is replaced).
    sample_rate: Hz; default: the model's attribute or gin macro.
    frame_rate: FPS; default likewise.
    frame_size: (height, width) of the frames; default likewise, else
      128 x 128.
    num_sources: M; default likewise.
    calibration_offset: if given, theta is set to it before the export
      (AudioScopeV2 only); otherwise the model's stored theta is used.
    extra_metadata: JSON-serialisable facts added to the JSON file (e.g. the
      checkpoint exported).
    clip_seconds: the training clip length, the window in which
      `separate_lib` runs long inputs; default: the gin config's, else 5 s.
    calibration_curve: `calibration.CurvePoint`s measured for this model
      (AudioScopeV2 only), stored in the JSON file.

  Returns:
    `export_dir`.

  Raises:
    ValueError: missing constants, or a calibration offset or curve for an
      audio-only model.
  """
  constants = model_constants(model, sample_rate, frame_rate, frame_size,
                              num_sources, clip_seconds)
  if calibration_offset is not None:
    if not _is_audio_visual(model):
      raise ValueError('calibration_offset applies to AudioScopeV2 models '
                       'only; this model is an audio-only separator.')
    model.classifier.set_calibration_offset(calibration_offset)
  if calibration_curve is not None and not _is_audio_visual(model):
    raise ValueError('A calibration curve applies to AudioScopeV2 models '
                     'only; this model is an audio-only separator.')
  build_model_variables(model, constants)
  module = ExportModule(model, **constants)
  tf.io.gfile.makedirs(export_dir)
  tf.saved_model.save(module, export_dir, signatures=module.signatures())
  metadata = {key: _to_python(value)
              for key, value in module.metadata().items()}
  metadata.update(extra_metadata or {})
  if calibration_curve is not None:
    metadata['calibration_curve'] = curve_to_json(calibration_curve)
  with tf.io.gfile.GFile(os.path.join(export_dir, METADATA_FILE), 'w') as f:
    json.dump(metadata, f, indent=2)
  logging.info('Exported %s to %s: %s', type(model).__name__, export_dir,
               {key: value for key, value in metadata.items()
                if key != 'calibration_curve'})
  return export_dir


def curve_to_json(curve: Sequence[calibration.CurvePoint]
                 ) -> Dict[str, Any]:
  """{'theta': [...], 'median_osr_db': [...], 'median_snr_db': [...]}."""
  if not curve:
    raise ValueError('The calibration curve is empty.')
  points = sorted(curve, key=lambda point: point.theta)
  return {name: [float(getattr(point, name)) for point in points]
          for name in calibration.CURVE_COLUMNS}


def curve_from_json(data: Optional[Dict[str, Any]]
                   ) -> Optional[List[calibration.CurvePoint]]:
  """The inverse of `curve_to_json`; None stays None."""
  if data is None:
    return None
  columns = [data[name] for name in calibration.CURVE_COLUMNS]
  return [calibration.CurvePoint(*map(float, values))
          for values in zip(*columns)]


def _to_python(value):
  value = value.numpy() if hasattr(value, 'numpy') else value
  if isinstance(value, bytes):
    return value.decode()
  if isinstance(value, np.generic):
    return value.item()
  return value


def resolve_checkpoint(model_dir: str, checkpoint: str = 'latest') -> str:
  """A checkpoint prefix from 'latest', 'best' or a prefix / folder.

  Raises:
    FileNotFoundError: nothing to restore, with what was looked for.
  """
  if checkpoint in ('latest', 'best'):
    folder = model_dir if checkpoint == 'latest' else os.path.join(
        model_dir, BEST_DIR)
    prefix = tf.train.latest_checkpoint(folder)
    if prefix is None:
      raise FileNotFoundError(
          f'No {checkpoint} checkpoint in {folder!r}. Train first, or pass '
          '--checkpoint=<prefix> (e.g. <model_dir>/ckpt-1000).')
    return prefix
  if tf.io.gfile.isdir(checkpoint):
    prefix = tf.train.latest_checkpoint(checkpoint)
    if prefix is None:
      raise FileNotFoundError(f'No checkpoint in the folder {checkpoint!r}.')
    return prefix
  if not tf.io.gfile.exists(checkpoint + '.index'):
    raise FileNotFoundError(
        f'Checkpoint {checkpoint!r} not found (no {checkpoint}.index); pass '
        "'latest', 'best' or a prefix such as <model_dir>/ckpt-1000.")
  return checkpoint


def _operative_config_text(model_dir: str) -> str:
  path = gin_utils.latest_operative_config(model_dir)
  if path is None:
    return ''
  with tf.io.gfile.GFile(path) as f:
    return f.read()


@gin.configurable(denylist=['model_dir'])
def build_model(model_dir: Optional[str] = None,
                model_type: str = 'auto') -> tf.keras.Model:
  """Builds the (untrained) model the parsed gin config describes.

  Args:
    model_dir: its operative config decides `model_type='auto'`.
    model_type: 'audioscope_v2', 'separator' or 'auto' (AudioScopeV2 when
      the operative config configures `AudioScopeV2`, else the separator).

  Returns:
    An `AudioScopeV2` or an `ImprovedTDCN`, built from gin.
  """
  if model_type == 'auto':
    text = _operative_config_text(model_dir) if model_dir else ''
    if 'AudioScopeV2.' in text or 'ImprovedTDCN.' not in text:
      model_type = 'audioscope_v2'
    else:
      model_type = 'separator'
  if model_type == 'audioscope_v2':
    from audioscope import model as model_lib  # pylint: disable=g-import-not-at-top
    return model_lib.AudioScopeV2()
  if model_type == 'separator':
    from audioscope import separation  # pylint: disable=g-import-not-at-top
    return separation.ImprovedTDCN()
  raise ValueError(f"model_type must be 'auto', 'audioscope_v2' or "
                   f"'separator', got {model_type!r}.")


def restore_model(model_dir: str,
                  checkpoint: str = 'latest',
                  gin_files: Sequence[str] = (),
                  gin_params: Sequence[str] = (),
                  model_type: str = 'auto',
                  **constant_overrides
                  ) -> Tuple[tf.keras.Model, str, Dict[str, Any]]:
  """Rebuilds a trained model from its model directory.

  Parses the model dir's operative gin config (plus `gin_files` and
  `gin_params`), builds the model, creates its variables and restores the
  checkpoint's `model` object (`tf.train.Checkpoint(model=...)`, as
  `train_lib` writes; the optimizer and iterator are ignored).

  Args:
    model_dir: the training folder.
    checkpoint: 'latest', 'best' (`model_dir/best`) or a prefix / folder.
    gin_files: more gin files, parsed after the operative config.
    gin_params: more bindings.
    model_type: see `build_model`.
    **constant_overrides: sample_rate, frame_rate, frame_size, num_sources,
      clip_seconds for `model_constants` (e.g. a frame_size the config does
      not name). Where not given, the clip length and frame size come from
      the shapes of the training batches that `train_lib` recorded in
      `model_dir/training_data.json`, then from the gin config.

  Returns:
    (model, the checkpoint prefix restored, the constants of
    `model_constants`).

  Raises:
    FileNotFoundError: no model dir, operative config or checkpoint.
    ValueError: the checkpoint does not fit the model.
  """
  if not tf.io.gfile.isdir(model_dir):
    raise FileNotFoundError(f'Model directory {model_dir!r} does not exist.')
  if gin_utils.latest_operative_config(model_dir) is None and not gin_files:
    raise FileNotFoundError(
        f'{model_dir!r} has no operative_config-<step>.gin; pass the gin '
        'files of the training run with --gin_file.')
  prefix = resolve_checkpoint(model_dir, checkpoint)
  gin.clear_config()
  gin_utils.parse_gin(gin_files, gin_params, model_dir=model_dir,
                      skip_unknown=True)
  model = build_model(model_dir=model_dir, model_type=model_type)
  constants = model_constants(model, **_recorded_constants(
      model, model_dir, constant_overrides))
  build_model_variables(model, constants)
  status = tf.train.Checkpoint(model=model).read(prefix)
  status.expect_partial()
  try:
    status.assert_existing_objects_matched()
  except AssertionError as e:
    raise ValueError(
        f'The checkpoint {prefix!r} does not hold every variable of the '
        f'{type(model).__name__} built from the gin config of {model_dir!r} '
        f'({e}). Export with the gin config of the run that wrote it.'
    ) from e
  logging.info('Restored %s from %s.', type(model).__name__, prefix)
  return model, prefix, constants


def _recorded_constants(model: tf.Module, model_dir: str,
                        overrides: Dict[str, Any]) -> Dict[str, Any]:
  """`overrides` plus clip_seconds and frame_size from training_data.json."""
  overrides = {k: v for k, v in overrides.items() if v is not None}
  facts = train_lib.read_training_data(model_dir)
  if not facts:
    return overrides
  from_config = model_constants(model, **overrides)
  recorded = {}
  if 'frame_size' in facts and _is_audio_visual(model):
    recorded['frame_size'] = tuple(facts['frame_size'])
  if 'audio_samples' in facts:
    recorded['clip_seconds'] = (facts['audio_samples'] /
                                from_config['sample_rate'])
  for name, value in recorded.items():
    if name not in overrides and value != from_config[name]:
      logging.info('The training batches of %s had %s %s (%s); the gin '
                   'config says %s.', model_dir, name, value,
                   train_lib.TRAINING_DATA_JSON, from_config[name])
  return {**recorded, **overrides}


def export_from_model_dir(model_dir: str,
                          export_dir: Optional[str] = None,
                          checkpoint: str = 'latest',
                          gin_files: Sequence[str] = (),
                          gin_params: Sequence[str] = (),
                          calibration_offset: Optional[float] = None,
                          model_type: str = 'auto',
                          frame_size: Optional[Sequence[int]] = None,
                          clip_seconds: Optional[float] = None,
                          calibration_curve: Optional[str] = None,
                          target_osr_db: Optional[float] = None) -> str:
  """Restores a model dir's checkpoint and exports it (`audioscope_export`).

  Args:
    model_dir: the training folder.
    export_dir: output folder; default `<model_dir>/export/<checkpoint
      name>`.
    checkpoint: 'latest', 'best' or a prefix.
    gin_files: see `restore_model`.
    gin_params: see `restore_model`.
    calibration_offset: theta to store (default: the checkpoint's).
    model_type: see `build_model`.
    frame_size: (height, width) of the model's frames when the gin config
      has no `%frame_size` macro (default 128 x 128).
    clip_seconds: the training clip length when the gin config does not
      bind it (see `model_constants`).
    calibration_curve: an `osr_snr_curve.csv` that `audioscope_eval` wrote
      for this checkpoint, stored with the export (see the module
      docstring).
    target_osr_db: store the theta at which that curve reaches this median
      OSR (instead of `calibration_offset`).

  Returns:
    The export folder.

  Raises:
    ValueError: both `calibration_offset` and `target_osr_db`, or
      `target_osr_db` without a curve or outside its range.
  """
  curve, extra = None, {'checkpoint': None, 'model_dir': model_dir}
  if target_osr_db is not None:
    if calibration_offset is not None:
      raise ValueError('Pass calibration_offset or target_osr_db, not both.')
    if not calibration_curve:
      raise ValueError(
          'target_osr_db needs the curve it is read from: pass '
          'calibration_curve=<audioscope_eval output_dir>/osr_snr_curve.csv.')
  if calibration_curve:
    curve = calibration.read_curve_csv(calibration_curve)
    extra['calibration_curve_file'] = calibration_curve
    if target_osr_db is not None:
      calibration_offset, snr = calibration.offset_for_osr(curve,
                                                           target_osr_db)
      extra['target_osr_db'] = float(target_osr_db)
      logging.info('Theta %.4f gives %.2f dB median OSR on the curve (median '
                   'SNR %.2f dB there).', calibration_offset, target_osr_db,
                   snr)
  model, prefix, constants = restore_model(model_dir, checkpoint, gin_files,
                                           gin_params, model_type,
                                           frame_size=frame_size,
                                           clip_seconds=clip_seconds)
  if export_dir is None:
    export_dir = os.path.join(model_dir, 'export', os.path.basename(prefix))
  extra['checkpoint'] = prefix
  return export_saved_model(
      model, export_dir, calibration_offset=calibration_offset,
      extra_metadata=extra, calibration_curve=curve, **constants)


# ------------------------------- Loading ------------------------------------


class InferenceModel:
  """NumPy-in / NumPy-out access to an export module or a loaded SavedModel.

  Attributes:
    sample_rate, frame_rate, frame_size, num_sources, audio_visual,
    calibration_offset, clip_seconds, audioscope_version, format_version:
      the metadata (`clip_seconds`: 5 s for exports older than it).
    calibration_curve: the `calibration.CurvePoint`s stored with the export,
      or None.
  """

  def __init__(self, module: Any, source: str = ''):
    self.module = module
    self.source = source
    metadata = {key: _to_python(value)
                for key, value in module.metadata().items()}
    self.metadata = metadata
    self.sample_rate = int(metadata['sample_rate'])
    self.frame_rate = float(metadata['frame_rate'])
    self.frame_size = (int(metadata['frame_height']),
                       int(metadata['frame_width']))
    self.num_sources = int(metadata['num_sources'])
    self.audio_visual = bool(metadata['audio_visual'])
    self.calibration_offset = float(metadata['calibration_offset'])
    self.clip_seconds = float(metadata.get('clip_seconds',
                                           DEFAULT_CLIP_SECONDS))
    self.audioscope_version = metadata['audioscope_version']
    self.format_version = int(metadata['format_version'])
    self.calibration_curve = None

  def offset_for_osr(self, target_osr_db: float) -> Tuple[float, float]:
    """(theta, expected median SNR) for a median OSR, from the stored curve.

    Raises:
      ValueError: the export has no curve, or the target is outside it.
    """
    if not self.calibration_curve:
      raise ValueError(
          f'{self.source or "This model"} has no calibration curve, so an OSR '
          'target cannot be turned into an offset. Re-export it with '
          'audioscope_export --calibration_curve=<audioscope_eval '
          'output_dir>/osr_snr_curve.csv, or give the offset itself '
          '(--calibration_offset).')
    return calibration.offset_for_osr(self.calibration_curve, target_osr_db)

  def __call__(self, audio: np.ndarray,
               frames: np.ndarray) -> Dict[str, np.ndarray]:
    """audio `[batch, samples]`, frames `[batch, T, H, W, 3]` in [0, 1]."""
    if not self.audio_visual:
      raise ValueError(
          f'{self.source or "This model"} is an audio-only separator; call '
          '.separate(audio) instead.')
    outputs = self.module.serve(tf.constant(audio, tf.float32),
                                tf.constant(frames, tf.float32))
    return {key: value.numpy() for key, value in outputs.items()}

  def separate(self, audio: np.ndarray) -> np.ndarray:
    """audio `[batch, samples]` -> sources `[batch, M, samples]`."""
    audio = np.asarray(audio, np.float32)
    if audio.ndim != 2:
      raise ValueError(f'audio must be [batch, samples], got {audio.shape}.')
    outputs = self.module.separate(tf.constant(audio[:, np.newaxis, :]))
    return outputs['denoised_waveforms'].numpy()


def from_model(model: tf.Module, **constants) -> InferenceModel:
  """An `InferenceModel` over an in-memory model (no SavedModel written)."""
  constants = model_constants(model, **constants)
  build_model_variables(model, constants)
  return InferenceModel(ExportModule(model, **constants),
                        source=type(model).__name__)


def load_saved_model(export_dir: str) -> InferenceModel:
  """Loads an audioscope SavedModel and checks its format version.

  Args:
    export_dir: a folder written by `export_saved_model`, or a folder whose
      `saved_model` subfolder is one (the demo's `export` folder).

  Returns:
    An `InferenceModel`.

  Raises:
    FileNotFoundError: no SavedModel there.
    IncompatibleSavedModelError: not an audioscope export, or one of another
      format version.
  """
  nested = os.path.join(export_dir, 'saved_model')
  if (not tf.io.gfile.exists(os.path.join(export_dir, 'saved_model.pb')) and
      tf.io.gfile.exists(os.path.join(nested, 'saved_model.pb'))):
    logging.info('Loading the SavedModel in %s.', nested)
    export_dir = nested
  if not tf.io.gfile.exists(os.path.join(export_dir, 'saved_model.pb')):
    raise FileNotFoundError(
        f'No SavedModel in {export_dir!r} (no saved_model.pb); export one '
        'with audioscope_export --model_dir=... --export_dir=....')
  json_path = os.path.join(export_dir, METADATA_FILE)
  stored = {}
  if tf.io.gfile.exists(json_path):
    with tf.io.gfile.GFile(json_path) as f:
      stored = json.load(f)
    _check_format(stored, export_dir)
  loaded = tf.saved_model.load(export_dir)
  if not all(hasattr(loaded, name) for name in ('metadata', 'separate',
                                                'format_version')):
    raise IncompatibleSavedModelError(
        f'{export_dir!r} is not an audioscope SavedModel (it has no metadata '
        'and separate functions); export the model with audioscope_export.')
  model = InferenceModel(loaded, source=export_dir)
  _check_format(model.metadata, export_dir)
  model.calibration_curve = curve_from_json(stored.get('calibration_curve'))
  return model


def _check_format(metadata: Dict[str, Any], export_dir: str) -> None:
  found = metadata.get('format_version')
  if found != FORMAT_VERSION:
    raise IncompatibleSavedModelError(
        f'The SavedModel {export_dir!r} has export format version {found} '
        f'(written by audioscope {metadata.get("audioscope_version")}); this '
        f'audioscope {version.__version__} reads format version '
        f'{FORMAT_VERSION}. Re-export it from its checkpoint with this '
        'version (audioscope_export), or use the audioscope version that '
        'wrote it.')
