"""One request's database transaction, captured from PostgreSQL's statement log and turned into a pgbench
script that replays exactly it: the same statements in the same order, with the values the service bound
inlined as literals.

A service's role logs every statement (`log_statement = 'all'`, parameters in full) while a few requests
are made; the log's lines carry `%n [%p]` (epoch with milliseconds, backend pid), so a request's
transaction is one backend's (its statements outside any transaction may be several's). Two requests
that ran the same statements tell the values of the request (they differ between the two: ids, codes,
hashes, times) from the values of the workload (the same in both: the unit, the day, the procedure, the
hot counter row). A replay keeps the workload's values and makes the request's unique in every
transaction, so that pgbench neither trips a unique key nor queues on a row the service does not queue
on.
"""

import re
from dataclasses import dataclass
from pathlib import Path

LOG_LINE_PREFIX = "%n [%p] "
_RECORD = re.compile(r"^(\d+\.\d+) \[(\d+)\] ([A-Z]+):  (.*)$", re.DOTALL)
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.DOTALL)
_PARAMETER = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", re.DOTALL)
_PLACEHOLDER = re.compile(r"\$(\d+)")
_LITERAL = re.compile(r"'(?:[^']|'')*'")
# A time or a date is one token: it differs between two requests but is no key (left as captured).
_TIME = r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
_TOKEN = re.compile(rf"{_TIME}|[\w.+-]+")
_IS_TIME = re.compile(rf"^{_TIME}$")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_IS_UUID = re.compile(rf"^{_UUID}$")

# pgbench's own variables: `k` counts the client's transactions (-D k=0), `u` is unique in the run
# (`base` differs between runs, one client never reaches 10,000,000 transactions).
PRELUDE = ["\\set k :k + 1", "\\set u :base + :client_id * 10000000 + :k"]
UNIQUE = "lpad(:u::text, 10, '0')"


@dataclass(frozen=True)
class Statement:
    at: float  # epoch seconds, as logged
    pid: int
    sql: str
    params: dict[int, str | None]


@dataclass(frozen=True)
class Transaction:
    """The statements of one request between BEGIN and COMMIT, or, when it sent them outside any
    transaction (`begin` None), each committing on its own; and how many the request sent on its
    connection in all (the pool's ping, BEGIN and COMMIT with them)."""

    begin: str | None
    statements: list[Statement]
    round_trips: int


def _records(text: str) -> list[tuple[float, int, str, str]]:
    """The log's records: a line with the prefix starts one, tab-indented lines continue it."""
    records: list[tuple[float, int, str, str]] = []
    for line in text.split("\n"):
        match = _RECORD.match(line)
        if match:
            records.append((float(match[1]), int(match[2]), match[3], match[4]))
        elif line.startswith("\t") and records:
            at, pid, level, message = records[-1]
            records[-1] = (at, pid, level, message + "\n" + line[1:])
    return records


def read_statements(log: Path, offset: int) -> list[Statement]:
    """The statements logged after byte `offset` of the server's log, each with its bound values."""
    with log.open("rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", errors="replace")
    statements: list[Statement] = []
    last: dict[int, int] = {}  # pid -> index of its last statement, for the DETAIL line after it
    for at, pid, level, message in _records(text):
        statement = _STATEMENT.match(message) if level == "LOG" else None
        if statement:
            last[pid] = len(statements)
            statements.append(Statement(at, pid, statement[1].strip().rstrip(";"), {}))
        elif level == "DETAIL" and message.startswith("Parameters: ") and pid in last:
            params = statements[last[pid]].params
            for number, raw, quoted in _PARAMETER.findall(message):
                params[int(number)] = None if raw == "NULL" else quoted.replace("''", "'")
    return statements


def request_transaction(statements: list[Statement], marker: str, since: float) -> Transaction:
    """The transaction that first mentions `marker` (an id only that request knows) after `since` (when
    the request was sent), and how many statements its backend ran for the request until its COMMIT;
    if that statement ran in no transaction, the request's statements up to the last that mentions
    `marker` (a read of it may come before the write)."""
    since -= 0.002  # the log keeps milliseconds
    first = next(s for s in statements if s.at >= since and marker in _text(s))
    own = [s for s in statements if s.pid == first.pid]
    at = own.index(first)
    ends = [i for i in range(at) if own[i].sql.upper() in ("COMMIT", "END", "ROLLBACK")]
    begins = [i for i in range(at) if own[i].sql.upper().startswith("BEGIN")]
    if not begins or (ends and ends[-1] > begins[-1]):  # no transaction open at the marker
        outside = [s for s in _outside_transactions(statements) if s.at >= since]
        last = max(i for i, s in enumerate(outside) if marker in _text(s))
        return Transaction(None, outside[: last + 1], last + 1)
    start = begins[-1]
    end = next(i for i in range(at, len(own)) if own[i].sql.upper() in ("COMMIT", "END"))
    sent = sum(1 for s in own[: end + 1] if s.at >= since)
    return Transaction(own[start].sql, own[start + 1 : end], max(sent, end - start + 1))


# What the services' background tasks send outside a transaction: the pool's ping, and a relay or a
# watcher waiting for the lead.
_BACKGROUND = re.compile(r"^$|pg_try_advisory_lock|^LISTEN ", re.IGNORECASE)


def _outside_transactions(statements: list[Statement]) -> list[Statement]:
    """The statements each committing on its own, whichever backend sent them: a request's statements
    outside a transaction (`shared.db.raw.alone`) may each go on another pooled connection."""
    open_on: set[int] = set()  # backends in a transaction
    alone = []
    for s in statements:
        sql = s.sql.upper()
        if sql.startswith("BEGIN"):
            open_on.add(s.pid)
        elif sql in ("COMMIT", "END", "ROLLBACK"):
            open_on.discard(s.pid)
        elif s.pid not in open_on and not _BACKGROUND.search(s.sql.strip()):
            alone.append(s)
    return alone


def _text(statement: Statement) -> str:
    return statement.sql + " " + " ".join(v for v in statement.params.values() if v is not None)


def _values(statement: Statement) -> dict[str, str | None]:
    """Every value the statement carries: its bound parameters (`$n`) and the string literals written
    into its text (`'n`), which a statement built with its values inlined carries instead."""
    values: dict[str, str | None] = {f"${n}": v for n, v in statement.params.items()}
    for n, literal in enumerate(_LITERAL.findall(statement.sql)):
        values[f"'{n}"] = literal[1:-1].replace("''", "'")
    return values


class Rewriter:
    """Replaces tokens of a captured request's values by SQL: `fixed` ones (seeded rows, a client's
    unit) wherever they appear, and those that differ between two requests of the same statements."""

    def __init__(self, fixed: dict[str, str]) -> None:
        names = "|".join(re.escape(name) for name in sorted(fixed, key=len, reverse=True))
        self.token = re.compile((rf"(?<![\w.+-])(?:{names})(?![\w.+])|" if fixed else "") + _TOKEN.pattern)
        self.replaced = dict(fixed)

    def learn(self, template: Transaction, other: Transaction) -> None:
        """The tokens of `template`'s values that `other` did not carry at the same place: the request's
        own (ids, codes, hashes, times), each given an expression (`_expression`)."""
        skeletons = [[_LITERAL.sub("''", s.sql) for s in t.statements] for t in (template, other)]
        if skeletons[0] != skeletons[1]:
            raise RuntimeError("two requests ran different statements: no one transaction to replay")
        varying: set[str] = set()
        for mine, theirs in zip(template.statements, other.statements, strict=True):
            their_values = _values(theirs)
            for key, value in _values(mine).items():
                seen = set(self.token.findall(their_values.get(key) or ""))
                varying |= {t for t in self.token.findall(value or "") if t not in seen}
        for n, token in enumerate(sorted(varying - self.replaced.keys())):
            expression = _expression(token, n)
            if expression is not None:
                self.replaced[token] = expression

    def value(self, value: str | None) -> str:
        """A value as SQL: a literal, or a concatenation where it holds replaced tokens."""
        if value is None:
            return "NULL"
        pieces: list[str] = []
        kept = 0
        for match in self.token.finditer(value):
            if match[0] in self.replaced:
                if match.start() > kept:
                    pieces.append(literal(value[kept : match.start()]))
                pieces.append(self.replaced[match[0]])
                kept = match.end()
        if not pieces:
            return literal(value)
        if kept < len(value):
            pieces.append(literal(value[kept:]))
        return "(" + " || ".join(pieces) + ")"

    def statement(self, statement: Statement) -> str:
        """The statement with its values inlined: its literals rewritten where they hold a replaced
        token (left as written otherwise), its parameters as SQL."""
        sql = _LITERAL.sub(self._literal_in_text, statement.sql)
        values = {n: self.value(v) for n, v in statement.params.items()}
        return _PLACEHOLDER.sub(lambda m: values[int(m[1])], sql)

    def _literal_in_text(self, match: re.Match[str]) -> str:
        text = match[0][1:-1].replace("''", "'")
        rewritten = any(t in self.replaced for t in self.token.findall(text))
        return self.value(text) if rewritten else match[0]


def _expression(token: str, n: int) -> str | None:
    """A UUID becomes one unique to the transaction, any other key itself with its last 10 characters
    unique (a code, a hash: same length, same prefix); a time stays as captured (None)."""
    if _IS_UUID.match(token):
        return f"md5(:u::text || '-{n}')::uuid"
    if _IS_TIME.match(token):
        return None
    return f"{literal(token[:-10])} || {UNIQUE}" if len(token) > 10 else UNIQUE


def literal(text: str) -> str:
    """A string literal pgbench passes on untouched: it takes `:name` anywhere for a variable, so a
    colon is written as an escape."""
    if ":" not in text and "\\" not in text:
        return "'" + text.replace("'", "''") + "'"
    escaped = text.replace("\\", "\\\\").replace("'", "''").replace(":", "\\x3a")
    return f"E'{escaped}'"


def pgbench_script(
    template: Transaction, other: Transaction, fixed: dict[str, str], prelude: list[str]
) -> str:
    """`template` as a pgbench script (run with -D k=0 -D base=...): `fixed` maps captured tokens to
    SQL (it may use the variables `prelude` sets), the request's other values are made unique."""
    rewriter = Rewriter(fixed)
    rewriter.learn(template, other)
    lines = [*PRELUDE, *prelude, *([f"{template.begin};"] if template.begin else [])]
    lines += [rewriter.statement(statement) + ";" for statement in template.statements]
    lines += ["COMMIT;"] if template.begin else []
    return "\n".join(lines) + "\n"
