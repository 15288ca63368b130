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
"""The README keeps exactly two set-up commands, and CI runs the test one."""

import os
import re

import tensorflow as tf

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _read(name):
  with open(os.path.join(_ROOT, name)) as f:
    return f.read()


def _readme_commands():
  blocks = re.findall(r'```bash\n(.*?)```', _read('README.md'), re.S)
  return [b.strip() for b in blocks if b.strip().startswith('python3 -m venv')]


class ReadmeTest(tf.test.TestCase):

  def test_two_setup_commands(self):
    commands = _readme_commands()
    self.assertLen(commands, 2, msg=commands)
    for command in commands:
      self.assertNotIn('\n', command, msg='one line each')

  def test_ci_runs_the_readme_test_command(self):
    test_commands = [c for c in _readme_commands() if 'pytest' in c]
    self.assertLen(test_commands, 1)
    ci_lines = [l.strip() for l in _read('.ci/run').splitlines()]
    self.assertIn(test_commands[0], ci_lines)


if __name__ == '__main__':
  tf.test.main()
