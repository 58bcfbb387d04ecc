"""The playbooks that name Slack get their war-room and announcement settings from
their presets (000 thread in #alerts, 001 and 003 a channel per incident); the others
get none and keep working without Slack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from incidents.models import PolicyVersion
from incidents.slack.models import SlackLevelSetting
from postmortems.tickets.models import TicketTracker
from tests.incidents.test_presets import playbook

pytestmark = pytest.mark.django_db


def settings_by_level() -> dict[str, SlackLevelSetting]:
    return {s.level_code: s for s in SlackLevelSetting.objects.all()}


def test_000_sev1_gets_a_war_room_thread_in_alerts_and_sev2_an_at_here_announcement(
    load_policy: Callable[..., PolicyVersion],
) -> None:
    text = playbook("founder-24x7")
    assert "SEV-1 only: open a war-room thread in #alerts" in text
    assert "#alerts channel with @here mention for SEV-1/2" in text
    load_policy("founder-24x7")
    levels = settings_by_level()
    assert sorted(levels) == ["SEV-1", "SEV-2"]
    assert (levels["SEV-1"].mode, levels["SEV-1"].channel, levels["SEV-1"].mention) == (
        "thread",
        "#alerts",
        "@here",
    )
    assert (levels["SEV-2"].mode, levels["SEV-2"].mention) == ("announce", "@here")
    assert '"I am on it"' in levels["SEV-1"].announcement


def test_001_every_level_gets_a_channel_the_at_here_announcement_and_the_runbooks(
    load_policy: Callable[..., PolicyVersion],
) -> None:
    text = playbook("rotation-small-team")
    load_policy("rotation-small-team")
    levels = settings_by_level()
    assert sorted(levels) == ["SEV-1", "SEV-2", "SEV-3", "SEV-4"]
    for setting in levels.values():
        assert (setting.mode, setting.mention) == ("channel", "@here")
        # The playbook's "Incident Announcement" template, line by line
        for line in ("Status: ", "Impact: ", "Incident Commander: @", "Channel: "):
            assert line in setting.announcement
            assert line in text
        for runbook in setting.runbooks:
            assert f"`{runbook}`" in text


def test_003_gets_channels_the_pinned_runbook_and_linear_with_the_post_mortem_label(
    load_policy: Callable[..., PolicyVersion],
) -> None:
    text = playbook("follow-the-sun")
    assert "It pins the runbook in the channel." in text
    assert 'ticketed in Linear with a "post-mortem" label' in text
    load_policy("follow-the-sun")
    levels = settings_by_level()
    assert sorted(levels) == ["SEV-1", "SEV-2", "SEV-3"]
    assert all(
        s.mode == "channel" and s.runbooks == ["runbooks/incident.md"] for s in levels.values()
    )
    tracker = TicketTracker.objects.get()
    assert (tracker.kind, tracker.label, tracker.api_token) == ("linear", "post-mortem", "")


@pytest.mark.parametrize("preset", ["ops-platform", "s-levels"])
def test_playbooks_that_do_not_name_slack_get_no_slack_settings(
    load_policy: Callable[..., PolicyVersion], preset: str
) -> None:
    load_policy("rotation-small-team")
    load_policy(preset)
    assert not SlackLevelSetting.objects.exists()
    assert not TicketTracker.objects.exists()
