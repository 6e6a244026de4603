"""The library diff as Markdown: every text that came from a skill, a tool or a reviewer made inert."""

from __future__ import annotations

import html
import json
import re

from ._diff_entries import origin_text
from ._diff_model import SECTIONS, DiffEntry, LibraryDiff, ReportSection, mode_section

__all__ = ["READING_GUIDE", "render_markdown", "when"]


def _fmt_ci(ci: tuple[float, float, float] | None) -> str:
    if ci is None:
        return "-"
    return f"{ci[0]:.2f} [{ci[1]:.2f}, {ci[2]:.2f}]"


def when(ts: float | None, missing: str = "-") -> str:
    import datetime as dt

    if ts is None:
        return missing
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


#: Characters Markdown (CommonMark + GFM) gives a meaning to inside a line: each is backslash-escaped.
_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+!|~])")
#: A URL scheme or ``www.`` that GFM would turn into a live link: defanged (``http[:]//``).
_MD_LINKY = re.compile(r"(?i)\b(https?|ftp|file|javascript|data|vbscript|mailto)(:)|\b(www)(\.)")


def _md_cell(text: str) -> str:
    """Skill, tool or reviewer text as inert Markdown: one line, HTML and Markdown syntax escaped.

    ``<``, ``>`` and ``&`` become entities (no raw HTML: no ``<script>``), every Markdown-active
    character is backslash-escaped (no link, image, emphasis or table cell can open), and URL
    schemes are defanged so GFM's autolinks do not make a bare URL live.
    """
    flat = " ".join(str(text).split())
    flat = html.escape(flat, quote=False)
    flat = _MD_LINKY.sub(lambda m: f"{m.group(1) or m.group(3)}[{m.group(2) or m.group(4)}]", flat)
    return _MD_ACTIVE.sub(r"\\\1", flat)


def _md_code(text: str) -> str:
    """Inline code (literal in Markdown: no HTML, link or image) that survives backticks in the text."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    ticks = "`" * (longest + 1)
    return f"{ticks}{flat}{ticks}" if longest == 0 else f"{ticks} {flat} {ticks}"


def _fence(text: str, lang: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}{lang}\n{text}\n{fence}"


READING_GUIDE = (
    "A *skill* is a learned rule: when its trigger fires (a tool call fails in a certain way, a task "
    "starts, ...), it adds *guidance* to the model's prompt or *repairs* the tool call's arguments. "
    "Each skill keeps every version; a new version is tried on a share of calls and compared with the "
    "version in use, or with doing nothing. The *posterior mean* is the estimated success rate of calls "
    "or episodes where the version was applied, and the bracket is its 95% credible interval (the true "
    "rate lies there with 95% probability); *before* is the old state, *after* the new one. *Evidence* "
    "lists the recorded failures the skill was mined from, with secrets redacted."
)


def render_markdown(diff: LibraryDiff) -> str:
    """The diff as a Markdown document (sections explained for a reviewer new to skillevo)."""
    out: list[str] = [f"# {_md_cell(diff.title)}", ""]
    out.append(
        f"From **{_md_cell(diff.old_label)}** to **{_md_cell(diff.new_label)}** (generated {when(diff.generated_at)})."
    )
    out += ["", READING_GUIDE, ""]
    if diff.approximate_before:
        out += [
            "_Before-posteriors were replayed from the credit log (no train run recorded them at that "
            "point) and ignore forgetting: treat them as approximate._",
            "",
        ]
    out += ["## Summary", "", "_How many versions each section lists, and the library's skills by status now._", ""]
    out += ["| section | versions |", "|---|---:|"]
    for key, title, _ in SECTIONS:
        out.append(f"| {title} | {len(diff.sections[key])} |")
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(diff.totals.items())) or "none"
    out += ["", f"Library now: {diff.skills_total} skills ({status_text}).", ""]
    out += _md_table(mode_section(diff))
    for extra in diff.extra:
        out += _md_table(extra)
    for key, title, explanation in SECTIONS:
        entries = diff.sections[key]
        out += [f"## {title} ({len(entries)})", "", f"_{explanation}_", ""]
        if not entries:
            out += ["Nothing.", ""]
            continue
        full = [e for e in entries if not e.compact]
        rest = [e for e in entries if e.compact]
        for e in full:
            out += _md_entry(e)
        if rest:
            out += [f"{len(rest)} more, listed compactly (narrow the comparison, e.g. `--since`, for details):", ""]
            out += ["| version | kind | status | posterior before | posterior after | why |", "|---" * 6 + "|"]
            for e in rest:
                status = e.status_after if e.status_before is None else f"{e.status_before} → {e.status_after}"
                out.append(
                    f"| {_md_code(e.version_id)} | {e.kind} | {status} | {_fmt_ci(e.before_ci)} | "
                    f"{_fmt_ci(e.after_ci)} | {_md_cell(e.reason)} |"
                )
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _md_table(section: ReportSection) -> list[str]:
    out = [f"## {_md_cell(section.title)}", "", f"_{section.explanation}_", ""]
    if not section.rows:
        return [*out, "Nothing.", ""]
    out.append("| " + " | ".join(_md_cell(h) for h in section.headers) + " |")
    out.append("|" + "---|" * len(section.headers))
    for row in section.rows:
        out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
    return [*out, ""]


def _md_entry(e: DiffEntry) -> list[str]:
    # (a version still in its status, one awaiting review under test, read "testing → testing")
    moved = e.status_before is not None and e.status_before != e.status_after
    status = f"{e.status_before} → {e.status_after}" if moved else e.status_after
    out = [f"### {_md_code(e.version_id)} ({_md_cell(e.kind)}, {_md_cell(status)})", ""]
    if e.description:
        out.append(f"- **what it is for:** {_md_cell(e.description)}")
    out.append(f"- **when it applies:** {_md_cell(e.trigger)}")
    out.append(f"- **posterior mean [95% interval]:** before {_fmt_ci(e.before_ci)}, after {_fmt_ci(e.after_ci)}"
               f" ({int(e.observations)} outcomes)")
    if e.reason:
        said = " ".join(p for p in (when(e.when, ""), f"by {_md_cell(e.actor)}" if e.actor else "") if p)
        out.append(f"- **why:** {_md_cell(e.reason)}" + (f" ({said})" if said else ""))
    if e.shadow:
        out.append(f"- **shadow evidence:** {_md_cell(e.shadow)}")
    if e.miner and e.section in ("added", "revised"):
        out.append(f"- **proposed by:** {origin_text(e.miner)}")
    out.append("")
    if e.section in ("added", "revised", "pending") and e.strategy is not None:
        if e.diff and e.section == "revised":
            out += [f"Change from {_md_code(e.base_version or '(nothing)')}:", "", _fence(e.diff, "diff"), ""]
        else:
            if e.strategy.guidance:
                # A fenced block shows the text exactly as the model gets it, and renders none of it.
                out += ["Guidance added to the prompt:", "", _fence(e.strategy.guidance, "text"), ""]
            if e.strategy.repair:
                repair = json.dumps(e.strategy.repair.model_dump(mode="json", exclude_none=True), indent=2)
                out += ["Argument repair:", "", _fence(repair, "json"), ""]
            if e.strategy.code:
                out += ["Repair code (runs only in the sandbox):", "", _fence(e.strategy.code, "python"), ""]
    if e.evidence:
        more = f" (showing {len(e.evidence)} of {e.evidence_total})" if e.evidence_total > len(e.evidence) else ""
        out += [f"Evidence: the recorded events it was mined from (failures, and corrections that followed){more}:", ""]
        for ev in e.evidence:
            what = f"{_md_cell(ev.error_type)}: " if ev.error_type else ""
            args = f" with arguments {_md_code(ev.args)}" if ev.args else ""
            tool = _md_code(ev.tool or "?")
            out.append(f"- event {ev.event_id}, {ev.kind} of {tool}{args}: {what}{_md_code(ev.message)}")
        out.append("")
    return out
