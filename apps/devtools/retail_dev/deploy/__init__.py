"""Offline checks of deploy/: render the overlays, validate them, scan them (manage_all.py deploy check).

Every check is the upstream tool (kubectl's kustomize, kubernetes-validate, promtool, checkov) or
library (pyhcl); these modules are their command lines and what connects them, nothing a library does.
"""
