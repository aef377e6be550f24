"""Podium's domain layer: everything that needs no Discord objects."""
