"""SELA meetings.

Intergovernmental meetings, courses, seminars and round tables of the Work Programme:
registration with quotas and moderation, waiting lists, check-in, certificates.
"""
