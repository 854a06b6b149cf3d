"""Read models kept by projections of the case events, and the workers that run them."""

from adapters.projections import case_summary

# Every projection the workers run and ``retencao projections rebuild`` accepts.
PROJECTION_NAMES = (case_summary.NAME,)
