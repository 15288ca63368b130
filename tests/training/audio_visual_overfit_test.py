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
"""AudioVisualTask overfits one fixed synthetic batch through the Trainer."""

import numpy as np
import tensorflow as tf

from audioscope import model as model_lib
from audioscope.data import synthetic
from audioscope.training import tasks
from audioscope.training import train_lib

_BATCH = 2
_OPTIONS = synthetic.SceneOptions(clip_seconds=0.5, frame_size=(32, 32))


def _fixed_batch():
  """NOn examples: scene i's audio and frames plus scene i + 2's audio."""
  scenes = [synthetic.generate_scene((11, i), options=_OPTIONS)
            for i in range(2 * _BATCH)]
  primary = np.stack([s.audio for s in scenes[:_BATCH]])
  background = np.stack([s.audio for s in scenes[_BATCH:]])
  return {
      'audio': tf.constant(primary + background),
      'frames': tf.constant(np.stack(
          [s.frames for s in scenes[:_BATCH]]).astype(np.float32) / 255.0),
      'reference_mixtures': tf.constant(np.stack([primary, background], 1)),
      'labels': tf.fill([_BATCH], -1),
  }


class _TinyAudioVisualTask(tasks.AudioVisualTask):
  """The task with a tiny AudioScopeV2 (no mixture consistency)."""

  def build_model(self):
    return model_lib.AudioScopeV2(
        alignment='separable_sa', embedding_dim=16,
        frame_rate=_OPTIONS.frame_rate,
        alignment_config={'num_layers': 1, 'dropout_rate': 0.0},
        separator_config={'num_basis': 16, 'bottleneck': 16,
                          'conv_channels': 16, 'num_dilations': 3,
                          'num_repeats': 1, 'consistency': 'none'},
        audio_embedding_config={'width_multiplier': 0.125},
        video_embedding_config={'width_multiplier': 0.125})


class AudioVisualOverfitTest(tf.test.TestCase):

  def test_mixit_and_classifier_losses_fall_on_a_fixed_batch(self):
    """Both AudioScopeV2 losses fall when one batch is trained on repeatedly.

    The separator runs without mixture consistency, as in the separator's
    own overfit test: with the projection, an untrained tiny separator whose
    estimates all go to one reference mixture reproduces the input mixture
    exactly, a MixIT argmin of constant loss and zero gradient, and from
    scratch the loss can stay there. The embedding trunks are frozen at
    their random initialisation, as the AV model freezes its pre-trained
    ones.

    Criteria, comparing the first step with the mean of the last 10:
    * MixIT is 10 log10 of an error power (dB, any sign), so a ratio of
      losses means nothing; it must fall by >= 6 dB (the error power of the
      best remix to below a quarter);
    * the active-combinations classifier loss is a sum of cross-entropies
      (>= 0) against the moving MixIT pseudo-labels; it must fall below 60 %
      of its start.
    """
    tf.keras.utils.set_random_seed(0)
    batch = _fixed_batch()
    trainer = train_lib.Trainer(_TinyAudioVisualTask(),
                                global_batch_size=_BATCH,
                                learning_rate=3e-3)
    trainer.build(batch)
    iterator = iter(tf.data.Dataset.from_tensors(batch).repeat())
    first = trainer.run_steps(iterator, 1)
    trainer.run_steps(iterator, 289)
    last = trainer.run_steps(iterator, 10)
    self.assertEqual(trainer.step, 300)
    self.assertLess(last['mixit'], first['mixit'] - 6.0,
                    msg=f'first {first}, last {last}')
    self.assertLess(last['classifier'], 0.6 * first['classifier'],
                    msg=f'first {first}, last {last}')


if __name__ == '__main__':
  tf.test.main()
