"""Announcer service: the bot's one outbound voice (outbox, pacing, dedup, batching, templates) and quiet mode."""
