"""Container images of the five projects: the engine, the Debian base, the build, the smoke run.

What kind or a cluster would do is translated here because neither runs on this machine (no registry, no
kind node image): each module says which part it stands in for.
"""
