"""Check-in, certificates, calendars, published lists, CSV, counts, retention, mail."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from pypdf import PdfReader

from sela_events import jobs
from sela_events.settings import EventsSettings
from sela_testing.support import ServiceHarness
from tests.events.support import STAFF, field_names, open_meeting, person, problem

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_check_in_certificate_and_calendars(events: ServiceHarness) -> None:
    client = events.client
    start = datetime(2030, 3, 4, 9, 0)
    meeting = await open_meeting(
        client,
        start_at=start.isoformat(),  # read in the meeting's time zone
        end_at=(start + timedelta(days=1, hours=8)).isoformat(),
        sessions=[
            {
                "title": {"en": "Opening"},
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
                "room": "Sala Bolívar",
                "speakers": ["Secretaría Permanente"],
            }
        ],
    )
    assert meeting["start_at"] == "2030-03-04T13:00:00Z"  # 09:00 in Caracas
    session_id = meeting["sessions"][0]["id"]
    reg = (
        await client.post(
            f"/meetings/{meeting['id']}/registrations",
            json=person("cert", first_name="José", last_name="Martínez", organisation="ALADI"),
        )
    ).json()
    token = reg["manage_token"]
    qr = await client.get(f"/registrations/self/{token}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in qr.content
    png = await client.get(f"/registrations/self/{token}/qr.svg", params={"format": "png"})
    assert png.content.startswith(b"\x89PNG")
    problem(await client.get(f"/registrations/self/{token}/certificate.pdf"), 409, "not_attended")
    # The check-in code travels in the QR code; staff scan it.
    listing = await client.get(f"/meetings/{meeting['id']}/registrations", headers=STAFF)
    assert listing.status_code == 200
    from sela_events.registrations.models import Registration

    async with events.database.transaction() as session:
        code = (await session.get(Registration, reg["id"])).checkin_code  # type: ignore[union-attr]
    scanned = f"SELA-CHECKIN:{meeting['id']}:{code}"
    checkin = f"/meetings/{meeting['id']}/checkin"
    first = await client.post(
        checkin, json={"code": scanned, "session_id": session_id}, headers=STAFF
    )
    assert first.status_code == 200, first.text
    assert first.json()["already_recorded"] is False
    assert first.json()["state"] == "attended"
    again = await client.post(
        checkin, json={"code": scanned, "session_id": session_id}, headers=STAFF
    )
    assert again.json()["already_recorded"] is True
    day2 = await client.post(checkin, json={"code": code, "day": "2030-03-05"}, headers=STAFF)
    assert day2.status_code == 200
    body = problem(
        await client.post(checkin, json={"code": code, "day": "2030-04-01"}, headers=STAFF),
        422,
        "validation_failed",
    )
    assert field_names(body) == {"body.day"}
    problem(
        await client.post(checkin, json={"code": "nope-nope"}, headers=STAFF),
        422,
        "validation_failed",
    )
    attendance = await client.get(f"/meetings/{meeting['id']}/attendance", headers=STAFF)
    assert len(attendance.json()) == 2
    # Certificate: a PDF naming the participant and the meeting.
    pdf = await client.get(f"/registrations/self/{token}/certificate.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "José Martínez" in text
    assert "Reunión de prueba" in text
    assert "2030-03-05" in text
    # Calendars parse with icalendar.
    ics = await client.get(f"/meetings/{meeting['id']}/calendar.ics", params={"language": "en"})
    cal = Calendar.from_ical(ics.content)
    events_ = list(cal.walk("VEVENT"))
    assert {str(e["summary"]) for e in events_} == {"Test meeting", "Opening"}
    own = Calendar.from_ical(
        (await client.get(f"/registrations/self/{token}/calendar.ics")).content
    )
    attendees = [str(e["attendee"]) for e in own.walk("VEVENT")]
    assert attendees
    assert all(a == f"mailto:{reg['email']}" for a in attendees)


async def test_published_list_csv_counts_and_retention(
    events: ServiceHarness, events_settings: EventsSettings
) -> None:
    client = events.client
    meeting = await open_meeting(client, capacity=3)
    url = f"/meetings/{meeting['id']}/registrations"
    await client.post(url, json=person(1, consent_publish=True))
    await client.post(url, json=person(2, country="BRB", category="international_organisation"))
    published = (await client.get(f"/meetings/{meeting['id']}/participants")).json()
    assert [p["first_name"] for p in published] == ["Ana1"]
    assert "email" not in published[0]
    csv_url = f"/meetings/{meeting['id']}/registrations.csv"
    good = (
        "first_name,last_name,email,category,country,seats,consent_publish\n"
        "Luis,Gómez,luis@example.org,delegation,MEX,1,yes\n"
        "Rosa,Díaz,rosa@example.org,press,CUB,1,no\n"
    )
    bad = good + "Ines,Lima,not-an-email,academia,BRA,1,no\n"
    body = problem(
        await client.post(
            csv_url, content=bad.encode(), headers={**STAFF, "content-type": "text/csv"}
        ),
        422,
        "validation_failed",
    )
    assert field_names(body) == {"body.row 3.email"}
    imported = await client.post(
        csv_url, content=good.encode(), headers={**STAFF, "content-type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"rows": 2, "by_state": {"confirmed": 1, "waitlisted": 1}}
    exported = await client.get(csv_url, headers=STAFF)
    lines = exported.text.strip().splitlines()
    assert len(lines) == 5
    assert "luis@example.org" in exported.text
    counts = (await client.get(f"/meetings/{meeting['id']}/counts")).json()
    assert counts["seats_held"] == 3
    assert {r["key"]: r["seats"] for r in counts["by_country"]} == {"VEN": 1, "BRB": 1, "MEX": 1}
    # Retention: once the period is over, personal data go and the counts stay.
    await client.patch(
        f"/meetings/{meeting['id']}",
        json={
            "start_at": (datetime.now(UTC) - timedelta(days=40)).isoformat(),
            "end_at": (datetime.now(UTC) - timedelta(days=39)).isoformat(),
            "retention_days": 30,
        },
        headers=STAFF,
    )
    result = await jobs.erase_personal_data(events.database)
    assert result.meetings_erased >= 1
    after = (await client.get(f"/meetings/{meeting['id']}/counts")).json()
    assert after["by_country"] == counts["by_country"]
    exported = await client.get(csv_url, headers=STAFF)
    assert "@example.org" not in exported.text
    assert "Gómez" not in exported.text
    assert (await client.get(f"/meetings/{meeting['id']}/participants")).json() == []
