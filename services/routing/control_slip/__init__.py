"""The control slip of a dossier (phiếu kiểm soát quá trình giải quyết hồ sơ, form 05): one row per
hand-off between agencies with the receiving agency's outcome, so lateness is attributed."""
