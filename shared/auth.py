"""Bearer JWT authentication: HS256 with a shared secret locally, RS256 against a JWKS when deployed."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from shared.errors import Problem
from shared.settings import ServiceSettings

Role = Literal["portal", "reception", "officer", "leader", "admin", "auditor"]
ROLES: tuple[Role, ...] = ("portal", "reception", "officer", "leader", "admin", "auditor")


class Principal(BaseModel):
    """Who is calling: `sub` is the user or system id, `agency` the agency code of officers and leaders,
    `unit` the receiving unit of reception staff (and of a unit's leader)."""

    sub: str
    role: Role
    agency: str | None = None
    unit: str | None = None


# Tokens verified lately, kept until they expire: a desk or the portal sends the same token for hours,
# and checking its signature and claims again cost ~0.4 ms of every request (issue #17).
VERIFIED_KEPT = 4096


class TokenVerifier:
    """Checks a bearer token's signature and claims once; until it expires, the same token is the same
    principal (kept for `VERIFIED_KEPT` tokens at most, the oldest dropped first)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwt_jwks_url, cache_keys=True) if settings.jwt_jwks_url else None
        )
        self._verified: dict[str, tuple[Principal, float]] = {}

    async def verify(self, token: str) -> Principal:
        kept = self._verified.get(token)
        if kept is not None and kept[1] > time.time():
            return kept[0]
        principal, expires = await self._check(token)
        if len(self._verified) >= VERIFIED_KEPT:
            self._verified.pop(next(iter(self._verified)))
        self._verified[token] = (principal, expires)
        return principal

    async def _check(self, token: str) -> tuple[Principal, float]:
        """The token's principal and expiry (`exp`, seconds since the epoch), or 401 `invalid_token`."""
        try:
            if self._jwks is not None:
                # PyJWKClient fetches over blocking HTTP (then caches): keep it off the event loop.
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
                claims = self._decode(token, key, "RS256")
            else:
                claims = self._decode(token, self._settings.jwt_secret, "HS256")
            return Principal.model_validate(claims), float(claims["exp"])  # type: ignore[arg-type]
        except (jwt.PyJWTError, ValidationError) as exc:
            raise Problem(
                401,
                "invalid_token",
                f"The bearer token was refused ({type(exc).__name__}); sign in again.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc

    def _decode(self, token: str, key: object, algorithm: str) -> dict[str, object]:
        return jwt.decode(
            token,
            key,  # type: ignore[arg-type]
            algorithms=[algorithm],
            audience=self._settings.jwt_audience,
            issuer=self._settings.jwt_issuer,
            options={"require": ["sub", "exp"], "verify_aud": self._settings.jwt_audience is not None},
        )


async def current_principal(request: Request) -> Principal:
    # The header read here rather than through FastAPI's HTTPBearer, a dependency of its own that
    # every route paid for (issue #17); the documents' bearer scheme is `shared.openapi_contract`'s.
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Problem(
            401,
            "unauthenticated",
            "This endpoint needs a bearer token (Authorization: Bearer <jwt>).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits only these roles: `Depends(require_roles("admin"))`."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise Problem(
                403,
                "forbidden_role",
                f"Role '{principal.role}' may not do this; it needs one of: {', '.join(roles)}.",
            )
        if principal.role in ("officer", "leader") and not principal.agency:
            raise Problem(
                403, "agency_claim_missing", "Officer and leader tokens must carry an 'agency' claim."
            )
        return principal

    return check


def issue_token(
    secret: str,
    *,
    sub: str,
    role: Role,
    agency: str | None = None,
    unit: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A locally signed HS256 token (for `make token`, tests and benchmarks)."""
    claims: dict[str, object] = {"sub": sub, "role": role, "exp": int(time.time()) + ttl_seconds}
    if agency:
        claims["agency"] = agency
    if unit:
        claims["unit"] = unit
    return jwt.encode(claims, secret, algorithm="HS256")
