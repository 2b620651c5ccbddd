"""Texts of the messages sent to participants, in their language (pure)."""

from __future__ import annotations

from datetime import datetime

_SUBJECTS: dict[str, dict[str, str]] = {
    "received": {
        "es": "Solicitud recibida: {title}",
        "en": "Registration received: {title}",
        "pt": "Inscrição recebida: {title}",
        "fr": "Inscription reçue : {title}",
    },
    "confirmed": {
        "es": "Inscripción confirmada: {title}",
        "en": "Registration confirmed: {title}",
        "pt": "Inscrição confirmada: {title}",
        "fr": "Inscription confirmée : {title}",
    },
    "waitlisted": {
        "es": "Lista de espera: {title}",
        "en": "Waiting list: {title}",
        "pt": "Lista de espera: {title}",
        "fr": "Liste d'attente : {title}",
    },
    "offered": {
        "es": "Hay un cupo para usted: {title}",
        "en": "A seat is available for you: {title}",
        "pt": "Há uma vaga para você: {title}",
        "fr": "Une place est disponible pour vous : {title}",
    },
    "cancelled": {
        "es": "Inscripción cancelada: {title}",
        "en": "Registration cancelled: {title}",
        "pt": "Inscrição cancelada: {title}",
        "fr": "Inscription annulée : {title}",
    },
    "rejected": {
        "es": "Solicitud no aceptada: {title}",
        "en": "Registration not accepted: {title}",
        "pt": "Inscrição não aceita: {title}",
        "fr": "Inscription non acceptée : {title}",
    },
    "expired": {
        "es": "Oferta vencida: {title}",
        "en": "Offer expired: {title}",
        "pt": "Oferta expirada: {title}",
        "fr": "Offre expirée : {title}",
    },
}

_LINES: dict[str, dict[str, str]] = {
    "greeting": {
        "es": "Estimado/a {name}:",
        "en": "Dear {name},",
        "pt": "Prezado/a {name},",
        "fr": "Madame, Monsieur {name},",
    },
    "link": {
        "es": "Consulte, modifique o cancele su inscripción aquí:",
        "en": "View, change or cancel your registration here:",
        "pt": "Consulte, altere ou cancele sua inscrição aqui:",
        "fr": "Consultez, modifiez ou annulez votre inscription ici :",
    },
    "deadline": {
        "es": "Acepte antes de {deadline} (UTC) o el cupo pasará a la siguiente persona.",
        "en": "Accept before {deadline} (UTC) or the seat passes to the next person.",
        "pt": "Aceite antes de {deadline} (UTC) ou a vaga passará à próxima pessoa.",
        "fr": "Acceptez avant le {deadline} (UTC), sinon la place passera à la suivante.",
    },
}


def render(
    kind: str,
    language: str,
    *,
    title: str,
    name: str,
    link: str,
    deadline: datetime | None = None,
) -> tuple[str, str]:
    """Subject line and plain-text body."""
    lang = language if language in ("es", "en", "pt", "fr") else "es"
    subject = _SUBJECTS[kind][lang].format(title=title)
    lines = [_LINES["greeting"][lang].format(name=name), "", subject, ""]
    if deadline is not None:
        lines += [_LINES["deadline"][lang].format(deadline=deadline.strftime("%Y-%m-%d %H:%M")), ""]
    lines += [_LINES["link"][lang], link, "", "SELA"]
    return subject, "\n".join(lines)
