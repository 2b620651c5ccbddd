"""Notifications: requested through the outbox, delivered by the mail-sender consumer."""
