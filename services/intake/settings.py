"""Settings of the intake service, beyond what every service has."""

from pydantic import Field

from services.intake.schemas import UNIT_CODE_LENGTH, UNIT_CODE_PATTERN
from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    centre_unit_code: str = Field(
        default="000.00.12.H57",
        pattern=UNIT_CODE_PATTERN,
        max_length=UNIT_CODE_LENGTH,
        description="the default receiving unit's code (a unit from the first start): where the portal's "
        "dossiers without unit_code, import lines without one and, while it is the only unit open, reception "
        "tokens without a unit claim receive",
    )
    centre_name: str = "Bộ phận tiếp nhận và trả kết quả"
    public_lookup_url: str = Field(
        default="http://127.0.0.1:8001/v1/lookup", description="what the receipt's QR code points to"
    )
    lookup_per_minute: float = 10.0
    load_default_catalogue: bool = True
    load_province_catalogue: bool = Field(
        default=False,
        description="also load the two-tier province of 1 July 2025 (seed/province.json): its units and "
        "agencies, the 2021 district ones closed on 2025-06-30 with successors; reception tokens must then "
        "name their unit",
    )
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, gt=0, description="the largest digitized file accepted (413 beyond)"
    )
    max_upload_pages: int = Field(
        default=500, gt=0, description="the most pages a digitized PDF may have (422 too_many_pages beyond)"
    )
    upload_check_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how long checking an uploaded file may take (422 file_too_complex beyond)",
    )
