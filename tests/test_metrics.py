# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tests of the VideoXum metrics (`vsum.metrics`) and of the `evaluate` modules in `metrics/`.

Expected numbers are written by hand (see the comments) or come from independent implementations written here (the
official VideoXum loop, pycocoevalcap called directly, CLIP embeddings computed directly), never from the code under
test. Everything runs offline: CLIP is a tiny random model with a character-level tokenizer.
"""

from __future__ import annotations

import doctest
import io
import math
import warnings
from pathlib import Path

import evaluate
import numpy as np
import pytest
import torch
from conftest import make_tiny_clip
from scipy.stats import kendalltau, rankdata, spearmanr

from vsum.metrics import text as text_metrics
from vsum.metrics.clipscore import (
    compute_vt_clipscore,
    num_clip_frames,
    select_clip_frames,
    vt_clipscore_per_video,
)
from vsum.metrics.text import JavaNotFoundError, close_meteor, compute_v2t
from vsum.metrics.video import (
    compute_v2v,
    compute_v2v_per_video,
    rank_correlations,
    score_video,
    select_summary,
    summary_f1,
)


REPO_ROOT = Path(__file__).resolve().parents[1]
METRICS_DIR = REPO_ROOT / "metrics"


def run_doctests(docstring: str, globs: dict) -> None:
    """Runs the `>>>` examples of a docstring and fails with the doctest report if any example fails."""
    test = doctest.DocTestParser().get_doctest(docstring, dict(globs), "example", None, 0)
    assert test.examples, "the docstring has no example"
    report = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


# --------------------------------------------------------------------------------------------------------------------
# V2V: summary selection
# --------------------------------------------------------------------------------------------------------------------


def test_select_summary_short_video_selects_one_frame():
    # T = 5: floor(0.15 * 5) = 0, so the threshold is the maximum and only the best frame is kept.
    mask = select_summary([0.1, 0.5, 0.3, 0.2, 0.4])
    assert mask.tolist() == [False, True, False, False, False]


def test_select_summary_short_video_keeps_ties_with_the_maximum():
    mask = select_summary([0.5, 0.9, 0.9, 0.1, 0.2, 0.3])
    assert mask.tolist() == [False, True, True, False, False, False]


def test_select_summary_long_video_threshold_index():
    # T = 20: floor(0.15 * 20) = 3, threshold = 4th largest score -> 4 frames (16, 17, 18, 19).
    mask = select_summary(np.arange(20, dtype=float))
    assert np.flatnonzero(mask).tolist() == [16, 17, 18, 19]
    # T = 40: floor(6.0) = 6 -> 7 frames.
    assert select_summary(np.linspace(0, 1, 40)).sum() == 7


def test_select_summary_ties_at_the_threshold_are_all_selected():
    # T = 20, threshold = 4th largest = 7; the two frames scoring 7 are both selected -> 5 frames.
    scores = [10, 9, 8, 7, 7] + [1] * 15
    assert np.flatnonzero(select_summary(scores)).tolist() == [0, 1, 2, 3, 4]


def test_select_summary_constant_scores_select_every_frame():
    assert select_summary(np.full(10, 0.5)).sum() == 10
    assert select_summary(np.zeros(100)).sum() == 100


def test_select_summary_ratio():
    scores = np.arange(10, dtype=float)
    assert select_summary(scores, ratio=0.5).sum() == 6  # floor(5) = 5 -> 6 frames
    assert select_summary(scores, ratio=1.0).all()  # index clipped to T - 1
    for bad in (0, 0.0, -0.1, 1.5, "0.15", None, True):
        with pytest.raises(ValueError, match="summary_ratio"):
            select_summary(scores, ratio=bad)


def test_select_summary_single_frame():
    assert select_summary([0.3]).tolist() == [True]


# --------------------------------------------------------------------------------------------------------------------
# V2V: F1
# --------------------------------------------------------------------------------------------------------------------


def test_summary_f1_hand_computed():
    summary = [1, 1, 0, 0, 0, 0, 0]
    labels = [
        [1, 1, 0, 0, 0, 0, 0],  # identical: F1 = 1
        [1, 0, 1, 0, 0, 0, 0],  # TP = 1, P = 1/2, R = 1/2: F1 = 1/2
        [0, 0, 0, 0, 0, 0, 0],  # no selected frame: recall undefined -> F1 = 0
        [0, 0, 1, 1, 1, 1, 1],  # disjoint: F1 = 0
        [1, 0, 0, 0, 0, 0, 0],  # TP = 1, P = 1/2, R = 1: F1 = 2/3
    ]
    np.testing.assert_allclose(summary_f1(summary, labels), [1.0, 0.5, 0.0, 0.0, 2 / 3])


def test_score_video_f1_mean_vs_max():
    # T = 7: floor(1.05) = 1 -> threshold = 2nd largest (0.8): frames 0 and 1.
    scores = [0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5]
    labels = [
        [1, 1, 0, 0, 0, 0, 0],  # F1 = 1
        [1, 0, 1, 0, 0, 0, 0],  # F1 = 1/2
        [0, 0, 0, 0, 0, 0, 0],  # F1 = 0 (annotator with no selected frame)
        [0, 0, 1, 1, 1, 1, 1],  # F1 = 0
    ]
    result = score_video(scores, labels)
    assert result["num_frames"] == 7
    assert result["num_selected"] == 2
    assert result["f1_mean"] == pytest.approx(37.5)  # (1 + 0.5 + 0 + 0) / 4, in percent
    assert result["f1_max"] == pytest.approx(100.0)


def test_score_video_constant_scores():
    # Constant scores: all 4 frames selected. Annotator 1: TP = 1, F1 = 2 * 1 / (4 + 1) = 0.4; annotator 2: F1 = 0.
    # Rank correlations are undefined (constant scores) and count as 0.
    result = score_video([0.5, 0.5, 0.5, 0.5], [[1, 0, 0, 0], [0, 0, 0, 0]])
    assert result["num_selected"] == 4
    assert result["f1_mean"] == pytest.approx(20.0)
    assert result["f1_max"] == pytest.approx(40.0)
    assert result["kendall"] == 0.0
    assert result["spearman"] == 0.0


# --------------------------------------------------------------------------------------------------------------------
# V2V: rank correlations
# --------------------------------------------------------------------------------------------------------------------


def test_rank_correlations_hand_computed():
    # annotator mean = [1, .5, 0, 0]; scores = [.9, .1, .2, .3].
    # Pairs: (0,1) (0,2) (0,3) concordant, (1,2) (1,3) discordant, (2,3) tied in the mean only:
    # tau-b = (3 - 2) / sqrt((6 - 1) * (6 - 0)) = 1 / sqrt(30).
    # Ranks: mean -> [4, 3, 1.5, 1.5], scores -> [4, 1, 2, 3];
    # Pearson of the ranks = 1.5 / sqrt(4.5 * 5) = 1 / sqrt(10).
    kendall, spearman = rank_correlations([0.9, 0.1, 0.2, 0.3], [[1, 0, 0, 0], [1, 1, 0, 0]])
    assert kendall == pytest.approx(1 / math.sqrt(30))
    assert spearman == pytest.approx(1 / math.sqrt(10))


def test_rank_correlations_perfect_and_reversed():
    labels = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]]  # mean = [1, 2/3, 1/3, 0]
    assert rank_correlations([4.0, 3.0, 2.0, 1.0], labels) == pytest.approx((1.0, 1.0))
    assert rank_correlations([1.0, 2.0, 3.0, 4.0], labels) == pytest.approx((-1.0, -1.0))
    # Invariant to a strictly increasing transform such as the sigmoid.
    logits = np.array([2.0, -1.0, 0.5, 3.0])
    assert rank_correlations(logits, labels) == pytest.approx(rank_correlations(1 / (1 + np.exp(-logits)), labels))


def test_rank_correlations_undefined_count_as_zero():
    # Constant annotator mean (everyone selected the same frames everywhere), constant scores, single frame.
    assert rank_correlations([0.1, 0.2, 0.3], [[1, 1, 1], [1, 1, 1]]) == (0.0, 0.0)
    assert rank_correlations([0.1, 0.2, 0.3], [[0, 0, 0], [0, 0, 0]]) == (0.0, 0.0)
    assert rank_correlations([0.7, 0.7, 0.7], [[1, 0, 0], [1, 1, 0]]) == (0.0, 0.0)
    assert rank_correlations([0.7], [[1], [0]]) == (0.0, 0.0)


# --------------------------------------------------------------------------------------------------------------------
# V2V: dataset level
# --------------------------------------------------------------------------------------------------------------------


def test_compute_v2v_averages_over_videos():
    predictions = [np.array([0.9, 0.1, 0.2, 0.3]), np.array([0.5, 0.5, 0.5, 0.5])]
    references = [np.array([[1, 0, 0, 0], [1, 1, 0, 0]]), np.array([[1, 0, 0, 0], [0, 0, 0, 0]])]
    # Video 0: frame 0 selected, F1 = [1, 2/3] -> mean 83.33, max 100; tau = 1/sqrt(30), rho = 1/sqrt(10).
    # Video 1: F1 mean 20, max 40, tau = rho = 0 (see test_score_video_constant_scores).
    result = compute_v2v(predictions, references)
    assert set(result) == {"f1_mean", "f1_max", "kendall", "spearman"}
    assert result["f1_mean"] == pytest.approx((250 / 3 + 20) / 2)
    assert result["f1_max"] == pytest.approx(70.0)
    assert result["kendall"] == pytest.approx(1 / math.sqrt(30) / 2)
    assert result["spearman"] == pytest.approx(1 / math.sqrt(10) / 2)

    per_video = compute_v2v_per_video(predictions, references)
    assert [video["num_selected"] for video in per_video] == [1, 4]
    assert per_video[1]["f1_max"] == pytest.approx(40.0)


def test_compute_v2v_accepts_torch_bool_and_float_inputs():
    predictions = [torch.tensor([0.9, 0.1, 0.2, 0.3])]
    references = [torch.tensor([[True, False, False, False], [True, True, False, False]])]
    result = compute_v2v(predictions, references)
    assert result["f1_mean"] == pytest.approx(250 / 3)
    result = compute_v2v([[0.9, 0.1, 0.2, 0.3]], [[[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]])
    assert result["f1_max"] == pytest.approx(100.0)


def _official_video_metrics(pred: np.ndarray, gt: np.ndarray) -> tuple[float, float, float, float]:
    """Literal port of the official VideoXum `get_top15_frames` + sklearn F1 + `compute_kendall`/`compute_spearman`."""
    n_top15 = int(len(pred) * 0.15)
    val_top15 = np.sort(pred)[::-1][int(n_top15)]
    pred_top15 = pred >= val_top15
    f1s = []
    for annotator in gt:  # sklearn.metrics.f1_score(annotator, pred_top15), zero_division -> 0
        tp = int(np.sum(pred_top15 & (annotator == 1)))
        precision = tp / pred_top15.sum() if pred_top15.sum() else 0.0
        recall = tp / annotator.sum() if annotator.sum() else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    mean = gt.sum(axis=0) / gt.shape[0]
    # The official code lets SciPy return NaN (with a warning) for undefined coefficients and maps NaN to 0; the
    # warnings of this reference implementation are expected and not what is tested.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau = kendalltau(rankdata(-mean), rankdata(-pred))[0]
        rho = spearmanr(mean, pred)[0]
    tau = 0.0 if math.isnan(tau) else tau
    rho = 0.0 if math.isnan(rho) else rho
    return 100 * np.mean(f1s), 100 * np.max(f1s), tau, rho


def test_compute_v2v_matches_official_loop_on_random_videos():
    rng = np.random.default_rng(0)
    predictions, references = [], []
    for index in range(200):
        length = int(rng.integers(1, 300))
        # Every third video has heavily tied (quantized) scores.
        scores = rng.integers(0, 5, length) / 4 if index % 3 == 0 else rng.random(length)
        labels = (rng.random((10, length)) < rng.random() * 0.3).astype(np.int64)
        predictions.append(scores)
        references.append(labels)
    expected = np.array([_official_video_metrics(p, g) for p, g in zip(predictions, references)])
    per_video = compute_v2v_per_video(predictions, references)
    got = np.array([[v["f1_mean"], v["f1_max"], v["kendall"], v["spearman"]] for v in per_video])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-10)
    result = compute_v2v(predictions, references)
    np.testing.assert_allclose(
        [result["f1_mean"], result["f1_max"], result["kendall"], result["spearman"]], expected.mean(axis=0), atol=1e-10
    )


def test_compute_v2v_validation_errors():
    good_scores, good_labels = [0.1, 0.2, 0.3], [[0, 1, 0], [1, 0, 0]]
    with pytest.raises(ValueError, match=r"video 1: predictions have 3 frames but references have 4 frames"):
        compute_v2v([good_scores, good_scores], [good_labels, [[0, 1, 0, 1]]])
    binary_error = r"video 0: references must be binary \(0/1\), got 0.5 for annotator 1 at frame 2"
    with pytest.raises(ValueError, match=binary_error):
        compute_v2v([good_scores], [[[0, 1, 0], [1, 0, 0.5]]])
    with pytest.raises(ValueError, match=r"video 0: references must be a 2-D annotators x frames matrix"):
        compute_v2v([good_scores], [[0, 1, 0]])
    with pytest.raises(ValueError, match=r"video 0: predicted scores are empty"):
        compute_v2v([[]], [np.zeros((10, 0))])
    with pytest.raises(ValueError, match=r"video 0: references must have at least one annotator"):
        compute_v2v([good_scores], [np.zeros((0, 3))])
    with pytest.raises(ValueError, match=r"video 0: predicted scores must be finite, got nan at frame 1"):
        compute_v2v([[0.1, float("nan"), 0.3]], [good_labels])
    with pytest.raises(ValueError, match=r"video 0: predicted scores must be a 1-D sequence"):
        compute_v2v([[[0.1, 0.2, 0.3]]], [good_labels])
    with pytest.raises(ValueError, match=r"got 2 predictions and 1 references"):
        compute_v2v([good_scores, good_scores], [good_labels])
    with pytest.raises(ValueError, match=r"at least one video"):
        compute_v2v([], [])
    with pytest.raises(ValueError, match=r"summary_ratio"):
        compute_v2v([good_scores], [good_labels], summary_ratio=0)
    with pytest.raises(ValueError, match=r"`summary` has 2 frames but `labels` have 3 frames"):
        summary_f1([1, 0], good_labels)


# --------------------------------------------------------------------------------------------------------------------
# V2T
# --------------------------------------------------------------------------------------------------------------------


def _generated_captions(num: int, seed: int = 0) -> tuple[list[str], list[str | list[str]]]:
    """Random caption pairs with shared words, capitals and punctuation; references are single strings or lists."""
    rng = np.random.default_rng(seed)
    words = "a the man woman dog cat is are running cooking playing on in with kitchen beach ball guitar video".split()
    punctuation = ["", ".", "!", ",", "?", " ;"]

    def sentence(base: list[str] | None = None) -> str:
        tokens = list(base) if base is not None else list(rng.choice(words, size=int(rng.integers(3, 12))))
        for _ in range(int(rng.integers(0, 4))):  # perturb a few words
            tokens[int(rng.integers(0, len(tokens)))] = str(rng.choice(words))
        text = " ".join(tokens) + str(rng.choice(punctuation))
        return text.capitalize() if rng.random() < 0.3 else text

    predictions, references = [], []
    for index in range(num):
        base = list(rng.choice(words, size=int(rng.integers(4, 12))))
        predictions.append(sentence(base))
        if index % 3 == 0:
            references.append(sentence(base))  # single reference as a plain string
        else:
            references.append([sentence(base) for _ in range(int(rng.integers(1, 4)))])
    return predictions, references


def test_v2t_equals_pycocoevalcap():
    from pycocoevalcap.bleu.bleu import Bleu
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.meteor.meteor import Meteor
    from pycocoevalcap.rouge.rouge import Rouge
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    predictions, references = _generated_captions(36)
    predictions[5] = ""  # an empty generation is scored too

    # One METEOR scorer (its jar takes ~10 s to start) serves both computations; `compute_v2t` starting and stopping
    # its own scorer is tested in test_evaluate_vsum_v2t_doc_example_and_cleanup.
    meteor_scorer = Meteor()
    got = compute_v2t(predictions, references, meteor=meteor_scorer)
    assert meteor_scorer.meteor_p.poll() is None  # a scorer passed in is left running

    # Direct pycocoevalcap computation, as COCOEvalCap.evaluate does.

    gts_raw = {
        i: [{"caption": r} for r in ([refs] if isinstance(refs, str) else refs)] for i, refs in enumerate(references)
    }
    res_raw = {i: [{"caption": p}] for i, p in enumerate(predictions)}
    gts = PTBTokenizer().tokenize(gts_raw)
    res = PTBTokenizer().tokenize(res_raw)
    bleu, _ = Bleu(4).compute_score(gts, res)
    meteor, _ = meteor_scorer.compute_score(gts, res)
    close_meteor(meteor_scorer)
    rouge, _ = Rouge().compute_score(gts, res)
    cider, _ = Cider().compute_score(gts, res)
    expected = {
        "bleu_1": 100.0 * float(bleu[0]),
        "bleu_2": 100.0 * float(bleu[1]),
        "bleu_3": 100.0 * float(bleu[2]),
        "bleu_4": 100.0 * float(bleu[3]),
        "meteor": 100.0 * float(meteor),
        "rouge_l": 100.0 * float(rouge),
        "cider": 100.0 * float(cider),
    }
    assert got == expected
    assert 0 < got["bleu_1"] < 100 and 0 < got["meteor"] < 100 and got["cider"] > 0


@pytest.fixture()
def started_meteors(monkeypatch):
    """Every pycocoevalcap `Meteor` started during the test, in order."""
    from pycocoevalcap.meteor import meteor as meteor_module

    started = []

    class RecordingMeteor(meteor_module.Meteor):
        def __init__(self):
            super().__init__()
            started.append(self)

    monkeypatch.setattr(meteor_module, "Meteor", RecordingMeteor)
    return started


def test_reusable_meteor_starts_java_once_and_compute_metrics_shares_one(monkeypatch, started_meteors):
    from datasets import Dataset

    import vsum.metrics.text as text_metrics
    from vsum.evaluation import compute_metrics
    from vsum.metrics.text import ReusableMeteor, shared_meteor

    predictions, references = _generated_captions(6)
    with ReusableMeteor() as meteor:
        assert not meteor.running and not started_meteors  # nothing starts before the first score
        first = compute_v2t(predictions, references, meteor=meteor)
        again = compute_v2t(predictions[::-1], references[::-1], meteor=meteor)  # the same corpus, reordered
        assert len(started_meteors) == 1 and meteor.running and started_meteors[0].meteor_p.poll() is None
        assert again == pytest.approx(first, rel=1e-12)
        # As after a fork: a scorer started by another process is neither used nor stopped; a new one starts.
        meteor._pid = -1
        assert compute_v2t(predictions, references, meteor=meteor) == first
        assert len(started_meteors) == 2 and started_meteors[0].meteor_p.poll() is None
        close_meteor(started_meteors[0])
    process = started_meteors[1].meteor_p
    assert not meteor.running and process.returncode is not None and process.stdout.closed

    # compute_metrics scores texts with the process's one shared scorer unless given another.
    seen = []
    monkeypatch.setattr(text_metrics, "compute_v2t", lambda texts, refs, meteor: seen.append(meteor) or {})
    dataset = Dataset.from_dict({"video_id": ["a"], "vsum_onehot": [[[0, 1]] * 10], "text_summary": ["a dog runs"]})
    compute_metrics([{"text": "a dog"}], dataset)
    compute_metrics([{"text": "a dog"}], dataset, meteor=meteor)
    assert seen == [shared_meteor(), meteor] and isinstance(seen[0], ReusableMeteor)


def test_v2t_java_missing_raises_clear_error(monkeypatch):
    monkeypatch.setattr(text_metrics.shutil, "which", lambda name: None)
    with pytest.raises(JavaNotFoundError, match=r"apt-get install default-jre-headless") as error:
        compute_v2t(["a dog runs"], ["a dog is running"])
    assert isinstance(error.value, RuntimeError)
    assert "Java is required by pycocoevalcap's PTB tokenizer and METEOR" in str(error.value)


def test_v2t_validation_errors():
    with pytest.raises(ValueError, match="`predictions` is empty"):
        compute_v2t([], [])
    with pytest.raises(ValueError, match="got 2 predictions and 1 references"):
        compute_v2t(["a", "b"], ["a"])
    with pytest.raises(ValueError, match="prediction 1 must be a string, got int"):
        compute_v2t(["a", 3], ["a", "b"])
    with pytest.raises(ValueError, match="references of video 0 must be a string or a non-empty list"):
        compute_v2t(["a"], [[]])
    with pytest.raises(ValueError, match="references of video 0 must be strings, got NoneType"):
        compute_v2t(["a"], [["a", None]])
    with pytest.raises(ValueError, match="`predictions` must be a list"):
        compute_v2t("a dog", ["a dog"])


# --------------------------------------------------------------------------------------------------------------------
# VT-CLIPScore
# --------------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_clip():
    torch.manual_seed(0)
    return make_tiny_clip()


def _direct_text_embedding(model, processor, text: str) -> np.ndarray:
    encoded = processor.tokenizer([text], return_tensors="pt")
    with torch.no_grad():
        out = model.get_text_features(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"])
    return out.pooler_output[0].double().numpy()


def _direct_image_embeddings(model, pixel_values: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return model.get_image_features(pixel_values=pixel_values).pooler_output.double().numpy()


def _direct_clipscore(frame_embeddings: np.ndarray, text_embedding: np.ndarray, normalize_frames=False) -> float:
    # Official: the frame features are averaged as they are, then the mean is normalised.
    frames = frame_embeddings
    if normalize_frames:
        frames = frame_embeddings / np.linalg.norm(frame_embeddings, axis=1, keepdims=True)
    video = frames.mean(axis=0)
    video = video / np.linalg.norm(video)
    return 100.0 * float(video @ (text_embedding / np.linalg.norm(text_embedding)))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(scores)[::-1][:k]  # the test scores have no ties


def test_select_clip_frames_counts_and_ties():
    # max(1, int(0.15 * T)): T = 6 -> 1 frame, T = 20 -> 3 frames, T = 100 -> 15 frames.
    assert num_clip_frames(6) == 1
    assert num_clip_frames(20) == 3
    assert num_clip_frames(100) == 15
    assert select_clip_frames([0.1, 0.5, 0.3, 0.2, 0.4, 0.0]).tolist() == [1]
    assert select_clip_frames(np.arange(20.0)).tolist() == [19, 18, 17]
    # Ties: stable order, the earlier frame wins.
    assert select_clip_frames([0.2, 0.9, 0.9, 0.9] + [0.0] * 16).tolist() == [1, 2, 3]
    assert select_clip_frames([0.5] * 20).tolist() == [0, 1, 2]
    assert select_clip_frames([0.0] * 50 + [0.5] * 50).tolist() == list(range(50, 65))


def test_vt_clipscore_feature_input(tiny_clip):
    model, processor = tiny_clip
    rng = np.random.default_rng(0)
    texts = ["a dog is running on the beach", "a man cooks"]
    features = [
        rng.standard_normal((20, 16)).astype(np.float32),
        torch.randn(7, 16, generator=torch.Generator().manual_seed(1)),
    ]
    scores = [rng.random(20), rng.random(7)]
    expected = []
    for text, feats, video_scores in zip(texts, features, scores):
        feats = np.asarray(feats, dtype=np.float64)
        top = _top(video_scores, max(1, int(0.15 * len(video_scores))))  # 3 and 1 frames
        expected.append(_direct_clipscore(feats[top], _direct_text_embedding(model, processor, text)))
    got = vt_clipscore_per_video(texts, features, scores, model=model, processor=processor)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    result = compute_vt_clipscore(texts, features, scores, model=model, processor=processor)
    assert result["vt_clipscore"] == pytest.approx(np.mean(expected), rel=1e-5, abs=1e-4)
    # The other normalisation (each frame first) is one flag away and gives other numbers on unnormalised features.
    normalized = []
    for text, feats, video_scores in zip(texts, features, scores):
        feats = np.asarray(feats, dtype=np.float64)
        top = _top(video_scores, max(1, int(0.15 * len(video_scores))))
        normalized.append(_direct_clipscore(feats[top], _direct_text_embedding(model, processor, text), True))
    got = vt_clipscore_per_video(texts, features, scores, model=model, processor=processor, normalize_frames=True)
    np.testing.assert_allclose(got, normalized, rtol=1e-5, atol=1e-4)
    assert abs(normalized[0] - expected[0]) > 1e-3  # 3 frames: the two rules differ


def test_vt_clipscore_pixel_and_raw_frame_input(tiny_clip):
    model, processor = tiny_clip
    generator = torch.Generator().manual_seed(0)
    rng = np.random.default_rng(1)
    texts = ["a cat plays with a ball", "kitchen"]
    pixels = [torch.randn(27, 3, 32, 32, generator=generator), torch.randn(4, 3, 32, 32, generator=generator)]
    raw = [
        rng.integers(0, 256, size=(27, 40, 48, 3), dtype=np.uint8),
        rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8),
    ]
    scores = [rng.random(27), rng.random(4)]

    expected_pixels, expected_raw = [], []
    for index, text in enumerate(texts):
        top = _top(scores[index], max(1, int(0.15 * len(scores[index]))))  # 4 and 1 frames
        text_embedding = _direct_text_embedding(model, processor, text)
        pixel_embeddings = _direct_image_embeddings(model, pixels[index][top.copy()])
        expected_pixels.append(_direct_clipscore(pixel_embeddings, text_embedding))
        raw_pixels = processor.image_processor(images=list(raw[index][top]), return_tensors="pt")["pixel_values"]
        expected_raw.append(_direct_clipscore(_direct_image_embeddings(model, raw_pixels), text_embedding))

    got_pixels = vt_clipscore_per_video(texts, pixels, scores, model=model, processor=processor, batch_size=3)
    np.testing.assert_allclose(got_pixels, expected_pixels, rtol=1e-5, atol=1e-4)
    got_raw = vt_clipscore_per_video(texts, raw, scores, model=model, processor=processor, batch_size=2)
    np.testing.assert_allclose(got_raw, expected_raw, rtol=1e-5, atol=1e-4)
    assert not np.allclose(got_pixels, got_raw)  # different inputs give different scores


def test_vt_clipscore_validation_errors(tiny_clip):
    model, processor = tiny_clip
    features, scores = [np.ones((5, 16), np.float32)], [np.arange(5.0)]
    with pytest.raises(ValueError, match=r"video 0: frames have 5 frames but scores have 4"):
        compute_vt_clipscore(["a"], features, [np.arange(4.0)], model=model, processor=processor)
    with pytest.raises(ValueError, match=r"CLIP image features of shape \(T, 16\).*got shape \(5, 8\)"):
        compute_vt_clipscore(["a"], [np.ones((5, 8), np.float32)], scores, model=model, processor=processor)
    with pytest.raises(ValueError, match=r"4-D frames must be raw uint8 frames"):
        compute_vt_clipscore(["a"], [np.ones((5, 32, 32, 3), np.float32)], scores, model=model, processor=processor)
    with pytest.raises(ValueError, match=r"raw uint8 frames need an image processor"):
        compute_vt_clipscore(
            ["a"], [np.ones((5, 32, 32, 3), np.uint8)], scores, model=model, tokenizer=processor.tokenizer
        )
    with pytest.raises(ValueError, match=r"got 2 predictions, 1 frames and 1 scores"):
        compute_vt_clipscore(["a", "b"], features, scores, model=model, processor=processor)
    with pytest.raises(ValueError, match=r"`predictions` is empty"):
        compute_vt_clipscore([], [], [], model=model, processor=processor)


# --------------------------------------------------------------------------------------------------------------------
# evaluate modules (offline, from local folders)
# --------------------------------------------------------------------------------------------------------------------


def test_evaluate_vsum_v2v_doc_example_and_absolute_path(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)  # the doc example loads "metrics/vsum_v2v"
    metric = evaluate.load("metrics/vsum_v2v")
    assert metric.name == "vsum_v2v"
    run_doctests(metric.inputs_description, {"evaluate": evaluate})

    metric = evaluate.load(str(METRICS_DIR / "vsum_v2v"))
    rng = np.random.default_rng(0)
    predictions = [rng.random(n) for n in (5, 30, 120)]  # ragged, numpy
    references = [(rng.random((10, n)) < 0.15).astype(np.int64) for n in (5, 30, 120)]
    result = metric.compute(predictions=predictions, references=references)
    expected = np.array([_official_video_metrics(p, g) for p, g in zip(predictions, references)]).mean(axis=0)
    np.testing.assert_allclose([result[k] for k in ("f1_mean", "f1_max", "kendall", "spearman")], expected, atol=1e-10)
    # summary_ratio is forwarded: ratio 1 selects every frame.
    all_frames = metric.compute(predictions=[[0.1, 0.2]], references=[[[1, 0], [0, 0]]], summary_ratio=1.0)
    assert all_frames["f1_mean"] == pytest.approx(100 * (2 / 3) / 2)  # F1 = [2/3, 0]
    with pytest.raises(ValueError, match=r"video 0: predictions have 2 frames but references have 3 frames"):
        metric.compute(predictions=[[0.1, 0.2]], references=[[[1, 0, 0]]])


def test_evaluate_vsum_v2t_doc_example_and_cleanup(monkeypatch, started_meteors):
    monkeypatch.chdir(REPO_ROOT)
    metric = evaluate.load("metrics/vsum_v2t")
    assert metric.name == "vsum_v2t"
    run_doctests(metric.inputs_description, {"evaluate": evaluate})

    # The METEOR java subprocess started by the metric has been stopped and its pipes closed.
    assert len(started_meteors) == 1
    process = started_meteors[0].meteor_p
    assert process.returncode is not None
    assert process.stdin.closed and process.stdout.closed and process.stderr.closed


def test_evaluate_vt_clipscore(tiny_clip, tmp_path):
    model, processor = tiny_clip
    metric = evaluate.load(str(METRICS_DIR / "vt_clipscore"))
    assert metric.name == "vt_clipscore"
    rng = np.random.default_rng(2)
    texts = ["a dog", "a man is cooking in the kitchen"]
    scores = [rng.random(20), rng.random(9)]

    # Pixel input with a model object.
    generator = torch.Generator().manual_seed(3)
    pixels = [torch.randn(20, 3, 32, 32, generator=generator), torch.randn(9, 3, 32, 32, generator=generator)]
    expected = []
    for index, text in enumerate(texts):
        top = _top(scores[index], max(1, int(0.15 * len(scores[index]))))
        embeddings = _direct_image_embeddings(model, pixels[index][top.copy()])
        expected.append(_direct_clipscore(embeddings, _direct_text_embedding(model, processor, text)))
    result = metric.compute(predictions=texts, scores=scores, frames=pixels, model=model, processor=processor)
    assert set(result) == {"vt_clipscore"}
    assert result["vt_clipscore"] == pytest.approx(np.mean(expected), rel=1e-5, abs=1e-4)

    # Feature input with the model given as a local path (loaded with its processor).
    model.save_pretrained(tmp_path)
    processor.save_pretrained(tmp_path)
    features = [rng.standard_normal((20, 16)).astype(np.float32), rng.standard_normal((9, 16)).astype(np.float32)]
    expected = [
        _direct_clipscore(
            features[i][_top(scores[i], max(1, int(0.15 * len(scores[i]))))].astype(np.float64),
            _direct_text_embedding(model, processor, texts[i]),
        )
        for i in range(2)
    ]
    result = metric.compute(predictions=texts, scores=scores, frames=features, model=str(tmp_path))
    assert result["vt_clipscore"] == pytest.approx(np.mean(expected), rel=1e-5, abs=1e-4)

    with pytest.raises(ValueError, match="`frames` is required"):
        metric.compute(predictions=texts, scores=scores, model=model, processor=processor)


# ---------------------------------------------------------------------------------------------------- released F1


def _sklearn_binary_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    """`sklearn.metrics.f1_score(truth, predicted)` for binary inputs (zero_division -> 0), written out. sklearn
    counts label matches as integers, so the float32 predictions are compared as labels, not summed as floats."""
    truth, predicted = truth.astype(np.int64), predicted.astype(np.int64)
    true_positives = float(np.sum((truth == 1) & (predicted == 1)))
    precision = true_positives / predicted.sum() if predicted.sum() else 0.0
    recall = true_positives / truth.sum() if truth.sum() else 0.0
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _released_f1_reference(scores: np.ndarray, mask: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The released VideoXum F1, step by step as `eval_v2vt_sum.evaluate` -> `utils.compute_f1` ->
    `utils.get_top15_frames` run it: scores of shape (batch, frames, 1), repeated per annotator."""
    num_annotators = labels.shape[1]
    repeated_scores = np.repeat(scores, num_annotators, axis=0)  # repeat_interleave: (B * A, T, 1)
    repeated_mask = np.repeat(mask, num_annotators, axis=0)  # (B * A, T)
    flat_labels = labels.reshape(-1, labels.shape[2])  # (B * A, T)
    f1 = np.zeros(repeated_scores.shape[0])
    for row in range(repeated_scores.shape[0]):
        valid = repeated_scores[row][repeated_mask[row] == 1]  # (n, 1)
        n_top = int(len(valid) * 0.15)
        threshold = np.sort(valid)[::-1][int(n_top)]  # sorts the length-1 axis; [::-1] reverses time
        selected = (valid >= threshold).astype(np.float32)  # (n, 1)
        f1[row] = _sklearn_binary_f1(flat_labels[row][repeated_mask[row] == 1], selected.ravel())
    f1 = f1.reshape(-1, num_annotators)
    return 100.0 * float(f1.mean(axis=1).mean()), 100.0 * float(f1.max(axis=1).mean())


def test_released_protocol_equals_the_released_computation_with_ties_and_padding():
    rng = np.random.default_rng(7)
    num_annotators = 10
    for trial in range(6):
        lengths = rng.integers(1, 120, size=5)
        lengths[0] = 1 if trial == 0 else lengths[0]  # a one-frame video too
        longest = int(lengths.max())
        scores = np.zeros((len(lengths), longest, 1))
        mask = np.zeros((len(lengths), longest), dtype=np.int64)
        labels = np.zeros((len(lengths), num_annotators, longest), dtype=np.int64)
        per_video_scores, per_video_labels = [], []
        for video, length in enumerate(lengths):
            # Coarse scores: many ties, also at the threshold. Padded frames get scores that would change the result
            # if they leaked in (very high), as a collator's padding could.
            video_scores = np.round(rng.normal(size=length), 1)
            scores[video, :, 0] = 50.0
            scores[video, :length, 0] = video_scores
            mask[video, :length] = 1
            video_labels = (rng.random((num_annotators, length)) < rng.uniform(0.05, 0.4)).astype(np.int64)
            video_labels[0] = 0  # an annotator with an empty summary (F1 = 0)
            labels[video, :, :length] = video_labels
            labels[video, :, length:] = 1
            per_video_scores.append(video_scores)
            per_video_labels.append(video_labels)
        expected_mean, expected_max = _released_f1_reference(scores, mask, labels)
        ours = compute_v2v(per_video_scores, per_video_labels, protocol="videoxum_released")
        assert ours["f1_mean_released"] == pytest.approx(expected_mean, abs=1e-9)
        assert ours["f1_max_released"] == pytest.approx(expected_max, abs=1e-9)
        both = compute_v2v(per_video_scores, per_video_labels, protocol="both")
        top15 = compute_v2v(per_video_scores, per_video_labels)
        assert both == {
            **top15,
            "f1_mean_released": ours["f1_mean_released"],
            "f1_max_released": ours["f1_max_released"],
        }
        assert ours["kendall"] == top15["kendall"] and ours["spearman"] == top15["spearman"]  # F1 only differs


def test_released_protocol_threshold_is_a_fixed_frame():
    scores = np.array([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.35])
    # T = 10: floor(1.5) = 1 -> the frame at time 10 - 1 - 1 = 8 (score 0.5) sets the threshold.
    assert select_summary(scores, protocol="videoxum_released").nonzero()[0].tolist() == [0, 2, 4, 6, 8]
    assert select_summary(scores).nonzero()[0].tolist() == [0, 2]
    increasing = np.arange(20, dtype=float)  # the threshold frame (index 16) and every later frame
    assert select_summary(increasing, protocol="videoxum_released").nonzero()[0].tolist() == [16, 17, 18, 19]
    decreasing = increasing[::-1]  # the same frame now has the 4th lowest score: 17 of 20 frames
    assert select_summary(decreasing, protocol="videoxum_released").nonzero()[0].tolist() == list(range(17))
    with pytest.raises(ValueError, match="protocol"):
        select_summary(scores, protocol="released")
    with pytest.raises(ValueError, match="protocol"):
        compute_v2v([scores], [np.ones((1, 10))], protocol="top-15")


def test_random_scores_select_about_half_the_frames_under_the_released_protocol():
    from vsum.metrics.video import compute_v2v_per_video

    rng = np.random.default_rng(0)
    scores = [rng.random(int(n)) for n in rng.integers(50, 300, size=200)]
    labels = [np.ones((2, len(s)), dtype=np.int64) for s in scores]
    per_video = compute_v2v_per_video(scores, labels, protocol="both")
    released = np.mean([v["num_selected_released"] / v["num_frames"] for v in per_video])
    top15 = np.mean([v["num_selected"] / v["num_frames"] for v in per_video])
    assert 0.4 < released < 0.6 and 0.14 < top15 < 0.17
