"""The packed model as a transformers ``BertModel``, a ``tokenizers`` tokenizer and a
sentence-transformers folder.

Positions start at 0, as in the engine (XLM-R's offset of 2 is *not* used); the tokenizer
reproduces the engine's token ids; the sentence-transformers modules are mean pooling,
L2 normalisation and the ``query: `` / ``passage: `` prompts.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .folder import PASSAGE_PROMPT, QUERY_PROMPT, ModelBuildError
from .packed import PackedModel, tensor

METASPACE = "\u2581"

#: e5.c's per-layer matrix names -> BertLayer submodules (the Linear layers)
_LAYER_LINEARS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def _layer_tensors(m: PackedModel, i: int, bar) -> dict[str, np.ndarray]:
    h, f = m.hidden, m.ffn
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (f, h), "fo": (h, f)}
    out = {}
    for src, dst in _LAYER_LINEARS.items():
        out[f"encoder.layer.{i}.{dst}.weight"] = tensor(m, f"l{i}.{src}.w", shapes[src], bar)
        out[f"encoder.layer.{i}.{dst}.bias"] = tensor(m, f"l{i}.{src}.b", shapes[src][:1])
    for src, dst in _LAYER_NORMS.items():
        out[f"encoder.layer.{i}.{dst}.weight"] = tensor(m, f"l{i}.{src}.w", (h,))
        out[f"encoder.layer.{i}.{dst}.bias"] = tensor(m, f"l{i}.{src}.b", (h,))
    return out


def bert_state_dict(m: PackedModel, show_progress: bool = True) -> dict[str, np.ndarray]:
    """Map the engine's tensor names onto transformers' ``BertModel`` parameter names."""
    from tqdm.auto import tqdm

    h = m.hidden
    rows_total = m.vocab_rows + m.layers * (5 * h + m.ffn)  # rows of all 4-bit matrices
    with tqdm(total=rows_total, desc="dequantising 4-bit weights", unit="row", unit_scale=True,
              disable=not show_progress) as bar:
        sd = {
            "embeddings.word_embeddings.weight": tensor(m, "emb.word", (m.vocab_rows, h), bar),
            "embeddings.position_embeddings.weight": tensor(m, "emb.pos", (m.max_positions, h)),
            "embeddings.token_type_embeddings.weight": tensor(m, "emb.type", (m.type_vocab, h)),
            "embeddings.LayerNorm.weight": tensor(m, "emb.ln.w", (h,)),
            "embeddings.LayerNorm.bias": tensor(m, "emb.ln.b", (h,)),
        }
        for i in range(m.layers):
            sd.update(_layer_tensors(m, i, bar))
    return sd


def bert_config(m: PackedModel):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=m.vocab_rows,
        hidden_size=m.hidden,
        num_hidden_layers=m.layers,
        num_attention_heads=m.heads,
        intermediate_size=m.ffn,
        hidden_act="gelu",  # erf GELU, as e5.c's gelu()
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=m.max_positions,
        type_vocab_size=m.type_vocab,
        # the file stores eps as float32 (1e-12 -> 9.99999996e-13); write the decimal it came from
        layer_norm_eps=float(f"{m.eps:.6g}"),
        pad_token_id=m.pad,
        bos_token_id=m.bos,
        eos_token_id=m.eos,
        architectures=["BertModel"],
    )


# --- tokenizer --------------------------------------------------------------------


def compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile the engine's per-codepoint map into a SentencePiece precompiled charsmap.

    ``tokenizers``' ``Precompiled`` normaliser reads exactly this blob; sentencepiece's
    own builder writes it, so we do not have to reimplement its double-array trie.
    Only the engine's single-codepoint rules go in (no NFKC composition), because the
    engine leaves e.g. decomposed accents alone and we must tokenise as it does.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    spm.set_min_log_level(2)
    pairs = [(chr(cp), "".join(map(chr, out))) for cp, out in sorted(norm_map.items())]
    normalizer = spm.SentencePieceNormalizer(
        norm_map=pairs, add_dummy_prefix=False, escape_whitespaces=False, remove_extra_whitespaces=False
    )
    if dict(normalizer.Decompile()) != dict(pairs):
        raise ModelBuildError("sentencepiece did not round-trip the normalisation map")
    spec = pb.NormalizerSpec()
    spec.ParseFromString(normalizer.serialized_normalizer_spec())
    return bytes(spec.precompiled_charsmap)


def build_tokenizer(m: PackedModel, max_length: int):
    """A fast tokenizer that mirrors e5.c's ``tok_content`` + specials.

    e5.c: map each codepoint, collapse runs of spaces, prepend U+2581 unless the text
    starts with a space, turn spaces into U+2581, Viterbi over the unigram pieces (no
    piece holds an inner U+2581, so splitting on it as ``Metaspace(split=True)`` does
    gives the same segmentation), then ``<s> ... </s>``. Trailing spaces are kept.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(m.pieces, m.scores)], unk_id=m.unk,
                                   byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(m.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = m.pieces[m.bos], m.pieces[m.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m.bos), (eos, m.eos)],
    )
    # <mask> without lstrip: the engine keeps the space before it as its own piece
    specials = [m.pieces[i] for i in (m.bos, m.pad, m.eos, m.unk)] + ["<mask>"]
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=m.pieces[m.unk], pad_token=m.pieces[m.pad], mask_token="<mask>",
        model_max_length=max_length, padding_side="right", truncation_side="right",
        clean_up_tokenization_spaces=False,
    )


# --- writing the directories ---------------------------------------------------------


def write_hf_model(m: PackedModel, out: Path, show_progress: bool = True) -> None:
    """config.json + model.safetensors (fp32) + tokenizer files: a plain ``BertModel``."""
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    bert_config(m).save_pretrained(out)
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(m, show_progress).items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(m, m.max_positions).save_pretrained(out)


def write_sentence_transformer(hf_dir: Path, out: Path) -> None:
    """Wrap the plain model into sentence-transformers modules and let ST write its own format."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(
        str(hf_dir),
        # no pooler in the source file; mean pooling does not need one
        model_kwargs={"local_files_only": True, "add_pooling_layer": False},
        processor_kwargs={"local_files_only": True},
        config_kwargs={"local_files_only": True},
    )
    dim = transformer.get_embedding_dimension()
    model = SentenceTransformer(
        modules=[transformer, Pooling(dim, pooling_mode="mean"), Normalize()],
        prompts={"query": QUERY_PROMPT, "document": PASSAGE_PROMPT},
        similarity_fn_name="cosine",
        device="cpu",
    )
    model.save(str(out))


