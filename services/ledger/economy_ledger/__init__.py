"""Ledger service: accounts, the journal, idempotent atomic postings — the only place money moves."""
