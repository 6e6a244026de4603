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


def _added(injected: Injected) -> Any:
    """What the injection added to the content: the text after the original, or the list's element."""
    written, original = injected.written, injected.original
    if isinstance(written, list):
        return written[-1]
    original = "" if injected.created or original is None else str(original)
    return written[len(original):] if written.startswith(original) else written


def _without(content: Any, added: Any) -> Any:
    """`content` less one copy of `added` (the last: the injection appended it); None when absent."""
    if isinstance(content, list):
        for i in range(len(content) - 1, -1, -1):
            if content[i] == added:
                return [*content[:i], *content[i + 1:]]
        return None
    if not isinstance(content, str) or not isinstance(added, str) or not added:
        return None
    at = content.rfind(added)
    return None if at < 0 else content[:at] + content[at + len(added):]


def restore(injected: Injected, messages: list[Any]) -> bool:
    """Undo an earlier injection. When someone else changed the message since (another hook of the
    team's adding a note to it), only what the injection added is taken out, their edit kept: left
    in place, the guidance stayed in the messages CrewAI hands back and piled up on every later call.
    False when the added text is no longer there."""
    message = injected.message
    content = message.get("content")
    if content != injected.written:
        kept = _without(content, _added(injected))
        if kept is None:
            return False
        message["content"] = kept
        return True
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
