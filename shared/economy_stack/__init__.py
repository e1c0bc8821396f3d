"""The local launcher behind ``make run``: a bundled nats-server and every economy service as a process.

Not library code: services never import it. System tests reuse its process helpers.
"""
