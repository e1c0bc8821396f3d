"""``kryten-economy``: the operator's command line (status, audit, user, pm, backup, validate-config)."""
