"""The French and Dutch catalogues (``edc/locale``): update them from the source, or check them.

``manage.py catalogues`` runs ``makemessages`` for every interface language over the product's
own files (never the virtualenv, tests, benchmarks or docs), keeps no obsolete entry, then
compiles the ``.mo`` files that the installed package serves. ``manage.py catalogues --check``
changes nothing: it extracts the messages into a scratch copy and fails, listing them, when a
message of the source is missing from a catalogue, untranslated or fuzzy, or when a ``.mo``
file does not hold exactly its ``.po`` file's translations. CI runs the check
(tests/edc/test_translations.py). Needs GNU gettext (``xgettext``, ``msgfmt``).
"""

from __future__ import annotations

import gettext
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

# Languages with a catalogue: every interface language but the source language.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# Where the product's messages are not (third-party code, tests, tools, docs).
IGNORE = [
    ".venv",
    "venv",
    "tests",
    "bench",
    "docs",
    "staticfiles",
    "media",
    "node_modules",
    "build",
    "*/migrations/*",
]
EXTENSIONS = ["html", "txt", "py"]


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def extract(into: Path) -> None:
    """``makemessages`` for every language into the locale folder ``into`` (run from the root)."""
    cwd = os.getcwd()
    os.chdir(settings.BASE_DIR)
    # makemessages adopts every folder named "locale" it walks past as the catalogue of the
    # files beside it: the committed one is skipped when extracting elsewhere (the check).
    committed = os.path.relpath(locale_dir(), settings.BASE_DIR)
    ignore = IGNORE if into.resolve() == locale_dir().resolve() else [*IGNORE, committed]
    try:
        with override_settings(LOCALE_PATHS=[str(into)]):
            call_command(
                "makemessages",
                locale=LANGUAGES,
                ignore_patterns=ignore,
                extensions=EXTENSIONS,
                no_obsolete=True,
                verbosity=0,
            )
    finally:
        os.chdir(cwd)


def problems(fresh: Path, committed: Path) -> list[str]:
    """What is wrong with the committed catalogues, given freshly extracted ones."""
    import polib  # a development dependency: the command runs from a checkout

    found: list[str] = []
    for language in LANGUAGES:
        po_path = committed / language / "LC_MESSAGES" / "django.po"
        mo_path = po_path.with_suffix(".mo")
        if not po_path.exists():
            found.append(f"{language}: no catalogue {po_path}")
            continue
        po = polib.pofile(str(po_path))
        known = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
        extracted = polib.pofile(str(fresh / language / "LC_MESSAGES" / "django.po"))
        for entry in extracted:
            if (entry.msgctxt, entry.msgid) not in known:
                found.append(f"{language}: not in the catalogue: {entry.msgid!r}")
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(f"{language}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                found.append(f"{language}: untranslated: {entry.msgid!r}")
        if not mo_path.exists():
            found.append(f"{language}: no compiled catalogue {mo_path}")
            continue
        with mo_path.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)._catalog  # noqa: SLF001 — its table
        for entry in po:
            if entry.obsolete or not entry.translated():
                continue
            key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
            if entry.msgid_plural:
                wanted = [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
                got = [compiled.get((key, i)) for i in range(len(wanted))]
            else:
                wanted, got = entry.msgstr, compiled.get(key)
            if got != wanted:
                found.append(f"{language}: the .mo file is older than the .po: {entry.msgid!r}")
                break
    return found


class Command(BaseCommand):
    help = "Update the French and Dutch catalogues from the source (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Change nothing; fail on any missing message."
        )

    def handle(self, *args, check: bool = False, **options):
        if check:
            scratch = Path(tempfile.mkdtemp(prefix="edc-catalogues-"))
            try:
                extract(scratch)
                found = problems(scratch, locale_dir())
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            if found:
                raise CommandError(f"{len(found)} catalogue problem(s):\n" + "\n".join(found[:200]))
            self.stdout.write("The catalogues are complete and compiled.")
            return
        extract(locale_dir())
        call_command("compilemessages", locale=LANGUAGES, verbosity=0)
        self.stdout.write(f"Updated and compiled: {', '.join(LANGUAGES)} in {locale_dir()}.")
