"""Password hashing: Argon2id with the OWASP Password Storage Cheat Sheet parameters
(m = 19 MiB, t = 2, p = 1): about 20-40 ms per hash here, light enough for many workers."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    algorithm = "argon2"  # keep Django's prefix so hashes stay readable by Django's hasher
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
