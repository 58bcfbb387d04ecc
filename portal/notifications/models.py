"""Models of Notifications."""
