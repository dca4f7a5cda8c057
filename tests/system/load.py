"""The traffic of a working day, compressed: dossiers handed in at the counter and submitted on the
portal (each with an `Idempotency-Key`, retried until acknowledged), historical dossiers imported in
chunks, officers working their queues (accept, complete, ask a supplement or an extension) and
citizens bringing the supplements back through intake. Every acknowledged dossier is written down in
the ledger the final checks compare with the system.

Which 4xx answers are legitimate (`settles`: only after a retry whose first attempt committed but lost
its answer; `expected`: on any attempt) is stated at each call; any other 4xx is counted as refused
and fails the run.
"""

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.system.client import Answer, Api, GaveUp
from tests.system.plan import SoakPlan
from tests.system.seed import OFFICER_AGENCIES, PROCEDURES

_NAMES = ("Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Cường", "Phạm Thu Dung", "Hoàng Đức Em", "Võ Thị Giang")
_ALL_DOCUMENTS = {p["code"]: [d["code"] for d in p["documents"]] for p in PROCEDURES}
# The route position whose completion resolves the dossier (a procedure without a route: one step).
_LAST_POSITION = {p["code"]: len(p.get("route", [])) or 1 for p in PROCEDURES}
COUNTER_SUB, PORTAL_SUB = "soak-counter", "soak-portal"


@dataclass
class Acked:
    """A dossier intake acknowledged (2xx): its id, and its code once it was received."""

    id: str
    channel: str
    code: str | None


@dataclass
class Ledger:
    dossiers: dict[str, Acked] = field(default_factory=dict)
    imported: set[str] = field(default_factory=set)  # external codes of acknowledged import lines
    import_failures: list[str] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)  # officer and citizen actions done

    def did(self, action: str) -> None:
        self.actions[action] = self.actions.get(action, 0) + 1


def _applicant(rng: random.Random) -> dict[str, str]:
    return {
        "name": rng.choice(_NAMES),
        "id_number": "".join(rng.choice("0123456789") for _ in range(12)),
        "phone": "09" + "".join(rng.choice("0123456789") for _ in range(8)),
    }


class Load:
    def __init__(self, api: Api, plan: SoakPlan) -> None:
        self.api = api
        self.plan = plan
        self.ledger = Ledger()
        self.rng = random.Random(plan.seed + 1)
        self.stop = asyncio.Event()
        self.in_flight = 0
        self._slots = asyncio.Semaphore(plan.in_flight)
        self._journeys: set[asyncio.Task[None]] = set()
        self._counter = api.token("reception", COUNTER_SUB)
        self._portal = api.token("portal", PORTAL_SUB)
        self._admin = api.token("admin", "soak-admin")

    async def run(self) -> None:
        """Until `stop` is set; then the journeys under way are finished (they retry until answered)."""
        loops = [
            self._submissions(),
            self._imports(),
            *(self._officer(agency) for agency in OFFICER_AGENCIES),
        ]
        await asyncio.gather(*loops)
        if self._journeys:
            await asyncio.gather(*self._journeys, return_exceptions=True)

    # -- dossiers ----------------------------------------------------------------------------------

    async def _submissions(self) -> None:
        interval = 1.0 / self.plan.dossiers_per_second
        n = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            await self._slots.acquire()
            n += 1
            self._spawn(self._journey(n))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at = max(next_at, time.monotonic() - 1.0)  # no burst after a stall

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._journeys.add(task)
        task.add_done_callback(self._journeys.discard)

    async def _journey(self, n: int) -> None:
        self.in_flight += 1
        try:
            if self.rng.random() < 0.35:
                await self._portal_dossier(n)
            else:
                await self._counter_dossier()
        except GaveUp:
            pass  # counted in traffic.gave_up; the run fails on it
        finally:
            self.in_flight -= 1
            self._slots.release()

    async def _counter_dossier(self) -> None:
        procedure = self.rng.choice(PROCEDURES)["code"]
        documents = list(_ALL_DOCUMENTS[procedure])
        body: dict[str, Any] = {
            "procedure_code": procedure,
            "channel": self.rng.choice(("direct", "direct", "post")),
            "applicant": _applicant(self.rng),
            "documents": documents,
        }
        draw = self.rng.random()
        if draw < 0.04:
            body["documents"] = documents[:1] if len(documents) > 1 else []  # form 02: not received
        elif draw < 0.07:
            body["eligible"] = False
            body["refusal_reason"] = "Không thuộc thẩm quyền giải quyết"  # form 03
        answer = await self.api.call(
            "submit counter",
            "POST",
            "intake",
            "/v1/dossiers",
            token=self._counter,
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if answer.ok:
            self.ledger.dossiers[answer.body["id"]] = Acked(
                answer.body["id"], body["channel"], answer.body["code"]
            )

    async def _portal_dossier(self, n: int) -> None:
        procedure = self.rng.choice(PROCEDURES)["code"]
        portal_id = f"soak-{self.plan.seed}-{n}"
        answer = await self.api.call(
            "submit portal",
            "POST",
            "intake",
            "/v1/dossiers",
            token=self._portal,
            json={
                "procedure_code": procedure,
                "channel": "online",
                "applicant": _applicant(self.rng),
                "documents": _ALL_DOCUMENTS[procedure],
                "portal_id": portal_id,
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        if not answer.ok:
            return
        acked = Acked(answer.body["id"], "online", None)
        self.ledger.dossiers[acked.id] = acked
        # Reception checks the online submission; its clock starts now.
        accepted = await self.api.call(
            "accept online",
            "POST",
            "intake",
            f"/v1/dossiers/{portal_id}/accept",
            token=self._counter,
            json={},
            settles=("not_awaiting_check",),
        )
        if accepted.ok:
            acked.code = accepted.body["code"]
        elif accepted.retried and accepted.code == "not_awaiting_check":
            got = await self.api.call(
                "read dossier", "GET", "intake", f"/v1/dossiers/{portal_id}", token=self._counter
            )
            if got.ok:
                acked.code = got.body["code"]

    async def _imports(self) -> None:
        chunk_no = 0
        while not self.stop.is_set():
            chunk_no += 1
            lines = [self._import_line(chunk_no, i) for i in range(self.plan.import_chunk)]
            body = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines).encode()
            try:
                answer = await self.api.call(
                    "import",
                    "POST",
                    "intake",
                    "/v1/dossiers/import",
                    token=self._admin,
                    content=body,
                    headers={"Content-Type": "application/x-ndjson"},
                )
            except GaveUp:
                continue
            if answer.ok:
                summary = answer.body
                if summary["failed"] or summary["imported"] + summary["skipped"] != len(lines):
                    self.ledger.import_failures.append(json.dumps(summary)[:2000])
                failed = {e.get("external_code") for e in summary["errors"]}
                self.ledger.imported.update(
                    line["external_code"] for line in lines if line["external_code"] not in failed
                )
            await self._pause(self.plan.import_every)

    def _import_line(self, chunk: int, i: int) -> dict[str, Any]:
        rng = self.rng
        received = datetime(2024, 1, 2, 1, 30, tzinfo=UTC) + timedelta(days=rng.randrange(0, 300), minutes=i)
        line: dict[str, Any] = {
            "procedure_code": rng.choice(PROCEDURES)["code"],
            "external_code": f"SOAK-{self.plan.seed}-{chunk}-{i}",
            "channel": rng.choice(("direct", "post", "online")),
            "applicant": _applicant(rng),
            "received_at": received.isoformat(),
        }
        outcome = rng.random()
        if outcome < 0.6:
            line["resolved_at"] = (received + timedelta(days=rng.randrange(1, 20))).isoformat()
            if outcome < 0.4:
                line["returned_at"] = (received + timedelta(days=21)).isoformat()
        elif outcome < 0.7:
            line["withdrawn_at"] = (received + timedelta(days=1)).isoformat()
        return line

    # -- officers and citizens ---------------------------------------------------------------------

    async def _officer(self, agency: str) -> None:
        officer = self.api.token("officer", f"soak-officer-{agency}", agency)
        leader = self.api.token("leader", f"soak-leader-{agency}", agency)
        asked_supplement: set[str] = set()
        asked_extension: set[str] = set()
        while not self.stop.is_set():
            try:
                page = await self.api.call("queue", "GET", "routing", "/v1/queue?limit=30", token=officer)
                for item in page.body["items"] if page.ok else []:
                    if self.stop.is_set():
                        break
                    step = item["step_id"]
                    if item["state"] == "assigned":
                        await self._act(officer, step, "accept", None, ("step_already_accepted",))
                    elif item["state"] != "in_progress":
                        continue  # paused: waiting for the citizen's supplement
                    elif step not in asked_supplement and self.rng.random() < 0.1:
                        asked_supplement.add(step)
                        done = await self._act(
                            officer,
                            step,
                            "supplement",
                            {"items": [{"code": "DON", "name": "Đơn đề nghị", "reason": "Thiếu chữ ký"}]},
                            ("step_paused",),
                        )
                        if done.ok or (done.retried and done.code == "step_paused"):
                            self._spawn(self._citizen(item["code"], item["channel"]))
                    elif step not in asked_extension and self.rng.random() < 0.1:
                        asked_extension.add(step)
                        # A leader's request is granted, an officer's denied (not_a_leader): both ways.
                        who = leader if self.rng.random() < 0.5 else officer
                        body = {"reason": "Cần xác minh thực địa", "days": 2}
                        await self._act(who, step, "extension", body, ("extension_already_requested",))
                    else:
                        done = await self._act(
                            officer, step, "complete", {"note": "Đã xử lý xong"}, ("step_closed",)
                        )
                        last = item["position"] == _LAST_POSITION.get(item["procedure_code"])
                        if last and (done.ok or done.retried) and self.rng.random() < 0.6:
                            self._spawn(self._hand_back(item["code"]))
            except GaveUp:
                pass
            await self._pause(0.3)

    async def _act(
        self, token: str, step: str, action: str, body: dict[str, Any] | None, settles: tuple[str, ...]
    ) -> Answer:
        answer = await self.api.call(
            action, "POST", "routing", f"/v1/steps/{step}/{action}", token=token, json=body, settles=settles
        )
        if answer.ok:
            self.ledger.did(action)
        return answer

    async def _citizen(self, code: str, channel: str) -> None:
        """A citizen brings the papers an agency asked for. Intake hears of the request by an event:
        until then it answers 409 not_awaiting_supplement, and the citizen comes back a second later
        (for two minutes at most, and not after the load stops). A retried request answered with that
        409 is taken as done: its first attempt committed (or, rarely, it did not and the step stays
        paused, which no check minds)."""
        token = self._portal if channel == "online" else self._counter
        since = time.monotonic()
        while not self.stop.is_set() and time.monotonic() - since < 120:
            await self._pause(1.0)
            try:
                answer = await self.api.call(
                    "supplement in",
                    "POST",
                    "intake",
                    f"/v1/dossiers/{code}/supplement",
                    token=token,
                    json={"documents": ["DON"]},
                    expected=("not_awaiting_supplement",),
                )
            except GaveUp:
                return
            if answer.ok or answer.retried:
                self.ledger.did("supplement in")
                return

    async def _hand_back(self, code: str) -> None:
        """The counter hands the result over once intake shows the dossier resolved (an event from
        routing: until then 409 result_not_ready, and the counter looks again a second later). A retried
        request answered with that 409 may have been returned by its first attempt, or never reached
        the database (a 503 while PostgreSQL restarted): the dossier's status tells which."""
        since = time.monotonic()
        while not self.stop.is_set() and time.monotonic() - since < 120:
            await self._pause(1.0)
            try:
                answer = await self.api.call(
                    "return",
                    "POST",
                    "intake",
                    f"/v1/dossiers/{code}/return",
                    token=self._counter,
                    json={"channel": "counter"},
                    expected=("result_not_ready",),
                )
                done = answer.ok or (answer.retried and await self._status(code) == "returned")
            except GaveUp:
                return
            if done:
                self.ledger.did("return")
                return

    async def _status(self, code: str) -> str | None:
        answer = await self.api.call(
            "read dossier", "GET", "intake", f"/v1/dossiers/{code}", token=self._counter
        )
        return str(answer.body["status"]) if answer.ok else None

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)
