"""Developer tooling behind manage_all.py: embedded infrastructure, the project registry and commands."""
