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
"""Multi-replica and kill-and-resume tests of the training loop.

Each runs the loop in a fresh Python process (`sys.executable`): logical CPU
devices can only be configured before TensorFlow initialises, which pytest's
shared process has long done, and a SIGKILL needs a process of its own.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from absl.testing import parameterized
import numpy as np
import tensorflow as tf

_MIRRORED_SCRIPT = textwrap.dedent('''
    import functools, json, sys
    from audioscope.training import strategy as strategy_lib
    strategy_lib.configure_logical_cpu_devices(2)
    from audioscope.training import tasks, train_lib

    def run(model_dir, strategy, num_steps, fallback='reseed', **kwargs):
      trainer = train_lib.train(
          model_dir, task=tasks.ToyRegressionTask(),
          dataset_fn=tasks.toy_regression_dataset, strategy=strategy,
          num_steps=num_steps, batch_size=4, steps_per_loop=3,
          steps_per_summary=3, steps_per_checkpoint=3,
          input_resume_fallback=fallback,
          trainer_cls=functools.partial(train_lib.Trainer,
                                        learning_rate=0.05, **kwargs))
      return dict(replicas=strategy.num_replicas_in_sync, step=trainer.step,
                  losses=trainer.last_losses,
                  weights=[v.numpy().tolist()
                           for v in trainer.model.trainable_variables])

    root = sys.argv[1]
    default = strategy_lib.get_strategy()
    mirrored = strategy_lib.get_strategy(strategy='mirrored')
    out = dict(
        default=run(root + '/default', default, 6),
        mirrored_xla=run(root + '/xla', mirrored, 6, jit_compile=True))
    # A mirrored run without XLA, stopped at step 3 and resumed: its iterator
    # cannot be checkpointed, so the consumed batches are skipped.
    run(root + '/resumed', mirrored, 3, fallback='skip')
    out['mirrored_resumed'] = run(root + '/resumed', mirrored, 6,
                                  fallback='skip')
    print('RESULT ' + json.dumps(out))
''')

# Trains the toy task to step 20, checkpointing every 5 steps; the task's
# summaries sleep, so the test has time to kill the process mid-run.
_RESUME_SCRIPT = textwrap.dedent('''
    import functools, json, sys, time
    from audioscope.training import tasks, train_lib

    class SlowTask(tasks.ToyRegressionTask):
      def summaries(self, model, batch, step):
        time.sleep(float(sys.argv[2]))

    trainer = train_lib.train(
        sys.argv[1], task=SlowTask(), dataset_fn=tasks.toy_regression_dataset,
        num_steps=20, batch_size=4, steps_per_loop=5, steps_per_summary=1,
        steps_per_checkpoint=5,
        trainer_cls=functools.partial(train_lib.Trainer, learning_rate=0.05))
    print('RESULT ' + json.dumps(dict(
        step=trainer.step,
        weights=[v.numpy().tolist()
                 for v in trainer.model.trainable_variables])))
''')


def _script(folder, name, text):
  path = os.path.join(folder, name)
  with open(path, 'w') as f:
    f.write(text)
  return path


def _env():
  env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', CUDA_VISIBLE_DEVICES='')
  return env


def _result(stdout):
  for line in stdout.splitlines():
    if line.startswith('RESULT '):
      return json.loads(line[len('RESULT '):])
  raise AssertionError(f'No RESULT line in the output:\n{stdout}')


def _run(args, timeout=240):
  done = subprocess.run([sys.executable, *args], capture_output=True,
                        text=True, env=_env(), timeout=timeout, check=False)
  if done.returncode:
    raise AssertionError(f'{args} failed:\n{done.stdout}\n{done.stderr}')
  return _result(done.stdout)


class DistributedTest(parameterized.TestCase, tf.test.TestCase):

  def test_mirrored_two_cpu_replicas_match_the_default_strategy(self):
    root = self.create_tempdir().full_path
    out = _run([_script(root, 'mirrored.py', _MIRRORED_SCRIPT), root])
    self.assertEqual(out['default']['replicas'], 1)
    for name in ('mirrored_xla', 'mirrored_resumed'):
      run = out[name]
      self.assertEqual(run['replicas'], 2, msg=name)
      self.assertEqual(run['step'], 6, msg=name)
      for a, b in zip(run['weights'], out['default']['weights']):
        self.assertAllClose(np.array(a), np.array(b), atol=1e-5, msg=name)
    for name in ('mirrored_xla', 'mirrored_resumed'):
      for key, value in out['default']['losses'].items():
        self.assertAllClose(out[name]['losses'][key], value, atol=1e-5,
                            msg=name)

  def test_killed_job_resumes_to_the_same_weights(self):
    root = self.create_tempdir().full_path
    script = _script(root, 'resume.py', _RESUME_SCRIPT)
    straight = _run([script, os.path.join(root, 'straight'), '0'])
    self.assertEqual(straight['step'], 20)

    model_dir = os.path.join(root, 'killed')
    process = subprocess.Popen([sys.executable, script, model_dir, '0.3'],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_env())
    deadline = time.monotonic() + 180
    while (not os.path.exists(os.path.join(model_dir, 'checkpoint')) and
           process.poll() is None and time.monotonic() < deadline):
      time.sleep(0.05)
    self.assertIsNone(process.poll(), msg='the job ended before the kill')
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()
    self.assertEqual(process.returncode, -signal.SIGKILL)
    killed_at = tf.train.latest_checkpoint(model_dir)
    self.assertIsNotNone(killed_at)
    self.assertLess(int(killed_at.rsplit('-', 1)[1]), 20)

    resumed = _run([script, model_dir, '0'])
    self.assertEqual(resumed['step'], 20)
    for a, b in zip(resumed['weights'], straight['weights']):
      self.assertAllClose(np.array(a), np.array(b), atol=1e-6)


if __name__ == '__main__':
  tf.test.main()
