"""HTML rendering of a case dossier: a self-contained page, every value escaped."""

import base64
import hashlib
from html import escape

from api.dossier import Dossier, DossierSection
from api.replay import sao_paulo

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; font-size: 13px; margin: 2em; color: #111; }
h1 { font-size: 20px; margin-bottom: 0; }
h2 { font-size: 15px; background: #e8eef5; padding: 4px 6px; margin-top: 1.6em; }
.meta { color: #555; }
dl.form { display: grid; grid-template-columns: repeat(2, 12em 1fr); gap: 2px 10px; }
dl.form dt { font-weight: bold; }
dl.form dd { margin: 0; white-space: pre-wrap; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: left; white-space: pre-wrap; }
th { background: #f3f3f3; }
.ok { color: #11661a; font-weight: bold; }
.broken { color: #a00; font-weight: bold; }
"""


# The API's default policy blocks every style, so the dossier allows its own inline sheet by hash.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "frame-ancestors 'none'"
)


def render_html(dossier: Dossier) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="pt-BR"><head><meta charset="utf-8">',
        f"<title>{escape(dossier.title)} {dossier.case_id}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(dossier.title)}</h1>",
        f'<p class="meta">Caso {dossier.case_id}, versão {dossier.version}. '
        f"Gerado em {sao_paulo(dossier.generated_at)} (horário de Brasília).</p>",
    ]
    for section in dossier.sections:
        parts.append(_section(section, ok=dossier.verification["ok"]))
    parts.append("</body></html>")
    return "\n".join(parts)


def _section(section: DossierSection, *, ok: bool) -> str:
    parts = [f"<section><h2>{escape(section.title)}</h2>"]
    if section.fields:
        parts.append('<dl class="form">')
        for item in section.fields:
            css = ""
            if item.label == "Resultado":
                css = ' class="ok"' if ok else ' class="broken"'
            parts.append(f"<dt>{escape(item.label)}</dt><dd{css}>{escape(item.value)}</dd>")
        parts.append("</dl>")
    if section.table is not None:
        header = "".join(f"<th>{escape(column)}</th>" for column in section.table.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in section.table.rows
        )
        parts.append(f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>")
    parts.append("</section>")
    return "".join(parts)
