"""People's own accounts: sign-up, password reset, two-factor sign-in, requests for a role
at a council and their decisions, API tokens, and signing out everywhere."""
