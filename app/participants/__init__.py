"""Participants: the people registered at the counter, their terms, sponsors and stored coverage."""
