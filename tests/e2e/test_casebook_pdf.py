"""A monitor opens a patient's casebook page, opens the print view of the PDF casebook (the
template the PDF is drawn from) and downloads the PDF; page 1 of each is kept as an image."""

import re
import shutil
import subprocess

from playwright.sync_api import expect
from pypdf import PdfReader

from edc import protocol


def test_the_casebook_print_view_and_pdf_show_the_patients_forms_and_trail(
    page, login, shot, trial, monitor
):
    patient = trial["patient"]
    login(monitor, then=f"/patients/{patient.pk}/")
    form = page.get_by_test_id("casebook-pdf")
    expect(form.get_by_role("button", name="Download PDF casebook")).to_be_visible()

    form.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Casebook of patient {patient}")
    expect(page.get_by_text(f"{protocol.TRIAL_ID} · Site {patient.site.code}")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Visit .*Paclitaxel")).first
    ).to_be_visible()
    expect(page.get_by_text("Weight re-measured on the ward scale").first).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("tumour size"))).to_be_visible()
    screenshot = shot("print-view-page-1")
    assert screenshot.exists()

    page.go_back()
    # Drawing the PDF takes seconds on a loaded machine: wait for it, not for a fixed time.
    with page.expect_download(timeout=180_000) as download:
        page.get_by_test_id("casebook-pdf").get_by_role(
            "button", name="Download PDF casebook"
        ).click(timeout=180_000)
    saved = shot.folder / "casebook.pdf"
    download.value.save_as(saved)
    reader = PdfReader(saved)
    first = reader.pages[0].extract_text()
    assert f"Page 1 of {len(reader.pages)}" in first and str(patient) in first
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Weight re-measured on the ward scale" in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "70",
                "-f",
                "1",
                "-l",
                "2",
                "-png",
                str(saved),
                str(shot.folder / "pdf-page"),
            ],
            check=True,
        )
        assert sorted(p.name for p in shot.folder.glob("pdf-page-*.png"))
