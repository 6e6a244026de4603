"""The selected guidance in a model call's system message, and taken out again once the model answered."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._hooks import _Run

__all__ = ["Injected", "inject", "restore"]


@dataclass
class Injected:
    """A system message whose content the LLM hook extended: what to restore before recomposing."""

    message: MutableMapping[str, Any]
    original: Any
    written: Any
    created: bool


def restore(injected: Injected, messages: list[Any]) -> bool:
    """Undo an earlier injection if it is still in place; False when someone else changed it since."""
    message = injected.message
    if message.get("content") != injected.written:
        return False
    if injected.created:
        for i, m in enumerate(messages):
            if m is message:
                del messages[i]
                break
    else:
        message["content"] = injected.original
    return True


def _with_text(content: Any, text: str) -> Any:
    if isinstance(content, list):
        return [*content, {"type": "text", "text": text}]
    content = "" if content is None else str(content)
    return f"{content}\n\n{text}" if content else text


def inject(run: _Run, messages: list[Any], text: str) -> None:
    """Put `text` at the end of the system message (one is added when there is none); a previous
    injection into these messages is replaced, so the text never piles up across the calls of a task."""
    with run.lock:
        previous = run.injected.pop(id(messages), None)
        if previous is not None:
            restore(previous, messages)
        if not text:
            return
        system = next((m for m in messages if isinstance(m, MutableMapping) and m.get("role") == "system"), None)
        if system is None:
            system = {"role": "system", "content": text}
            messages.insert(0, system)
            run.injected[id(messages)] = Injected(system, None, text, created=True)
            return
        original = system.get("content")
        written = _with_text(original, text)
        system["content"] = written
        run.injected[id(messages)] = Injected(system, original, written, created=False)
