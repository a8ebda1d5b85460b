"""Users' access: passwords, access and refresh tokens, personal API tokens, login rate limit."""
