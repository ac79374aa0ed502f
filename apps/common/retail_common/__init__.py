"""Shared library of the Retail Platform services.

Pure helpers (settings, secrets, JWT verification) import nothing from any
service; every service installs the Django app ``retail_common``.
"""
