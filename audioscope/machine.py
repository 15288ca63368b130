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
"""The machine a result was measured on, recorded beside the result.

With `train.deterministic_ops` a rerun gives the same model bit for bit on
the same kind of machine, but not on another CPU: oneDNN, the library behind
TensorFlow's CPU matrix products and convolutions, picks its kernels by the
CPU's instruction set at run time, and they round differently. So the
demo's numbers on two CPU models are two draws of the same recipe
(docs/findings.md, "Reproducible on one CPU model"), and `demo_summary.json`
and every benchmark's JSON record the CPU model and its vector extensions.

  machine.machine_info()
  # {'platform': 'Linux-...', 'python': '3.11.7', 'cpu_model': 'AMD EPYC',
  #  'cpu_vector_extensions': ['avx', 'avx2', 'fma', 'avx512f', ...],
  #  'cpu_count': 2, 'numerics_environment': {}, 'tensorflow': '2.15.1'}
"""

import os
import platform
import sys
from typing import Any, Dict, List, Tuple

CPUINFO_PATH = '/proc/cpuinfo'
# The x86 extensions that decide which kernels TensorFlow's CPU build runs
# (`cpu_feature_guard` names the same ones), in the order printed.
VECTOR_EXTENSIONS = ('sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw',
                     'avx512_vnni', 'avx512_bf16', 'amx_tile', 'amx_bf16')
UNKNOWN = 'unknown'
# Environment variables that change which CPU kernels TensorFlow runs, and
# so the numbers (docs/findings.md, "Reproducible on one CPU model").
NUMERICS_ENVIRONMENT = ('TF_ENABLE_ONEDNN_OPTS', 'ONEDNN_MAX_CPU_ISA',
                        'DNNL_MAX_CPU_ISA', 'TF_DETERMINISTIC_OPS')


def parse_cpuinfo(text: str) -> Tuple[str, List[str]]:
  """(CPU model name, its `VECTOR_EXTENSIONS`) from /proc/cpuinfo's text.

  Args:
    text: the file's contents; the first processor's lines are read.

  Returns:
    The 'model name' (or `UNKNOWN`) and the extensions among
    `VECTOR_EXTENSIONS` that its 'flags' line lists, in that order.
  """
  model, flags = UNKNOWN, set()
  for line in text.splitlines():
    name, _, value = line.partition(':')
    name = name.strip()
    if name == 'model name' and model == UNKNOWN:
      model = value.strip() or UNKNOWN
    elif name == 'flags' and not flags:
      flags = set(value.split())
  return model, [ext for ext in VECTOR_EXTENSIONS if ext in flags]


def cpu_description() -> Tuple[str, List[str]]:
  """`parse_cpuinfo` of this machine; elsewhere than Linux, what is known."""
  try:
    with open(CPUINFO_PATH) as f:
      return parse_cpuinfo(f.read())
  except OSError:
    return platform.processor() or UNKNOWN, []


def machine_info() -> Dict[str, Any]:
  """Platform, Python, CPU model and extensions, CPU count, TF version.

  Also 'numerics_environment': those of `NUMERICS_ENVIRONMENT` that are set.
  """
  model, extensions = cpu_description()
  info = dict(platform=platform.platform(),
              python=platform.python_version(),
              cpu_model=model,
              cpu_vector_extensions=extensions,
              cpu_count=os.cpu_count(),
              numerics_environment={name: os.environ[name]
                                    for name in NUMERICS_ENVIRONMENT
                                    if name in os.environ})
  tf = sys.modules.get('tensorflow')
  if tf is not None:
    info['tensorflow'] = tf.__version__
  return info


def describe(info: Dict[str, Any]) -> str:
  """One line for a report, e.g. 'AMD EPYC, 2 CPUs, AVX-512, TF 2.15.1'."""
  extensions = info.get('cpu_vector_extensions') or []
  parts = [str(info.get('cpu_model', UNKNOWN)),
           f"{info.get('cpu_count', '?')} CPUs"]
  for extension, name in (('avx512f', 'AVX-512'), ('avx2', 'AVX2'),
                          ('avx', 'AVX')):
    if extension in extensions:
      parts.append(name)  # The widest only.
      break
  if info.get('tensorflow'):
    parts.append(f"TF {info['tensorflow']}")
  parts += [f'{name}={value}' for name, value
            in sorted((info.get('numerics_environment') or {}).items())]
  return ', '.join(parts)
