"""The historical import route: `POST /v1/dossiers/import` (admin, NDJSON, streamed)."""

from typing import Any

from fastapi import APIRouter, Request
from starlette.requests import ClientDisconnect

from services.intake.deps import IntakeSettingsDep
from services.intake.importing import service
from services.intake.importing.lines import MAX_LINE_BYTES
from services.intake.importing.schemas import ImportLine, ImportSummary
from shared.deps import Admin, ClockDep
from shared.errors import Problem

router = APIRouter(prefix="/v1")

NDJSON_TYPES = ("application/x-ndjson", "application/jsonl")


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema with its `$defs` written in place: `#/$defs/…` means nothing inside OpenAPI."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One JSON object a line (NDJSON / JSON Lines), UTF-8, any number of lines.",
        "content": {media: {"schema": _inlined(ImportLine.model_json_schema())} for media in NDJSON_TYPES},
    }
}


@router.post(
    "/dossiers/import",
    response_model=ImportSummary,
    tags=["dossiers"],
    openapi_extra=_BODY,
    responses={
        413: {"description": "A line is longer than 64 KiB; the lines before it were processed", **_PROBLEM},
        415: {"description": "The body is not application/x-ndjson (or application/jsonl)", **_PROBLEM},
    },
)
async def import_dossiers(
    request: Request, settings: IntakeSettingsDep, clock: ClockDep, who: Admin
) -> ImportSummary:
    """Import historical dossiers (hồ sơ từ hệ thống cũ), one JSON object a line, with their timeline:
    `procedure_code`, `external_code`, `channel`, `service_level`, `applicant`, `received_at`, `due_at`,
    `resolved_at`, `returned_at`, `withdrawn_at`, `pauses`.

    - `due_at` and `service_level` are optional: when absent they come from the procedure version in
      force on the receipt date, as at the counter. Given timestamps are kept as given (stored UTC)
      and must carry their offset (`+07:00` or `Z`).
    - Each line is checked on its own; a bad one is listed in `errors` with its line number and a
      `code` (`malformed_json`, `validation_error`, `invalid_encoding`, `unknown_procedure`,
      `procedure_not_in_force`, `dates_out_of_order`, `inconsistent_timeline`, `in_the_future`,
      `due_not_computable`, `unknown_unit`, `unit_closed`, `unit_not_open`, and for `pauses`
      `unknown_pause_kind`, `pause_out_of_order`, `pause_outside_timeline`, `pauses_overlap`) and
      never stops the good lines. The answer is 200 whenever the request
      itself was fine; `errors` lists the first 1000 failed lines, `errors_omitted` the rest.
    - Idempotent: a line whose `external_code` was already imported is counted as `skipped`.
      Send a corrected file again as a whole; only what was missing is imported.
    - Lines are committed in batches as they are read, so a very large file needs no more memory than
      a small one. If a line is longer than 64 KiB the request stops with 413 (its body names the
      line and the counts so far), and the lines before it stay imported.
    - `pauses` (`[{"kind": "supplement" | "obligation", "from": …, "to": …}]`, both ends required):
      the clock's pauses in the old system, within received_at and resolved_at (or withdrawn_at), none
      overlapping. Each that moved the due under the procedure's policy (shift or restart; an
      obligation always shifts) gives the dossier a new appointment (`appointment_at`), as the
      deadline service gives a live one; `due_at` stays the receipt's.
    - Each imported dossier gets a dossier code of the centre's unit for its receipt date (the next
      numbers of that day, in file order), status after its last step, and the events a live
      dossier would have caused, with `"imported": true`: `dossier.received`, one
      `dossier.appointment_changed` a pause that moved the due, then `dossier.resolved`,
      `dossier.returned` (channel `counter`) or `dossier.withdrawn`.
    """
    content_type = request.headers.get("content-type", "")
    if not _is_ndjson(content_type):
        raise Problem(
            415,
            "unsupported_media_type",
            "Send the dossiers as application/x-ndjson (or application/jsonl), UTF-8, one JSON object a "
            f"line of at most {MAX_LINE_BYTES // 1024} KiB; got '{content_type[:100] or 'no content type'}'.",
        )
    desk = service.ImportDesk(
        sessions=request.app.state.sessions, clock=clock, who=who, unit_code=settings.centre_unit_code
    )
    try:
        return await service.import_dossiers(desk, request.stream())
    except ClientDisconnect as exc:  # nobody reads this answer; it keeps the log free of a 500
        raise Problem(
            400, "upload_interrupted", "The upload stopped before its end; send the file again."
        ) from exc


def _is_ndjson(content_type: str) -> bool:
    media, *params = (part.strip().lower() for part in content_type.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in params if p.startswith("charset=")]
    return media in NDJSON_TYPES and all(c in ("utf-8", "utf8") for c in charsets)
