"""The look-up secret printed on the receipt: eight characters a citizen cannot misread (no 0/O, 1/I/L),
drawn evenly from its alphabet."""

from collections import Counter

from services.intake.dossiers.rules import SECRET_LENGTH, new_lookup_secret

READABLE = set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")


def test_a_secret_is_eight_readable_characters_each_drawn_evenly() -> None:
    secrets = [new_lookup_secret() for _ in range(20_000)]
    assert all(len(secret) == SECRET_LENGTH for secret in secrets)
    # Not that all differ: two of 20,000 draws from 31**8 are alike once in about 4,000 runs (it
    # happened in CI), and a secret is only ever checked with its dossier's code.
    counts = Counter("".join(secrets))
    assert set(counts) == READABLE, "every character of the alphabet, and only those"
    expected = 20_000 * SECRET_LENGTH / len(READABLE)  # 5,161 each; 8 % is six standard deviations
    assert all(abs(n - expected) < 0.08 * expected for n in counts.values()), counts
