"""Gambling service: slots, coin flip, escrowed challenges and heists, the daily free spin, gambling stats."""
