# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Model card rendering details that the training tests do not reach."""

from vsum.hub import render_model_card
from vsum.tiny import tiny_config


def test_adapter_only_card_says_the_snippet_does_not_apply():
    config = tiny_config()
    kwargs = dict(
        model_name="org/vsum-test",
        metrics={"f1_mean": 21.5, "num_videos": 3},
        dataset_name="SynthXum",
        eval_split="validation",
    )
    full = str(render_model_card(config, **kwargs))
    adapters = str(render_model_card(config, adapter_only=True, **kwargs))
    assert "LoRA adapters only" not in full and "LoRA adapters only" in adapters
    assert 'PeftModel.from_pretrained(base_model, "org/vsum-test")' in adapters
    for card in (full, adapters):
        assert 'AutoModel.from_pretrained("org/vsum-test", trust_remote_code=True)' in card
        assert "value: 21.5" in card  # model-index
