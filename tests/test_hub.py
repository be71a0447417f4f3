# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Model card rendering and export details that the training tests do not reach."""

import pytest

from vsum.hub import PLACEHOLDER_REPO_ID, export_model, hub_base_model, render_model_card
from vsum.tiny import tiny_config


CARD_KWARGS = dict(metrics={"f1_mean": 21.5, "num_videos": 3}, dataset_name="SynthXum", eval_split="validation")


def test_adapter_only_card_says_the_snippet_does_not_apply():
    config = tiny_config()
    kwargs = dict(model_name="vsum-test", repo_id="org/vsum-test", **CARD_KWARGS)
    full = str(render_model_card(config, **kwargs))
    adapters = str(render_model_card(config, adapter_only=True, **kwargs))
    assert "LoRA adapters only" not in full and "LoRA adapters only" in adapters
    assert 'PeftModel.from_pretrained(base_model, "org/vsum-test")' in adapters
    for card in (full, adapters):
        assert 'AutoModel.from_pretrained("org/vsum-test", trust_remote_code=True)' in card
        assert 'pipeline("video-summarization", model="org/vsum-test", trust_remote_code=True)' in card
        assert "EndpointHandler" in card and "handler.py" in card
        assert "value: 21.5" in card  # model-index
        assert "\n# vsum-test\n" in card


def test_card_without_hub_id_has_a_title_a_placeholder_and_no_local_base_model(tmp_path):
    card = str(render_model_card(tiny_config(), model_name=None, base_model=str(tmp_path), **CARD_KWARGS))
    assert "\n# \n" not in card and "\n# vsum-la TT+LA (SynthXum)\n" in card
    assert f'AutoModel.from_pretrained("{PLACEHOLDER_REPO_ID}"' in card and "Replace `" in card
    assert str(tmp_path) not in card and "base_model" not in card
    named = str(render_model_card(tiny_config(), model_name=None, repo_id="org/name", **CARD_KWARGS))
    assert "\n# name\n" in named and "Replace `" not in named
    with_base = str(render_model_card(tiny_config(), model_name="x", base_model="Salesforce/blip", **CARD_KWARGS))
    assert "base_model: Salesforce/blip" in with_base


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Salesforce/blip-image-captioning-base", "Salesforce/blip-image-captioning-base"),
        ("tiny", None),
        ("./outputs/run", None),
        ("/abs/path/run", None),
        ("a/b/c", None),
        ("", None),
        (None, None),
    ],
)
def test_hub_base_model_keeps_only_hub_ids(name, expected):
    assert hub_base_model(name) == expected


def test_export_is_complete_and_atomic(tmp_path, tiny_processor, tiny_model, monkeypatch):
    import vsum.pipeline

    folder = tmp_path / "final"
    export_model(tiny_model, tiny_processor, folder, repo_id="org/m", **CARD_KWARGS)
    names = {p.name for p in folder.iterdir()}
    assert {"config.json", "model.safetensors", "README.md", "handler.py", "pipeline.py", "requirements.txt"} <= names
    assert not [p for p in tmp_path.iterdir() if p.name != "final"]  # no temporary left behind
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    def broken(path):
        raise OSError("disk full")

    monkeypatch.setattr(vsum.pipeline, "add_serving_files", broken)
    with pytest.raises(OSError, match="disk full"):
        export_model(tiny_model, tiny_processor, folder, repo_id="org/other", **CARD_KWARGS)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # the previous export is intact
    assert not [p for p in tmp_path.iterdir() if p.name != "final"]
