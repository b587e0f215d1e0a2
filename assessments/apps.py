from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"

    def ready(self):
        # The medical history (patients, a lower floor) codes its terms with the same CTCAE
        # v5.0 list as adverse events: hand it this app's lookup (patients.terms).
        from patients.terms import register_term_source

        from . import ctcae

        register_term_source(by_code=ctcae.term_by_code, all_terms=ctcae.load_terms)
