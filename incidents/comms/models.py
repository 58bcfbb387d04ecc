"""Models of Customer comms."""
