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
r"""Can an alignment module learn synchrony? A toy task on features; JSON.

  python benchmarks/alignment_synchrony.py --output_dir=/tmp/sync  # ~10 min
  python benchmarks/alignment_synchrony.py --output_dir=/tmp/s --quick

No separator, no embedding networks, no audio: each alignment module gets
feature tensors Z_A `[batch, M, T, D]` and Z_V `[batch, G, T, D]` built so
that the only thing that tells an on-screen source from an off-screen one is
synchrony, and a dense layer on its output z `[batch, M, D]` is trained with
sigmoid cross-entropy to say which sources are on screen.

Every example has G visible objects and M sources. Each object and each
source has its own on/off activity over the T steps (Bernoulli(1/2) per
step) and its own random 3-d appearance (objects) or timbre (sources),
mapped to D dimensions by a fixed random matrix per modality: a feature is
activity(t) x appearance, plus Gaussian noise. Between 1 and M - 1 of the
sources are on screen: each takes the activity of one object. The others
have activities of their own. The sources are in random order. An on-screen
source thus has exactly the marginal statistics of an off-screen one, and
only the coincidence of its activity with an object's tells them apart,
which is what the synthetic data set asks of the classifier within an
on-screen MoM.

Reported per module (and same-time bias, `--same_time_biases`): the
training loss and the AUC within examples (`metrics.within_example_auc`,
every source of equal power) on held-out examples, every quarter of the
budget. 0.5 is chance; a module that learns synchrony approaches 1. The
`content` task (`--tasks`) is the control: an on-screen source's timbre is
its object's appearance and its activity is its own, so attention that
matches contents without any alignment in time solves it.
"""

import functools
import json
import os
import time
from typing import Any, Dict, Mapping, Optional, Sequence

from absl import app
from absl import flags
from absl import logging
import numpy as np
import tensorflow as tf

from audioscope import metrics
from audioscope.attention import alignment
import benchmark_utils

RESULTS_FILE = 'alignment_synchrony.json'
ALIGNMENTS = ('audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma',
              'separable_cma')
JOINT = ('joint_sa', 'joint_cma')
TASKS = ('synchrony', 'content')
_APPEARANCE_DIM = 3


def make_examples(rng: np.random.Generator, num_examples: int,
                  num_sources: int = 4, num_objects: int = 4,
                  num_steps: int = 16, depth: int = 32, noise: float = 0.3,
                  task: str = 'synchrony', projections=None):
  """Toy features and labels (see module docstring).

  Args:
    rng: NumPy generator.
    num_examples: N.
    num_sources: M (>= 2).
    num_objects: G (>= M - 1).
    num_steps: T.
    depth: D.
    noise: standard deviation of the Gaussian noise on every feature.
    task: 'synchrony' or 'content'.
    projections: (audio [3, D], video [3, D]) maps; drawn from `rng` if None.

  Returns:
    dict with 'audio' `[N, M, T, D]`, 'video' `[N, G, T, D]` (float32),
    'labels' `[N, M]` (1 = on screen) and 'projections'.

  Raises:
    ValueError: on an unknown task or too few sources or objects.
  """
  if task not in TASKS:
    raise ValueError(f'task must be one of {TASKS}, got {task!r}.')
  if num_sources < 2 or num_objects < num_sources - 1:
    raise ValueError(
        f'Need M >= 2 sources and G >= M - 1 objects, got M={num_sources}, '
        f'G={num_objects}.')
  if projections is None:
    projections = tuple(
        rng.normal(size=(_APPEARANCE_DIM, depth)) / np.sqrt(_APPEARANCE_DIM)
        for _ in range(2))
  audio_map, video_map = projections
  audio = np.zeros((num_examples, num_sources, num_steps, depth))
  video = np.zeros((num_examples, num_objects, num_steps, depth))
  labels = np.zeros((num_examples, num_sources))
  for n in range(num_examples):
    activity = (rng.random((num_objects + num_sources, num_steps)) < 0.5)
    appearance = rng.normal(size=(num_objects, _APPEARANCE_DIM))
    video[n] = activity[:num_objects, :, None] * (appearance @ video_map)[
        :, None, :]
    num_on = rng.integers(1, num_sources)
    for rank, source in enumerate(rng.permutation(num_sources)):
      on_screen = rank < num_on
      own = activity[num_objects + rank]
      if task == 'synchrony':
        source_activity = activity[rank] if on_screen else own
        feature = rng.normal(size=_APPEARANCE_DIM) @ audio_map
      else:
        source_activity = own
        feature = (appearance[rank] if on_screen else
                   rng.normal(size=_APPEARANCE_DIM)) @ video_map
      audio[n, source] = source_activity[:, None] * feature[None, :]
      labels[n, source] = float(on_screen)
  audio += noise * rng.normal(size=audio.shape)
  video += noise * rng.normal(size=video.shape)
  return {'audio': audio.astype(np.float32), 'video': video.astype(np.float32),
          'labels': labels.astype(np.float32), 'projections': projections}


def within_auc(labels: np.ndarray, logits: np.ndarray) -> float:
  """AUC within examples, every source of equal power."""
  sources = np.ones(labels.shape + (1,), np.float32)
  return metrics.within_example_auc(labels, logits, sources)


def train_module(module_name: str, task: str = 'synchrony',
                 same_time_bias: Optional[float] = None, steps: int = 1000,
                 num_steps: int = 16, batch_size: int = 32,
                 num_layers: int = 4, learning_rate: float = 1e-3,
                 num_evaluations: int = 4, num_test: int = 256,
                 seed: int = 0, **shape) -> Dict[str, Any]:
  """Trains `module_name` + a dense logit layer on the toy task.

  Args:
    module_name: one of ALIGNMENTS.
    task: 'synchrony' or 'content'.
    same_time_bias: for the joint modules, None (papers) or the initial
      same-time logit.
    steps: Adam steps.
    num_steps: T.
    batch_size: examples per step (fresh ones every step).
    num_layers: L of the V2 modules.
    learning_rate: Adam's.
    num_evaluations: evaluations on the held-out examples, evenly spaced.
    num_test: held-out examples.
    seed: data and initialisation seed.
    **shape: num_sources, num_objects, depth, noise of `make_examples`.

  Returns:
    {'curve': [{'step', 'loss', 'within_auc'}], 'final_within_auc',
     'seconds'}.
  """
  tf.keras.utils.set_random_seed(seed)
  rng = np.random.default_rng(seed)
  test = make_examples(np.random.default_rng(seed + 10**6), num_test,
                       num_steps=num_steps, task=task, **shape)
  projections = test['projections']
  config = {} if module_name == 'audioscope_v1' else {'num_layers': num_layers}
  if same_time_bias is not None:
    config['same_time_bias'] = same_time_bias
  module = alignment.alignment_module(module_name, **config)
  head = tf.keras.layers.Dense(1, name='logit')
  optimizer = tf.keras.optimizers.Adam(learning_rate)

  @tf.function
  def train_step(audio, video, labels):
    with tf.GradientTape() as tape:
      logits = head(module(audio, video, training=True))[..., 0]
      loss = tf.reduce_mean(
          tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))
    variables = module.trainable_variables + head.trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss

  @tf.function
  def predict(audio, video):
    return head(module(audio, video, training=False))[..., 0]

  start = time.monotonic()
  every = max(1, steps // num_evaluations)
  curve = []
  for step in range(1, steps + 1):
    batch = make_examples(rng, batch_size, num_steps=num_steps, task=task,
                          projections=projections, **shape)
    loss = float(train_step(batch['audio'], batch['video'], batch['labels']))
    if step % every == 0 or step == steps:
      logits = predict(test['audio'], test['video']).numpy()
      curve.append({'step': step, 'loss': loss,
                    'within_auc': within_auc(test['labels'], logits)})
      logging.info('%s (%s, same-time bias %s) step %d: loss %.3f, within '
                   'AUC %.3f', module_name, task, same_time_bias, step, loss,
                   curve[-1]['within_auc'])
  return {'curve': curve, 'final_within_auc': curve[-1]['within_auc'],
          'seconds': time.monotonic() - start}


def parse_biases(values: Sequence[str]):
  """'none' -> None, numbers -> float; raises ValueError otherwise."""
  biases = []
  for value in values:
    if value.lower() == 'none':
      biases.append(None)
    else:
      try:
        biases.append(float(value))
      except ValueError:
        raise ValueError(
            f"--same_time_biases takes 'none' or numbers, got {value!r}."
        ) from None
  return biases


def run_label(module_name: str, same_time_bias: Optional[float]) -> str:
  if same_time_bias is None:
    return module_name
  return f'{module_name}, same-time bias {same_time_bias:g}'


def markdown(results: Dict[str, Any]) -> str:
  lines = [f"Within-example AUC on {results['num_test']} held-out toy "
           f"examples (T = {results['num_steps']}, {results['steps']} "
           'steps):', '']
  for task, runs in results['tasks'].items():
    steps = [point['step'] for point in next(iter(runs.values()))['curve']]
    header = [f'{task}: module'] + [f'step {s}' for s in steps] + ['seconds']
    rows = [[label] + [f"{p['within_auc']:.3f}" for p in run['curve']] +
            [f"{run['seconds']:.0f}"] for label, run in runs.items()]
    lines += benchmark_utils.markdown_table(header, rows) + ['']
  return '\n'.join(lines)


def define_flags() -> Dict[str, flags.FlagHolder]:
  """Defines the binary's flags (not at import: tests import this module)."""
  return {
      'output_dir': flags.DEFINE_string('output_dir', None,
                                        'Where to write JSON.'),
      'modules': flags.DEFINE_list('modules', list(ALIGNMENTS),
                                   'Modules to train.'),
      'tasks': flags.DEFINE_list('tasks', ['synchrony'],
                                 f'Tasks, of {list(TASKS)}.'),
      'same_time_biases': flags.DEFINE_list(
          'same_time_biases', ['none', '4'],
          "Same-time biases for the joint modules ('none': the papers' "
          'attention).'),
      'steps': flags.DEFINE_integer('steps', 1000, 'Adam steps per run.'),
      'num_steps': flags.DEFINE_integer(
          'num_steps', 16, "Time steps T (the demo's: 2 s at 8 FPS)."),
      'seed': flags.DEFINE_integer('seed', 0,
                                   'Data and initialisation seed.'),
      'quick': flags.DEFINE_bool('quick', False,
                                 'Smoke run: 20 steps, T = 4, one layer.'),
  }


def main(argv: Sequence[str], holders: Mapping[str, Any]) -> None:
  values = {name: holder.value for name, holder in holders.items()}
  # No --point: every run happens in this process.
  benchmark_utils.start_main(argv, None, None, values['output_dir'],
                             '/tmp/sync')
  benchmark_utils.check_choices('modules', values['modules'], ALIGNMENTS)
  benchmark_utils.check_choices('tasks', values['tasks'], TASKS)
  try:
    biases = parse_biases(values['same_time_biases'])
  except ValueError as e:
    raise app.UsageError(str(e)) from None
  quick = values['quick']
  steps = 20 if quick else values['steps']
  num_steps = 4 if quick else values['num_steps']
  num_layers = 1 if quick else 4
  results = {'steps': steps, 'num_steps': num_steps, 'num_layers': num_layers,
             'seed': values['seed'], 'num_test': 256, 'tasks': {},
             'machine': benchmark_utils.machine_info()}
  for task in values['tasks']:
    runs = results['tasks'][task] = {}
    for module_name in values['modules']:
      for bias in (biases if module_name in JOINT else [None]):
        runs[run_label(module_name, bias)] = dict(
            train_module(module_name, task=task, same_time_bias=bias,
                         steps=steps, num_steps=num_steps,
                         num_layers=num_layers, seed=values['seed']),
            module=module_name, same_time_bias=bias)
  results['markdown'] = markdown(results)
  path = benchmark_utils.write_json(
      os.path.join(values['output_dir'], RESULTS_FILE), results)
  print(results['markdown'])
  print(f'Wrote {path}')
  logging.info('%s', json.dumps({t: {k: r['final_within_auc']
                                     for k, r in runs.items()}
                                 for t, runs in results['tasks'].items()}))


if __name__ == '__main__':
  _HOLDERS = define_flags()
  app.run(functools.partial(main, holders=_HOLDERS))
