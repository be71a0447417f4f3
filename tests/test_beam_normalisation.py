# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""`generation_config.length_normalization="videoxum"`: beam search keeps and stops as transformers 4.15 (the official
VideoXum pin), whose finished-hypothesis score divides by the whole sequence length (prompt included, end token
excluded) instead of transformers 5's generated length (issue 19)."""

from __future__ import annotations

import pytest
import torch
from test_convert_videoxum import blip_dir  # noqa: F401  (fixture: a tiny BLIP checkpoint folder)


NUM_BEAMS, MAX_LENGTH, MIN_LENGTH = 3, 16, 6
LENGTHS = ("generated", "videoxum")


def _model(tiny_processor, seed: int, eos_boost: float, scale: float = 6.0):
    """A tiny random model whose end token competes with the other tokens (so short and long hypotheses compete)."""
    from vsum import VsumModel
    from vsum.tiny import tiny_config

    torch.manual_seed(seed)
    model = VsumModel(tiny_config(tiny_processor)).eval()
    with torch.no_grad():
        model.text_decoder.cls.predictions.decoder.weight.mul_(scale)  # peaked distributions, as a trained model's
        model.text_decoder.cls.predictions.decoder.bias[model.generation_config.eos_token_id] += eos_boost
    return model


def _add(hypotheses: list, tokens: torch.Tensor, sum_logprobs: float, length_penalty: float) -> None:
    # 4.15's BeamHypotheses.add: score over the whole sequence's length; keep the `NUM_BEAMS` best.
    score = sum_logprobs / len(tokens) ** length_penalty
    if len(hypotheses) < NUM_BEAMS or score > min(h[0] for h in hypotheses):
        hypotheses.append((score, tokens))
        if len(hypotheses) > NUM_BEAMS:
            hypotheses.remove(min(hypotheses, key=lambda h: h[0]))


@torch.no_grad()
def reference_415_beam_search(model, frame_embeds, frame_mask, length_penalty=1.0) -> list[list[int]]:
    """transformers 4.15's beam search (`BeamSearchScorer.process` / `finalize`, `BeamHypotheses`) for one video at a
    time, written out without a cache: the decoder runs on the whole sequences at every step."""
    features, mask = model.get_frame_features(frame_embeds=frame_embeds, frame_mask=frame_mask)
    memory, memory_mask = model.decoder_memory(features, mask)
    eos = model.generation_config.eos_token_id
    outputs = []
    for row in range(memory.shape[0]):
        encoder = {
            "encoder_hidden_states": memory[row : row + 1].expand(NUM_BEAMS, -1, -1),
            "encoder_attention_mask": memory_mask[row : row + 1].expand(NUM_BEAMS, -1).long(),
        }
        sequences = torch.tensor([model.config.prompt_token_ids] * NUM_BEAMS)
        beam_scores = torch.tensor([0.0] + [-1e9] * (NUM_BEAMS - 1))
        hypotheses, done = [], False
        while True:
            log_probs = model.text_decoder(input_ids=sequences, **encoder).logits[:, -1].log_softmax(-1)
            length = sequences.shape[1]
            if length < MIN_LENGTH:
                log_probs[:, eos] = -float("inf")
            vocab = log_probs.shape[-1]
            top_scores, top_ids = (log_probs + beam_scores[:, None]).view(-1).topk(2 * NUM_BEAMS)
            running = []
            for rank, (score, flat) in enumerate(zip(top_scores.tolist(), top_ids.tolist())):
                beam, token = divmod(flat, vocab)
                if token == eos:
                    if rank < NUM_BEAMS:
                        _add(hypotheses, sequences[beam], score, length_penalty)
                else:
                    running.append((score, beam, token))
                if len(running) == NUM_BEAMS:
                    break
            worst = min((h[0] for h in hypotheses), default=None)
            done = len(hypotheses) == NUM_BEAMS and worst >= top_scores.max().item() / length**length_penalty
            sequences = torch.stack([torch.cat([sequences[beam], torch.tensor([token])]) for _, beam, token in running])
            beam_scores = torch.tensor([score for score, _, _ in running])
            if done or sequences.shape[1] >= MAX_LENGTH:
                break
        if not done:
            for score, tokens in zip(beam_scores.tolist(), sequences):
                _add(hypotheses, tokens, score, length_penalty)
        best = max(hypotheses, key=lambda h: h[0])[1].tolist()
        outputs.append(best + [eos] if len(best) < MAX_LENGTH else best)
    return outputs


def _trimmed(sequences: torch.Tensor, eos: int) -> list[list[int]]:
    """Generated rows up to and with their end token (transformers pads after it)."""
    rows = []
    for row in sequences.tolist():
        rows.append(row[: row.index(eos) + 1] if eos in row else row)
    return rows


def _inputs(seed: int, hidden: int, lengths=(9, 14, 5, 12)):
    generator = torch.Generator().manual_seed(seed)
    frames = max(lengths)
    mask = torch.arange(frames)[None] < torch.tensor(lengths)[:, None]
    return torch.randn(len(lengths), frames, hidden, generator=generator) * mask[..., None], mask


def _generate(model, frame_embeds, frame_mask, **kwargs):
    kwargs = {"num_beams": NUM_BEAMS, "max_length": MAX_LENGTH, "min_length": MIN_LENGTH, **kwargs}
    return _trimmed(model.generate(frame_embeds=frame_embeds, frame_mask=frame_mask, **kwargs), 3)


def test_videoxum_normalisation_reproduces_transformers_415(tiny_processor):
    """On random tiny models whose end token competes: `length_normalization="videoxum"` returns 4.15's summary for
    every video; transformers 5's default returns another one for some (so the option matters)."""
    same, differs = 0, 0
    # The last case reaches max_length (4.15 then also keeps the unfinished beams, with their full length).
    for seed, eos_boost, scale in ((0, 1.0, 6.0), (1, 1.0, 6.0), (1, 0.0, 6.0), (0, -1.0, 3.0)):
        model = _model(tiny_processor, seed, eos_boost, scale)
        assert model.generation_config.eos_token_id == 3
        frame_embeds, frame_mask = _inputs(seed, model.config.hidden_size)
        expected = reference_415_beam_search(model, frame_embeds, frame_mask)
        assert _generate(model, frame_embeds, frame_mask, length_normalization="videoxum") == expected, seed
        default = _generate(model, frame_embeds, frame_mask)
        same += sum(a == b for a, b in zip(default, expected))
        differs += sum(a != b for a, b in zip(default, expected))
    assert differs >= 8, (same, differs)


def test_videoxum_normalisation_is_transformers_search_without_length_penalty(tiny_processor):
    """With `length_penalty=0` both rules rank finished hypotheses by their summed log-probabilities: the replaced
    scoring must then give transformers' own result (same search, caches, batching, stopping)."""
    for seed in range(3):
        model = _model(tiny_processor, seed, 1.0)
        frame_embeds, frame_mask = _inputs(10 + seed, model.config.hidden_size)
        ours = _generate(model, frame_embeds, frame_mask, length_normalization="videoxum", length_penalty=0.0)
        assert ours == _generate(model, frame_embeds, frame_mask, length_penalty=0.0)


def test_videoxum_choice_follows_the_415_score(tiny_processor):
    """Where the two rules disagree, each one's summary has the better score under its own rule: sum of
    log-probabilities / whole length without the end token (4.15) vs / generated tokens with it (transformers 5)."""
    model = _model(tiny_processor, 1, 1.0)
    frame_embeds, frame_mask = _inputs(1, model.config.hidden_size)
    official = _generate(model, frame_embeds, frame_mask, length_normalization="videoxum")
    default = _generate(model, frame_embeds, frame_mask)
    rows = [i for i, (a, b) in enumerate(zip(official, default)) if a != b]
    assert rows, "no video where the rules disagree"
    prompt = len(model.config.prompt_token_ids)
    features, mask = model.get_frame_features(frame_embeds=frame_embeds, frame_mask=frame_mask)
    memory, memory_mask = model.decoder_memory(features, mask)

    def sum_logprobs(row, tokens):
        with torch.no_grad():
            logits = model.text_decoder(
                input_ids=torch.tensor([tokens]),
                encoder_hidden_states=memory[row : row + 1],
                encoder_attention_mask=memory_mask[row : row + 1].long(),
            ).logits[0]
        log_probs = logits[:-1].log_softmax(-1)  # row i scores token i + 1
        return log_probs[torch.arange(prompt - 1, len(tokens) - 1), torch.tensor(tokens[prompt:])].sum().item()

    for row in rows:
        a, b = official[row], default[row]
        sa, sb = sum_logprobs(row, a), sum_logprobs(row, b)
        assert sa / (len(a) - (a[-1] == 3)) > sb / (len(b) - (b[-1] == 3))  # 4.15's rule prefers its choice
        assert sb / (len(b) - prompt) > sa / (len(a) - prompt)  # transformers 5's prefers the default's


def test_length_normalization_round_trips_and_is_checked(tiny_processor, tmp_path):
    from vsum import VsumModel

    model = _model(tiny_processor, 1, 1.0)
    frame_embeds, frame_mask = _inputs(1, model.config.hidden_size)
    expected = _generate(model, frame_embeds, frame_mask, length_normalization="videoxum")
    model.generation_config.length_normalization = "videoxum"
    model.save_pretrained(tmp_path)
    loaded = VsumModel.from_pretrained(tmp_path).eval()
    assert loaded.generation_config.length_normalization == "videoxum"
    assert _generate(loaded, frame_embeds, frame_mask) == expected
    # The call's value wins over the saved one; the model's own config is never modified.
    assert _generate(loaded, frame_embeds, frame_mask, length_normalization="generated") == _generate(
        model, frame_embeds, frame_mask, length_normalization="generated"
    )
    assert loaded.generation_config.length_normalization == "videoxum"
    with pytest.raises(ValueError, match=r"length_normalization must be one of \('generated', 'videoxum'\), got 'x'"):
        loaded.generate(frame_embeds=frame_embeds, frame_mask=frame_mask, length_normalization="x")


def test_converted_official_checkpoint_decodes_with_the_415_scores(blip_dir):  # noqa: F811 (the fixture)
    from test_convert_videoxum import _converted_model, official_state_dict

    model, _ = _converted_model(official_state_dict(blip_dir), blip_dir)
    assert model.generation_config.length_normalization == "videoxum"


def test_concurrent_calls_keep_their_own_normalisation(tiny_processor):
    """Two threads decode with the same model at once, one per rule: each gets its own rule's summaries."""
    import threading

    model = _model(tiny_processor, 1, 1.0)
    frame_embeds, frame_mask = _inputs(1, model.config.hidden_size)
    expected = {rule: _generate(model, frame_embeds, frame_mask, length_normalization=rule) for rule in LENGTHS}
    assert expected["videoxum"] != expected["generated"]
    barrier, results = threading.Barrier(2), {rule: [] for rule in LENGTHS}

    def decode(rule):
        barrier.wait()
        for _ in range(4):
            results[rule].append(_generate(model, frame_embeds, frame_mask, length_normalization=rule))

    threads = [threading.Thread(target=decode, args=(rule,)) for rule in LENGTHS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[rule] == [expected[rule]] * 4 for rule in LENGTHS)
