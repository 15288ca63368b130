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
"""NumPy oracles and random model outputs shared by the evaluation tests."""

import numpy as np

EPSILON = 1e-8


def np_snr(reference, estimate):
  """SNR in dB over the last axis, with the eps of Google's code."""
  return 10 * np.log10((np.mean(reference**2, -1) + EPSILON) /
                       (np.mean((reference - estimate)**2, -1) + EPSILON))


def np_osr(mixture, estimate):
  """Off-screen suppression ratio in dB over the last axis."""
  return 10 * np.log10((np.sum(mixture**2, -1) + EPSILON) /
                       (np.sum(estimate**2, -1) + EPSILON))


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def random_predictions(seed, num_examples, label, num_sources=3,
                       num_samples=64, logit_shift=0.0):
  """Random model outputs: mixture-consistent sources, random logits.

  On-screen references (label 1) are the first source plus noise, so that
  MixIT assigns sources both ways; `logit_shift` raises the first source's
  logit there (a classifier better than chance).
  """
  # pylint: disable=g-import-not-at-top
  from audioscope.evaluation import evaluate_lib
  rng = np.random.default_rng(seed)
  sources = rng.normal(size=(num_examples, num_sources, num_samples)) * (
      rng.uniform(0.2, 2.0, size=(num_examples, num_sources, 1)))
  mixtures = sources.sum(axis=1)
  if label == 1:
    references = sources[:, 0] + 0.3 * rng.normal(
        size=(num_examples, num_samples))
  else:
    references = np.zeros_like(mixtures)
  logits = rng.normal(scale=2.0, size=(num_examples, num_sources))
  if label == 1:
    logits[:, 0] += logit_shift
  return evaluate_lib.Predictions(
      mixtures=mixtures, sources=sources, logits=logits,
      labels=np.full([num_examples], label),
      on_screen_references=references)
