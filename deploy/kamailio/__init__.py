"""deploy/kamailio package."""
