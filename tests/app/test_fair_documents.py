"""The fair's PDFs: Chinese in an embedded font, booth numbers, no personal data for employers."""

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from models import Fair, FairStatus, Seeker, db
from tests.app.test_jobs import downloaded


def embedded_fonts(data: bytes) -> dict[str, bool]:
    """Every font the PDF uses, and whether its program is embedded in the file."""
    fonts = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            descriptor = target.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor else {}
            fonts[str(font["/BaseFont"])] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def planned_fair(runner, client, auth):
    runner.invoke(args=["seed-demo"])
    fair = db.session.scalar(sa.select(Fair).where(Fair.status == FairStatus.PLANNING))
    auth.login("organizer", "qibu-organizer-demo")
    client.post(f"/fairs/{fair.id}/participants", data={"months": "6"})
    client.post(f"/fairs/{fair.id}/plan")
    return fair


def test_booth_list_pdf_embeds_its_chinese_font_and_lists_booths(client, planned_fair):
    response = client.get(f"/fairs/{planned_fair.id}/booths.pdf")
    assert response.mimetype == "application/pdf" and len(response.data) > 5000
    fonts = embedded_fonts(response.data)
    assert fonts and all(fonts.values()), fonts
    text = text_of(response.data)
    booths = [b.booth for b in planned_fair.booths]
    assert all(booth in text for booth in booths)
    assert planned_fair.booths[0].employer.name in text.replace("\n", "")


def test_participant_sheets_pdf_is_chinese_with_reasons(client, auth, planned_fair):
    auth.logout()
    auth.login("bureau", "qibu-bureau-demo")
    response = downloaded(client, f"/fairs/{planned_fair.id}/sheets.pdf")
    assert response.status_code == 200
    fonts = embedded_fonts(response.data)
    assert fonts and all(fonts.values()), fonts
    text = text_of(response.data)
    assert "展位" in text and "您的首选岗位意向" in text
    pages = len(PdfReader(io.BytesIO(response.data)).pages)
    assert pages >= len(planned_fair.participants)


def test_employer_shortlists_pdf_has_no_name_facility_or_id(client, planned_fair):
    response = downloaded(client, f"/fairs/{planned_fair.id}/shortlists.pdf")
    assert all(embedded_fonts(response.data).values())
    text = text_of(response.data)
    names = set(db.session.scalars(sa.select(Seeker.name)))
    assert not any(name in text for name in names)
    assert planned_fair.facility.name_zh not in text
    codes = set(db.session.scalars(sa.select(Seeker.code).where(Seeker.consent_share)))
    assert any(code in text for code in codes)
    refused = set(db.session.scalars(sa.select(Seeker.code).where(~Seeker.consent_share)))
    assert not any(code in text for code in refused)
