"""The PM command framework: parse, catalog, rate limit, admin identity, reply splitting."""
