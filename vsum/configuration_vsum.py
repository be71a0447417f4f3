# Copyright 2026 The vsum-la Authors. Licensed under the Apache License, Version 2.0.
"""Configuration of the vsum-la model (BLIP ViT + temporal transformer + local attention + BLIP text decoder)."""

from transformers import BlipTextConfig, BlipVisionConfig, PreTrainedConfig


LOCAL_ATTENTION_TYPES = ("hard", "rbf")
#: `vsum_loss_reduction` values: our mean over real frames, or the official VideoXum mean (see `VsumConfig`).
VSUM_LOSS_REDUCTIONS = ("real_frames", "videoxum")
#: `temporal_position_interpolation` values: per video and linear (ours), or the official VideoXum rule (the whole table
#: resampled bicubically to the padded batch length; see `VsumConfig`).
TEMPORAL_POSITION_INTERPOLATIONS = ("per_video_linear", "videoxum_batch_bicubic")
#: `initialization` values: this project's initialisation of the new modules, or the official VideoXum one.
INITIALIZATIONS = ("default", "videoxum")
#: `generation_config.length_normalization` values of beam search (see `VsumModel.generate`): transformers' score
#: (sum of log-probabilities / generated tokens ** length_penalty) or transformers 4.15's, the official VideoXum pin
#: (the whole sequence, prompt included, without the end token).
LENGTH_NORMALIZATIONS = ("generated", "videoxum")
#: Fraction of the sampled frames in the video summary (VideoXum: 15 %); mirrored by `vsum.constants`.
DEFAULT_SUMMARY_RATIO = 0.15


class VsumConfig(PreTrainedConfig):
    r"""
    Configuration of a [`VsumModel`]: a frozen BLIP vision encoder applied to every sampled frame, a temporal
    transformer over the frame embeddings, a local-attention module (each frame attends to its `2k + 1` neighbours),
    a per-frame saliency head (the video summary) and BLIP's text decoder cross-attending to the frames (the text
    summary).

    The composite config keeps its sub-configs consistent: the decoder's `encoder_hidden_size` is set to the vision
    hidden size, which is also the width of the temporal modules.

    Args:
        vision_config (`dict` or [`BlipVisionConfig`], *optional*):
            The per-frame BLIP ViT.
        text_config (`dict` or [`BlipTextConfig`], *optional*):
            BLIP's text decoder (`BlipTextLMHeadModel`).
        temporal_num_layers (`int`, *optional*, defaults to 1):
            Layers of the temporal transformer (TT). `0` is the paper's "Base" ablation (no TT).
        temporal_num_heads (`int`, *optional*):
            Attention heads of the TT and of the local attention. Defaults to the ViT's number of heads (12 for ViT-B).
        temporal_intermediate_size (`int`, *optional*):
            MLP width of the TT. Defaults to 4x the hidden size.
        temporal_dropout (`float`, *optional*, defaults to 0.1):
            Dropout in the TT and the local attention. The official VideoXum model uses 0.0.
        temporal_layer_norm_eps (`float`, *optional*):
            Epsilon of the LayerNorms of the TT and the local attention. Defaults to the ViT's `layer_norm_eps`
            (1e-5 in transformers' BLIP); the official VideoXum model uses 1e-6.
        temporal_final_layer_norm (`bool`, *optional*, defaults to `False`):
            Apply a LayerNorm after the last TT layer, before the position embeddings are added again, as the
            official VideoXum `VideoTransformer` does (`tt.norm`). Our default omits it.
        max_frames (`int`, *optional*, defaults to 512):
            Rows of the learned temporal position table. A video of `T <= max_frames` frames uses rows `0..T-1`;
            beyond, the table is interpolated as `temporal_position_interpolation` says.
        temporal_position_interpolation (`str`, *optional*, defaults to `"per_video_linear"`):
            Positions beyond `max_frames`. `"per_video_linear"`: the table is interpolated linearly to each video's
            own length (from `frame_mask`), so a video's positions never depend on its batch or its padding.
            `"videoxum_batch_bicubic"`: the official VideoXum rule, set by converted official checkpoints: when the
            padded *batch* length `T_max` exceeds `max_frames`, the whole table is resampled bicubically
            (`align_corners=False`) to `T_max` rows and every video of the batch uses rows `0..T-1` of it, a short
            video batched with a long one included. Outputs then depend on the batch: a video alone (as `vsum
            summarize` runs it) gets the official output for that video alone. Up to `max_frames` padded frames both
            rules use rows `0..T-1`.
        local_attention_window (`int`, *optional*, defaults to 2):
            Radius `k` of the local attention window (frame `i` attends to frames `i-k .. i+k`). `0` or `None` removes
            the local-attention module.
        local_attention_type (`str`, *optional*, defaults to `"hard"`):
            `"hard"`: the paper's band mask. `"rbf"`: the same window plus a Gaussian bias `-(i-j)^2 / (2 sigma^2)`
            whose bandwidth `sigma` is learned (initialised to `k`).
        summary_ratio (`float`, *optional*, defaults to 0.15):
            Fraction of frames selected as the video summary at inference.
        vsum_loss_weight (`float`, *optional*, defaults to 15.0):
            Weight of the saliency BCE loss.
        tsum_loss_weight (`float`, *optional*, defaults to 1.0):
            Weight of the text cross-entropy loss.
        tsum_label_smoothing (`float`, *optional*, defaults to 0.1):
            Label smoothing of the text cross-entropy (the official VideoXum / BLIP value). Written into
            `text_config.label_smoothing`, which the decoder reads.
        decoder_dropout (`float`, *optional*):
            When set, the text decoder's hidden and attention-probability dropout (`text_config.hidden_dropout_prob`,
            `text_config.attention_probs_dropout_prob`). `None` keeps the text config's values (0.0 in transformers'
            BLIP configs); the official VideoXum decoder uses 0.1 (BLIP's `med_config.json`).
        vsum_loss_reduction (`str`, *optional*, defaults to `"real_frames"`):
            How the saliency BCE is averaged. `"real_frames"`: over the real frames and annotators (a video's weight
            does not depend on its batch). `"videoxum"`: the official value, a mean over batch x annotators x *padded*
            frames in which padded frames (and negative labels) count 0 in the sum but 1 in the denominator, so the
            loss shrinks with the batch's padding. Same minimiser per video, different effective weights.
        prompt_token_ids (`list[int]`, *optional*):
            The text prompt (`"a video of "`) as decoder input ids (decoder BOS first, no separator), used by
            `generate()` when no `input_ids` are given. The prompt *text* is owned by [`VsumProcessor`] (`prompt`),
            which tokenizes training targets and strips the prompt from generated text; these ids are derived from it
            once, when a model is created together with its processor (`vsum.tiny.tiny_config(processor)`, the loader
            for BLIP checkpoints, the VideoXum converter) and are then saved with the checkpoint; nothing patches
            them afterwards. `generate()` raises if neither these nor `input_ids` are given. Older checkpoints also
            stored the prompt text as `prompt`; that key is ignored when loading.
        freeze_vision (`bool`, *optional*, defaults to `True`):
            Keep the ViT frozen (no gradients, frames encoded under `torch.no_grad`).
        vision_chunk_size (`int`, *optional*, defaults to 64):
            Frames per ViT forward in `encode_frames`, so memory does not grow with video length.
        hidden_size (`int`, *optional*):
            Width of the temporal modules and the saliency head. Defaults to the ViT's hidden size (which it must
            equal when the model has a ViT), or to `input_feature_size` for a feature-only model.
        input_feature_size (`int`, *optional*):
            Width of precomputed frame features (`frame_embeds`), e.g. 1024 for the GoogLeNet pool5 features of the
            TVSum/SumMe HDF5 files. When set, the model runs on such features only: it has no ViT (`vision_config`
            must be `None`; `pixel_values` raise), and a `Linear(input_feature_size, hidden_size)` projects the
            features before the temporal modules when the two widths differ. `None`: the features are the ViT's.
        use_text_decoder (`bool`, *optional*, defaults to `True`):
            `False` makes a video-only model (the video summary alone, as in the TVSum/SumMe literature): no text
            decoder (`text_config` must be `None`), the loss is the saliency loss, and `generate` raises.
        decoder_max_frames (`int`, *optional*, defaults to 512):
            The text decoder cross-attends to at most this many frames: a longer video's frame features are
            average-pooled over time in windows of `ceil(T / decoder_max_frames)` frames (per video, so padding
            changes nothing). Training sees at most `max_frames` = 512 frames anyway, and this keeps `generate`'s
            cross-attention cache (layers x beams x frames x hidden) bounded for hours-long videos. The saliency
            head always scores every frame. `None` attends to all frames.
        initialization (`str`, *optional*, defaults to `"default"`):
            How the modules a BLIP checkpoint lacks are initialised (weights loaded afterwards replace it).
            `"default"`: linears N(0, `initializer_range`) with zero biases, position table truncated
            N(0, `initializer_range`). `"videoxum"`: as the official VideoXum code initialises them: the temporal
            position table N(0, 1) (PyTorch's `nn.Embedding` default) and the saliency head's bias
            U(-1/sqrt(D), 1/sqrt(D)) (PyTorch's `nn.Linear` default), its weight N(0, 0.02); the TT and local-attention
            linears are N(0, 0.02) with zero biases in both.

    Example:

    ```python
    >>> from vsum import VsumConfig, VsumModel

    >>> config = VsumConfig(local_attention_window=2, local_attention_type="hard")
    >>> config.hidden_size
    768
    >>> model = VsumModel(config)  # doctest: +SKIP

    >>> # Video-only, on 1024-d frame features (TVSum/SumMe), projected to 256 for the TT + local attention:
    >>> video_only = VsumConfig(input_feature_size=1024, hidden_size=256, use_text_decoder=False)
    >>> video_only.vision_config is None and video_only.text_config is None
    True

    ```"""

    model_type = "vsum"
    sub_configs_defaults = {"vision_config": BlipVisionConfig, "text_config": BlipTextConfig}

    vision_config: dict | PreTrainedConfig | None = None
    text_config: dict | PreTrainedConfig | None = None
    temporal_num_layers: int = 1
    temporal_num_heads: int | None = None
    temporal_intermediate_size: int | None = None
    temporal_dropout: float = 0.1
    temporal_layer_norm_eps: float | None = None
    temporal_final_layer_norm: bool = False
    max_frames: int = 512
    temporal_position_interpolation: str = "per_video_linear"
    local_attention_window: int | None = 2
    local_attention_type: str = "hard"
    summary_ratio: float = DEFAULT_SUMMARY_RATIO
    vsum_loss_weight: float = 15.0
    tsum_loss_weight: float = 1.0
    tsum_label_smoothing: float = 0.1
    decoder_dropout: float | None = None
    vsum_loss_reduction: str = "real_frames"
    prompt_token_ids: list[int] | None = None
    freeze_vision: bool = True
    vision_chunk_size: int = 64
    decoder_max_frames: int | None = 512
    initialization: str = "default"
    hidden_size: int | None = None
    input_feature_size: int | None = None
    use_text_decoder: bool = True
    initializer_range: float = 0.02
    tie_word_embeddings: bool = True

    def __post_init__(self, **kwargs):
        # Checkpoints before the prompt had one home stored its text here; the processor owns it now.
        kwargs.pop("prompt", None)
        # A sub-config the model would not use is an error when given, and None otherwise (transformers fills in a
        # default for None, which is dropped again below: saved video-only configs hold `null` there).
        if self.input_feature_size is not None and self.vision_config is not None:
            raise ValueError(
                f"VsumConfig.vision_config is given but input_feature_size={self.input_feature_size!r}: a model on "
                "precomputed features has no ViT; drop vision_config (or input_feature_size)"
            )
        if not self.use_text_decoder and self.text_config is not None:
            raise ValueError(
                "VsumConfig.text_config is given but use_text_decoder=False: a video-only model has no text decoder; "
                "drop text_config (or set use_text_decoder=True)"
            )
        super().__post_init__(**kwargs)
        if self.input_feature_size is not None:
            self.vision_config = None
        if not self.use_text_decoder:
            self.text_config = None
        self._set_width_defaults()
        if self.text_config is not None:
            # The decoder cross-attends to frame features of the temporal modules' width.
            self.text_config.encoder_hidden_size = self.hidden_size
        if self.local_attention_window == 0:
            self.local_attention_window = None
        self._validate_vsum_fields()
        if self.text_config is None:
            return
        # The decoder reads these from its own config; this config is their one source.
        self.text_config.label_smoothing = self.tsum_label_smoothing
        if self.decoder_dropout is not None:
            self.text_config.hidden_dropout_prob = self.decoder_dropout
            self.text_config.attention_probs_dropout_prob = self.decoder_dropout

    def _set_width_defaults(self):
        """`hidden_size` and the temporal modules' unset sizes, from the ViT or (feature-only) the feature width."""
        if not isinstance(self.input_feature_size, int) or isinstance(self.input_feature_size, bool):
            if self.input_feature_size is not None:
                raise ValueError(
                    f"VsumConfig.input_feature_size={self.input_feature_size!r} is invalid: must be an int or None"
                )
        elif self.input_feature_size < 1:
            raise ValueError(f"VsumConfig.input_feature_size={self.input_feature_size!r} is invalid: must be >= 1")
        vision = self.vision_config
        if vision is not None and self.hidden_size is not None and self.hidden_size != vision.hidden_size:
            raise ValueError(
                f"VsumConfig.hidden_size={self.hidden_size!r} is invalid: a model with a ViT works at the ViT's width "
                f"{vision.hidden_size} (set input_feature_size for a model on other features)"
            )
        if self.hidden_size is None:
            self.hidden_size = vision.hidden_size if vision is not None else self.input_feature_size
        if not isinstance(self.hidden_size, int) or self.hidden_size < 1:
            raise ValueError(f"VsumConfig.hidden_size={self.hidden_size!r} is invalid: must be a positive int")
        if self.temporal_layer_norm_eps is None:
            # BLIP's ViT value (1e-5) without a ViT.
            self.temporal_layer_norm_eps = vision.layer_norm_eps if vision is not None else 1e-5
        if self.temporal_num_heads is None:
            self.temporal_num_heads = vision.num_attention_heads if vision is not None else 8
        if self.temporal_intermediate_size is None:
            self.temporal_intermediate_size = 4 * self.hidden_size

    @property
    def use_local_attention(self) -> bool:
        return self.local_attention_window is not None

    def _validate_vsum_fields(self):
        def _check(condition, field, value, reason):
            if not condition:
                raise ValueError(f"VsumConfig.{field}={value!r} is invalid: {reason}")

        _check(self.temporal_num_layers >= 0, "temporal_num_layers", self.temporal_num_layers, "must be >= 0")
        _check(self.temporal_num_heads >= 1, "temporal_num_heads", self.temporal_num_heads, "must be >= 1")
        _check(
            self.hidden_size % self.temporal_num_heads == 0,
            "temporal_num_heads",
            self.temporal_num_heads,
            f"must divide the hidden size {self.hidden_size}",
        )
        _check(
            self.temporal_intermediate_size >= 1,
            "temporal_intermediate_size",
            self.temporal_intermediate_size,
            "must be >= 1",
        )
        _check(0.0 <= self.temporal_dropout < 1.0, "temporal_dropout", self.temporal_dropout, "must be in [0, 1)")
        _check(self.max_frames >= 1, "max_frames", self.max_frames, "must be >= 1")
        _check(
            self.temporal_position_interpolation in TEMPORAL_POSITION_INTERPOLATIONS,
            "temporal_position_interpolation",
            self.temporal_position_interpolation,
            f"must be one of {TEMPORAL_POSITION_INTERPOLATIONS}",
        )
        if self.local_attention_window is not None:
            _check(
                isinstance(self.local_attention_window, int) and self.local_attention_window > 0,
                "local_attention_window",
                self.local_attention_window,
                "must be a positive int radius, or 0/None to disable local attention",
            )
        _check(
            self.local_attention_type in LOCAL_ATTENTION_TYPES,
            "local_attention_type",
            self.local_attention_type,
            f"must be one of {LOCAL_ATTENTION_TYPES}",
        )
        _check(0.0 < self.summary_ratio <= 1.0, "summary_ratio", self.summary_ratio, "must be in (0, 1]")
        _check(self.vsum_loss_weight >= 0, "vsum_loss_weight", self.vsum_loss_weight, "must be >= 0")
        _check(self.tsum_loss_weight >= 0, "tsum_loss_weight", self.tsum_loss_weight, "must be >= 0")
        _check(
            0.0 <= self.tsum_label_smoothing < 1.0,
            "tsum_label_smoothing",
            self.tsum_label_smoothing,
            "must be in [0, 1)",
        )
        if self.decoder_dropout is not None:
            _check(
                0.0 <= self.decoder_dropout < 1.0, "decoder_dropout", self.decoder_dropout, "must be in [0, 1) or None"
            )
        _check(
            self.vsum_loss_reduction in VSUM_LOSS_REDUCTIONS,
            "vsum_loss_reduction",
            self.vsum_loss_reduction,
            f"must be one of {VSUM_LOSS_REDUCTIONS}",
        )
        _check(
            isinstance(self.temporal_layer_norm_eps, (int, float)) and self.temporal_layer_norm_eps > 0,
            "temporal_layer_norm_eps",
            self.temporal_layer_norm_eps,
            "must be a positive number",
        )
        _check(
            isinstance(self.temporal_final_layer_norm, bool),
            "temporal_final_layer_norm",
            self.temporal_final_layer_norm,
            "must be True or False",
        )
        _check(
            isinstance(self.use_text_decoder, bool), "use_text_decoder", self.use_text_decoder, "must be True or False"
        )
        if self.prompt_token_ids is not None:
            _check(self.text_config is not None, "prompt_token_ids", self.prompt_token_ids, "needs a text decoder")
            _check(
                isinstance(self.prompt_token_ids, (list, tuple))
                and len(self.prompt_token_ids) > 0
                and all(isinstance(i, int) and 0 <= i < self.text_config.vocab_size for i in self.prompt_token_ids),
                "prompt_token_ids",
                self.prompt_token_ids,
                f"must be a non-empty list of token ids in [0, {self.text_config.vocab_size})",
            )
        _check(
            self.initialization in INITIALIZATIONS,
            "initialization",
            self.initialization,
            f"must be one of {INITIALIZATIONS}",
        )
        _check(self.vision_chunk_size >= 1, "vision_chunk_size", self.vision_chunk_size, "must be >= 1")
        if self.decoder_max_frames is not None:
            _check(self.decoder_max_frames >= 1, "decoder_max_frames", self.decoder_max_frames, "must be >= 1 or None")


# Registration. `register_for_auto_class` makes `save_pretrained` write `auto_map` (remote code); the native
# registration only happens when imported from the installed package, not when loaded as a Hub repo's remote code.
VsumConfig.register_for_auto_class()
if __name__.startswith("vsum."):
    from transformers import AutoConfig

    AutoConfig.register("vsum", VsumConfig, exist_ok=True)


__all__ = ["VsumConfig"]
