"""The economy simulator (`make simulate`): the real rule code of every service, a fake clock, seeded users."""
