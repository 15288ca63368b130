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
"""Every gin config parses from an installed wheel, not the source checkout.

The test builds a wheel from a copy of the sources (so no stale `build/`
folder of the checkout leaks into it), installs it without dependencies into
a fresh virtual environment, and points that environment at this
interpreter's site-packages through a `.pth` file, so TensorFlow is not
installed again. A path listed in a `.pth` file does not have its own `.pth`
files processed, so an editable install of audioscope there stays inactive;
the subprocess checks that `audioscope` and `audioscope_gin` are imported
from the fresh environment. From a working directory outside the checkout it
parses every packaged gin file with `audioscope.gin_utils`, and the set of
packaged files must equal the `.gin` files of the source tree.
"""

import glob
import json
import os
import shutil
import site
import subprocess
import sys
import textwrap

import tensorflow as tf

_SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
_SOURCES = ('setup.py', 'README.md', 'audioscope', 'data_recipes', 'gin')

_PARSE_SCRIPT = textwrap.dedent('''
    import json, os, sys
    import gin
    import audioscope
    import audioscope_gin
    from audioscope import gin_utils

    parsed = []
    for path in gin_utils.list_gin_files():
      gin.clear_config()
      # Relative to the packaged folder, as --gin_file takes them.
      gin_utils.parse_gin([path])
      parsed.append(path)
    gin.clear_config()
    print('RESULT ' + json.dumps(dict(
        audioscope=os.path.realpath(audioscope.__file__),
        audioscope_gin=os.path.realpath(
            list(audioscope_gin.__path__)[0]),
        config_dir=os.path.realpath(gin_utils.gin_config_dir()),
        parsed=parsed, sys_path=sys.path)))
''')


def _run(args, cwd=None, env=None, timeout=300):
  done = subprocess.run(args, cwd=cwd, env=env, capture_output=True,
                        text=True, timeout=timeout, check=False)
  if done.returncode:
    raise AssertionError(f'{args} failed ({done.returncode}):\n'
                         f'{done.stdout[-4000:]}\n{done.stderr[-4000:]}')
  return done.stdout


def _source_gin_files():
  root = os.path.join(_SOURCE_ROOT, 'gin')
  return sorted(os.path.relpath(p, root) for p in glob.glob(
      os.path.join(root, '**', '*.gin'), recursive=True))


class WheelGinTest(tf.test.TestCase):

  def test_every_gin_file_parses_from_the_installed_wheel(self):
    tmp = os.path.realpath(self.create_tempdir().full_path)
    source = os.path.join(tmp, 'source')
    os.makedirs(source)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info')
    for name in _SOURCES:
      path = os.path.join(_SOURCE_ROOT, name)
      if os.path.isdir(path):
        shutil.copytree(path, os.path.join(source, name), ignore=ignore)
      else:
        shutil.copy(path, source)
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(TF_CPP_MIN_LOG_LEVEL='2', CUDA_VISIBLE_DEVICES='',
               PIP_NO_INDEX='1', PIP_DISABLE_PIP_VERSION_CHECK='1')

    dist = os.path.join(tmp, 'dist')
    _run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
          '--no-build-isolation', '--no-index', '-w', dist, source],
         cwd=tmp, env=env)
    wheels = glob.glob(os.path.join(dist, 'audioscope-*.whl'))
    self.assertLen(wheels, 1)

    fresh = os.path.join(tmp, 'fresh')
    _run([sys.executable, '-m', 'venv', '--without-pip', fresh], cwd=tmp,
         env=env)
    python = os.path.join(fresh, 'bin', 'python')
    _run([sys.executable, '-m', 'pip', '--python', python, 'install',
          '--no-deps', '--no-index', wheels[0]], cwd=tmp, env=env)
    fresh_site = _run(
        [python, '-c', 'import sysconfig; print(sysconfig.get_paths()'
         "['purelib'])"], cwd=tmp, env=env).strip()
    self.assertTrue(os.path.realpath(fresh_site).startswith(fresh),
                    msg=fresh_site)
    # This interpreter's site-packages (TensorFlow, gin, ...), not the
    # checkout: the source root is never a site-packages folder.
    shared = [p for p in site.getsitepackages()
              if os.path.isdir(p) and
              os.path.realpath(p) != os.path.realpath(_SOURCE_ROOT)]
    self.assertNotEmpty(shared)
    with open(os.path.join(fresh_site, 'shared_site_packages.pth'), 'w') as f:
      f.write(''.join(p + '\n' for p in shared))

    script = os.path.join(tmp, 'parse_all.py')
    with open(script, 'w') as f:
      f.write(_PARSE_SCRIPT)
    stdout = _run([python, script], cwd=tmp, env=env)
    result = None
    for line in stdout.splitlines():
      if line.startswith('RESULT '):
        result = json.loads(line[len('RESULT '):])
    self.assertIsNotNone(result, msg=stdout)

    fresh_site = os.path.realpath(fresh_site)
    for key in ('audioscope', 'audioscope_gin', 'config_dir'):
      self.assertTrue(result[key].startswith(fresh_site + os.sep),
                      msg=f'{key} from {result[key]}, not the wheel')
    self.assertEqual(result['config_dir'], result['audioscope_gin'])
    self.assertNotIn(_SOURCE_ROOT, result['sys_path'])
    expected = _source_gin_files()
    self.assertNotEmpty(expected)
    self.assertIn('papers/audioscope_v2/separable_sa_16fps.gin', expected)
    self.assertEqual(result['parsed'], expected)


if __name__ == '__main__':
  tf.test.main()
