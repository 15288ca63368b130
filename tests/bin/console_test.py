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
"""Every console script's --helpshort shows its usage and lists its flags."""

import ast
import os
import re
import subprocess
import sys

from absl.testing import parameterized
import tensorflow as tf

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

# Two flags each script must list: its own and, where it adopts a shared
# module's, one of those.
_EXPECTED_FLAGS = {
    'audioscope_train': ('--model_dir', '--gin_file'),
    'audioscope_eval': ('--calibrate_on', '--checkpoint'),
    'audioscope_export': ('--export_dir', '--calibration_curve'),
    'audioscope_separate': ('--input', '--saved_model'),
    'audioscope_calibrate': ('--off_screen', '--saved_model'),
    'audioscope_convert_checkpoint': ('--original', '--saved_model_dir'),
    'audioscope_demo': ('--output_dir', '--audioscope_steps'),
    'audioscope_make_synthetic': ('--output_dir', '--num_train'),
    'audioscope_make_mom_sets': ('--output_dir', '--frame_encoding'),
    'audioscope_make_yfcc_tfrecords': ('--clip_list', '--frame_encoding'),
    'audioscope_make_clip_lists': ('--video_root', '--output_dir'),
}


def _console_scripts():
  """{script: (module, function)} from setup.py's `_CONSOLE_SCRIPTS`."""
  with open(os.path.join(_ROOT, 'setup.py')) as f:
    tree = ast.parse(f.read())
  entries = [ast.literal_eval(node.value) for node in tree.body
             if isinstance(node, ast.Assign) and
             [t.id for t in node.targets] == ['_CONSOLE_SCRIPTS']][0]
  scripts = {}
  for entry in entries:
    name, target = (part.strip() for part in entry.split('='))
    scripts[name] = tuple(target.split(':'))
  return scripts


class ConsoleScriptHelpTest(parameterized.TestCase, tf.test.TestCase):

  def test_every_console_script_is_checked(self):
    self.assertCountEqual(_console_scripts(), _EXPECTED_FLAGS)

  @parameterized.named_parameters(
      (name, name) for name in sorted(_EXPECTED_FLAGS))
  def test_helpshort_lists_the_script_flags(self, name):
    module, function = _console_scripts()[name]
    # As installed: sys.argv[0] is the script's path, not the module.
    code = (f'import sys; sys.argv[0] = {f"/venv/bin/{name}"!r}; '
            f'import {module} as m; m.{function}()')
    process = subprocess.run(
        [sys.executable, '-c', code, '--helpshort'], capture_output=True,
        text=True, timeout=300, check=False, cwd=_ROOT)
    # absl's help flags print the help and exit with status 1.
    self.assertEqual(process.returncode, 1, msg=process.stderr)
    # The binary's docstring (its usage) comes first.
    docstring = subprocess.run(
        [sys.executable, '-c', f'import {module} as m; print(m.__doc__)'],
        capture_output=True, text=True, timeout=300, check=True,
        cwd=_ROOT).stdout.strip()
    self.assertIn(docstring.splitlines()[0], process.stdout)
    listed = set(re.findall(r'^\s+(--\w+)', process.stdout, re.M))
    for flag in _EXPECTED_FLAGS[name]:
      self.assertIn(flag, listed, msg=process.stdout)


if __name__ == '__main__':
  tf.test.main()
