"""The marker an erased personal field of the dentist shows in the case, its history and its reports."""

ERASED = "[dado pessoal eliminado]"
