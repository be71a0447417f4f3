"""vsum-la: cross-modal (video + text) summarization of long videos, Hugging Face-native.

>>> from vsum import VsumConfig, VsumModel, VsumProcessor, VsumVideoProcessor
"""

from transformers import AutoConfig, AutoModel, AutoProcessor, AutoVideoProcessor

from .configuration_vsum import VsumConfig
from .modeling_vsum import VsumModel, VsumOutput, VsumPreTrainedModel
from .processing_vsum import VsumProcessor, VsumVideoProcessor


__version__ = "0.1.0"

# `save_pretrained` then writes `auto_map` and copies the three *_vsum.py files, so a saved folder (or Hub repo)
# loads anywhere with `Auto*.from_pretrained(..., trust_remote_code=True)`.
VsumConfig.register_for_auto_class()
VsumModel.register_for_auto_class("AutoModel")
VsumVideoProcessor.register_for_auto_class("AutoVideoProcessor")
VsumProcessor.register_for_auto_class("AutoProcessor")

# With the package installed the Auto classes also resolve "vsum" checkpoints without remote code.
AutoConfig.register("vsum", VsumConfig, exist_ok=True)
AutoModel.register(VsumConfig, VsumModel, exist_ok=True)
AutoVideoProcessor.register(VsumConfig, VsumVideoProcessor, exist_ok=True)
AutoProcessor.register(VsumConfig, VsumProcessor, exist_ok=True)

__all__ = ["VsumConfig", "VsumModel", "VsumOutput", "VsumPreTrainedModel", "VsumProcessor", "VsumVideoProcessor"]
