"""Attendance pages: sessions (list, week, roster with corrections) and reports."""
