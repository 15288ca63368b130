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
"""pytest set-up for the tf.test.TestCase suites.

* absl flags are marked parsed, so `create_tempdir()` works under pytest as it
  does under `tf.test.main()`;
* TensorFlow's deprecated `TestCase.test_session` context manager is not a
  test, but pytest collects it from every class and reports it skipped; it is
  removed from the collection;
* the Apache Beam pipeline test (`tests/data_recipes/yfcc_beam_pipeline_test.py`)
  needs the optional extra `pip install -e '.[beam]'` (2.6 GB and about 10
  minutes to install, so not part of `.[test]`); without Beam it is not
  collected and a line says so. The per-clip logic of the Beam path is tested
  without Beam in `yfcc_beam_test.py`.
"""

import importlib.util
import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from absl import flags  # pylint: disable=g-import-not-at-top

if not flags.FLAGS.is_parsed():
  flags.FLAGS.mark_as_parsed()


collect_ignore = []
if importlib.util.find_spec('apache_beam') is None:
  collect_ignore.append('data_recipes/yfcc_beam_pipeline_test.py')
  print("conftest: apache_beam is not installed; not collecting "
        "data_recipes/yfcc_beam_pipeline_test.py (pip install -e '.[beam]' "
        'to run it).', file=sys.stderr)


def pytest_collection_modifyitems(config, items):
  del config  # Unused.
  items[:] = [item for item in items if item.name != 'test_session']
