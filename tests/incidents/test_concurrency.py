"""References under concurrency: 20 declarations at once, 20 distinct gap-free references."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from incidents.models import Incident
from incidents.policies import load_preset
from incidents.services import declare_incident
from portal.kernel.actors import Actor


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_declarations_get_distinct_gap_free_references() -> None:
    load_preset("founder-24x7", actor=Actor.system("test"))
    barrier = threading.Barrier(20)
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def declare(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            incident = declare_incident(
                actor=Actor.system("thread"), title=f"Storm {n}", severity="SEV-2"
            )
            with lock:
                refs.append(incident.ref)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=declare, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(refs) == len(set(refs)) == 20
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in refs)
    assert numbers == list(range(1, 21))
    assert Incident.objects.count() == 20
