"""Report model and its two renderings (Markdown for terminals and git, HTML for browsers)."""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from signport.core import atomic

STATUS_CLASSES = {"PASS": "pass", "FAIL": "fail", "ERROR": "fail", "SKIPPED": "skip", "INCOMPLETE": "skip", "N/A": "skip"}

_CSS = """
body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1d1d1f}
h1{border-bottom:2px solid #ddd;padding-bottom:.3em} h2{margin-top:2em;border-bottom:1px solid #eee}
table{border-collapse:collapse;margin:1em 0;font-size:14px} th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f6} td:first-child,th:first-child{text-align:left}
td.pass{background:#e3f6e3;color:#135d13;font-weight:600} td.fail{background:#fde2e2;color:#8a1010;font-weight:600}
tr.fail td{background:#fde2e2} td.skip{background:#f4f0e0;color:#6b5a10} figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:13px;color:#555} .note{color:#555;font-size:14px} code{background:#f4f4f6;padding:1px 4px}
"""


@dataclass
class Table:
    columns: list[str]
    rows: list[list]
    caption: str = ""

    def cell_text(self, value) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return "" if value is None else str(value)


@dataclass
class Figure:
    path: Path  # a PNG file; copied next to the report
    caption: str = ""


@dataclass
class Section:
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    title: str
    sections: list[Section] = field(default_factory=list)
    subtitle: str = ""


def _asset_name(figure: Figure, index: int) -> str:
    return f"{index:02d}_{Path(figure.path).name}"


def render_markdown(report: Report, assets_dir: str = "report_assets") -> str:
    lines = [f"# {report.title}", ""]
    if report.subtitle:
        lines += [report.subtitle, ""]
    index = 0
    for section in report.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        for table in section.tables:
            if table.caption:
                lines += [f"*{table.caption}*", ""]
            lines.append("| " + " | ".join(table.columns) + " |")
            lines.append("|" + "|".join("---" for _ in table.columns) + "|")
            for row in table.rows:
                lines.append("| " + " | ".join(table.cell_text(v).replace("|", "\\|") for v in row) + " |")
            lines.append("")
        for figure in section.figures:
            index += 1
            lines += [f"![{figure.caption}]({assets_dir}/{_asset_name(figure, index)})", ""]
    return "\n".join(lines)


def render_html(report: Report, assets_dir: str = "report_assets") -> str:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{esc(report.title)}</title><style>{_CSS}</style></head><body>", f"<h1>{esc(report.title)}</h1>",
    ]
    if report.subtitle:
        parts.append(f"<p class='note'>{esc(report.subtitle)}</p>")
    index = 0
    for section in report.sections:
        parts.append(f"<section><h2>{esc(section.title)}</h2>")
        parts += [f"<p>{esc(p)}</p>" for p in section.paragraphs]
        for table in section.tables:
            parts.append("<table>")
            if table.caption:
                parts.append(f"<caption>{esc(table.caption)}</caption>")
            parts.append("<tr>" + "".join(f"<th>{esc(c)}</th>" for c in table.columns) + "</tr>")
            for row in table.rows:
                cells = []
                for value in row:
                    text = table.cell_text(value)
                    css = STATUS_CLASSES.get(text.split(" ")[0].upper()) if text else None
                    cells.append(f"<td class='{css}'>{esc(text)}</td>" if css else f"<td>{esc(text)}</td>")
                # A row with a failed cell is red as a whole, so a failure cannot hide in a wide table.
                row_class = " class='fail'" if any("class='fail'" in cell for cell in cells) else ""
                parts.append(f"<tr{row_class}>" + "".join(cells) + "</tr>")
            parts.append("</table>")
        for figure in section.figures:
            index += 1
            src = f"{assets_dir}/{_asset_name(figure, index)}"
            parts.append(f"<figure><img src='{esc(src)}' alt='{esc(figure.caption)}'><figcaption>{esc(figure.caption)}</figcaption></figure>")
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(report: Report, out_dir: str | os.PathLike, stem: str = "report") -> dict[str, Path]:
    """Write OUT/stem.md, OUT/stem.html and copy figures to OUT/stem_assets/. Returns the paths."""
    out_dir = Path(out_dir)
    assets_name = f"{stem}_assets"
    assets = out_dir / assets_name
    with atomic.staged_directory(assets) as staging:
        index = 0
        for section in report.sections:
            for figure in section.figures:
                index += 1
                shutil.copyfile(figure.path, staging / _asset_name(figure, index))
    md = atomic.write_text(out_dir / f"{stem}.md", render_markdown(report, assets_name))
    page = atomic.write_text(out_dir / f"{stem}.html", render_html(report, assets_name))
    return {"markdown": md, "html": page, "assets": assets}
