# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Checks of the VideoXum converter on its inputs: a `module.` prefix (DataParallel/DDP saves) is stripped, and a
`--blip` text config that would build another decoder than the official one (heads, LayerNorm eps, activation) is
refused in one line naming the field, the expected and the actual value."""

import logging

import pytest
import torch
from conftest import load_script
from test_convert_videoxum import HEADS, blip_dir, official_state_dict  # noqa: F401 (blip_dir: a fixture)


def test_module_prefix_of_a_ddp_save_is_stripped_and_said(tmp_path, blip_dir, caplog):  # noqa: F811
    from vsum import VsumModel
    from vsum.convert_videoxum import convert_state_dict, convert_videoxum_checkpoint, load_official_state_dict

    state = official_state_dict(blip_dir, with_ca=True)
    torch.save({"model": {f"module.{k}": v for k, v in state.items()}}, tmp_path / "ddp.pth")
    with caplog.at_level(logging.INFO, logger="vsum.convert_videoxum"):
        assert load_official_state_dict(tmp_path / "ddp.pth").keys() == state.keys()
        folder = convert_videoxum_checkpoint(
            tmp_path / "ddp.pth", blip_dir, tmp_path / "out", num_heads=HEADS, text_num_heads=HEADS
        )
    assert f"stripped the 'module.' prefix of all {len(state)} keys" in caplog.text
    converted = VsumModel.from_pretrained(folder).state_dict()
    for name, tensor in convert_state_dict(state).items():  # the TT+CA variant, every official tensor in place
        assert torch.equal(converted[name], tensor), name
    assert "local_attention.q_proj.weight" in converted

    # A prefix on some keys only is no wrapper save: refused, naming the count.
    mixed = {**state, "module.tt.norm.weight": state["tt.norm.weight"]}
    del mixed["tt.norm.weight"]
    torch.save({"model": mixed}, tmp_path / "mixed.pth")
    with pytest.raises(ValueError, match=rf"mixed\.pth: 1 of {len(state)} keys start with 'module\.' but not all"):
        load_official_state_dict(tmp_path / "mixed.pth")


def _decoder_state(width):
    return {"text_decoder.bert.embeddings.word_embeddings.weight": torch.zeros(8, width)}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        # transformers' BlipTextConfig defaults to 8 heads; the official 768-wide decoder (med_config.json) has 12.
        ({}, r"num_attention_heads=8 but the official text decoder \(width 768\) has num_attention_heads=12"),
        ({"num_attention_heads": 12, "layer_norm_eps": 1e-5}, "layer_norm_eps=1e-05 but .* has layer_norm_eps=1e-12"),
        ({"num_attention_heads": 12, "hidden_act": "relu"}, "hidden_act='relu' but .* has hidden_act='gelu'"),
    ],
)
def test_text_config_other_than_the_official_decoder_is_refused(overrides, message):
    from transformers import BlipTextConfig

    from vsum.convert_videoxum import check_text_config

    with pytest.raises(ValueError, match=message) as error:
        check_text_config(_decoder_state(768), BlipTextConfig(**overrides))
    assert "\n" not in str(error.value)
    check_text_config(_decoder_state(768), BlipTextConfig(num_attention_heads=12))  # BLIP base: accepted
    check_text_config(_decoder_state(128), BlipTextConfig(num_attention_heads=2))  # heads of the official size 64
    with pytest.raises(ValueError, match="width 48 is not a multiple of the official head size 64: pass text_num_"):
        check_text_config(_decoder_state(48), BlipTextConfig(num_attention_heads=12))


def test_converter_refuses_a_blip_with_other_decoder_heads(tmp_path, blip_dir, capsys):  # noqa: F811
    """End to end: the tiny BLIP decoder has 4 heads; a 128-wide official decoder implies 2 (heads of 64)."""
    from vsum.script_utils import run_script

    main = load_script("convert_videoxum_checkpoint.py", "convert_videoxum_checkpoint").main

    state = official_state_dict(blip_dir, with_ca=False)
    state.update(_decoder_state(128))
    torch.save({"model": state}, tmp_path / "wide.pth")
    argv = ["--checkpoint", str(tmp_path / "wide.pth"), "--blip", str(blip_dir), "--output_dir", str(tmp_path / "out")]
    assert run_script(main, argv + ["--num_heads", str(HEADS)], prog="convert") == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]  # not the progress bars
    assert errors == [
        "convert: error: the BLIP text config has num_attention_heads=4 but the official text decoder (width 128) "
        "has num_attention_heads=2: use the BLIP checkpoint the official model was trained from"
    ]
    assert not (tmp_path / "out").exists()
    with pytest.raises(ValueError, match="num_attention_heads=4 but .* has num_attention_heads=3"):
        main(argv + ["--num_heads", str(HEADS), "--text_num_heads", "3"])
