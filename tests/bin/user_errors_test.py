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
"""Tests for audioscope.bin.user_errors and the binaries' one-line exits."""

import os
import subprocess
import sys

from absl.testing import parameterized
import gin
import tensorflow as tf

from audioscope.bin import user_errors


class ExitOnTest(tf.test.TestCase):

  def test_listed_errors_become_one_line_exits(self):
    with self.assertRaises(SystemExit) as raised:
      with user_errors.exit_on('tool'):
        raise FileNotFoundError("The folder '/x' does not exist.")
    self.assertEqual(str(raised.exception),
                     "tool: The folder '/x' does not exist.")
    with self.assertRaises(SystemExit) as raised:
      with user_errors.exit_on('tool'):
        tf.io.gfile.GFile('/no/such/file').read()
    self.assertStartsWith(str(raised.exception), 'tool: ')
    self.assertIn('/no/such/file', str(raised.exception))
    self.assertNotIn('Traceback', str(raised.exception))

  def test_other_errors_keep_their_type(self):
    with self.assertRaisesRegex(ZeroDivisionError, 'division'):
      with user_errors.exit_on('tool'):
        _ = 1 / 0
    # ValueError is a configuration error only where gin is parsed.
    with self.assertRaisesRegex(ValueError, 'bad value'):
      with user_errors.exit_on('tool'):
        raise ValueError('bad value')
    with self.assertRaises(SystemExit):
      with user_errors.exit_on('tool', user_errors.config_errors()):
        raise ValueError('bad value')

  def test_gin_context_keeps_the_configurable_names_only(self):

    @gin.configurable('exit_on_test_fn')
    def fn(path=None):
      raise FileNotFoundError(f'No file {path!r}.')

    with gin.unlock_config():
      gin.parse_config("exit_on_test_fn.path = '/nowhere'")
    try:
      with self.assertRaises(SystemExit) as raised:
        with user_errors.exit_on('tool'):
          fn()  # pylint: disable=no-value-for-parameter
    finally:
      gin.clear_config()
    message = str(raised.exception)
    self.assertStartsWith(message, "tool: No file '/nowhere'.")
    self.assertIn("In call to configurable 'exit_on_test_fn'", message)
    self.assertNotIn('0x', message)
    self.assertNotIn('<function', message)


class BinariesTest(parameterized.TestCase, tf.test.TestCase):
  """Each binary in its own process: they define flags of the same names."""

  @parameterized.named_parameters(
      ('evaluate', 'evaluate', 'audioscope_eval', 'output_dir'),
      ('export', 'export', 'audioscope_export', 'export_dir'),
  )
  def test_a_missing_model_dir_ends_in_one_line(self, module, tool,
                                                output_flag):
    missing = os.path.join(self.create_tempdir().full_path, 'no_model')
    process = subprocess.run(
        [sys.executable, '-m', f'audioscope.bin.{module}',
         f'--model_dir={missing}',
         f'--{output_flag}={self.create_tempdir().full_path}'],
        capture_output=True, text=True, timeout=300, check=False)
    self.assertEqual(process.returncode, 1, msg=process.stderr)
    self.assertNotIn('Traceback', process.stderr)
    self.assertEqual(process.stderr.strip().splitlines()[-1],
                     f"{tool}: Model directory '{missing}' does not exist.")


if __name__ == '__main__':
  tf.test.main()
