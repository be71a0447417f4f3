# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Tests of scripts/evaluate.py and vsum.evaluation on a tiny SynthXum set with a tiny checkpoint (offline,
in-process, one process). The script is loaded from its file only to call its `main` in-process (fast); the library
functions are imported from `vsum.evaluation`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import load_script, make_tiny_clip, synthxum_with_features


REPO_ROOT = Path(__file__).resolve().parents[1]
METRIC_KEYS = {
    "f1_mean",
    "f1_max",
    "kendall",
    "spearman",
    "bleu_1",
    "bleu_2",
    "bleu_3",
    "bleu_4",
    "meteor",
    "rouge_l",
    "cider",
    "f1_mean_released",
    "f1_max_released",
}


@pytest.fixture(scope="module")
def evaluate_module():
    return load_script("evaluate.py", "vsum_evaluate_script")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """5 SynthXum videos (2 train, 3 test), a tiny checkpoint folder, its own frame features, a tiny CLIP folder."""
    root = tmp_path_factory.mktemp("evaluate")
    # The checkpoint's own ViT features: the features path and the video path must then give the same scores.
    result, processor, model, features_dir = synthxum_with_features(root, num_videos=5, split_sizes=(2, 0, 3))
    checkpoint = root / "checkpoint"
    model.save_pretrained(str(checkpoint))
    processor.save_pretrained(str(checkpoint))

    clip_dir = root / "clip"
    clip_model, clip_processor = make_tiny_clip()
    clip_model.save_pretrained(str(clip_dir))
    clip_processor.save_pretrained(str(clip_dir))
    return {
        "root": root,
        "data_dir": str(result.out_dir),
        "video_dir": str(result.video_dir),
        "features_dir": str(features_dir),
        "checkpoint": str(checkpoint),
        "clip_dir": str(clip_dir),
    }


def _run(module, setup, output_dir, *extra):
    from accelerate.state import AcceleratorState, GradientState

    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
    argv = [
        "--model_name_or_path",
        setup["checkpoint"],
        "--data_dir",
        setup["data_dir"],
        "--dataset_name",
        "SynthXum",
        "--split",
        "test",
        "--cache_dir",
        str(setup["root"] / "datasets_cache"),
        "--output_dir",
        str(output_dir),
        "--per_device_eval_batch_size",
        "2",
        "--max_length",
        "12",
        "--min_length",
        "2",
        *extra,
    ]
    return module.main(argv)


def _test_split(setup, source="features"):
    from vsum.data import load_videoxum

    kwargs = {"features_dir": setup["features_dir"]} if source == "features" else {"video_dir": setup["video_dir"]}
    return load_videoxum(
        setup["data_dir"], splits=("train", "test"), cache_dir=str(setup["root"] / "datasets_cache"), **kwargs
    )


@pytest.fixture(scope="module")
def features_run(evaluate_module, setup):
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    # An exported folder whose card already holds a validation number: --update_model_card must keep it.
    card_dir = setup["root"] / "exported"
    card_dir.mkdir()
    validation = EvalResult(
        task_type="video-summarization",
        dataset_type="synthxum",
        dataset_name="SynthXum",
        dataset_split="validation",
        metric_type="f1",
        metric_name="F1 (mean over annotators)",
        metric_value=12.5,
    )
    card = ModelCard.from_template(ModelCardData(model_name="tiny-vsum", eval_results=[validation]))
    card.text = "\n# tiny-vsum\n\nHand-written text that must survive.\n"
    (card_dir / "README.md").write_text(str(card), encoding="utf-8")
    output_dir = setup["root"] / "out-features"
    metrics = _run(
        evaluate_module,
        setup,
        output_dir,
        "--features_dir",
        setup["features_dir"],
        "--num_beams",
        "2",
        "--hub_model_id",
        "org/tiny-vsum",
        "--update_model_card",
        str(card_dir),
    )
    return metrics, output_dir, card_dir


def test_features_path_writes_consistent_outputs(evaluate_module, setup, features_run):
    from vsum.evaluation import read_predictions
    from vsum.metrics.text import compute_v2t
    from vsum.metrics.video import compute_v2v, select_summary

    metrics, output_dir, _ = features_run
    assert sorted(p.name for p in output_dir.iterdir()) == [
        "metrics.json",
        "model_index.json",
        "model_index.yaml",
        "predictions.jsonl",
    ]  # no temporary file left behind
    written = json.loads((output_dir / "metrics.json").read_text())
    assert written == metrics
    assert METRIC_KEYS <= set(metrics) and "vt_clipscore" not in metrics
    assert metrics["num_videos"] == 3 and metrics["split"] == "test" and metrics["dataset"] == "SynthXum"
    assert metrics["generation"] == {"num_beams": 2, "max_length": 12, "min_length": 2}

    dataset = _test_split(setup)["test"]
    predictions = read_predictions(output_dir / "predictions.jsonl")
    assert [p["video_id"] for p in predictions] == dataset["video_id"]  # one line per video, dataset order
    references = []
    for prediction, onehot in zip(predictions, dataset["vsum_onehot"]):
        onehot = np.asarray(onehot)
        assert len(prediction["scores"]) == onehot.shape[1]
        assert all(0.0 < s < 1.0 for s in prediction["scores"])  # sigmoid probabilities
        assert prediction["keyframes"] == np.flatnonzero(select_summary(prediction["scores"])).tolist()
        assert isinstance(prediction["text"], str)
        references.append(onehot)

    # The written metrics are exactly those of the vsum.metrics functions on the written predictions.
    direct = compute_v2v([p["scores"] for p in predictions], references, summary_ratio=0.15, protocol="both")
    direct.update(compute_v2t([p["text"] for p in predictions], dataset["text_summary"]))
    for key in METRIC_KEYS:
        assert metrics[key] == pytest.approx(direct[key], abs=1e-9), key

    # Model index (JSON and YAML agree): task, dataset, split, one named entry per metric.
    model_index = json.loads((output_dir / "model_index.json").read_text())
    assert yaml.safe_load((output_dir / "model_index.yaml").read_text()) == {"model-index": model_index}
    assert model_index[0]["name"] == "tiny-vsum" == metrics["model_name"]  # --hub_model_id, never "final"
    (result,) = model_index[0]["results"]
    assert result["task"]["type"] == "video-summarization"
    assert result["dataset"] == {"name": "SynthXum", "type": "synthxum", "split": "test"}
    entries = {entry["type"]: entry for entry in result["metrics"]}
    assert entries["f1"]["name"] == "F1 (mean over annotators)"
    assert entries["f1"]["value"] == pytest.approx(round(metrics["f1_mean"], 4))
    assert {
        "f1",
        "f1_max",
        "kendall_tau",
        "spearman_rho",
        "bleu_1",
        "bleu_2",
        "bleu_3",
        "bleu_4",
        "meteor",
        "rouge_l",
        "cider",
        "f1_released",
        "f1_max_released",
    } == set(entries)
    assert entries["f1_released"]["value"] == pytest.approx(round(metrics["f1_mean_released"], 4))
    assert all(entry["name"] for entry in result["metrics"])


def test_update_model_card_merges_test_metrics(features_run):
    from huggingface_hub import ModelCard

    metrics, _, card_dir = features_run
    assert sorted(p.name for p in card_dir.iterdir()) == ["README.md"]  # written atomically, nothing left behind
    card = ModelCard.load(card_dir / "README.md")
    assert card.data.model_name == "tiny-vsum"
    assert "Hand-written text that must survive." in card.text
    by_split = {}
    for result in card.data.eval_results:
        by_split.setdefault(result.dataset_split, {})[result.metric_type] = result.metric_value
    assert by_split["validation"] == {"f1": 12.5}  # kept
    assert by_split["test"]["f1"] == pytest.approx(round(metrics["f1_mean"], 4))
    assert by_split["test"]["f1_released"] == pytest.approx(round(metrics["f1_mean_released"], 4))
    assert by_split["test"]["cider"] == pytest.approx(round(metrics["cider"], 4))

    # Merging again replaces the test entries instead of duplicating them.
    from vsum.evaluation import update_model_card

    update_model_card(card_dir, {"f1_mean": 1.0}, "SynthXum", "test")
    results = ModelCard.load(card_dir / "README.md").data.eval_results
    test_f1 = [r.metric_value for r in results if r.dataset_split == "test" and r.metric_type == "f1"]
    assert test_f1 == [1.0] and len(results) == len(card.data.eval_results)
    with pytest.raises(ValueError, match="no model card"):
        update_model_card(card_dir / "missing", {"f1_mean": 1.0}, "SynthXum", "test")


def test_resolve_model_name(tmp_path):
    from vsum.evaluation import resolve_model_name

    final = tmp_path / "tt_la_run" / "final"
    final.mkdir(parents=True)
    assert resolve_model_name(str(final)) == "tt_la_run"  # never "final"
    (tmp_path / "tt_la_run" / "checkpoints" / "checkpoint-300").mkdir(parents=True)
    assert resolve_model_name(str(tmp_path / "tt_la_run" / "checkpoints" / "checkpoint-300")) == "tt_la_run"
    assert resolve_model_name(str(final), "ORG/vsum-la-tt-la") == "vsum-la-tt-la"
    assert resolve_model_name("ORG/vsum-la") == "vsum-la"


def test_generation_settings_only_what_the_user_set():
    from transformers import GenerationConfig

    from vsum.evaluation import effective_generation, generation_kwargs

    assert generation_kwargs() == {}
    assert generation_kwargs(num_beams=1) == {"num_beams": 1}

    class Model:
        generation_config = GenerationConfig(num_beams=3, max_length=128, min_length=10)

    assert effective_generation(Model(), {"num_beams": 1}) == {"num_beams": 1, "max_length": 128, "min_length": 10}


def test_video_path_with_clipscore_and_greedy_decoding(evaluate_module, setup, features_run):
    from vsum.metrics.clipscore import compute_vt_clipscore
    from vsum.processing_vsum import iter_video_frames

    output_dir = setup["root"] / "out-video"
    metrics = _run(
        evaluate_module,
        setup,
        output_dir,
        "--video_dir",
        setup["video_dir"],
        "--num_beams",
        "1",
        "--clip_model",
        setup["clip_dir"],
        "--text_metrics",
        "true",
    )
    assert METRIC_KEYS | {"vt_clipscore"} <= set(metrics)
    assert metrics["generation"]["num_beams"] == 1
    from vsum.evaluation import read_predictions

    predictions = read_predictions(output_dir / "predictions.jsonl")
    assert len(predictions) == 3

    # Same model, features from its own ViT: the saliency scores match the features run.
    feature_predictions = read_predictions(features_run[1] / "predictions.jsonl")
    for video, features in zip(predictions, feature_predictions):
        np.testing.assert_allclose(video["scores"], features["scores"], atol=1e-5)

    dataset = _test_split(setup, "video")["test"]
    frames = [
        np.concatenate([chunk for chunk, _ in iter_video_frames(path)])[: len(p["scores"])]
        for path, p in zip(dataset["video"], predictions)
    ]
    direct = compute_vt_clipscore(
        [p["text"] for p in predictions],
        frames,
        [p["scores"] for p in predictions],
        model=setup["clip_dir"],
        device="cpu",
    )
    assert metrics["vt_clipscore"] == pytest.approx(
        direct["vt_clipscore"], abs=1e-4
    )  # float32 CLIP, texts batched differently
    assert -100.0 <= metrics["vt_clipscore"] <= 100.0
    index = json.loads((output_dir / "model_index.json").read_text())
    assert index[0]["name"] == setup["root"].name  # folder name, run-layout names ("checkpoint") skipped
    names = {entry["type"]: entry["name"] for entry in index[0]["results"][0]["metrics"]}
    assert names["vt_clipscore"].startswith("VT-CLIPScore")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--features_dir", "f", "--video_dir", "v"], "exactly one of --features_dir"),
        (["--features_dir", "f", "--clip_model", "c"], "--clip_model needs the video frames: pass --video_dir, or"),
        (["--features_dir", "f", "--split", "val"], "--split must be"),
    ],
)
def test_argument_errors(evaluate_module, extra, message):
    with pytest.raises(ValueError, match=message):
        evaluate_module.parse_args(["--model_name_or_path", "m", "--data_dir", "d", "--output_dir", "o", *extra])


def test_abbreviations_and_missing_card_are_rejected(evaluate_module, tmp_path, capsys):
    base = ["--model_name_or_path", "m", "--data_dir", "d", "--output_dir", "o", "--features_dir", "f"]
    with pytest.raises(SystemExit) as exit_info:  # an abbreviation of --num_beams is not taken for it
        evaluate_module.parse_args([*base, "--num_beam", "2"])
    assert exit_info.value.code == 2 and "--num_beam 2 (did you mean --num_beams?)" in capsys.readouterr().err
    with pytest.raises(ValueError, match="no model card"):
        evaluate_module.parse_args([*base, "--update_model_card", str(tmp_path)])


def test_baselines(setup):
    import vsum.evaluation as evaluation

    splits = _test_split(setup)
    test_set, train_set = splits["test"], splits["train"]
    lengths = [np.asarray(onehot).shape[1] for onehot in test_set["vsum_onehot"]]

    random_a = evaluation.baseline_predictions(test_set, "random", seed=0)
    assert random_a == evaluation.baseline_predictions(test_set, "random", seed=0)  # seeded
    assert random_a != evaluation.baseline_predictions(test_set, "random", seed=1)
    assert [len(p["scores"]) for p in random_a] == lengths
    assert all(0.0 <= s < 1.0 for p in random_a for s in p["scores"]) and all(p["text"] is None for p in random_a)
    random_metrics = evaluation.compute_metrics(random_a, test_set)
    assert set(random_metrics) == {"f1_mean", "f1_max", "f1_mean_released", "f1_max_released", "kendall", "spearman"}
    assert all(isinstance(v, float) for v in random_metrics.values())
    assert 0.0 <= random_metrics["f1_mean"] <= random_metrics["f1_max"] <= 100.0
    assert -1.0 <= random_metrics["kendall"] <= 1.0 and -1.0 <= random_metrics["spearman"] <= 1.0

    uniform = evaluation.baseline_predictions(splits, "uniform")  # a DatasetDict works too
    for prediction, length in zip(uniform, lengths):
        selected = np.flatnonzero(prediction["scores"])
        assert len(selected) == int(0.15 * length) + 1 == len(prediction["keyframes"])
        assert prediction["keyframes"] == selected.tolist()
    long = evaluation.uniform_scores(200)
    assert long.sum() == 31 and np.all(np.diff(np.flatnonzero(long)) >= 6)  # ~15 %, evenly spaced
    assert 0.0 <= evaluation.compute_metrics(uniform, test_set)["f1_mean"] <= 100.0

    constant = evaluation.baseline_predictions(test_set, "constant_text", train_dataset=train_set)
    texts = list(train_set["text_summary"])
    expected = next(t for t in texts if texts.count(t) == max(map(texts.count, texts)))  # first among ties
    assert {p["text"] for p in constant} == {expected} and all(p["scores"] is None for p in constant)
    text_metrics = evaluation.compute_metrics(constant, test_set)
    assert set(text_metrics) == {"bleu_1", "bleu_2", "bleu_3", "bleu_4", "meteor", "rouge_l", "cider"}
    assert all(v >= 0.0 for v in text_metrics.values())

    from datasets import Dataset

    assert (
        evaluation.most_frequent_caption(Dataset.from_dict({"text_summary": ["a x", "b y", "b y", "a x", "b y"]}))
        == "b y"
    )
    with pytest.raises(ValueError, match="needs train_dataset"):
        evaluation.baseline_predictions(test_set, "constant_text")
    with pytest.raises(ValueError, match="kind must be one of"):
        evaluation.baseline_predictions(test_set, "median")


def test_dtype_reaches_the_model_and_bf16_keeps_the_selection(evaluate_module, setup, features_run):
    from vsum.evaluation import read_predictions

    _, fp32_dir, _ = features_run
    bf16_dir = setup["root"] / "out-bf16"
    _run(
        evaluate_module,
        setup,
        bf16_dir,
        "--features_dir",
        setup["features_dir"],
        "--num_beams",
        "2",
        "--dtype",
        "bfloat16",
    )
    fp32 = read_predictions(fp32_dir / "predictions.jsonl")
    bf16 = read_predictions(bf16_dir / "predictions.jsonl")
    # bf16 scores differ in the 3rd digit; the selected keyframes are what the metrics use.
    assert [p["keyframes"] for p in bf16] == [p["keyframes"] for p in fp32]
    assert any(a != b for p, q in zip(bf16, fp32) for a, b in zip(p["scores"], q["scores"]))
    with pytest.raises(ValueError, match="dtype must be one of"):
        _run(
            evaluate_module,
            setup,
            setup["root"] / "out-bad",
            "--features_dir",
            setup["features_dir"],
            "--dtype",
            "float8",
        )


def _write_vt_clip_features(setup, folder: Path, shorten: int = 3) -> dict[str, np.ndarray]:
    """Official-layout CLIP features `<video_id>.npz['vision']` (and an unused 'text' array) for the test split; the
    first video's are `shorten` frames shorter than its annotation."""
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    features = {}
    test_split = _test_split(setup)["test"]
    for index, (video_id, num_frames) in enumerate(zip(test_split["video_id"], test_split["num_frames"])):
        vision = rng.normal(size=(num_frames - (shorten if index == 0 else 0), 16)).astype(np.float32)
        np.savez(folder / f"{video_id}.npz", vision=vision, text=rng.normal(size=(1, 16)).astype(np.float32))
        features[video_id] = vision
    return features


def test_official_vt_clip_features_and_long_text_option(evaluate_module, setup, features_run, caplog):
    from vsum.evaluation import read_predictions
    from vsum.metrics.clipscore import compute_vt_clipscore

    clip_features = _write_vt_clip_features(setup, setup["root"] / "vt_clipscore")
    output_dir = setup["root"] / "out-vt-clip"
    with caplog.at_level("WARNING"):
        metrics = _run(
            evaluate_module,
            setup,
            output_dir,
            "--features_dir",
            setup["features_dir"],
            "--num_beams",
            "2",
            "--clip_model",
            setup["clip_dir"],
            "--vt_clip_features_dir",
            str(setup["root"] / "vt_clipscore"),
            "--clip_text_positions",
            "videoxum_batch",
        )
    predictions = read_predictions(output_dir / "predictions.jsonl")
    full = read_predictions(features_run[1] / "predictions.jsonl")
    dataset = _test_split(setup)["test"]
    first = dataset["video_id"][0]
    # As the official loader: the video whose CLIP features are 3 frames short is evaluated on those frames only
    # (the model sees them only), the others are untouched.
    assert len(predictions[0]["scores"]) == len(clip_features[first]) == dataset["num_frames"][0] - 3
    assert predictions[0]["scores"] != full[0]["scores"][: len(predictions[0]["scores"])]
    assert predictions[1:] == full[1:]
    warnings = [r.getMessage() for r in caplog.records if "VT-CLIP feature frames" in r.getMessage()]
    assert len(warnings) == 1 and "1 of 3 videos" in warnings[0] and first in warnings[0], warnings

    direct = compute_vt_clipscore(
        [p["text"] for p in predictions],
        [clip_features[p["video_id"]][: len(p["scores"])] for p in predictions],
        [p["scores"] for p in predictions],
        model=setup["clip_dir"],
        device="cpu",
        text_position_interpolation="videoxum_batch",
        text_batch_size=2,  # the evaluation batches (--per_device_eval_batch_size 2)
    )
    assert metrics["vt_clipscore"] == pytest.approx(direct["vt_clipscore"], abs=1e-5)


def test_vt_clip_features_errors_name_the_video_and_the_file(evaluate_module, setup, tmp_path):
    folder = tmp_path / "vt"
    _write_vt_clip_features(setup, folder, shorten=0)
    video_ids = sorted(p.stem for p in folder.glob("*.npz"))
    assert evaluate_module.read_vt_clip_lengths(str(folder), video_ids, 16)[video_ids[0]] >= 1

    cases = [
        (lambda path: path.unlink(), "no file"),
        (lambda path: np.savez(path, features=np.ones((5, 16), np.float32)), "no array 'vision'"),
        (lambda path: np.savez(path, vision=np.ones((5, 8), np.float32)), "must be a numeric (frames, 16) array"),
        (lambda path: np.savez(path, vision=np.ones(5, np.float32)), "got shape (5,)"),
        (lambda path: path.write_bytes(b"not a zip"), "cannot read"),
    ]
    for damage, words in cases:
        _write_vt_clip_features(setup, folder, shorten=0)
        path = folder / f"{video_ids[1]}.npz"
        damage(path)
        with pytest.raises(ValueError) as error:
            evaluate_module.read_vt_clip_lengths(str(folder), video_ids, 16)
        message = str(error.value)
        assert "\n" not in message and repr(video_ids[1]) in message and str(path) in message, message
        assert words in message, message

    np.savez(folder / f"{video_ids[0]}.npz", vision=np.full((4, 16), np.nan, np.float32))
    with pytest.raises(ValueError, match="NaN/inf"):
        evaluate_module.load_vt_clip_features(str(folder), video_ids[0], 4)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--video_dir", "v", "--clip_model", "c", "--vt_clip_features_dir", "x"], "pass --features_dir"),
        (["--features_dir", "f", "--vt_clip_features_dir", "x"], "needs --clip_model"),
        (["--features_dir", "f", "--clip_model", "c", "--vt_clip_features_dir", "/nonexistent"], "is not a folder"),
        (["--features_dir", "f", "--clip_text_positions", "bicubic"], "'none' or 'videoxum_batch'"),
        (["--features_dir", "f", "--clip_max_text_tokens", "0"], "--clip_max_text_tokens must be >= 1"),
    ],
)
def test_vt_clip_argument_errors(evaluate_module, extra, message):
    with pytest.raises(ValueError, match=message):
        evaluate_module.parse_args(["--model_name_or_path", "m", "--data_dir", "d", "--output_dir", "o", *extra])
