# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The faster training step changes no numbers: fused / foreach / for-loop AdamW give the same loss curve; the
mixed-precision default is bf16 only where the hardware multiplies bf16 natively; the ViT offloaded while training on
features comes back unchanged for exports. (Speed itself is measured by benchmarks/train_step.py, not tested.)"""

import pytest
import torch

from vsum import devices
from vsum.modeling_vsum import VsumModel
from vsum.tiny import tiny_config
from vsum.training import (
    OffloadedVisionModel,
    VsumTrainingArguments,
    build_accelerator,
    build_optimizer,
    resolve_mixed_precision,
)


def _loss_curve(implementation: str, steps: int = 6, bf16_autocast: bool = False):
    torch.manual_seed(0)
    model = VsumModel(tiny_config(local_attention_type="rbf")).train()
    args = VsumTrainingArguments(learning_rate=1e-3, optimizer_implementation=implementation)
    optimizer = build_optimizer(model, args)
    generator = torch.Generator().manual_seed(1)
    batch = dict(
        frame_embeds=torch.randn(2, 12, 32, generator=generator),
        frame_mask=torch.tensor([[1] * 12, [1] * 8 + [0] * 4]),
        vsum_labels=torch.randint(0, 2, (2, 3, 12), generator=generator),
        input_ids=torch.tensor([[5, 7, 8, 9, 3], [5, 7, 10, 3, 0]]),
        attention_mask=torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]),
        labels=torch.tensor([[-100, 7, 8, 9, 3], [-100, 7, 10, 3, -100]]),
    )
    losses = []
    for _ in range(steps):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16_autocast):  # as accelerate: the forward only
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return torch.tensor(losses), optimizer, model


def test_fused_foreach_and_loop_adamw_give_the_same_loss_curve():
    reference, loop_optimizer, loop_model = _loss_curve("for-loop")
    assert reference[-1] < reference[0]  # it trains
    for implementation in ("fused", "foreach"):
        losses, optimizer, model = _loss_curve(implementation)
        assert optimizer.defaults["fused"] == (implementation == "fused")
        assert optimizer.defaults["foreach"] == (implementation == "foreach")
        torch.testing.assert_close(losses, reference, atol=1e-5, rtol=1e-5)
        for (name, p), q in zip(model.named_parameters(), loop_model.parameters()):
            torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-5, msg=name)
    # Weight decay only where it belongs.
    decayed, plain = loop_optimizer.param_groups
    assert decayed["weight_decay"] > 0 and plain["weight_decay"] == 0
    assert any(p.dim() == 0 for p in plain["params"])  # the rbf log-bandwidth


def test_unknown_optimizer_implementation_is_rejected():
    model = VsumModel(tiny_config())
    with pytest.raises(ValueError, match="optimizer_implementation must be one of"):
        build_optimizer(model, VsumTrainingArguments(optimizer_implementation="turbo"))


def test_mixed_precision_default(monkeypatch):
    monkeypatch.delenv("ACCELERATE_MIXED_PRECISION", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: False)
    assert resolve_mixed_precision("auto") == "no"
    monkeypatch.setattr(devices, "cpu_has_native_bf16", lambda: True)  # AVX512-BF16 / AMX
    assert resolve_mixed_precision("auto") == "bf16"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_mixed_precision("auto") == "no"  # the GPU decides when there is one
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_mixed_precision("auto") == "bf16"
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "fp16")
    assert resolve_mixed_precision("auto") is None  # accelerate reads the launcher's choice
    assert resolve_mixed_precision("no") == "no"


def test_cpu_native_bf16_probe_answers_a_bool():
    assert devices.cpu_has_native_bf16() in (True, False)


def test_bf16_autocast_on_cpu_keeps_the_loss_curve_close():
    """What `--mixed_precision bf16` (the CPU default where bf16 is native) does to the step: float32 weights and
    optimizer, bf16 matrix products; the loss curve stays within bf16's precision of the float32 one."""
    reference, _, _ = _loss_curve("fused")
    losses, _, model = _loss_curve("fused", bf16_autocast=True)
    assert all(p.dtype == torch.float32 and p.grad is None for p in model.parameters())
    assert losses[-1] < losses[0]
    assert not torch.equal(losses, reference)  # bf16 products really ran
    torch.testing.assert_close(losses, reference, rtol=1e-3, atol=0)


def test_offloaded_vision_model_is_restored_exactly_for_exports(tmp_path):
    torch.manual_seed(0)
    model = VsumModel(tiny_config()).train()
    original = {name: tensor.clone() for name, tensor in model.vision_model.state_dict().items()}
    frame_embeds, frame_mask = torch.randn(1, 6, 32), torch.ones(1, 6, dtype=torch.long)
    model.eval()
    before = model(frame_embeds=frame_embeds, frame_mask=frame_mask).saliency_logits

    vision = OffloadedVisionModel.offload(model, tmp_path)
    assert model.vision_model is None and (tmp_path / OffloadedVisionModel.FILE_NAME).is_file()
    assert not any(name.startswith("vision_model.") for name in model.state_dict())
    # Features still work; pixels and saving say why they cannot.
    torch.testing.assert_close(model(frame_embeds=frame_embeds, frame_mask=frame_mask).saliency_logits, before)
    with pytest.raises(ValueError, match="ViT is detached"):
        model(pixel_values=torch.zeros(1, 2, 3, 32, 32))
    with pytest.raises(ValueError, match="cannot save the model.*ViT is detached"):
        model.save_pretrained(tmp_path / "incomplete")
    assert not (tmp_path / "incomplete").exists()
    with pytest.raises(ValueError, match="already detached"):
        OffloadedVisionModel.offload(model, tmp_path)

    with vision.attached(model) as attached:
        assert attached is model and not model.vision_model.embeddings.patch_embedding.weight.requires_grad
        model.save_pretrained(tmp_path / "complete")
    assert model.vision_model is None  # detached again after the export
    reloaded = VsumModel.from_pretrained(tmp_path / "complete")
    for name, tensor in original.items():
        torch.testing.assert_close(reloaded.vision_model.state_dict()[name], tensor, rtol=0, atol=0, msg=name)
    with pytest.raises(ValueError, match="must be a BlipVisionModel"):
        model.attach_vision_model(torch.nn.Linear(2, 2))


def test_build_accelerator_wires_precision_and_torch_compile(tmp_path, monkeypatch):
    from accelerate.state import AcceleratorState, GradientState
    from accelerate.utils import DynamoBackend

    monkeypatch.delenv("ACCELERATE_MIXED_PRECISION", raising=False)
    monkeypatch.delenv("ACCELERATE_DYNAMO_BACKEND", raising=False)
    for torch_compile, precision, backend in ((True, "bf16", DynamoBackend.INDUCTOR), (False, "no", DynamoBackend.NO)):
        AcceleratorState._reset_state(reset_partial_state=True)
        GradientState._reset_state()
        args = VsumTrainingArguments(output_dir=str(tmp_path), torch_compile=torch_compile, mixed_precision=precision)
        accelerator = build_accelerator(args, cpu=True)
        assert accelerator.mixed_precision == precision
        assert accelerator.state.dynamo_plugin.backend == backend
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()
