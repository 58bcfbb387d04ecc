"""The tests' Twilio stand-in, alone, for bench/production_walkthrough.sh: writes its port
to $WALK/port and appends every message a phone receives to $WALK/sms.log (JSON lines)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DEBUG"] = "1"  # the stand-in needs settings, not the walkthrough's database
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from tests.notifications.standins.twilio_standin import RunningTwilio

    walk = Path(os.environ["WALK"])
    twilio = RunningTwilio()
    (walk / "port").write_text(str(twilio.server.server_address[1]))
    seen = 0
    while True:
        received = twilio.received
        with (walk / "sms.log").open("a") as log:
            for r in received[seen:]:
                line = {"at": time.time(), "phone": r.phone, "kind": r.kind, "text": r.text}
                log.write(json.dumps(line) + "\n")
        seen = len(received)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
