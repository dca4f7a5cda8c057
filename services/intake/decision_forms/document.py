"""Forms 02 and 03 of Circular 01/2018/TT-VPCP as printable HTML and PDF.

- Form 02, phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (supplement guidance): the complete list of what the
  dossier lacks, each item with its reason, so the citizen comes back once.
- Form 03, phiếu từ chối tiếp nhận giải quyết hồ sơ (refusal): the reason the dossier is not received.

Both head with the receiving unit's name and address, the applicant (address, phone masked, e-mail),
the procedure asked for and the day the form was issued, and end with the receiving officer's
signature. Their items follow the forms as the team read them (docs/rules.md, "Lifecycle": not
confirmed against the official text). The number, title and basis are those of the rule set of the
day the form was issued (a dossier not received has no receipt day). The frame is
`shared.printing.form`'s, shared with the receipt (form 01). Pure rendering: no database, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.printing import one_line, paragraphs, vietnamese_date
from shared.printing.form import (
    SIGN_HINT,
    Applicant,
    Block,
    Line,
    OfficialForm,
    Paragraph,
    Table,
    applicant_lines,
    form_html,
    form_pdf,
)
from shared.printing.html import Signature
from shared.rule_sets import Form

MISSING_HEADINGS = (
    "STT",
    "Thành phần hồ sơ cần bổ sung, hoàn thiện",
    "Bản chính/Bản sao",
    "Số lượng",
    "Lý do",
)
MISSING_WIDTHS = (11.0, 64.0, 30.0, 17.0, 48.0)  # mm; the PDF's 170 mm between margins
MISSING_REASON = "Thành phần hồ sơ bắt buộc, chưa có trong hồ sơ đã nộp"


@dataclass(frozen=True)
class MissingItem:
    """One paper the dossier lacks (thành phần hồ sơ cần bổ sung) and why it is asked."""

    name: str
    original: bool  # bản chính (True) or bản sao (False)
    copies: int
    reason: str = MISSING_REASON


@dataclass(frozen=True)
class DecisionFormView:
    """Everything printed on form 02 or 03, already looked up and masked by the caller."""

    kind: Literal["supplement", "refusal"]  # form 02 or form 03
    form: Form  # that form in the rule set of the issue day: its number, title and basis as printed
    unit_name: str  # the receiving unit's name
    unit_address: str | None
    reference: Line  # the dossier as the citizen knows it: its portal id, else its id
    applicant: Applicant
    procedure_name: str
    procedure_code: str
    issued_at: datetime
    issued_by: str  # the receiving officer
    missing: tuple[MissingItem, ...] = ()  # form 02: every item, at once
    reason: str | None = None  # form 03: the refusal's reason; form 02: reception's note, if any


def _head(view: DecisionFormView) -> list[Block]:
    n = one_line
    applicant = view.applicant
    blocks: list[Block] = []
    if view.unit_address:
        blocks.append(Line("Địa chỉ đơn vị tiếp nhận: ", n(view.unit_address)))
    blocks.append(Line(f"{n(view.unit_name)} tiếp nhận hồ sơ của: ", n(applicant.name)))
    blocks.extend(applicant_lines(applicant))
    blocks.append(
        Line(
            "Nội dung yêu cầu giải quyết: ",
            f"{n(view.procedure_name)} (mã thủ tục: {n(view.procedure_code)})",
        )
    )
    return blocks


def _frame(view: DecisionFormView, blocks: list[Block], signer_role: str) -> OfficialForm:
    n = one_line
    return OfficialForm(
        label=n(view.form.label),
        basis=n(view.form.basis_line),
        agency=n(view.unit_name).upper(),
        reference=Line(view.reference.label, n(view.reference.value)),
        date_line=vietnamese_date(view.issued_at).capitalize(),
        title=n(view.form.title).upper(),
        blocks=tuple(blocks),
        signatures=(None, Signature(signer_role, SIGN_HINT, n(view.issued_by))),
    )


def supplement_guidance(view: DecisionFormView) -> OfficialForm:
    """Form 02: what to supplement, all of it, each item with its reason."""
    n = one_line
    blocks = _head(view)
    blocks.append(Paragraph("Yêu cầu Ông/Bà bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:"))
    blocks.append(
        Table(
            headings=MISSING_HEADINGS,
            rows=tuple(
                (
                    str(i),
                    n(item.name),
                    "Bản chính" if item.original else "Bản sao",
                    str(item.copies),
                    n(item.reason),
                )
                for i, item in enumerate(view.missing, start=1)
            ),
            widths=MISSING_WIDTHS,
            align=("CENTER", "LEFT", "CENTER", "CENTER", "LEFT"),
        )
    )
    if view.reason:
        blocks.append(Line("Lý do: ", n(view.reason)))
    blocks.append(
        Paragraph(
            "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, Ông/Bà liên hệ "
            f"{n(view.unit_name)} để được hướng dẫn./."
        )
    )
    return _frame(view, blocks, "NGƯỜI HƯỚNG DẪN")


def refusal(view: DecisionFormView) -> OfficialForm:
    """Form 03: the dossier is not received, and why."""
    blocks = _head(view)
    blocks.append(
        Paragraph(
            f"Qua xem xét, {one_line(view.unit_name)} thông báo không tiếp nhận, giải quyết hồ sơ này "
            "với lý do cụ thể như sau:"
        )
    )
    blocks.extend(Paragraph(text) for text in paragraphs(view.reason or ""))
    blocks.append(Paragraph("Xin thông báo cho Ông/Bà được biết và thực hiện./."))
    return _frame(view, blocks, "NGƯỜI TIẾP NHẬN HỒ SƠ")


def _form(view: DecisionFormView) -> OfficialForm:
    return supplement_guidance(view) if view.kind == "supplement" else refusal(view)


def decision_form_html(view: DecisionFormView) -> str:
    """Form 02 or 03 (by the view's form) as a self-contained printable A4 page."""
    return form_html(_form(view))


def decision_form_pdf(view: DecisionFormView) -> bytes:
    """The same form as an A4 PDF, fonts embedded; the same bytes for the same view."""
    return form_pdf(_form(view), created_at=view.issued_at)
