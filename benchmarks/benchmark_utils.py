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
"""Helpers shared by the scripts in benchmarks/.

* `machine_info()`: platform, CPU model and vector extensions (results
  differ between CPU models: `audioscope.machine`), CPU count, memory,
  TensorFlow version and the 1/5/15-minute load average (a load above 0
  means other processes shared the cores: compare timings as ratios to the
  matmul rate of the same run).
* `time_calls(fn, repeats)`: min / median wall time after a warm-up call.
* `matmul_gflops(repeats)`: the float32 matmul rate of this machine now (a
  chain of matmuls, so graph optimisation cannot drop any).
* `run_point(command, ...)`: runs one measurement in a subprocess with an RSS
  watchdog (`--memory_limit_gb`), a wall-clock timeout, and the child's peak
  RSS from `os.wait4` rusage; the child prints one line
  `<prefix><json>` with `emit_point_result`.
* `paired_seed_comparison(reference, candidates)`: whether any candidate
  (e.g. an alignment module's calibrated SNR per training seed) is above a
  reference, from paired per-seed differences (t-tests, Holm's procedure).
* `write_json(path, results)`: writes the results with `machine_info()` at
  the end of the run (load average then) added.

Example (in a benchmark script):

  from benchmarks import benchmark_utils  # or `import benchmark_utils`
  results = {'matmul': benchmark_utils.matmul_gflops(repeats=5)}
  benchmark_utils.write_json('/tmp/bench/x.json', results)
"""

import json
import os
import resource
import signal
import subprocess
import tempfile
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from absl import app
from absl import logging

from audioscope import machine

LOAD_NOTE = (
    'Timings were taken on a machine shared with other jobs: see '
    'machine.load_average (1, 5, 15 min) against machine.cpu_count. Compare '
    'timings as ratios to the float32 matmul GFLOP/s measured in the same '
    'run; absolute numbers are lower bounds of what an idle machine gives.')


# ------------------------------------------------------------------- Main ---


def start_main(argv: Sequence[str], point: Optional[str],
               run_point_fn: Callable[[str], Any], output_dir: Optional[str],
               example_output_dir: str) -> bool:
  """The common start of a benchmark's `main`.

  Args:
    argv: `main`'s argv (only the program name is allowed).
    point: the `--point` flag: when set, this process measures one point.
    run_point_fn: runs that point (`fn(point)`).
    output_dir: the `--output_dir` flag.
    example_output_dir: shown in the error when `--output_dir` is missing.

  Returns:
    False when a point was run (main should return), True to go on with the
    sweep.

  Raises:
    app.UsageError: on extra arguments or a missing --output_dir.
  """
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  if point:
    run_point_fn(point)
    return False
  if not output_dir:
    raise app.UsageError(
        f'--output_dir is required, e.g. --output_dir={example_output_dir}.')
  return True


def flag_values(argv: Sequence[str], holders: Mapping[str, Any],
                required: Sequence[str]) -> Dict[str, Any]:
  """{flag: value} of `holders` (`define_flags()`), checked.

  Raises:
    app.UsageError: on positional arguments after the program name, or
      when a `required` flag is unset or empty.
  """
  values = {name: holder.value for name, holder in holders.items()}
  if len(argv) > 1:
    raise app.UsageError(f'Too many command-line arguments: {argv[1:]}.')
  missing = [name for name in required if not values[name]]
  if missing:
    raise app.UsageError('Pass ' + ', '.join(f'--{name}' for name in required)
                         + f' ({", ".join(missing)} missing).')
  return values


def check_choices(flag_name: str, values: Sequence[str],
                  allowed: Sequence[str]) -> None:
  """Raises app.UsageError naming the flag if a value is not allowed."""
  for value in values:
    if value not in allowed:
      raise app.UsageError(
          f'Unknown --{flag_name} value {value!r}; use one of '
          f'{sorted(allowed)}.')


# ---------------------------------------------------------------- Machine ---


def load_average() -> List[float]:
  """The 1, 5 and 15 minute load averages."""
  return [float(x) for x in os.getloadavg()]


def memory_total_gb() -> float:
  return os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30


def machine_info() -> Dict[str, Any]:
  """Facts about the machine (CPU model and extensions too) and its load."""
  info = machine.machine_info()
  info.update(memory_total_gb=memory_total_gb(), load_average=load_average())
  return info


# ----------------------------------------------------------------- Timing ---


def time_calls(fn: Callable[[], Any], repeats: int, warmup: int = 1,
               log: Optional[Callable[[str], None]] = None) -> Dict[str, Any]:
  """Times `fn()` `repeats` times after `warmup` untimed calls.

  Args:
    fn: a callable that blocks until its work is done (e.g. ends in .numpy()).
    repeats: timed calls (>= 1).
    warmup: untimed calls first (tracing, buffers).
    log: optional callable given one line per repeat.

  Returns:
    dict of min_s, median_s and times_s.
  """
  for _ in range(warmup):
    fn()
  times = []
  for i in range(max(repeats, 1)):
    start = time.perf_counter()
    fn()
    times.append(time.perf_counter() - start)
    if log:
      log(f'  repeat {i + 1}/{repeats}: {times[-1]:.3f} s')
  times_sorted = sorted(times)
  middle = len(times_sorted) // 2
  median = (times_sorted[middle] if len(times_sorted) % 2 else
            0.5 * (times_sorted[middle - 1] + times_sorted[middle]))
  return dict(min_s=float(times_sorted[0]), median_s=float(median),
              times_s=[float(t) for t in times])


def matmul_gflops(repeats: int = 5, size: int = 1024,
                  chain: int = 8) -> Dict[str, Any]:
  """float32 matmul GFLOP/s: a chain of `chain` [size, size] products.

  Args:
    repeats: timed calls.
    size: matrix side.
    chain: matmuls per call (each uses the previous result).

  Returns:
    dict of min_time (time_calls' dict), best_gflops, median_gflops and the
    load average when measured.
  """
  import numpy as np  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  a = tf.random.normal([size, size]) / np.sqrt(size)

  @tf.function
  def run(x):
    for _ in range(chain):
      x = tf.matmul(x, a)
    return tf.reduce_sum(x)

  stats = time_calls(lambda: run(a).numpy(), repeats)
  flops = 2 * size**3 * chain
  return dict(min_time=stats, best_gflops=flops / stats['min_s'] / 1e9,
              median_gflops=flops / stats['median_s'] / 1e9,
              load_average=load_average())


# ------------------------------------------------------- Memory, children ---


def proc_status_kb(pid: int, field: str) -> Optional[int]:
  """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, ...), or None."""
  try:
    with open(f'/proc/{pid}/status') as f:
      for line in f:
        if line.startswith(field + ':'):
          return int(line.split()[1])
  except (OSError, ValueError):
    return None
  return None


def rss_mb(pid: Optional[int] = None) -> float:
  """Current resident set size of `pid` (default: this process), MB."""
  return (proc_status_kb(pid or os.getpid(), 'VmRSS') or 0) / 1024.0


def peak_rss_mb_self() -> float:
  """This process's peak resident set size so far, MB."""
  return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def emit_point_result(prefix: str, result: Dict[str, Any]) -> None:
  """Prints the child's result line for `run_point`."""
  result = dict(result)
  result.setdefault('vm_hwm_mb',
                    (proc_status_kb(os.getpid(), 'VmHWM') or 0) / 1024.0)
  result.setdefault('peak_rss_mb_self', peak_rss_mb_self())
  print(prefix + json.dumps(result), flush=True)


def run_point(command: Sequence[str], result_prefix: str,
              memory_limit_gb: float = 0.0, timeout_s: float = 900.0,
              env: Optional[Dict[str, str]] = None,
              poll_s: float = 0.02) -> Dict[str, Any]:
  """Runs one measurement in a child process under an RSS watchdog.

  The parent polls the child's VmRSS and kills it (status 'oom') above
  `memory_limit_gb` (0 disables this), or (status 'timeout') after
  `timeout_s`. The child's own peak RSS comes from `os.wait4` rusage. A child
  that dies by SIGKILL or prints ResourceExhausted / MemoryError / bad_alloc
  is 'oom'; one that prints no result line otherwise is 'error'.

  Args:
    command: the child's argv.
    result_prefix: the prefix of the child's result line.
    memory_limit_gb: RSS limit in GB (2^30 bytes); 0 for none.
    timeout_s: wall-clock limit of the child in seconds.
    env: environment (default: this one with TF_CPP_MIN_LOG_LEVEL=2).
    poll_s: polling interval.

  Returns:
    dict: status ('ok', 'oom', 'timeout', 'error'), total_s, peak_rss_mb
    (the child's ru_maxrss), polled_max_rss_mb, result (the child's JSON or
    None), error (the last lines of stderr, when not ok).
  """
  if env is None:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2')
  start = time.perf_counter()
  with tempfile.TemporaryFile('w+') as stdout_file, tempfile.TemporaryFile(
      'w+') as stderr_file:
    process = subprocess.Popen(list(command), stdout=stdout_file,
                               stderr=stderr_file, env=env, text=True)
    status = None
    max_polled_kb = 0
    limit_kb = memory_limit_gb * 2**20 if memory_limit_gb > 0 else None
    while True:
      # wait4 reaps the child and gives its own rusage (this point's peak).
      pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
      if pid:
        break
      rss_kb = proc_status_kb(process.pid, 'VmRSS') or 0
      max_polled_kb = max(max_polled_kb, rss_kb)
      if status is None:
        if limit_kb and rss_kb > limit_kb:
          status = 'oom'
        elif time.perf_counter() - start > timeout_s:
          status = 'timeout'
        if status:
          os.kill(process.pid, signal.SIGKILL)
      time.sleep(poll_s)
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    stdout_file.seek(0)
    stderr_file.seek(0)
    stdout, stderr = stdout_file.read(), stderr_file.read()
  record = dict(total_s=time.perf_counter() - start,
                peak_rss_mb=usage.ru_maxrss / 1024.0,
                polled_max_rss_mb=max_polled_kb / 1024.0, result=None)
  results = [line for line in stdout.splitlines()
             if line.startswith(result_prefix)]
  if status is None and results:
    status = 'ok'
    record['result'] = json.loads(results[-1][len(result_prefix):])
  elif status is None:
    killed = process.returncode in (-signal.SIGKILL, 137)
    memory_error = any(s in stderr for s in
                       ('ResourceExhausted', 'MemoryError', 'bad_alloc'))
    status = 'oom' if killed or memory_error else 'error'
  if status != 'ok':
    record['error'] = stderr.strip().splitlines()[-5:]
  record['status'] = status
  return record


# ----------------------------------------------------------------- Series ---


def doubling_lengths(min_value: float, max_value: float) -> List[float]:
  """min, 2 min, 4 min, ... up to max (inclusive)."""
  values, value = [], min_value
  while value <= max_value + 1e-9:
    values.append(value)
    value *= 2
  return values


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> Optional[float]:
  """Least-squares slope of log(y) against log(x); None for < 2 points."""
  pairs = [(x, y) for x, y in zip(xs, ys) if x and y and x > 0 and y > 0]
  if len(pairs) < 2:
    return None
  import numpy as np  # pylint: disable=g-import-not-at-top
  x = np.log([p[0] for p in pairs])
  y = np.log([p[1] for p in pairs])
  return float(np.polyfit(x, y, 1)[0])


# -------------------------------------------------------------- Statistics ---


def paired_seed_comparison(
    reference: Sequence[Optional[float]],
    candidates: Mapping[str, Sequence[Optional[float]]],
    alpha: float = 0.05,
    power: float = 0.8) -> Dict[str, Any]:
  """Whether any candidate is above a reference, paired by training seed.

  Runs trained with the same seed share their data and batch order, so the
  unit of evidence is the per-seed difference `candidate - reference`. Each
  candidate gets a one-sided paired t-test (H1: the mean difference is
  above 0), and Holm's step-down procedure holds the chance of any false
  "above" at `alpha` over all candidates, which also covers picking the
  best candidate after the fact.

  Args:
    reference: the reference's metric, one value per seed (None: missing;
      that seed is left out of every pair).
    candidates: {name: values in the same seed order as `reference`}.
    alpha: family-wise error rate of the "above" verdict.
    power: the power that `seeds_for_power` is sized for.

  Returns:
    {'alpha', 'power', 'candidates': {name: {'num_seeds', 'differences',
    'mean_difference', 'std_difference', 'ci_low', 'ci_high' (two-sided
    1 - alpha t-interval of the mean difference), 'p_value' (one-sided),
    'holm_alpha' (the level Holm's procedure tested it at, None where it
    stopped before), 'above' (rejected by Holm's procedure),
    'seeds_for_power' (paired seeds that a true difference of this mean
    and standard deviation would need to be found at level alpha / number
    of candidates with probability `power`, by the normal approximation;
    None unless the mean difference is above 0)}}, 'best' (the candidate
    with the largest mean difference) and 'verdict': 'above' (at least one
    candidate is above the reference at level alpha), 'not above' (no
    candidate's mean difference is above 0) or 'undecided' (some are, and
    the seeds cannot tell it from noise). Statistics that need two seeds
    are None with fewer.
  """
  import numpy as np  # pylint: disable=g-import-not-at-top
  from scipy import stats  # pylint: disable=g-import-not-at-top
  if not candidates:
    raise ValueError('paired_seed_comparison needs at least one candidate.')
  if not 0 < alpha < 1 or not 0 < power < 1:
    raise ValueError(f'alpha and power must be in (0, 1), got {alpha} and '
                     f'{power}.')
  results = {}
  for name, values in candidates.items():
    if len(values) != len(reference):
      raise ValueError(f'{name} has {len(values)} seeds, the reference '
                       f'{len(reference)}: pair them seed by seed.')
    differences = [float(v) - float(r) for v, r in zip(values, reference)
                   if v is not None and r is not None]
    n = len(differences)
    result = {'num_seeds': n, 'differences': differences,
              'mean_difference': float(np.mean(differences)) if n else None,
              'std_difference': None, 'ci_low': None, 'ci_high': None,
              'p_value': None, 'holm_alpha': None, 'above': False,
              'seeds_for_power': None}
    if n >= 2:
      mean = result['mean_difference']
      std = float(np.std(differences, ddof=1))
      result['std_difference'] = std
      half_width = (stats.t.ppf(1 - alpha / 2, n - 1) * std / np.sqrt(n))
      result['ci_low'] = mean - float(half_width)
      result['ci_high'] = mean + float(half_width)
      if std > 0:
        result['p_value'] = float(stats.t.sf(mean / (std / np.sqrt(n)),
                                             n - 1))
        if mean > 0:
          z = (stats.norm.ppf(1 - alpha / len(candidates)) +
               stats.norm.ppf(power))
          result['seeds_for_power'] = int(np.ceil((z * std / mean) ** 2))
      else:  # Every seed gave the same difference.
        result['p_value'] = 0.0 if mean > 0 else 1.0
    results[name] = result
  # Holm: the i-th smallest p-value (0-based) is tested at alpha / (m - i),
  # and the procedure stops at the first that fails.
  tested = sorted((r['p_value'], name) for name, r in results.items()
                  if r['p_value'] is not None)
  for rank, (p_value, name) in enumerate(tested):
    level = alpha / (len(candidates) - rank)
    results[name]['holm_alpha'] = level
    if p_value > level:
      break
    results[name]['above'] = True
  means = {name: r['mean_difference'] for name, r in results.items()
           if r['mean_difference'] is not None}
  best = max(means, key=means.get) if means else None
  if any(r['above'] for r in results.values()):
    verdict = 'above'
  elif best is None or means[best] <= 0:
    verdict = 'not above'
  else:
    verdict = 'undecided'
  return {'alpha': alpha, 'power': power, 'candidates': results,
          'best': best, 'verdict': verdict}


# ------------------------------------------------------------------ Output ---


def markdown_table(header: Sequence[str],
                   rows: Sequence[Sequence[str]]) -> List[str]:
  """Lines of a Markdown table: first column left-aligned, the rest right."""
  lines = ['| ' + ' | '.join(header) + ' |',
           '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|']
  lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
  return lines


def write_json(path: str, results: Dict[str, Any],
               note: Optional[str] = LOAD_NOTE) -> str:
  """Writes `results` with `machine` (info and load average now) added.

  Any `machine` already in `results` (e.g. taken at the start of the run) is
  kept as `machine_at_start`.

  Args:
    path: the JSON file; its folder is created.
    results: JSON-serialisable dict.
    note: the note on load, stored as `note` unless `results` has one.

  Returns:
    `path`.
  """
  results = dict(results)
  if 'machine' in results:
    results['machine_at_start'] = results.pop('machine')
  results['machine'] = machine_info()
  if note and 'note' not in results:
    results['note'] = note
  # Imported here: it imports TensorFlow, which the watchdog parent of
  # `run_point` does not need.
  from audioscope import json_io  # pylint: disable=g-import-not-at-top
  return json_io.write_json(os.path.abspath(path), results)


def write_report(output_dir: str, json_name: str, markdown_name: str,
                 results: Dict[str, Any], markdown: str,
                 note: Optional[str] = LOAD_NOTE) -> str:
  """Writes a benchmark's JSON (with `markdown` in it) and Markdown files.

  Logs and prints the Markdown; returns the JSON's path (`write_json`).
  """
  results = dict(results, markdown=markdown)
  path = write_json(os.path.join(output_dir, json_name), results, note=note)
  from audioscope import json_io  # pylint: disable=g-import-not-at-top
  json_io.write_text(os.path.join(output_dir, markdown_name), markdown)
  logging.info('Wrote %s.', path)
  print(markdown)
  return path
