"""Shared by the local stand-ins for outside services (Slack, Linear, ntfy, Pushover…).

`socketserver`'s `serve_forever` checks for `shutdown()` every `poll_interval`
(0.5 s by default), so every test that stops a stand-in waited up to half a second in
its teardown: about a minute over the suite. A short poll costs nothing measurable.
"""

STANDIN_POLL_SECONDS = 0.02
