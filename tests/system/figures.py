"""The figures of a soak run, printed at its end: what was checked, which faults, how long the system
took to settle, how much retrying the faults cost."""

from collections import Counter

from tests.system.soak import Report


def figures(report: Report) -> str:
    plan, traffic, ledger = report.plan, report.api.traffic, report.ledger
    received = sum(1 for d in ledger.dossiers.values() if d.code)
    calm = "-" if report.calm_pause is None else f"{report.calm_pause:.2f} s"
    lines = [
        f"== soak figures, {plan.topology} topology (seed {plan.seed}; replay with SOAK_SEED={plan.seed}) ==",
        f"load {report.load_seconds:.0f} s: dossiers acknowledged {len(ledger.dossiers)} "
        f"({received} received), import lines {len(ledger.imported)}",
        "actions: " + ", ".join(f"{k} {v}" for k, v in sorted(ledger.actions.items())),
        f"requests {traffic.requests}, attempts {traffic.attempts}, retried {traffic.retried} "
        f"({_counts(traffic.retry_reasons)}), given up {len(traffic.gave_up)}",
        f"4xx settled by a retry: {_counts(traffic.settled_by_retry)}",
        f"4xx expected: {_counts(traffic.expected)}",
        f"faults injected {len(report.faults)} ({_counts(Counter(f.fault.kind for f in report.faults))}); "
        f"longest pause before the first: {calm}",
        *(f"  {f.line()}" for f in sorted(report.faults, key=lambda f: f.started)),
    ]
    q = report.quiescence
    after_fault = "-" if report.quiet_after_fault is None else f"{report.quiet_after_fault:.1f} s"
    lines.append(
        f"quiescence {'reached' if q.reached else 'NOT reached'}: {report.quiet_after_load:.1f} s after the "
        f"load, {after_fault} after the last fault's recovery"
    )
    lines.append(f"  backlog when the load stopped: {q.first.describe()}")
    if not q.reached:
        lines.append(f"  backlog at the end of the wait: {q.backlog.describe()}")
    settled = report.settled
    lines.append(
        f"every running clock brought due, the watcher's leader killed: quiescence "
        f"{'reached' if settled.reached else 'NOT reached'} {settled.at - q.at:.1f} s later"
    )
    if not settled.reached:
        lines.append(f"  backlog at the end of the wait: {settled.backlog.describe()}")
    lines.append("checks:")
    for check in report.checks:
        mark = "ok  " if check.ok else "FAIL"
        note = f"; {check.note}" if check.note else ""
        lines.append(f"  {mark} {check.name}: {check.actual} (expected {check.expected}){note}")
        lines.extend(f"         {p}" for p in check.problems)
    lines.append(f"result: {'PASS' if report.ok else 'FAIL'}; logs in {report.root / 'logs'}")
    return "\n".join(lines)


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counter.most_common()) or "none"
