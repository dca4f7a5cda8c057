"""A received dossier's route plan (quy trình luân chuyển) and its steps: how it is planned, how it
moves (a group starts, a step pauses, resumes, completes, or ends the plan), the one way its changes
and events are written (`stream.plan_events`), and the plan as the API shows it."""
