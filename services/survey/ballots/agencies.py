"""The agencies a ballot may name, as this worker has found them: a kiosk ballot checks its agency
without a query once the code is known."""

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from services.survey.replicas import repository
from shared.errors import Problem


class KnownAgencies:
    """Agency codes this worker has seen in the table: agencies are never removed, so a code found
    once needs no second read; an unknown one is read each time (it may have just been registered)."""

    def __init__(self, max_codes: int = 10_000) -> None:
        self._codes: set[str] = set()
        self._max = max_codes

    def seen(self, code: str) -> bool:
        return code in self._codes

    async def check(self, db: AsyncSession | AsyncConnection, code: str) -> None:
        """Raises 422 `unknown_agency` unless the agency is registered."""
        if code in self._codes:
            return
        if not await repository.agency_exists(db, code):
            raise Problem(422, "unknown_agency", f"There is no agency {code}.")
        if len(self._codes) < self._max:
            self._codes.add(code)
