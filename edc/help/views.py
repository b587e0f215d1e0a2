"""Help pages: the user guides of docs/ and their screenshots (no clinical data, no login)."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from edc.access import roles
from edc.web import requires

from . import pages


@requires(roles.PUBLIC)
@require_safe
def guide(request, slug: str = pages.INDEX):
    page = pages.load(slug)
    if page is None:
        raise Http404("No such help page.")
    # The English file (no translation in the reader's language): the page says so.
    in_english = pages.page_path(slug).parent == pages.DOCS_DIR
    return render(
        request, "help/page.html", {"page": page, "title": page.title, "in_english": in_english}
    )


@requires(roles.PUBLIC)
@require_safe
def image(request, name: str):
    path = pages.image_path(name)
    if path is None:
        raise Http404("No such image.")
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response
