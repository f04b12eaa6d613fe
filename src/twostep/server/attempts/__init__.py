"""Attempts: how many tries an account, a typed name and a client network get, and how fast.

A neutral part of the server's base: the password lanes (accounts) and the code lane (mfa) both
count here. See :mod:`.throttle`.
"""
