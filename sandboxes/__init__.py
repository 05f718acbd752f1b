"""Faithful local stand-ins for the payment providers' HTTP APIs (Xendit, Midtrans).

Standalone on purpose: nothing here imports app/ or tenants/, so the sandboxes can run beside any
build of Gerai and be checked against the providers' own SDKs.
"""
