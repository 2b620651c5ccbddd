"""Demo data: the meetings the Work Programme 2019 plans, with their activity numbers.

The list below names each meeting as the Work Programme describes it; the description of
each is read from the Work Programme itself (../shared/seed) when it is there. Dates and
venues are given only where the Work Programme gives them; the other meetings stay
published without dates (registration opens once staff set them).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sela_events.meetings import service as meetings
from sela_events.meetings.repository import MeetingRepository
from sela_events.meetings.schemas import MeetingCreate
from sela_events.settings import EventsSettings
from sela_events.vocab import MeetingStatus, MeetingType
from sela_kit.db import Database
from sela_kit.settings import ServiceSettings

SEED_NAME = "000_59bff0e62e5b70a4.txt"
T = MeetingType


@dataclass(frozen=True)
class PlannedMeeting:
    activity: str
    code: str
    type: MeetingType
    title: str
    city: str | None = None
    country: str | None = None
    period_note: str = "2019"
    partners: list[str] = field(default_factory=list)


PLANNED: tuple[PlannedMeeting, ...] = (
    PlannedMeeting(
        "I.1.1",
        "WP2019-I.1.1-RT1",
        T.ROUND_TABLE,
        "Round table on the progress of Latin American and Caribbean integration (1)",
    ),
    PlannedMeeting(
        "I.1.1",
        "WP2019-I.1.1-RT2",
        T.ROUND_TABLE,
        "Round table on the progress of Latin American and Caribbean integration (2)",
    ),
    PlannedMeeting(
        "I.1.2",
        "WP2019-I.1.2",
        T.REGIONAL_MEETING,
        "Meeting with specialists in public policies related to the health sector",
    ),
    PlannedMeeting(
        "I.2.1",
        "WP2019-I.2.1",
        T.REGIONAL_MEETING,
        "Regional meeting on productive transformation in the digital era",
    ),
    PlannedMeeting(
        "I.3.2",
        "WP2019-I.3.2",
        T.REGIONAL_MEETING,
        "IV Latin American and Caribbean Regional Meeting of Logistic Port Communities",
        city="Port of Spain",
        country="TTO",
        partners=["Port authorities of Port of Spain and Point Lisas"],
    ),
    PlannedMeeting(
        "I.3.3",
        "WP2019-I.3.3",
        T.REGIONAL_MEETING,
        "Presentation of the Latin American and Caribbean Network of Digital and "
        "Collaborative Ports",
    ),
    PlannedMeeting(
        "I.4.1",
        "WP2019-I.4.1",
        T.REGIONAL_MEETING,
        "E-Commerce in Latin America and the Caribbean: opportunities and challenges "
        "for the internationalization of SMEs",
    ),
    PlannedMeeting(
        "I.4.2",
        "WP2019-I.4.2",
        T.SEMINAR,
        "Regional seminar on intra-regional value chains based on the digital economy",
    ),
    PlannedMeeting(
        "II.1.1",
        "WP2019-II.1.1",
        T.REGIONAL_MEETING,
        "XXX Meeting of International Cooperation Directors for Latin America and the Caribbean",
    ),
    PlannedMeeting(
        "II.1.2",
        "WP2019-II.1.2",
        T.REGIONAL_MEETING,
        "Regional meeting on cultural and creative industries",
    ),
    PlannedMeeting(
        "II.1.3",
        "WP2019-II.1.3",
        T.REGIONAL_MEETING,
        "VIII Regional Meeting on Public-Private Partnerships for Disaster Risk "
        "Reduction in Latin America and the Caribbean",
        partners=["UNISDR"],
    ),
    PlannedMeeting(
        "II.1.4",
        "WP2019-II.1.4",
        T.REGIONAL_MEETING,
        "IX Annual Meeting of the Working Group on Trade and Competition in Latin "
        "America and the Caribbean",
        partners=["UNCTAD"],
    ),
    PlannedMeeting(
        "II.2.1",
        "WP2019-II.2.1",
        T.REGIONAL_MEETING,
        "Meeting on progresses of public policies for poverty reduction in Latin "
        "America and the Caribbean: a multidimensional approach",
    ),
    PlannedMeeting(
        "II.2.2",
        "WP2019-II.2.2",
        T.REGIONAL_MEETING,
        "Regional Meeting on Food Security in Latin America and the Caribbean: "
        "dealing with food losses and waste",
    ),
    PlannedMeeting(
        "II.2.4",
        "WP2019-II.2.4",
        T.SEMINAR,
        "Seminar on evaluation of the impact of public policies in Latin America and the Caribbean",
    ),
    PlannedMeeting(
        "II.2.5",
        "WP2019-II.2.5",
        T.REGIONAL_MEETING,
        "Regional meeting on strong and inclusive labour markets",
    ),
    PlannedMeeting(
        "II.3.1",
        "WP2019-II.3.1-WS",
        T.WORKSHOP,
        "Workshop of the productive articulation programme for SMEs",
    ),
    PlannedMeeting(
        "II.3.1",
        "WP2019-II.3.1-S1",
        T.WORKING_SESSION,
        "Working session of the productive articulation programme for SMEs (1)",
    ),
    PlannedMeeting(
        "II.3.1",
        "WP2019-II.3.1-S2",
        T.WORKING_SESSION,
        "Working session of the productive articulation programme for SMEs (2)",
    ),
    PlannedMeeting(
        "II.3.2",
        "WP2019-II.3.2",
        T.SUBREGIONAL_MEETING,
        "Subregional meeting presenting the Final Report on the Public Policy Index "
        "for MSMEs in Latin America and the Caribbean (IPPALC)",
        partners=["OECD"],
    ),
    PlannedMeeting(
        "II.3.3",
        "WP2019-II.3.3",
        T.SUBREGIONAL_MEETING,
        "Subregional meeting to launch the Public Policy Index for MSMEs (IPPALC) in "
        "Central America",
        partners=["OECD"],
    ),
    PlannedMeeting(
        "II.3.4",
        "WP2019-II.3.4",
        T.SEMINAR,
        "Seminar-Workshop on experiences of formalization of MSMEs in Latin America "
        "and the Caribbean",
        country="DOM",
        period_note="February 2019",
        partners=["Ministry of Industry, Trade and MSMEs (MICM) of the Dominican Republic"],
    ),
    PlannedMeeting(
        "II.3.5",
        "WP2019-II.3.5",
        T.SEMINAR,
        "Seminar: Prospects for the internationalization of SMEs in Latin America and "
        "the Caribbean",
    ),
    PlannedMeeting(
        "II.3.6",
        "WP2019-II.3.6",
        T.REGIONAL_MEETING,
        "Regional meeting on academia, entrepreneurship and business success",
    ),
    PlannedMeeting(
        "III.1.1",
        "WP2019-III.1.1",
        T.ROUND_TABLE,
        "First meeting between India and Latin America and the Caribbean on SMEs, "
        "around working tables by economic sectors",
    ),
    PlannedMeeting(
        "III.1.2",
        "WP2019-III.1.2",
        T.ROUND_TABLE,
        "Meeting of the Eurasian Economic Union and Latin America and the Caribbean "
        "on SMEs, around working tables by economic sectors",
    ),
)


def shared_dir() -> Path:
    default = Path(__file__).resolve().parents[4].parent / "shared"
    return Path(os.environ.get("SELA_SHARED_DIR", default))


def activity_headings(seed: Path) -> dict[str, str]:
    """Activity number -> its heading in the Work Programme ("Activity II.3.4 Seminar-...")."""
    lines = [line.strip() for line in seed.read_text(encoding="utf-8").splitlines()]
    headings: dict[str, str] = {}
    pattern = re.compile(r"^Activity\s+((?:I|II|III)\.\d+\.\d+)\.?\s+(.*)$")
    for i, line in enumerate(lines):
        match = pattern.match(line)
        if match is None:
            continue
        text = match.group(2).strip()
        # A heading wraps onto the next non-empty line unless that line starts a section.
        for following in lines[i + 1 : i + 4]:
            if not following:
                continue
            if following.startswith(("A.", "Activity", "PROJECT")):
                break
            text = f"{text} {following}"
            break
        headings.setdefault(match.group(1), re.sub(r"\s+", " ", text).strip(" :"))
    return headings


async def load(settings: ServiceSettings) -> str:
    assert isinstance(settings, EventsSettings)
    seed = shared_dir() / "seed" / SEED_NAME
    headings = activity_headings(seed) if seed.exists() else {}
    label = f"Work Programme 2019 ({seed.name})" if headings else "demo (Work Programme absent)"
    database = Database(settings.sqlalchemy_url, pool_size=2, max_overflow=0)
    created = 0
    try:
        async with database.transaction() as session:
            repo = MeetingRepository(session)
            for planned in PLANNED:
                if await repo.get_by_code(planned.code) is not None:
                    continue
                heading = headings.get(planned.activity)
                description = {"en": f"Activity {planned.activity}: {heading}"} if heading else {}
                meeting = await meetings.create(
                    session,
                    MeetingCreate(
                        code=planned.code,
                        title={"en": planned.title},
                        description=description,
                        type=planned.type,
                        activity=planned.activity,
                        city=planned.city,
                        country=planned.country,
                        period_note=planned.period_note,
                        organisers=["SELA Permanent Secretariat"],
                        partners=planned.partners,
                    ),
                    source=label,
                )
                await meetings.change_status(session, meeting.code, MeetingStatus.PUBLISHED)
                created += 1
    finally:
        await database.dispose()
    return f"{created} meeting(s) of the {label} loaded, {len(PLANNED) - created} already there"
