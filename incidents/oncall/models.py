"""Models of On-call."""
