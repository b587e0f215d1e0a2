"""The page header: one link per section, the section's own sub-navigation, and a Help link
that opens the user's guide (rendered from docs/, screenshots included)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from edc.help import pages


class Links(HTMLParser):
    """The links of each <nav>, by its aria-label."""

    def __init__(self):
        super().__init__()
        self.navs: dict[str, list[tuple[str, str]]] = {}
        self.images: list[str] = []
        self.anchors: list[str] = []
        self._nav: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self._nav.append(attrs.get("aria-label", ""))
            self.navs.setdefault(self._nav[-1], [])
        elif tag == "a":
            self._href, self._text = attrs.get("href"), []
            self.anchors.append(attrs.get("href") or "")
        elif tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            if self._nav:
                self.navs[self._nav[-1]].append((self._href, "".join(self._text).strip()))
            self._href = None
        elif tag == "nav" and self._nav:
            self._nav.pop()


def parse(response) -> Links:
    links = Links()
    links.feed(response.content.decode())
    return links


SECTION_PAGES = {
    "labs:index": "Labs",
    "assessments:ae_list": "Assessments",
    "assessments:tumour_list": "Assessments",
    "monitoring:home": "Monitoring",
    "monitoring:queries": "Monitoring",
}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(SECTION_PAGES))
def test_a_section_page_lists_each_main_link_once_and_shows_its_own_sub_navigation(
    url_name, web, data_manager
):
    response = web(data_manager).get(reverse(url_name))
    assert response.status_code == 200
    links = parse(response)
    main = [href for href, _ in links.navs["Main"]]
    assert len(main) == len(set(main)), main
    section = SECTION_PAGES[url_name]
    assert section in links.navs, links.navs.keys()
    assert links.navs[section], "the section's sub-navigation has links"
    current = re.search(r'<a href="([^"]+)" aria-current="true">', response.content.decode())
    assert current, "the main link of the current section is marked"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "guide"),
    [
        ("investigator", "guide-investigator"),
        ("coordinator", "guide-investigator"),
        ("monitor", "guide-monitor"),
        ("statistician", "guide-statistician"),
        ("data_manager", "guide-data-manager"),
    ],
)
def test_the_help_link_in_the_header_opens_the_guide_written_for_the_users_role(
    who, guide, request, web
):
    client = web(request.getfixturevalue(who))
    home = parse(client.get(reverse("home")))
    help_links = [href for href, text in home.navs["Main"] if text == "Help"]
    assert help_links == [reverse("help:guide", args=[guide])]
    page = client.get(help_links[0])
    assert page.status_code == 200
    body = page.content.decode()
    title = pages.load(guide).title
    assert "<h1 id=" in body and title in body
    shots = parse(page).images
    assert shots, "the guide shows the screenshots of the end-to-end run"
    for src in shots:
        image = client.get(reverse("help:guide", args=[guide]).rsplit("/", 1)[0] + "/" + src)
        assert image.status_code == 200 and image["Content-Type"] == "image/png", src


@pytest.mark.django_db
def test_help_is_reachable_before_logging_in(client):
    login = parse(client.get(reverse("login")))
    assert [text for _, text in login.navs["Main"]] == ["Help"]
    assert client.get(reverse("help:index")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("slug", pages.GUIDES)
def test_every_link_between_the_guides_leads_to_a_page(slug, client):
    page = client.get(reverse("help:guide", args=[slug]))
    assert page.status_code == 200
    base = reverse("help:index")
    for href in parse(page).anchors:
        if href.startswith(("http://", "https://", "#", "/", "mailto:")):
            continue
        target = base + href.split("#")[0]
        assert client.get(target).status_code == 200, (slug, href)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/help/CONVENTIONS.md",
        "/help/nonexistent.md",
        "/help/img/..%2F..%2Fmanage.py",
        "/help/img/missing.png",
        "/help/img/index.md",
    ],
)
def test_only_the_user_guides_and_their_screenshots_are_served(path, client):
    assert client.get(path).status_code == 404
