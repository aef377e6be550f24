"""Discord-facing cogs: each parses interactions, calls the domain layer and renders the reply."""
