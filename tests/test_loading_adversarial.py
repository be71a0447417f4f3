# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Hostile and broken inputs to the loaders (issue 18): corrupt or pickle weights, configs that do not match their
weights, absurd numbers in VideoXum records, and the project's own `generate` calls (no transformers warnings).

Every case must be a one-line `ValueError` naming the file and the reason (never a library traceback, never a model
with silently fresh random layers, never a pickle loaded).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import warnings

import pytest
import torch


# ------------------------------------------------------------------------------------ helpers


@pytest.fixture(scope="module")
def saved_tiny(tmp_path_factory):
    """A tiny vsum checkpoint folder (model + processor), saved once; tests work on copies of it."""
    from vsum.loading import load_model_and_processor

    torch.manual_seed(0)
    model, processor = load_model_and_processor("tiny")
    folder = tmp_path_factory.mktemp("tiny_checkpoint")
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder, model


@pytest.fixture()
def checkpoint(saved_tiny, tmp_path):
    """A fresh copy of the tiny checkpoint, free to break."""
    folder = tmp_path / "checkpoint"
    shutil.copytree(saved_tiny[0], folder)
    return folder


def load_error(folder, **kwargs) -> str:
    """The message of the `ValueError` that loading `folder` raises; asserts it is a `ValueError` of one line."""
    from vsum.loading import load_model_and_processor

    with pytest.raises(ValueError) as error:
        load_model_and_processor(folder, **kwargs)
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message, message
    return message


@contextlib.contextmanager
def no_pickle_loading(monkeypatch):
    """`torch.load` (the only way transformers reads `.bin` weights) fails the test if anything calls it."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"torch.load called on {args[:1]}: a pickle was loaded")

    monkeypatch.setattr(torch, "load", refuse)
    yield


def write_pickle_weights(folder, state_dict) -> None:
    torch.save(state_dict, folder / "pytorch_model.bin")


# ------------------------------------------------------------------------------------ 1. corrupt weight files


@pytest.mark.parametrize(
    "case",
    ["truncated-to-half", "garbage-bytes", "empty", "header-only", "one-byte-short"],
)
def test_a_corrupt_safetensors_file_is_a_value_error_naming_it(checkpoint, case):
    path = checkpoint / "model.safetensors"
    data = path.read_bytes()
    broken = {
        "truncated-to-half": data[: len(data) // 2],
        "garbage-bytes": os.urandom(5000),
        "empty": b"",
        "header-only": data[: 8 + int.from_bytes(data[:8], "little")],
        "one-byte-short": data[:-1],
    }[case]
    path.write_bytes(broken)
    message = load_error(checkpoint)
    assert str(path) in message and "not a valid safetensors file" in message, message


def test_a_corrupt_safetensors_file_is_refused_on_the_remote_code_path_too(checkpoint):
    path = checkpoint / "model.safetensors"
    path.write_bytes(path.read_bytes()[:1000])
    message = load_error(checkpoint, trust_remote_code=True)
    assert str(path) in message and "not a valid safetensors file" in message, message


def test_an_index_pointing_at_a_pickle_is_refused_without_loading_it(checkpoint, saved_tiny, monkeypatch):
    (checkpoint / "model.safetensors").unlink()
    state = saved_tiny[1].state_dict()
    write_pickle_weights(checkpoint, state)
    index = checkpoint / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": {name: "pytorch_model.bin" for name in state}}))
    with no_pickle_loading(monkeypatch):
        for trust_remote_code in (False, True):
            message = load_error(checkpoint, trust_remote_code=trust_remote_code)
            assert str(index) in message and "'pytorch_model.bin'" in message and "pickle" in message, message


@pytest.mark.parametrize(
    "weight_map, words",
    [
        ({"saliency_head.weight": "../outside.safetensors"}, "not a file name in the folder"),
        ({"saliency_head.weight": "missing-00001.safetensors"}, "does not exist"),
        ({}, "names no weight file"),
        (["model.safetensors"], "must map tensor names to file names"),
    ],
)
def test_a_broken_index_is_a_value_error_naming_it(checkpoint, weight_map, words):
    (checkpoint / "model.safetensors").rename(checkpoint / "model-00001.safetensors")
    index = checkpoint / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    message = load_error(checkpoint)
    assert str(index) in message and words in message, message


def test_an_index_that_is_not_json_is_a_value_error_naming_it(checkpoint):
    (checkpoint / "model.safetensors").unlink()
    index = checkpoint / "model.safetensors.index.json"
    index.write_text("{not json")
    message = load_error(checkpoint)
    assert str(index) in message and "not valid JSON" in message, message


def test_a_truncated_shard_of_a_sharded_checkpoint_names_the_shard(checkpoint, saved_tiny):
    (checkpoint / "model.safetensors").unlink()
    saved_tiny[1].save_pretrained(checkpoint, max_shard_size="100KB")
    shards = sorted(checkpoint.glob("model-*.safetensors"))
    assert len(shards) > 1 and not (checkpoint / "model.safetensors").exists()
    from vsum.loading import load_model_and_processor

    load_model_and_processor(checkpoint)  # the intact sharded folder loads
    shards[1].write_bytes(shards[1].read_bytes()[:-10])
    message = load_error(checkpoint)
    assert str(shards[1]) in message and "not a valid safetensors file" in message, message


def test_pickle_weights_beside_an_unrelated_safetensors_file_are_refused(checkpoint, saved_tiny, monkeypatch):
    # A run folder: an offloaded ViT (`frozen_vision_model.safetensors`) and pickle weights, no model.safetensors.
    (checkpoint / "model.safetensors").rename(checkpoint / "frozen_vision_model.safetensors")
    write_pickle_weights(checkpoint, saved_tiny[1].state_dict())
    with no_pickle_loading(monkeypatch):
        message = load_error(checkpoint)
    assert "no model.safetensors" in message and "pytorch_model.bin" in message and "pickle" in message, message


def test_a_folder_with_only_pickle_weights_is_refused(checkpoint, saved_tiny, monkeypatch):
    (checkpoint / "model.safetensors").unlink()
    write_pickle_weights(checkpoint, saved_tiny[1].state_dict())
    with no_pickle_loading(monkeypatch):
        message = load_error(checkpoint)
    assert "pytorch_model.bin" in message and "pickle" in message, message


# ------------------------------------------------------------------------------------ 2. config vs weights


def _edit_config(folder, **fields) -> None:
    path = folder / "config.json"
    config = json.loads(path.read_text())
    config.update(fields)
    path.write_text(json.dumps(config))


@pytest.mark.parametrize("trust_remote_code", [False, True])
def test_a_config_with_more_layers_than_the_weights_is_refused(checkpoint, saved_tiny, trust_remote_code):
    layers = saved_tiny[1].config.temporal_num_layers
    _edit_config(checkpoint, temporal_num_layers=layers + 2)
    message = load_error(checkpoint, trust_remote_code=trust_remote_code)
    assert "do not match" in message and "missing" in message, message
    assert f"temporal_encoder.layers.{layers}." in message, message


@pytest.mark.parametrize("trust_remote_code", [False, True])
def test_a_config_without_the_layers_the_weights_have_is_refused(checkpoint, trust_remote_code):
    _edit_config(checkpoint, local_attention_window=0)
    message = load_error(checkpoint, trust_remote_code=trust_remote_code)
    assert "do not match" in message and "unexpected" in message and "local_attention.k_proj.weight" in message, message


def test_a_weight_of_another_shape_is_refused(checkpoint, saved_tiny):
    _edit_config(checkpoint, max_frames=saved_tiny[1].config.max_frames * 2)
    message = load_error(checkpoint)
    assert "temporal_encoder.embeddings.position_embeddings" in message, message


def test_a_checkpoint_without_a_vision_tensor_is_refused(checkpoint):
    from safetensors.torch import load_file, save_file

    path = checkpoint / "model.safetensors"
    state = load_file(path)
    dropped = next(name for name in state if name.startswith("vision_model."))
    del state[dropped]
    save_file(state, path, metadata={"format": "pt"})
    message = load_error(checkpoint)
    assert "missing" in message and dropped in message, message


def test_matching_checkpoints_still_load_exactly(checkpoint, saved_tiny):
    from vsum.loading import load_model_and_processor

    for trust_remote_code in (False, True):
        loaded, _ = load_model_and_processor(checkpoint, trust_remote_code=trust_remote_code)
        expected = saved_tiny[1].state_dict()
        assert loaded.state_dict().keys() == expected.keys()
        for name, tensor in expected.items():
            torch.testing.assert_close(loaded.state_dict()[name], tensor)
        # The tied output embedding is not stored twice, yet is tied after loading.
        assert loaded.text_decoder.cls.predictions.decoder.weight is loaded.get_input_embeddings().weight


# ------------------------------------------------------------------------------------ 3. absurd numbers in records


def _videoxum_with(tmp_path, mutate):
    """An annotation folder (one record per split) where `mutate` edited the validation record."""
    from test_data_validation import FILES, IDS, make_record

    root = tmp_path / "anno"
    root.mkdir()
    for split, ids in IDS.items():
        records = [make_record(video_id) for video_id in ids]
        if split == "validation":
            mutate(records[0])
        (root / FILES[split]).write_text(json.dumps(records))
    return root


def _set_onehot(value):
    def mutate(record):
        record["vsum_onehot"][3][4] = value

    return mutate


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        (_set_onehot(10**400), "vsum_onehot", "0/1"),
        (_set_onehot(-(10**400)), "vsum_onehot", "0/1"),
        (_set_onehot(2**64), "vsum_onehot", "0/1"),
        (_set_onehot(1e308), "vsum_onehot", "0/1"),
        (_set_onehot([1]), "vsum_onehot", "list"),
        (_set_onehot({"a": 1}), "vsum_onehot", "dict"),
        (lambda r: r["vsum_onehot"].__setitem__(0, 5), "vsum_onehot", "row 0 must be a list"),
        (lambda r: r["timestamps"].__setitem__(0, [0.0, 10**400]), "timestamps", "finite numbers"),
        (lambda r: r["vsum"][0].__setitem__(2, [10**400, 1.0]), "vsum", "finite numbers"),
        (lambda r: r.__setitem__("sampled_frames", 10**400), "sampled_frames", "positive integer"),
        (lambda r: r.__setitem__("sampled_frames", -(10**400)), "sampled_frames", "positive integer"),
        (lambda r: r.__setitem__("duration", -(10**400)), "duration", "positive number"),
    ],
    ids=[
        "onehot-401-digits",
        "onehot-minus-401-digits",
        "onehot-2**64",
        "onehot-1e308",
        "onehot-nested-list",
        "onehot-object",
        "onehot-row-is-a-number",
        "timestamps-401-digits",
        "vsum-401-digits",
        "sampled-frames-401-digits",
        "sampled-frames-minus-401-digits",
        "duration-minus-401-digits",
    ],
)
def test_huge_and_odd_numbers_in_a_record_are_a_short_value_error(tmp_path, mutate, field, words):
    from vsum.data import load_videoxum

    root = _videoxum_with(tmp_path, mutate)
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message, message
    assert "'v_val0'" in message and f"field {field!r}" in message and "val_videoxum.json" in message, message
    assert words in message, message
    assert len(message) < 400, f"{len(message)} characters: a huge value must be shortened in the message"


def test_an_integer_too_long_for_python_is_a_value_error_naming_the_file(tmp_path):
    from vsum.data import load_videoxum

    root = _videoxum_with(tmp_path, lambda r: None)
    path = root / "val_videoxum.json"
    path.write_text(path.read_text().replace('"duration": 11.6', '"duration": ' + "9" * 5000, 1))
    with pytest.raises(ValueError) as error:
        load_videoxum(root, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message and str(path) in message, message


@pytest.mark.parametrize(
    "content, words",
    [
        ('"fps": ' + "1" + "0" * 400, "'fps' must be a positive number"),
        ('"fps": -' + "1" + "0" * 400, "'fps' must be a positive number"),
        ('"feature_dim": ' + "1" + "0" * 400, "'feature_dim' must be a positive integer"),
        ('"feature_dim": ' + "9" * 5000, "4300 digits"),
        ('"extra": ' + "[" * 100_000, "JSON"),
    ],
    ids=["fps-401-digits", "fps-minus-401-digits", "feature-dim-401-digits", "5000-digit-integer", "nested-too-deep"],
)
def test_huge_numbers_in_features_info_are_a_short_value_error_naming_it(tmp_path, content, words):
    from vsum.data import FEATURES_INFO_FILENAME, read_features_info

    fields = {"encoder": "tiny", "image_size": 32, "encoder_dtype": "float32", "feature_dim": 8}
    text = json.dumps({"format": "vsum-features", "format_version": 1, **fields})
    key = content.split(":")[0]
    if key in text:
        text = text.replace(f"{key}: {json.dumps(fields[key.strip(chr(34))])}", content)
    else:
        text = text[:-1] + ", " + content + "}"
    path = tmp_path / FEATURES_INFO_FILENAME
    path.write_text(text)
    with pytest.raises(ValueError) as error:
        read_features_info(tmp_path)
    message = str(error.value)
    assert type(error.value) is ValueError and "\n" not in message and len(message) < 400, message
    assert str(path) in message and words in message, message


def test_the_collator_refuses_unreadable_onehots_with_a_value_error_naming_the_row(tiny_processor):
    import numpy as np

    from vsum.data import VsumDataCollator

    collator = VsumDataCollator(tiny_processor)
    features = np.zeros((4, 8), dtype=np.float32)
    for onehot in ([[0, 1, 10**400, 0]], [[0, 1], [0, 1, 1]], [["a", 0, 1, 0]], [[0, 1, float("nan"), 0]]):
        with pytest.raises(ValueError) as error:
            collator([{"video_id": "v_bad", "frame_embeds": features, "vsum_onehot": onehot}])
        message = str(error.value)
        assert type(error.value) is ValueError and "v_bad" in message and "vsum_onehot" in message, message
        assert "\n" not in message and len(message) < 400, message


# ------------------------------------------------------------------------------------ 4. generate without warnings


@contextlib.contextmanager
def captured_warnings():
    """Everything transformers logs (its loggers do not propagate to the root) and every Python warning."""
    from transformers.utils import logging as transformers_logging

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    # `logger.warning_once` remembers what it said in this process: forget it, so each test sees every warning.
    logging.Logger.warning_once.cache_clear()
    handler = Collect(level=logging.WARNING)
    root = transformers_logging.get_logger("transformers")
    root.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield records
        records.extend(str(w.message) for w in caught)
    finally:
        root.removeHandler(handler)


FORBIDDEN = ("deprecated", "seem to have been set", "together with generation")


def _old_generate(model, frame_embeds, frame_mask, generation_config=None, **kwargs):
    """What `VsumModel.generate` did before issue 18: the config and the kwargs handed to the text decoder side by
    side (transformers merged them, with warnings)."""
    features, mask = model.get_frame_features(None, frame_embeds, frame_mask)
    memory, memory_mask = model.decoder_memory(features, mask)
    prompt = torch.tensor([model.config.prompt_token_ids] * frame_embeds.shape[0])
    with torch.no_grad():
        return model.text_decoder.generate(
            input_ids=prompt,
            encoder_hidden_states=memory,
            encoder_attention_mask=memory_mask.long(),
            generation_config=generation_config if generation_config is not None else model.generation_config,
            **kwargs,
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_beams": 2, "max_new_tokens": 12},
        {"num_beams": 1, "max_new_tokens": 6, "min_new_tokens": 3},
        {"max_length": 12},
        {"num_beams": 1, "do_sample": False, "min_length": 6, "max_length": 14},
        {"num_beams": 2, "max_new_tokens": 8, "output_scores": True, "return_dict_in_generate": True},
    ],
)
def test_generate_with_arguments_gives_no_transformers_warning_and_the_same_tokens(tiny_model, kwargs):
    torch.manual_seed(0)
    frame_embeds = torch.randn(2, 9, tiny_model.config.hidden_size)
    frame_mask = torch.tensor([[1] * 9, [1] * 6 + [0] * 3])
    with captured_warnings() as said:
        ids = tiny_model.generate(frame_embeds=frame_embeds, frame_mask=frame_mask, **kwargs)
    assert not [line for line in said if any(word in line for word in FORBIDDEN)], said
    expected = _old_generate(tiny_model, frame_embeds, frame_mask, **kwargs)
    if kwargs.get("return_dict_in_generate"):
        ids, expected = ids.sequences, expected.sequences
    torch.testing.assert_close(ids, expected, rtol=0, atol=0)
    assert tiny_model.generation_config.max_length == 128  # the model's own recipe is not modified


def test_generate_with_a_generation_config_and_arguments_merges_them_quietly(tiny_model):
    from transformers import GenerationConfig

    torch.manual_seed(0)
    frame_embeds = torch.randn(1, 5, tiny_model.config.hidden_size)
    config = GenerationConfig(num_beams=2, max_length=30, eos_token_id=3, pad_token_id=0)
    with captured_warnings() as said:
        ids = tiny_model.generate(frame_embeds=frame_embeds, generation_config=config, max_new_tokens=4)
    assert not [line for line in said if any(word in line for word in FORBIDDEN)], said
    assert ids.shape[1] <= len(tiny_model.config.prompt_token_ids) + 4  # max_new_tokens won over the config's 30
    assert config.max_length == 30 and config.max_new_tokens is None  # the caller's object is not modified


def test_a_length_argument_replaces_the_recipes_other_form_of_it(tiny_model):
    # A checkpoint's recipe may bound new tokens; a caller's `max_length` must still win (transformers would let the
    # recipe's `max_new_tokens` take precedence over the explicit argument).
    torch.manual_seed(0)
    frame_embeds = torch.randn(1, 5, tiny_model.config.hidden_size)
    tiny_model.generation_config.max_new_tokens = 40
    tiny_model.generation_config.min_length = None
    # No early stop: the length bound alone ends the text.
    tiny_model.generation_config.suppress_tokens = [tiny_model.generation_config.eos_token_id]
    with captured_warnings() as said:
        ids = tiny_model.generate(frame_embeds=frame_embeds, num_beams=1, max_length=9)
    assert ids.shape[1] == 9, ids.shape
    assert not [line for line in said if any(word in line for word in FORBIDDEN)], said
    assert tiny_model.generation_config.max_new_tokens == 40


def test_the_package_entry_points_generate_quietly(tiny_model, tiny_processor):
    # Chapter titles use their own recipe (CHAPTER_GENERATE_KWARGS: beams and lengths) as generate arguments.
    from vsum.chapters import caption_segments

    torch.manual_seed(0)
    frame_embeds = torch.randn(12, tiny_model.config.hidden_size)
    with captured_warnings() as said:
        captions = caption_segments(
            tiny_model,
            tiny_processor,
            frame_embeds,
            [float(t) for t in range(12)],
            [[0.0, 4.0], [4.0, 12.0]],
        )
    assert len(captions) == 2
    assert not [line for line in said if any(word in line for word in FORBIDDEN)], said


def test_chapter_captions_take_a_callers_length_without_warnings(tiny_model, tiny_processor):
    # A caller's `max_new_tokens` replaces the chapter recipe's `max_length` (before: both reached `generate` as
    # arguments and transformers warned "Both `max_new_tokens` ... and `max_length` ... seem to have been set").
    from vsum.chapters import caption_segments

    torch.manual_seed(0)
    frame_embeds = torch.randn(12, tiny_model.config.hidden_size)
    tiny_model.generation_config.suppress_tokens = [tiny_model.generation_config.eos_token_id]  # length bound only
    with captured_warnings() as said:
        captions = caption_segments(
            tiny_model,
            tiny_processor,
            frame_embeds,
            [float(t) for t in range(12)],
            [[0.0, 4.0], [4.0, 12.0]],
            generate_kwargs={"max_new_tokens": 3, "min_new_tokens": 3},
        )
    assert not [line for line in said if any(word in line for word in FORBIDDEN)], said
    assert [len(tiny_processor.tokenizer(text, add_special_tokens=False).input_ids) for text in captions] == [3, 3]
