"""What a portal developer writes with intake's generated client (`tools.clientgen`): run by
test_generated_client.py with the generator's python, the package on PYTHONPATH. Args: the service's
base URL, a reception token, an Idempotency-Key; prints what it saw as JSON."""

import json
import sys

from motcua_intake import AuthenticatedClient, Client
from motcua_intake.api.citizens import lookup
from motcua_intake.api.dossiers import get_dossier, submit_dossier
from motcua_intake.models import DossierIn, DossierOut, Problem, PublicStatus

base_url, token, key = sys.argv[1:4]
staff = AuthenticatedClient(base_url=base_url, token=token)
dossier = {
    "procedure_code": "DD-01",
    "channel": "direct",
    "applicant": {"name": "Trần Thị Ánh Tuyết", "id_number": "046095009876", "phone": "0905123456"},
    "documents": ["DON_DANG_KY", "HOP_DONG", "GCN", "TO_KHAI_LPTB", "TO_KHAI_TNCN"],
}

submitted = submit_dossier.sync_detailed(client=staff, body=DossierIn.from_dict(dossier), idempotency_key=key)
received = submitted.parsed
assert isinstance(received, DossierOut), submitted.content
read = get_dossier.sync(received.code, client=staff)
assert isinstance(read, DossierOut), read
public = lookup.sync(client=Client(base_url=base_url), code=received.code, secret=received.lookup_secret)
assert isinstance(public, PublicStatus), public

unknown = submit_dossier.sync_detailed(
    client=staff, body=DossierIn.from_dict({**dossier, "procedure_code": "KHONG_CO"})
)
assert isinstance(unknown.parsed, Problem), unknown.content
# The same key with another body: a 409, not the first dossier.
other = {**dossier, "applicant": {"name": "Lê Văn Bình"}}
conflict = submit_dossier.sync_detailed(client=staff, body=DossierIn.from_dict(other), idempotency_key=key)
assert isinstance(conflict.parsed, Problem), conflict.content

print(
    json.dumps(
        {
            "submitted": {
                "status": int(submitted.status_code),
                "code": received.code,
                "name": received.applicant_name,
            },
            "read": {"code": read.code, "status": read.status, "due_at": read.due_at.isoformat()},
            "public": {
                "code": public.code,
                "status": public.status,
                "timeline": [e.status for e in public.timeline],
            },
            "unknown": {"status": int(unknown.status_code), "code": unknown.parsed.code},
            "conflict": {"status": int(conflict.status_code), "code": conflict.parsed.code},
        },
        ensure_ascii=False,
    )
)
