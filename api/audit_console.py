"""Rich table of an audit chain verification report, for the command line."""

from rich.table import Table

from adapters.audit_verification import VerificationReport
from api.replay import sao_paulo


def verification_table(report: VerificationReport) -> Table:
    title = "Cadeia íntegra" if report.ok else "[red]Cadeia violada[/red]"
    table = Table(title=f"Verificação da cadeia de auditoria: {title}", show_header=False)
    table.add_column("campo", style="bold")
    table.add_column("valor")
    table.add_row("Escopo", f"caso {report.case_id}" if report.case_id else "todos os casos")
    table.add_row("Eventos conferidos", str(report.event_count))
    table.add_row("Cabeça da cadeia", f"posição {report.head_position}: {report.head_link}")
    if report.checkpoint is not None:
        checkpoint = report.checkpoint
        table.add_row(
            "Último checkpoint válido",
            f"posição {checkpoint.position}, assinado em {sao_paulo(checkpoint.signed_at)} (chave {checkpoint.key_id})",
        )
    else:
        table.add_row("Último checkpoint válido", "nenhum")
    if report.chain_break is not None:
        chain_break = report.chain_break
        table.add_row("Tipo de violação", f"[red]{chain_break.label}[/red]")
        table.add_row("Caso", str(chain_break.case_id) if chain_break.case_id else "—")
        table.add_row("Versão", str(chain_break.version) if chain_break.version else "—")
        table.add_row("Posição na cadeia", str(chain_break.position))
        table.add_row("Detalhe", chain_break.detail)
    for note in report.notes:
        table.add_row("Observação", note)
    table.add_row("Verificado em", sao_paulo(report.checked_at))
    return table
