"""Typed HTTP clients of the four backend services (the storefront is their backend-for-frontend)."""
