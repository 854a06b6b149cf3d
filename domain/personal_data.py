"""What an erased personal field of the dentist reads as, in the case, its history and its reports."""

ERASED = "[dado pessoal eliminado]"
