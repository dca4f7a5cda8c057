"""The payload of every event, one type each: the producer builds its event's `data` from it and every
consumer reads the event with it, so both sides hold the same contract (docs/events.md). The AsyncAPI
document's payload schemas are checked against these types (tests/platform/test_event_payloads.py).

Consumers ignore fields they do not know (a newer producer may add some); a field a newer producer
added has a default, so older events in a stream still read. `PAYLOADS` names each event's type.
"""
