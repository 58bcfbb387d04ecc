"""Models of Integrations."""
