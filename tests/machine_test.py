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
"""Tests for audioscope.machine."""

import json
import os
from unittest import mock

from absl.testing import parameterized
import tensorflow as tf

from audioscope import machine

# Two processors of a /proc/cpuinfo, trimmed; the second's lines must not
# override the first's.
_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 9B14
flags\t\t: fpu sse4_2 avx fma avx2 avx512f avx512bw avx512_vnni sha_ni
bogomips\t: 4800.00

processor\t: 1
model name\t: Something Else
flags\t\t: fpu amx_tile
"""


class MachineTest(parameterized.TestCase, tf.test.TestCase):

  def test_parse_cpuinfo_reads_the_first_processor(self):
    model, extensions = machine.parse_cpuinfo(_CPUINFO)
    self.assertEqual(model, 'AMD EPYC 9B14')
    self.assertEqual(extensions, ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f',
                                  'avx512bw', 'avx512_vnni'])

  @parameterized.named_parameters(
      ('empty', ''), ('no_model', 'flags\t: avx\n'),
      ('blank_model', 'model name\t:\nflags\t: avx\n'))
  def test_parse_cpuinfo_without_a_model(self, text):
    self.assertEqual(machine.parse_cpuinfo(text)[0], machine.UNKNOWN)

  def test_machine_info_uses_cpuinfo_and_is_json(self):
    path = os.path.join(self.create_tempdir().full_path, 'cpuinfo')
    with open(path, 'w') as f:
      f.write(_CPUINFO)
    with mock.patch.object(machine, 'CPUINFO_PATH', path):
      info = machine.machine_info()
    self.assertEqual(info['cpu_model'], 'AMD EPYC 9B14')
    self.assertIn('avx512f', info['cpu_vector_extensions'])
    self.assertEqual(info['cpu_count'], os.cpu_count())
    self.assertEqual(info['tensorflow'], tf.__version__)
    self.assertEqual(json.loads(json.dumps(info)), info)

  def test_machine_info_without_cpuinfo(self):
    missing = os.path.join(self.create_tempdir().full_path, 'missing')
    with mock.patch.object(machine, 'CPUINFO_PATH', missing):
      info = machine.machine_info()
    self.assertEqual(info['cpu_vector_extensions'], [])
    self.assertIsInstance(info['cpu_model'], str)

  def test_machine_info_records_the_numerics_environment(self):
    environment = {'ONEDNN_MAX_CPU_ISA': 'AVX2', 'TF_ENABLE_ONEDNN_OPTS': '0',
                   'UNRELATED': '1'}
    with mock.patch.dict(os.environ, environment, clear=True):
      info = machine.machine_info()
    self.assertEqual(info['numerics_environment'],
                     {'ONEDNN_MAX_CPU_ISA': 'AVX2',
                      'TF_ENABLE_ONEDNN_OPTS': '0'})
    self.assertEqual(
        machine.describe(info).split(', ')[-2:],
        ['ONEDNN_MAX_CPU_ISA=AVX2', 'TF_ENABLE_ONEDNN_OPTS=0'])
    with mock.patch.dict(os.environ, {}, clear=True):
      self.assertEqual(machine.machine_info()['numerics_environment'], {})

  @parameterized.named_parameters(
      ('avx512', ['avx', 'avx2', 'avx512f'], 'X, 2 CPUs, AVX-512, TF 2.15.1'),
      ('avx2', ['avx', 'avx2'], 'X, 2 CPUs, AVX2, TF 2.15.1'),
      ('unknown', [], 'X, 2 CPUs, TF 2.15.1'))
  def test_describe_names_the_widest_extension(self, extensions, expected):
    info = {'cpu_model': 'X', 'cpu_count': 2,
            'cpu_vector_extensions': extensions, 'tensorflow': '2.15.1'}
    self.assertEqual(machine.describe(info), expected)


if __name__ == '__main__':
  tf.test.main()
