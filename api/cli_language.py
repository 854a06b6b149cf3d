"""Brazilian Portuguese for the words Typer prints around the command line's own texts.

Typer passes its panel titles, default and required markers, the "try
--help" hint and a few errors through ``gettext``, but ships no pt-BR
catalogue. ``use_portuguese`` points the ``_`` its modules imported at this
table and resets the titles Typer computed when it was imported.

NOTE: the copy of click that Typer bundles writes "Usage:", the help
option's description and most usage errors ("No such option", "Missing
argument") in English without ``gettext``, so those stay in English.
"""

import typer.core
import typer.rich_utils

PT_BR: dict[str, str] = {
    "Options": "Opções",
    "Arguments": "Argumentos",
    "Commands": "Comandos",
    "Error": "Erro",
    "Aborted!": "Interrompido.",
    "Aborted.": "Interrompido.",
    "Missing command.": "Falta o comando.",
    "No such command {name!r}.": "Comando desconhecido: {name!r}.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Use [blue]'{command_path} {help_option}'[/] para ver a ajuda.",
    "default: {default}": "padrão: {default}",
    "env var: {var}": "variável de ambiente: {var}",
    "required": "obrigatório",
    "(dynamic)": "(dinâmico)",
    "[default: {}]": "[padrão: {}]",
    "[env var: {}]": "[variável de ambiente: {}]",
    "[required]": "[obrigatório]",
    "(deprecated) ": "(obsoleto) ",
}

# Typer's texts computed once, when typer.rich_utils was imported, with their English source.
_IMPORT_TIME_TEXTS = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


def translate(message: str) -> str:
    return PT_BR.get(message, message)


def use_portuguese() -> None:
    """Make Typer print its own words in pt-BR in this process."""
    for module in (typer.core, typer.rich_utils):
        if hasattr(module, "_"):
            module._ = translate  # type: ignore[attr-defined]
    for name, english in _IMPORT_TIME_TEXTS.items():
        if hasattr(typer.rich_utils, name):
            setattr(typer.rich_utils, name, translate(english))
