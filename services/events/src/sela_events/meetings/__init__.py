"""Meetings: multilingual descriptions, status workflow, agenda, forms, categories, quotas."""
