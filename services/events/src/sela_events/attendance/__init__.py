"""Check-in by QR code, attendance per day or session, certificates, calendars."""
