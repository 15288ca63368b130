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
"""Finding, parsing and saving gin configs.

Every binary parses gin the same way (after ddsp's `parse_gin`):
  1. the packaged config folder is added to gin's search path, so
     `--gin_file=papers/audioscope_v2/separable_sa_16fps.gin` resolves from a
     wheel as well as from a source checkout;
  2. the newest `operative_config-*.gin` of the model directory, if any, so a
     resumed job, evaluation and export see exactly the training config;
  3. the user's `--gin_file`s, then the `--gin_param` bindings.
"""

import glob
import importlib
import importlib.util
import logging as std_logging
import os
import re
from typing import Optional, Sequence

from absl import logging
import gin
from gin import config as gin_config
from gin import resource_reader as gin_resource_reader

OPERATIVE_CONFIG_PATTERN = 'operative_config-*.gin'


def gin_config_dir() -> str:
  """Returns the folder holding the packaged gin configs.

  Prefers the installed `audioscope_gin` package and falls back to the `gin/`
  folder of a source checkout.
  """
  spec = importlib.util.find_spec('audioscope_gin')
  if spec is not None and spec.submodule_search_locations:
    for path in spec.submodule_search_locations:
      if os.path.isdir(path):
        return path
  path = os.path.join(
      os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'gin')
  if not os.path.isdir(path):
    raise FileNotFoundError(
        'Cannot find the audioscope gin configs: neither the installed package '
        '`audioscope_gin` nor a source checkout folder `gin/` exists. '
        'Reinstall audioscope with `pip install .`.')
  return path


def list_gin_files(subdir: str = '') -> Sequence[str]:
  """All packaged gin files below `subdir`, relative to the config folder."""
  root = gin_config_dir()
  pattern = os.path.join(root, subdir, '**', '*.gin')
  return sorted(
      os.path.relpath(p, root) for p in glob.glob(pattern, recursive=True))


_SEARCH_PATHS_ADDED = set()


class _GinResourceProbeFilter(std_logging.Filter):
  """Drops gin's 'Path not found' errors of its package-resource probe.

  gin tries every file name as a Python package resource before its search
  paths and logs an ERROR for each miss, so every `include` of a packaged
  config printed a false error. Misses of real files still raise.
  """

  def filter(self, record: std_logging.LogRecord) -> bool:
    return not (record.msg == 'Path not found: %s' and
                record.module == 'resource_reader')


_PROBE_FILTER = _GinResourceProbeFilter()


def _package_resource_exists(config_path: str) -> bool:
  """gin's package-resource probe, False where gin's own raises TypeError.

  gin reads `demo/synthetic_demo.gin` as the resource `synthetic_demo.gin`
  of a package `demo` before it tries its search paths. A folder named like
  the config's first part (`demo/`, `training/`, `papers/`, ...) in the
  working directory or on `sys.path` is a namespace package without a file,
  and gin's probe then fails with "TypeError: expected str ... not NoneType"
  instead of moving on to the packaged configs.
  """
  try:
    return gin_resource_reader.system_path_file_exists(config_path)
  except TypeError:
    return False


def _guard_package_resource_probe() -> None:
  """Swaps gin's package-resource probe for `_package_resource_exists`."""
  # pylint: disable=protected-access
  readers = gin_config._FILE_READERS
  for index, (reader, exists) in enumerate(readers):
    if exists is gin_resource_reader.system_path_file_exists:
      readers[index] = (reader, _package_resource_exists)
  # pylint: enable=protected-access


def add_search_paths(extra_paths: Sequence[str] = ()) -> None:
  """Adds the packaged config folder (and any extra folders) to gin, once."""
  std_logging.getLogger().addFilter(_PROBE_FILTER)  # Idempotent.
  _guard_package_resource_probe()  # Idempotent.
  for path in [gin_config_dir(), *extra_paths]:
    if path not in _SEARCH_PATHS_ADDED:
      gin.add_config_file_search_path(path)
      _SEARCH_PATHS_ADDED.add(path)


def latest_operative_config(model_dir: str) -> Optional[str]:
  """The newest `operative_config-<step>.gin` in `model_dir`, or None."""
  paths = glob.glob(os.path.join(model_dir, OPERATIVE_CONFIG_PATTERN))
  if not paths:
    return None

  def _step(path):
    match = re.search(r'operative_config-(\d+)\.gin$', path)
    return int(match.group(1)) if match else -1

  return max(paths, key=_step)


# Modules whose import registers gin configurables. They are imported before
# any config is parsed: with `skip_unknown=True` a binding of a configurable
# that is not registered yet would otherwise be dropped silently (e.g. a model
# rebuilt for export with default sizes).
_CONFIGURABLE_MODULES = (
    'audioscope.model',
    'audioscope.data.pipeline',
    'audioscope.data.synthetic',
    'audioscope.training.train_lib',
    'audioscope.training.tasks',
    'audioscope.evaluation.evaluate_lib',
)


def register_configurables() -> None:
  """Imports every audioscope module that defines gin configurables."""
  for name in _CONFIGURABLE_MODULES:
    importlib.import_module(name)


def parse_gin(gin_files: Sequence[str] = (),
              gin_params: Sequence[str] = (),
              model_dir: Optional[str] = None,
              skip_unknown: bool = False,
              finalize: bool = False) -> None:
  """Parses gin in audioscope's order (see the module docstring).

  Args:
    gin_files: config files, absolute or relative to the packaged folder.
    gin_params: single bindings, e.g. `'ImprovedTDCN.num_sources = 8'`.
    model_dir: if it holds an operative config, that config is parsed first.
    skip_unknown: passed to gin: ignore bindings of unknown configurables.
    finalize: lock the config after parsing.
  """
  register_configurables()
  add_search_paths()
  if model_dir:
    operative = latest_operative_config(model_dir)
    if operative:
      logging.info('Restoring the operative gin config %s', operative)
      gin.parse_config_file(operative, skip_unknown=True)
  gin.parse_config_files_and_bindings(
      list(gin_files), list(gin_params), skip_unknown=skip_unknown,
      finalize_config=finalize)


def write_operative_config(model_dir: str, step: int) -> str:
  """Writes `operative_config-<step>.gin` to `model_dir`; returns its path."""
  os.makedirs(model_dir, exist_ok=True)
  path = os.path.join(model_dir, f'operative_config-{step}.gin')
  with open(path, 'w') as f:
    f.write(gin.operative_config_str())
  return path
