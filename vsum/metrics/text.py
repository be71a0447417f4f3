# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
# Copyright 2025 The vsum-la Authors.
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
"""Text-summary (V2T) metrics of the VideoXum protocol: BLEU-1..4, METEOR, ROUGE-L and CIDEr.

The numbers are those of the COCO caption evaluation (`pycocoevalcap`, as used by the official VideoXum code through
`COCOEvalCap`): predictions and references are tokenized with the Stanford PTB tokenizer (lower-cased, punctuation
removed), then scored with `Bleu(4)`, `Meteor()`, `Rouge()` and `Cider()`. Scores are corpus-level and returned in
percent. The PTB tokenizer and METEOR run Java programs, so a Java runtime must be installed.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

from .video import _check_lists


V2T_KEYS = ("bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider")
"""Keys of the V2T results, in report order."""

_JAVA_HELP = (
    "Java is required by pycocoevalcap's PTB tokenizer and METEOR scorer (they run Java programs), but no `java` "
    "executable was found on PATH. Install a Java runtime, e.g. `apt-get install default-jre-headless` on "
    "Debian/Ubuntu, `conda install -c conda-forge openjdk`, or `brew install openjdk` on macOS, then check that "
    "`java -version` works."
)


class JavaNotFoundError(RuntimeError):
    """Raised when the Java runtime needed by pycocoevalcap (PTB tokenizer, METEOR) is not installed."""


def check_java() -> str:
    """Returns the path of the `java` executable.

    Raises:
        `JavaNotFoundError`: when `java` is not on PATH, with installation instructions.
    """
    java = shutil.which("java")
    if java is None:
        raise JavaNotFoundError(_JAVA_HELP)
    return java


def _normalize_inputs(predictions: Sequence[str], references: Sequence[str | Sequence[str]]) -> list[list[str]]:
    """Validates the inputs and returns the references as one non-empty list of strings per prediction."""
    _check_lists({"predictions": predictions, "references": references}, strings="predictions")
    normalized = []
    for index, reference in enumerate(references):
        refs = [reference] if isinstance(reference, str) else reference
        if isinstance(refs, bytes) or not hasattr(refs, "__len__") or len(refs) == 0:
            raise ValueError(
                f"references of video {index} must be a string or a non-empty list of strings, got {reference!r}."
            )
        refs = list(refs)
        for ref in refs:
            if not isinstance(ref, str):
                raise ValueError(f"references of video {index} must be strings, got {type(ref).__name__}: {ref!r}.")
        normalized.append(refs)
    return normalized


def close_meteor(meteor: Any) -> None:
    """Stops the Java subprocess of a pycocoevalcap `Meteor` scorer and closes its pipes.

    pycocoevalcap 1.2 only stops the process in `Meteor.__del__` (and leaves stdout/stderr open); this does it right
    away. The later `__del__` is then a no-op (closing a closed pipe and killing a finished process are allowed).

    Args:
        meteor (`pycocoevalcap.meteor.meteor.Meteor`): the scorer to stop.
    """
    process = getattr(meteor, "meteor_p", None)
    if not isinstance(process, subprocess.Popen):
        if callable(getattr(meteor, "close", None)):  # other pycocoevalcap versions
            meteor.close()
        return
    with meteor.lock:
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        process.kill()
        process.wait()


class ReusableMeteor:
    """A METEOR scorer that starts its Java process on first use and keeps it for later calls.

    Starting METEOR takes about 7.5 s on 2 CPU cores (the Java program loads its paraphrase tables) and a call after
    that a few milliseconds, so a training run that evaluates every epoch starts it once instead of once per
    evaluation. It stands wherever a pycocoevalcap `Meteor` is accepted (`compute_score`), and `close()` (or leaving
    a `with` block) stops the Java process; a later call starts a new one. Safe to share between threads (calls are
    serialized); a forked child starts its own process and never touches its parent's.

    Example:

    ```python
    >>> from vsum.metrics.text import ReusableMeteor, compute_v2t
    >>> with ReusableMeteor() as meteor:  # doctest: +SKIP
    ...     first = compute_v2t(["a man cooks"], ["a man is cooking"], meteor=meteor)  # starts METEOR
    ...     second = compute_v2t(["a dog runs"], ["a dog is running"], meteor=meteor)  # reuses it
    ```
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._scorer = None
        self._pid = None

    @property
    def running(self) -> bool:
        """Whether this process holds a started METEOR scorer."""
        return self._scorer is not None and self._pid == os.getpid()

    def compute_score(self, gts: dict[Any, list[str]], res: dict[Any, list[str]]):
        """`Meteor.compute_score`, on the kept scorer (started here on first use)."""
        with self._lock:
            if not self.running:
                from pycocoevalcap.meteor.meteor import Meteor

                check_java()
                # After a fork the parent's scorer (pipes shared with the parent) is dropped, not stopped.
                self._scorer, self._pid = Meteor(), os.getpid()
            return self._scorer.compute_score(gts, res)

    def close(self) -> None:
        """Stops the Java process (if this process started one)."""
        with self._lock:
            if self.running:
                close_meteor(self._scorer)
            self._scorer = self._pid = None

    def __enter__(self) -> ReusableMeteor:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@functools.cache
def shared_meteor() -> ReusableMeteor:
    """The process's [`ReusableMeteor`], which [`vsum.evaluation.compute_metrics`] uses by default.

    It starts on the first V2T computation and is stopped at interpreter exit (or by its `close()`), so repeated
    evaluations in one process (training, notebooks, scripts evaluating several splits) pay METEOR's start once.
    """
    meteor = ReusableMeteor()
    atexit.register(meteor.close)
    return meteor


def coco_caption_scores(gts: dict[Any, list[str]], res: dict[Any, list[str]], meteor: Any = None) -> dict[str, float]:
    """Runs the COCO caption scorers on already PTB-tokenized captions (as `COCOEvalCap.evaluate` does).

    Args:
        gts (`dict`): id -> list of tokenized reference captions.
        res (`dict`): id -> list with the one tokenized predicted caption.
        meteor (`pycocoevalcap.meteor.meteor.Meteor`, *optional*):
            A running METEOR scorer to reuse; it is left running. By default a new one is started and stopped.

    Returns:
        `dict[str, float]`: `bleu_1`..`bleu_4`, `meteor`, `rouge_l` and `cider`, as fractions (not percent).
    """
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge

    check_java()
    # `verbose=0` only silences the statistics that pycocoevalcap prints; the scores are the same.
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    meteor_scorer = Meteor() if meteor is None else meteor
    try:
        meteor_score, _ = meteor_scorer.compute_score(gts, res)
    finally:
        if meteor is None:
            close_meteor(meteor_scorer)
    rouge, _ = Rouge().compute_score(gts, res)
    cider, _ = Cider().compute_score(gts, res)
    values = [*bleu, meteor_score, rouge, cider]
    return {key: float(value) for key, value in zip(V2T_KEYS, values)}


@contextlib.contextmanager
def _java_stderr_silenced():
    """The Stanford tokenizer (a Java child process that inherits our stderr) prints one "PTBTokenizer tokenized N
    tokens" line per call; training logs got two per evaluation. File descriptor 2 is pointed at /dev/null while it
    runs, unless the `vsum.metrics` logger is at DEBUG level."""
    if logging.getLogger(__name__).isEnabledFor(logging.DEBUG):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def ptb_tokenize(captions: dict[Any, list[str]]) -> dict[Any, list[str]]:
    """Tokenizes captions with pycocoevalcap's Stanford PTB tokenizer (lower-cased, punctuation removed).

    Args:
        captions (`dict`): id -> list of raw captions.

    Returns:
        `dict`: id -> list of tokenized captions, in the same order.
    """
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    check_java()
    with _java_stderr_silenced():
        tokenized = PTBTokenizer().tokenize({key: [{"caption": c} for c in caps] for key, caps in captions.items()})
    for key, caps in captions.items():
        if len(tokenized.get(key, [])) != len(caps):
            raise RuntimeError(
                f"The PTB tokenizer returned {len(tokenized.get(key, []))} captions for id {key!r} instead of "
                f"{len(caps)}; a caption probably contains a line break character other than '\\n': {caps!r}."
            )
    return tokenized


def compute_v2t(
    predictions: Sequence[str], references: Sequence[str | Sequence[str]], meteor: Any = None
) -> dict[str, float]:
    """Corpus-level V2T metrics, identical to the COCO caption evaluation (pycocoevalcap).

    Captions are PTB-tokenized (`PTBTokenizer().tokenize`), then scored with `Bleu(4)`, `Meteor()`, `Rouge()` and
    `Cider()`. Predictions and references should already be cleaned as the training targets are (e.g. without the
    "a video of " prompt); no other normalization is applied here.

    Args:
        predictions (`list[str]`):
            Generated text summary of each video.
        references (`list[str]` or `list[list[str]]`):
            Reference summary (or non-empty list of reference summaries) of each video.
        meteor (`pycocoevalcap.meteor.meteor.Meteor` or [`ReusableMeteor`], *optional*):
            A METEOR scorer to reuse across calls (its Java process takes about 7.5 s to start); the caller stops
            it. By default a new one is started and stopped within the call.

    Returns:
        `dict[str, float]`: `bleu_1`, `bleu_2`, `bleu_3`, `bleu_4`, `meteor`, `rouge_l` and `cider`, in percent.

    Raises:
        `ValueError`: for empty or malformed inputs.
        `JavaNotFoundError`: (a `RuntimeError`) when Java is not installed.
    """
    refs = _normalize_inputs(predictions, references)
    check_java()
    gts = ptb_tokenize(dict(enumerate(refs)))
    res = ptb_tokenize({index: [prediction] for index, prediction in enumerate(predictions)})
    return {key: 100.0 * value for key, value in coco_caption_scores(gts, res, meteor=meteor).items()}
