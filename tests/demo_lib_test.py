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
"""End-to-end test of the synthetic demo in its --fast smoke mode."""

import csv
import json
import math
import os
import re
from unittest import mock

from absl.testing import parameterized
import av
import gin
import numpy as np
import tensorflow as tf

from audioscope import demo_lib
from audioscope.data import pipeline
from audioscope.data import video_io
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib
from audioscope.inference import calibrate_lib
from audioscope.inference import export_lib
from audioscope.inference import separate_lib
from audioscope.training import tasks
from audioscope.training import train_lib


class DemoLibTest(parameterized.TestCase, tf.test.TestCase):

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _assert_wav(self, path):
    audio, rate = video_io.read_wav(path)
    self.assertEqual(rate, 16000)
    self.assertGreater(audio.shape[-1], 0)
    self.assertTrue(np.all(np.isfinite(audio)))

  def _assert_mp4(self, path):
    with av.open(path) as container:
      self.assertLen(container.streams.video, 1)
      self.assertLen(container.streams.audio, 1)
      frames = sum(1 for _ in container.decode(video=0))
    self.assertGreater(frames, 0)

  @parameterized.parameters(0.0, 0.5, 1.0)
  def test_audioscope_batches_follow_labelled_weight(self, weight):
    demo = demo_lib.Demo(self.create_tempdir().full_path,
                         demo_lib.fast_config(labelled_weight=weight))
    dataset_fn = demo._audioscope_dataset_fn()
    if weight == 0.0:
      self.assertIs(dataset_fn.func, pipeline.non_dataset)
    else:
      self.assertIs(dataset_fn.func, pipeline.semi_supervised_dataset)
      self.assertAllClose(dataset_fn.keywords['weights'],
                          (1.0 - weight, weight / 2, weight / 2))
    self.assertIsNone(dataset_fn.keywords['background_labels'])
    with self.assertRaisesRegex(ValueError, 'labelled_weight must be in'):
      demo_lib.fast_config(labelled_weight=1.5).validate()

  @parameterized.parameters((None, 3), (5, 5), (3, 3))
  def test_audioscope_seed_reaches_the_audioscope_batches_only(
      self, audioscope_seed, expected):
    demo = demo_lib.Demo(self.create_tempdir().full_path,
                         demo_lib.fast_config(seed=3,
                                              audioscope_seed=audioscope_seed))
    self.assertEqual(demo.audioscope_seed, expected)
    self.assertEqual(demo._audioscope_dataset_fn().keywords['seed'], expected)
    with self.assertRaisesRegex(ValueError, 'audioscope_seed must be >= 0'):
      demo_lib.fast_config(audioscope_seed=-1).validate()

  @parameterized.parameters(0.0, 0.25)
  def test_replaced_frames_fraction_reaches_the_task(self, fraction):
    demo = demo_lib.Demo(
        self.create_tempdir().full_path,
        demo_lib.fast_config(replaced_frames_fraction=fraction))
    demo._parse_gin(demo._audioscope_gin(), demo._audioscope_params())
    task = tasks.AudioVisualTask()
    gin.clear_config()
    self.assertEqual(task.replaced_frames_fraction, fraction)
    with self.assertRaisesRegex(ValueError,
                                'replaced_frames_fraction must be in'):
      demo_lib.fast_config(replaced_frames_fraction=1.0).validate()

  @parameterized.parameters((0.0, 0.25), (0.25, 0.25))
  def test_shifted_frames_fraction_reaches_the_task(self, replaced, shifted):
    demo = demo_lib.Demo(
        self.create_tempdir().full_path,
        demo_lib.fast_config(replaced_frames_fraction=replaced,
                             shifted_frames_fraction=shifted))
    demo._parse_gin(demo._audioscope_gin(), demo._audioscope_params())
    task = tasks.AudioVisualTask()
    gin.clear_config()
    self.assertEqual(task.shifted_frames_fraction, shifted)
    self.assertEqual(task.replaced_frames_fraction, replaced)

  @parameterized.parameters((0.0, 1.0), (0.5, 0.5), (0.0, -0.1))
  def test_bad_shifted_frames_fraction(self, replaced, shifted):
    with self.assertRaisesRegex(ValueError,
                                'shifted_frames_fraction must be in'):
      demo_lib.fast_config(replaced_frames_fraction=replaced,
                           shifted_frames_fraction=shifted).validate()

  @parameterized.parameters('mixit', 'energy_majority')
  def test_pseudo_labels_reach_the_task(self, pseudo_labels):
    demo = demo_lib.Demo(self.create_tempdir().full_path,
                         demo_lib.fast_config(pseudo_labels=pseudo_labels))
    demo._parse_gin(demo._audioscope_gin(), demo._audioscope_params())
    task = tasks.AudioVisualTask()
    gin.clear_config()
    self.assertEqual(task.pseudo_labels, pseudo_labels)

  def test_bad_pseudo_labels(self):
    with self.assertRaisesRegex(ValueError, 'pseudo_labels must be one of'):
      demo_lib.fast_config(pseudo_labels='share').validate()

  @parameterized.parameters(('contrastive', 2), ('contrastive', 0),
                            ('binary', 0))
  def test_coincidence_loss_reaches_the_task(self, loss, shifted):
    demo = demo_lib.Demo(
        self.create_tempdir().full_path,
        demo_lib.fast_config(coincidence_loss=loss,
                             coincidence_shifted_negatives=shifted))
    demo._parse_gin(demo_lib.COINCIDENCE_GIN, demo._coincidence_params())
    task = tasks.CoincidencePretrainingTask()
    gin.clear_config()
    self.assertEqual(task.loss, loss)
    self.assertEqual(task.shifted_negatives, shifted)

  @parameterized.parameters(('hinge', 0, 'coincidence_loss must be one of'),
                            ('binary', 2, 'coincidence_shifted_negatives'),
                            ('contrastive', -1,
                             'coincidence_shifted_negatives'))
  def test_bad_coincidence_options(self, loss, shifted, message):
    with self.assertRaisesRegex(ValueError, message):
      demo_lib.fast_config(coincidence_loss=loss,
                           coincidence_shifted_negatives=shifted).validate()

  @parameterized.parameters(
      (dict(audioscope_steps_per_eval=-1), 'audioscope_steps_per_eval must'),
      (dict(selection_metrics=('snr', 'loss')), 'selection_metrics must'),
      (dict(selection_metrics=()), 'selection_metrics must'))
  def test_bad_selection_options(self, overrides, message):
    with self.assertRaisesRegex(ValueError, message):
      demo_lib.fast_config(**overrides).validate()

  def test_gin_params_are_part_of_every_stage_key(self):
    output_dir = self.create_tempdir().full_path
    binding = 'SceneOptions.max_events = 2'

    def run(gin_params):
      config = demo_lib.fast_config(gin_params=gin_params)
      with mock.patch.object(demo_lib.Demo, 'make_data',
                             return_value={}) as make_data:
        summary = demo_lib.Demo(output_dir, config).run(last_stage='data')
      return summary['stages']['data']['skipped'], make_data.call_count

    self.assertEqual(run(()), (False, 1))
    self.assertEqual(run(()), (True, 0))
    # Other bindings: the stage runs again, and its key names them.
    self.assertEqual(run((binding,)), (False, 1))
    with open(os.path.join(output_dir, 'data', demo_lib.DONE_FILE)) as f:
      key = json.load(f)['key']
    config = demo_lib.fast_config()
    self.assertEqual(key, [[config.num_train, config.num_validation,
                            config.num_test], [binding]])
    self.assertEqual(run((binding,)), (True, 0))
    self.assertEqual(run(()), (False, 1))

  def test_separator_learning_rate_reaches_only_the_separator_stage(self):
    output_dir = self.create_tempdir().full_path
    config = demo_lib.fast_config(separator_learning_rate=2e-3,
                                  learning_rate=5e-4)
    demo = demo_lib.Demo(output_dir, config)
    demo.run(last_stage='data')
    rates = {}

    def fake_train(model_dir, **kwargs):
      del kwargs
      rates[os.path.basename(model_dir)] = gin.query_parameter(
          'Trainer.learning_rate')
      return mock.Mock(last_losses={}, step=1)

    with mock.patch.object(train_lib, 'train', side_effect=fake_train):
      demo.train_separator()
      demo._parse_gin(demo_lib.COINCIDENCE_GIN)
      rates['coincidence'] = gin.query_parameter('Trainer.learning_rate')
      gin.clear_config()
    self.assertEqual(rates, {'separator': 2e-3, 'coincidence': 5e-4})

  def test_separator_learning_rate_is_part_of_the_separator_key(self):
    output_dir = self.create_tempdir().full_path

    def run(rate):
      config = demo_lib.fast_config(separator_learning_rate=rate)
      with mock.patch.object(demo_lib.Demo, 'make_data', return_value={}), \
          mock.patch.object(demo_lib.Demo, 'train_separator',
                            return_value={}) as train_separator:
        demo_lib.Demo(output_dir, config).run(last_stage='separator')
      with open(os.path.join(output_dir, 'separator', demo_lib.DONE_FILE)) as f:
        return train_separator.call_count, json.load(f)['key']

    steps = demo_lib.fast_config().separator_steps
    self.assertEqual(run(None), (1, steps))  # The key of earlier runs.
    self.assertEqual(run(None), (0, steps))
    self.assertEqual(run(2e-3), (1, [steps, 2e-3]))
    self.assertEqual(run(2e-3), (0, [steps, 2e-3]))

  @parameterized.parameters(dict(learning_rate=0.0),
                            dict(separator_learning_rate=-1e-3))
  def test_bad_learning_rate(self, **overrides):
    with self.assertRaisesRegex(ValueError, 'learning_rate must be > 0'):
      demo_lib.fast_config(**overrides).validate()

  @parameterized.parameters('separator', 'coincidence')
  def test_restore_needs_the_stage(self, stage):
    demo = demo_lib.Demo(self.create_tempdir().full_path,
                         demo_lib.fast_config())
    with self.assertRaisesRegex(FileNotFoundError,
                                f"run the demo's {stage} stage first"):
      getattr(demo, f'restore_{stage}')()

  def test_demo_video_is_written_losslessly(self):
    # Lossy H.264 can decode to other frames in another process (see
    # video_io.write_video), and the separation stage reads this video.
    demo = demo_lib.Demo(self.create_tempdir().full_path,
                         demo_lib.fast_config())
    with mock.patch.object(video_io, 'write_video',
                           wraps=video_io.write_video) as write:
      artefacts = demo.make_demo_video()
    self.assertEqual(write.call_args.kwargs['crf'], 0)
    self.assertEqual(write.call_args.args[0], artefacts['demo_video'])

  def test_interrupted_audioscope_stage_resumes_from_its_last_validation(self):
    output_dir = self.create_tempdir().full_path
    config = demo_lib.fast_config(audioscope_steps_per_eval=1)
    demo_lib.Demo(output_dir, config).run(last_stage='coincidence')
    original = tasks.AudioVisualTask.evaluate
    calls = []

    def evaluate_then_fail(task, model):
      calls.append(model)
      if len(calls) == 2:
        raise RuntimeError('interrupted')
      return original(task, model)

    with mock.patch.object(tasks.AudioVisualTask, 'evaluate',
                           evaluate_then_fail):
      with self.assertRaisesRegex(RuntimeError, 'interrupted'):
        demo_lib.Demo(output_dir, config).run(last_stage='audioscope')
    model_dir = os.path.join(output_dir, 'audioscope')
    # The checkpoint of step 2 was written before its validation failed.
    self.assertEndsWith(tf.train.latest_checkpoint(model_dir), 'ckpt-2')
    self.assertEqual(train_lib.read_best(model_dir)['step'], 1)
    with self.assertLogs('absl', level='INFO') as logs:
      summary = demo_lib.Demo(output_dir, config).run(last_stage='audioscope')
    self.assertTrue(any('Resumed from' in line and 'ckpt-2' in line
                        for line in logs.output), logs.output)
    self.assertEndsWith(summary['artefacts']['audioscope_checkpoint'],
                        f'ckpt-{config.audioscope_steps}')
    self.assertIn(summary['artefacts']['audioscope_selected']['step'],
                  (1, 3))

  def test_fast_demo_writes_every_artefact_and_resumes(self):
    output_dir = self.create_tempdir().full_path
    # Validate after every AudioScopeV2 step, so that the selection has
    # three checkpoints to choose from.
    overrides = dict(audioscope_steps_per_eval=1)
    summary = demo_lib.run_demo(output_dir, fast=True, **overrides)

    # demo_summary.json parses and names every stage with its time.
    with open(os.path.join(output_dir, demo_lib.SUMMARY_FILE)) as f:
      written = json.load(f)
    self.assertCountEqual(written['stages'], demo_lib.STAGES)
    for stage in demo_lib.STAGES:
      self.assertFalse(written['stages'][stage]['skipped'])
      self.assertGreaterEqual(written['stages'][stage]['seconds'], 0.0)
    artefacts = written['artefacts']
    for name, path in artefacts.items():
      if isinstance(path, str):
        # Checkpoint prefixes name an .index file.
        self.assertTrue(
            os.path.exists(path) or os.path.exists(path + '.index'),
            f'{name}: {path}')

    # Training stages reached their step budgets.
    config = demo_lib.fast_config(**overrides)
    for stage, steps in (('separator', config.separator_steps),
                         ('coincidence', config.coincidence_steps),
                         ('audioscope', config.audioscope_steps)):
      self.assertEndsWith(artefacts[f'{stage}_checkpoint'], f'ckpt-{steps}')
      for value in artefacts[f'{stage}_losses'].values():
        self.assertTrue(math.isfinite(value))
    self.assertTrue(tf.io.gfile.exists(artefacts['audio_trunk'] + '.index'))

    # The checkpoint that validated best is the one evaluated and exported.
    selected = artefacts['audioscope_selected']
    best = train_lib.read_best(os.path.join(output_dir, 'audioscope'))
    self.assertEqual(selected['step'], best['step'])
    self.assertBetween(selected['step'], 1, config.audioscope_steps)
    self.assertEqual(selected['selection_metrics'], ['snr', 'osr'])
    self.assertAllClose(selected['score'], min(selected['validation']['snr'],
                                               selected['validation']['osr']))
    self.assertEndsWith(selected['checkpoint'], f"best/ckpt-{best['step']}")
    self.assertEqual(artefacts['audioscope_selected_checkpoint'],
                     selected['checkpoint'])
    with open(os.path.join(artefacts['saved_model'],
                           export_lib.METADATA_FILE)) as f:
      self.assertEqual(json.load(f)['checkpoint'], selected['checkpoint'])
    self.assertIn(f"step {best['step']}, the best on validation",
                  demo_lib.format_report(summary))

    # Audio and video artefacts decode.
    for name in ('on_screen_wav', 'off_screen_wav', 'demo_on_screen_truth',
                 'demo_off_screen_truth'):
      self._assert_wav(artefacts[name])
    for name in ('demo_video', 'on_screen_mp4'):
      self._assert_mp4(artefacts[name])
    with open(artefacts['separation_json']) as f:
      separation = json.load(f)
    self.assertLen(separation['sources'], 4)

    # The SavedModel loads with the calibrated theta stored.
    theta = written['results']['calibration']['theta']
    self.assertTrue(math.isfinite(theta))
    model = export_lib.load_saved_model(artefacts['saved_model'])
    self.assertAllClose(model.calibration_offset, theta, atol=1e-5)
    # With the test set's OSR/SNR curve, for audioscope_separate
    # --target_osr_db.
    self.assertEqual(model.calibration_curve, calibration.read_curve_csv(
        os.path.join(artefacts['evaluation_dir'],
                     evaluate_lib.CURVE_CSV_FILE)))
    outputs = model(np.zeros([1, 16000], np.float32),
                    np.zeros([1, 8, 32, 32, 3], np.float32))
    self.assertEqual(outputs['on_screen'].shape, (1, 16000))

    # The per-example rows name each test MoM by its two clips, those of the
    # data set's filtered pair lists, in their order.
    with open(os.path.join(artefacts['evaluation_dir'],
                           'per_example.csv')) as f:
      rows = [row for row in csv.DictReader(f)
              if row['operating_point'] == 'calibrated' and
              row['split'] == 'test']
    pairs = []
    for kind in ('on_screen', 'off_screen'):
      with open(os.path.join(output_dir, 'data',
                             f'test_mom_filtered_{kind}.csv')) as f:
        pairs += [f"{row['clip_id1']}+{row['clip_id2']}"
                  for row in csv.DictReader(f)]
    self.assertNotEmpty(rows)
    self.assertEqual([row['clip_id'] for row in rows], pairs[:len(rows)])

    # The results: finite numbers in the table and in the JSON.
    results = written['results']['results']
    for row in evaluate_lib.ROWS:
      self.assertIn(row, results)
    for row in (evaluate_lib.ROW_UNCALIBRATED, evaluate_lib.ROW_CALIBRATED):
      for key in ('median_snr_db', 'median_osr_db', 'auc'):
        self.assertTrue(math.isfinite(results[row][key]), f'{row} {key}')
    self.assertAllClose(results[evaluate_lib.ROW_CALIBRATED]['median_osr_db'],
                        6.0, atol=3.0)
    probes = written['results']['probe_negatives']['conditions']
    self.assertCountEqual(probes, ('true_video', 'blank_video',
                                   'replaced_video'))
    table = summary['results_table']
    self.assertIn('calibrated to 6 dB OSR on validation', table)
    calibrated_line = [line for line in table.splitlines()
                       if 'Model, calibrated' in line][0]
    numbers = [float(x) for x in re.findall(r'-?\d+\.\d+', calibrated_line)]
    self.assertGreaterEqual(len(numbers), 5)
    self.assertTrue(all(math.isfinite(x) for x in numbers))
    report = demo_lib.format_report(summary)
    self.assertIn(artefacts['saved_model'], report)
    # The report's closing command separates a video with the export.
    command = [line.split() for line in report.splitlines()
               if line.strip().startswith('audioscope_separate ')][-1]
    saved_model = [arg.split('=', 1)[1] for arg in command
                   if arg.startswith('--saved_model=')][0]
    separated = separate_lib.run_separation(
        artefacts['demo_video'], os.path.join(output_dir, 'next_command'),
        saved_model=saved_model, progress=False)
    with open(artefacts['separation_json']) as f:
      demo_separation = json.load(f)
    self.assertAllClose(
        [source['on_screen_probability'] for source in separated['sources']],
        [source['on_screen_probability']
         for source in demo_separation['sources']], atol=1e-5)
    # And the calibration command, here on the demo video itself.
    command = [line.split() for line in report.splitlines()
               if line.strip().startswith('audioscope_calibrate ')][-1]
    self.assertIn(f'--saved_model={saved_model}', command)
    calibrated = calibrate_lib.run_calibration(
        artefacts['demo_video'], os.path.join(output_dir, 'calibration'),
        saved_model=saved_model, progress=False)
    self.assertEqual(calibrated['off_screen']['num_used'], 1)
    self.assertAllClose(calibrated['median_osr_db'], 6.0, atol=0.011)

    # restore_separator gives the pre-trained separator: the weights that
    # AudioScopeV2.load_separator_checkpoint reads from the same stage.
    demo = demo_lib.Demo(output_dir, config)
    separator, prefix = demo.restore_separator()
    self.assertEqual(prefix, artefacts['separator_checkpoint'])
    model, _, _ = demo.restore_audioscope()
    model.load_separator_checkpoint(demo.dirs['separator'])
    audio = np.random.default_rng(0).normal(size=(2, 16000)).astype(np.float32)
    self.assertAllClose(separator(audio, training=False),
                        model.separator(audio, training=False), atol=1e-6)

    # The held-out coincidence accuracies recomputed later, whatever the
    # global seed meanwhile, are those the stage stored.
    tf.random.set_seed(123)
    stored = summary['artefacts']['coincidence_validation']
    again = demo_lib.Demo(output_dir, config).coincidence_accuracy()
    self.assertEqual(again['num_pairs'], stored['num_pairs'])
    for name in ('ranking_accuracy', 'synchrony_accuracy',
                 'coincidence_loss'):
      self.assertAllClose(again[name], stored[name], atol=1e-5, msg=name)

    # restore_coincidence gives the coincidence stage's model, restored from
    # its checkpoint (a fresh model's head would differ).
    coincidence, prefix = demo.restore_coincidence()
    self.assertEqual(prefix, tf.train.latest_checkpoint(
        demo.dirs['coincidence']))
    reader = tf.train.load_checkpoint(prefix)
    names = [name for name in reader.get_variable_to_shape_map()
             if 'logit/kernel' in name and 'OPTIMIZER' not in name]
    self.assertLen(names, 1)
    self.assertAllClose(coincidence.logit.kernel, reader.get_tensor(names[0]))

    # A second run skips every stage.
    again = demo_lib.run_demo(output_dir, fast=True, **overrides)
    self.assertTrue(all(again['stages'][s]['skipped']
                        for s in demo_lib.STAGES))
    self.assertEqual(again['results_table'], table)

    # audioscope_export --model_dir=<demo>/audioscope: the demo's pipelines
    # are not gin bindings, so the clip length and frame size come from the
    # shapes that training recorded.
    audioscope_dir = os.path.join(output_dir, 'audioscope')
    self.assertEqual(train_lib.read_training_data(audioscope_dir),
                     {'audio_samples': 16000, 'num_frames': 8,
                      'frame_size': [32, 32]})
    _, _, constants = export_lib.restore_model(audioscope_dir, 'best')
    self.assertEqual((constants['clip_seconds'], constants['frame_size'],
                      constants['frame_rate']), (1.0, (32, 32), 8.0))


if __name__ == '__main__':
  tf.test.main()
