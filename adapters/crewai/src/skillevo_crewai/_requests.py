"""The task text of a kickoff's episode: the crew's task descriptions, or a standalone agent's request."""

from __future__ import annotations

from typing import Any

from crewai.utilities.i18n import I18N_DEFAULT

__all__ = ["request_of", "task_text"]


def task_text(owner: Any, inputs: dict[str, Any]) -> str:
    """The episode's task: the crew's task descriptions with the kickoff inputs filled in, or the
    standalone agent's request."""
    tasks = getattr(owner, "tasks", None)
    if tasks:
        from crewai.utilities.string_utils import interpolate_only

        texts = []
        for task in tasks:
            text = str(getattr(task, "description", "") or "")
            try:
                text = interpolate_only(text, inputs) if inputs else text
            except (ValueError, KeyError):  # a placeholder the inputs do not fill: keep the template
                pass
            texts.append(text)
        return "\n".join(texts)
    for message in reversed(list(getattr(owner, "messages", None) or [])):
        if isinstance(message, dict) and message.get("role") == "user":
            return request_of(str(message.get("content", "")))
    return str(inputs.get("input", "")) if inputs else ""


def request_of(prompt: str) -> str:
    """The request inside CrewAI's task prompt templates (``Current Task: {input} ...``)."""
    text = prompt.strip()
    for slice_name in ("task", "task_no_tools", "native_task"):
        try:
            template = I18N_DEFAULT.slice(slice_name)
        except Exception:  # a template this CrewAI version does not have
            continue
        head, sep, tail = template.partition("{input}")
        head, tail = head.strip(), tail.strip()
        if sep and text.startswith(head) and text.endswith(tail):
            return text[len(head) : len(text) - len(tail)].strip()
    return text
