"""Staff accounts of a cooperative: sign-in, roles, password links, API tokens."""
