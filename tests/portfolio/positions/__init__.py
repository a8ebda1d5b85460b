"""Position changes through the durable outbox: relays side by side, failed publishes, NATS down."""
