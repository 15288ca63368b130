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
"""One-line exits for the mistakes a user fixes by changing the command.

A mistyped path (gin file, data, model or checkpoint folder) or a gin binding
that does not apply ends a command with its traceback, in which the message
that names the problem is the last of many lines. The binaries wrap such steps
in `exit_on`, which ends the command with that message alone:

  with user_errors.exit_on('audioscope_train', user_errors.config_errors()):
    gin_utils.parse_gin(...)

Errors of other types keep their tracebacks: they are bugs to report.
"""

import contextlib
import re
from typing import Iterator, Optional, Sequence, Type

# What gin appends to "In call to configurable 'name'": the object's repr.
_CONFIGURABLE_REPR = re.compile(
    r" \((<function .*? at 0x[0-9a-f]+>|<class '[^']*'>)\)")


def path_errors() -> Sequence[Type[BaseException]]:
  """A path that does not exist or cannot be read or written.

  OSError (FileNotFoundError, gin's "Unable to open file") and TensorFlow's
  file-system errors (`tf.io.gfile`, checkpoints on gs://). TensorFlow is
  imported here, not with the module, so that a binary can set up its devices
  first.
  """
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  return (OSError, tf.errors.NotFoundError, tf.errors.PermissionDeniedError)


def config_errors() -> Sequence[Type[BaseException]]:
  """Parsing gin files and bindings.

  The path errors, and gin's errors for an unknown configurable or parameter
  (ValueError) or bad syntax (SyntaxError).
  """
  return tuple(path_errors()) + (ValueError, SyntaxError)


@contextlib.contextmanager
def exit_on(tool: str,
            errors: Optional[Sequence[Type[BaseException]]] = None
            ) -> Iterator[None]:
  """Turns `errors` raised in the block into `SystemExit('<tool>: <message>')`.

  Args:
    tool: the command's name, the first word of the message.
    errors: the exception types that name a problem of the command line
      (default `path_errors()`).

  Yields:
    Nothing; the block runs as it is.

  Raises:
    SystemExit: (exit status 1) with the error's message, for `errors`.
  """
  errors = tuple(path_errors() if errors is None else errors)
  try:
    yield
  except errors as e:  # pylint: disable=catching-non-exception
    # TensorFlow's errors carry their text in .message (str adds the node).
    message = getattr(e, 'message', None) or str(e)
    # gin's context lines name the configurable; its repr says no more.
    message = _CONFIGURABLE_REPR.sub('', message)
    raise SystemExit(f'{tool}: {message}') from None
