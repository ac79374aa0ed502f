"""The event backbone: topic registry, envelope schemas, outbox, relay and consumers (docs/architecture.md §6)."""
