"""Offline checks of deploy/: render the overlays, validate them, scan them (manage_all.py deploy check)."""
