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
"""An on-screen classifier never trained on the on-screen task: coincidence.

Not in the papers. The demo pre-trains both embedding trunks with an
audio-visual coincidence model (`training.tasks.CoincidenceModel`: does this
audio go with these frames?). Applied to every separated source, with the
clip's frames, its logit is an on-screen score that needs no on-screen
training at all:

  logit[b, m] = coincidence(sources[b, m], frames[b])

It shows what the pre-trained trunks (and the coincidence model's own
synchrony head) tell about which source the video shows, next to the
AudioScopeV2 modules that start from the same trunks and learn an alignment
and a classifier on top (`benchmarks/quality.py` reports both). Logits of
the contrastive coincidence loss are comparable only within a batch of
pairs, so only the calibrated rows (one theta for all) are meaningful.
"""

from typing import Any, Callable, Dict, Mapping

import tensorflow as tf

from audioscope.embeddings import video as video_embedding_lib


class CoincidenceBaseline:
  """`model_fn` for `evaluate_lib`: a separator plus coincidence logits.

  Attributes:
    separator: `[batch, samples] -> [batch, M, samples]`.
    coincidence_model: a `training.tasks.CoincidenceModel` (anything with
      `source_logits(sources, frames, training)` -> `[batch, M]`), run in
      inference mode.
  """

  def __init__(self, separator: Callable[..., Any], coincidence_model: Any):
    if not hasattr(coincidence_model, 'source_logits'):
      raise TypeError(
          'coincidence_model must have source_logits(sources, frames, '
          f'training), e.g. a training.tasks.CoincidenceModel; got '
          f'{type(coincidence_model).__name__}.')
    self.separator = separator
    self.coincidence_model = coincidence_model
    self._predict = tf.function(self._sources_and_logits,
                                reduce_retracing=True, autograph=False)

  def _sources_and_logits(self, audio, frames):
    sources = self.separator(audio, training=False)
    logits = self.coincidence_model.source_logits(sources, frames,
                                                  training=False)
    return sources, logits

  def __call__(self, batch: Mapping[str, Any]) -> Dict[str, Any]:
    """{'audio' [B, samples], 'frames' [B, T, H, W, 3]} -> sources, logits.

    Frames may be uint8 (scaled to [0, 1]) or float32 in [0, 1].
    """
    frames = video_embedding_lib.frames_to_float(
        video_embedding_lib.check_frames(batch['frames']))
    sources, logits = self._predict(tf.cast(batch['audio'], tf.float32),
                                    frames)
    return {'sources': sources.numpy(), 'logits': logits.numpy()}
