# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""A saved folder loads with Auto* + trust_remote_code in a fresh process that cannot import the project."""

import json

import numpy as np
import torch
from conftest import write_video


CHILD = r"""
import sys
sys.modules["vsum"] = None  # the project must not be importable: everything comes from the folder
import json
import numpy as np
import torch
from transformers import AutoConfig, AutoModel, AutoProcessor

folder, video = sys.argv[1], sys.argv[2]
config = AutoConfig.from_pretrained(folder, trust_remote_code=True)
model = AutoModel.from_pretrained(folder, trust_remote_code=True).eval()
processor = AutoProcessor.from_pretrained(folder, trust_remote_code=True)
inputs = processor(videos=[video], text=["a red circle moves left"], return_tensors="pt")
with torch.no_grad():
    out = model(**inputs)
    ids = model.generate(**processor(videos=[video], return_tensors="pt"), max_new_tokens=6, num_beams=2)
    default_ids = model.generate(**processor(videos=[video], return_tensors="pt"))  # the checkpoint's recipe
generation = model.generation_config
print(json.dumps({
    "generation": [generation.num_beams, generation.max_length, generation.min_length, generation.eos_token_id],
    "default_ids": default_ids.tolist(),
    "classes": [type(config).__module__, type(model).__module__, type(processor).__module__],
    "names": [type(config).__name__, type(model).__name__, type(processor).__name__,
              type(processor.video_processor).__name__],
    "saliency": out.saliency_logits.tolist(),
    "loss": out.loss.item(),
    "pixel_values_sum": inputs["pixel_values"].sum().item(),
    "ids": ids.tolist(),
    "text": processor.batch_decode(ids),
}))
"""


def test_remote_code_round_trip(tmp_path, tiny_model, tiny_processor, run_without_vsum):
    folder = tmp_path / "checkpoint"
    # The decoding recipe travels with the checkpoint (generation_config.json), edits included.
    tiny_model.generation_config.max_length = 14
    tiny_model.save_pretrained(folder)
    tiny_processor.save_pretrained(folder)
    names = (
        "configuration_vsum.py",
        "modeling_vsum.py",
        "processing_vsum.py",
        "model.safetensors",
        "generation_config.json",
    )
    for name in names:
        assert (folder / name).exists(), name
    auto_map = json.loads((folder / "config.json").read_text())["auto_map"]
    assert auto_map == {"AutoConfig": "configuration_vsum.VsumConfig", "AutoModel": "modeling_vsum.VsumModel"}

    video = write_video(tmp_path / "clip.mp4", duration=4.0, fps=10)
    stdout = run_without_vsum(CHILD, folder, video)
    child = json.loads(stdout.strip().splitlines()[-1])
    assert all(module.startswith("transformers_modules") for module in child["classes"]), child["classes"]
    assert child["names"] == ["VsumConfig", "VsumModel", "VsumProcessor", "VsumVideoProcessor"]

    inputs = tiny_processor(videos=[video], text=["a red circle moves left"], return_tensors="pt")
    with torch.no_grad():
        out = tiny_model(**inputs)
        ids = tiny_model.generate(**tiny_processor(videos=[video], return_tensors="pt"), max_new_tokens=6, num_beams=2)
        default_ids = tiny_model.generate(**tiny_processor(videos=[video], return_tensors="pt"))
    assert child["generation"] == [3, 14, 10, tiny_processor.tokenizer.sep_token_id]
    assert child["default_ids"] == default_ids.tolist()
    assert child["pixel_values_sum"] == inputs["pixel_values"].sum().item()
    np.testing.assert_allclose(child["saliency"], out.saliency_logits.tolist(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(child["loss"], out.loss.item(), rtol=1e-6)
    assert child["ids"] == ids.tolist()
    assert child["text"] == tiny_processor.batch_decode(ids)


def test_auto_classes_without_remote_code(tmp_path, tiny_model, tiny_processor):
    """With the package installed, the Auto classes resolve "vsum" checkpoints natively."""
    from transformers import AutoConfig, AutoModel, AutoProcessor

    from vsum import VsumModel, VsumProcessor

    tiny_model.save_pretrained(tmp_path)
    tiny_processor.save_pretrained(tmp_path)
    assert type(AutoConfig.from_pretrained(tmp_path)).__name__ == "VsumConfig"
    assert isinstance(AutoModel.from_pretrained(tmp_path), VsumModel)
    assert isinstance(AutoProcessor.from_pretrained(tmp_path), VsumProcessor)
