"""The library diff as one self-contained HTML page: inline CSS, inline SVG plots, no script.

Nothing on the page refers to another resource (no stylesheet, font, image or script URL), so it
can be mailed, attached to a ticket or opened offline, and it makes no request when opened.
Every piece of text is HTML-escaped; text that came from tools was redacted and quoted already.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence

import numpy as np

from ._diff_entries import origin_text
from ._diff_markdown import READING_GUIDE
from ._diff_markdown import when as _diff_when
from ._diff_model import SECTIONS, DiffEntry, LibraryDiff, ReportSection, mode_section

__all__ = ["render_html"]

_W, _H, _PAD = 240, 56, 4
_GRID = np.linspace(0.0, 1.0, 49)
# Long sections start folded so a page with thousands of entries stays readable.
_OPEN_LIMIT = 50

_CSS = """
:root { --fg:#1d2330; --muted:#5b6475; --line:#d9dee7; --bg:#fff; --card:#f7f8fb;
  --add:#1f7a3a; --del:#b42318; --accent:#2456c4; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px; color: var(--fg); background: var(--bg);
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 32px 0 4px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub, .explain { color: var(--muted); } .explain { margin: 4px 0 12px; font-style: italic; }
.guide { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid var(--line);
  padding: 4px 10px; text-align: left; vertical-align: top; } th { background: var(--card); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.entry { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 10px 0;
  background: var(--bg); display: grid; grid-template-columns: 1fr 250px; gap: 4px 16px; }
.entry h3 { margin: 0; font-size: 16px; grid-column: 1 / -1; } .entry .body { min-width: 0; }
.entry dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; }
.entry dt { color: var(--muted); } .entry dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px;
  background: var(--card); border: 1px solid var(--line); margin-left: 6px; font-weight: normal; }
code, pre { font: 13px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
pre { background: var(--card); border: 1px solid var(--line); border-radius: 4px; padding: 8px;
  overflow-x: auto; white-space: pre-wrap; margin: 6px 0; }
.d-add { color: var(--add); } .d-del { color: var(--del); } .d-hunk { color: var(--accent); }
blockquote { margin: 6px 0; padding: 4px 12px; border-left: 3px solid var(--accent); background: var(--card); }
.plot { text-align: center; color: var(--muted); font-size: 12px; }
.plot svg { display: block; margin: 0 auto; }
.evidence li { margin: 2px 0; overflow-wrap: anywhere; }
.nothing { color: var(--muted); }
details > summary { cursor: pointer; color: var(--accent); }
.legend span { margin: 0 6px; } .sw { display: inline-block; width: 18px; height: 8px; vertical-align: middle; }
@media print { details { display: block; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _prose(text: str) -> str:
    """Escaped prose with `code` spans and *emphasis* (the Markdown subset our explanations use)."""
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))
    return re.sub(r"\*([^*\s][^*]*)\*", r"<em>\1</em>", out)


def _ci(ci: tuple[float, float, float] | None) -> str:
    if ci is None:
        return "&ndash;"
    return f"{ci[0]:.2f} <span class='sub'>[{ci[1]:.2f}, {ci[2]:.2f}]</span>"


def _when(ts: float | None) -> str:
    return _diff_when(ts, missing="&ndash;")


def _paths(params: Sequence[tuple[float, float]]) -> list[str]:
    """SVG area paths of Beta densities, each scaled to the plot height (vectorised)."""
    if not params:
        return []
    from scipy import special  # on first use: importing scipy is slow, and only the page needs it

    a = np.array([p[0] for p in params])[:, None]
    b = np.array([p[1] for p in params])[:, None]
    x = _GRID[None, :]
    with np.errstate(all="ignore"):
        # The Beta density, as scipy.stats.beta.pdf computes it (scipy.special imports much faster).
        pdf = np.exp(special.xlogy(a - 1.0, x) + special.xlog1py(b - 1.0, -x) - special.betaln(a, b))
    pdf = np.where(np.isfinite(pdf), pdf, 0.0)
    peak = pdf.max(axis=1, keepdims=True)
    peak[peak <= 0] = 1.0
    top, bottom = _PAD, _H - 16
    ys = bottom - (pdf / peak) * (bottom - top)
    xs = _PAD + _GRID * (_W - 2 * _PAD)
    out = []
    for row in ys:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, row, strict=True))
        out.append(f"M{xs[0]:.1f},{bottom} L{pts} L{xs[-1]:.1f},{bottom} Z")
    return out


def _plot(entry: DiffEntry, before_path: str | None, after_path: str) -> str:
    bottom = _H - 16

    def x(v: float) -> float:
        return _PAD + v * (_W - 2 * _PAD)

    parts = [
        f"<svg width='{_W}' height='{_H}' viewBox='0 0 {_W} {_H}' "
        f"role='img' aria-label='posterior of {_e(entry.version_id)}'>",
        f"<line x1='{_PAD}' y1='{bottom}' x2='{_W - _PAD}' y2='{bottom}' stroke='#98a2b3' stroke-width='1'/>",
    ]
    for t in (0.0, 0.5, 1.0):
        parts.append(
            f"<text x='{x(t):.1f}' y='{_H - 3}' font-size='10' fill='#5b6475' "
            f"text-anchor='{'start' if t == 0 else 'end' if t == 1 else 'middle'}'>{t:g}</text>"
        )
    if before_path is not None:
        parts.append(f"<path d='{before_path}' fill='#98a2b3' fill-opacity='0.25' stroke='#98a2b3' "
                     "stroke-dasharray='3 2'/>")
    parts.append(f"<path d='{after_path}' fill='#2456c4' fill-opacity='0.25' stroke='#2456c4'/>")
    m, lo, hi = entry.after_ci
    parts.append(f"<line x1='{x(lo):.1f}' y1='{bottom - 2}' x2='{x(hi):.1f}' y2='{bottom - 2}' "
                 "stroke='#2456c4' stroke-width='3'/>")
    parts.append(f"<circle cx='{x(m):.1f}' cy='{bottom - 2}' r='3' fill='#2456c4'/>")
    parts.append("</svg>")
    return "".join(parts)


def _diff_block(text: str) -> str:
    lines = []
    for line in text.splitlines():
        cls = (
            "d-hunk"
            if line.startswith("@@")
            else "d-add"
            if line.startswith("+") and not line.startswith("+++")
            else "d-del"
            if line.startswith("-") and not line.startswith("---")
            else ""
        )
        lines.append(f"<span class='{cls}'>{_e(line)}</span>" if cls else _e(line))
    return "<pre>" + "\n".join(lines) + "</pre>"


def _status(e: DiffEntry) -> str:
    """The entry's status, or its change (a version still in its status is not shown as a change)."""
    if e.status_before is None or e.status_before == e.status_after:
        return _e(e.status_after)
    return f"{_e(e.status_before)} &rarr; {_e(e.status_after)}"


def _entry(e: DiffEntry, before_path: str | None, after_path: str) -> str:
    status = _status(e)
    rows = []
    if e.description:
        rows.append(("what it is for", _e(e.description)))
    rows.append(("when it applies", _e(e.trigger)))
    rows.append(("posterior before", _ci(e.before_ci)))
    rows.append(("posterior after", f"{_ci(e.after_ci)} <span class='sub'>({int(e.observations)} outcomes)</span>"))
    if e.reason:
        said = " ".join(p for p in (_when(e.when) if e.when is not None else "", f"by {_e(e.actor)}" if e.actor else "")
                        if p)
        rows.append(("why", _e(e.reason) + (f" <span class='sub'>({said})</span>" if said else "")))
    if e.shadow:
        rows.append(("shadow evidence", _e(e.shadow)))
    if e.miner and e.section in ("added", "revised"):
        rows.append(("proposed by", _e(origin_text(e.miner))))
    body = ["<dl>"] + [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows] + ["</dl>"]
    if e.section in ("added", "revised", "pending") and e.strategy is not None:
        if e.section == "revised" and e.diff:
            body.append(f"<div class='sub'>Change from <code>{_e(e.base_version or '(nothing)')}</code>:</div>")
            body.append(_diff_block(e.diff))
        else:
            if e.strategy.guidance:
                body.append("<div class='sub'>Guidance added to the prompt:</div>")
                body.append(f"<blockquote>{_e(e.strategy.guidance)}</blockquote>")
            if e.strategy.repair:
                repair = json.dumps(e.strategy.repair.model_dump(mode="json", exclude_none=True), indent=2)
                body.append("<div class='sub'>Argument repair:</div>")
                body.append(f"<pre>{_e(repair)}</pre>")
            if e.strategy.code:
                body.append("<div class='sub'>Repair code (runs only in the sandbox):</div>")
                body.append(f"<pre>{_e(e.strategy.code)}</pre>")
    if e.evidence:
        more = f" (showing {len(e.evidence)} of {e.evidence_total})" if e.evidence_total > len(e.evidence) else ""
        items = []
        for ev in e.evidence:
            what = f"{_e(ev.error_type)}: " if ev.error_type else ""
            args = f" with arguments <code>{_e(ev.args)}</code>" if ev.args else ""
            items.append(
                f"<li>event {ev.event_id}, {_e(ev.kind)} of <code>{_e(ev.tool or '?')}</code>{args}: "
                f"{what}<code>{_e(ev.message)}</code></li>"
            )
        body.append(
            "<div class='sub'>Evidence: the recorded events it was mined from (failures, and corrections that "
            f"followed){more}:</div>"
        )
        body.append("<ul class='evidence'>" + "".join(items) + "</ul>")
    plot = (
        f"<div class='plot'>{_plot(e, before_path, after_path)}"
        "<div class='legend'><span><i class='sw' style='background:#98a2b3;opacity:.5'></i> before</span>"
        "<span><i class='sw' style='background:#2456c4;opacity:.6'></i> after</span></div></div>"
    )
    return (
        f"<div class='entry' id='{_e(e.section)}-{_e(e.version_id)}'>"
        f"<h3><code>{_e(e.version_id)}</code><span class='badge'>{_e(e.kind)}</span>"
        f"<span class='badge'>{status}</span></h3>"
        f"<div class='body'>{''.join(body)}</div>{plot}</div>"
    )


def _bar(ci: tuple[float, float, float] | None) -> str:
    """A one-line interval plot for compact rows."""
    if ci is None:
        return "&ndash;"
    m, lo, hi = ci
    return (
        "<svg width='104' height='10' viewBox='0 0 104 10'><rect x='2' y='4' width='100' height='2' fill='#d9dee7'/>"
        f"<rect x='{2 + lo * 100:.1f}' y='2' width='{max(1.0, (hi - lo) * 100):.1f}' height='6' fill='#2456c4' "
        f"fill-opacity='0.4'/><circle cx='{2 + m * 100:.1f}' cy='5' r='2.5' fill='#2456c4'/></svg>"
    )


def _compact(items: Sequence[DiffEntry]) -> str:
    rows = []
    for e in items:
        status = _status(e)
        rows.append(
            f"<tr><td><code>{_e(e.version_id)}</code></td><td>{_e(e.kind)}</td><td>{status}</td>"
            f"<td>{_ci(e.before_ci)}</td><td>{_ci(e.after_ci)} {_bar(e.after_ci)}</td><td>{_e(e.reason)}</td></tr>"
        )
    return (
        f"<details><summary>{len(items)} more, listed compactly (narrow the comparison, e.g. "
        "<code>--since</code>, for details)</summary><table><tr><th>version</th><th>kind</th><th>status</th>"
        "<th>posterior before</th><th>posterior after</th><th>why</th></tr>" + "".join(rows) + "</table></details>"
    )


def _table(section: ReportSection) -> str:
    out = [f"<h2>{_e(section.title)}</h2>", f"<p class='explain'>{_prose(section.explanation)}</p>"]
    if not section.rows:
        return "".join([*out, "<p class='nothing'>Nothing.</p>"])
    out.append("<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in section.headers) + "</tr>")
    for row in section.rows:
        cells = "".join(
            f"<td class='num'>{_e(c)}</td>" if _numeric(c) else f"<td>{_e(c)}</td>" for c in row
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def render_html(diff: LibraryDiff) -> str:
    """One self-contained page: summary, explanations, every entry with a small posterior plot."""
    entries = [e for key, _, _ in SECTIONS for e in diff.sections[key] if not e.compact]
    after_paths = _paths([e.after for e in entries])
    with_before = [e for e in entries if e.before is not None]
    before_paths = dict(zip((id(e) for e in with_before), _paths([e.before for e in with_before if e.before]),
                            strict=True))
    paths = {id(e): (before_paths.get(id(e)), p) for e, p in zip(entries, after_paths, strict=True)}

    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        # No request may leave the page: forbid every fetch, allow only the inline style.
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        f"<title>{_e(diff.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(diff.title)}</h1>",
        f"<p class='sub'>From <b>{_e(diff.old_label)}</b> to <b>{_e(diff.new_label)}</b> "
        f"(generated {_when(diff.generated_at)}).</p>",
        f"<div class='guide'><b>How to read this report.</b> {_prose(READING_GUIDE)}</div>",
    ]
    if diff.approximate_before:
        out.append(
            "<p class='explain'>Before-posteriors were replayed from the credit log (no train run recorded "
            "them at that point) and ignore forgetting: treat them as approximate.</p>"
        )
    out.append("<h2>Summary</h2><p class='explain'>How many versions each section lists, and the library's "
               "skills by status now.</p><table><tr><th>section</th><th>versions</th></tr>")
    for key, title, _ in SECTIONS:
        out.append(f"<tr><td><a href='#{key}'>{_e(title)}</a></td><td class='num'>{len(diff.sections[key])}</td></tr>")
    out.append("</table>")
    status_text = ", ".join(f"{n} {s}" for s, n in sorted(diff.totals.items())) or "none"
    out.append(f"<p>Library now: <b>{diff.skills_total}</b> skills ({_e(status_text)}).</p>")
    out.append(_table(mode_section(diff)))
    for extra in diff.extra:
        out.append(_table(extra))
    for key, title, explanation in SECTIONS:
        items = diff.sections[key]
        out.append(f"<h2 id='{key}'>{_e(title)} ({len(items)})</h2><p class='explain'>{_prose(explanation)}</p>")
        if not items:
            out.append("<p class='nothing'>Nothing.</p>")
            continue
        full = [e for e in items if not e.compact]
        rendered = "".join(_entry(e, *paths[id(e)]) for e in full)
        if len(full) > _OPEN_LIMIT:
            out.append(f"<details><summary>show {len(full)}</summary>{rendered}</details>")
        else:
            out.append(rendered)
        rest = [e for e in items if e.compact]
        if rest:
            out.append(_compact(rest))
    out.append("</body></html>\n")
    return "".join(out)
