"""The offline outbox's server side: idempotent replays keyed by client_uuid (DESIGN §7)."""
