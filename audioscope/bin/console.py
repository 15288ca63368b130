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
"""Running an absl binary as a console script (`audioscope_<name>`).

absl's --help and --helpshort list the key flags of the module named by
`sys.argv[0]`: for `python -m audioscope.bin.separate` that is the binary's
module, but for the installed console script it is the script's path
(`.venv/bin/audioscope_separate`), which defines no flag, so --help listed
none. `run` registers the binary's key flags (its own and those it adopts)
under that path too before `app.run`, and gives the script the binary's
docstring (its usage examples), which --help prints first.
"""

import sys
from typing import Any, Callable

from absl import app
from absl import flags


def run(main: Callable[..., Any], module_name: str) -> None:
  """`app.run(main)`, with --help listing the flags of `module_name`.

  Args:
    main: the binary's main function (`main(argv)`).
    module_name: the binary's module (`__name__`).
  """
  flag_values = flags.FLAGS
  script = sys.argv[0] if sys.argv else ''
  if script and script != module_name:
    for flag in flag_values.get_key_flags_for_module(module_name):
      flag_values.register_key_flag_for_module(script, flag)
  # --help starts with __main__'s docstring: the script wrapper has none.
  main_module = sys.modules.get('__main__')
  if main_module is not None and not main_module.__doc__:
    main_module.__doc__ = sys.modules[module_name].__doc__
  app.run(main)
