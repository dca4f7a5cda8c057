"""Fees paid against a step's financial obligation (nộp phí, lệ phí, nghĩa vụ tài chính): each payment
recorded with its amount, channel and time, and announced as `dossier.fee_paid`, from which reporting
counts Decision 766's online payment rate."""
