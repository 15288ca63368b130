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
"""The end-to-end synthetic demo (`audioscope_demo`).

One call, `run_demo(output_dir)`, runs the whole AudioScopeV2 recipe on the
built-in synthetic audio-visual scenes, small enough for 2 CPU cores (12 to
21 minutes; `fast=True`: a smoke run of about a minute):

1. `data/`: a synthetic data set (`data_recipes.make_synthetic_lib`):
   train / validation / test clips of 2 s at 16 kHz with 64 x 64 frames at
   8 FPS (sizes in `gin/demo/synthetic_demo.gin`, which says why);
2. `separator/`: audio-only MixIT pre-training of the TDCN++ on mixtures of
   mixtures (`SeparatorPretrainingTask`);
3. `coincidence/`: audio-visual coincidence pre-training of the audio and
   video MobileNet trunks (`CoincidencePretrainingTask`; by default the
   contrastive loss with 2 time-shifted negatives per clip);
4. `audioscope/`: AudioScopeV2 (`separable_sa` by default) trained on NOn
   and labelled examples from both pre-trained checkpoints, the embedding
   trunks fine-tuned (frozen in the paper configs; `AudioVisualTask`), a
   quarter of each batch turned into time-shifted-frame negatives,
   validated on the validation MoMs every 100 steps; the checkpoint with
   the largest min(SNR, OSR) there (the paper's early stopping) is the one
   evaluated and exported;
5. `evaluation/`: the model calibrated to a 6 dB median OSR on the
   validation off-screen MoMs, evaluated on the test MoMs (filtered style)
   next to the no-processing baselines, plus the negative probes
   (`evaluate_lib.evaluate_model`);
6. `export/`: a SavedModel with the calibrated theta stored
   (`export_lib.export_saved_model`);
7. `demo_video/input.mp4` (a synthetic on-screen scene plus an off-screen
   background, three clips long) separated with `separate_lib` into
   `separation/on_screen.wav`, `off_screen.wav`, `on_screen.mp4`.

Default budgets (flags of `audioscope_demo`): 384 / 256 / 256 train /
validation / test clips (128 on-screen and 128 off-screen test MoMs, 64
probe clips; with 64 clips, AUC moved by 0.04 and the probes by several dB
between runs), batch 8, 1500 separator steps, 800 coincidence
steps and 600 AudioScopeV2 steps, half of whose examples have a labelled
primary (`labelled_weight`; 0 is the paper's NOn-only training), with
determinism on (`train.deterministic_ops` in the demo gin: op determinism
and Grappler's graph optimizations off, so that reruns give the same
numbers on one CPU model; another CPU model gives another draw:
`audioscope.machine`). Measured on 2 CPU cores (session 13): data 7 s,
separator 406 s, coincidence 155 s, AudioScopeV2 418 s with its 6
validations, evaluation 35 s, export 28 s, separation 9 s: 17.6 minutes in
all (18.6 with the README command's set-up; on a slowish day the separator
stage alone took 449 s and the demo 20.2 minutes); on an AMD EPYC with
AVX-512 (session 14) 6, 282, 66, 269, 24, 20 and 7 s: 11.2 minutes (12.0
with the set-up).

Every stage is resumable: re-running skips the stages whose outputs exist
(each stage writes `<stage>/DONE.json` last); an interrupted training stage
resumes from its last checkpoint, and a larger step budget continues it
(the stages after it then run again). `demo_summary.json` holds the time of each
stage, the results, where every artefact is and the machine (CPU model and
vector extensions: `audioscope.machine`).

`Demo(output_dir, config, shared_dir=...)` keeps the shared stages (data,
separator, coincidence) in another folder, so that several AudioScopeV2 runs
(e.g. one per alignment module, `benchmarks/quality.py`) re-use one data set
and one pair of pre-trained checkpoints; `Demo.run(last_stage=...)` stops
after a stage.

Example:

  summary = demo_lib.run_demo('/tmp/demo', fast=True)
  print(summary['results_table'])
"""

import dataclasses
import functools
import os
import time
from typing import Any, Dict, List, Optional, Sequence

from absl import logging
import gin
import numpy as np
import tensorflow as tf

from audioscope import gin_utils
from audioscope import json_io
from audioscope import machine
from audioscope import model as model_lib
from audioscope import separation
from audioscope.data import pipeline
from audioscope.data import synthetic
from audioscope.data import video_io
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib
from audioscope.evaluation import probing
from audioscope.inference import export_lib
from audioscope.inference import separate_lib
from audioscope.training import tasks
from audioscope.training import train_lib
from data_recipes import make_synthetic_lib

DEMO_GIN = 'demo/synthetic_demo.gin'
FAST_GIN = 'demo/fast.gin'
SEPARATOR_GIN = 'training/separator_pretraining.gin'
COINCIDENCE_GIN = 'training/coincidence_pretraining.gin'
SUMMARY_FILE = 'demo_summary.json'
# The evaluation's results (calibration, Table-1 rows, probes), per folder.
RESULTS_FILE = 'demo_results.json'
DONE_FILE = 'DONE.json'
STAGES = ('data', 'separator', 'coincidence', 'audioscope', 'evaluation',
          'export', 'demo_video', 'separation')
# The stages that `Demo(shared_dir=...)` keeps in the shared folder.
SHARED_STAGES = ('data', 'separator', 'coincidence')
ALIGNMENTS = ('audioscope_v1', 'joint_sa', 'separable_sa', 'joint_cma',
              'separable_cma')
# Validation metrics of `AudioVisualTask.evaluate` the demo can select on.
SELECTION_METRICS = ('snr', 'osr', 'auc', 'within_auc', 'calibrated_snr')


@dataclasses.dataclass
class DemoConfig:
  """Budgets of the demo (flags of `audioscope_demo`).

  Attributes:
    num_train: training clips.
    num_validation: validation clips (calibration MoMs).
    num_test: test clips (evaluation MoMs and probes).
    separator_steps: MixIT pre-training steps.
    coincidence_steps: coincidence pre-training steps.
    coincidence_loss: `CoincidencePretrainingTask.loss`, 'contrastive'
      (every clip of the batch a negative of every other) or 'binary' (one
      negative per clip, Jansen et al. 2020).
    coincidence_shifted_negatives: with the contrastive loss, negatives per
      clip that are its own frames shifted in time
      (`CoincidencePretrainingTask.shifted_negatives`; 0: none).
    audioscope_steps: AudioScopeV2 training steps.
    labelled_weight: share of the AudioScopeV2 training examples whose
      primary is a labelled clip (half on-screen-only, half off-screen-only;
      `pipeline.semi_supervised_dataset`), the rest NOn examples. 0 is the
      ECCV paper's purely unsupervised NOn training (AudioScope v1 used such
      semi-supervised batches). Labelled primaries get the exact loss: all
      sources 0 for off-screen-only clips, the MixIT assignment to the
      primary for on-screen-only clips.
    replaced_frames_fraction: share of every AudioScopeV2 training batch
      given another example's frames and label 0
      (`AudioVisualTask.replaced_frames_fraction`; 0 in the papers).
    shifted_frames_fraction: share of every AudioScopeV2 training batch
      given its own frames shifted in time by half the clip and label 0
      (`AudioVisualTask.shifted_frames_fraction`; 0 in the papers).
    pseudo_labels: the on-screen pseudo-label of a separated source in the
      AudioScopeV2 stage (`AudioVisualTask.pseudo_labels`): 'mixit', MixIT's
      assignment to the primary (the papers), or 'energy_majority', most
      of the source's energy is the primary's.
    audioscope_steps_per_eval: AudioScopeV2 steps between validations on
      the validation MoMs (`AudioVisualTask.evaluate`); the evaluation and
      the export then use the checkpoint that validated best (the paper's
      early stopping, ECCV sec. 4.4). 0: no validation, the last
      checkpoint.
    selection_metrics: what "best" means: the largest min over these
      validation metrics (`train.selection_metrics`): ('snr', 'osr') is
      the paper's min(SNR, OSR) at theta = 0; also 'auc', 'within_auc'
      and 'calibrated_snr' (SNR at the theta giving `target_osr_db`).
    batch_size: batch size of every training stage.
    alignment: the AudioScopeV2 alignment module (papers/audioscope_v2 row,
      16 FPS config with the demo's frame rate).
    consistency: mixture consistency of the separator in every stage
      ('pred_source' as in the papers, 'uniform' or 'none').
    learning_rate: Adam's learning rate of every stage.
    separator_learning_rate: Adam's learning rate of the separator stage
      (None: `learning_rate`).
    target_osr_db: calibration target (median OSR of the validation
      off-screen MoMs).
    max_eval_examples: examples per evaluation set (None: all).
    demo_clips: length of the demo video in clips.
    seed: the data set seed, and the training seed of every stage.
    audioscope_seed: the AudioScopeV2 stage's training seed (initialisation
      and batch order) when it differs from `seed`: several draws of that
      stage on the same data and shared stages (`benchmarks/quality.py`
      --audioscope_seeds). None: `seed`.
    num_workers: processes writing the data set.
    fast: tiny shapes (`gin/demo/fast.gin`).
    gin_params: extra gin bindings for every stage (part of every stage's
      key: a stage done with other bindings runs again).
  """
  num_train: int = 384
  num_validation: int = 256
  num_test: int = 256
  separator_steps: int = 1500
  coincidence_steps: int = 800
  coincidence_loss: str = 'contrastive'
  coincidence_shifted_negatives: int = 2
  audioscope_steps: int = 600
  labelled_weight: float = 0.5
  replaced_frames_fraction: float = 0.0
  shifted_frames_fraction: float = 0.25
  pseudo_labels: str = 'mixit'
  audioscope_steps_per_eval: int = 100
  selection_metrics: Sequence[str] = ('snr', 'osr')
  batch_size: int = 8
  alignment: str = 'separable_sa'
  consistency: str = 'pred_source'
  learning_rate: float = 1e-3
  separator_learning_rate: Optional[float] = None
  target_osr_db: float = 6.0
  max_eval_examples: Optional[int] = None
  demo_clips: int = 3
  seed: int = 0
  audioscope_seed: Optional[int] = None
  num_workers: int = 2
  fast: bool = False
  gin_params: Sequence[str] = ()

  def validate(self) -> None:
    """Raises ValueError naming a bad budget and the fix."""
    for name in ('num_train', 'num_validation', 'num_test', 'separator_steps',
                 'coincidence_steps', 'audioscope_steps', 'demo_clips',
                 'num_workers'):
      if getattr(self, name) < 1:
        raise ValueError(f'{name} must be >= 1, got {getattr(self, name)}.')
    tasks.check_negative_fractions(self.replaced_frames_fraction,
                                   self.shifted_frames_fraction)
    if not 0.0 <= self.labelled_weight <= 1.0:
      raise ValueError(f'labelled_weight must be in [0, 1], got '
                       f'{self.labelled_weight}.')
    tasks.check_coincidence_options(self.coincidence_loss,
                                    self.coincidence_shifted_negatives,
                                    prefix='coincidence_')
    if self.pseudo_labels not in tasks.PSEUDO_LABELS:
      raise ValueError(f'pseudo_labels must be one of {tasks.PSEUDO_LABELS}, '
                       f'got {self.pseudo_labels!r}.')
    if self.audioscope_seed is not None and self.audioscope_seed < 0:
      raise ValueError('audioscope_seed must be >= 0 or None (None: seed), '
                       f'got {self.audioscope_seed}.')
    for name in ('learning_rate', 'separator_learning_rate'):
      value = getattr(self, name)
      if value is not None and not value > 0:
        raise ValueError(f'{name} must be > 0, got {value}.')
    if self.audioscope_steps_per_eval < 0:
      raise ValueError('audioscope_steps_per_eval must be >= 0 (0: no '
                       'validation), got '
                       f'{self.audioscope_steps_per_eval}.')
    unknown = sorted(set(self.selection_metrics) - set(SELECTION_METRICS))
    if unknown or not self.selection_metrics:
      raise ValueError(f'selection_metrics must be a non-empty subset of '
                       f'{SELECTION_METRICS}, got {tuple(self.selection_metrics)}.')
    if self.batch_size < 2:
      raise ValueError(f'batch_size must be >= 2 (coincidence negatives pair '
                       f'clips of a batch), got {self.batch_size}.')
    if min(self.num_validation, self.num_test) < 10:
      raise ValueError('num_validation and num_test must be >= 10 so that the '
                       'MoM sets hold on-screen and off-screen pairs.')
    if self.alignment not in ALIGNMENTS:
      raise ValueError(f'alignment must be one of {ALIGNMENTS}, got '
                       f'{self.alignment!r}.')
    if self.consistency not in ('pred_source', 'uniform', 'none'):
      raise ValueError("consistency must be 'pred_source', 'uniform' or "
                       f"'none', got {self.consistency!r}.")


def fast_config(**overrides) -> DemoConfig:
  """The smoke-run budgets of `--fast` (about a minute on 2 CPU cores)."""
  values = dict(num_train=16, num_validation=12, num_test=12,
                separator_steps=3, coincidence_steps=2, audioscope_steps=3,
                batch_size=2, shifted_frames_fraction=0.5,
                max_eval_examples=None, demo_clips=2,
                num_workers=1, fast=True)
  values.update(overrides)
  return DemoConfig(**values)


def banner(text: str) -> None:
  """Logs a stage banner."""
  logging.info('%s', f'==== {text} '.ljust(72, '='))


class Demo:
  """The stages of the demo (see the module docstring)."""

  def __init__(self, output_dir: str, config: DemoConfig,
               shared_dir: Optional[str] = None):
    """Sets up the stage folders.

    Args:
      output_dir: the demo's folder (created).
      config: the budgets.
      shared_dir: if given, the SHARED_STAGES (data set and pre-trained
        checkpoints) live in `<shared_dir>/<stage>` instead of
        `<output_dir>/<stage>`: run (or skipped when done) there, with the
        same budgets in `config`.
    """
    config.validate()
    self.output_dir = os.path.abspath(output_dir)
    self.config = config
    self.dirs = {stage: os.path.join(self.output_dir, stage)
                 for stage in STAGES}
    if shared_dir is not None:
      for stage in SHARED_STAGES:
        self.dirs[stage] = os.path.join(os.path.abspath(shared_dir), stage)
    self.summary_path = os.path.join(self.output_dir, SUMMARY_FILE)
    self._ran = False
    # `machine`: where this run ran (numbers differ between CPU models).
    self.summary = {'config': dataclasses.asdict(config), 'stages': {},
                    'artefacts': {}, 'machine': machine.machine_info()}
    if tf.io.gfile.exists(self.summary_path):
      previous = json_io.read_json(self.summary_path)
      self.summary['stages'] = previous.get('stages', {})
      self.summary['artefacts'] = previous.get('artefacts', {})
    tf.io.gfile.makedirs(self.output_dir)
    self._parse_gin(SEPARATOR_GIN)
    self.options = synthetic.SceneOptions()
    gin.clear_config()

  # ------------------------------ Helpers -----------------------------------

  def _gin_files(self, stage_gin: str) -> List[str]:
    files = [stage_gin, DEMO_GIN]
    if self.config.fast:
      files.append(FAST_GIN)
    return files

  def _parse_gin(self, stage_gin: str, params: Sequence[str] = ()) -> None:
    gin.clear_config()
    params = [
        f'Trainer.learning_rate = {self.config.learning_rate!r}',
        f'ImprovedTDCN.consistency = {self.config.consistency!r}',
        *params, *self.config.gin_params]
    gin_utils.parse_gin(self._gin_files(stage_gin), params)

  @property
  def clip_seconds(self) -> float:
    return float(self.options.clip_seconds)

  @property
  def frame_rate(self) -> float:
    return float(self.options.frame_rate)

  @property
  def frame_size(self):
    return tuple(int(s) for s in self.options.frame_size)

  def _data_pattern(self, split: str) -> str:
    return pipeline.dataset_path(data_dir=self.dirs['data'], split=split)

  def _clip_kwargs(self, with_frames: bool = True) -> Dict[str, Any]:
    kwargs = dict(sample_rate=self.options.sample_rate,
                  clip_seconds=self.clip_seconds)
    if with_frames:
      kwargs.update(stored_frame_rate=self.frame_rate,
                    frame_rate=self.frame_rate, frame_size=self.frame_size)
    return kwargs

  def _mom_pairs(self, split: str, kinds: Sequence[str]):
    return pipeline.synthetic_mom_pairs(
        data_dir=self.dirs['data'], split=split,
        styles=[f'filtered_{kind}' for kind in kinds])

  def mom_dataset(self, split: str, kinds=('on_screen', 'off_screen'),
                  include_ids: bool = False):
    """`() -> tf.data.Dataset` of a split's filtered MoMs (evaluation).

    With `include_ids`, batches carry 'clip_id' `[batch, 2]`, and the
    evaluation's per-example rows name each MoM '<clip1>+<clip2>'.
    """
    return functools.partial(
        pipeline.mom_eval_dataset, file_pattern=self._data_pattern(split),
        pairs=self._mom_pairs(split, kinds),
        global_batch_size=self.config.batch_size, include_ids=include_ids,
        **self._clip_kwargs())

  def _run_stage(self, stage: str, fn, key: Any = None) -> None:
    """Runs `fn() -> artefacts dict` unless the stage is done; times it.

    A stage is done when its DONE.json exists with the same `key` (e.g. the
    step budget of a training stage) and no stage before it ran in this
    call; otherwise it runs (training stages resume from their checkpoint).

    Args:
      stage: one of STAGES.
      fn: the stage.
      key: JSON-serialisable settings the stage's outputs depend on.
    """
    done_path = os.path.join(self.dirs[stage], DONE_FILE)
    number = STAGES.index(stage) + 1
    record = (json_io.read_json(done_path)
              if tf.io.gfile.exists(done_path) else None)
    if record is not None and record.get('key') == key and not self._ran:
      banner(f'Stage {number}/{len(STAGES)}: {stage} (done, skipped)')
      self.summary['stages'][stage] = dict(
          self.summary['stages'].get(stage, {}), skipped=True)
    else:
      banner(f'Stage {number}/{len(STAGES)}: {stage}')
      if tf.io.gfile.exists(done_path):
        tf.io.gfile.remove(done_path)
      tf.io.gfile.makedirs(self.dirs[stage])
      start = time.monotonic()
      artefacts = fn() or {}
      seconds = time.monotonic() - start
      record = {'seconds': seconds, 'artefacts': artefacts, 'key': key}
      json_io.write_json(done_path, record)
      self._ran = True
      self.summary['stages'][stage] = {'seconds': seconds, 'skipped': False}
      logging.info('Stage %s finished in %.1f s.', stage, seconds)
    self.summary['artefacts'].update(record.get('artefacts', {}))
    for key in ('results', 'losses'):
      if key in record:
        self.summary.setdefault(key, {})[stage] = record[key]
    json_io.write_json(self.summary_path, self.summary)

  def _train(self, stage: str, stage_gin: str, dataset_fn, num_steps: int,
             params: Sequence[str] = (), task_fn=None,
             steps_per_eval: Optional[int] = None,
             selection_metrics: Sequence[str] = ('snr', 'osr'),
             checkpoint_every: Optional[int] = None,
             seed: Optional[int] = None) -> Dict[str, Any]:
    """Trains one stage into `dirs[stage]` (resuming); returns artefacts.

    Args:
      stage: the stage (its folder is the model dir).
      stage_gin: the stage's gin file.
      dataset_fn: the training pipeline.
      num_steps: training steps.
      params: extra gin bindings.
      task_fn: `() -> Task`, called after the gin is parsed (so the task
        takes its other settings from it); None: the gin's `train.task`.
      steps_per_eval: steps between validations (None: none).
      selection_metrics: `train.selection_metrics`.
      checkpoint_every: keep a checkpoint every this many steps, all of them
        (None: one, written at every validation and at the end).
      seed: the training seed (None: `DemoConfig.seed`).
    """
    model_dir = self.dirs[stage]
    self._parse_gin(stage_gin, params)
    summary_every = max(1, num_steps // 10)
    extra = {} if task_fn is None else {'task': task_fn()}
    trainer = train_lib.train(
        model_dir, dataset_fn=dataset_fn, num_steps=num_steps,
        batch_size=self.config.batch_size,
        steps_per_loop=summary_every, steps_per_summary=summary_every,
        # A checkpoint at every validation too (or every checkpoint_every
        # steps), so that an interrupted stage resumes from the last one.
        steps_per_checkpoint=(checkpoint_every or steps_per_eval or
                              num_steps),
        steps_per_eval=steps_per_eval,
        selection_metrics=tuple(selection_metrics),
        max_to_keep=None if checkpoint_every else 1,
        seed=self.config.seed if seed is None else seed,
        **extra)
    losses = {k: float(v) for k, v in trainer.last_losses.items()}
    logging.info('%s: step %d, last losses %s', stage, trainer.step, losses)
    gin.clear_config()
    return {f'{stage}_checkpoint': tf.train.latest_checkpoint(model_dir),
            f'{stage}_losses': losses}

  # ------------------------------- Stages -----------------------------------

  def make_data(self) -> Dict[str, Any]:
    config = self.config
    info = make_synthetic_lib.make_synthetic(
        self.dirs['data'],
        {'train': config.num_train, 'validation': config.num_validation,
         'test': config.num_test},
        seed=config.seed, options=self.options,
        clips_per_shard=max(16, config.num_train // 4),
        on_screen_fraction=0.25, off_screen_fraction=0.25,
        moms_per_clip=2, num_workers=config.num_workers)
    logging.info('Wrote %s clips to %s.', info['num_clips'], self.dirs['data'])
    return {'data_dir': self.dirs['data'],
            'dataset_info': os.path.join(self.dirs['data'],
                                         make_synthetic_lib.INFO_FILE)}

  def train_separator(self,
                      checkpoint_every: Optional[int] = None) -> Dict[str, Any]:
    """MixIT pre-training of the separator on the training clips' MoMs.

    Args:
      checkpoint_every: keep a checkpoint every this many steps, all of them
        (`benchmarks/separator_purity.py` measures each); None: only the
        last.
    """
    dataset_fn = functools.partial(
        pipeline.audio_mixit_dataset, file_pattern=self._data_pattern('train'),
        seed=self.config.seed, **self._clip_kwargs(with_frames=False))
    params = []
    if self.config.separator_learning_rate is not None:
      params.append('Trainer.learning_rate = '
                    f'{self.config.separator_learning_rate!r}')
    return self._train('separator', SEPARATOR_GIN, dataset_fn,
                       self.config.separator_steps, params,
                       checkpoint_every=checkpoint_every)

  def train_coincidence(self) -> Dict[str, Any]:
    dataset_fn = functools.partial(
        pipeline.non_dataset, file_pattern=self._data_pattern('train'),
        primary_labels=None, background_labels=None, seed=self.config.seed,
        **self._clip_kwargs())
    artefacts = self._train('coincidence', COINCIDENCE_GIN, dataset_fn,
                            self.config.coincidence_steps,
                            self._coincidence_params())
    artefacts['audio_trunk'] = os.path.join(self.dirs['coincidence'],
                                            'embeddings', 'audio_trunk')
    artefacts['video_trunk'] = os.path.join(self.dirs['coincidence'],
                                            'embeddings', 'video_trunk')
    artefacts['coincidence_validation'] = self.coincidence_accuracy()
    return artefacts

  def coincidence_accuracy(self, num_batches: int = 16) -> Dict[str, float]:
    """Held-out accuracies of the coincidence checkpoint.

    On `num_batches` validation batches of NOn primaries (every label kind,
    so off-screen-only clips, whose positives show no sounding object, cap
    both below 1; chance is 0.5 for both):
    `ranking_accuracy`, how often a clip's audio scores higher with its own
    frames than with another clip's of the batch (either loss),
    `synchrony_accuracy`, how often it scores higher with its own frames
    than with them shifted by half the clip (synchrony alone), and
    `accuracy`, positives (own frames) with a logit > 0 and negatives (the
    next clip's frames) with a logit <= 0 (the 'binary' loss only).

    Sets the global TensorFlow seed to `DemoConfig.seed` (the pairs depend
    on it).

    Args:
      num_batches: validation batches.

    Returns:
      {'accuracy', 'ranking_accuracy', 'synchrony_accuracy',
      'coincidence_loss', 'num_pairs'}.
    """
    model, _ = self.restore_coincidence()
    # The validation pairs come from seeded shuffles, whose order TensorFlow
    # also derives from the global seed. Fixed here to the value a fresh
    # training run sets, so that the numbers do not depend on what ran
    # before in the process (a resumed stage, or none: session 16 found
    # 0.664 instead of 0.688 recomputed in a fresh process).
    tf.random.set_seed(self.config.seed)
    self._parse_gin(COINCIDENCE_GIN, self._coincidence_params())
    try:
      task = tasks.CoincidencePretrainingTask(
          eval_dataset_fn=functools.partial(
              pipeline.non_dataset,
              file_pattern=self._data_pattern('validation'),
              primary_labels=None, background_labels=None,
              seed=self.config.seed + 1,
              global_batch_size=self.config.batch_size,
              **self._clip_kwargs()),
          eval_num_batches=num_batches)
      metrics = task.evaluate(model)
    finally:
      gin.clear_config()
    metrics['num_pairs'] = 2 * num_batches * self.config.batch_size
    logging.info('Coincidence on validation: ranking accuracy %.3f, '
                 'synchrony accuracy %.3f, same/different accuracy %.3f '
                 'over %d pairs (chance 0.5).', metrics['ranking_accuracy'],
                 metrics['synchrony_accuracy'], metrics['accuracy'],
                 metrics['num_pairs'])
    return metrics

  def _stage_checkpoint(self, stage: str) -> str:
    """The latest checkpoint prefix of a training stage.

    Raises:
      FileNotFoundError: the stage has no checkpoint yet.
    """
    prefix = tf.train.latest_checkpoint(self.dirs[stage])
    if prefix is None:
      raise FileNotFoundError(
          f'No {stage} checkpoint in {self.dirs[stage]}; run the demo\'s '
          f"{stage} stage first (Demo.run(last_stage='{stage}')).")
    return prefix

  def restore_coincidence(self):
    """The coincidence stage's model (both trunks and its fusion head).

    Built on a batch of zeros of the demo's clip shape before restoring, so
    that every variable is matched against the checkpoint.

    Returns:
      (`tasks.CoincidenceModel`, checkpoint prefix).

    Raises:
      FileNotFoundError: the coincidence stage has no checkpoint yet.
    """
    prefix = self._stage_checkpoint('coincidence')
    self._parse_gin(COINCIDENCE_GIN, self._coincidence_params())
    try:
      task = tasks.CoincidencePretrainingTask()
      model = task.build_model()
      samples = int(round(self.clip_seconds * self.options.sample_rate))
      num_frames = int(round(self.clip_seconds * self.options.frame_rate))
      model(tf.zeros([2, samples]),
            tf.zeros([2, num_frames, *self.frame_size, 3]), training=False)
      tf.train.Checkpoint(**task.checkpoint_items(model)).restore(
          prefix).assert_existing_objects_matched().expect_partial()
    finally:
      gin.clear_config()
    return model, prefix

  def _coincidence_params(self) -> List[str]:
    return [
        'CoincidencePretrainingTask.loss = '
        f'{self.config.coincidence_loss!r}',
        'CoincidencePretrainingTask.shifted_negatives = '
        f'{self.config.coincidence_shifted_negatives!r}',
    ]

  def _audioscope_gin(self) -> str:
    return f'papers/audioscope_v2/{self.config.alignment}_16fps.gin'

  def _audioscope_params(self) -> List[str]:
    trunks = os.path.join(self.dirs['coincidence'], 'embeddings')
    return [
        f"separator_checkpoint = '{self.dirs['separator']}'",
        f"audio_trunk_checkpoint = '{os.path.join(trunks, 'audio_trunk')}'",
        f"video_trunk_checkpoint = '{os.path.join(trunks, 'video_trunk')}'",
        'AudioVisualTask.replaced_frames_fraction = '
        f'{self.config.replaced_frames_fraction!r}',
        'AudioVisualTask.shifted_frames_fraction = '
        f'{self.config.shifted_frames_fraction!r}',
        f'AudioVisualTask.pseudo_labels = {self.config.pseudo_labels!r}',
    ] + ([
        # fast.gin's one-block alignment_config names num_layers, which the
        # v1 attention (no blocks) does not take.
        'AudioScopeV2.alignment_config = {}'
    ] if self.config.fast and self.config.alignment == 'audioscope_v1' else [])

  @property
  def audioscope_seed(self) -> int:
    """The AudioScopeV2 stage's training seed (`DemoConfig.audioscope_seed`)."""
    if self.config.audioscope_seed is None:
      return self.config.seed
    return self.config.audioscope_seed

  def _audioscope_dataset_fn(self):
    """NOn batches, or semi-supervised ones when labelled_weight > 0."""
    common = dict(file_pattern=self._data_pattern('train'),
                  background_labels=None, seed=self.audioscope_seed,
                  **self._clip_kwargs())
    weight = self.config.labelled_weight
    if weight == 0:
      return functools.partial(pipeline.non_dataset, primary_labels=None,
                               **common)
    return functools.partial(
        pipeline.semi_supervised_dataset,
        weights=(1.0 - weight, weight / 2, weight / 2), **common)

  def train_audioscope(self, checkpoint_every: Optional[int] = None
                       ) -> Dict[str, Any]:
    """Trains AudioScopeV2; validates every `audioscope_steps_per_eval`.

    Args:
      checkpoint_every: also keep a checkpoint every this many steps, all of
        them (for studies of the training trajectory,
        `benchmarks/checkpoint_selection.py`); None: the demo's single one.
    """
    config = self.config
    every = config.audioscope_steps_per_eval or None
    task_fn = None
    if every:
      moms = len(self._mom_pairs('validation', ('on_screen', 'off_screen')))
      if config.max_eval_examples:
        moms = min(moms, config.max_eval_examples)
      batches = -(-moms // config.batch_size)  # The whole set (ceil).
      task_fn = functools.partial(
          tasks.AudioVisualTask,
          eval_dataset_fn=self.mom_dataset('validation'),
          eval_num_batches=batches, eval_target_osr_db=config.target_osr_db)
    artefacts = self._train(
        'audioscope', self._audioscope_gin(), self._audioscope_dataset_fn(),
        config.audioscope_steps, self._audioscope_params(), task_fn=task_fn,
        steps_per_eval=every, selection_metrics=config.selection_metrics,
        checkpoint_every=checkpoint_every, seed=self.audioscope_seed)
    best = train_lib.read_best(self.dirs['audioscope']) if every else None
    if best is not None:
      artefacts['audioscope_selected'] = {
          'step': best['step'], 'score': best['score'],
          'selection_metrics': best['selection_metrics'],
          'validation': best['metrics'],
          'checkpoint': tf.train.latest_checkpoint(
              os.path.join(self.dirs['audioscope'], train_lib.BEST_DIR))}
      artefacts['audioscope_selected_checkpoint'] = (
          artefacts['audioscope_selected']['checkpoint'])
      logging.info('AudioScopeV2: step %d of %d validated best (min(%s) = '
                   '%.3f); the evaluation and the export use it.',
                   best['step'], config.audioscope_steps,
                   ', '.join(best['selection_metrics']), best['score'])
    return artefacts

  def restore_separator(self):
    """The separator of the separator stage (MixIT pre-training only).

    Returns:
      (`separation.ImprovedTDCN`, checkpoint prefix).

    Raises:
      FileNotFoundError: the separator stage has no checkpoint yet.
    """
    prefix = self._stage_checkpoint('separator')
    self._parse_gin(SEPARATOR_GIN)
    try:
      separator = separation.ImprovedTDCN()
    finally:
      gin.clear_config()
    model_lib.read_separator_checkpoint(
        separator, prefix, int(self.options.sample_rate),
        'the demo\'s separator gin')
    return separator, prefix

  def restore_audioscope(self, checkpoint: Optional[str] = None):
    """An AudioScopeV2 of the AudioScopeV2 stage.

    Args:
      checkpoint: 'best', 'latest' or a checkpoint prefix; None: the one the
        evaluation and the export use (best when the stage validated, else
        latest).

    Returns:
      (model, checkpoint prefix, constants) of `export_lib.restore_model`,
      which leaves the model dir's operative gin config parsed.
    """
    if checkpoint is None:
      selected = (self.config.audioscope_steps_per_eval and
                  train_lib.read_best(self.dirs['audioscope']) is not None)
      checkpoint = 'best' if selected else 'latest'
    model, prefix, constants = export_lib.restore_model(
        self.dirs['audioscope'], checkpoint, model_type='audioscope_v2',
        frame_size=self.frame_size, clip_seconds=self.clip_seconds)
    return model, prefix, constants

  def evaluate(self) -> Dict[str, Any]:
    model, prefix, _ = self.restore_audioscope()
    return self.evaluate_model_fn(model, self.dirs['evaluation'],
                                  step=int(prefix.rsplit('-', 1)[-1]))

  def evaluate_model_fn(self, model_fn: Any, output_dir: str,
                        step: int = 0) -> Dict[str, Any]:
    """Evaluates any model on the demo's sets, as the evaluation stage does.

    Test MoMs (calibrated on the validation off-screen MoMs), single clips
    and the negative probes; writes the reports into `output_dir`.

    Args:
      model_fn: what `evaluate_lib.as_model_fn` accepts (an AudioScopeV2,
        a loaded SavedModel, or a callable batch -> {'sources', 'logits'}
        such as `synchrony_baseline.SynchronyBaseline`).
      output_dir: the report folder.
      step: TensorBoard step of the reports.

    Returns:
      Artefacts: the report paths and the calibration offset.
    """
    single = functools.partial(
        pipeline.single_mixture_dataset,
        file_pattern=self._data_pattern('test'),
        global_batch_size=self.config.batch_size, **self._clip_kwargs())
    summary = evaluate_lib.evaluate_model(
        model_fn, output_dir,
        test_dataset=self.mom_dataset('test', include_ids=True),
        validation_dataset=self.mom_dataset('validation', include_ids=True),
        single_mixture_dataset=single,
        probe_dataset=functools.partial(single, labels=(1,)),
        stored_theta=0.0, target_osr_db=self.config.target_osr_db,
        calibrate_on='validation',
        max_examples=self.config.max_eval_examples, probe_negatives=True,
        set_name='test', step=step)
    gin.clear_config()
    results = {
        'calibration': summary['calibration'],
        'results': summary['results'],
        'intervals': summary.get('intervals'),
        'single_mixture': summary.get('single_mixture'),
        'probe_negatives': {
            k: v for k, v in summary['probe_negatives'].items()
            if k != 'rows'},
    }
    json_io.write_json(os.path.join(output_dir, RESULTS_FILE), results)
    return {
        'evaluation_dir': output_dir,
        'results_markdown': os.path.join(output_dir,
                                         evaluate_lib.REPORT_FILE),
        'results_json': os.path.join(output_dir, evaluate_lib.SUMMARY_FILE),
        'probe_negatives_markdown': os.path.join(output_dir,
                                                 probing.REPORT_FILE),
        'osr_snr_curve': os.path.join(output_dir,
                                      evaluate_lib.CURVE_PNG_FILE),
        'calibration_offset': summary['calibration']['theta'],
    }

  def export(self) -> Dict[str, Any]:
    results = json_io.read_json(os.path.join(self.dirs['evaluation'],
                                             RESULTS_FILE))
    theta = float(results['calibration']['theta'])
    model, prefix, constants = self.restore_audioscope()
    export_dir = os.path.join(self.dirs['export'], 'saved_model')
    extra = {'checkpoint': prefix, 'model_dir': self.dirs['audioscope'],
             'calibration_target_osr_db': self.config.target_osr_db}
    # The test set's OSR/SNR curve, so that audioscope_separate
    # --target_osr_db can move the operating point.
    curve_file = os.path.join(self.dirs['evaluation'],
                              evaluate_lib.CURVE_CSV_FILE)
    curve = None
    if tf.io.gfile.exists(curve_file):
      curve = calibration.read_curve_csv(curve_file)
      extra.update(calibration_curve_file=curve_file,
                   calibration_curve_set='test')
    export_lib.export_saved_model(
        model, export_dir, calibration_offset=theta, extra_metadata=extra,
        calibration_curve=curve, **constants)
    gin.clear_config()
    return {'saved_model': export_dir}

  def make_demo_video(self) -> Dict[str, Any]:
    """A synthetic on-screen scene + an off-screen background, as an MP4."""
    options = dataclasses.replace(
        self.options,
        clip_seconds=self.clip_seconds * self.config.demo_clips)
    seed = (self.config.seed, 99)
    on_screen = synthetic.generate_scene(seed + (1,), 1, options)
    off_screen = synthetic.generate_scene(seed + (0,), 0, options)
    audio = on_screen.audio + off_screen.audio
    peak = float(np.max(np.abs(audio)))
    gain = 0.9 / peak if peak > 0.9 else 1.0
    folder = self.dirs['demo_video']
    path = os.path.join(folder, 'input.mp4')
    # Lossless H.264, so that the decoded frames, and with them the
    # separation stage's outputs, are the same in every run.
    video_io.write_video(path, on_screen.frames, options.frame_rate,
                         audio=audio * gain, sample_rate=options.sample_rate,
                         crf=0)
    for name, signal in (('input_on_screen_truth.wav', on_screen.audio),
                         ('input_off_screen_truth.wav', off_screen.audio)):
      video_io.write_wav(os.path.join(folder, name), signal * gain,
                         options.sample_rate)
    return {'demo_video': path,
            'demo_on_screen_truth': os.path.join(
                folder, 'input_on_screen_truth.wav'),
            'demo_off_screen_truth': os.path.join(
                folder, 'input_off_screen_truth.wav')}

  def separate(self) -> Dict[str, Any]:
    model = separate_lib.load_model(
        saved_model=os.path.join(self.dirs['export'], 'saved_model'))
    report = separate_lib.separate_file(
        model, self.dirs['separation'],
        video_path=os.path.join(self.dirs['demo_video'], 'input.mp4'),
        window_seconds=self.clip_seconds,
        overlap_seconds=self.clip_seconds / 4)
    files = report['files']
    return {'separation_dir': self.dirs['separation'],
            'on_screen_wav': files['on_screen'],
            'off_screen_wav': files['off_screen'],
            'on_screen_mp4': files['on_screen_video'],
            'separation_json': os.path.join(self.dirs['separation'],
                                            separate_lib.JSON_FILE)}

  # -------------------------------- Run -------------------------------------

  def run(self, last_stage: str = STAGES[-1]) -> Dict[str, Any]:
    """Runs (or skips) the stages up to `last_stage`; returns the summary.

    The summary holds 'results' and 'results_table' when the evaluation
    stage is among them.
    """
    if last_stage not in STAGES:
      raise ValueError(f'last_stage must be one of {STAGES}, got '
                       f'{last_stage!r}.')
    start = time.monotonic()
    config = self.config
    stages = (
        ('data', self.make_data,
         [config.num_train, config.num_validation, config.num_test]),
        ('separator', self.train_separator,
         # A list only when the learning rate is set, so that earlier runs'
         # keys stay valid.
         config.separator_steps if config.separator_learning_rate is None
         else [config.separator_steps, config.separator_learning_rate]),
        ('coincidence', self.train_coincidence,
         [config.coincidence_steps, config.coincidence_loss,
          config.coincidence_shifted_negatives]),
        ('audioscope', self.train_audioscope,
         [config.audioscope_steps, config.alignment, config.labelled_weight,
          config.replaced_frames_fraction,
          config.shifted_frames_fraction, config.audioscope_steps_per_eval,
          list(config.selection_metrics)] +
         # Only when set, so that earlier runs' keys stay valid.
         ([] if config.audioscope_seed is None else
          [config.audioscope_seed]) +
         ([] if config.pseudo_labels == 'mixit' else
          [config.pseudo_labels])),
        ('evaluation', self.evaluate, None),
        ('export', self.export, None),
        ('demo_video', self.make_demo_video, None),
        ('separation', self.separate, None),
    )
    for stage, fn, key in stages[:STAGES.index(last_stage) + 1]:
      if config.gin_params:
        # Extra bindings can change any stage's outputs. Only when set, so
        # that earlier runs' keys stay valid.
        key = [key, list(config.gin_params)]
      self._run_stage(stage, fn, key)
    self.summary['total_seconds_this_run'] = time.monotonic() - start
    if STAGES.index(last_stage) < STAGES.index('evaluation'):
      json_io.write_json(self.summary_path, self.summary)
      return self.summary
    self.summary['results'] = json_io.read_json(
        os.path.join(self.dirs['evaluation'], RESULTS_FILE))
    with tf.io.gfile.GFile(os.path.join(self.dirs['evaluation'],
                                        evaluate_lib.REPORT_FILE)) as f:
      table = f.read()
    with tf.io.gfile.GFile(os.path.join(self.dirs['evaluation'],
                                        probing.REPORT_FILE)) as f:
      table += '\n' + f.read()
    self.summary['results_table'] = table
    self.summary['artefacts']['demo_summary'] = self.summary_path
    json_io.write_json(self.summary_path, self.summary)
    return self.summary


def format_report(summary: Dict[str, Any]) -> str:
  """The results table, the stage times and where every artefact is."""
  lines = [summary['results_table'], '']
  coincidence = summary['artefacts'].get('coincidence_validation')
  if isinstance(coincidence, dict):
    ranking, synchrony = (
        '-' if coincidence.get(name) is None else f'{coincidence[name]:.3f}'
        for name in ('ranking_accuracy', 'synchrony_accuracy'))
    lines += [f'Coincidence pre-training, held-out: ranking accuracy '
              f'{ranking} (own frames above another clip\'s), synchrony '
              f'accuracy {synchrony} (own frames above them shifted by half '
              f"the clip), same/different accuracy "
              f"{coincidence['accuracy']:.3f} over "
              f"{coincidence['num_pairs']} pairs (chance 0.5).", '']
  selected = summary['artefacts'].get('audioscope_selected')
  if isinstance(selected, dict):
    validation = selected['validation']
    lines += [f"AudioScopeV2 checkpoint evaluated and exported: step "
              f"{selected['step']}, the best on validation by min("
              f"{', '.join(selected['selection_metrics'])}) = "
              f"{selected['score']:.3f} (there: SNR "
              f"{validation.get('snr', float('nan')):.2f} dB and OSR "
              f"{validation.get('osr', float('nan')):.2f} dB at theta 0, "
              f"AUC {validation.get('auc', float('nan')):.3f}).", '']
  lines += ['## Stage times', '']
  for stage in STAGES:
    record = summary['stages'].get(stage, {})
    seconds = record.get('seconds')
    text = '-' if seconds is None else f'{seconds:.1f} s'
    if record.get('skipped'):
      text += ' (earlier run; skipped now)'
    lines.append(f'* {stage}: {text}')
  lines += ['', f'Total this run: {summary["total_seconds_this_run"]:.1f} s']
  if summary.get('machine'):
    lines.append(f"Machine: {machine.describe(summary['machine'])}")
  lines += ['', '## Artefacts', '']
  artefacts = summary['artefacts']
  for name, value in sorted(artefacts.items()):
    if isinstance(value, str):
      lines.append(f'* {name}: {value}')
  if isinstance(artefacts.get('saved_model'), str):
    lines += ['', '## Next', '',
              'Separate a video of your own with the exported model (any '
              'length, sample rate and frame rate; --target_osr_db=10 '
              'suppresses off-screen sound more):', '',
              f"  audioscope_separate --saved_model={artefacts['saved_model']}"
              ' --input=YOUR_VIDEO.mp4 --output_dir=YOUR_OUTPUT_DIR', '',
              'Its theta was calibrated on synthetic validation MoMs; the '
              'theta for 6 dB median OSR on videos of yours whose sounds '
              'are all off screen (then --calibration_offset=THETA above):',
              '',
              f"  audioscope_calibrate --saved_model={artefacts['saved_model']}"
              ' --off_screen=YOUR_OFF_SCREEN_VIDEOS'
              ' --output_dir=YOUR_CALIBRATION_DIR']
  return '\n'.join(lines)


def run_demo(output_dir: str, fast: bool = False,
             **overrides) -> Dict[str, Any]:
  """Runs (or resumes) the demo; returns the summary of demo_summary.json.

  Args:
    output_dir: the demo's folder (created); an earlier run there is resumed.
    fast: the smoke-run budgets (`fast_config`).
    **overrides: `DemoConfig` fields.

  Returns:
    The summary: config, stages (seconds), artefacts (paths), results
    (calibration, Table-1 rows, probes) and results_table (Markdown).
  """
  config = fast_config(**overrides) if fast else DemoConfig(**overrides)
  return Demo(output_dir, config).run()
