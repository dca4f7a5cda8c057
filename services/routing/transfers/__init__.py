"""Paper transfers (bàn giao hồ sơ giấy): a paper dossier travels to the next agency, and a paper result
to the unit where the citizen takes it, in a batch chosen by the cut-off rule, listed on a manifest the
receiving side (the agency's officers, the unit's reception) signs off."""
