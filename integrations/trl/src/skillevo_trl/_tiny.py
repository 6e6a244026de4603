"""A tiny randomly initialised Qwen2 model with a locally trained tokenizer, for offline tests.

Nothing is downloaded: the tokenizer is a byte-level BPE trained on the texts you pass (any text
still encodes, byte by byte), and the model's weights are drawn from a seeded generator. It is
the real architecture, so the whole GRPO path (generation, log-probabilities, the optimiser step,
saving and loading, LoRA) runs as it would with a real checkpoint, only much faster.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["CHAT_TEMPLATE", "build_tiny_model"]

#: A ChatML template like Qwen2's (system / user / assistant turns, a generation prompt).
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)
_SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tiny_model(
    folder: str | Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 400,
    hidden_size: int = 32,
    layers: int = 2,
    seed: int = 0,
) -> Path:
    """Write a tiny Qwen2 causal LM and its tokenizer to `folder`; returns the folder.

    Args:
        folder: where to save (created if missing); load it with ``AutoModelForCausalLM.from_pretrained``.
        texts: what the BPE tokenizer is trained on (e.g. the tasks of your episodes).
        vocab_size: the tokenizer's vocabulary, at least the 256 bytes plus the special tokens.
        hidden_size: the model width (a multiple of 8: 4 attention heads, 2 key-value heads).
        layers: transformer layers.
        seed: seeds the weights.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    if hidden_size % 8:
        raise ValueError(f"hidden_size must be a multiple of 8 (got {hidden_size})")
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=max(vocab_size, 256 + len(_SPECIAL)),
        special_tokens=_SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(texts), trainer)
    tokenizer = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", chat_template=CHAT_TEMPLATE
    )
    config = Qwen2Config(
        vocab_size=bpe.get_vocab_size(),
        hidden_size=hidden_size,
        intermediate_size=2 * hidden_size,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
