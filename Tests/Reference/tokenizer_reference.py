#!/usr/bin/env python3
"""Reference tokenizations from Hugging Face `tokenizers`, for NxpTokenizerTests.

Usage:
  tokenizer_reference.py gguf MODEL.gguf SAVE.json
      Builds an HF tokenizer from the GGUF's vocabulary, merges, token types and the
      pre-tokenizer its `tokenizer.ggml.pre` names, and saves it as SAVE.json.
  tokenizer_reference.py synthetic STYLE SAVE.json
      Trains a small byte-level BPE with the pre-tokenizer of STYLE (gpt2, gpt2-prefix,
      smollm, llama3, qwen2) on a built-in corpus plus the test texts, and saves it.
  tokenizer_reference.py gguf-synthetic STYLE SAVE.json SAVE.gguf
      Trains as `synthetic`, writes the vocabulary as a GGUF file (tokens, types, merges,
      the GGUF pre-tokenizer name of STYLE, BOS/EOS), then builds the reference from that
      GGUF as the `gguf` mode does.
  tokenizer_reference.py json TOKENIZER.json
      Loads an existing tokenizer.json.

Reads {"texts": [...]} on stdin and prints JSON with, per text, the ids with special tokens
parsed ("ids"), with special tokens read as text ("plain_ids"), the pre-tokenized pieces as
substrings of the text ("pieces"), and the decoded ids ("decoded").
"""
import json
import sys

try:
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, processors, trainers
    from tokenizers import pre_tokenizers as pre
except ImportError as e:  # fail loudly: the tests need the real reference
    sys.exit(f"tokenizer_reference.py needs the 'tokenizers' package ({e}); install it with: pip install tokenizers")

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
         r"|\s*[\r\n]+|\s+(?!\S)|\s+")

# GGUF pre-tokenizer names by family (llama.cpp's table), mirrored by PreTokenizer.swift.
GGUF_FAMILIES = {
    "gpt2": ["gpt2", "gpt-2", "phi-2", "mpt", "olmo", "jais"],
    "smollm": ["smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b"],
    "llama3": ["llama-bpe", "llama3", "llama-v3", "falcon3"],
    "llama3-merging": ["dbrx", "smaug-bpe"],
    "qwen2": ["qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"],
}

CORPUS = """
The quick brown fox jumps over the lazy dog. It's a truth universally acknowledged that
a single man in possession of a good fortune must be in want of a wife. We'll see; they're
here, you've got it, I'm sure, he'd know. THE END. Numbers: 1234567890, 3.14159, 2024-01-01.
def main(argv):
    for i in range(10):
        print(f"value {i}: {argv[i]!r}")
    return 0
Café déjà vu, naïve façade, Ångström, Straße. 東京は日本の首都です。 안녕하세요 세계.
مرحبا بالعالم. שלום עולם. Привет, мир! Γειά σου κόσμε. 🙂 👍🏽 👨‍👩‍👧
"""


def pre_tokenizer_for(family):
    if family == "gpt2":
        return pre.ByteLevel(add_prefix_space=False, use_regex=True), None
    if family == "gpt2-prefix":
        return pre.ByteLevel(add_prefix_space=True, use_regex=True), None
    if family == "smollm":
        return pre.Sequence([pre.Digits(individual_digits=True),
                             pre.ByteLevel(add_prefix_space=False, use_regex=True)]), None
    if family in ("llama3", "llama3-merging"):
        return pre.Sequence([pre.Split(Regex(LLAMA3), behavior="isolated", invert=False),
                             pre.ByteLevel(add_prefix_space=False, use_regex=False)]), None
    if family == "qwen2":
        return pre.Sequence([pre.Split(Regex(QWEN2), behavior="isolated", invert=False),
                             pre.ByteLevel(add_prefix_space=False, use_regex=False)]), normalizers.NFC()
    sys.exit(f"unknown pre-tokenizer family {family!r}")


def from_gguf(path):
    try:
        from gguf import GGUFReader
    except ImportError as e:
        sys.exit(f"tokenizer_reference.py needs the 'gguf' package ({e}); install it with: pip install gguf")
    reader = GGUFReader(path)

    def field(name, default=None):
        f = reader.fields.get(name)
        if f is None:
            return default
        if f.types[0].name == "ARRAY":
            if f.types[-1].name == "STRING":
                return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
            return [int(f.parts[i][0]) for i in f.data]
        if f.types[0].name == "STRING":
            return bytes(f.parts[f.data[0]]).decode("utf-8")
        return f.parts[f.data[0]][0].item()

    if field("tokenizer.ggml.model") != "gpt2":
        sys.exit("only gpt2 (byte-level BPE) GGUF tokenizers are supported")
    tokens = field("tokenizer.ggml.tokens")
    types = field("tokenizer.ggml.token_type", [1] * len(tokens))
    merges = [tuple(m.split(" ", 1)) for m in field("tokenizer.ggml.merges")]
    name = field("tokenizer.ggml.pre")
    family = next((f for f, names in GGUF_FAMILIES.items() if name in names), None)
    if family is None:
        sys.exit(f"unknown pre-tokenizer {name!r}")
    unk = field("tokenizer.ggml.unknown_token_id")
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=tokens[unk] if unk is not None else None,
                               ignore_merges=(family == "llama3")))
    tok.pre_tokenizer, normalizer = pre_tokenizer_for(family)
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([AddedToken(tokens[i], special=True, normalized=False)
                            for i, t in enumerate(types) if t in (2, 3)])
    tok.add_tokens([AddedToken(tokens[i], special=False, normalized=False)
                    for i, t in enumerate(types) if t == 4])
    # BOS/EOS as llama.cpp adds them: the keys, else BOS by default for the Llama 3 family.
    bos, eos = field("tokenizer.ggml.bos_token_id"), field("tokenizer.ggml.eos_token_id")
    add_bos = bool(field("tokenizer.ggml.add_bos_token", family == "llama3")) and bos is not None
    add_eos = bool(field("tokenizer.ggml.add_eos_token", False)) and eos is not None
    if add_bos or add_eos:
        single = ([f"{tokens[bos]}:0"] if add_bos else []) + ["$A:0"] + ([f"{tokens[eos]}:0"] if add_eos else [])
        specials = ([(tokens[bos], bos)] if add_bos else []) + ([(tokens[eos], eos)] if add_eos else [])
        tok.post_processor = processors.TemplateProcessing(single=" ".join(single), special_tokens=specials)
    return tok


# The GGUF pre-tokenizer name written for each synthetic style.
GGUF_NAMES = {"gpt2": "gpt2", "smollm": "smollm", "llama3": "llama-bpe", "qwen2": "qwen2"}


def write_gguf(tok, style, path):
    """Writes tok's vocabulary as GGUF tokenizer metadata (no tensors)."""
    try:
        import gguf
    except ImportError as e:
        sys.exit(f"tokenizer_reference.py needs the 'gguf' package ({e}); install it with: pip install gguf")
    config = json.loads(tok.to_str())
    vocab = tok.get_vocab(with_added_tokens=True)
    tokens = [None] * (max(vocab.values()) + 1)
    for t, i in vocab.items():
        tokens[i] = t
    if None in tokens:
        sys.exit("the synthetic vocabulary has holes")
    added = {a["content"]: a for a in config["added_tokens"]}
    types = [(gguf.TokenType.CONTROL if added[t]["special"] else gguf.TokenType.USER_DEFINED) if t in added
             else gguf.TokenType.NORMAL for t in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in config["model"]["merges"]]
    w = gguf.GGUFWriter(path, "llama")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(GGUF_NAMES[style])
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(1)
    w.add_add_bos_token(style == "llama3")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def synthetic(style, texts):
    """A small BPE trained with the style's pre-tokenizer, with added tokens exercising the
    special/plain, lstrip/rstrip and single_word paths, and a vocabulary entry (` xylophone`)
    that only `ignore_merges` can produce whole."""
    specials = {
        "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
        "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
    }.get(style, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer, normalizer = pre_tokenizer_for(style)
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre.ByteLevel.alphabet())
    # ` xylophone` is kept out of training so that only ignore_merges produces it whole.
    tok.train_from_iterator([CORPUS] * 3 + [t.replace("xylophone", "") for t in texts], trainer=trainer)
    config = json.loads(tok.to_str())
    vocab = config["model"]["vocab"]
    next_id = max(list(vocab.values()) + [t["id"] for t in config["added_tokens"]]) + 1
    if "Ġxylophone" in vocab:
        sys.exit("the synthetic vocabulary learned ' xylophone'")
    vocab["Ġxylophone"] = next_id
    config["model"]["ignore_merges"] = style == "llama3"
    extra = [("<note>", False, {}), ("xyzzy", False, {"single_word": True}),
             ("[MASK]", True, {"lstrip": True, "rstrip": True})]
    for offset, (content, special, options) in enumerate(extra, start=1):
        entry = {"id": next_id + offset, "content": content, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": not special, "special": special}
        entry.update(options)
        config["added_tokens"].append(entry)
    if style == "llama3":
        config["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                       {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                     {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [vocab["<|begin_of_text|>"]],
                                                     "tokens": ["<|begin_of_text|>"]}},
        }
    tok = Tokenizer.from_str(json.dumps(config))
    ids = [tok.token_to_id(t) for t in ["Ġxylophone", "<note>", "xyzzy", "[MASK]"]]
    if len(set(ids)) != 4 or None in ids:
        sys.exit(f"synthetic tokenizer has clashing ids {ids}")
    return tok


def pieces(tok, text):
    if tok.pre_tokenizer is None:
        return [text]
    return [text[start:end] for _, (start, end) in tok.pre_tokenizer.pre_tokenize_str(text)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mode = sys.argv[1]
    texts = json.load(sys.stdin)["texts"]
    if mode == "gguf":
        tok = from_gguf(sys.argv[2])
    elif mode == "synthetic":
        tok = synthetic(sys.argv[2], texts)
    elif mode == "gguf-synthetic":
        if len(sys.argv) < 5:
            sys.exit(__doc__)
        write_gguf(synthetic(sys.argv[2], texts), sys.argv[2], sys.argv[4])
        tok = from_gguf(sys.argv[4])
    elif mode == "json":
        tok = Tokenizer.from_file(sys.argv[2])
    else:
        sys.exit(__doc__)
    if mode != "json" and len(sys.argv) > 3:
        tok.save(sys.argv[3])

    out = {"vocab_size": tok.get_vocab_size(), "ids": [], "plain_ids": [], "pieces": [], "decoded": [],
           "with_special_tokens": []}
    for text in texts:
        tok.encode_special_tokens = False
        ids = tok.encode(text, add_special_tokens=False).ids
        out["ids"].append(ids)
        out["with_special_tokens"].append(tok.encode(text, add_special_tokens=True).ids)
        out["decoded"].append(tok.decode(ids, skip_special_tokens=False))
        tok.encode_special_tokens = True
        out["plain_ids"].append(tok.encode(text, add_special_tokens=False).ids)
        out["pieces"].append(pieces(tok, text))
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
