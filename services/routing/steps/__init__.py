"""What an officer or leader does to a step at their agency: accept, complete, ask for a supplement or
a financial obligation, reject, stop, ask for an extension; each audited."""
