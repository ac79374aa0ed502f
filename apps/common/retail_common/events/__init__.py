"""The event backbone: topic registry, envelope schemas, outbox, relay and consumers (ARCHITECTURE §6)."""
