"""Apology letters (form 04, phiếu xin lỗi và hẹn lại ngày trả kết quả).

Deadline knows dossiers from events (`dossiers`, `clocks` in clocks/models.py); `dossier_id` / `step_id` are
plain uuids, as those are. The dossier facts the printed letter shows (applicant, procedure, receipt and
due dates) are copied onto the letter when it is issued: a letter prints as it was signed.
"""

from sqlalchemy import Boolean, CheckConstraint, Column, Date, DateTime, Index, Table, Text, Uuid

from services.deadline.models import metadata

apology_letters = Table(
    "apology_letters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dossier_code", Text, nullable=False),
    Column("dossier_id", Uuid, nullable=False),
    Column("step_id", Uuid, comment="null: the letter is about the whole dossier"),
    Column("agency_code", Text, nullable=False, comment="the issuing (responsible) agency: the token's"),
    Column("agency_name", Text),
    Column("reason", Text, nullable=False),
    Column("apology", Text, nullable=False),
    Column(
        "new_return_date", Date, nullable=False, comment="kept beside the due dates, never replacing them"
    ),
    Column("due_at", DateTime(timezone=True), comment="the letter's clock (step or dossier) at issue"),
    Column("original_due_at", DateTime(timezone=True), comment="the same clock's original due"),
    Column("received_at", DateTime(timezone=True)),
    Column(
        "appointment_at", DateTime(timezone=True), comment="the return date on the receipt: the dossier's"
    ),
    Column("procedure_name", Text),
    Column("applicant_name", Text, comment="the addressee: personal data, never logged, never in events"),
    Column("signed_by_name", Text, nullable=False),
    Column("signed_by_title", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column(
        "timely",
        Boolean,
        comment="issued by timely_until (rules.is_timely); null: the due unknown, or issued before 0009",
    ),
    Column("timely_until", Date, comment="the last day a letter was timely: a working day before the due"),
    Column("issued_by", Text, nullable=False, comment="the token's sub"),
    Column("issued_by_role", Text, nullable=False),
    CheckConstraint("btrim(reason) <> '' AND btrim(apology) <> ''", name="texts"),
    CheckConstraint("btrim(signed_by_name) <> '' AND btrim(signed_by_title) <> ''", name="signer"),
)
Index("ix_apology_letters_agency_code", apology_letters.c.agency_code, apology_letters.c.issued_at)
Index("ix_apology_letters_dossier_code", apology_letters.c.dossier_code)
Index("ix_apology_letters_dossier_id", apology_letters.c.dossier_id)
Index("ix_apology_letters_step_id", apology_letters.c.step_id)
Index("ix_apology_letters_issued_at", apology_letters.c.issued_at)
