"""Local stand-ins for the phone carriers (Twilio, Telnyx), built from their references."""
