"""What other services' events do to a plan: a receipt makes it, a withdrawal ends it, the citizen's
supplement resumes its step, the deadline service's decision moves a step's due. One that arrives
before the state it answers is kept as a fact and applied when that state exists."""
