"""Paper transfers between agencies (bàn giao hồ sơ giấy): a paper dossier travels to the next agency
in a batch chosen by the cut-off rule, listed on a manifest the receiving agency signs off."""
