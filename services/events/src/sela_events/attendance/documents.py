"""QR codes for check-in and PDF certificates of attendance (pure)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date

# segno and fpdf2 are imported where used: they are slow to import and most processes of
# the service never draw a QR code or a certificate.

_CERTIFY = {
    "es": ("CERTIFICADO DE ASISTENCIA", "Se certifica que", "asistió a", "Días de asistencia"),
    "en": ("CERTIFICATE OF ATTENDANCE", "This is to certify that", "attended", "Days attended"),
    "pt": ("CERTIFICADO DE PARTICIPAÇÃO", "Certifica-se que", "participou de", "Dias de presença"),
    "fr": (
        "ATTESTATION DE PARTICIPATION",
        "Nous certifions que",
        "a participé à",
        "Jours de présence",
    ),
}


def qr_svg(payload: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()


def qr_png(payload: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(payload, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1, which holds Spanish, Portuguese and French; anything
    # else is reduced to its base letters rather than failing the certificate.
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if c.encode("latin-1", "ignore")) or "?"


def certificate_pdf(
    *,
    participant: str,
    organisation: str | None,
    meeting_title: str,
    place: str,
    period: str,
    days: list[date],
    activity: str | None,
    language: str,
    reference: str,
) -> bytes:
    from fpdf import FPDF

    heading, certify, attended, days_label = _CERTIFY.get(language, _CERTIFY["es"])
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(_latin1(f"{heading} - {participant}"))
    pdf.set_author("SELA")
    pdf.add_page()
    pdf.set_draw_color(0, 70, 127)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 14, "SELA", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        _latin1("Sistema Económico Latinoamericano y del Caribe"),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(14)
    pdf.set_font("Helvetica", "B", 24)
    pdf.cell(0, 14, _latin1(heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, _latin1(certify), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 14, _latin1(participant), align="C", new_x="LMARGIN", new_y="NEXT")
    if organisation:
        pdf.set_font("Helvetica", "I", 12)
        pdf.cell(0, 8, _latin1(organisation), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    pdf.cell(0, 10, _latin1(attended), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 9, _latin1(meeting_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(
        0,
        8,
        _latin1(", ".join(p for p in (place, period) if p)),
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if days:
        listed = ", ".join(d.isoformat() for d in days)
        pdf.cell(0, 8, _latin1(f"{days_label}: {listed}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-30)
    pdf.set_font("Helvetica", "", 8)
    note = f"Ref. {reference}" + (f" - Work Programme activity {activity}" if activity else "")
    pdf.cell(0, 6, _latin1(note), align="C")
    return bytes(pdf.output())
