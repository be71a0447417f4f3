# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""The faster training step changes no numbers: fused / foreach / for-loop AdamW give the same loss curve, and the
mixed-precision default is bf16 only on GPUs. (Speed itself is measured by benchmarks/train_step.py, not tested.)"""

import pytest
import torch

from vsum.modeling_vsum import VsumModel
from vsum.tiny import tiny_config
from vsum.training import VsumTrainingArguments, build_optimizer, resolve_mixed_precision


def _loss_curve(implementation: str, steps: int = 6):
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
    assert resolve_mixed_precision("auto") == "no"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_mixed_precision("auto") == "bf16"
    monkeypatch.setenv("ACCELERATE_MIXED_PRECISION", "fp16")
    assert resolve_mixed_precision("auto") is None  # accelerate reads the launcher's choice
    assert resolve_mixed_precision("no") == "no"
