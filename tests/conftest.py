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
  removed from the collection.
"""

import os

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from absl import flags  # pylint: disable=g-import-not-at-top

if not flags.FLAGS.is_parsed():
  flags.FLAGS.mark_as_parsed()


def pytest_collection_modifyitems(config, items):
  del config  # Unused.
  items[:] = [item for item in items if item.name != 'test_session']
