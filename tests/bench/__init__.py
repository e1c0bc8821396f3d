"""Benchmarks through real NATS (``make bench``). They print numbers; they never pass or fail on speed."""
