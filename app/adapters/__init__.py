"""Adapters to systems outside the desktop (a court's case system over HTTP, ...).

Application side of the boundary: plain Python and the standard library, no Qt,
no peewee. Each adapter implements a port declared in app.domain.
"""
