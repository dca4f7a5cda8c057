"""Reception's answer to a dossier it did not receive, on paper: the supplement guidance (phiếu yêu cầu
bổ sung, hoàn thiện hồ sơ, form 02) and the refusal (phiếu từ chối tiếp nhận giải quyết hồ sơ, form 03)
of Circular 01/2018/TT-VPCP, as HTML and PDF."""
