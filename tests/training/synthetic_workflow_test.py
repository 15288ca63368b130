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
"""The README's gin workflow on synthetic data, in tiny shapes.

What audioscope_train does with a paper config and `datasets/synthetic.gin`
(training with validation and checkpoint selection), audioscope_export (the
training clip length and frame size in the metadata) and audioscope_eval
with the same gin file (test MoMs, calibration on validation, probes), through
the libraries the binaries call (one process cannot import two binaries:
their absl flags share names).
"""

import json
import math
import os
import tempfile

from absl.testing import parameterized
import gin
import tensorflow as tf

from audioscope import gin_utils
from audioscope.data import pipeline
from audioscope.data import synthetic
from audioscope.evaluation import calibration
from audioscope.evaluation import evaluate_lib
from audioscope.inference import export_lib
from audioscope.training import train_lib
from data_recipes import make_synthetic_lib

CLIP_SECONDS = 1.0  # One frame at 1 FPS.
FRAME_SIZE = (32, 32)


class SyntheticWorkflowTest(parameterized.TestCase, tf.test.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.data_dir = tempfile.mkdtemp()
    make_synthetic_lib.make_synthetic(
        cls.data_dir, {'train': 8, 'validation': 10, 'test': 10}, seed=1,
        options=synthetic.SceneOptions(clip_seconds=CLIP_SECONDS,
                                       frame_size=FRAME_SIZE),
        on_screen_fraction=0.4, off_screen_fraction=0.4, moms_per_clip=1)

  def tearDown(self):
    gin.clear_config()
    super().tearDown()

  def _gin_params(self, data_dir):
    return [f"DATA_DIR = '{data_dir}'", f'CLIP_SECONDS = {CLIP_SECONDS}',
            f'FRAME_SIZE = {FRAME_SIZE}']

  @parameterized.named_parameters(
      ('separable_sa_16fps', 'papers/audioscope_v2/separable_sa_16fps.gin',
       16, True),
      ('joint_cma_1fps', 'papers/audioscope_v2/joint_cma_1fps.gin', 1, True),
      ('semi_supervised', 'papers/audioscope_v2/semi_supervised.gin', 16,
       True),
      ('coincidence', 'training/coincidence_pretraining.gin', 16, True),
      ('separator', 'training/separator_pretraining.gin', 0, False))
  def test_pipelines_deliver_the_experiment_rates(self, gin_file, fps,
                                                  validates):
    gin_utils.parse_gin([gin_file, 'test/tiny_audioscope.gin',
                         'datasets/synthetic.gin'],
                        self._gin_params(self.data_dir))
    # What train() builds: the bound dataset_fn with the batch size.
    dataset_fn = gin.query_parameter('train.dataset_fn').scoped_configurable_fn
    batch = next(iter(dataset_fn(global_batch_size=2)))
    self.assertEqual(batch['audio'].shape, (2, int(CLIP_SECONDS * 16000)))
    if fps:
      self.assertEqual(batch['frames'].shape[:2],
                       (2, int(CLIP_SECONDS * fps)))
    if validates:
      # AudioVisualTask's validation MoMs, at the same rates.
      eval_dataset_fn = gin.query_parameter(
          'AudioVisualTask.eval_dataset_fn').scoped_configurable_fn()
      batch = next(iter(eval_dataset_fn()))
      self.assertEqual(batch['frames'].shape[1], int(CLIP_SECONDS * fps))

  def test_train_export_evaluate(self):
    data_dir = self.data_dir
    model_dir = self.create_tempdir().full_path
    # audioscope_train --gin_file=... --gin_param=... --model_dir=...
    gin_utils.parse_gin(
        ['papers/audioscope_v2/separable_sa_16fps.gin',
         'test/tiny_audioscope.gin', 'datasets/synthetic.gin'],
        self._gin_params(data_dir) + [
            'train.num_steps = 2', 'train.steps_per_eval = 2',
            'train.steps_per_checkpoint = 2', 'train.steps_per_loop = 2'],
        model_dir=model_dir)
    train_lib.train(model_dir=model_dir)
    # Validation ran on both kinds of validation MoMs and picked a best.
    best = train_lib.read_best(model_dir)
    self.assertEqual(best['step'], 2)
    pairs = pipeline.synthetic_mom_pairs(data_dir, 'validation')
    on_screen = pipeline.read_mom_pairs(pipeline.mom_pairs_path(
        data_dir, 'validation', 'filtered_on_screen'))
    self.assertLen(pairs, len(on_screen) + len(pipeline.read_mom_pairs(
        pipeline.mom_pairs_path(data_dir, 'validation',
                                'filtered_off_screen'))))
    metrics = best['metrics']
    self.assertEqual(metrics['num_on_screen'] + metrics['num_off_screen'],
                     len(pairs))
    self.assertGreater(metrics['num_off_screen'], 0)
    for name in ('snr', 'osr', 'auc'):
      self.assertTrue(math.isfinite(metrics[name]), msg=name)

    gin.clear_config()
    export_dir = export_lib.export_from_model_dir(
        model_dir, os.path.join(model_dir, 'export'), checkpoint='best')
    with open(os.path.join(export_dir, export_lib.METADATA_FILE)) as f:
      metadata = json.load(f)
    self.assertEqual(metadata['clip_seconds'], CLIP_SECONDS)
    self.assertEqual([metadata['frame_height'], metadata['frame_width']],
                     list(FRAME_SIZE))

    gin.clear_config()
    output_dir = self.create_tempdir().full_path
    evaluate_lib.run_evaluation(
        output_dir=output_dir, model_dir=model_dir, checkpoint='best',
        gin_files=['datasets/synthetic.gin'],
        gin_params=self._gin_params(data_dir), probe_negatives=True)
    with open(os.path.join(output_dir, 'summary.json')) as f:
      summary = json.load(f)
    counts = summary['counts']
    self.assertEqual(counts['num_on_screen'] + counts['num_off_screen'],
                     len(pipeline.synthetic_mom_pairs(data_dir, 'test')))
    self.assertEqual(summary['calibration']['set'], 'validation')
    self.assertTrue(math.isfinite(summary['calibration']['theta']))
    self.assertIn('uncalibrated', summary['single_mixture'])
    # The SavedModel, evaluated with the same gin file (its rates bound from
    # its metadata), gives the checkpoint's numbers.
    gin.clear_config()
    saved_output_dir = self.create_tempdir().full_path
    evaluate_lib.run_evaluation(
        output_dir=saved_output_dir, saved_model=export_dir,
        gin_files=['datasets/synthetic.gin'],
        gin_params=self._gin_params(data_dir))
    with open(os.path.join(saved_output_dir, 'summary.json')) as f:
      saved_summary = json.load(f)
    self.assertEqual(saved_summary['counts'], counts)
    for row in ('uncalibrated', 'calibrated'):
      for metric in ('median_snr_db', 'median_osr_db', 'auc'):
        self.assertAllClose(saved_summary['results'][row][metric],
                            summary['results'][row][metric], atol=1e-3,
                            msg=f'{row} {metric}')
    with open(os.path.join(output_dir, 'probe_negatives.json')) as f:
      probes = json.load(f)
    self.assertGreater(probes['num_examples'], 0)
    for condition in ('true_video', 'blank_video', 'replaced_video'):
      self.assertTrue(math.isfinite(
          probes['conditions'][condition]['median_osr_db']), msg=condition)

    # audioscope_export --calibration_curve=<eval>/osr_snr_curve.csv
    # --target_osr_db: the stored theta is the curve's for that OSR.
    gin.clear_config()
    curve_file = os.path.join(output_dir, 'osr_snr_curve.csv')
    curve = calibration.read_curve_csv(curve_file)
    osr = [point.median_osr_db for point in curve]
    target = (max(osr) + min(osr)) / 2
    curve_export = export_lib.export_from_model_dir(
        model_dir, os.path.join(model_dir, 'export_curve'), checkpoint='best',
        calibration_curve=curve_file, target_osr_db=target)
    loaded = export_lib.load_saved_model(curve_export)
    self.assertAllClose(loaded.calibration_offset,
                        calibration.offset_for_osr(curve, target)[0],
                        atol=1e-5)
    self.assertEqual(loaded.calibration_curve, curve)
    with open(os.path.join(curve_export, export_lib.METADATA_FILE)) as f:
      metadata = json.load(f)
    self.assertEqual((metadata['target_osr_db'],
                      metadata['calibration_curve_file']),
                     (target, curve_file))
    for kwargs, message in ((dict(target_osr_db=6.0), 'needs the curve'),
                            (dict(target_osr_db=6.0, calibration_offset=1.0,
                                  calibration_curve=curve_file), 'not both')):
      with self.assertRaisesRegex(ValueError, message):
        export_lib.export_from_model_dir(model_dir, checkpoint='best',
                                         **kwargs)


if __name__ == '__main__':
  tf.test.main()
