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
"""Install audioscope.

The gin configs live in the top-level `gin/` folder and are installed as the
package `audioscope_gin`, so `audioscope.gin_utils` finds them from a wheel as
well as from a source checkout.
"""

import os
import re

import setuptools

_HERE = os.path.dirname(os.path.abspath(__file__))


def _version():
  with open(os.path.join(_HERE, 'audioscope', 'version.py')) as f:
    return re.search(r"__version__ = '([^']+)'", f.read()).group(1)


def _gin_files():
  gin_root = os.path.join(_HERE, 'gin')
  files = []
  for root, _, names in os.walk(gin_root):
    for name in names:
      if name.endswith('.gin') or name.endswith('.md'):
        files.append(os.path.relpath(os.path.join(root, name), gin_root))
  return sorted(files)


# Pins from shared/reference/dependencies.md: the only TensorFlow line on which
# the mission's package set runs together.
_INSTALL_REQUIRES = [
    'tensorflow==2.15.1',
    'tensorflow-io==0.36.0',
    'tensorflow-addons==0.23.0',
    'numpy==1.26.4',
    'scipy==1.17.1',
    'scikit-learn==1.9.1',
    'absl-py==2.5.1',
    'gin-config==0.5.0',
    'av==18.1.0',
    'matplotlib==3.11.2',
]

_CONSOLE_SCRIPTS = [
    'audioscope_train = audioscope.bin.train:main',
    'audioscope_eval = audioscope.bin.evaluate:main',
    'audioscope_export = audioscope.bin.export:main',
    'audioscope_separate = audioscope.bin.separate:main',
    'audioscope_calibrate = audioscope.bin.calibrate:main',
    'audioscope_convert_checkpoint = audioscope.bin.convert_checkpoint:main',
    'audioscope_demo = audioscope.bin.demo:main',
    'audioscope_make_synthetic = data_recipes.make_synthetic:console_entry_point',
    'audioscope_make_mom_sets = data_recipes.make_mom_sets:console_entry_point',
    'audioscope_make_yfcc_tfrecords = '
    'data_recipes.make_yfcc_tfrecords:console_entry_point',
    'audioscope_make_clip_lists = '
    'data_recipes.make_clip_lists:console_entry_point',
]

setuptools.setup(
    name='audioscope',
    version=_version(),
    description=('AudioScopeV2: open-domain audio-visual on-screen sound '
                 'separation in TensorFlow 2 / Keras.'),
    long_description=open(os.path.join(_HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    license='Apache 2.0',
    python_requires='>=3.9,<3.12',
    packages=(setuptools.find_packages(
        include=['audioscope', 'audioscope.*', 'data_recipes',
                 'data_recipes.*']) + ['audioscope_gin']),
    package_dir={'audioscope_gin': 'gin'},
    package_data={'audioscope_gin': _gin_files()},
    install_requires=_INSTALL_REQUIRES,
    extras_require={
        'test': ['pytest==9.2.0'],
        # Preparing YFCC100M-scale data on a cluster (Dataflow/Flink/Spark).
        'beam': ['apache-beam==2.61.0'],
    },
    entry_points={'console_scripts': _CONSOLE_SCRIPTS},
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Multimedia :: Sound/Audio :: Analysis',
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
    ],
)
